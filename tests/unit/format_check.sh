#!/bin/bash
# The product's sources are as .clang-format has them: `make format` on
# this tree changes nothing (make format-check names any file it would).
. "$(dirname "$0")/../lib.sh"
t_plan 1
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || t_skip_all "clang-format not installed"
out=$(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory format-check BUILD="$BUILD" 2>&1) && t_pass "make format changes no product source" \
        || t_fail "format-check" "$(echo "$out" | tail -5)"
exit $T_FAILED
