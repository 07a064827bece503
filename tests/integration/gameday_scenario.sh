#!/bin/bash
# Scenario steps on a real container, observed from cgroupfs every 50 ms:
#   "freeze"   pause           [0 s, 2 s)
#   "throttle" cpu quota 0.25  [3 s, 5 s)   (sequence: 1 s after "freeze" ends)
#   "refreeze" pause           [3.5 s, 4.5 s) (parallel: 0.5 s after "throttle" starts)
# Each fault must be in place only inside its window (±0.4 s: this host is
# noisy), and everything reverted at the end.
. "$(dirname "$0")/../lib.sh"
t_plan 3

have_docker || t_skip_all "dockerd or image $TEST_IMAGE missing"
[ -x "$CHAOSD" ] || { t_fail gameday-scenario "no $CHAOSD"; exit 1; }
dir=$(mktemp -d /tmp/chaosd-sc.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail gameday-scenario "chaosd did not answer"; exit 1; }
C=chaosd-gd-sc-$$
t_container $C "$TEST_IMAGE" sleep 600 || { t_fail gameday-scenario "no container"; exit 1; }
FZ=$(t_freezer_file $C)
CPU=/sys/fs/cgroup/cpu/docker/$(docker inspect -f '{{.Id}}' $C)/cpu.cfs_quota_us
quota0=$(cat "$CPU")
cat >"$dir/steps.json" <<EOS
{"name":"gd-steps","target":{"container":"$C"},
 "steps":[{"name":"freeze","duration":"2s","faults":[{"type":"pause"}]},
          {"name":"throttle","start":"1s","duration":"2s","faults":[{"type":"cpu","quota":0.25}]},
          {"name":"refreeze","parallel":true,"start":"500ms","duration":"1s","faults":[{"type":"pause"}]}]}
EOS
out=$(t_api -X POST --data-binary @"$dir/steps.json" /v1/experiments)
t0=$(date +%s%N)
id=$(echo "$out" | json_get '["id"]')
dur=$(echo "$out" | json_get '["duration_ms"]')
: >"$dir/samples"
while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 6500 ]; do
        echo "$(( ($(date +%s%N) - t0) / 1000000 )) $(cat "$FZ") $(cat "$CPU")" >>"$dir/samples"
        sleep 0.05
done
# Transitions as seen from outside.
edges=$(awk 'NR==1 {f=$2; q=$3; printf "start:%s,%s ", f, q; next}
             $2!=f {printf "%s@%d ", $2, $1; f=$2} $3!=q {printf "quota=%s@%d ", $3, $1; q=$3}' "$dir/samples")
echo "  duration_ms=$dur; edges seen from cgroupfs (ms after the 201): $edges"
bad=""
edge_at() { # first time (ms) column COL reads VALUE after FROM ms
        awk -v col="$1" -v v="$2" -v from="$3" '$1>=from && $col==v {print $1; exit}' "$dir/samples"
}
thaw1=$(edge_at 2 THAWED 0) quota_on=$(edge_at 3 25000 0) frz2=$(edge_at 2 FROZEN 2500) thaw2=$(edge_at 2 THAWED "${frz2:-99999}")
quota_off=$(edge_at 3 "$quota0" "${quota_on:-99999}")
echo "  freeze ends ${thaw1:-never} ms (want 2000); throttle ${quota_on:-never}..${quota_off:-never} ms (want 3000..5000); refreeze ${frz2:-never}..${thaw2:-never} ms (want 3500..4500)"
near() { [ -n "$1" ] && [ "$1" -ge $(($2 - 400)) ] && [ "$1" -le $(($2 + 400)) ]; }
[ "$(head -1 "$dir/samples" | awk '{print $2}')" = FROZEN ] || bad="$bad not-frozen-at-start"
near "$thaw1" 2000 || bad="$bad freeze-end"
near "$quota_on" 3000 || bad="$bad throttle-start"
near "$quota_off" 5000 || bad="$bad throttle-end"
near "$frz2" 3500 || bad="$bad refreeze-start"
near "$thaw2" 4500 || bad="$bad refreeze-end"
[ -z "$bad" ] && [ "$dur" = 5000 ] \
        && t_pass "steps in sequence and in parallel: each fault held only in its window (±400 ms), duration 5000 ms from the steps" \
        || t_fail "scenario windows" "$bad; $edges"
rec=$(t_api "/v1/experiments/$id")
st=$(echo "$rec" | json_get '["state"]')
steps=$(echo "$rec" | python3 -c 'import json,sys; print(",".join("%s:%s:%d-%d" % (f["step"], f["state"], f["start_ms"], f["end_ms"]) for f in json.load(sys.stdin)["faults"]))')
echo "  record: state=$st faults=$steps"
[ "$st" = completed ] && [ "$(cat "$FZ")" = THAWED ] && [ "$(cat "$CPU")" = "$quota0" ] \
        && [ "$steps" = "freeze:reverted:0-2000,throttle:reverted:3000-5000,refreeze:reverted:3500-4500" ] \
        && t_pass "scenario completed, every step's fault reverted (freezer THAWED, quota back to $quota0)" \
        || t_fail "scenario end" "state=$st freezer=$(cat "$FZ") quota=$(cat "$CPU") $steps"

# --- the same scenario in CI mode: a testcase per step ---------------------------
junit_steps() { # junit_steps FILE -> "name:verdict ..." of the chaos.step testcases
        /usr/bin/python3 - "$1" <<'PY'
import sys, junitparser
x = junitparser.JUnitXml.fromfile(sys.argv[1])
out = []
for s in x:
    for c in s:
        if c.classname == "chaos.step":
            v = "passed" if not c.result else type(c.result[0]).__name__.lower()
            out.append("%s:%s" % (c.name, v))
print(" ".join(out))
PY
}
(cd "$dir" && "$CHAOSCTL" run steps.json --wait --junit full.xml -- sleep 6) >/dev/null 2>&1
rc_full=$?
full=$(junit_steps "$dir/full.xml")
# A command that ends after 1 s stops the experiment: later steps never start.
(cd "$dir" && "$CHAOSCTL" run steps.json --wait --junit short.xml -- sleep 1) >/dev/null 2>&1
rc_short=$?
short=$(junit_steps "$dir/short.xml")
echo "  JUnit steps, command outlives the scenario: $full (exit $rc_full)"
echo "  JUnit steps, command ends after 1 s:        $short (exit $rc_short)"
[ "$full" = "freeze:passed throttle:passed refreeze:passed" ] && [ "$rc_full" = 0 ] \
        && [ "$short" = "freeze:passed throttle:skipped refreeze:skipped" ] && [ "$rc_short" = 0 ] \
        && [ "$(cat "$FZ")" = THAWED ] && [ "$(cat "$CPU")" = "$quota0" ] \
        && t_pass "CI mode: one JUnit testcase per step; steps a stopped run never reached are skipped" \
        || t_fail "CI steps" "full=$full ($rc_full) short=$short ($rc_short)"
exit $T_FAILED
