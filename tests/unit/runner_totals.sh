#!/bin/bash
# The runner itself (tests/run-all.sh, tests/lib.sh, run_suite in
# tests/testutil.h): fake lanes whose programs make known checks, run
# through the real runner, whose closing line must equal what was done:
# each check counted once (pass, fail or skip), a skipped Check case as a
# skip only, and a program killed or ended half-way failing its lane.
. "$(dirname "$0")/../lib.sh"
t_plan 14
SRC=$(cd "$(dirname "$0")/../.." && pwd)
FAKE=$BUILD/tests/selftest/fake_check
[ -x "$FAKE" ] || { t_fail "fake Check program" "$FAKE not built (make tests)"; exit 1; }
tmp=$(mktemp -d /tmp/chaosd-runner-totals.XXXXXX)
t_cleanup "rm -rf $tmp"

# A fake tree with the real runner, harness and TAP counter, and the fake
# programs given: a script body (sourcing the real lib.sh) or check:MODE,
# the fake Check program in that FAKE_MODE.
tree() { # tree NAME PROGRAM...
        local d=$tmp/$1 i=0 p; shift
        mkdir -p "$d/tests/unit" "$d/build/tests/unit"
        cp "$SRC/tests/run-all.sh" "$SRC/tests/lib.sh" "$SRC/tests/tap-count" "$d/tests/"
        for p in "$@"; do
                i=$((i + 1))
                case $p in
                check:*) printf '#!/bin/sh\nFAKE_MODE=%s exec %s\n' "${p#check:}" "$FAKE" >"$d/build/tests/unit/test_fake$i"
                         chmod +x "$d/build/tests/unit/test_fake$i" ;;
                *) printf '. "$(dirname "$0")/../lib.sh"\n%s\n' "$p" >"$d/tests/unit/fake$i.sh" ;;
                esac
        done
}
# lane NAME PROGRAM...: run the fake unit lane; $closing is its last line,
# $rc its status, $out its whole output.
lane() {
        tree "$@"
        out=$(cd "$tmp/$1" && BUILD=$tmp/$1/build TEST_LOGS=$tmp/$1/logs bash tests/run-all.sh unit 2>&1)
        rc=$?
        closing=$(tail -1 <<<"$out")
}
# expect NAME "N passed, N failed, N skipped" pass|fail [TEXT]: the lane's
# closing line, its verdict and (optionally) a text its report must hold.
expect() {
        local name=$1 want=$2 verdict=$3 text=${4:-}
        if [ "$closing" != "$want" ]; then
                t_fail "$name" "closing line '$closing', want '$want'"
        elif [ "$verdict" = pass ] && [ "$rc" != 0 ]; then
                t_fail "$name" "lane failed (rc=$rc): $(tail -8 <<<"$out")"
        elif [ "$verdict" = fail ] && [ "$rc" = 0 ]; then
                t_fail "$name" "lane passed: $out"
        elif [ -n "$text" ] && ! grep -qF -- "$text" <<<"$out"; then
                t_fail "$name" "no '$text' in: $out"
        else
                t_pass "$name: '$closing', lane ${verdict}ed"
        fi
}

PASS3='t_plan 3; t_pass a; t_pass b; t_pass c'
SKIP1='t_plan 3; t_pass a; t_skip b "cannot here"; t_pass c'
KILLED='t_plan 4; t_pass a; t_pass b; kill -KILL $$; t_pass c; t_pass d'
EARLY='t_plan 4; t_pass a; t_pass b; exit 0; t_pass c; t_pass d'
HUNG='t_plan 2; t_wait_or_fail "never true" 0.2 false && t_pass "not reached"; t_pass after'
HASH='t_plan 1; t_fail hash "its output says # SKIP but it failed"'
NOPLAN='t_pass a'

lane script-pass3 "$PASS3"
expect "a script passing 3 checks" "3 passed, 0 failed, 0 skipped" pass
lane script-skip1 "$SKIP1"
expect "a script skipping 1 of 3" "2 passed, 0 failed, 1 skipped" pass "SKIP (1): cannot here"
lane script-killed "$KILLED"
expect "a script SIGKILLed after 2 of 4 checks" "2 passed, 1 failed, 0 skipped" fail "no plan line"
lane script-early "$EARLY"
expect "a script that exits 0 after 2 of 4 checks" "2 passed, 1 failed, 0 skipped" fail "4 checks declared, 2 made"
lane script-hung "$HUNG"
expect "t_wait_or_fail that times out fails by name, plan kept" "1 passed, 1 failed, 0 skipped" fail "never true: timed out"
lane script-hash "$HASH"
expect "a failure whose text holds '# SKIP' stays a failure" "0 passed, 1 failed, 0 skipped" fail
lane script-noplan "$NOPLAN"
expect "a script with no t_plan fails" "1 passed, 1 failed, 0 skipped" fail "none declared"
lane check-pass3 check:pass3
expect "a Check program of 3 passing cases" "3 passed, 0 failed, 0 skipped" pass
lane check-skip1 check:skip1
expect "a Check case that skips counts as a skip only" "2 passed, 0 failed, 1 skipped" pass \
        "SKIP (1): a reason with a \\# SKIP inside it"
lane check-fail1 check:fail1
expect "a failing Check case" "2 passed, 1 failed, 0 skipped" fail "failed on purpose"
lane check-die check:die
expect "a Check program killed half-way" "0 passed, 1 failed, 0 skipped" fail "did not run to its end"
lane all "$PASS3" "$SKIP1" "$KILLED" "$EARLY" "$HUNG" "$HASH" check:pass3 check:skip1 check:fail1 check:die
expect "one lane of all of them: the sums" "17 passed, 6 failed, 2 skipped" fail

# The kernel lane's scripts run Check programs through t_check_bin (bash
# only: the VM has no perl): each case one check, a skip a skip.
out=$(cd "$tmp" && bash -c '. "$1"; t_check_bin fake env FAKE_MODE=skip1 "$2"' _ "$SRC/tests/lib.sh" "$FAKE" 2>&1)
got=$(grep -cE '^ok [0-9]+ - fake: passes$' <<<"$out")/$(grep -cE '^ok [0-9]+ - fake: skips # SKIP ' <<<"$out")/$(grep -c '^not ok' <<<"$out")
[ "$got" = 2/1/0 ] && grep -qx '1\.\.3' <<<"$out" && t_pass "t_check_bin: a Check program's 2 passes and 1 skip, plan 1..3" ||
        t_fail "t_check_bin skip" "passes/skips/failures $got: $out"
out=$(cd "$tmp" && bash -c '. "$1"; t_check_bin fake env FAKE_MODE=die "$2"' _ "$SRC/tests/lib.sh" "$FAKE" 2>&1)
rc=$?
[ "$rc" != 0 ] && grep -q '^not ok 1 - fake: .*exited 137 after 0 cases, its plan: none' <<<"$out" &&
        t_pass "t_check_bin: a Check program killed half-way is a failure (rc $rc)" || t_fail "t_check_bin die" "rc=$rc: $out"
exit $T_FAILED
