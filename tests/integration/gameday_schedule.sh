#!/bin/bash
# Schedules: a spec with "schedule" becomes a schedule; its next firing is
# journaled and survives a daemon restart (SIGTERM, start again on the same
# state dir); the new daemon starts the run at that minute; a tick while
# the previous run is still active is skipped, never overlapped. Takes up to
# two minutes (cron has minute resolution).
. "$(dirname "$0")/../lib.sh"
t_plan 7

have_docker || t_skip_all "dockerd or image $TEST_IMAGE missing"
[ -x "$CHAOSD" ] || { t_fail gameday-schedule "no $CHAOSD"; exit 1; }
dir=$(mktemp -d /tmp/chaosd-sched.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail gameday-schedule "chaosd did not answer"; exit 1; }
C=chaosd-gd-sched-$$
t_container $C "$TEST_IMAGE" sleep 600 || { t_fail gameday-schedule "no container"; exit 1; }
FZ=$(t_freezer_file $C)
# Too close to a minute boundary to restart in time: wait for the next one.
sec=$(date +%-S)
[ "$sec" -ge 45 ] && sleep $((62 - sec))
cat >"$dir/sched.json" <<EOS
{"name":"gd-nightly","target":{"container":"$C"},"duration":"75s","faults":[{"type":"pause"}],
 "schedule":{"cron":"* * * * *","timezone":"Europe/Berlin"}}
EOS
out=$(t_api -X POST --data-binary @"$dir/sched.json" /v1/experiments)
sid=$(echo "$out" | json_get '["id"]')
next=$(echo "$out" | json_get '["next_run_unix"]')
now=$(date +%s)
echo "  schedule $sid: next run $(echo "$out" | json_get '["next_run"]') (in $((next - now)) s)"
n_exp=$(t_api /v1/experiments | json_get '["experiments"].__len__()')
[ "$((next % 60))" = 0 ] && [ "$next" -gt "$now" ] && [ "$n_exp" = 0 ] && [ "$(cat "$FZ")" = THAWED ] \
        && t_pass "POST of a spec with schedule creates a schedule (next run on the minute), nothing injected yet" \
        || t_fail "schedule create" "$out experiments=$n_exp"

# --- restart before the firing ----------------------------------------------
kill -TERM "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
t_start_chaosd "$dir" || { t_fail gameday-schedule "chaosd did not come back"; exit 1; }
after=$(t_api "/v1/schedules/$sid" | json_get '["next_run_unix"]')
[ "$after" = "$next" ] && t_pass "after a restart the schedule and its next firing are back from the journal ($after)" \
        || t_fail "schedule restart" "next=$next after=$after"

# --- the firing ----------------------------------------------------------------
while [ "$(date +%s)" -lt "$next" ]; do sleep 0.2; done
t_wait 5 grep -q FROZEN "$FZ"
late=$(( $(date +%s%N) / 1000000 - next * 1000 ))
run=$(t_api "/v1/schedules/$sid" | json_get '["last_experiment"]')
rst=$(t_api "/v1/experiments/$run" | json_get '["state"]')
rsched=$(t_api "/v1/experiments/$run" | json_get '["schedule"]')
echo "  run $run started by the restarted daemon, freezer FROZEN ${late} ms after the minute"
[ "$(cat "$FZ")" = FROZEN ] && [ "$rst" = running ] && [ "$rsched" = "$sid" ] \
        && t_pass "the restarted daemon fired at the journaled minute (run $run, FROZEN +${late} ms)" \
        || t_fail "schedule fire" "freezer=$(cat "$FZ") run=$run state=$rst schedule=$rsched"

# --- the next tick overlaps the 75 s run: skipped ------------------------------
next2=$((next + 60))
while [ "$(date +%s)" -lt $((next2 + 2)) ]; do sleep 0.5; done
sj=$(t_api "/v1/schedules/$sid")
runs=$(echo "$sj" | json_get '["runs"]') skipped=$(echo "$sj" | json_get '["skipped"]')
active=$(t_api /v1/experiments | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)["experiments"] if x["state"] not in ("completed","stopped","halted","failed","target-gone","aborted")))')
echo "  after the second tick: runs=$runs skipped=$skipped active experiments=$active"
[ "$runs" = 1 ] && [ "$skipped" = 1 ] && [ "$active" = 1 ] \
        && t_pass "a tick while the previous run is active is skipped (runs=1, skipped=1, one active experiment)" \
        || t_fail "schedule overlap" "$sj active=$active"
"$CHAOSCTL" schedules | grep -q "^$sid .*\* \* \* \* \*.*Europe/Berlin.* 1  *1 $run" \
        && t_pass "chaosctl schedules lists it: $("$CHAOSCTL" schedules | grep "^$sid")" \
        || t_fail "chaosctl schedules" "$("$CHAOSCTL" schedules 2>&1)"
"$CHAOSCTL" schedules rm "$sid" >/dev/null
t_api -X DELETE "/v1/experiments/$run" >/dev/null
code=$(t_api -o /dev/null -w '%{http_code}' "/v1/schedules/$sid")
[ "$code" = 404 ] && [ "$(cat "$FZ")" = THAWED ] && t_pass "schedule deleted (404), run stopped, freezer THAWED" \
        || t_fail "schedule delete" "code=$code freezer=$(cat "$FZ")"

# --- a firing missed while the daemon was down is skipped, not caught up -------
if command -v sqlite3 >/dev/null; then
        sid2=$(t_api -X POST --data-binary "$(sed 's/"\* \* \* \* \*"/"0 0 1 1 *"/' "$dir/sched.json")" /v1/experiments | json_get '["id"]')
        kill -TERM "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
        # As if the daemon had been down across the firing.
        sqlite3 "$dir/state/journal.db" "UPDATE schedules SET next_s = strftime('%s','now') - 120 WHERE id = '$sid2'"
        t_start_chaosd "$dir" || { t_fail gameday-schedule "chaosd did not come back"; exit 1; }
        sj=$(t_api "/v1/schedules/$sid2")
        sk=$(echo "$sj" | json_get '["skipped"]') nx=$(echo "$sj" | json_get '["next_run"]')
        missed=$(t_api /v1/events | grep -c "$sid2.*missed while chaosd was down")
        n_run=$(t_api /v1/experiments | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)["experiments"] if x["state"] in ("running","injecting")))')
        [ "$sk" = 1 ] && [ "$missed" = 1 ] && [ "$n_run" = 0 ] && [ "$(cat "$FZ")" = THAWED ] \
                && t_pass "a firing missed while chaosd was down is skipped (event, skipped=1), not caught up; next run $nx" \
                || t_fail "missed firing" "$sj missed_events=$missed running=$n_run"
        t_api -X DELETE "/v1/schedules/$sid2" >/dev/null
else
        t_skip "missed firing" "sqlite3 CLI not installed"
fi
exit $T_FAILED
