#!/bin/bash
# A container restarted mid-experiment (`docker restart`: new PID, same
# container): with "on_restart": "reapply" its pause comes back on the new
# process within 2 s (measured from the container's new StartedAt to the
# moment this test reads FROZEN in the new cgroup), and stop thaws it; with
# "on_restart": "end" the experiment ends as target-gone and the new
# container is left alone.
. "$(dirname "$0")/../lib.sh"
t_plan 7

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
have_docker || t_skip_all "docker or $TEST_IMAGE missing (run tests/setup.sh)"

W=$(mktemp -d /tmp/chaosd-restart.XXXXXX)
t_cleanup rm -rf "$W"
t_start_chaosd "$W/chaosd" || { t_fail chaosd-start "chaosd did not come up"; exit 1; }
ns_now() { date +%s%N; }
freezer() { cat "/sys/fs/cgroup/freezer$(awk -F: '$2 == "freezer" {print $3}' "/proc/$1/cgroup")/freezer.state" 2>/dev/null; }
state() { t_api "/v1/experiments/$1" | json_get '["state"]'; }

# --- reapply ---------------------------------------------------------------
c=restart-re-$$
t_container "$c" "$TEST_IMAGE" sleep 3600 || { t_fail docker-run "$c"; exit 1; }
pid1=$(docker inspect -f '{{.State.Pid}}' "$c")
out=$(t_api -X POST -d '{"name":"re","target":{"container":"'$c'","on_restart":"reapply"},"duration":"60s","faults":[{"type":"pause"}]}' /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
[ "$(freezer "$pid1")" = FROZEN ] && t_pass "reapply: paused before the restart (pid $pid1 FROZEN)" || t_fail "paused" "$out"
docker restart -t 1 "$c" >/dev/null
pid2=$(docker inspect -f '{{.State.Pid}}' "$c")
started=$(date -d "$(docker inspect -f '{{.State.StartedAt}}' "$c")" +%s%N)
seen=0
for _ in $(seq 1 400); do # bounded: 400 x 10 ms
        if [ "$(freezer "$pid2")" = FROZEN ]; then seen=$(ns_now); break; fi
        sleep 0.01
done
lat_ms=$(( (seen - started) / 1000000 ))
ev=$(t_api /v1/events | grep "$id" | python3 -c 'import sys,json; [print("    event:", json.loads(l)["message"]) for l in sys.stdin]')
echo "  docker restart: pid $pid1 -> $pid2; new container started at $started, FROZEN seen at $seen: ${lat_ms} ms"
echo "$ev"
if [ "$seen" != 0 ] && [ "$pid2" != "$pid1" ] && [ "$lat_ms" -lt 2000 ]; then
        t_pass "reapply: the restarted container (new pid $pid2) is paused again within 2 s (${lat_ms} ms)"
else
        t_fail "reapply within 2 s" "pid2=$pid2 seen=$seen lat=${lat_ms}ms"
fi
got=$(t_api "/v1/experiments/$id")
gpid=$(echo "$got" | json_get '["targets"][0]["pid"]'); gst=$(echo "$got" | json_get '["state"]'); fst=$(echo "$got" | json_get '["faults"][0]["state"]')
[ "$gpid" = "$pid2" ] && [ "$gst" = running ] && [ "$fst" = active ] &&
        t_pass "reapply: get shows the new pid $gpid, experiment running, fault active" || t_fail "get after reapply" "pid=$gpid state=$gst fault=$fst"
t_api -X DELETE "/v1/experiments/$id" >/dev/null
[ "$(freezer "$pid2")" = THAWED ] && t_pass "reapply: stop thaws the new container" || t_fail "thaw after stop" "$(freezer "$pid2")"

# --- end -------------------------------------------------------------------
c=restart-end-$$
t_container "$c" "$TEST_IMAGE" sleep 3600 || { t_fail docker-run "$c"; exit 1; }
pid1=$(docker inspect -f '{{.State.Pid}}' "$c")
out=$(t_api -X POST -d '{"name":"end","target":{"container":"'$c'","on_restart":"end"},"duration":"60s","faults":[{"type":"pause"}]}' /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
[ "$(freezer "$pid1")" = FROZEN ] && t_pass "end: paused before the restart" || t_fail "paused" "$out"
docker restart -t 1 "$c" >/dev/null
pid2=$(docker inspect -f '{{.State.Pid}}' "$c")
t_wait 5 sh -c "curl -s --unix-socket $CHAOSD_SOCKET http://c/v1/experiments/$id | grep -q '\"state\":\"target-gone\"'"
got=$(t_api "/v1/experiments/$id")
echo "  on_restart end: state=$(echo "$got" | json_get '["state"]') reason=$(echo "$got" | json_get '["reason"]'); new pid $pid2 freezer=$(freezer "$pid2")"
[ "$(echo "$got" | json_get '["state"]')" = target-gone ] && t_pass "end: the experiment ends as target-gone" || t_fail "target-gone" "$got"
sleep 0.5
[ "$(freezer "$pid2")" = THAWED ] && t_pass "end: the restarted container is left alone (THAWED)" || t_fail "left alone" "$(freezer "$pid2")"
[ $T_FAILED = 0 ]
