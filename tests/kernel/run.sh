#!/bin/bash
# The kernel lane: boot a stock Debian cloud kernel under qemu (TCG; no KVM
# needed) with an initramfs of the project's binaries and tests, run every
# tests/kernel/*.sh (except this file) inside it, and report their checks.
# There the kernel has sch_netem, ifb, act_gact... and cgroup v2, which the
# host lacks.
#
#   BUILD=/abs/build tests/kernel/run.sh [script.sh...]
#
# The kernel .deb comes from `apt-get download` and is cached (default
# /var/cache/chaosd-kernel, else $BUILD/kernel-cache), so reruns need no
# network. The output is TAP: every check of every script once, renumbered
# and prefixed with the script's name, and one "not ok" more for a script
# that did not run to its end (a non-zero exit with no failing check, no
# plan line, fewer checks than its plan, over its budget, the guest hung or
# timed out while it ran, or it never ran). Exits non-zero on any of those.
# SKIPs the whole lane ("1..0 # SKIP") only when qemu or the kernel package
# cannot be had.
#
# Bounds: each script KERNEL_SCRIPT_BUDGET s (300; over it: DIAG: lines and
# a failure), a guest silent for KERNEL_LANE_SILENT s (90: a hung kernel;
# the script it hung in fails with the checks it had made, and the VM is
# booted once more for the scripts not yet started), the VM
# KERNEL_LANE_TIMEOUT s (1200). KERNEL_LANE_BENCH=1 adds the netem BENCH:
# rows (make bench).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$SRC/build}
# Each script has a budget (they take 15-90 s each here); the VM as a
# whole a bound past their sum. Over budget, a script's processes are listed and
# ended, and it FAILs by name.
BUDGET=${KERNEL_SCRIPT_BUDGET:-300}
TIMEOUT=${KERNEL_LANE_TIMEOUT:-1200}
CACHE=${CHAOSD_KERNEL_CACHE:-/var/cache/chaosd-kernel}
WORK=$BUILD/kernel-lane
LOG=$WORK/console.log
MODULES="veth ifb sch_netem sch_prio sch_tbf sch_htb sch_fq_codel sch_ingress sch_sfq cls_u32 cls_basic cls_matchall
         act_mirred act_gact fuse null_blk"

# The lane's TAP: N checks printed so far; the plan line closes it.
N=0
skip() { echo "1..0 # SKIP kernel lane: $*"; exit 0; }
die() { N=$((N + 1)); echo "not ok $N - kernel lane: $*"; echo "1..$N"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
for t in cpio depmod modprobe dpkg; do command -v $t >/dev/null || skip "$t not installed"; done
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx insmod || skip "busybox-static not installed"
[ -x "$BUILD/chaosd" ] || [ -x "$BUILD/tests/integration/test_network_host" ] || die "nothing built in $BUILD (make tests)"

mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || CACHE=$BUILD/kernel-cache
mkdir -p "$CACHE" "$WORK"

# ---- the kernel ----
deb=$(ls -t "$CACHE"/linux-image-*-cloud-amd64_*.deb 2>/dev/null | grep -v 'linux-image-cloud-amd64_' | head -1)
if [ -z "$deb" ]; then
        pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
        [ -n "$pkg" ] || skip "no linux-image-cloud-amd64 in apt's lists (apt-get update?)"
        (cd "$CACHE" && apt-get download "$pkg" >/dev/null 2>&1) || skip "apt-get download $pkg failed (offline?)"
        deb=$(ls -t "$CACHE"/linux-image-*-cloud-amd64_*.deb 2>/dev/null | grep -v 'linux-image-cloud-amd64_' | head -1)
        [ -n "$deb" ] || skip "kernel package not downloaded"
fi
kroot=$CACHE/$(basename "$deb" .deb)
if [ ! -f "$kroot/.ok" ]; then
        rm -rf "$kroot"
        dpkg -x "$deb" "$kroot" || die "dpkg -x $deb"
        kver=$(ls "$kroot/lib/modules" | head -1)
        # The .deb ships no modules.dep: make one.
        depmod -b "$kroot" "$kver" || die "depmod"
        touch "$kroot/.ok"
fi
kver=$(ls "$kroot/lib/modules" | head -1)
vmlinuz=$kroot/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no vmlinuz in $deb"

# ---- the initramfs ----
root=$WORK/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,build,tests/kernel,var/run}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
        case $a in ip|tc|bash|busybox) continue ;; esac
        [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# Copy a dynamic binary with the libraries ldd lists (same paths).
copy_bin() { # copy_bin SRC [DEST-in-root]
        local src=$1 dst=${2:-$1} lib
        mkdir -p "$root$(dirname "$dst")"
        cp -L "$src" "$root$dst" || return 1
        for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
                [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
        done
}
copy_bin /bin/bash /bin/bash || die "bash"
copy_bin /usr/sbin/ip /usr/sbin/ip || die "iproute2 ip"
copy_bin /usr/sbin/tc /usr/sbin/tc || die "iproute2 tc"
# busybox's awk has no math (sqrt); the tests' statistics need a real one.
copy_bin "$(readlink -f /usr/bin/awk)" /usr/bin/awk || die "awk"
copy_bin /usr/bin/date /usr/bin/date || die "date" # busybox date has no %N
mkdir -p "$root/usr/lib/x86_64-linux-gnu/tc"
cp /usr/lib/x86_64-linux-gnu/tc/*.dist "$root/usr/lib/x86_64-linux-gnu/tc/" 2>/dev/null
# The project: every built binary, at the same place under /build.
(cd "$BUILD" && find . -path ./kernel-lane -prune -o -path ./obj -prune -o -path ./kernel-cache -prune -o \
        -type f -perm -u+x -print) | while read -r f; do
        case $f in *.a|*.o|*.d|*.log) continue ;; esac
        copy_bin "$BUILD/${f#./}" "/build/${f#./}" 2>/dev/null || true
done
cp "$SRC/tests/lib.sh" "$root/tests/lib.sh"
# The crash campaign (crash.sh runs it in here) and its API client.
cp -r "$SRC/tests/crash" "$root/tests/"
command -v curl >/dev/null && copy_bin "$(command -v curl)" /usr/bin/curl
scripts=()
for s in "$SRC"/tests/kernel/*.sh; do
        [ "$(basename "$s")" = run.sh ] && continue
        if [ $# -gt 0 ]; then
                case " $* " in *" $(basename "$s") "*) ;; *) continue ;; esac
        elif [ "$(basename "$s")" = crash.sh ]; then
                continue # its own target, make crashtest-kernel: minutes of guest time
        fi
        cp "$s" "$root/tests/kernel/"
        scripts+=("$(basename "$s")")
done
[ ${#scripts[@]} -gt 0 ] || skip "no tests/kernel/*.sh to run"
[ -d "$SRC/tests/data" ] && cp -r "$SRC/tests/data" "$root/tests/"
[ -d "$SRC/examples" ] && cp -r "$SRC/examples" "$root/"

# Modules with their dependencies, in load order.
: >"$root/modules.list"
for m in $MODULES; do
        modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
        mkdir -p "$root$(dirname "${ko#$kroot}")"
        cp "$ko" "$root${ko#$kroot}"
        echo "${ko#$kroot}" >>"$root/modules.list"
done
echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t cgroup2 none /sys/fs/cgroup
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /run/netns /var/run
for ko in $(cat /modules.list); do insmod "$ko" 2>/dev/null; done
ip link set lo up
echo "=== kernel-lane: up $(uname -r) $(nproc) cpu"
up() { cut -d' ' -f1 /proc/uptime; }
# What every process is doing, and the freezer state of every cgroup: the
# record a hung script leaves (the lane's only window into the guest).
diag() {
        for p in /proc/[0-9]*; do
                cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-140)
                [ -n "$cmd" ] || continue # kernel threads
                st=$(awk '/^State:/ {print $2}' "$p/status" 2>/dev/null)
                echo "DIAG: pid ${p#/proc/} $st wchan=$(cat "$p/wchan" 2>/dev/null): $cmd"
                [ "$st" = D ] && sed 's/^/DIAG:     /' "$p/stack" 2>/dev/null | head -8
        done
        for f in $(find /sys/fs/cgroup /tmp -name cgroup.freeze -o -name freezer.state 2>/dev/null); do
                echo "DIAG: $f: $(cat "$f" | tr '\n' ' ')"
        done
}
# Alive and not yet reaped (a zombie still answers kill -0).
running() { [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
budget=$(sed -n 's/.*chaosd.budget=\([0-9]*\).*/\1/p' /proc/cmdline)
only=$(sed -n 's/.*chaosd.only=\([^ ]*\).*/\1/p' /proc/cmdline)
grep -q 'chaosd.bench=1' /proc/cmdline && export LANE_BENCH=1
# A heartbeat: the host takes a silent guest for a hung kernel.
(while :; do sleep 10; echo "=== kernel-lane: alive at $(up)s"; done) &
for s in /tests/kernel/*.sh; do
        t0=$(up)
        name=$(basename "$s")
        case ",$only," in ,,|*",$name,"*) ;; *) continue ;; esac
        echo "=== kernel-lane: $name (at ${t0}s)"
        # Its own process group, so that a script over its budget can be
        # ended with everything it started, and the next one still runs.
        BUILD=/build setsid bash "$s" 2>&1 &
        pid=$!
        n=0
        while running $pid && [ $n -lt $((budget * 2)) ]; do
                sleep 0.5
                n=$((n + 1))
        done
        if running $pid; then
                echo "OVERBUDGET: $name still running after its budget of ${budget}s; what was running:"
                diag
                kill -TERM -$pid 2>/dev/null
                sleep 3
                kill -KILL -$pid 2>/dev/null
        fi
        wait $pid
        rc=$?
        echo "=== kernel-lane: $name rc=$rc ($(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.0f", b - a }')s)"
done
echo "=== kernel-lane: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initrd.gz" || die "cpio"

# ---- boot ----
# boot CONSOLE-LOG SCRIPTS: run the VM on the scripts named (comma list,
# empty: all). Returns qemu's status; 124 past TIMEOUT; 125 when the guest
# printed nothing, not even its heartbeat, for $SILENT s (a hung kernel).
SILENT=${KERNEL_LANE_SILENT:-90}
boot() {
        local log=$1 only=$2 qpid t0 now beat=0 n seen
        t0=$(date +%s); seen=$t0
        qemu-system-x86_64 -m 1024 -smp 2 -nographic -no-reboot -nodefaults -serial stdio \
                -kernel "$vmlinuz" -initrd "$WORK/initrd.gz" \
                -append "console=ttyS0 quiet panic=-1 chaosd.budget=$BUDGET chaosd.bench=${KERNEL_LANE_BENCH:-0} chaosd.only=$only" \
                </dev/null >"$log" 2>&1 &
        qpid=$!
        while kill -0 $qpid 2>/dev/null; do
                sleep 2
                now=$(date +%s)
                n=$(wc -c <"$log")
                if [ "$n" != "$beat" ]; then beat=$n; seen=$now; fi
                if [ $((now - t0)) -ge "$TIMEOUT" ] || [ $((now - seen)) -ge "$SILENT" ]; then
                        kill -KILL $qpid 2>/dev/null
                        wait $qpid 2>/dev/null
                        [ $((now - t0)) -ge "$TIMEOUT" ] && return 124
                        return 125
                fi
        done
        wait $qpid
}
# clean LOG: the console as text, without the terminal's escapes
clean() { tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' >"$1.txt"; }
# in_script LOG: the script a console log last started
in_script() { grep -o '^=== kernel-lane: [^ ]*\.sh (at' "$1" | tail -1 | cut -d' ' -f3; }
echo "# kernel lane: $kver, scripts: ${scripts[*]}, initramfs $(du -h "$WORK/initrd.gz" | cut -f1)"
start=$(date +%s)
rm -f "$WORK"/console*.txt
boot "$LOG" ""
rc=$?
clean "$LOG"
consoles=("$LOG.txt")
if [ $rc = 125 ]; then
        # The guest went silent (no output, no heartbeat): its kernel hung.
        # The script it hung in fails with the checks it made; once, boot
        # again for the scripts that had not started.
        hung=$(in_script "$LOG.txt")
        echo "# the first boot went silent for ${SILENT}s in ${hung:-boot}; its console's last lines:"
        grep -v '^    ' "$LOG.txt" | tail -15 | sed 's/^/#  | /'
        mv "$LOG.txt" "$WORK/console1.log.txt"
        consoles=("$WORK/console1.log.txt")
        left=()
        for s in "${scripts[@]}"; do
                grep -q "^=== kernel-lane: $s (at" "$WORK/console1.log.txt" || left+=("$s")
        done
        if [ ${#left[@]} -gt 0 ]; then
                only=$(IFS=,; echo "${left[*]}")
                echo "# booting again for $only (console: $WORK/console2.log.txt)"
                boot "$WORK/console2.log" "$only"
                rc=$?
                clean "$WORK/console2.log"
                consoles+=("$WORK/console2.log.txt")
                cp "$WORK/console2.log.txt" "$LOG.txt"
        fi
fi
echo "# kernel lane: $(( $(date +%s) - start ))s in qemu (console: ${consoles[*]})"
# A VM that never finished: the end of what it printed says where.
if ! grep -q '^=== kernel-lane: done' "${consoles[-1]}"; then
        echo "# --- the console's last lines (qemu status $rc):"
        grep -v '^    ' "${consoles[-1]}" | tail -30 | sed 's/^/#  | /'
fi
# Every script's checks, once, and a failure for each that did not run to
# its end.
KERNEL_SCRIPT_BUDGET=$BUDGET KERNEL_LANE_SILENT=$SILENT KERNEL_LANE_TIMEOUT=$TIMEOUT \
        exec "$HERE/console-tap" "$rc" "$(IFS=,; echo "${scripts[*]}")" "${consoles[@]}"
