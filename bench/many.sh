#!/bin/bash
# N targets at once (100 and 500): pause N freezer cgroups, each holding a
# sleeping process, as N experiments on one daemon (sequential API calls
# from one C client, bench/manybench.c); then one halt reverts all. Per run:
# the time to inject all N (apply + verify each), the daemon's RSS with N
# active, the halt's time. Between the inject and the halt every freezer is
# read from outside (all FROZEN), after the halt again (all THAWED), or the
# run fails. No baseline: no other tool does this in one call.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
R=${R:-5}
[ -x "$BUILD/bench/manybench" ] || { b_fail "N targets at once" "$BUILD/bench/manybench missing"; b_exit; }
dir=$(mktemp -d /tmp/chaosd-bench-many.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || { b_fail "N targets at once" "chaosd did not start"; b_exit; }
root=/sys/fs/cgroup/freezer state=freezer.state
[ -f /sys/fs/cgroup/cgroup.controllers ] && root=/sys/fs/cgroup state=cgroup.freeze   # v2: 1 / 0
count() { # count WANT: how many of the N cgroups the kernel reports in WANT
        local want=$1
        [ $state = cgroup.freeze ] && { [ "$want" = FROZEN ] && want=1 || want=0; }
        cat "$root$prefix"-*/$state | grep -cx "$want"
}
many_once() {
        local inject rss halt c
        coproc MB { "$BUILD/bench/manybench" "$CHAOSD_SOCKET" "$prefix" "$N" "$CHAOSD_PID" 2>"$dir/mb.err"; }
        read -r inject rss <&"${MB[0]}"
        c=$(count FROZEN)
        echo go >&"${MB[1]}"
        read -r halt <&"${MB[0]}"
        wait "$MB_PID" || { cat "$dir/mb.err" >&2; return 1; }
        [ "$c" = "$N" ] || { echo "$c of $N frozen with all injected" >&2; return 1; }
        c=$(count THAWED)
        [ "$c" = "$N" ] || { echo "$c of $N thawed after the halt" >&2; return 1; }
        [ "${rss:--1}" -gt 0 ] && [ -n "$halt" ] || { echo "no figures from manybench" >&2; return 1; }
        echo "$inject $((inject / N)) $rss $halt"
}
for N in 100 500; do
        prefix=/chaosd-bench-many-$$-$N
        pids=()
        for ((i = 0; i < N; i++)); do
                mkdir -p "$root$prefix-$i"
                sleep 600 & pids+=($!)
                echo $! >"$root$prefix-$i/cgroup.procs"
        done
        t_cleanup "kill ${pids[*]} 2>/dev/null; sleep 0.3; for ((i = 0; i < $N; i++)); do rmdir $root$prefix-\$i 2>/dev/null; done"
        b_runs "$R" many_once 0
        b_row1 $? "$N targets at once: inject all (apply+verify; per target) · daemon RSS with all active · one halt reverts all (all $N frozen, then thawed, read from the kernel)" \
                "$(b_col "$B_DIR/a" 1 ms) ($(b_col "$B_DIR/a" 2 ms) each) · $(b_col "$B_DIR/a" 3 MiB) · $(b_col "$B_DIR/a" 4 ms)"
        t_api -X POST /v1/halt >/dev/null
done
b_exit
