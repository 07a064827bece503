#!/bin/bash
# N targets at once (100 and 500): pause N freezer cgroups, each holding a
# sleeping process, as N experiments on one daemon; then one halt reverts all.
# Reports the time to inject all N (apply + verify each, sequential API
# calls), the daemon's RSS with N active, and the halt time.
. "$(dirname "$0")/../tests/lib.sh"
[ -x "$BUILD/bench/manybench" ] || { echo "many bench: $BUILD/bench/manybench missing" >&2; exit 1; }
dir=$(mktemp -d /tmp/chaosd-bench.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || exit 1
root=/sys/fs/cgroup/freezer
[ -f /sys/fs/cgroup/cgroup.controllers ] && root=/sys/fs/cgroup   # v2
for N in 100 500; do
        prefix=/chaosd-many-$$-$N
        pids=()
        for ((i = 0; i < N; i++)); do
                mkdir -p "$root$prefix-$i"
                sleep 600 & pids+=($!)
                echo $! >"$root$prefix-$i/cgroup.procs"
        done
        t_cleanup "kill ${pids[*]} 2>/dev/null; sleep 0.3; for ((i = 0; i < $N; i++)); do rmdir $root$prefix-\$i 2>/dev/null; done"
        read -r inject rss halt < <("$BUILD/bench/manybench" "$CHAOSD_SOCKET" "$prefix" $N "$CHAOSD_PID")
        thawed=$(cat "$root$prefix"-*/freezer.state 2>/dev/null | grep -c THAWED)
        echo "| $N targets at once: inject all (apply+verify) · daemon RSS with all active · one halt reverts all | $(awk -v n=$inject -v c=$N 'BEGIN {printf "%.0f ms (%.2f ms each)", n/1e6, n/1e6/c}') · $(awk -v r=$rss 'BEGIN {printf "%.1f MiB", r/1024}') · $(awk -v n=$halt 'BEGIN {printf "%.0f ms", n/1e6}') ($thawed of $N thawed after) | | |"
        t_api -X POST /v1/halt >/dev/null
done
