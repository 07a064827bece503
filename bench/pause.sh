#!/bin/bash
# pause+unpause of a Docker container: chaosd vs Docker, like for like:
#   CLI to CLI:        `chaosctl run` + `stop`  vs `docker pause` + `unpause`
#   curl on both APIs: POST + DELETE on chaosd's vs POST pause/unpause on Docker's
#   one C client on both APIs (bench/apibench.c, the same client code)
# Every iteration reads the container's freezer.state (outside the timed
# part): FROZEN after the inject, THAWED after the revert, or the row fails.
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
N=${N:-30}
have_docker || { b_fail "pause+unpause a Docker container" "docker unavailable"; b_exit; }
dir=$(mktemp -d /tmp/chaosd-bench-pause.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || { b_fail "pause+unpause a Docker container" "chaosd did not start"; b_exit; }
C=chaosd-bench-pause-$$
t_container $C "$TEST_IMAGE" sleep 100000
F=$(t_freezer_file $C)
echo "{\"name\":\"bench\",\"target\":{\"container\":\"$C\"},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}]}" >"$dir/spec.json"
DS=/var/run/docker.sock

frozen() { # frozen WANT: the kernel's freezer state, read outside the timing
        local s; s=$(<"$F")
        [ "$s" = "$1" ] || { echo "freezer.state is $s, want $1" >&2; return 1; }
}
# Each side: time the inject and the revert, check each from outside.
ctl_side() {
        local t0 t1 t2 t3 id
        t0=$EPOCHREALTIME; id=$("$CHAOSCTL" run "$dir/spec.json") || return 1; t1=$EPOCHREALTIME
        frozen FROZEN || return 1
        t2=$EPOCHREALTIME; id=$("$CHAOSCTL" stop "$id") || return 1; t3=$EPOCHREALTIME
        frozen THAWED || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
docker_side() {
        local t0 t1 t2 t3 out
        t0=$EPOCHREALTIME; out=$(docker pause $C) || return 1; t1=$EPOCHREALTIME
        frozen FROZEN || return 1
        t2=$EPOCHREALTIME; out=$(docker unpause $C) || return 1; t3=$EPOCHREALTIME
        frozen THAWED || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
curl_chaosd() {
        local t0 t1 t2 t3 out
        t0=$EPOCHREALTIME
        out=$(curl -sf --unix-socket "$CHAOSD_SOCKET" -X POST --data-binary @"$dir/spec.json" http://x/v1/experiments) || return 1
        t1=$EPOCHREALTIME
        [[ $out =~ \"id\":\"([0-9a-f]+)\" && $out == *'"state":"running"'* ]] || { echo "POST: $out" >&2; return 1; }
        frozen FROZEN || return 1
        t2=$EPOCHREALTIME
        out=$(curl -sf --unix-socket "$CHAOSD_SOCKET" -X DELETE "http://x/v1/experiments/${BASH_REMATCH[1]}") || return 1
        t3=$EPOCHREALTIME
        frozen THAWED || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
curl_docker() {
        local t0 t1 t2 t3 out
        t0=$EPOCHREALTIME
        out=$(curl -sf --unix-socket $DS -X POST http://x/v1.41/containers/$C/pause) || return 1
        t1=$EPOCHREALTIME
        frozen FROZEN || return 1
        t2=$EPOCHREALTIME
        out=$(curl -sf --unix-socket $DS -X POST http://x/v1.41/containers/$C/unpause) || return 1
        t3=$EPOCHREALTIME
        frozen THAWED || return 1
        echo $(( $(b_ns $t0 $t1) + $(b_ns $t2 $t3) ))
}
# The daemon's own time for one experiment: the growth of its inject and
# revert histograms' sums (/metrics) across one POST + DELETE, and the CPU
# time all its threads ran meanwhile (/proc/PID/task/*/schedstat, ns: the
# experiment's whole life — request parsing, journal, apply, verify,
# revert; read after the /metrics request so that is not counted).
sums() { t_api /metrics | awk '/^chaosd_inject_seconds_sum/ {i=$2} /^chaosd_revert_seconds_sum/ {r=$2} END {print i, r}'; }
cpu_ns() { cat /proc/$CHAOSD_PID/task/*/schedstat | awk '{s += $1} END {print s}'; }
inside() {
        local i0 r0 i1 r1 c0 c1
        read -r i0 r0 < <(sums)
        c0=$(cpu_ns)
        curl_chaosd >/dev/null || return 1
        c1=$(cpu_ns)
        read -r i1 r1 < <(sums)
        awk -v a="$i0" -v b="$r0" -v c="$i1" -v d="$r1" -v e=$((c1 - c0)) 'BEGIN {printf "%.0f %.0f %d\n", (c - a) * 1e9, (d - b) * 1e9, e}'
}

b_pair "$N" ctl_side docker_side
b_row $? "pause+unpause a Docker container, CLI to CLI: \`chaosctl run\`+\`stop\`" ms "\`docker pause\`+\`docker unpause\`"
b_pair "$N" curl_chaosd curl_docker
b_row $? "pause+unpause, curl on both APIs: chaosd's POST+DELETE vs Docker Engine's pause+unpause" ms "curl → Docker Engine API"
"$BUILD/bench/apibench" pair "$CHAOSD_SOCKET" $DS $C "$F" "$N" >"$dir/api" 2>"$dir/api.err"
b_load $? "$dir/api"
b_row $? "pause+unpause, one C client on both APIs (bench/apibench.c): chaosd API vs Docker Engine API" ms "Docker Engine API"
b_runs "$N" inside
b_row1 $? "↳ inside the daemon (growth of /metrics' inject/revert sums): apply+verify · revert · the daemon's CPU time for the experiment's whole life (schedstat of its threads)" \
        "$(b_col "$B_DIR/a" 1 ms) · $(b_col "$B_DIR/a" 2 ms) · $(b_col "$B_DIR/a" 3 ms)"
b_exit
