#!/bin/bash
# Selectors over containerd containers that carry the labels the kubelet
# sets (io.kubernetes.pod.name, io.kubernetes.pod.namespace, app=...),
# created with ctr in namespace k8s.io — Kubernetes without a cluster.
#  - mode percent 50 over 10 matching containers hits exactly 5 (counted
#    from the freezer hierarchy), and the same seed picks the same 5;
#  - a seed left out is generated and recorded in the experiment's spec,
#    and replaying it picks the same containers again;
#  - pod + namespace (runtime auto) finds exactly that pod's container;
#  - labels must all match; decoys are never touched.
. "$(dirname "$0")/../lib.sh"
t_plan 12
. "$(dirname "$0")/../helpers/fleet_runtimes.sh"

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
have_docker || t_skip_all "docker (for the image) missing (run tests/setup.sh)"
have_containerd || t_skip_all "containerd/ctr not installed"

W=$(mktemp -d /tmp/chaosd-selector.XXXXXX)
t_cleanup rm -rf "$W"
fleet_containerd_up "$W/ctd" || { t_fail containerd "private containerd did not come up"; exit 1; }
N=10
for i in $(seq 0 $((N - 1))); do
        fleet_ctr_run k8s.io "web-$i" --label io.kubernetes.pod.name="web-$i" --label io.kubernetes.pod.namespace=shop \
                --label app=web --label tier=front -- sleep 3600 || { t_fail ctr-run "web-$i"; exit 1; }
done
# Decoys: right app in another namespace; right namespace, other app; one label short.
fleet_ctr_run k8s.io decoy-ns --label io.kubernetes.pod.name=web-x --label io.kubernetes.pod.namespace=other \
        --label app=web --label tier=front -- sleep 3600
fleet_ctr_run k8s.io decoy-app --label io.kubernetes.pod.name=db-0 --label io.kubernetes.pod.namespace=shop \
        --label app=db --label tier=front -- sleep 3600
fleet_ctr_run k8s.io decoy-label --label io.kubernetes.pod.name=web-y --label io.kubernetes.pod.namespace=shop \
        --label app=web -- sleep 3600
ALL="$(for i in $(seq 0 $((N - 1))); do echo web-$i; done) decoy-ns decoy-app decoy-label"

t_start_chaosd "$W/chaosd" || { t_fail chaosd-start "chaosd did not come up"; exit 1; }

state_of() { cat "$(fleet_freezer_of "$(cat "$CHAOSD_CONTAINERD_STATE/k8s.io/$1/init.pid")")"; }
frozen_set() { local c; for c in $ALL; do [ "$(state_of "$c")" = FROZEN ] && echo "$c"; done | sort | tr '\n' ' '; }
run_sel() { # selector-json -> experiment JSON
        t_api -X POST -d '{"name":"sel","target":{"selector":'"$1"'},"duration":"60s","faults":[{"type":"pause"}]}' /v1/experiments
}
stop() { t_api -X DELETE "/v1/experiments/$1" >/dev/null; }
targets_of() { json_get '["targets"]' | python3 -c 'import sys,ast; print(" ".join(sorted(t["container_name"] for t in ast.literal_eval(sys.stdin.read()))))'; }

SEL='{"runtime":"containerd","namespace":"shop","labels":{"app":"web","tier":"front"},"mode":"percent","value":50,"seed":42}'
out=$(run_sel "$SEL"); id=$(echo "$out" | json_get '["id"]')
n=$(echo "$out" | json_get '["targets"]' | python3 -c 'import sys,ast; print(len(ast.literal_eval(sys.stdin.read())))')
first=$(echo "$out" | targets_of); frozen1=$(frozen_set)
echo "  seed 42: chaosd resolved $n targets: $first; frozen (freezer.state, all $((N + 3)) containers): $frozen1"
[ "$n" = 5 ] && [ "$(echo $frozen1 | wc -w)" = 5 ] && t_pass "percent 50 over $N matching containers: exactly 5 resolved and 5 frozen" ||
        t_fail "percent 50" "resolved $n, frozen: $frozen1"
[ "$(echo $first)" = "$(echo $frozen1)" ] && t_pass "the frozen containers are exactly the resolved ones" || t_fail "resolved = frozen" "$first vs $frozen1"
case " $frozen1 " in *decoy*) t_fail "decoys untouched" "$frozen1" ;; *) t_pass "decoys (other namespace, other app, a label short) untouched" ;; esac
stop "$id"
after=$(frozen_set)
[ -z "$after" ] && t_pass "stop thaws all 5" || t_fail "stop thaws" "still frozen: $after"

out=$(run_sel "$SEL"); id=$(echo "$out" | json_get '["id"]'); second=$(echo "$out" | targets_of); frozen2=$(frozen_set)
echo "  seed 42 again: $second; frozen: $frozen2"
[ "$second" = "$first" ] && [ "$(echo $frozen2)" = "$(echo $frozen1)" ] && t_pass "the same seed picks the same 5" ||
        t_fail "same seed" "$first vs $second"
stop "$id"

# Other seeds choose other subsets (not all the same 5), still 5 each.
distinct=$(for s in 1 2 3 4 5; do
        o=$(run_sel "${SEL/\"seed\":42/\"seed\":$s}"); i=$(echo "$o" | json_get '["id"]'); echo "$o" | targets_of; stop "$i"
done | sort -u | wc -l)
echo "  seeds 1..5: $distinct distinct subsets"
[ "$distinct" -gt 1 ] && t_pass "different seeds choose different subsets ($distinct distinct of 5)" || t_fail "seeds vary" "$distinct"

# No seed: one is generated, recorded in the spec, and replays.
out=$(run_sel '{"runtime":"containerd","namespace":"shop","labels":{"app":"web"},"mode":"fixed","value":3}')
id=$(echo "$out" | json_get '["id"]'); seed=$(echo "$out" | json_get '["spec"]["target"]["selector"]["seed"]'); set1=$(echo "$out" | targets_of)
stop "$id"
got=$(t_api "/v1/experiments/$id" | json_get '["spec"]["target"]["selector"]["seed"]')
out=$(run_sel '{"runtime":"containerd","namespace":"shop","labels":{"app":"web"},"mode":"fixed","value":3,"seed":'"$seed"'}')
id=$(echo "$out" | json_get '["id"]'); set2=$(echo "$out" | targets_of); stop "$id"
echo "  generated seed $seed (get shows $got): $set1 / replayed: $set2"
[ -n "$seed" ] && [ "$got" = "$seed" ] && [ "$set1" = "$set2" ] && [ "$(echo $set1 | wc -w)" = 3 ] &&
        t_pass "a generated seed is recorded (get) and replays the same 3" || t_fail "generated seed" "seed=$seed got=$got $set1 / $set2"

# Pod + namespace through runtime auto: exactly that pod's container.
out=$(run_sel '{"pod":"web-7","namespace":"shop"}'); id=$(echo "$out" | json_get '["id"]'); t=$(echo "$out" | targets_of); fz=$(frozen_set)
echo "  pod web-7 in shop (runtime auto): targets $t; frozen: $fz"
[ "$t" = "web-7" ] && [ "$(echo $fz)" = "web-7" ] && t_pass "pod + namespace selects exactly that pod's container" || t_fail "pod" "$t / $fz"
stop "$id"

# A 5-target experiment survives a SIGKILL of chaosd: the next chaosd
# resumes all 5 from the journal, and its stop thaws all 5.
out=$(run_sel "$SEL"); id=$(echo "$out" | json_get '["id"]')
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
sleep 0.5
killed=$(frozen_set)
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$W/chaosd/state" 2>>"$W/chaosd/chaosd.log" &
CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID; sleep 0.3; kill -KILL $CHAOSD_PID"
t_wait 10 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
got=$(t_api "/v1/experiments/$id")
st=$(echo "$got" | json_get '["state"]'); nt=$(echo "$got" | json_get '["targets"]' | python3 -c 'import sys,ast; print(len(ast.literal_eval(sys.stdin.read())))')
na=$(echo "$got" | json_get '["faults_active"]'); resumed=$(frozen_set)
echo "  after SIGKILL: frozen $killed; new chaosd: state=$st targets=$nt faults_active=$na; frozen $resumed"
[ "$st" = running ] && [ "$nt" = 5 ] && [ "$na" = 5 ] && [ "$(echo $resumed)" = "$(echo $frozen1)" ] &&
        t_pass "a 5-target experiment is resumed by the next chaosd after a SIGKILL" || t_fail "resume 5 targets" "$got"
stop "$id"
[ -z "$(frozen_set)" ] && t_pass "its stop thaws all 5" || t_fail "stop after resume" "$(frozen_set)"

out=$(t_api -w ' http=%{http_code}' -X POST -d '{"name":"sel","target":{"selector":{"labels":{"app":"nothing-has-this"}}},"duration":"5s","faults":[{"type":"pause"}]}' /v1/experiments)
case $out in *"matches no running container"*http=422*) t_pass "a selector matching nothing: 422" ;; *) t_fail "no match" "$out" ;; esac
[ -z "$(frozen_set)" ] && t_pass "nothing left frozen" || t_fail "left frozen" "$(frozen_set)"
[ $T_FAILED = 0 ]
