#!/bin/bash
# on_restart reapply on containerd (ctr, namespace k8s.io): the task is
# killed, deleted and started again (new PID, same container ID) — what the
# kubelet does on a container restart — and the pause comes back on the new
# task, found again in containerd's state on disk.
. "$(dirname "$0")/../lib.sh"
t_plan 3
. "$(dirname "$0")/../helpers/fleet_runtimes.sh"

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
have_docker || t_skip_all "docker (for the image) missing (run tests/setup.sh)"
have_containerd || t_skip_all "containerd/ctr not installed"

W=$(mktemp -d /tmp/chaosd-restart-ctd.XXXXXX)
t_cleanup rm -rf "$W"
fleet_containerd_up "$W/ctd" || { t_fail containerd "private containerd did not come up"; exit 1; }
c=rctd-$$
fleet_ctr_run k8s.io "$c" --label io.kubernetes.pod.name=api-0 --label io.kubernetes.pod.namespace=shop -- sleep 3600 ||
        { t_fail ctr-run "$c"; exit 1; }
t_start_chaosd "$W/chaosd" || { t_fail chaosd-start "chaosd did not come up"; exit 1; }
pidf=$CHAOSD_CONTAINERD_STATE/k8s.io/$c/init.pid
pid1=$(cat "$pidf")
out=$(t_api -X POST -d '{"name":"re","target":{"selector":{"pod":"api-0","namespace":"shop"},"on_restart":"reapply"},"duration":"60s","faults":[{"type":"pause"}]}' /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
[ "$(cat "$(fleet_freezer_of "$pid1")")" = FROZEN ] && t_pass "pod api-0 paused (pid $pid1)" || t_fail "paused" "$out"
$CTR -n k8s.io tasks kill -s KILL "$c" >/dev/null 2>&1
t_wait 5 sh -c "! $CTR -n k8s.io tasks ls -q | grep -qx $c || $CTR -n k8s.io tasks ls | grep $c | grep -q STOPPED"
$CTR -n k8s.io tasks rm -f "$c" >/dev/null 2>&1
$CTR -n k8s.io tasks start -d "$c" >/dev/null 2>&1 &
t_wait 5 test -s "$pidf"
pid2=$(cat "$pidf")
started=$(date +%s%N)
seen=0
for _ in $(seq 1 400); do # bounded: 400 x 10 ms
        if [ "$(cat "$(fleet_freezer_of "$pid2")" 2>/dev/null)" = FROZEN ]; then seen=$(date +%s%N); break; fi
        sleep 0.01
done
echo "  task restarted: pid $pid1 -> $pid2; FROZEN seen $(( (seen - started) / 1000000 )) ms after the test saw the new init.pid"
t_api /v1/events | grep "$id" | python3 -c 'import sys,json; [print("    event:", json.loads(l)["message"]) for l in sys.stdin]'
[ "$seen" != 0 ] && [ "$pid2" != "$pid1" ] && [ $(( (seen - started) / 1000000 )) -lt 2000 ] &&
        t_pass "reapply: the restarted task (pid $pid2) is paused again within 2 s" || t_fail "reapply" "pid2=$pid2 seen=$seen"
t_api -X DELETE "/v1/experiments/$id" >/dev/null
[ "$(cat "$(fleet_freezer_of "$pid2")")" = THAWED ] && t_pass "stop thaws the new task" || t_fail "thaw" "$(cat "$(fleet_freezer_of "$pid2")")"
[ $T_FAILED = 0 ]
