#!/bin/bash
# Kernel lane (cgroup v2): the resource faults (cpu, memory, pids, io)
# through chaosd/chaosctl on cgroups made here, each with a victim process
# in it (no Docker in the VM). Measured from outside: cpu.stat usage_usec
# deltas, memory.current, cgroup.procs; every file a fault may touch is
# compared byte for byte before and after. Then chaosd is SIGKILLed
# mid-experiment: its stressors die with it and the restarted daemon's
# reconcile restores every file.
# Runs inside the lane's VM (BUILD=/build) or on any cgroup v2 host as root.
. "$(cd "$(dirname "$0")/.." && pwd)/lib.sh"
t_plan 22

N=resources_v2
if [ "$(id -u)" != 0 ]; then t_skip_all "needs root"; fi
CG=/sys/fs/cgroup
if [ ! -f $CG/cgroup.controllers ]; then t_skip_all "cgroup v2 is not mounted at $CG"; fi
for b in "$CHAOSD" "$CHAOSCTL" "$VICTIM"; do
        [ -x "$b" ] || { t_fail $N "$b not built"; exit 1; }
done

dir=/tmp/chaosd-lane-res-$$
mkdir -p "$dir"

# Controllers for our cgroups: enable what the root does not yet delegate,
# and take exactly that back at the end (registered first, so it runs last).
enabled=()
for c in cpu cpuset memory pids io; do
        grep -qw $c $CG/cgroup.controllers || continue
        grep -qw $c $CG/cgroup.subtree_control && continue
        echo "+$c" >$CG/cgroup.subtree_control 2>/dev/null && enabled+=("$c")
done
t_cleanup "for c in ${enabled[*]:-}; do echo -\$c > $CG/cgroup.subtree_control; done"
for c in cpu memory pids; do
        grep -qw $c $CG/cgroup.subtree_control || { t_fail $N "controller $c not available"; exit 1; }
done

us() { echo "${EPOCHREALTIME/./}"; }

# A cgroup with a victim in it: mkcg NAME VICTIM-ARGS... ; sets CGDIR, REL, VPID
# (the victim's stdout goes to $MKCG_OUT when that is set)
mkcg() {
        local name=$1; shift
        REL=/chaosd-lane-res-$$-$name
        CGDIR=$CG$REL
        mkdir "$CGDIR" || return 1
        t_cleanup "sleep 0.2; rmdir $CGDIR"
        (echo "$BASHPID" >"$CGDIR/cgroup.procs" && { [ -z "${MKCG_OUT:-}" ] || exec >"$MKCG_OUT"; } && exec "$VICTIM" "$@") &
        VPID=$!
        t_cleanup "kill -9 $VPID"
        t_wait 5 grep -qx "$VPID" "$CGDIR/cgroup.procs"
}

# CPUs used by the cgroup over SECONDS, from cpu.stat (printed as 0.123).
cpu_use() { # cpu_use CGDIR SECONDS
        local u0 u1 t0 t1
        u0=$(awk '$1 == "usage_usec" {print $2}' "$1/cpu.stat"); t0=$(us)
        sleep "$2"
        u1=$(awk '$1 == "usage_usec" {print $2}' "$1/cpu.stat"); t1=$(us)
        awk -v a="$u0" -v b="$u1" -v s="$t0" -v e="$t1" 'BEGIN {printf "%.3f", (b - a) / (e - s)}'
}
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(v >= lo && v <= hi)}'; }
# cpu_fair CGDIR SECONDS LO HI: like cpu_use, but a window below LO is
# retried (up to 3 windows). Under TCG the host's other work shows up in the
# guest as late CFS period timers and descheduled vCPUs, which can only
# lower a figure, never raise it; a window above HI is final.
cpu_fair() {
        local v i
        for i in 1 2 3; do
                v=$(cpu_use "$1" "$2")
                echo "  window $i: $v CPU" >&2
                within "$v" "$3" 1000 && break
        done
        echo "$v"
}
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

FILES="cpu.max cpu.weight cpuset.cpus memory.max memory.high memory.low memory.swap.max pids.max io.max"
snap() { # snap CGDIR OUT: raw bytes of every file a resource fault may touch
        local f
        mkdir -p "$2"
        for f in $FILES; do
                [ -f "$1/$f" ] && cat "$1/$f" >"$2/$f"
        done
}
same() { # same DIR-A DIR-B: byte for byte
        local f bad=0
        for f in $FILES; do
                [ -f "$1/$f" ] || continue
                if ! cmp -s "$1/$f" "$2/$f"; then
                        echo "  differs: $f: '$(cat "$1/$f")' -> '$(cat "$2/$f")'"
                        bad=1
                fi
        done
        return $bad
}

# ---- the daemon ----
export CHAOSD_SOCKET=$dir/chaosd.sock
start_chaosd() {
        "$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" &
        CPID=$!
        t_cleanup "kill -TERM $CPID; sleep 0.3; kill -KILL $CPID"
        t_wait 30 "$CHAOSCTL" ls # a guest slowed by a busy host has taken over 10 s
}
if ! start_chaosd; then
        t_fail $N "chaosd did not start: $(tail -5 "$dir/chaosd.log" 2>/dev/null)"
        exit 1
fi
# run NAME DURATION FAULTS-JSON: submit against $REL; sets ID
run() {
        cat >"$dir/$1.json" <<EOS
{"name": "lane-$1", "target": {"cgroup": "$REL"}, "duration": "$2", "faults": $3}
EOS
        ID=""
        if ! "$CHAOSCTL" run "$dir/$1.json" --json >"$dir/$1.out" 2>"$dir/$1.err"; then
                t_fail "$N $1" "chaosctl run: $(cat "$dir/$1.err")"
                return 1
        fi
        ID=$(awk -F'"' '$2 == "id" {print $4; exit}' "$dir/$1.out")
        [ -n "$ID" ]
}
others() { grep -vx "$VPID" "$CGDIR/cgroup.procs" | wc -l; } # stressors in the cgroup
no_stressors() { [ "$(others)" = 0 ]; }

# ---- 1. quota 0.2 on a busy cgroup ----
if mkcg quota spin 600; then
        snap "$CGDIR" "$dir/quota.before"
        base=$(cpu_use "$CGDIR" 2)
        if run quota 60s '[{"type": "cpu", "quota": 0.2}]'; then
                sleep 0.5
                got=$(cpu_fair "$CGDIR" 5 0.17 0.23)
                "$CHAOSCTL" stop "$ID" >/dev/null
                sleep 0.5
                back=$(cpu_fair "$CGDIR" 3 0.8 100)
                echo "quota 0.2: before $base CPU, under quota $got CPU (5 s), after revert $back CPU"
                within "$got" 0.17 0.23 && t_pass "$N quota 0.2 measured $got CPU over 5 s (cpu.max $(cat "$dir/quota.before/cpu.max") before)" ||
                        t_fail "$N quota" "measured $got CPU, want 0.2 ± 0.03"
                within "$back" 0.8 100 && t_pass "$N unthrottled after revert: $back CPU" ||
                        t_fail "$N quota revert" "still at $back CPU after revert"
                snap "$CGDIR" "$dir/quota.after"
                same "$dir/quota.before" "$dir/quota.after" && t_pass "$N quota: every file byte-identical after revert" ||
                        t_fail "$N quota" "files differ after revert"
        fi
        kill -9 "$VPID"
else
        t_fail "$N quota" "could not make a cgroup with a victim"
fi

# ---- 2. load 50 relative to the cgroup's allowance ----
load_case() { # load_case NAME CPU.MAX-OR-EMPTY WANT TOL
        local got gone
        mkcg "$1" sleep 600 || { t_fail "$N $1" "no cgroup"; return; }
        [ -n "$2" ] && echo "$2" >"$CGDIR/cpu.max"
        snap "$CGDIR" "$dir/$1.before"
        run "$1" 60s '[{"type": "cpu", "load": 50}]' || return
        sleep 0.5
        got=$(cpu_fair "$CGDIR" 5 "$(awk -v w="$3" -v t="$4" 'BEGIN {print w - t}')" 1000)
        "$CHAOSCTL" stop "$ID" >/dev/null
        gone=$(cpu_use "$CGDIR" 1)
        echo "load 50 with cpu.max '$(cat "$dir/$1.before/cpu.max")': $got CPU loaded, $gone after revert, $(others) stressors left"
        within "$got" "$(awk -v w="$3" -v t="$4" 'BEGIN {print w - t}')" "$(awk -v w="$3" -v t="$4" 'BEGIN {print w + t}')" &&
                t_pass "$N load 50 with cpu.max '$(cat "$dir/$1.before/cpu.max")' measured $got CPU (want $3 ± $4)" ||
                t_fail "$N load $1" "measured $got CPU, want $3 ± $4"
        [ "$(others)" = 0 ] && within "$gone" 0 0.05 && t_pass "$N load $1: stressors gone after revert ($gone CPU)" ||
                t_fail "$N load $1" "after revert: $gone CPU, $(others) extra processes"
        snap "$CGDIR" "$dir/$1.after"
        same "$dir/$1.before" "$dir/$1.after" && t_pass "$N load $1: files byte-identical after revert" ||
                t_fail "$N load $1" "files differ after revert"
        kill -9 "$VPID"
}
load_case load1 "100000 100000" 0.5 0.1
ncpu=$(nproc)
load_case loadhost "" "$(awk -v n="$ncpu" 'BEGIN {print n * 0.5}')" "$(awk -v n="$ncpu" 'BEGIN {print n * 0.1}')"

# ---- 3. consume 50% of a 256 MiB limit ----
if mkcg consume sleep 600; then
        echo $((256 << 20)) >"$CGDIR/memory.max"
        snap "$CGDIR" "$dir/consume.before"
        base=$(cat "$CGDIR/memory.current")
        if run consume 60s '[{"type": "memory", "consume": "50%"}]'; then
                prev=0
                for i in $(seq 1 50); do
                        cur=$(( $(cat "$CGDIR/memory.current") - base ))
                        [ $cur -gt $((100 << 20)) ] && [ $((cur - prev)) -lt $((1 << 20)) ] && break
                        prev=$cur
                        sleep 0.2
                done
                held=$(( $(cat "$CGDIR/memory.current") - base ))
                "$CHAOSCTL" stop "$ID" >/dev/null
                sleep 0.2
                gone=$(( $(cat "$CGDIR/memory.current") - base ))
                echo "consume 50% of 256 MiB: +$(mib $held) MiB held, $(mib $gone) MiB after revert"
                [ $held -ge $((112 << 20)) ] && [ $held -le $((144 << 20)) ] &&
                        t_pass "$N consume 50% of 256 MiB measured +$(mib $held) MiB in memory.current (want 128 ± 16)" ||
                        t_fail "$N consume" "memory.current grew by $(mib $held) MiB, want 128 ± 16"
                [ $gone -lt $((16 << 20)) ] && t_pass "$N consume: gone after revert ($(mib $gone) MiB over the start)" ||
                        t_fail "$N consume" "$(mib $gone) MiB still charged after revert"
                snap "$CGDIR" "$dir/consume.after"
                same "$dir/consume.before" "$dir/consume.after" && t_pass "$N consume: files byte-identical after revert" ||
                        t_fail "$N consume" "files differ after revert"
        fi
        kill -9 "$VPID"
fi

# ---- 4. io: a direct read from null_blk inside the cgroup, throttled ----
rate() { # rate CGDIR DEV: MiB/s of a 3 MiB O_DIRECT read from inside the cgroup
        local t0 t1
        t0=$(us)
        (echo "$BASHPID" >"$1/cgroup.procs" && exec dd if="$2" of=/dev/null bs=64k count=48 iflag=direct 2>/dev/null)
        t1=$(us)
        awk -v s="$t0" -v e="$t1" 'BEGIN {printf "%.2f", 3 * 1000000 / (e - s)}'
}
if [ -f /sys/block/nullb0/dev ] && grep -qw io $CG/cgroup.subtree_control; then
        if mkcg io sleep 600; then
                snap "$CGDIR" "$dir/io.before"
                free_rate=$(rate "$CGDIR" /dev/nullb0)
                if run io 60s '[{"type": "io", "device": "/dev/nullb0", "rbps": "1MiB"}]'; then
                        line=$(cat "$CGDIR/io.max")
                        slow=$(rate "$CGDIR" /dev/nullb0)
                        "$CHAOSCTL" stop "$ID" >/dev/null
                        echo "io rbps 1MiB/s on nullb0: io.max '$line'; direct read $free_rate MiB/s before, $slow MiB/s throttled"
                        within "$slow" 0 1.5 && t_pass "$N io rbps 1MiB measured $slow MiB/s (unthrottled $free_rate MiB/s; io.max '$line')" ||
                                t_fail "$N io" "throttled read ran at $slow MiB/s (io.max '$line')"
                        snap "$CGDIR" "$dir/io.after"
                        same "$dir/io.before" "$dir/io.after" && [ -z "$(cat "$CGDIR/io.max")" ] &&
                                t_pass "$N io: io.max empty again after revert, files byte-identical" ||
                                t_fail "$N io" "io.max after revert: '$(cat "$CGDIR/io.max")'"
                fi
                kill -9 "$VPID"
        fi
else
        t_skip "$N io rbps" "no null_blk device or io controller in this VM"
        t_skip "$N io revert" "no null_blk device or io controller in this VM"
fi

# ---- 5. every limit at once, restored byte for byte ----
# An empty v2 cpuset.cpus (inherit) cannot be emptied again while the
# cgroup has processes (ENOSPC): "cpus" is refused there, nothing touched.
if mkcg cpusets sleep 600; then
        snap "$CGDIR" "$dir/cpusets.before"
        cat >"$dir/cpusets.json" <<EOS
{"name": "lane-cpusets", "target": {"cgroup": "$REL"}, "duration": "30s", "faults": [{"type": "cpu", "quota": 0.5, "cpus": "0"}]}
EOS
        if "$CHAOSCTL" run "$dir/cpusets.json" >"$dir/cpusets.out" 2>&1; then
                t_fail "$N cpus on an inheriting cpuset" "accepted: $(cat "$dir/cpusets.out")"
        else
                snap "$CGDIR" "$dir/cpusets.after"
                grep -q "cannot empty it again" "$dir/cpusets.out" && same "$dir/cpusets.before" "$dir/cpusets.after" &&
                        t_pass "$N cpus refused on an inheriting (empty) cpuset.cpus, nothing left changed" ||
                        t_fail "$N cpus on an inheriting cpuset" "$(cat "$dir/cpusets.out")"
        fi
        kill -9 "$VPID"
fi
if mkcg limits sleep 600; then
        echo "0-$(( $(nproc) - 1 ))" >"$CGDIR/cpuset.cpus" # an explicit cpuset of its own
        io=""
        for b in /sys/block/*; do
                [ -f "$b/dev" ] || continue
                case $(basename "$b") in loop*|ram*|zram*) continue ;; esac
                io=", {\"type\": \"io\", \"device\": \"$(cat "$b/dev")\", \"rbps\": \"1MiB\", \"wiops\": 100}"
                break
        done
        [ -n "$io" ] || { t_plan 1; t_skip "$N io.max" "no block device in this VM to throttle"; }
        snap "$CGDIR" "$dir/limits.before"
        if run limits 60s "[{\"type\": \"cpu\", \"quota\": 0.3, \"period\": \"50ms\", \"weight\": 50, \"cpus\": \"0\"},
                {\"type\": \"memory\", \"limit\": \"300MiB\", \"high\": \"200MiB\"}, {\"type\": \"pids\", \"max\": 5}$io]"; then
                snap "$CGDIR" "$dir/limits.mid"
                echo "while applied: cpu.max '$(cat "$CGDIR/cpu.max")' cpu.weight $(cat "$CGDIR/cpu.weight")" \
                        "cpuset.cpus '$(cat "$CGDIR/cpuset.cpus" 2>/dev/null)' memory.max $(cat "$CGDIR/memory.max")" \
                        "memory.high $(cat "$CGDIR/memory.high") pids.max $(cat "$CGDIR/pids.max") io.max '$(cat "$CGDIR/io.max" 2>/dev/null)'"
                [ "$(cat "$CGDIR/cpu.max")" = "15000 50000" ] && [ "$(cat "$CGDIR/pids.max")" = 5 ] &&
                        [ "$(cat "$CGDIR/memory.max")" = $((300 << 20)) ] && [ "$(cat "$CGDIR/cpu.weight")" = 50 ] &&
                        t_pass "$N limits applied (cpu.max 15000 50000, cpu.weight 50, memory.max 300MiB, pids.max 5)" ||
                        t_fail "$N limits" "not applied as asked"
                "$CHAOSCTL" get "$ID" --json | grep -q '"cpu.max"' && t_pass "$N read-back shown by get" ||
                        t_fail "$N limits" "get shows no read-back"
                "$CHAOSCTL" stop "$ID" >/dev/null
                snap "$CGDIR" "$dir/limits.after"
                same "$dir/limits.before" "$dir/limits.after" &&
                        t_pass "$N every touched file byte-identical after revert ($(ls "$dir/limits.before" | tr '\n' ' '))" ||
                        { t_fail "$N limits" "files differ after revert"; tail -5 "$dir/chaosd.log"; "$CHAOSCTL" get "$ID" --json; }
        fi
        kill -9 "$VPID"
fi

# ---- 5b. pids.max enforced, counted by the victim ----
# The victim is the cgroup's only process (pids.current 1): under max 4 it
# may fork 3 times. It tries 6 and counts the results itself, once under
# the limit and once after the revert; the rounds start on a file, so no
# other process enters the cgroup.
forks_lines() { [ "$(grep -c '^{"forks"' "$1" 2>/dev/null)" -ge "$2" ]; }
if MKCG_OUT=$dir/forks.out mkcg forks forks 6 --rounds 2 --wait-file "$dir/forks.go"; then
        cur=$(cat "$CGDIR/pids.current")
        if run pidsmax 60s '[{"type": "pids", "max": 4}]'; then
                touch "$dir/forks.go"
                t_wait 10 forks_lines "$dir/forks.out" 1
                under=$(sed -n 1p "$dir/forks.out")
                "$CHAOSCTL" stop "$ID" >/dev/null
                touch "$dir/forks.go"
                t_wait 10 forks_lines "$dir/forks.out" 2
                after=$(sed -n 2p "$dir/forks.out")
                echo "pids max 4 with pids.current $cur: the victim saw $under under the limit, $after after revert"
                [ "$cur" = 1 ] && [ "$under" = '{"forks":{"ok":3,"EAGAIN":3}}' ] &&
                        t_pass "$N pids max 4: 3 of the victim's 6 forks succeeded, 3 failed with EAGAIN (its own counts)" ||
                        t_fail "$N pids max 4" "pids.current $cur before; the victim saw '$under', want 3 ok and 3 EAGAIN"
                [ "$after" = '{"forks":{"ok":6}}' ] && t_pass "$N pids: all 6 forks succeed after revert" ||
                        t_fail "$N pids revert" "the victim saw '$after' after revert"
        fi
        kill -9 "$VPID"
else
        t_fail "$N pids" "could not make a cgroup with a victim"
fi

# ---- 6. chaosd SIGKILLed mid-experiment ----
if mkcg crash sleep 600; then
        snap "$CGDIR" "$dir/crash.before"
        if run crash 10s '[{"type": "cpu", "quota": 0.5, "load": 100, "workers": 2}, {"type": "memory", "consume": "32MiB"}]'; then
                # 2 cpu workers + 1 memory consumer: all three must be seen
                # running, or "none after" proves nothing.
                t_wait 3 eval '[ "$(others)" -ge 3 ]'
                n=$(others)
                st=$("$CHAOSCTL" get "$ID" --json 2>/dev/null | awk -F'"' '$2 == "state" {print $4; exit}')
                kill -9 "$CPID"
                if [ "$n" != 3 ]; then
                        t_fail "$N SIGKILL" "$n stressors in the cgroup before the kill, want 3 (2 workers + 1 consumer); experiment state '$st'"
                elif t_wait 3 no_stressors; then
                        t_pass "$N SIGKILL chaosd: $n stressors running before, none 3 s after (parent-death signal)"
                else
                        t_fail "$N SIGKILL" "$(others) stressors outlived chaosd: $(cat "$CGDIR/cgroup.procs" | tr '\n' ' ')"
                fi
                sleep 10 # the deadline passes while chaosd is down (10 s: a slow guest has taken over 4 s to answer chaosctl run)
                if start_chaosd; then
                        t_wait 5 same "$dir/crash.before" "$CGDIR" >/dev/null
                        snap "$CGDIR" "$dir/crash.after"
                        same "$dir/crash.before" "$dir/crash.after" && [ "$(others)" = 0 ] &&
                                t_pass "$N reconcile after restart: files byte-identical, no stressor running" ||
                                t_fail "$N reconcile" "files differ or $(others) stressors after restart"
                else
                        t_fail "$N reconcile" "chaosd did not restart"
                fi
        fi
        kill -9 "$VPID"
fi
exit $T_FAILED
