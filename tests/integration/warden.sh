#!/bin/bash
# A fault never outlives its deadline, even when chaosd is SIGKILLed and not
# started again: its warden reverts it. And the warden steps aside when a new
# daemon takes over.
. "$(dirname "$0")/../lib.sh"
t_plan 6
have_docker || t_skip_all "dockerd or $TEST_IMAGE missing"
dir=$(mktemp -d /tmp/chaosd-warden.XXXXXX); t_cleanup rm -rf "$dir"
C=chaosd-warden-$$
t_container $C "$TEST_IMAGE" sleep 100000
F=$(t_freezer_file $C)
spec() { echo "{\"name\":\"warden\",\"target\":{\"container\":\"$C\"},\"duration\":\"$1\",\"faults\":[{\"type\":\"pause\"}]}"; }
# Our daemon's warden: its child named chaosd-warden (other helpers' chaosd
# run wardens of their own on this machine: never count by name alone).
warden_of() { pgrep -P "$1" -x chaosd-warden; }
wardens() { # wardens PID...: how many of those wardens are still alive
        local n=0 p
        for p in "$@"; do
                [ -d "/proc/$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = chaosd-warden ] &&
                        ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && n=$((n + 1))
        done
        echo $n
}
no_wardens() { [ "$(wardens "$@")" = 0 ]; }

t_start_chaosd "$dir"
t_api -X POST -d "$(spec 2s)" /v1/experiments >/dev/null
before=$(cat "$F")
w1=$(warden_of "$CHAOSD_PID")
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
t0=$(date +%s%N)
sleep 1; mid=$(cat "$F")
t_wait 5 grep -q THAWED "$F"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$before" = FROZEN ] && [ "$mid" = FROZEN ] && [ "$(cat "$F")" = THAWED ] && [ "$ms" -le 3500 ] \
        && t_pass "SIGKILL, no restart: pause held until the deadline, thawed by the warden ${ms} ms after the kill (deadline ~2000 ms)" \
        || t_fail "warden revert" "before=$before mid=$mid end=$(cat "$F") after ${ms} ms"
# The revert above is the warden's only if a warden of ours was alive
# after the kill; its work done, it leaves.
[ -n "$w1" ] && t_wait 3 no_wardens $w1 \
        && t_pass "the daemon's warden (pid $w1) did it and exited afterwards" \
        || t_fail "warden" "warden '${w1}' of the killed daemon: $(wardens $w1) still alive"
state=$(sqlite3 "$dir/state/journal.db" "select state from experiments order by created_ms desc limit 1" 2>/dev/null)
[ "$state" = completed ] && t_pass "journal records the warden's revert (completed)" || t_fail "journal state" "$state"

# A new daemon takes over an unexpired experiment: the warden must not revert it early.
t_start_chaosd "$dir"
id=$(t_api -X POST -d "$(spec 4s)" /v1/experiments | json_get '["id"]')
w2=$(warden_of "$CHAOSD_PID")
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
sleep 0.5
alive=$(wardens $w2)
t_start_chaosd "$dir"
sleep 1.5
st=$(t_api /v1/experiments/$id | json_get '["state"]')
[ "$st" = running ] && [ "$(cat "$F")" = FROZEN ] && t_pass "restarted daemon resumed it (state running, freezer FROZEN)" \
        || t_fail "takeover" "state=$st freezer=$(cat "$F")"
# The old warden was alive when the new daemon came; it must leave without
# reverting (the freezer stayed FROZEN above), at its next look at the lock
# (it sleeps at most 5 s between looks).
[ -n "$w2" ] && [ "$alive" = 1 ] && t_wait 7 no_wardens $w2 \
        && t_pass "the old daemon's warden (pid $w2) stepped aside: exited once the new daemon held the lock" \
        || t_fail "warden step aside" "warden '${w2}': alive after the kill: ${alive:-?}; now $(wardens $w2)"
t_wait 4 grep -q THAWED "$F" && t_pass "reverted at its deadline by the new daemon" || t_fail "takeover revert" "$(cat "$F")"
exit $T_FAILED
