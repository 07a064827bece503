#!/bin/bash
# The kernel lane's verdict (tests/kernel/console-tap) from made-up VM
# consoles, no qemu: each script's checks counted once, SKIPs kept, and a
# script that did not run to its end failing the lane — a non-zero exit,
# no plan line, fewer checks than planned, the guest hung in it (its
# earlier failures kept), or never started.
. "$(dirname "$0")/../lib.sh"
t_plan 6
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CT=$SRC/tests/kernel/console-tap
tmp=$(mktemp -d /tmp/chaosd-kernel-console.XXXXXX)
t_cleanup "rm -rf $tmp"

# verdict NAME QEMU-STATUS SCRIPTS CONSOLE...: run console-tap; $counts is
# "passed failed skipped broken" of its TAP (tests/tap-count), $rc its status.
verdict() {
        local name=$1; shift
        out=$("$CT" "$@" 2>&1)
        rc=$?
        echo "$out" >"$tmp/$name.tap"
        counts=$("$SRC/tests/tap-count" "$tmp/$name.tap" "$rc" | cut -d' ' -f1-4)
}
# expect NAME "P F S B" pass|fail [TEXT...]
expect() {
        local name=$1 want=$2 verdict=$3 t; shift 3
        if [ "$counts" != "$want" ]; then t_fail "$name" "counts '$counts', want '$want': $out"; return; fi
        if [ "$verdict" = pass ] && [ "$rc" != 0 ]; then t_fail "$name" "failed (rc=$rc): $out"; return; fi
        if [ "$verdict" = fail ] && [ "$rc" = 0 ]; then t_fail "$name" "passed: $out"; return; fi
        for t in "$@"; do grep -qF -- "$t" <<<"$out" || { t_fail "$name" "no '$t' in: $out"; return; }; done
        t_pass "$name: $counts (passed failed skipped broken), lane ${verdict}ed"
}
start() { echo "=== kernel-lane: $1 (at 1.0s)"; }
end() { echo "=== kernel-lane: $1 rc=$2 (3s)"; }

{
        echo "=== kernel-lane: up 6.1.0 2 cpu"
        start a.sh; echo "# a: plan of 2 checks"; echo "ok 1 - one"
        echo "=== kernel-lane: alive at 10.0s"; echo "ok 2 - two"; echo "1..2"; end a.sh 0
        start b.sh; echo "ok 1 - cases: x"; echo "ok 2 - cases: y # SKIP ptrace not permitted"
        echo "BENCH: | row | 1 |"; echo "1..2"; end b.sh 0
        echo "=== kernel-lane: done"
} >"$tmp/clean.txt"
verdict clean 0 a.sh,b.sh "$tmp/clean.txt"
expect "two scripts that ran to their end, one Check case skipped" "3 0 1 0" pass \
        "ok 4 - b.sh: cases: y # SKIP ptrace not permitted" "BENCH: | row | 1 |"

{
        start a.sh; echo "ok 1 - one"; echo "1..1"; end a.sh 1
        start b.sh; echo "ok 1 - one"; end b.sh 0
        start c.sh; echo "ok 1 - one"; echo "not ok 2 - c: plan: 3 checks declared, 1 made (exit status 1)"
        echo "1..2"; end c.sh 1
        echo "=== kernel-lane: done"
} >"$tmp/broken.txt"
verdict broken 0 a.sh,b.sh,c.sh "$tmp/broken.txt"
expect "exit 1 with no failure, no plan line, fewer checks than planned: each fails" "3 3 0 0" fail \
        "a.sh: did not run to its end: exit status 1" "b.sh: did not run to its end: no plan line"

{
        start a.sh; echo "ok 1 - one"; echo "1..1"; end a.sh 0
        start b.sh; echo "ok 1 - before"; echo "not ok 2 - b: froze the wrong cgroup"; echo "ok 3 - after"
        echo "=== kernel-lane: alive at 40.0s"
} >"$tmp/hung1.txt"
{ start c.sh; echo "ok 1 - one"; echo "1..1"; end c.sh 0; echo "=== kernel-lane: done"; } >"$tmp/hung2.txt"
verdict hung 0 a.sh,b.sh,c.sh "$tmp/hung1.txt" "$tmp/hung2.txt"
expect "a guest hung in b.sh: its checks and its failure kept, c.sh run by the second boot" "4 2 0 0" fail \
        "not ok 3 - b.sh: b: froze the wrong cgroup" "b.sh: did not run to its end: the guest went silent" "ok 6 - c.sh: one"

verdict hung-twice 125 a.sh,b.sh,c.sh "$tmp/hung1.txt"
expect "a guest hung and no second boot: c.sh never ran" "3 3 0 0" fail "c.sh: never ran"

{ echo "=== kernel-lane: up"; start a.sh; echo "ok 1 - one"; } >"$tmp/timeout.txt"
verdict timeout 124 a.sh,b.sh "$tmp/timeout.txt"
expect "the VM timed out in a.sh: a.sh and b.sh fail" "1 2 0 0" fail "a.sh: did not run to its end: the VM timed out" \
        "b.sh: never ran"

{
        start a.sh; echo "ok 1 - one"; echo "OVERBUDGET: a.sh still running after its budget of 300s"
        echo "DIAG: pid 7 D wchan=x: sleep"; echo "not ok 2 - a: plan: 2 checks declared, 1 made (exit status 143)"
        echo "1..2"; end a.sh 1; echo "=== kernel-lane: done"
} >"$tmp/budget.txt"
verdict budget 0 a.sh "$tmp/budget.txt"
expect "a script over its budget fails as such, its DIAG: lines shown" "1 2 0 0" fail "still running after its budget" \
        "DIAG: pid 7 D"
exit $T_FAILED
