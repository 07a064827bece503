#!/bin/bash
# chaosd started in a private cgroup namespace, as in a Kubernetes pod
# (DaemonSet with hostPID): it joins the host's cgroup namespace at start-up,
# so a container's cgroup is found and frozen. Without that join the target's
# /proc/PID/cgroup reads "/../docker/..." and resolution fails.
. "$(dirname "$0")/../lib.sh"
t_plan 3

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
have_docker || t_skip_all "docker or $TEST_IMAGE missing (run tests/setup.sh)"
command -v unshare >/dev/null || t_skip_all "unshare (util-linux) missing"
[ -d /sys/fs/cgroup/freezer ] || t_skip_all "this check is written for the cgroup v1 freezer"

W=$(mktemp -d /tmp/chaosd-cgns.XXXXXX)
t_cleanup rm -rf "$W"
c=cgns-$$
t_container "$c" "$TEST_IMAGE" sleep 3600 || { t_fail docker-run "$c"; exit 1; }
# A cgroup of its own first, so that the new cgroup namespace's root is not
# the host's.
G=/sys/fs/cgroup/freezer/chaosd-cgns-test-$$
mkdir "$G" && t_cleanup rmdir "$G"
mkdir -p "$W/chaosd"
CHAOSD_SOCKET=$W/chaosd/chaosd.sock
# PID 1 of this sandbox may not let us read its namespaces; in a pod with
# hostPID it is the node's init. Here the reference is this shell, which
# lives in the host's cgroup namespace.
CHAOSD_HOST_NS_PID=$$ sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec unshare --cgroup "$@"' sh "$G" \
        "$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$W/chaosd/state" 2>>"$W/chaosd/chaosd.log" &
P=$!
t_cleanup "kill -TERM $P; sleep 0.3; kill -KILL $P"
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health || { t_fail start "$(cat "$W/chaosd/chaosd.log")"; exit 1; }
# (chaosd has joined the host's namespace by now; its shell parent shows what
# the namespace it was started in looked like)
echo "  chaosd (pid $P) now in cgroup namespace $(readlink /proc/$P/ns/cgroup); the host's: $(readlink /proc/$$/ns/cgroup);" \
     "its cgroup as it sees it: $(grep freezer /proc/$P/cgroup)"
grep -q "joined the host's cgroup namespace" "$W/chaosd/chaosd.log" && t_pass "chaosd joined the host's cgroup namespace" ||
        t_fail "joined" "$(cat "$W/chaosd/chaosd.log")"
ff=$(t_freezer_file "$c")
out=$(t_api -X POST -d '{"name":"ns","target":{"container":"'$c'"},"duration":"2s","faults":[{"type":"pause"}]}' /v1/experiments)
during=$(cat "$ff")
echo "  answer: $(echo "$out" | head -c 200); freezer.state during: $during"
[ "$during" = FROZEN ] && t_pass "the container's cgroup is found and frozen" || t_fail "frozen" "$out"
t_wait 6 sh -c "[ \$(cat $ff) = THAWED ]" && t_pass "thawed after" || t_fail "thawed" "$(cat "$ff")"
[ $T_FAILED = 0 ]
