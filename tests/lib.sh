# Shell test harness for integration and kernel-lane scripts.
# Source it; call `t_pass NAME`, `t_fail NAME WHY`, `t_skip NAME WHY`;
# register cleanups with `t_cleanup CMD...` (run in reverse on exit, even on
# failure). run-all.sh counts the PASS/FAIL/SKIP lines.
set -u
T_FAILED=0
T_CLEANUPS=()
BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
CHAOSD=${CHAOSD:-$BUILD/chaosd}
CHAOSCTL=${CHAOSCTL:-$BUILD/chaosctl}
VICTIM=${VICTIM:-$BUILD/tests/helpers/victim}
TEST_IMAGE=${TEST_IMAGE:-chaosd-busybox:latest}

t_pass() { echo "PASS: $1"; }
t_fail() { echo "FAIL: $1: ${2:-}"; T_FAILED=1; }
t_skip() { echo "SKIP: $1: ${2:-}"; }
t_check() { # t_check NAME CMD... : pass if CMD succeeds
        local name=$1; shift
        if "$@"; then t_pass "$name"; else t_fail "$name" "command failed: $*"; fi
}
t_cleanup() { T_CLEANUPS+=("$*"); }
t_run_cleanups() {
        # An odd name: the eval'd commands run in this scope and may use $i.
        local __t_cleanup_idx
        for ((__t_cleanup_idx = ${#T_CLEANUPS[@]} - 1; __t_cleanup_idx >= 0; __t_cleanup_idx--)); do
                eval "${T_CLEANUPS[$__t_cleanup_idx]}" >/dev/null 2>&1 || true
        done
        T_CLEANUPS=()
}
trap 't_run_cleanups' EXIT
# A TERM or INT (the kernel lane's budget, a user's ^C) exits, so the
# cleanups above still run.
trap 'exit 143' TERM INT

# Wait up to $1 seconds (fractions allowed) for a command to succeed.
# bash's own clock, no date(1): the same helper serves the kernel lane's VM.
t_wait() {
        local now=${EPOCHREALTIME/./}
        local deadline=$(( now + ${1%.*} * 1000000 + 500000 )); shift
        while ! "$@" >/dev/null 2>&1; do
                now=${EPOCHREALTIME/./}
                [ "$now" -gt "$deadline" ] && return 1
                sleep 0.05
        done
}

# Docker: dockerd is started by tests/setup.sh; here only check.
have_docker() { docker info >/dev/null 2>&1 && docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; }

# Start a throw-away busybox container: t_container NAME [docker run args...] -- CMD...
t_container() {
        local name=$1; shift
        docker rm -f "$name" >/dev/null 2>&1 || true
        docker run -d --name "$name" "$@" >/dev/null || return 1
        t_cleanup docker rm -f "$name"
}

# A private chaosd: t_start_chaosd DIR [args...]; sets CHAOSD_PID and CHAOSD_SOCKET.
t_start_chaosd() {
        local dir=$1; shift
        mkdir -p "$dir"
        CHAOSD_SOCKET=$dir/chaosd.sock
        export CHAOSD_SOCKET
        "$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" "$@" 2>>"$dir/chaosd.log" &
        CHAOSD_PID=$!
        t_cleanup "kill -TERM $CHAOSD_PID; sleep 0.3; kill -KILL $CHAOSD_PID"
        t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
}
# The API, through curl as an independent client: t_api [curl args...] PATH
t_api() { curl -s --max-time 20 --unix-socket "$CHAOSD_SOCKET" "${@:1:$#-1}" "http://chaosd${!#}"; }
# A JSON field of stdin: json_get '["faults"][0]["state"]'
json_get() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(eval("v"+sys.argv[1]))' "$1"; }
# Freezer state of a docker container (cgroup v1 host, cgroupfs driver)
t_freezer_file() { echo "/sys/fs/cgroup/freezer/docker/$(docker inspect -f '{{.Id}}' "$1")/freezer.state"; }
