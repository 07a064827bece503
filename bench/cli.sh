#!/bin/bash
# chaosctl's cost per invocation, mostly process start-up: `--help`, and
# `ls` / `get ID` against a local chaosd on its Unix socket, each vs the
# curl command a user would otherwise type. chaosctl maps no libcurl on
# this path (it loads libcurl only for --host/--hosts).
. "$(dirname "$0")/../tests/lib.sh"
N=${N:-100}
dir=$(mktemp -d /tmp/chaosd-bench.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || exit 1
sleep 600 & victim=$!
t_cleanup kill $victim
echo "{\"name\":\"bench-cli\",\"target\":{\"pid\":$victim},\"duration\":\"60s\",\"faults\":[{\"type\":\"kill\",\"signal\":\"SIGCONT\",\"count\":1,\"interval\":\"30s\"}]}" >"$dir/spec.json"
id=$("$CHAOSCTL" run "$dir/spec.json") || { echo "cli bench: run failed" >&2; exit 1; }
now() { date +%s%N; }
per_run() { # per_run CMD...: mean ns over N runs, output discarded
        local t0; "$@" >/dev/null 2>&1; t0=$(now)
        for _ in $(seq $N); do "$@" >/dev/null 2>&1; done
        echo $(( ($(now) - t0) / N ))
}
ms() { awk -v n="$1" 'BEGIN {printf "%.2f ms", n / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "**%.1f×**", b / a}'; }
row() { # row WHAT CHAOSD_NS BASELINE_NS BASELINE_NAME
        echo "| $1 (N=$N) | $(ms "$2") | $(ms "$3") $4 | $(ratio "$2" "$3") |"
}
SOCK=$CHAOSD_SOCKET
h=$(per_run "$CHAOSCTL" --help); hc=$(per_run curl --version)
l=$(per_run "$CHAOSCTL" ls); lc=$(per_run curl -s --unix-socket "$SOCK" http://x/v1/experiments)
g=$(per_run "$CHAOSCTL" get "$id"); gc=$(per_run curl -s --unix-socket "$SOCK" "http://x/v1/experiments/$id")
"$CHAOSCTL" stop "$id" >/dev/null
row "chaosctl start-up: \`chaosctl --help\`" "$h" "$hc" "\`curl --version\`"
row "\`chaosctl ls\` → local chaosd (Unix socket, no libcurl)" "$l" "$lc" "\`curl --unix-socket … /v1/experiments\`"
row "\`chaosctl get ID\` → local chaosd" "$g" "$gc" "\`curl --unix-socket … /v1/experiments/ID\`"
