#!/bin/bash
# Every mutant of tests/mutants/ (make mutants) still applies to this tree:
# a move or a reformat of the product must carry its mutants along, or the
# campaign silently stops proving anything. (Running them needs root and
# ~30 min: make mutants.)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.."
patches=(tests/mutants/*.patch)
t_plan ${#patches[@]}
for p in "${patches[@]}"; do
        out=$(git apply --check "$p" 2>&1) && t_pass "mutant $(basename "$p" .patch) applies to this tree" \
                || t_fail "mutant $(basename "$p" .patch)" "$out"
done
exit $T_FAILED
