#!/bin/bash
# make demo: start chaosd and two demo containers; pause one for 5 s
# (examples/demo.json) and squeeze the other's CPU to 0.2 for 4 s
# (examples/demo-cpu.json); show each effect from outside (the freezer, the
# ticks, the CPU the kernel accounted) and each revert, then clean up.
# Needs root (cgroups, Docker). Installs only what the demo needs.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$(pwd)/build}
[ "$(id -u)" = 0 ] || { echo "make demo needs root (it freezes a container's cgroup)"; exit 1; }
tests/setup.sh demo
dir=${CHAOSD_DEMO_DIR:-/tmp/chaosd-demo}
mkdir -p "$dir"
sock=$dir/chaosd.sock
export CHAOSD_SOCKET=$sock
ctl() { "$BUILD/chaosctl" "$@"; }
cleanup() {
        [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        docker rm -f chaosd-demo chaosd-demo-burn >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "==> starting chaosd (state dir $dir/state, socket $sock, log $dir/chaosd.log)"
"$BUILD/chaosd" --socket "$sock" --state-dir "$dir/state" 2>"$dir/chaosd.log" &
pid=$!
for _ in $(seq 50); do ctl ls >/dev/null 2>&1 && break; sleep 0.1; done

echo "==> starting the demo container 'chaosd-demo' (a ticker printing every 0.5 s)"
docker rm -f chaosd-demo >/dev/null 2>&1 || true
docker run -d --name chaosd-demo chaosd-busybox:latest \
        sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i $(date +%T)"; sleep 0.5; done' >/dev/null
freezer=/sys/fs/cgroup/freezer/docker/$(docker inspect -f '{{.Id}}' chaosd-demo)/freezer.state
[ -f "$freezer" ] || freezer=$(find /sys/fs/cgroup -path "*$(docker inspect -f '{{.Id}}' chaosd-demo)*" -name cgroup.freeze | head -1)
sleep 1.2

echo "==> the spec (examples/demo.json):"
sed 's/^/    /' examples/demo.json
ctl validate examples/demo.json

echo "==> chaosctl run examples/demo.json --wait   (meanwhile: freezer state and the container's ticks)"
ctl run examples/demo.json --wait &
run=$!
sleep 1
echo "    during: $(basename "$freezer") = $(cat "$freezer"); ticks in the last 2 s:"
n1=$(docker logs chaosd-demo 2>&1 | wc -l); sleep 2; n2=$(docker logs chaosd-demo 2>&1 | wc -l)
echo "    $((n2 - n1)) new ticks while paused (expect 0)"
wait $run || true
sleep 1.5
n3=$(docker logs chaosd-demo 2>&1 | wc -l)
echo "==> after the experiment: $(basename "$freezer") = $(cat "$freezer"); $((n3 - n2)) new ticks in the 1.5 s since (expect ~3)"
echo "==> the container's log around the pause (note the 5 s gap):"
docker logs chaosd-demo 2>&1 | tail -16 | sed 's/^/    /'

# ---- act 2: a CPU squeeze, which needs no netem and no freezer ----
echo
echo "==> starting 'chaosd-demo-burn' (one busy loop) to squeeze its CPU"
docker rm -f chaosd-demo-burn >/dev/null 2>&1 || true
docker run -d --name chaosd-demo-burn chaosd-busybox:latest sh -c 'while :; do :; done' >/dev/null
bid=$(docker inspect -f '{{.Id}}' chaosd-demo-burn)
# CPU time the kernel charged to the container, in ns (cgroup v1 cpuacct
# or v2 cpu.stat): read from outside, not from chaosd.
acct=$(find /sys/fs/cgroup -path "*$bid*" \( -name cpuacct.usage -o -name cpu.stat \) 2>/dev/null | head -1)
usage_ns() {
        case $acct in
        *cpu.stat) echo $(( $(awk '/^usage_usec/ {print $2}' "$acct") * 1000 )) ;;
        *) cat "$acct" ;;
        esac
}
cpu_over_1s() { # the CPUs used over one second, as "0.99"
        local a b
        a=$(usage_ns); sleep 1; b=$(usage_ns)
        awk -v d=$((b - a)) 'BEGIN { printf "%.2f", d / 1e9 }'
}
# The limit itself, as the kernel holds it (v1 cpu.cfs_quota_us, v2 cpu.max).
quota=$(find /sys/fs/cgroup -path "*$bid*" \( -name cpu.cfs_quota_us -o -name cpu.max \) 2>/dev/null | head -1)
sleep 0.5
echo "    before: $(basename "$quota") = $(cat "$quota"); the container used $(cpu_over_1s) CPU over 1 s"
sed 's/^/    /' examples/demo-cpu.json
ctl run examples/demo-cpu.json --wait &
run=$!
sleep 1.5
echo "    during: $(basename "$quota") = $(cat "$quota"); $(cpu_over_1s) CPU over 1 s (expect ~0.20 on an idle machine)"
wait $run || true
sleep 0.5
echo "    after:  $(basename "$quota") = $(cat "$quota") (restored); $(cpu_over_1s) CPU over 1 s"
echo "==> chaosctl ls"
ctl ls
