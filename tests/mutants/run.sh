#!/bin/bash
# Mutation check: a deliberately broken product must be caught by a test.
# Each line of tests/mutants/list names a mutant (NAME.patch here, a small
# change to the product), the test that must catch it and, optionally, the
# check (an extended regex over its FAIL lines) that must be the one to
# fail. For each: a temporary git worktree of the committed tree (HEAD),
# the patch applied, `make tests` there, the test run; CAUGHT when the test
# fails at the named check (or, with none named, fails at all), MISSED when
# it passes, ELSEWHERE when it failed but not at the named check (a test
# that fails for another reason, a loaded machine, proves nothing about the
# mutant), and an error when the patch does not apply, the build fails, or
# the test only skips. The worktree is removed afterwards, so the tree you
# work in is never touched.
#
#   tests/mutants/run.sh [NAME...]     (make mutants; root for most tests)
#
# Exit 0 only when every mutant run was caught.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$SRC/build}
LOGS=${MUTANT_LOGS:-$BUILD/mutants}
mkdir -p "$LOGS"
want=" $* "
caught=0 missed=0 broken=0
while IFS='|' read -r name test check; do
        name=$(echo "$name" | xargs); test=$(echo "$test" | sed 's/^ *//; s/ *$//')
        check=$(echo "${check:-}" | sed 's/^ *//; s/ *$//')
        case $name in ''|'#'*) continue ;; esac
        [ $# -gt 0 ] && case $want in *" $name "*) ;; *) continue ;; esac
        wt=$(mktemp -d /tmp/chaosd-mutant-"$name".XXXXXX)
        log=$LOGS/$name.log
        : >"$log"
        git -C "$SRC" worktree add -q --detach "$wt" HEAD >>"$log" 2>&1 || { echo "ERROR: $name: worktree"; broken=$((broken + 1)); continue; }
        # Start from the current build's objects, made newer than the fresh
        # checkout, so only what the patch touches is rebuilt.
        if [ -d "$BUILD/obj" ]; then
                mkdir -p "$wt/build"
                cp -a "$BUILD/obj" "$BUILD/libchaos.a" "$wt/build/" 2>/dev/null
                find "$wt/build" -exec touch {} + 2>/dev/null
        fi
        verdict=""
        if ! git -C "$wt" apply "$HERE/$name.patch" >>"$log" 2>&1; then
                verdict="ERROR: patch does not apply"
        elif ! make -C "$wt" -j2 BUILD="$wt/build" tests </dev/null >>"$log" 2>&1; then
                verdict="ERROR: the mutant does not build"
        else
                echo "--- $test" >>"$log"
                (cd "$wt" && BUILD="$wt/build" timeout 900 bash -c "$test") </dev/null >"$log.test" 2>&1
                rc=$?
                cat "$log.test" >>"$log"
                fails=$(grep -cE '^not ok |^FAIL: |:[FE]:[^:]*:[^:]*:' "$log.test")
                passes=$(grep -E '^ok |^PASS: |^100%: Checks: [1-9]' "$log.test" | grep -vc '# SKIP')
                first=$(grep -m1 -E '^not ok |^FAIL: |:[FE]:[^:]*:[^:]*:' "$log.test" | cut -c1-220)
                named=$(grep -E '^not ok |^FAIL: |:[FE]:[^:]*:[^:]*:' "$log.test" | grep -m1 -E -- "${check:-.}" | cut -c1-220)
                if [ -n "$check" ] && [ -n "$named" ]; then
                        verdict="CAUGHT (rc=$rc) at the named check: $named"
                elif [ -n "$check" ] && { [ "$rc" != 0 ] || [ "$fails" -gt 0 ]; }; then
                        verdict="ELSEWHERE: failed, but not at /$check/ (rc=$rc): ${first:-no FAIL line}"
                elif [ "$rc" != 0 ] || [ "$fails" -gt 0 ]; then
                        verdict="CAUGHT (rc=$rc): $first"
                elif [ "$passes" = 0 ]; then
                        verdict="ERROR: the test neither failed nor passed (skipped?)"
                else
                        verdict="MISSED: $test passed"
                fi
        fi
        echo "$name: $verdict" | tee -a "$LOGS/summary.txt"
        case $verdict in CAUGHT*) caught=$((caught + 1)) ;; MISSED*) missed=$((missed + 1)) ;; *) broken=$((broken + 1)) ;; esac
        git -C "$SRC" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
done <"$HERE/list"
echo "mutants: $caught caught, $missed missed, $broken not run (logs: $LOGS)"
[ "$missed" = 0 ] && [ "$broken" = 0 ]
