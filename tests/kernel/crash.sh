#!/bin/bash
# The crash campaign (tests/crash/crashtest.sh) in the kernel lane's VM,
# where netem and gact exist: network and partition are among the kinds,
# on cgroup v2. Reduced to stay within about 3 minutes of guest time:
# kernel-changing system calls as kill points for every kind, journal
# commits for one. Targets: a process in a cgroup and a network namespace
# of its own (a pid target), the kill kind's loop in another cgroup.
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$HERE/../crash/crashtest.sh" ]; then
        echo "SKIP: crash: tests/crash/ not in this image"
        exit 0
fi
export CRASH_LANE=kernel CRASH_TROUBLES= CRASH_LOGDIR=/tmp/crash-logs
export CRASH_KINDS=${CRASH_KINDS:-network partition bandwidth pause cpu-quota memory-limit pids kill}
# The journal commits of one kind too.
export CRASH_MODES="kernel commit"
export CRASH_COMMIT_KINDS=${CRASH_COMMIT_KINDS:-network}
exec bash "$HERE/../crash/crashtest.sh"
