#!/bin/bash
# The crash campaign (tests/crash/crashtest.sh) in the kernel lane's VM,
# where netem and gact exist: network and partition are among the kinds,
# on cgroup v2. Reduced to stay within about 3 minutes of guest time (TCG):
# every kernel-changing system call of four kinds (the three network ones and pause on cgroup v2) is a kill point, and the
# journal commits of the network kind. Targets: a process in a cgroup and
# a network namespace of its own (a pid target). Not in the default lane:
# make crashtest-kernel (or tests/kernel/run.sh crash.sh).
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$HERE/../crash/crashtest.sh" ]; then
        echo "SKIP: crash: tests/crash/ not in this image"
        exit 0
fi
export CRASH_LANE=kernel CRASH_TROUBLES= CRASH_LOGDIR=/tmp/crash-logs CRASH_PROBE=0
export CRASH_KINDS=${CRASH_KINDS:-network partition bandwidth pause}
export CRASH_MODES="kernel commit"
export CRASH_COMMIT_KINDS=${CRASH_COMMIT_KINDS:-network}
exec bash "$HERE/../crash/crashtest.sh"
