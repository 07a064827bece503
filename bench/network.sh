#!/bin/bash
# Network faults on this host (it has tbf; it lacks netem): inject+revert of
# a root qdisc through chaosd (the `bandwidth` fault: a tbf) vs `nsenter -t
# PID -n tc qdisc add … tbf …` + `… del …`, CLI to CLI; the same from a C
# client on chaosd's API and inside the daemon (no baseline: no other
# client); then NS network namespaces injected and reverted, chaosctl vs
# nsenter+tc, per round; then the netem rows in the kernel lane's VM
# (NET_BENCH_VM=0 skips them). Every iteration reads the root qdisc back with tc
# (outside the timed part): the tbf after the inject, noqueue after the
# revert, or the row fails.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
N=${N:-30}
NS=${NS:-500}
R=${R:-3}
have_docker || { b_fail "network faults" "docker unavailable"; b_exit; }
command -v nsenter >/dev/null || { b_fail "network faults" "nsenter missing"; b_exit; }
dir=$(mktemp -d /tmp/chaosd-bench-net.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || { b_fail "network faults" "chaosd did not start"; b_exit; }
C=chaosd-bench-net-$$
t_container $C "$TEST_IMAGE" sleep 100000
PID=$(docker inspect -f '{{.State.Pid}}' $C)
spec() { echo "{\"name\":\"bench-net\",\"target\":{\"pid\":$1},\"duration\":\"10m\",\"faults\":[{\"type\":\"bandwidth\",\"rate\":\"10mbit\",\"interface\":\"$2\"}]}"; }
# root_is PID DEV WANT: the root qdisc's kind and handle, read by tc
root_is() {
        local r; r=$(nsenter -t "$1" -n tc qdisc show dev "$2" root | awk '{print $2, $3; exit}')
        [ "$r" = "$3" ] || { echo "root qdisc of $2 in $1's netns is '$r', want '$3'" >&2; return 1; }
}
TBF=(tbf rate 10mbit burst 32kb latency 400ms)
spec $PID eth0 >"$dir/spec.json"

# ---- one container, N pairs, CLI to CLI ----
ctl_side() {
        local t0 t1 t2 t3 id
        t0=$EPOCHREALTIME; id=$("$CHAOSCTL" run "$dir/spec.json") || return 1; t1=$EPOCHREALTIME
        root_is $PID eth0 "tbf c4a0:" || return 1
        t2=$EPOCHREALTIME; id=$("$CHAOSCTL" stop "$id") || return 1; t3=$EPOCHREALTIME
        root_is $PID eth0 "noqueue 0:" || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
tc_side() {
        local t0 t1 t2 t3 out
        t0=$EPOCHREALTIME; out=$(nsenter -t $PID -n tc qdisc add dev eth0 root handle 1: "${TBF[@]}") || return 1; t1=$EPOCHREALTIME
        root_is $PID eth0 "tbf 1:" || return 1
        t2=$EPOCHREALTIME; out=$(nsenter -t $PID -n tc qdisc del dev eth0 root) || return 1; t3=$EPOCHREALTIME
        root_is $PID eth0 "noqueue 0:" || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
b_pair "$N" ctl_side tc_side
b_row $? "tbf inject+revert on a container's eth0, CLI to CLI: \`chaosctl run\`+\`stop\` (journalled, verified)" ms \
        "\`nsenter -t PID -n tc qdisc add … tbf\`+\`del\`"

# ---- the same from one C client, and inside the daemon ----
"$BUILD/bench/apibench" spec "$CHAOSD_SOCKET" "$dir/spec.json" $((N * 10)) >"$dir/api" 2>"$dir/api.err"
st=$?
[ $st = 0 ] && ! root_is $PID eth0 "noqueue 0:" 2>"$dir/api.err" && st=1
b_load $st "$dir/api"
b_row1 $? "↳ the same from a C client (bench/apibench.c: POST answered \`running\` + DELETE over the Unix socket; root back to noqueue after)" \
        "$(b_col "$B_DIR/a" 1 ms)"
sums() { t_api /metrics | awk '/^chaosd_inject_seconds_sum/ {i=$2} /^chaosd_revert_seconds_sum/ {r=$2} END {print i, r}'; }
inside() {
        local i0 r0 i1 r1 id
        read -r i0 r0 < <(sums)
        id=$("$CHAOSCTL" run "$dir/spec.json") || return 1
        root_is $PID eth0 "tbf c4a0:" || return 1
        "$CHAOSCTL" stop "$id" >/dev/null || return 1
        root_is $PID eth0 "noqueue 0:" || return 1
        read -r i1 r1 < <(sums)
        awk -v a="$i0" -v b="$r0" -v c="$i1" -v d="$r1" 'BEGIN {printf "%.0f %.0f\n", (c - a) * 1e9, (d - b) * 1e9}'
}
b_runs "$N" inside
b_row1 $? "↳ inside the daemon (growth of /metrics' inject/revert sums): apply+verify · revert, over netlink" \
        "$(b_col "$B_DIR/a" 1 ms) · $(b_col "$B_DIR/a" 2 ms)"

# ---- NS network namespaces, R rounds each side ----
# Each namespace's process in a cgroup of its own: chaosd treats one cgroup
# as one target (and refuses a second fault of a kind on it).
cgbase=/sys/fs/cgroup/freezer
[ -d $cgbase ] || cgbase=/sys/fs/cgroup
pids=()
for i in $(seq $NS); do
        ns=bench$$-$i
        ip netns add $ns && ip -n $ns link add v0 type veth peer name v1 && ip -n $ns link set v0 up || break
        t_cleanup "ip netns del $ns"
        mkdir -p $cgbase/$ns
        t_cleanup "rmdir $cgbase/$ns"
        ip netns exec $ns sleep 100000 &
        pids+=($!)
        t_cleanup "kill ${pids[-1]}; wait ${pids[-1]}"
        echo ${pids[-1]} >$cgbase/$ns/cgroup.procs
        spec ${pids[-1]} v0 >"$dir/ns-$i.json"
done
NSN=${#pids[@]}
[ "$NSN" = "$NS" ] || { b_fail "$NS network namespaces" "only $NSN of $NS namespaces could be made"; b_exit; }
all_roots() { # all_roots WANT: every namespace's v0 root, read by tc
        local i bad=0
        for ((i = 1; i <= NSN; i++)); do
                [ "$(tc -n bench$$-$i qdisc show dev v0 root | awk '{print $2, $3; exit}')" = "$1" ] || bad=$((bad + 1))
        done
        [ $bad = 0 ] || { echo "$bad of $NSN namespaces' v0 root is not '$1'" >&2; return 1; }
}
rss0=$(awk '/VmRSS/ {print $2}' /proc/$CHAOSD_PID/status)
ns_ctl() {
        local t0 t1 t2 t3 i rss ids=()
        t0=$EPOCHREALTIME
        for ((i = 1; i <= NSN; i++)); do ids+=("$("$CHAOSCTL" run "$dir/ns-$i.json")") || return 1; done
        [ ${#ids[@]} = "$NSN" ] || { echo "${#ids[@]} experiments for $NSN namespaces" >&2; return 1; }
        t1=$EPOCHREALTIME
        rss=$(awk '/VmRSS/ {print $2}' /proc/$CHAOSD_PID/status)
        all_roots "tbf c4a0:" || return 1
        t2=$EPOCHREALTIME
        for id in "${ids[@]}"; do "$CHAOSCTL" stop "$id" >/dev/null || return 1; done
        t3=$EPOCHREALTIME
        all_roots "noqueue 0:" || return 1
        echo "$(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) )) $(b_ns $t0 $t1) $(b_ns $t2 $t3) $rss"
}
ns_tc() {
        local t0 t1 t2 t3 p
        t0=$EPOCHREALTIME
        for p in "${pids[@]}"; do nsenter -t $p -n tc qdisc add dev v0 root handle 1: "${TBF[@]}" || return 1; done
        t1=$EPOCHREALTIME
        all_roots "tbf 1:" || return 1
        t2=$EPOCHREALTIME
        for p in "${pids[@]}"; do nsenter -t $p -n tc qdisc del dev v0 root || return 1; done
        t3=$EPOCHREALTIME
        all_roots "noqueue 0:" || return 1
        echo "$(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) )) $(b_ns $t0 $t1) $(b_ns $t2 $t3)"
}
B_WARMUP=0 b_pair "$R" ns_ctl ns_tc
st=$?
hwm=$(awk '/VmHWM/ {print $2}' /proc/$CHAOSD_PID/status)
b_row $st "$NS network namespaces, CLI to CLI: inject all + revert all, one at a time (\`chaosctl run\` then \`stop\` each; every root read back by tc)" s \
        "\`nsenter … tc qdisc add\` then \`del\` each" \
        "$(b_col "$B_DIR/a" 2 s) + $(b_col "$B_DIR/a" 3 s)" "$(b_col "$B_DIR/b" 2 s) + $(b_col "$B_DIR/b" 3 s)"
b_row1 $st "↳ chaosd RSS: idle before · with $NS experiments active · peak" \
        "$(b_fmt "$rss0" MiB) MiB · $(b_col "$B_DIR/a" 4 MiB) · $(b_fmt "$hwm" MiB) MiB"

# ---- netem, in the kernel lane's VM (this host has no netem) ----
# tests/kernel/network.sh prints BENCH: rows measured inside the guest,
# paired the same way; a FAILED one, or none at all, fails this script.
if [ "${NET_BENCH_VM:-1}" = 1 ]; then
        echo "network bench: booting the kernel lane for the netem rows (~3 min)" >&2
        KERNEL_LANE_BENCH=1 "$(dirname "$0")/../tests/kernel/run.sh" network.sh >"$dir/lane.out" 2>&1
        sed -n 's/^BENCH: //p' "$dir/lane.out" | tee "$dir/lane.rows"
        if [ ! -s "$dir/lane.rows" ]; then
                b_fail "netem inject+revert in the kernel lane" "no BENCH rows: $(tail -3 "$dir/lane.out" | tr '\n' ' ')"
        elif grep -q FAILED "$dir/lane.rows"; then
                echo "$B_SCRIPT: FAILED: a kernel-lane row" >&2; B_FAILED=1
        fi
fi
b_exit
