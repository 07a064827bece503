#!/bin/bash
# chaosctl's cost per invocation, whole process (start-up included):
# `--help`, and `ls` / `get ID` against a local chaosd on its Unix socket,
# each paired with the curl command a user would otherwise type. chaosctl
# maps no libcurl on this path (it loads libcurl only for --host/--hosts).
. "$(dirname "$0")/../tests/lib.sh"
. "$(dirname "$0")/lib.sh"
N=${N:-100}
dir=$(mktemp -d /tmp/chaosd-bench-cli.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || { b_fail "chaosctl per invocation" "chaosd did not start"; b_exit; }
sleep 600 & victim=$!
t_cleanup kill $victim
echo "{\"name\":\"bench-cli\",\"target\":{\"pid\":$victim},\"duration\":\"60s\",\"faults\":[{\"type\":\"kill\",\"signal\":\"SIGCONT\",\"count\":1,\"interval\":\"30s\"}]}" >"$dir/spec.json"
id=$("$CHAOSCTL" run "$dir/spec.json") || { b_fail "chaosctl per invocation" "chaosctl run failed"; b_exit; }
S=$CHAOSD_SOCKET
b_pair "$N" 'b_cmd "$CHAOSCTL" --help' 'b_cmd curl --version'
b_row $? "chaosctl start-up: \`chaosctl --help\`" ms "\`curl --version\`"
b_pair "$N" 'b_cmd "$CHAOSCTL" ls' 'b_cmd curl -sf --unix-socket "$S" http://x/v1/experiments'
b_row $? "\`chaosctl ls\` → local chaosd (Unix socket, no libcurl)" ms "\`curl --unix-socket … /v1/experiments\`"
b_pair "$N" 'b_cmd "$CHAOSCTL" get "$id"' 'b_cmd curl -sf --unix-socket "$S" "http://x/v1/experiments/$id"'
b_row $? "\`chaosctl get ID\` → local chaosd" ms "\`curl --unix-socket … /v1/experiments/ID\`"
"$CHAOSCTL" stop "$id" >/dev/null
b_exit
