#!/bin/bash
# Kernel lane: the syscall fault on a stock Debian kernel (6.1: no
# SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, which the agent must do without).
#  1. test_syscall_parse's Check cases (SECCOMP_RET_ERRNO filter in a child,
#     the ptrace tracer on a child);
#  2. launch mode through chaosd: chaosctl exec, openat 30% EIO over 10000
#     calls, then 0 failures in the same process after the experiment;
#  3. SIGKILL of chaosd mid-experiment: the victim keeps running, its later
#     calls all succeed (chaosctl exec answers CONTINUE itself).
# Runs inside the lane's VM (BUILD=/build) or on any host as root. No python
# or curl in the VM: counts are read with sed.
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
t_plan 3

if [ "$(id -u)" != 0 ]; then t_skip_all "needs root"; fi

# ---- 1. Check cases ----
TU=$BUILD/tests/unit/test_syscall_parse
# Each of its cases is one check here (t_check_bin adds them to the plan):
# a case that skipped (ptrace not permitted) is a SKIP, never a PASS.
if [ -x "$TU" ]; then
        t_check_bin "syscall check on $(uname -r)" "$TU"
else
        t_plan 1
        t_fail "syscall check cases" "$TU not built"
fi

# ---- 2./3. through the daemon ----
for b in "$CHAOSD" "$CHAOSCTL" "$VICTIM"; do
        [ -x "$b" ] || t_skip_all "$b not built"
done
# count FILE LINE CALL KEY: the number after "KEY": inside CALL's object
count() {
        sed -n "${2}p" "$1" | sed -n "s/.*\"$3\":{\([^}]*\)}.*/\1/p" | tr ',' '\n' | sed -n "s/^\"$4\"://p" | head -1
}
has_lines() { [ "$(grep -c '^{' "$1" 2>/dev/null)" -ge "$2" ]; }

dir=/tmp/chaosd-lane-syscall-$$
mkdir -p "$dir"
t_cleanup "rm -rf $dir"
# chaosd refuses targets in its own cgroup or one containing it: the
# victims get their own (v2 in the VM; a v1 freezer cgroup elsewhere).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        cg=/sys/fs/cgroup/chaosd-lane-syscall-$$
else
        cg=/sys/fs/cgroup/freezer/chaosd-lane-syscall-$$
fi
mkdir "$cg" || { t_fail "syscall daemon" "mkdir $cg"; exit 1; }
t_cleanup "sleep 0.3; rmdir $cg"
export CHAOSD_SOCKET=$dir/chaosd.sock
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" &
cpid=$!
t_cleanup "kill -TERM $cpid; sleep 0.3; kill -KILL $cpid"
if ! t_wait 10 "$CHAOSCTL" ls; then
        t_fail "syscall daemon" "chaosd did not start: $(tail -5 "$dir/chaosd.log" 2>/dev/null)"
        exit 1
fi
echo '{"name":"lane-sys30","duration":"60s","faults":[{"type":"syscall","syscalls":["openat"],"errno":"EIO","probability":"30%"}]}' >"$dir/s30.json"

(echo "$BASHPID" >"$cg/cgroup.procs" && exec "$CHAOSCTL" exec --spec "$dir/s30.json" -- "$VICTIM" syscalls \
        --calls openat,getpid,read --n 10000 --rounds 2 --wait-file "$dir/go") >"$dir/l.out" 2>"$dir/l.err" &
lpid=$!
t_cleanup "kill -KILL $lpid"
if t_wait 120 has_lines "$dir/l.out" 1; then
        ok=$(count "$dir/l.out" 1 openat ok) eio=$(count "$dir/l.out" 1 openat EIO)
        gp=$(count "$dir/l.out" 1 getpid ok) rd=$(count "$dir/l.out" 1 read ok)
        if [ "${eio:-0}" -ge 2700 ] && [ "${eio:-0}" -le 3300 ] && [ $((ok + eio)) = 10000 ] && [ "$gp" = 10000 ] &&
                [ "$rd" = 10000 ]; then
                t_pass "syscall launch on $(uname -r): openat 30% EIO: $eio/10000 EIO, $ok ok, no other errno; getpid/read 10000/10000 ok"
        else
                t_fail "syscall launch" "$(sed -n 1p "$dir/l.out")"
        fi
        id=$("$CHAOSCTL" ls --json | sed -n 's/.*"id":"\([0-9a-f]*\)","name":"lane-sys30","state":"running".*/\1/p' | head -1)
        [ -z "$id" ] && id=$("$CHAOSCTL" ls | awk '$2 == "lane-sys30" && $3 == "running" {print $1; exit}')
        "$CHAOSCTL" stop "$id" >/dev/null
        touch "$dir/go"
        wait $lpid
        rc=$?
        line=$(sed -n 2p "$dir/l.out")
        [ "$rc" = 0 ] && [ "$line" = '{"openat":{"ok":10000},"getpid":{"ok":10000},"read":{"ok":10000}}' ] &&
                t_pass "syscall launch: after the experiment: $line" || t_fail "syscall after" "rc=$rc $line"
else
        t_fail "syscall launch" "no output: $(cat "$dir/l.err")"
fi

# ---- 3. SIGKILL chaosd mid-experiment ----
(echo "$BASHPID" >"$cg/cgroup.procs" && exec "$CHAOSCTL" exec --spec "$dir/s30.json" -- "$VICTIM" syscalls \
        --calls openat --n 3000 --window 100 --sleep-us 2000) >"$dir/k.out" 2>"$dir/k.err" &
lpid=$!
t_cleanup "kill -KILL $lpid"
if t_wait 60 grep -q EIO "$dir/k.out"; then
        k=$(grep -c '^{"window"' "$dir/k.out")
        kill -KILL "$cpid"
        wait $lpid
        rc=$?
        # windows from k+2 on started after the kill
        after=$(grep '^{"window"' "$dir/k.out" | tail -n +$((k + 3)))
        n=$(echo "$after" | grep -c .)
        bad=$(echo "$after" | grep -vc '^{"window":[0-9]*,"openat":{"ok":100}}$')
        if [ "$rc" = 0 ] && [ "$n" -ge 5 ] && [ "$bad" = 0 ] && ! grep -q ENOSYS "$dir/k.out"; then
                t_pass "syscall launch: chaosd SIGKILLed at window $k; $n later windows of 100 openat all ok, no ENOSYS"
        else
                t_fail "syscall kill" "rc=$rc n=$n bad=$bad $(tail -3 "$dir/k.out")"
        fi
else
        t_fail "syscall kill" "no injection seen: $(cat "$dir/k.err")"
fi
exit $T_FAILED
