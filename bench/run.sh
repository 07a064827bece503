#!/bin/bash
# make bench: run every bench/*.sh (each prints markdown table rows
# "| operation | chaosd | baseline | ratio |" on stdout, notes on stderr)
# and write docs/performance.md with the machine it ran on.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$(pwd)/build}
export BUILD
tests/setup.sh >/dev/null || exit 1
out=docs/performance.md
rows=$(mktemp)
for b in bench/*.sh; do
        [ "$(basename "$b")" = run.sh ] && continue
        echo "bench: $b" >&2
        bash "$b" >>"$rows" || echo "| $(basename "$b" .sh) | failed | | |" >>"$rows"
done
{
        echo "# Performance"
        echo
        echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d): $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
             "$(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")," \
             "Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null)."
        echo "Each row measures chaosd and the baseline a user would otherwise run, in the same run."
        echo "Times are per operation (mean over the iterations shown); ratio = baseline / chaosd (higher is better for chaosd)."
        echo
        echo "| operation | chaosd | baseline | ratio |"
        echo "|---|---|---|---|"
        cat "$rows"
} >"$out"
rm -f "$rows"
cat "$out"
