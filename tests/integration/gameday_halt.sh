#!/bin/bash
# Halt: with 100 active pause faults (100 experiments on 100 freezer
# cgroups this test makes, each holding a sleeping process), POST /v1/halt
# reverts all of them within 1 s. Measured twice: the API's answer time and
# the time until the last freezer.state reads THAWED from outside.
. "$(dirname "$0")/../lib.sh"
t_plan 2

N=${GAMEDAY_HALT_N:-100}
[ "$(id -u)" = 0 ] || t_skip_all "needs root"
[ -x "$CHAOSD" ] || { t_fail gameday-halt "no $CHAOSD"; exit 1; }
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then BASE=/sys/fs/cgroup; STATE=cgroup.freeze; else BASE=/sys/fs/cgroup/freezer; STATE=freezer.state; fi
[ -d "$BASE" ] || t_skip_all "no freezer hierarchy at $BASE"
dir=$(mktemp -d /tmp/chaosd-halt.XXXXXX)
t_cleanup rm -rf "$dir"
# A daemon with a roomy history: 100 experiments at once.
t_start_chaosd "$dir" || { t_fail gameday-halt "chaosd did not answer"; exit 1; }
PARENT=chaosd-halt-$$
mkdir "$BASE/$PARENT" || { t_fail gameday-halt "cannot create $BASE/$PARENT"; exit 1; }
pids=()
cleanup_cgroups() {
        local i
        for i in $(seq 1 "$N"); do
                [ -d "$BASE/$PARENT/c$i" ] || continue
                if [ "$STATE" = freezer.state ]; then echo THAWED >"$BASE/$PARENT/c$i/freezer.state"; else echo 0 >"$BASE/$PARENT/c$i/cgroup.freeze"; fi
        done 2>/dev/null
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
        sleep 0.2
        for i in $(seq 1 "$N"); do rmdir "$BASE/$PARENT/c$i" 2>/dev/null; done
        rmdir "$BASE/$PARENT" 2>/dev/null
}
t_cleanup cleanup_cgroups
for i in $(seq 1 "$N"); do
        mkdir "$BASE/$PARENT/c$i"
        sleep 600 &
        pids+=($!)
        echo $! >"$BASE/$PARENT/c$i/cgroup.procs"
done
thawed() { # count of cgroups whose freezer reads thawed
        local n=0 i v
        for i in $(seq 1 "$N"); do
                v=$(cat "$BASE/$PARENT/c$i/$STATE")
                [ "$v" = THAWED ] || [ "$v" = 0 ] && n=$((n + 1))
        done
        echo $n
}
ok=0
for i in $(seq 1 "$N"); do
        code=$(t_api -o /dev/null -w '%{http_code}' -X POST \
                -d "{\"name\":\"halt-$i\",\"target\":{\"cgroup\":\"/$PARENT/c$i\"},\"duration\":\"10m\",\"faults\":[{\"type\":\"pause\"}]}" /v1/experiments)
        [ "$code" = 201 ] && ok=$((ok + 1))
done
frozen=$((N - $(thawed)))
active=$(t_api /metrics | awk '/^chaosd_active_faults\{type="pause"\}/ {print $2}')
echo "  $ok experiments started, $frozen cgroups FROZEN, chaosd_active_faults{type=pause} $active"
[ "$ok" = "$N" ] && [ "$frozen" = "$N" ] && [ "$active" = "$N" ] \
        && t_pass "$N pause faults active on $N cgroups" || t_fail "halt setup" "ok=$ok frozen=$frozen active=$active"
t0=$(date +%s%N)
out=$(t_api -X POST /v1/halt)
t1=$(date +%s%N)
while [ "$(thawed)" != "$N" ] && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ]; do :; done
t2=$(date +%s%N)
halted=$(echo "$out" | json_get '["halted"]')
api_ms=$(( (t1 - t0) / 1000000 )) all_ms=$(( (t2 - t0) / 1000000 ))
echo "  halt: answered in ${api_ms} ms (halted=$halted); all $N freezers THAWED ${all_ms} ms after the request (includes reading $N files)"
sum=$(t_api /metrics | awk '/^chaosd_revert_seconds_sum/ {print $2}')
echo "  chaosd_revert_seconds_sum after halt: ${sum}s over all reverts"
[ "$halted" = "$N" ] && [ "$(thawed)" = "$N" ] && [ "$api_ms" -le 1000 ] \
        && t_pass "halt reverted $N active faults within 1 s (${api_ms} ms, verified THAWED from cgroupfs)" \
        || t_fail "halt" "halted=$halted thawed=$(thawed) api=${api_ms}ms"
exit $T_FAILED
