#!/bin/bash
# Syscall fault injection: chaosd vs strace's inject, same victim, same
# injection rate (10% of openat calls fail with EIO: strace when=10+10,
# chaosd "probability": "10%"), and the cost of chaosd's filter on calls it
# does not target vs native. Every row pairs its two sides in one loop
# with the same N calls per run (bench/lib.sh). The victim times its own
# loop ("elapsed_us"): process start-up, chaosctl's set-up and strace's
# attach are not counted. Each run's counts are checked: where 10% EIO is
# asked, 5–15% EIO and no other error on both sides; elsewhere no error
# at all — or the row fails.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
N_FAST=${N_FAST:-200000} # calls per run where both sides are fast (native, seccomp)
N_SLOW=${N_SLOW:-20000}  # calls per run where a side runs under ptrace (strace, our tracer)
R=${R:-5}                # pairs per row
[ "$(id -u)" = 0 ] || { b_fail "syscall injection" "needs root"; b_exit; }
command -v strace >/dev/null || { b_fail "syscall injection" "strace missing (apt-get install strace)"; b_exit; }
dir=$(mktemp -d /tmp/chaosd-bench-syscall.XXXXXX); t_cleanup rm -rf "$dir"
CG=/sys/fs/cgroup/freezer/chaosd-bench-syscall-$$
[ -d /sys/fs/cgroup/freezer ] || CG=/sys/fs/cgroup/chaosd-bench-syscall-$$
mkdir -p "$CG"
t_cleanup "for p in \$(cat $CG/cgroup.procs); do kill -KILL \$p; done; sleep 0.2; rmdir $CG"
t_start_chaosd "$dir" >/dev/null || { b_fail "syscall injection" "chaosd did not start"; b_exit; }
# chaosd refuses targets in its own (here: the root) cgroup; every victim,
# on both sides, runs in this one.
in_cg() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }

# vic N CHECK CMD...: run CMD (a victim doing N calls, perhaps under a
# tracer), check its counts, print ns per call.
#   CHECK eio10: openat failed with EIO in 5–15% of calls, nothing else
#   CHECK clean: no call failed
vic() {
        local n=$1 check=$2 out us; shift 2
        out=$("$@" 2>"$dir/vic.err" | grep '"elapsed_us"' | tail -1)
        vic_check "$check" "$out" || return 1
        us=${out#*\"elapsed_us\":}; us=${us%%,*}
        awk -v us="$us" -v n="$n" 'BEGIN {printf "%.1f\n", us * 1000 / n}'
}
vic_check() { # vic_check CHECK JSON_LINE
        local check=$1 out=$2 ok eio
        [[ $out == *'"elapsed_us":'* ]] || { echo "no victim output: $(head -c 300 "$dir/vic.err")" >&2; return 1; }
        if [ "$check" = eio10 ]; then
                [[ $out =~ \"openat\":\{\"ok\":([0-9]+),\"EIO\":([0-9]+)\} ]] ||
                        { echo "openat counts not ok+EIO only: $out" >&2; return 1; }
                ok=${BASH_REMATCH[1]} eio=${BASH_REMATCH[2]}
                (( eio * 100 >= (ok + eio) * 5 && eio * 100 <= (ok + eio) * 15 )) ||
                        { echo "EIO on $eio of $((ok + eio)) openat calls, not 5–15%: $out" >&2; return 1; }
        else
                [[ $(sed 's/"[a-z_]*":{"ok":[0-9]*}//g' <<<"$out") =~ \"[A-Z]+\": ]] &&
                        { echo "calls failed: $out" >&2; return 1; }
        fi
        return 0
}
V() { echo "$VICTIM" syscalls --elapsed --calls "$1" --n "$2"; }
exec_() { local spec=$1; shift; in_cg "$CHAOSCTL" exec --spec "$dir/$spec" -- "$@"; }
STRACE=(strace -f -qq -o /dev/null -e inject=openat:error=EIO:when=10+10)
STRACEB=(strace -f -qq -o /dev/null --seccomp-bpf -e trace=openat -e inject=openat:error=EIO:when=10+10)
echo '{"name":"bench-openat-10","duration":"10m","faults":[{"type":"syscall","syscalls":["openat"],"errno":"EIO","probability":"10%"}]}' >"$dir/s10.json"
echo '{"name":"bench-getpid-10","duration":"10m","faults":[{"type":"syscall","syscalls":["getpid"],"errno":"EIO","probability":"10%"}]}' >"$dir/g10.json"
# The kernel's floor: one SECCOMP_RET_ERRNO rule for a call the victim never
# makes, no listener.
echo '{"name":"bench-floor","duration":"10m","faults":[{"type":"syscall","syscalls":["io_uring_setup"],"errno":"ENOSYS","mode":"kernel"}]}' >"$dir/floor.json"
S=$N_SLOW F=$N_FAST

# ---- targeted openat, 10% EIO: chaosd vs strace, as users run them ----
b_pair $R "vic $S eio10 exec_ s10.json $(V openat $S)" "vic $S eio10 in_cg ${STRACE[*]} $(V openat $S)"
b_row $? "openat, 10% EIO, as users run them (no pinning): \`chaosctl exec\` (seccomp notify, chaosd decides) vs \`strace -f -e inject=openat:error=EIO:when=10+10\`; $S calls a run" µs "strace"
b_pair $R "vic $S eio10 exec_ s10.json $(V openat $S)" "vic $S eio10 in_cg ${STRACEB[*]} $(V openat $S)"
b_row $? "openat, 10% EIO: \`chaosctl exec\` vs \`strace --seccomp-bpf -e trace=openat -e inject=…\`; $S calls a run" µs "strace --seccomp-bpf"

# ---- the same with everything on one CPU: strace's best case ----
# Free-running, strace's ptrace stops bounce between the two CPUs (an IPI
# per stop on this VM) while chaosd's agent keeps the round trip on the
# caller's CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP): that gap is real, but
# the pinned rows show what is left when strace is not penalised by
# placement. chaosd's threads are pinned for these two rows only.
all_cpus=$(taskset -p $$ | awk '{print $NF}')
taskset -a -p 0x1 "$CHAOSD_PID" >/dev/null
b_pair $R "vic $S eio10 exec_ s10.json taskset 0x1 $(V openat $S)" "vic $S eio10 in_cg taskset 0x1 ${STRACE[*]} $(V openat $S)"
b_row $? "openat, 10% EIO, all on one CPU (taskset, strace's best case): \`chaosctl exec\` vs \`strace -f -e inject=…\`; $S calls a run" µs "strace"
b_pair $R "vic $S eio10 exec_ s10.json taskset 0x1 $(V openat $S)" "vic $S eio10 in_cg taskset 0x1 ${STRACEB[*]} $(V openat $S)"
b_row $? "openat, 10% EIO, all on one CPU: \`chaosctl exec\` vs \`strace --seccomp-bpf -e trace=openat -e inject=…\`; $S calls a run" µs "strace --seccomp-bpf"
taskset -a -p "$all_cpus" "$CHAOSD_PID" >/dev/null

# ---- calls the filter does not target, vs native ----
b_pair $R "vic $F clean exec_ s10.json $(V getpid $F)" "vic $F clean in_cg $(V getpid $F)"
b_row $? "getpid (not targeted) under \`chaosctl exec\`'s filter (it routes openat) vs native (ratio = share of native speed); $F calls a run" µs "native"
b_pair $R "vic $F clean exec_ floor.json $(V getpid $F)" "vic $F clean in_cg $(V getpid $F)"
b_row $? "getpid under a minimal seccomp filter (one RET_ERRNO rule, no listener: the kernel's floor) vs native; $F calls a run" µs "native"
b_pair $R "vic $F clean exec_ s10.json $(V read $F)" "vic $F clean in_cg $(V read $F)"
b_row $? "read of 1 byte from /dev/zero (not targeted) under \`chaosctl exec\`'s filter vs native (share of native speed); $F calls a run" µs "native"
b_pair $R "vic $F clean exec_ g10.json $(V openat $F)" "vic $F clean in_cg $(V openat $F)"
b_row $? "openat+close (not targeted: the filter routes getpid) under \`chaosctl exec\` vs native (share of native speed); $F calls a run" µs "native"
b_pair $R "vic $S clean exec_ s10.json $(V getpid $S)" "vic $S clean in_cg ${STRACE[*]} $(V getpid $S)"
b_row $? "getpid (not targeted) under \`chaosctl exec\`'s filter vs under \`strace -f -e inject=openat:…\`; $S calls a run" µs "strace"

# ---- running-process mode (ptrace): a victim that waits for a file,
# attached between its two rounds; the second round is measured ----
ptrace_once() { # ptrace_once CALL N CHECK -> ns per call of the traced round
        local call=$1 n=$2 vp id out
        rm -f "$dir/go" "$dir/p.out"
        # sh itself, not in_cg: a function run with & is a subshell whose
        # PID is not the victim's.
        sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" $(V "$call" "$n") --rounds 2 --wait-file "$dir/go" \
                >"$dir/p.out" 2>&1 &
        vp=$!
        t_wait 10 grep -q . "$dir/p.out" || { echo "victim's first round did not end" >&2; kill $vp; return 1; }
        echo "{\"name\":\"bench-ptrace\",\"duration\":\"10m\",\"target\":{\"pid\":$vp},\"faults\":[{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"probability\":\"10%\",\"mode\":\"ptrace\"}]}" >"$dir/p.json"
        id=$("$CHAOSCTL" run "$dir/p.json" 2>"$dir/vic.err") || { kill $vp; cat "$dir/vic.err" >&2; return 1; }
        # Traced at all? (a getpid round has no EIO to show it)
        [ "$(awk '/^TracerPid/ {print $2}' /proc/$vp/status)" -gt 0 ] ||
                { echo "victim $vp not traced after chaosctl run" >&2; kill $vp; return 1; }
        touch "$dir/go"
        wait "$vp"
        "$CHAOSCTL" stop "$id" >/dev/null 2>&1
        out=$(sed -n 2p "$dir/p.out")
        vic_check "$3" "$out" || return 1
        out=${out#*\"elapsed_us\":}; out=${out%%,*}
        awk -v us="$out" -v n="$n" 'BEGIN {printf "%.1f\n", us * 1000 / n}'
}
b_pair $R "ptrace_once openat $S eio10" "vic $S eio10 in_cg ${STRACE[*]} $(V openat $S)"
b_row $? "openat, 10% EIO: running-process mode (chaosd's ptrace tracer, attached to a running victim) vs \`strace -f -e inject=…\`; $S calls a run" µs "strace"
b_pair $R "ptrace_once getpid $S clean" "vic $S clean in_cg $(V getpid $S)"
b_row $? "getpid (not targeted) under chaosd's ptrace tracer vs native (share of native speed); $S calls a run" µs "native"

# ---- the floor of any decision made in another process ----
# chaosd's side: the added cost of a targeted call (openat under chaosctl
# exec − native openat, both measured in the same iteration); the
# baseline: a 1-byte pipe round trip between two processes on one CPU.
added() {
        local a b
        a=$(vic $F eio10 exec_ s10.json $(V openat $F)) || return 1
        b=$(vic $F clean in_cg $(V openat $F)) || return 1
        awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f\n", a - b}'
}
pingpong() {
        local out
        out=$(taskset -c 0 "$VICTIM" pingpong 100000) || return 1
        [[ $out =~ \"pingpong_us\":([0-9.]+) ]] || { echo "pingpong printed: $out" >&2; return 1; }
        awk -v us="${BASH_REMATCH[1]}" 'BEGIN {printf "%.1f\n", us * 1000}'
}
b_pair $R added pingpong
b_row $? "added cost of a targeted call under chaosd (openat under \`chaosctl exec\` − native, $F calls each) vs a 1-byte pipe round trip between two processes on one CPU (the floor of any out-of-process decision)" µs "pipe round trip"
b_exit
