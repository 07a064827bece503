#!/bin/bash
# chaosd idle: resident memory, CPU time and syscalls while nothing runs.
. "$(dirname "$0")/../tests/lib.sh"
dir=$(mktemp -d /tmp/chaosd-bench.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || exit 1
sleep 1
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
wrss=$( [ -n "$warden" ] && awk '/^VmRSS/ {print $2}' /proc/$warden/status)
rss=$(awk '/^VmRSS/ {print $2}' /proc/$CHAOSD_PID/status)
anon=$(awk '/^RssAnon/ {print $2}' /proc/$CHAOSD_PID/status)
t1=$(awk '{print $14+$15}' /proc/$CHAOSD_PID/stat)
sc=""
if command -v strace >/dev/null; then
        timeout -s INT 5 strace -f -c -o "$dir/strace.txt" -p $CHAOSD_PID 2>/dev/null
        sc=$(awk '/total/ {print $(NF-1)}' "$dir/strace.txt"); sc=${sc:-0}
else
        sleep 5
fi
t2=$(awk '{print $14+$15}' /proc/$CHAOSD_PID/stat)
echo "| chaosd idle RSS (goal ≤ 8 MiB) | $(awk -v r=$rss 'BEGIN {printf "%.1f MiB", r/1024}') (anonymous $(awk -v r=$anon 'BEGIN {printf "%.1f MiB", r/1024}'))${wrss:+; its warden process $(awk -v r=$wrss 'BEGIN {printf "%.1f MiB", r/1024}'), mostly the same shared pages} | | |"
echo "| chaosd idle CPU over 5 s | $((t2 - t1)) clock ticks${sc:+, $sc syscalls (strace -c)} | | |"
