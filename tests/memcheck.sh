#!/bin/bash
# make memcheck: chaosd under valgrind memcheck across N experiments (default
# 100): run+stop, deadline expiry, invalid specs, events and metrics; then
# SIGTERM. Fails on any invalid access or leak valgrind reports.
. "$(dirname "$0")/lib.sh"
t_plan 2
N=${N:-100}
command -v valgrind >/dev/null || t_skip_all "valgrind not installed"
have_docker || t_skip_all "dockerd or $TEST_IMAGE missing"
dir=$(mktemp -d /tmp/chaosd-vg.XXXXXX); t_cleanup rm -rf "$dir"
C=chaosd-vg-$$
t_container $C "$TEST_IMAGE" sleep 100000
# valgrind 3.19 (Debian 12) does not know pidfd_open: pid/container targets
# cannot bind under it, so the fault paths run on a cgroup target.
CG=/docker/$(docker inspect -f '{{.Id}}' $C)
export CHAOSD_SOCKET=$dir/s.sock
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=42 --log-file="$dir/vg.log" \
        "$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>"$dir/chaosd.log" &
vg=$!
t_cleanup "kill -KILL $vg"
t_wait 30 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health || { t_fail memcheck "chaosd under valgrind did not start"; exit 1; }
# chaosd's ids say it served a request; the freezer says it did the work:
# every 1 m pause must be FROZEN once created and THAWED once stopped.
F=$(t_freezer_file $C)
ok=0 froze=0 paused=0
for i in $(seq "$N"); do
        case $((i % 4)) in
        0) body="{\"name\":\"vg$i\",\"target\":{\"cgroup\":\"$CG\"},\"duration\":\"200ms\",\"faults\":[{\"type\":\"pause\"}]}" ;;
        1) body="{\"name\":\"vg$i\",\"target\":{\"cgroup\":\"$CG\"},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}]}" ;;
        2) body="{\"name\":\"vg$i\",\"target\":{\"container\":\"$C\"},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\",\"bogus\":1}]}" ;;
        3) body="{\"name\":\"vg$i\",\"target\":{\"container\":\"no-such-$$\"},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}]}" ;;
        esac
        out=$(t_api -X POST -d "$body" /v1/experiments)
        id=$(sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p' <<<"$out")
        case $((i % 4)) in
        0) sleep 0.4 ;;
        1) paused=$((paused + 1)); mid=$(cat "$F")
           t_api -X DELETE "/v1/experiments/$id" >/dev/null
           [ "$mid" = FROZEN ] && [ "$(cat "$F")" = THAWED ] && froze=$((froze + 1)) ;;
        esac
        [ -n "$id" ] || [ $((i % 4)) -ge 2 ] && ok=$((ok + 1))
done
t_api /v1/experiments >/dev/null; t_api /metrics >/dev/null; t_api /v1/events >/dev/null
kill -TERM $vg; wait $vg; rc=$?
[ "$ok" = "$N" ] && [ "$froze" = "$paused" ] && [ "$(cat "$F")" = THAWED ] \
        && t_pass "memcheck: $N experiments served; each of the $paused stopped pauses FROZEN then THAWED in freezer.state" \
        || t_fail "memcheck" "only $ok of $N went as expected; $froze of $paused pauses seen FROZEN then THAWED; now $(cat "$F")"
# The log also holds valgrind's own notes about syscalls it does not know.
# Only the daemon's own report counts: its warden is a fork (no exec) that
# leaves with _exit() holding the parent's heap by design, and valgrind
# reports that child too.
grep "^==$vg==" "$dir/vg.log" >"$dir/vg-daemon.log"
if [ $rc = 0 ] && ! grep -qE 'Invalid|uninitialised|definitely lost|indirectly lost|possibly lost' "$dir/vg-daemon.log"; then
        t_pass "memcheck: no invalid access, no leak (valgrind exit 0, empty report)"
else
        t_fail "memcheck" "valgrind exit $rc"; grep -v "unhandled amd64-linux syscall\|README_MISSING\|write your own\|Nevertheless\|bug_reports" "$dir/vg-daemon.log" | head -80
fi
exit $T_FAILED
