#!/bin/bash
# Game-day safety rails end to end, observed from outside the daemon:
#  - an http probe against a real HTTP server (busybox httpd in a test
#    container) that starts failing under a pause fault aborts the
#    experiment within interval x failure_threshold + 1 s; everything is
#    reverted (freezer THAWED, the server answers again);
#  - a failing "before" probe keeps the experiment from injecting anything
#    (the freezer is sampled throughout: never FROZEN);
#  - CI mode: JUnit accepted by junitparser and xmllint, the JSON report's
#    read-back equals what cgroupfs showed to the command, exit codes;
#  - /metrics passes `promtool check metrics`; `chaosctl events --follow`
#    renders the abort.
. "$(dirname "$0")/../lib.sh"
t_plan 14

have_docker || t_skip_all "dockerd or image $TEST_IMAGE missing"
[ -x "$CHAOSD" ] && [ -x "$CHAOSCTL" ] || { t_fail gameday-probes "no $CHAOSD or $CHAOSCTL"; exit 1; }
dir=$(mktemp -d /tmp/chaosd-gd.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail gameday-start "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }

WEB=chaosd-gd-web-$$
t_container $WEB "$TEST_IMAGE" sh -c 'mkdir -p /www && echo healthy >/www/health && exec httpd -f -p 8080 -h /www' \
        || { t_fail gameday-web "cannot start the web container"; exit 1; }
IP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' $WEB)
FZ=$(t_freezer_file $WEB)
CGDIR=$(dirname "$FZ")
t_wait 10 curl -sf -m 1 "http://$IP:8080/health" || { t_fail gameday-web "httpd on $IP:8080 does not answer"; exit 1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
api_state() { t_api "/v1/experiments/$1" | json_get '["state"]'; }

# --- 1. during probe aborts under pause ------------------------------------
INTERVAL_MS=1000 THRESHOLD=2 TIMEOUT=500ms
cat >"$dir/abort.json" <<EOS
{"name":"gd-abort","target":{"container":"$WEB"},"duration":"60s","faults":[{"type":"pause"}],
 "probes":[{"name":"web","http":{"url":"http://$IP:8080/health","expect_status":200,"body_contains":"healthy","timeout":"$TIMEOUT"},
            "interval":"1s","failure_threshold":$THRESHOLD,"phase":"during","abort_on_failure":true}]}
EOS
"$CHAOSCTL" events --follow >"$dir/follow.txt" 2>&1 &
FOLLOW=$!
t_cleanup "kill $FOLLOW"
out=$(t_api -X POST --data-binary @"$dir/abort.json" /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
# The fault is in when the API answers 201 "running": the clock starts now.
t0=$(ms)
frozen_at_start=$(cat "$FZ")
st=$(api_state "$id")
deadline=$(( t0 + INTERVAL_MS * THRESHOLD + 1000 + 5000 ))
while [ "$st" != aborted ] && [ "$(ms)" -lt "$deadline" ]; do sleep 0.05; st=$(api_state "$id"); done
t1=$(ms)
took=$((t1 - t0))
bound=$((INTERVAL_MS * THRESHOLD + 1000))
echo "  probe abort: experiment $id aborted ${took} ms after injection (bound ${bound} ms = ${INTERVAL_MS} ms x $THRESHOLD + 1 s)"
rec=$(t_api "/v1/experiments/$id")
daemon_ms=$(echo "$rec" | python3 -c '
import json, sys, datetime as dt
r = json.load(sys.stdin)
t = lambda s: dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
print(int(round((t(r["ended_at"]) - (t(r["deadline"]) - r["duration_ms"] / 1000)) * 1000)))')
echo "  by the daemon's own clock: faults in -> aborted and reverted in ${daemon_ms} ms"
reason=$(echo "$rec" | json_get '["reason"]')
evidence=$(echo "$rec" | json_get '["probes"][0]["evidence"]')
during=$(echo "$rec" | json_get '["probes"][0]["phases"]["during"]')
active=$(echo "$rec" | json_get '["faults_active"]')
fstate=$(echo "$rec" | json_get '["faults"][0]["state"]')
echo "  evidence in the record: $evidence"
[ "$frozen_at_start" = FROZEN ] && [ "$st" = aborted ] && [ "$took" -le "$bound" ] \
        && t_pass "http probe failing under pause aborts within interval x threshold + 1 s (${took} ms <= ${bound} ms)" \
        || t_fail "probe abort" "frozen_at_start=$frozen_at_start state=$st took=${took}ms bound=${bound}ms"
http_after=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$IP:8080/health")
[ "$(cat "$FZ")" = THAWED ] && [ "$active" = 0 ] && [ "$fstate" = reverted ] && [ "$http_after" = 200 ] \
        && t_pass "abort reverted everything: freezer THAWED, 0 faults active, httpd answers 200 again" \
        || t_fail "abort revert" "freezer=$(cat "$FZ") active=$active fault=$fstate http=$http_after"
echo "$reason" | grep -q 'probe "web" failed 2 times in a row' && echo "$evidence" | grep -q 'timed out' \
        && [ "$during" = failed ] \
        && t_pass "the record names the probe and its evidence (reason: $reason)" \
        || t_fail "abort evidence" "reason=$reason evidence=$evidence during=$during"

# --- 2. a failing before probe injects nothing ------------------------------
# A closed port on loopback: refused at once, 3 attempts 300 ms apart.
cat >"$dir/before.json" <<EOS
{"name":"gd-before","target":{"container":"$WEB"},"duration":"60s","faults":[{"type":"pause"}],
 "probes":[{"name":"db","tcp":{"address":"127.0.0.1:1","timeout":"200ms"},"interval":"300ms","failure_threshold":3,"phase":"before"}]}
EOS
# The freezer is read in a tight loop from before the POST until the end.
(while :; do cat "$FZ"; done) >"$dir/before-samples" 2>/dev/null &
SAMPLER=$!
t_cleanup "kill $SAMPLER"
out=$(t_api -X POST --data-binary @"$dir/before.json" /v1/experiments)
id2=$(echo "$out" | json_get '["id"]')
st=$(echo "$out" | json_get '["state"]')
for _ in $(seq 1 100); do
        st=$(api_state "$id2")
        [ "$st" = aborted ] && break
        sleep 0.05
done
sleep 0.3
kill $SAMPLER; wait $SAMPLER 2>/dev/null
samples=$(wc -l <"$dir/before-samples")
seen_frozen=$(grep -vc THAWED "$dir/before-samples")
rec=$(t_api "/v1/experiments/$id2")
fstate=$(echo "$rec" | json_get '["faults"][0]["state"]')
injected=$(t_api /v1/events | grep "\"$id2\"" | grep -c '"injected"')
echo "  before probe: $(echo "$rec" | json_get '["reason"]'); freezer sampled $samples times, FROZEN $seen_frozen times"
[ "$st" = aborted ] && [ "$seen_frozen" = 0 ] && [ "$fstate" = pending ] && [ "$injected" = 0 ] \
        && t_pass "a failing before probe: aborted, fault never applied (state pending, no injected event, freezer never FROZEN)" \
        || t_fail "before probe" "state=$st frozen_seen=$seen_frozen fault=$fstate injected_events=$injected"

# --- 3. CI mode ---------------------------------------------------------------
cat >"$dir/ci.json" <<EOS
{"name":"gd-ci","target":{"container":"$WEB"},"duration":"60s",
 "faults":[{"type":"cpu","quota":0.25,"period":"100ms"},{"type":"pause"}],
 "probes":[{"name":"web-recovers","http":{"url":"http://$IP:8080/health","timeout":"500ms"},"phase":"after","failure_threshold":3},
           {"name":"client-check","exec":{"command":["test","-d","/"],"timeout":"2s"},"phase":["before","after"]}]}
EOS
quota_before=$(cat "/sys/fs/cgroup/cpu/docker/$(basename "$CGDIR")/cpu.cfs_quota_us")
CPUCG=/sys/fs/cgroup/cpu/docker/$(basename "$CGDIR")
(cd "$dir" && "$CHAOSCTL" run ci.json --wait --junit report.xml --report report.json -- \
        sh -c "cat $CPUCG/cpu.cfs_quota_us >seen-quota; cat $CPUCG/cpu.cfs_period_us >seen-period; cat $FZ >seen-freezer; exit 3") \
        >"$dir/ci.out" 2>&1
rc=$?
[ "$rc" = 3 ] && t_pass "CI mode: exit code is the command's (3)" || t_fail "CI exit code" "rc=$rc $(cat "$dir/ci.out")"
junit=$(/usr/bin/python3 - "$dir/report.xml" <<'PY'
import sys, junitparser
x = junitparser.JUnitXml.fromfile(sys.argv[1])
cases = [c for s in x for c in s]
kinds = sorted(set(c.classname for c in cases))
fails = [c.name for c in cases if any(isinstance(r, junitparser.Failure) for r in c.result)]
# The suite's own counters must agree with its testcases.
suite = next(iter(x))
if suite.tests != len(cases) or suite.failures != len(fails):
    print("counters", suite.tests, suite.failures, "vs", len(cases), len(fails)); sys.exit(0)
print(len(cases), ",".join(kinds), "|".join(fails))
PY
)
echo "  junitparser read: $junit"
set -- $junit
[ "${1:-0}" = 5 ] && [ "${2:-}" = "chaos.command,chaos.fault,chaos.probe" ] && echo "$junit" | grep -q '|\?sh -c' \
        && xmllint --noout "$dir/report.xml" \
        && t_pass "JUnit accepted by junitparser and xmllint: 5 testcases (2 probes, 2 faults, command failed with its status)" \
        || t_fail "JUnit" "$junit"
cmp_out=$(python3 - "$dir" <<'PY'
import json, sys, os
d = sys.argv[1]
r = json.load(open(os.path.join(d, "report.json")))
seen = {k: open(os.path.join(d, "seen-" + k)).read().strip() for k in ("quota", "period", "freezer")}
rb = {f["type"]: f["readback"] for f in r["faults"]}
ok = (rb["cpu"]["cpu.cfs_quota_us"] == seen["quota"] and rb["cpu"]["cpu.cfs_period_us"] == seen["period"]
      and rb["pause"]["freezer.state"] == seen["freezer"])
tl = [e["event"] for e in r["timeline"]]
print("ok" if ok and r["targets"][0]["container_name"] and "injected" in tl and "ended" in tl else "bad",
      "report:", rb["cpu"]["cpu.cfs_quota_us"], rb["cpu"]["cpu.cfs_period_us"], rb["pause"]["freezer.state"],
      "cgroupfs:", seen["quota"], seen["period"], seen["freezer"], "timeline:", ",".join(tl))
PY
)
echo "  $cmp_out"
case $cmp_out in ok*) t_pass "JSON report read-back equals cgroupfs as the command saw it (quota, period, freezer)";;
        *) t_fail "report read-back" "$cmp_out";; esac
quota_after=$(cat "$CPUCG/cpu.cfs_quota_us")
[ "$quota_after" = "$quota_before" ] && [ "$(cat "$FZ")" = THAWED ] \
        && t_pass "CI mode ended the experiment: quota back to $quota_before, freezer THAWED" \
        || t_fail "CI revert" "quota $quota_before -> $quota_after freezer=$(cat "$FZ")"
(cd "$dir" && "$CHAOSCTL" run abort.json --wait --junit abort.xml --report abort-report.json -- sleep 30) >"$dir/ci2.out" 2>&1
rc=$?
aborted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"]["aborted"])' "$dir/abort-report.json")
[ "$rc" = 1 ] && [ "$aborted" = True ] && grep -q 'failure' "$dir/abort.xml" \
        && t_pass "CI mode: a probe abort exits 1 (the command's success does not hide it), JUnit shows the failure" \
        || t_fail "CI abort exit" "rc=$rc aborted=$aborted $(tail -3 "$dir/ci2.out")"

cat >"$dir/inject-fails.json" <<EOS
{"name":"gd-ci-inject-fails","target":{"container":"$WEB"},"duration":"10s","faults":[{"type":"kill","process":"no-such-process-$$"}]}
EOS
(cd "$dir" && "$CHAOSCTL" run inject-fails.json --wait --junit if.xml -- touch cmd-ran) >"$dir/ci3.out" 2>&1
rc=$?
[ "$rc" = 1 ] && [ ! -e "$dir/cmd-ran" ] && grep -q '<skipped' "$dir/if.xml" && grep -q 'no process named' "$dir/if.xml" \
        && t_pass "CI mode: failed injection exits 1, the command never runs (JUnit: fault failed, command skipped)" \
        || t_fail "CI injection failure" "rc=$rc $(tail -2 "$dir/ci3.out")"
cat >"$dir/client-before.json" <<EOS
{"name":"gd-ci-client-before","target":{"container":"$WEB"},"duration":"10s","faults":[{"type":"pause"}],
 "probes":[{"name":"precondition","exec":{"command":["sh","-c","echo not ready; exit 4"],"timeout":"2s"},"phase":"before"}]}
EOS
n0=$(t_api /v1/experiments | json_get '["experiments"].__len__()')
(cd "$dir" && "$CHAOSCTL" run client-before.json --wait --junit cb.xml --report cb.json -- touch cmd-ran) >"$dir/ci4.out" 2>&1
rc=$?
n1=$(t_api /v1/experiments | json_get '["experiments"].__len__()')
ev=$(python3 -c 'import json,sys; print([p.get("evidence") for p in json.load(open(sys.argv[1]))["probes"]][0])' "$dir/cb.json")
[ "$rc" = 1 ] && [ "$n0" = "$n1" ] && [ ! -e "$dir/cmd-ran" ] && [ "$(cat "$FZ")" = THAWED ] \
        && t_pass "CI mode: a failing exec before probe submits nothing ($n0 experiments before and after), exit 1 ($ev)" \
        || t_fail "CI client before probe" "rc=$rc experiments $n0 -> $n1 $(tail -2 "$dir/ci4.out")"

# An exec probe (run by chaosctl, not the daemon) with abort_on_failure,
# and no command: plain `run --wait`. The probe starts failing after ~1.5 s.
cat >"$dir/client-during.json" <<EOS
{"name":"gd-ci-client-during","target":{"container":"$WEB"},"duration":"30s","faults":[{"type":"pause"}],
 "probes":[{"name":"flag","exec":{"command":["sh","-c","test ! -e $dir/flag"],"timeout":"400ms"},
            "phase":"during","interval":"500ms","failure_threshold":2,"abort_on_failure":true}]}
EOS
(sleep 1.5; touch "$dir/flag") &
t0=$(ms)
(cd "$dir" && "$CHAOSCTL" run client-during.json --wait --report cd.json) >"$dir/ci5.out" 2>&1
rc=$? took=$(( $(ms) - t0 ))
st=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["experiment"]; print(e["state"] + "|" + e["reason"])' "$dir/cd.json")
echo "  exec during probe: rc=$rc after ${took} ms; record: $st"
[ "$rc" = 1 ] && [ "${st%%|*}" = aborted ] && echo "$st" | grep -q 'probe "flag" (exec, client side) failed 2 times' \
        && [ "$(cat "$FZ")" = THAWED ] && [ "$took" -lt 10000 ] \
        && t_pass "plain run --wait runs exec probes client side; a failing one aborts the experiment (recorded aborted with its evidence), exit 1" \
        || t_fail "client during probe" "rc=$rc $st $(tail -2 "$dir/ci5.out")"

# --- 4. metrics and events ----------------------------------------------------
t_api /metrics >"$dir/metrics.txt"
if command -v promtool >/dev/null; then
        promtool check metrics <"$dir/metrics.txt" >"$dir/promtool.out" 2>&1
        prc=$?
        fams=$(grep -c '^# TYPE' "$dir/metrics.txt")
        [ "$prc" = 0 ] && grep -q 'chaosd_experiments{state="aborted"}' "$dir/metrics.txt" \
                && grep -q 'chaosd_active_faults{type="pause"}' "$dir/metrics.txt" \
                && grep -q 'chaosd_inject_seconds_bucket' "$dir/metrics.txt" && grep -q 'chaosd_revert_seconds_bucket' "$dir/metrics.txt" \
                && grep -q 'chaosd_errors_total{cause="probe_abort"} [1-9]' "$dir/metrics.txt" \
                && t_pass "/metrics passes promtool check metrics ($fams families: states, active faults by type, inject/revert histograms, errors by cause)" \
                || t_fail "promtool" "rc=$prc $(head -5 "$dir/promtool.out")"
else
        t_skip "promtool" "promtool (Debian package prometheus) not installed"
fi
sleep 0.3
grep -q "$id.*ended.*aborted: probe \"web\"" "$dir/follow.txt" \
        && t_pass "chaosctl events --follow rendered the abort: $(grep "$id" "$dir/follow.txt" | grep ended | head -1)" \
        || t_fail "events --follow" "$(tail -5 "$dir/follow.txt")"
exit $T_FAILED
