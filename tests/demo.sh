#!/bin/bash
# make demo: start chaosd and a demo container, pause the container for 5 s
# through chaosd (examples/demo.json), show the effect from outside and the
# revert, then clean up. Needs root (cgroups, Docker).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$(pwd)/build}
[ "$(id -u)" = 0 ] || { echo "make demo needs root (it freezes a container's cgroup)"; exit 1; }
tests/setup.sh
dir=${CHAOSD_DEMO_DIR:-/tmp/chaosd-demo}
mkdir -p "$dir"
sock=$dir/chaosd.sock
export CHAOSD_SOCKET=$sock
ctl() { "$BUILD/chaosctl" "$@"; }
cleanup() {
        [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
        docker rm -f chaosd-demo >/dev/null 2>&1 || true
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
echo "==> chaosctl ls"
ctl ls
