#!/bin/bash
# A fault never outlives its deadline, even when chaosd is SIGKILLed and not
# started again: its warden reverts it. And the warden steps aside when a new
# daemon takes over.
. "$(dirname "$0")/../lib.sh"
t_plan 4
have_docker || t_skip_all "dockerd or $TEST_IMAGE missing"
dir=$(mktemp -d /tmp/chaosd-warden.XXXXXX); t_cleanup rm -rf "$dir"
C=chaosd-warden-$$
t_container $C "$TEST_IMAGE" sleep 100000
F=$(t_freezer_file $C)
spec() { echo "{\"name\":\"warden\",\"target\":{\"container\":\"$C\"},\"duration\":\"$1\",\"faults\":[{\"type\":\"pause\"}]}"; }
wardens() { # wardens of this state dir still alive
        local n=0 p
        for p in $(pgrep -x chaosd-warden); do n=$((n + 1)); done
        echo $n
}

t_start_chaosd "$dir"
t_api -X POST -d "$(spec 2s)" /v1/experiments >/dev/null
before=$(cat "$F")
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
t0=$(date +%s%N)
sleep 1; mid=$(cat "$F")
t_wait 5 grep -q THAWED "$F"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$before" = FROZEN ] && [ "$mid" = FROZEN ] && [ "$(cat "$F")" = THAWED ] && [ "$ms" -le 3500 ] \
        && t_pass "SIGKILL, no restart: pause held until the deadline, thawed by the warden ${ms} ms after the kill (deadline ~2000 ms)" \
        || t_fail "warden revert" "before=$before mid=$mid end=$(cat "$F") after ${ms} ms"
state=$(sqlite3 "$dir/state/journal.db" "select state from experiments order by created_ms desc limit 1" 2>/dev/null)
[ "$state" = completed ] && t_pass "journal records the warden's revert (completed)" || t_fail "journal state" "$state"

# A new daemon takes over an unexpired experiment: the warden must not revert it early.
t_start_chaosd "$dir"
id=$(t_api -X POST -d "$(spec 4s)" /v1/experiments | json_get '["id"]')
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
sleep 0.5
t_start_chaosd "$dir"
sleep 1.5
st=$(t_api /v1/experiments/$id | json_get '["state"]')
[ "$st" = running ] && [ "$(cat "$F")" = FROZEN ] && t_pass "restarted daemon resumed it; warden stepped aside" \
        || t_fail "takeover" "state=$st freezer=$(cat "$F")"
t_wait 4 grep -q THAWED "$F" && t_pass "reverted at its deadline by the new daemon" || t_fail "takeover revert" "$(cat "$F")"
exit $T_FAILED
