#!/bin/bash
# Kernel lane (cgroup v2): the pause fault on cgroup.freeze + cgroup.events.
#  1. test_pause's daemon-less Check cases "cgroup" (a victim in a cgroup
#     made here: freeze, verify, seen frozen from outside, thaw, revert on a
#     removed cgroup) and "unsafe" (PID 1, ourselves, our own cgroup);
#  1b. the "cgroup" and "stuck" cases again on a v1 freezer hierarchy
#     mounted in the VM (the runc-style FREEZING retry and thaw-back);
#  1c. test_pause_settle through chaosd, on v2 and on that v1 hierarchy:
#     while a pause of a cgroup that cannot freeze settles, the API answers
#     and another pause is reverted at its deadline; stop, SIGTERM and a
#     SIGKILL + restart while it settles each thaw it;
#  2. the product path, when chaosd and chaosctl are built: a 3 s pause of a
#     cgroup target seen frozen from outside (cgroup.events, the victim's
#     utime standing still), then thawed by the deadline and running again;
#  3. kill through the daemon on the v2 cgroup's processes ("count": 1).
# Runs inside the lane's VM (BUILD=/build) or on any cgroup v2 host as root.
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
t_plan 5

if [ "$(id -u)" != 0 ]; then t_skip_all "needs root"; fi
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
        t_skip_all "cgroup v2 is not mounted at /sys/fs/cgroup"
fi

# A Check binary's cases, each one check of this script (t_check_bin adds
# them to the plan): a case that skipped is a SKIP, never a PASS.
# check_case NAME WHAT [ENV=VALUE...] BINARY
check_case() {
        local name="$1 ($2)"; shift 2
        t_check_bin "$name" "$@"
}

# ---- 1. the Check cases, run here on v2 ----
TP=$BUILD/tests/integration/test_pause
for case in cgroup unsafe stuck; do
        if [ ! -x "$TP" ]; then
                t_plan 1
                t_fail "pause_v2 check:$case" "$TP not built"
                continue
        fi
        check_case "pause_v2 check:$case" "cgroup v2, daemon-less" CK_RUN_CASE=$case "$TP"
done

# ---- 1b. the same on a v1 freezer hierarchy mounted next to v2 ----
# This kernel still has the stuck-in-FREEZING behaviour that the v1 retry /
# thaw-back loop exists for; the host's 6.18 freezes FUSE waiters.
v1=/tmp/chaosd-cgv1-$$
if [ -x "$TP" ] && mkdir -p "$v1" && mount -t tmpfs none "$v1" && mkdir "$v1/freezer" &&
        mount -t cgroup -o freezer none "$v1/freezer"; then
        t_cleanup "umount $v1/freezer; umount $v1; rmdir $v1"
        for case in cgroup stuck; do
                check_case "pause_v1 check:$case" "freezer v1 hierarchy in the VM, daemon-less" \
                        CHAOSD_CGROUP_ROOT=$v1 CHAOSD_CGROUP_VERSION=1 CK_RUN_CASE=$case "$TP"
        done
else
        t_plan 1
        t_skip "pause_v1 checks" "test_pause not built or cannot mount a v1 freezer hierarchy here"
fi

# ---- 1c. a pause that settles, through chaosd (v2, then the v1 mount) ----
TS=$BUILD/tests/integration/test_pause_settle
if [ ! -x "$TS" ] || [ ! -x "$CHAOSD" ]; then
        t_plan 1
        t_fail "pause_settle" "$TS or $CHAOSD not built"
else
        what="through chaosd: loop free while FREEZING; stop, SIGTERM, crash thaw"
        check_case "pause_settle v2" "$what" "$TS"
        if grep -q " $v1/freezer cgroup " /proc/mounts; then
                check_case "pause_settle v1" "$what" CHAOSD_CGROUP_ROOT=$v1 CHAOSD_CGROUP_VERSION=1 "$TS"
        else
                t_plan 1
                t_skip "pause_settle v1" "no v1 freezer hierarchy mounted"
        fi
fi

# ---- 2. through the daemon ----
if [ ! -x "$CHAOSD" ] || [ ! -x "$CHAOSCTL" ]; then
        t_skip_all "chaosd/chaosctl not built in $BUILD"
fi
if [ ! -x "$VICTIM" ]; then
        t_fail "pause_v2 daemon" "victim not built at $VICTIM"
        exit 1
fi

rel=/chaosd-lane-pause-$$
cg=/sys/fs/cgroup$rel
dir=/tmp/chaosd-lane-pause-$$
mkdir "$cg" || { t_fail "pause_v2 daemon" "mkdir $cg"; exit 1; }
t_cleanup "sleep 0.3; rmdir $cg"
# The victim joins the cgroup before it execs: nothing else of ours is there.
(echo "$BASHPID" >"$cg/cgroup.procs" && exec "$VICTIM" spin 120) &
vpid=$!
t_cleanup "echo 0 > $cg/cgroup.freeze; kill -9 $vpid"

ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
utime() { awk '{print $14}' "/proc/$vpid/stat" 2>/dev/null || echo gone; }
frozen() { grep -qx "frozen $1" "$cg/cgroup.events"; }
runs() { # does the victim's utime rise within 3 s?
        local a b i
        a=$(utime)
        for i in $(seq 1 30); do
                sleep 0.1
                b=$(utime)
                [ "$b" != gone ] && [ "$b" -gt "$a" ] && return 0
        done
        return 1
}

if ! runs; then
        t_fail "pause_v2 daemon" "victim is not running in $cg"
        exit 1
fi
# A private daemon (not lib.sh's t_start_chaosd: the VM has no curl).
mkdir -p "$dir"
export CHAOSD_SOCKET=$dir/chaosd.sock
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" &
cpid=$!
t_cleanup "kill -TERM $cpid; sleep 0.3; kill -KILL $cpid"
if ! t_wait 10 "$CHAOSCTL" ls; then
        t_fail "pause_v2 daemon" "chaosd did not start: $(tail -5 "$dir/chaosd.log" 2>/dev/null)"
        exit 1
fi
cat >"$dir/spec.json" <<EOF
{"name": "lane-pause-v2", "target": {"cgroup": "$rel"}, "duration": "3s", "faults": [{"type": "pause"}]}
EOF
start=$(ms)
if ! "$CHAOSCTL" run "$dir/spec.json" --json >"$dir/run.json" 2>"$dir/run.err"; then
        t_fail "pause_v2 daemon" "chaosctl run: $(cat "$dir/run.err")"
        exit 1
fi
if t_wait 2 frozen 1; then
        a=$(utime); sleep 0.5; b=$(utime)
        if [ "$a" = "$b" ] && grep -qx 1 "$cg/cgroup.freeze"; then
                t_pass "pause_v2 daemon: frozen 1, cgroup.freeze 1, victim utime still at $a"
        else
                t_fail "pause_v2 daemon" "frozen but utime $a -> $b"
        fi
        state=$(awk '{print $3}' "/proc/$vpid/stat")
        case $state in
        S|D) t_pass "pause_v2 daemon: victim in state $state while frozen" ;;
        *) t_fail "pause_v2 daemon" "victim in state $state while frozen" ;;
        esac
else
        t_fail "pause_v2 daemon" "cgroup.events never said frozen 1: $(cat "$cg/cgroup.events" | tr '\n' ' ')"
fi
# The 3 s deadline passes; the daemon thaws.
if t_wait 10 frozen 0; then
        took=$(( $(ms) - start ))
        if runs; then
                t_pass "pause_v2 daemon: thawed by the deadline (${took} ms after submit for a 3 s pause), victim runs again"
        else
                t_fail "pause_v2 daemon" "frozen 0 but the victim does not run"
        fi
        grep -qx 0 "$cg/cgroup.freeze" && t_pass "pause_v2 daemon: cgroup.freeze restored to 0" ||
                t_fail "pause_v2 daemon" "cgroup.freeze is $(cat "$cg/cgroup.freeze")"
else
        t_fail "pause_v2 daemon" "still frozen 10 s after a 3 s pause"
fi

# ---- 3. kill on the v2 cgroup's cgroup.procs, through the daemon ----
# Two more victims join; "count": 1 takes exactly one, never the first one
# (the newest go first) — seen from cgroup.procs and /proc.
extra=()
for i in 1 2; do
        (echo "$BASHPID" >"$cg/cgroup.procs" && exec "$VICTIM" sleep 120) &
        extra+=($!)
done
t_cleanup "kill -9 ${extra[*]}"
live() { # victims of ours still alive (not zombies)
        local p n=0
        for p in $vpid "${extra[@]}"; do
                case $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) in ''|Z) ;; *) n=$((n + 1)) ;; esac
        done
        echo $n
}
# A function, so that each try reads again (an argument like "$(live)"
# would be read once, before the wait).
live_is() { [ "$(live)" = "$1" ]; }
procs_are() { [ "$(wc -l <"$cg/cgroup.procs")" = "$1" ]; }
t_wait 2 procs_are 3
cat >"$dir/kill.json" <<EOF
{"name": "lane-kill-v2", "target": {"cgroup": "$rel"}, "duration": "1s",
 "faults": [{"type": "kill", "process": "victim", "count": 1}]}
EOF
if "$CHAOSCTL" run "$dir/kill.json" --json >"$dir/kill-run.json" 2>"$dir/kill.err"; then
        if t_wait 3 live_is 2; then
                sleep 0.3
                if [ "$(live)" = 2 ] && awk '{exit !($3 != "Z")}' "/proc/$vpid/stat"; then
                        t_pass "kill_v2 daemon: count 1 over 3 victims in a v2 cgroup: exactly one gone, the oldest kept"
                else
                        t_fail "kill_v2 daemon" "live victims: $(live); oldest state $(awk '{print $3}' "/proc/$vpid/stat")"
                fi
        else
                t_fail "kill_v2 daemon" "live victims: $(live), expected 2"
        fi
else
        t_fail "kill_v2 daemon" "chaosctl run: $(cat "$dir/kill.err")"
fi
exit $T_FAILED
