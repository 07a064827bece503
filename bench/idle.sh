#!/bin/bash
# chaosd idle: resident memory, CPU time and system calls while nothing
# runs, over R fresh daemons (each: 1 s after start-up, then a 5 s window).
# The syscall count is strace -c's over the window; a run where strace did
# not report attaching to every thread fails (an unattached strace counts 0).
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
R=${R:-3}
command -v strace >/dev/null || { b_fail "chaosd idle" "strace missing"; b_exit; }
kb() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle_once() {
        local dir rss anon wrss warden t1 t2 sc threads
        dir=$(mktemp -d /tmp/chaosd-bench-idle.XXXXXX)
        t_start_chaosd "$dir" >/dev/null || { echo "chaosd did not start" >&2; return 1; }
        sleep 1
        warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
        rss=$(kb VmRSS $CHAOSD_PID) anon=$(kb RssAnon $CHAOSD_PID)
        wrss=$( [ -n "$warden" ] && kb VmRSS "$warden")
        threads=$(ls /proc/$CHAOSD_PID/task | wc -l)
        t1=$(ticks $CHAOSD_PID)
        timeout -s INT 5 strace -f -c -o "$dir/strace.txt" -p $CHAOSD_PID 2>"$dir/strace.err"
        t2=$(ticks $CHAOSD_PID)
        kill -TERM $CHAOSD_PID; wait $CHAOSD_PID 2>/dev/null
        [ "$(grep -c ' attached$' "$dir/strace.err")" -ge "$threads" ] ||
                { echo "strace did not attach to chaosd's $threads threads: $(head -c 200 "$dir/strace.err")" >&2; rm -rf "$dir"; return 1; }
        sc=$(awk '$NF == "total" {print $(NF-1)}' "$dir/strace.txt")
        rm -rf "$dir"
        echo "$rss $anon ${wrss:-0} $((t2 - t1)) ${sc:-0}"
}
b_runs "$R" idle_once 0
st=$?
b_row1 $st "chaosd idle RSS (goal ≤ 8 MiB) · anonymous · its warden process (mostly the same shared pages)" \
        "$(b_col "$B_DIR/a" 1 MiB) · $(b_col "$B_DIR/a" 2 MiB) · $(b_col "$B_DIR/a" 3 MiB)"
b_row1 $st "chaosd idle over 5 s: CPU clock ticks · syscalls (strace -c, attached to every thread)" \
        "$(b_col "$B_DIR/a" 4 "") · $(b_col "$B_DIR/a" 5 "")"
b_exit
