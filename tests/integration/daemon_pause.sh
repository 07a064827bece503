#!/bin/bash
# End to end through the daemon's API on real Docker containers (cgroup v1
# freezer on this host): run, get, stop, halt, SIGTERM, conflicts, bad specs,
# authorisation, target-gone, and crash recovery after SIGKILL.
. "$(dirname "$0")/../lib.sh"
t_plan 24

have_docker || t_skip_all "dockerd or image $TEST_IMAGE missing"
[ -x "$CHAOSD" ] || { t_fail daemon-pause "no $CHAOSD"; exit 1; }
dir=$(mktemp -d /tmp/chaosd-it.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail daemon-start "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }

C1=chaosd-it-a-$$ C2=chaosd-it-b-$$ C3=chaosd-it-c-$$
for c in $C1 $C2 $C3; do t_container $c "$TEST_IMAGE" sh -c 'while :; do :; done'; done
F1=$(t_freezer_file $C1) F2=$(t_freezer_file $C2) F3=$(t_freezer_file $C3)
PAUSE='[{"type":"pause"}]'
spec() { # spec CONTAINER DURATION [FAULTS]
        local faults=${3:-$PAUSE}
        echo "{\"name\":\"it-$1\",\"target\":{\"container\":\"$1\"},\"duration\":\"$2\",\"faults\":$faults}"
}
cpu_ticks() { # utime+stime of a container's main process
        awk '{print $14+$15}' "/proc/$(docker inspect -f '{{.State.Pid}}' "$1")/stat"
}
progress() { local a b; a=$(cpu_ticks "$1"); sleep 0.5; b=$(cpu_ticks "$1"); echo $((b - a)); }

# --- run, effect seen from outside, deadline revert -----------------------
out=$(t_api -X POST -d "$(spec $C1 2s)" /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
st=$(echo "$out" | json_get '["state"]')
[ "$st" = running ] && [ "$(cat "$F1")" = FROZEN ] && [ "$(progress $C1)" = 0 ] \
        && t_pass "pause: running, freezer FROZEN, no CPU progress" \
        || t_fail "pause: running" "state=$st freezer=$(cat "$F1") $out"
rb=$(t_api /v1/experiments/$id | json_get '["faults"][0]["readback"]')
echo "$rb" | grep -q FROZEN && t_pass "pause: get shows the read-back" || t_fail "pause: readback" "$rb"
sleep 2.3
[ "$(cat "$F1")" = THAWED ] && [ "$(progress $C1)" -gt 0 ] \
        && [ "$(t_api /v1/experiments/$id | json_get '["state"]')" = completed ] \
        && t_pass "pause: thawed at the deadline, CPU progress again, state completed" \
        || t_fail "pause: deadline revert" "freezer=$(cat "$F1")"

# --- stop ----------------------------------------------------------------
id=$(t_api -X POST -d "$(spec $C1 60s)" /v1/experiments | json_get '["id"]')
st=$(t_api -X DELETE /v1/experiments/$id | json_get '["state"]')
[ "$st" = stopped ] && [ "$(cat "$F1")" = THAWED ] && t_pass "stop: reverted, state stopped" \
        || t_fail "stop" "state=$st freezer=$(cat "$F1")"
code=$(t_api -o /dev/null -w '%{http_code}' /v1/experiments/doesnotexist)
[ "$code" = 404 ] && t_pass "get unknown id: 404" || t_fail "get unknown id" "$code"

# --- conflict --------------------------------------------------------------
id=$(t_api -X POST -d "$(spec $C1 60s)" /v1/experiments | json_get '["id"]')
code=$(t_api -o "$dir/conflict.json" -w '%{http_code}' -X POST -d "$(spec $C1 60s)" /v1/experiments)
[ "$code" = 409 ] && [ "$(cat "$F1")" = FROZEN ] && t_pass "second pause of the same target refused (409), first holds" \
        || t_fail "conflict" "code=$code $(cat "$dir/conflict.json")"
t_api -X DELETE /v1/experiments/$id >/dev/null

# --- halt: every active experiment reverted --------------------------------
for c in $C1 $C2 $C3; do t_api -X POST -d "$(spec $c 60s)" /v1/experiments >/dev/null; done
frozen=$(cat "$F1" "$F2" "$F3" | grep -c FROZEN)
n=$(t_api -X POST /v1/halt | json_get '["halted"]')
thawed=$(cat "$F1" "$F2" "$F3" | grep -c THAWED)
[ "$frozen" = 3 ] && [ "$n" = 3 ] && [ "$thawed" = 3 ] && t_pass "halt: 3 experiments reverted" \
        || t_fail "halt" "frozen=$frozen halted=$n thawed=$thawed"

# --- bad specs: 400 with the path, nothing touched, daemon keeps serving ---
bad=0 total=0
for f in "$(dirname "$0")"/../data/bad-specs/*.json; do
        total=$((total + 1))
        want=$(cat "${f%.json}.path")
        # Point valid targets at a real container so only the flaw is refused.
        if grep -q '"container"' "$f"; then body=$(cat "$f"); else body=$(sed "s/\"pid\":42/\"container\":\"$C1\"/" "$f"); fi
        code=$(t_api -o "$dir/bad.json" -w '%{http_code}' -X POST --data-binary "$body" /v1/experiments)
        path=$(json_get '["path"]' <"$dir/bad.json" 2>/dev/null)
        if [ "$code" != 400 ] || [ "$path" != "$want" ]; then
                bad=$((bad + 1)); echo "  $(basename "$f"): code=$code path=$path want=$want"
        fi
done
health=$(t_api /v1/health | json_get '["status"]')
[ "$bad" = 0 ] && [ "$total" -ge 30 ] && [ "$health" = ok ] && [ "$(cat "$F1")" = THAWED ] \
        && t_pass "daemon: $total bad specs rejected with 400 and their JSON path; still serving; nothing frozen" \
        || t_fail "daemon bad specs" "$bad of $total wrong, health=$health"
code=$(head -c 70000 /dev/zero | tr '\0' ' ' | t_api -o /dev/null -w '%{http_code}' -X POST --data-binary @- /v1/experiments)
[ "$code" = 413 ] && t_pass "oversized body refused (413)" || t_fail "oversized body" "$code"

# --- safety refusals -------------------------------------------------------
code=$(t_api -o /dev/null -w '%{http_code}' -X POST -d '{"name":"x","target":{"pid":1},"duration":"1s","faults":[{"type":"pause"}]}' /v1/experiments)
[ "$code" = 403 ] && t_pass "PID 1 refused as target (403)" || t_fail "PID 1 target" "$code"
code=$(t_api -o /dev/null -w '%{http_code}' -X POST -d "{\"name\":\"x\",\"target\":{\"pid\":$CHAOSD_PID},\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]}" /v1/experiments)
[ "$code" = 403 ] && t_pass "chaosd itself refused as target (403)" || t_fail "self target" "$code"
# Put chaosd in a freezer cgroup of its own, then ask it to freeze that one.
own=/chaosd-it-own-$$
mkdir -p /sys/fs/cgroup/freezer$own
t_cleanup "echo $CHAOSD_PID > /sys/fs/cgroup/freezer/cgroup.procs; rmdir /sys/fs/cgroup/freezer$own"
echo "$CHAOSD_PID" >/sys/fs/cgroup/freezer$own/cgroup.procs
code=$(t_api -o "$dir/own.json" -w '%{http_code}' -X POST -d "{\"name\":\"x\",\"target\":{\"cgroup\":\"$own\"},\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]}" /v1/experiments)
[ "$code" = 403 ] && [ "$(cat /sys/fs/cgroup/freezer$own/freezer.state)" = THAWED ] \
        && t_pass "chaosd's own cgroup refused as target (403)" || t_fail "own cgroup" "$code $(cat "$dir/own.json")"
# A pid target sharing chaosd's cgroup: signals are fine, freezing is not.
sleep 60 & buddy=$!
t_cleanup "kill $buddy"
echo "$buddy" >/sys/fs/cgroup/freezer$own/cgroup.procs
code=$(t_api -o "$dir/buddy.json" -w '%{http_code}' -X POST -d "{\"name\":\"x\",\"target\":{\"pid\":$buddy},\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]}" /v1/experiments)
[ "$code" = 422 ] && grep -q "contains chaosd" "$dir/buddy.json" && [ "$(cat /sys/fs/cgroup/freezer$own/freezer.state)" = THAWED ] \
        && t_pass "pause of a pid in chaosd's cgroup refused (422), nothing frozen" || t_fail "buddy pause" "$code $(cat "$dir/buddy.json")"
# SIGUSR1 ends a sleep: the kernel's exit status of our own child proves
# the signal arrived, not chaosd's 201.
code=$(t_api -o "$dir/buddy.json" -w '%{http_code}' -X POST -d "{\"name\":\"x\",\"target\":{\"pid\":$buddy},\"duration\":\"1s\",\"faults\":[{\"type\":\"kill\",\"signal\":\"SIGUSR1\"}]}" /v1/experiments)
zombie() { grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null || [ ! -d "/proc/$1" ]; }
if t_wait 3 zombie "$buddy"; then wait "$buddy" 2>/dev/null; brc=$?; else brc=alive; fi
[ "$code" = 201 ] && [ "$brc" = $((128 + 10)) ] \
        && t_pass "a signal to a pid in chaosd's cgroup is allowed: the pid died of SIGUSR1 (exit status $brc)" \
        || t_fail "buddy kill" "code $code, the pid's status: $brc $(cat "$dir/buddy.json")"
t_api -X POST /v1/halt >/dev/null
echo "$CHAOSD_PID" >/sys/fs/cgroup/freezer/cgroup.procs

# --- authorisation by SO_PEERCRED -----------------------------------------
if command -v setpriv >/dev/null; then
        chmod 0711 "$dir"; chmod 0666 "$CHAOSD_SOCKET"   # let the filesystem through: the daemon must refuse
        code=$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' \
                --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/experiments)
        chmod 0660 "$CHAOSD_SOCKET"
        [ "$code" = 403 ] && t_pass "uid 65534 refused by SO_PEERCRED (403)" || t_fail "auth" "code=$code"
else
        t_skip "auth" "setpriv missing"
fi

# --- target gone: the container's main process exits mid-experiment -------
C4=chaosd-it-d-$$
t_container $C4 "$TEST_IMAGE" sleep 2
id=$(t_api -X POST -d "$(spec $C4 30s '[{"type":"kill","signal":"SIGCONT"}]')" /v1/experiments | json_get '["id"]')
t_wait 6 sh -c "curl -s --unix-socket $CHAOSD_SOCKET http://chaosd/v1/experiments/$id | grep -q '\"state\":\"target-gone\"'" \
        && t_pass "target exit ends the experiment as target-gone" \
        || t_fail "target-gone" "$(t_api /v1/experiments/$id)"

# --- SIGTERM reverts everything --------------------------------------------
t_api -X POST -d "$(spec $C2 60s)" /v1/experiments >/dev/null
kill -TERM "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
[ "$(cat "$F2")" = THAWED ] && t_pass "SIGTERM: daemon reverted its pause before exiting" || t_fail "SIGTERM" "$(cat "$F2")"

# --- SIGKILL, deadline passes while down: thawed within 2 s of restart -----
t_start_chaosd "$dir"
t_api -X POST -d "$(spec $C3 1s)" /v1/experiments >/dev/null
# Kill its warden too (as a cgroup-wide kill would): only the restart's
# reconcile is left to revert (tests/integration/warden.sh covers the warden).
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
sleep 1.5
held=$(cat "$F3")
t0=$(date +%s%N)
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID"
t_wait 5 grep -q THAWED "$F3"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$held" = FROZEN ] && [ "$(cat "$F3")" = THAWED ] && [ "$ms" -le 2000 ] \
        && t_pass "SIGKILL of chaosd and its warden, deadline passed while down: thawed ${ms} ms after restart (bound 2000 ms)" \
        || t_fail "recover expired" "held=$held now=$(cat "$F3") after ${ms} ms"

# --- SIGKILL, deadline not yet passed: pause holds, then reverts -----------
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
id=$(t_api -X POST -d "$(spec $C3 4s)" /v1/experiments | json_get '["id"]')
deadline=$(t_api /v1/experiments/$id | json_get '["remaining_ms"]')
start=$(date +%s%N)
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID"
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
sleep 1
st=$(t_api /v1/experiments/$id | json_get '["state"]'); mid=$(cat "$F3")
t_wait 8 grep -q THAWED "$F3"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$st" = running ] && [ "$mid" = FROZEN ] && [ "$(cat "$F3")" = THAWED ] && [ "$ms" -ge $((deadline - 500)) ] \
        && t_pass "SIGKILL + unexpired: resumed (state running, FROZEN), thawed ${ms} ms after start (deadline ${deadline} ms)" \
        || t_fail "recover unexpired" "state=$st mid=$mid end=$(cat "$F3") at ${ms} ms, deadline ${deadline} ms"

# --- --recover reverts regardless of the deadline --------------------------
t_api -X POST -d "$(spec $C3 60s)" /v1/experiments >/dev/null
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
"$CHAOSD" --recover --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" >/dev/null 2>>"$dir/chaosd.log"
[ "$(cat "$F3")" = THAWED ] && t_pass "chaosd --recover thawed a 60 s pause" || t_fail "--recover" "$(cat "$F3")"

# --- events (with follow) and metrics -------------------------------------
t_start_chaosd "$dir"
curl -sN --max-time 6 --unix-socket "$CHAOSD_SOCKET" "http://chaosd/v1/events?follow=1" >"$dir/follow.jsonl" &
fpid=$!
sleep 0.3
id=$(t_api -X POST -d "$(spec $C1 1s)" /v1/experiments | json_get '["id"]')
during=$(cat "$F1")
t_wait 4 grep -q '"event":"ended"' "$dir/follow.jsonl"
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "$dir/follow.jsonl" \
        && grep -q "\"experiment\":\"$id\",\"event\":\"running\"" "$dir/follow.jsonl" \
        && grep -q '"event":"ended"' "$dir/follow.jsonl" && [ "$during" = FROZEN ] \
        && t_pass "events: follow stream delivered running and ended as JSON lines (freezer FROZEN while running)" \
        || t_fail "events" "$(cat "$dir/follow.jsonl")"
m=$(t_api /metrics); t_api /v1/experiments >"$dir/list.json"
# 0 active pause faults is chaosd's word: the three freezers must agree.
thawed=$(cat "$F1" "$F2" "$F3" | grep -c THAWED)
echo "$m" | grep -q '^chaosd_experiments_created_total 1' && echo "$m" | grep -q 'chaosd_active_faults{type="pause"} 0' \
        && [ "$thawed" = 3 ] \
        && t_pass "metrics: Prometheus text with counters (0 active pauses; 3 of 3 freezers THAWED)" \
        || t_fail "metrics" "$(grep -E "created_total|active_faults" <<<"$m") thawed=$thawed $(cat "$dir/list.json")"
if command -v promtool >/dev/null; then
        echo "$m" | promtool check metrics >"$dir/promtool.txt" 2>&1 && t_pass "metrics: promtool check metrics" \
                || t_fail "promtool" "$(cat "$dir/promtool.txt")"
else
        t_skip "promtool" "promtool (Debian package prometheus) not installed"
fi
# Under SANITIZE=1 the daemons above ran with ASan+UBSan: their reports land in the log.
kill -TERM "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
if grep -qE 'Sanitizer|runtime error' "$dir/chaosd.log"; then
        t_fail "sanitizers" "$(grep -E -A12 'Sanitizer|runtime error' "$dir/chaosd.log" | head -40)"
else
        t_pass "no sanitizer report in the daemon's log"
fi
if [ "$T_FAILED" != 0 ]; then echo "--- chaosd log"; tail -30 "$dir/chaosd.log"; fi
exit $T_FAILED
