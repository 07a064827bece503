#!/bin/bash
# chaosctl validate and target-less specs (the ones `chaosctl exec` runs):
# without --exec such a spec fails (exit 2) with a hint that names exec;
# with --exec it is valid; --exec still rejects a bad fault.
. "$(dirname "$0")/../lib.sh"
t_plan 3
cd "$(dirname "$0")/../.."
spec=examples/syscall-kernel-enosys.json
out=$("$CHAOSCTL" validate "$spec" 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q 'target: is required' <<<"$out" && grep -q 'validate --exec' <<<"$out" \
        && t_pass "validate: a target-less spec exits 2 with a hint naming --exec" \
        || t_fail "validate without --exec" "rc=$rc out=$out"
out=$("$CHAOSCTL" validate --exec "$spec" 2>&1); rc=$?
[ "$rc" = 0 ] && grep -q 'ok (for chaosctl exec' <<<"$out" \
        && t_pass "validate --exec: the same spec is ok" || t_fail "validate --exec" "rc=$rc out=$out"
bad=$(mktemp); t_cleanup rm -f "$bad"
echo '{"name":"x","duration":"1s","faults":[{"type":"syscall","syscalls":["openat"],"errno":"EBOGUS"}]}' >"$bad"
out=$("$CHAOSCTL" validate --exec "$bad" 2>&1); rc=$?
[ "$rc" = 2 ] && grep -q '\$\.faults\[0\]' <<<"$out" \
        && t_pass "validate --exec still rejects a bad fault with its JSON path" || t_fail "validate --exec bad" "rc=$rc out=$out"
exit $T_FAILED
