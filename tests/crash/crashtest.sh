#!/bin/bash
# make crashtest: SIGKILL chaosd at random points while it applies and while
# it reverts every fault type, start it again, and check from outside
# (cgroupfs, tc -j, /proc) that nothing chaosd applied remains once the
# deadline has passed: no frozen cgroup, no changed cgroup value, no extra
# process (stressor) in the target, no qdisc or filter, no stopped or traced
# process. Prints the cycles run and the leftovers found.
#   CYCLES=200 (default)  SEED=n (default: random, printed)
. "$(dirname "$0")/../lib.sh"
# One check per fault kind of SPECS below (its spec validates here, or
# SKIP), and the campaign's verdict.
t_plan 15
CYCLES=${CYCLES:-200}
SEED=${SEED:-$RANDOM}
RANDOM=$SEED
have_docker || t_skip_all "dockerd or $TEST_IMAGE missing"
dir=$(mktemp -d /tmp/chaosd-crash.XXXXXX)
t_cleanup rm -rf "$dir"
C=chaosd-crash-$$
t_container $C --memory 256m --cpus 1 "$TEST_IMAGE" sleep 100000
CID=$(docker inspect -f '{{.Id}}' $C)
MAIN=$(docker inspect -f '{{.State.Pid}}' $C)
cg() { echo "/sys/fs/cgroup/$1/docker/$CID"; }

snapshot() {
        local f
        for f in freezer/freezer.state cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpu/cpu.shares \
                 cpuset/cpuset.cpus memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes \
                 pids/pids.max blkio/blkio.throttle.read_bps_device blkio/blkio.throttle.write_bps_device \
                 blkio/blkio.throttle.read_iops_device blkio/blkio.throttle.write_iops_device; do
                [ -f "$(cg "${f%%/*}")/${f#*/}" ] && echo "$f=$(tr '\n' ' ' <"$(cg "${f%%/*}")/${f#*/}")"
        done
        echo "procs=$(sort -n "$(cg pids)/cgroup.procs" | tr '\n' ' ')"
        for p in $(cat "$(cg pids)/cgroup.procs"); do
                st=$(awk '{print $3}' /proc/$p/stat 2>/dev/null)
                tr=$(awk '/^TracerPid/ {print $2}' /proc/$p/status 2>/dev/null)
                echo "proc $p state=${st/S/ok} tracer=${tr:-0}" | sed 's/state=R/state=ok/'
        done
        echo "qdisc=$(nsenter -t "$MAIN" -n tc -j qdisc show 2>/dev/null)"
        echo "filters=$(nsenter -t "$MAIN" -n tc -j filter show dev eth0 2>/dev/null)"
        echo "filters-in=$(nsenter -t "$MAIN" -n tc -j filter show dev eth0 ingress 2>/dev/null)"
        echo "filters-out=$(nsenter -t "$MAIN" -n tc -j filter show dev eth0 egress 2>/dev/null)"
        echo "links=$(nsenter -t "$MAIN" -n ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')"
}

# One spec per fault type; those this build does not know are skipped.
declare -A SPECS=(
        [pause]='[{"type":"pause"}]'
        [kill]='[{"type":"kill","signal":"SIGCONT"}]'
        [cpu-quota]='[{"type":"cpu","quota":0.3}]'
        [cpu-load]='[{"type":"cpu","load":30,"workers":1}]'
        [memory-limit]='[{"type":"memory","limit":"200MiB"}]'
        [memory-consume]='[{"type":"memory","consume":"32MiB"}]'
        [pids]='[{"type":"pids","max":64}]'
        [network]='[{"type":"network","delay":"50ms","interface":"eth0"}]'
        [bandwidth]='[{"type":"bandwidth","rate":"10mbit","interface":"eth0"}]'
        [bandwidth-in]='[{"type":"bandwidth","rate":"10mbit","interface":"eth0","direction":"both","peers":["10.0.0.0/8","fd00::/8"]}]'
        [partition]='[{"type":"partition","peers":["192.0.2.0/24","2001:db8::/32"],"direction":"both"}]'
        [io]='[{"type":"io","device":"/dev/vda","wbps":"1MiB"}]'
        [syscall]='[{"type":"syscall","syscalls":["openat"],"errno":"EIO","probability":"10%"}]'
        [multi]='[{"type":"cpu","quota":0.5},{"type":"memory","limit":"220MiB"},{"type":"pause"}]'
)
kinds=()
for k in "${!SPECS[@]}"; do
        echo "{\"name\":\"crash-$k\",\"target\":{\"container\":\"$C\"},\"duration\":\"1s\",\"faults\":${SPECS[$k]}}" >"$dir/$k.json"
        if "$CHAOSCTL" validate "$dir/$k.json" >/dev/null 2>&1; then
                kinds+=("$k")
                t_pass "crash $k: its spec validates in this build"
        else
                t_skip "crash $k" "fault type not in this build: $("$CHAOSCTL" validate "$dir/$k.json" 2>&1 | head -1)"
        fi
done
[ ${#SPECS[@]} = 14 ] || t_fail "crashtest plan" "${#SPECS[@]} kinds in SPECS: change t_plan"
[ ${#kinds[@]} -gt 0 ] || { t_fail crashtest "no fault type validates"; exit 1; }

start_daemon() {
        "$CHAOSD" --socket "$dir/s.sock" --state-dir "$dir/state" 2>>"$dir/chaosd.log" &
        DPID=$!
        export CHAOSD_SOCKET=$dir/s.sock
        t_wait 5 curl -sf --unix-socket "$dir/s.sock" http://chaosd/v1/health
}
t_cleanup 'kill -KILL $DPID 2>/dev/null; "$CHAOSD" --recover --state-dir "$dir/state" >/dev/null 2>&1'

base=$(snapshot)
echo "$base" >"$dir/base.txt"
start_daemon || { t_fail crashtest "chaosd did not start"; exit 1; }
leftovers=0 applied_kills=0 revert_kills=0 cycles=0 unsettled=0
t0=$(date +%s)
for ((i = 1; i <= CYCLES; i++)); do
        k=${kinds[$((RANDOM % ${#kinds[@]}))]}
        phase=$((RANDOM % 2))  # 0: kill while applying, 1: kill while reverting
        curl -s --max-time 10 --unix-socket "$dir/s.sock" -X POST --data-binary @"$dir/$k.json" \
                http://chaosd/v1/experiments >/dev/null 2>&1 &
        cpid=$!
        if [ $phase = 0 ]; then
                sleep "0.00$((RANDOM % 10))"      # 0–9 ms into the request: resolve, journal, apply, verify
                applied_kills=$((applied_kills + 1))
        else
                wait $cpid 2>/dev/null
                sleep "0.9$((RANDOM % 10))"       # around the 1 s deadline: revert in progress or about to be
                revert_kills=$((revert_kills + 1))
        fi
        kill -KILL $DPID 2>/dev/null; wait $DPID 2>/dev/null; wait $cpid 2>/dev/null
        start_daemon || { t_fail "cycle $i" "chaosd did not restart"; break; }
        sleep 1.2                                  # past any deadline: reconcile has reverted
        # Let an in-flight stressor exit (it dies by PDEATHSIG or by revert).
        now=$(snapshot)
        if [ "$now" != "$base" ]; then
                sleep 1; now=$(snapshot)
        fi
        if [ "$now" != "$base" ]; then
                leftovers=$((leftovers + 1))
                echo "  cycle $i ($k, phase $phase): leftover:"; diff <(echo "$base") <(echo "$now") | sed 's/^/    /'
                # put things back so the next cycles are judged on their own
                "$CHAOSCTL" halt >/dev/null 2>&1
        fi
        cycles=$i
done
elapsed=$(( $(date +%s) - t0 ))
echo "crashtest: seed $SEED, $cycles cycles in ${elapsed}s ($applied_kills killed while applying, $revert_kills while reverting), fault types: ${kinds[*]}; leftovers found: $leftovers"
[ "$leftovers" = 0 ] && [ "$cycles" = "$CYCLES" ] && t_pass "crashtest: $cycles cycles, 0 leftovers" \
        || t_fail "crashtest" "$leftovers leftovers in $cycles cycles (see above; log $dir/chaosd.log)"
exit $T_FAILED
