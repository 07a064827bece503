#!/bin/bash
# make bench: run every bench/*.sh (each prints markdown table rows
# "| operation | chaosd | baseline | ratio | script |" on stdout, notes and
# failures on stderr) and write docs/performance.md with the machine it
# ran on. A script that exits non-zero (a FAILED row, or it died) makes
# this exit non-zero, after the page is written, FAILED rows and all.
#
# bench/run.sh bench/X.sh ...: run only those and replace, in the page,
# the rows whose script cell names one of them (or names a script whose
# rows they printed again), in place; the page says which were re-run, when.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$(pwd)/build}
export BUILD
tests/setup.sh >/dev/null || exit 1
load0=$(cut -d" " -f1-3 /proc/loadavg)
out=docs/performance.md
rows=$(mktemp) runs=$(mktemp)
failed=0
if [ $# -gt 0 ]; then
        scripts=("$@")
        [ -f "$out" ] || { echo "bench/run.sh: no $out to update; run it without arguments" >&2; exit 2; }
else
        scripts=()
        for b in bench/*.sh; do
                case "$(basename "$b")" in run.sh | lib.sh) ;; *) scripts+=("$b") ;; esac
        done
fi
for b in "${scripts[@]}"; do
        echo "bench: $b ($(date -u +%H:%M:%S))" >&2
        t0=$SECONDS l0=$(cut -d" " -f1 /proc/loadavg)
        bash "$b" >>"$rows"
        rc=$?
        echo "| $b | $((SECONDS - t0)) s | $l0 → $(cut -d" " -f1 /proc/loadavg) | $([ $rc = 0 ] && echo ok || echo "exit $rc")$([ $# -gt 0 ] && echo ", re-run $(date -u +%H:%M) UTC") |" >>"$runs"
        if [ $rc != 0 ]; then
                failed=1
                grep -q "^| .*| $b |\$" "$rows" || echo "| $(basename "$b" .sh) | **FAILED**: exit $rc, no row | | | $b |" >>"$rows"
                echo "bench: $b exited $rc" >&2
        fi
done
if [ $# -gt 0 ]; then
        # Replace in place: a row (or a run line) goes when its script cell
        # is one the new rows carry; the new ones take the first one's place.
        new=$(mktemp)
        awk -v rows="$rows" -v runs="$runs" -v note="Re-run on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC, load average before: $load0: $*." '
                function cell(l,   f, n) { n = split(l, f, "|"); gsub(/^ +| +$/, "", f[n - 1]); return f[n - 1] }
                function first(l,   f) { split(l, f, "|"); gsub(/^ +| +$/, "", f[2]); return f[2] }
                BEGIN {
                        while ((getline l < rows) > 0) { R[++nr] = l; S[cell(l)] = 1 }
                        while ((getline l < runs) > 0) { U[++nu] = l; T[first(l)] = 1 }
                }
                /^\| / && (cell($0) in S) && !in_runs { if (!r_done) { for (i = 1; i <= nr; i++) print R[i]; r_done = 1 } next }
                /^\| script \| time/ { in_runs = 1 }
                /^\| / && in_runs && (first($0) in T) { if (!u_done) { for (i = 1; i <= nu; i++) print U[i]; u_done = 1 } next }
                /^Measured by/ { print; print ""; print note; next }
                { print }
                END { if (!r_done || !u_done) exit 1 }' "$out" >"$new" || {
                echo "bench/run.sh: $out has no rows of $*; run it without arguments" >&2; rm -f "$new" "$rows" "$runs"; exit 2; }
        mv "$new" "$out"
        rm -f "$rows" "$runs"
        cat "$out"
        exit $failed
fi
{
        echo "# Performance"
        echo
        echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d): $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
             "$(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")," \
             "Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), load average before the run: $load0."
        echo
        echo "How each row is measured (bench/lib.sh):"
        echo
        echo "- chaosd and the baseline a user would otherwise run alternate in **one loop**, with the same N and the same work:"
        echo "  chaosd then baseline, baseline then chaosd, and so on (the order flips every pair), after one warm-up of each that is not counted."
        echo "- Every iteration checks its effect from outside, outside the timed part (the freezer's state, the root qdisc read by \`tc\`,"
        echo "  the victim's own error counts); **one failed iteration fails the row**: it reads FAILED and \`make bench\` exits non-zero."
        echo "- Each cell is the **median (min–max)** over the N runs of that side; ratio = baseline / chaosd (higher is better for chaosd),"
        echo "  taken pair by pair, median (min–max) of the per-pair ratios. A row with no baseline gives chaosd's own figure, over N runs."
        echo "- Ratios compare like with like: the same client on both sides (CLI to CLI, curl to curl, one C program on both APIs)."
        echo "  A row marked ↳ has no baseline of the same kind and so no ratio."
        echo "- The machine is shared (2 CPUs, other jobs running): the spread is part of the result; a wide one says the machine was noisy."
        echo
        echo "| operation | chaosd | baseline | ratio | script |"
        echo "|---|---|---|---|---|"
        cat "$rows"
        echo
        echo "Each script's run: its time, and the 1-minute load average at its start → at its end."
        echo
        echo "| script | time | load average | result |"
        echo "|---|---|---|---|"
        cat "$runs"
} >"$out"
rm -f "$rows" "$runs"
cat "$out"
exit $failed
