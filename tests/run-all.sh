#!/bin/bash
# Run the test lanes and print one closing line "N passed, N failed, N skipped".
#   unit         Check binaries in $BUILD/tests/unit and tests/unit/*.sh (no root)
#   integration  Check binaries in $BUILD/tests/integration and tests/integration/*.sh (root, host kernel)
#   kernel       tests/kernel/run.sh: a stock Debian kernel under qemu (netem, cgroup v2)
#   fuzz         tests/fuzz/run.sh for FUZZ_SECONDS (default 10) per target
# With no argument every lane runs. Each test's output goes to $BUILD/test-logs/.
#
# Every test program prints TAP (tests/lib.sh for scripts, run_suite in
# tests/testutil.h for Check binaries): one line per check. The totals are
# those lines counted by Perl's TAP::Parser (tests/tap-count), each once: a
# pass, a failure or a skip. A program that did not run to its end (no plan
# line: killed; fewer results than its plan; a non-zero exit with no failing
# result) fails, and counts one failure more, the check that it finished.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$(pwd)/build}
export BUILD
LOGS=${TEST_LOGS:-$BUILD/test-logs}
mkdir -p "$LOGS"
lanes=${*:-unit integration kernel fuzz}
passed=0 failed=0 skipped=0
failures=()

# Count a program's TAP from its log and report what a reader of CI needs:
# the skips with their reasons, and for a failure its failing checks and the
# end of its log.
tally() { # tally NAME LOG RC
        local name=$1 log=$2 rc=$3 p f s broken why
        read -r p f s broken why < <("$HERE/tap-count" "$log" "$rc")
        passed=$((passed + p)); failed=$((failed + f + broken)); skipped=$((skipped + s))
        echo "   $p passed, $((f + broken)) failed, $s skipped"
        # Skips grouped by reason: one line per reason, with its count.
        grep -E '^ok [0-9]+ .*[^\\]# SKIP' "$log" | sed 's/.*[^\\]# SKIP *//' | sort | uniq -c |
                sed "s/^ *\([0-9]*\) /  [$name] SKIP (\1): /"
        if [ "$f" != 0 ] || [ "$broken" != 0 ]; then
                failures+=("$name")
                echo "  [$name] FAILED (rc=$rc) — log: $log"
                [ "$broken" != 0 ] && echo "    did not run to its end: $why"
                grep -E '^not ok ' "$log" | head -20 | cut -c1-400 | sed 's/^/    /'
                # Where it stopped, for a reader who has only this output (CI).
                echo "    --- the log's last lines:"
                tail -12 "$log" | cut -c1-300 | sed 's/^/    /'
        fi
}

run_one() { # run_one NAME CMD...
        local name=$1 log="$LOGS/$1.log" start rc; shift
        start=$(date +%s)
        "$@" >"$log" 2>&1 </dev/null; rc=$?
        echo "== $name ($(( $(date +%s) - start ))s, rc=$rc)"
        tally "$name" "$log" "$rc"
}

# A lane that cannot run here at all: one skip, with its reason.
lane_skip() { echo "SKIP: $1"; skipped=$((skipped + 1)); }

for lane in $lanes; do
        echo "### lane: $lane"
        case $lane in
        unit)
                for b in "$BUILD"/tests/unit/test_*; do [ -x "$b" ] && run_one "unit-$(basename "$b")" "$b"; done
                for s in "$HERE"/unit/*.sh; do [ -f "$s" ] && run_one "unit-$(basename "$s" .sh)" bash "$s"; done ;;
        integration)
                if [ "$(id -u)" != 0 ]; then lane_skip "integration lane: needs root"; continue; fi
                for b in "$BUILD"/tests/integration/test_*; do [ -x "$b" ] && run_one "integ-$(basename "$b")" "$b"; done
                for s in "$HERE"/integration/*.sh; do [ -f "$s" ] && run_one "integ-$(basename "$s" .sh)" bash "$s"; done ;;
        fuzz)
                run_one fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" "$HERE/fuzz/run.sh" ;;
        kernel)
                if [ -x "$HERE/kernel/run.sh" ]; then run_one kernel-lane "$HERE/kernel/run.sh"
                else lane_skip "kernel lane: tests/kernel/run.sh not present"; fi ;;
        *)
                echo "unknown lane: $lane"; failed=$((failed + 1)); failures+=("lane:$lane") ;;
        esac
done
echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
