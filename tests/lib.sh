# Shell test harness for the unit, integration and kernel-lane scripts.
# Source it, declare how many checks the script makes with `t_plan N`, then
# make each check once with `t_pass NAME`, `t_fail NAME WHY`, `t_skip NAME
# WHY` (or `t_check NAME CMD...`). Register cleanups with `t_cleanup CMD...`
# (run in reverse on exit, even on failure).
#
# Output is TAP: one "ok N - NAME", "not ok N - NAME: WHY" or
# "ok N - NAME # SKIP WHY" per check, and on exit the plan line "1..N".
# The EXIT trap compares the checks made with the plan declared: fewer or
# more (the script ended early, a `t_wait ... && t_pass` that timed out) is
# one more "not ok" naming both numbers and a non-zero exit. A script
# killed outright prints no plan line at all, which tests/run-all.sh and the
# kernel lane take as a failure too.
set -u
T_FAILED=0
T_RAN=0
T_PLAN=
T_NAME=$(basename "$0" .sh)
T_CLEANUPS=()
BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build}
CHAOSD=${CHAOSD:-$BUILD/chaosd}
CHAOSCTL=${CHAOSCTL:-$BUILD/chaosctl}
VICTIM=${VICTIM:-$BUILD/tests/helpers/victim}
TEST_IMAGE=${TEST_IMAGE:-chaosd-busybox:latest}

# t_plan N: this script makes N checks (t_pass/t_fail/t_skip calls), on
# every path. Call it once, before the first check.
t_plan() { T_PLAN=$((${T_PLAN:-0} + $1)); echo "# $T_NAME: plan of $1 checks"; }
# One TAP line. A '#' in the text is escaped: unescaped, "# SKIP" in a
# message would turn a failure into a skip.
_t_line() { # _t_line "ok"|"not ok" TEXT [DIRECTIVE]
        local text=${2//$'\n'/ }
        T_RAN=$((T_RAN + 1))
        echo "$1 $T_RAN - ${text//#/\\#}${3:+ # $3}"
}
t_pass() { _t_line ok "$1"; }
t_fail() { _t_line "not ok" "$1: ${2:-}"; T_FAILED=1; }
t_skip() { _t_line ok "$1" "SKIP ${2:-}"; }
t_check() { # t_check NAME CMD... : pass if CMD succeeds
        local name=$1; shift
        if "$@"; then t_pass "$name"; else t_fail "$name" "command failed: $*"; fi
}
# t_skip_all WHY: the checks not made yet cannot run here; each is counted
# as one SKIP (so the plan holds), then the script ends.
t_skip_all() {
        local why=$1 n=${T_PLAN:-1}
        [ "$T_RAN" -ge "$n" ] && n=$((T_RAN + 1))
        while [ "$T_RAN" -lt "$n" ]; do t_skip "$T_NAME check $((T_RAN + 1)) of $n" "$why"; done
        exit 0
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
# On exit: the cleanups, then the plan compared with the checks made, then
# the plan line. A script that sources this file for its helpers only
# (bench/) and makes no check prints nothing.
_t_exit() {
        local rc=$?
        t_run_cleanups
        if [ -z "$T_PLAN" ] && [ "$T_RAN" = 0 ]; then return; fi
        if [ -z "$T_PLAN" ]; then
                t_fail "$T_NAME: plan" "$T_RAN checks made but none declared (t_plan N)"
        elif [ "$T_RAN" != "$T_PLAN" ]; then
                t_fail "$T_NAME: plan" "$T_PLAN checks declared, $T_RAN made (exit status $rc)"
        fi
        echo "1..$T_RAN"
        [ "$T_FAILED" = 0 ] || exit 1
}
trap '_t_exit' EXIT
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

# t_wait_or_fail NAME SECS CMD...: wait as t_wait does; when CMD never
# succeeds, the check NAME fails here, by name, and the caller makes no
# check of its own:  t_wait_or_fail "x frozen" 5 is_frozen && check_x ...
# Either way the script makes exactly one check named NAME.
t_wait_or_fail() {
        local name=$1 secs=$2; shift 2
        t_wait "$secs" "$@" && return 0
        t_fail "$name" "timed out after ${secs}s waiting for: $*"
        return 1
}

# t_check_bin NAME [VAR=VALUE...] BINARY [ARGS...]: run a Check binary (its
# output is TAP, see tests/testutil.h) and make each of its cases one check
# of this script, "NAME: case", SKIPs kept as SKIPs. The binary's plan adds
# to this script's; a binary that ends without one (crashed) is one FAIL.
# Pure bash: it also runs in the kernel lane's VM, which has no perl.
t_check_bin() {
        local name=$1 line n=0 bad=0 plan= out rc; shift
        out=$(env CK_DEFAULT_TIMEOUT="${CK_DEFAULT_TIMEOUT:-60}" "$@" 2>&1)
        rc=$?
        while IFS= read -r line; do
                case $line in
                "ok "[0-9]*" # SKIP"*)
                        n=$((n + 1)); line=${line#ok * - }; line=${line//\\#/#}
                        t_skip "$name: ${line%% # SKIP*}" "${line#* # SKIP }" ;;
                "ok "[0-9]*)
                        n=$((n + 1)); line=${line#ok * - }; t_pass "$name: ${line//\\#/#}" ;;
                "not ok "[0-9]*)
                        n=$((n + 1)) bad=$((bad + 1)); line=${line#not ok * - }; t_fail "$name: ${line//\\#/#}" "" ;;
                1..[0-9]*) plan=${line#1..} ;;
                *) echo "    $line" ;;
                esac
        done <<<"$out"
        T_PLAN=$((${T_PLAN:-0} + n))
        if [ -z "$plan" ] || [ "$plan" != "$n" ] || { [ "$rc" != 0 ] && [ "$bad" = 0 ]; }; then
                T_PLAN=$((T_PLAN + 1))
                t_fail "$name" "$* exited $rc after $n cases, its plan: ${plan:-none}"
        fi
}

# t_relay: a helper in another language (python3 in tests/unit/test_deploy.sh)
# reports "PASS: NAME", "FAIL: NAME" or "SKIP: NAME: WHY" lines on stdin;
# each becomes one check of this script. Other lines pass as comments.
t_relay() {
        local line
        while IFS= read -r line; do
                case $line in
                "PASS: "*) t_pass "${line#PASS: }" ;;
                "FAIL: "*) t_fail "${line#FAIL: }" "" ;;
                "SKIP: "*) line=${line#SKIP: }; t_skip "${line%%: *}" "${line#*: }" ;;
                *) echo "# $line" ;;
                esac
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
# Debian's python3, not a pyenv shim ahead of it on PATH: the shim is a bash
# script that costs 0.3-1 s a call, enough to outlast the 2 s experiments
# several checks read back while they run.
if [ -x /usr/bin/python3 ]; then python3() { /usr/bin/python3 "$@"; }; fi
# A JSON field of stdin: json_get '["faults"][0]["state"]'
json_get() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(eval("v"+sys.argv[1]))' "$1"; }
# Freezer state of a docker container (cgroup v1 host, cgroupfs driver)
t_freezer_file() { echo "/sys/fs/cgroup/freezer/docker/$(docker inspect -f '{{.Id}}' "$1")/freezer.state"; }
