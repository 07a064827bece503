#!/bin/bash
# The crash campaign (tests/crash/crashtest.sh) in the kernel lane's VM,
# where netem and gact exist: network and partition, the kinds the host
# cannot apply, with pause on cgroup v2. Reduced for TCG: every
# kernel-changing system call of their apply and revert is a kill point;
# the journal commits are the host campaign's (CRASH_MODES="kernel commit"
# adds them here too). Target: a process in a cgroup and a network
# namespace of its own (a pid target). Not in the default lane: make
# crashtest-kernel (or tests/kernel/run.sh crash.sh).
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$HERE/../crash/crashtest.sh" ]; then
        echo "SKIP: crash: tests/crash/ not in this image"
        exit 0
fi
export CRASH_LANE=kernel CRASH_TROUBLES= CRASH_LOGDIR=/tmp/crash-logs CRASH_PROBE=0
export CRASH_KINDS=${CRASH_KINDS:-network partition pause}
export CRASH_MODES=${CRASH_MODES:-kernel}
exec bash "$HERE/../crash/crashtest.sh"
