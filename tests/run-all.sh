#!/bin/bash
# Run the test lanes and print one closing line "N passed, N failed, N skipped".
#   unit         Check binaries in $BUILD/tests/unit (no root)
#   integration  Check binaries in $BUILD/tests/integration and tests/integration/*.sh (root, host kernel)
#   kernel       tests/kernel/run.sh: a stock Debian kernel under qemu (netem, cgroup v2)
#   fuzz         tests/fuzz/run.sh for FUZZ_SECONDS (default 10) per target
# With no argument every lane runs. Each test's output goes to $BUILD/test-logs/.
set -u
BUILD=${BUILD:-$(pwd)/build}
export BUILD
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
lanes=${*:-unit integration kernel fuzz}
passed=0 failed=0 skipped=0
failures=()

# Count a Check binary's or script's results from its log.
tally() { # tally NAME LOG RC
        local name=$1 log=$2 rc=$3 checks=0 fails=0 skips p f s
        if grep -q '^[0-9]*%: Checks: ' "$log"; then
                checks=$(grep -o 'Checks: [0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
                fails=$(grep -o 'Failures: [0-9]*, Errors: [0-9]*' "$log" | awk '{s+=$2+$4} END {print s+0}')
        fi
        p=$(grep -c '^PASS: ' "$log"); f=$(grep -c '^FAIL: ' "$log"); s=$(grep -c '^SKIP: ' "$log")
        skips=$s
        checks=$((checks + p + s)); fails=$((fails + f))
        if [ "$rc" != 0 ] && [ "$fails" = 0 ]; then fails=1; fi
        passed=$((passed + checks - fails - skips)); failed=$((failed + fails)); skipped=$((skipped + skips))
        grep '^SKIP: ' "$log" | sed "s/^/  [$name] /"
        if [ "$fails" != 0 ]; then
                failures+=("$name")
                echo "  [$name] FAILED (rc=$rc) — log: $log"
                grep -E '^FAIL: |:[EF]:' "$log" | head -20 | sed 's/^/    /'
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

for lane in $lanes; do
        echo "### lane: $lane"
        case $lane in
        unit)
                for b in "$BUILD"/tests/unit/test_*; do [ -x "$b" ] && run_one "unit-$(basename "$b")" "$b"; done
                for s in tests/unit/*.sh; do [ -f "$s" ] && run_one "unit-$(basename "$s" .sh)" bash "$s"; done ;;
        integration)
                if [ "$(id -u)" != 0 ]; then echo "SKIP: integration lane: needs root"; skipped=$((skipped + 1)); continue; fi
                for b in "$BUILD"/tests/integration/test_*; do [ -x "$b" ] && run_one "integ-$(basename "$b")" "$b"; done
                for s in tests/integration/*.sh; do [ -f "$s" ] && run_one "integ-$(basename "$s" .sh)" bash "$s"; done ;;
        fuzz)
                run_one fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" tests/fuzz/run.sh ;;
        kernel)
                if [ -x tests/kernel/run.sh ]; then run_one kernel-lane tests/kernel/run.sh
                else echo "SKIP: kernel lane: tests/kernel/run.sh not present"; skipped=$((skipped + 1)); fi ;;
        esac
done
echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
