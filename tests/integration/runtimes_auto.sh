#!/bin/bash
# The same pause experiment, with "runtime": "auto", on a Docker, a Podman
# and a containerd container: each is found in its own runtime (Docker
# Engine API, Podman's API service, containerd's task state on disk), its
# cgroup is frozen while the experiment runs and thawed after, as read from
# the freezer hierarchy by the test itself. Also: runtime pinned to the
# wrong runtime is refused; a name no runtime knows is a clear 422.
. "$(dirname "$0")/../lib.sh"
t_plan 17
. "$(dirname "$0")/../helpers/fleet_runtimes.sh"

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
have_docker || t_skip_all "docker or $TEST_IMAGE missing (run tests/setup.sh)"
have_podman || t_skip_all "podman not installed (apt-get install podman)"
have_containerd || t_skip_all "containerd/ctr not installed"

W=$(mktemp -d /tmp/chaosd-runtimes.XXXXXX)
t_cleanup rm -rf "$W"
tag=$$
fleet_podman_up "$W/podman" || { t_fail podman-service "podman system service did not come up"; exit 1; }
fleet_containerd_up "$W/ctd" || { t_fail containerd "private containerd did not come up"; exit 1; }

t_container "rt-docker-$tag" "$TEST_IMAGE" sleep 3600 || { t_fail docker-run "docker run failed"; exit 1; }
fleet_podman_run "rt-podman-$tag" --label app=rt -- sleep 3600 || { t_fail podman-run "podman run failed"; exit 1; }
fleet_ctr_run k8s.io "rt-ctd-$tag" --label app=rt -- sleep 3600 || { t_fail ctr-run "ctr run failed"; exit 1; }

# chaosd inherits CHAOSD_CONTAINERD_* from the helpers; CONTAINER_HOST only
# for chaosd itself.
CONTAINER_HOST=$FLEET_CONTAINER_HOST t_start_chaosd "$W/chaosd" || { t_fail chaosd-start "chaosd did not come up"; exit 1; }

pid_of() { # runtime name -> host pid, from the runtime's own CLI (an independent observer)
        case $1 in
        docker) docker inspect -f '{{.State.Pid}}' "$2" ;;
        podman) $PODMAN inspect -f '{{.State.Pid}}' "$2" ;;
        containerd) cat "$CHAOSD_CONTAINERD_STATE/k8s.io/$2/init.pid" ;;
        esac
}

for rt in docker podman containerd; do
        case $rt in docker) name=rt-docker-$tag ;; podman) name=rt-podman-$tag ;; containerd) name=rt-ctd-$tag ;; esac
        pid=$(pid_of $rt "$name")
        ff=$(fleet_freezer_of "$pid")
        before=$(cat "$ff")
        spec='{"name":"auto-'$rt'","target":{"container":"'$name'","runtime":"auto"},"duration":"3s","faults":[{"type":"pause"}]}'
        t0=$(date +%s%N)
        out=$(t_api -X POST -d "$spec" /v1/experiments)
        t1=$(date +%s%N)
        id=$(echo "$out" | json_get '["id"]' 2>/dev/null)
        got_rt=$(echo "$out" | json_get '["targets"][0]["runtime"]' 2>/dev/null)
        got_pid=$(echo "$out" | json_get '["targets"][0]["pid"]' 2>/dev/null)
        during=$(cat "$ff")
        echo "  $rt: container $name pid $pid freezer $ff: before=$before during=$during;" \
             "chaosd resolved runtime=$got_rt pid=$got_pid in $(( (t1 - t0) / 1000000 )) ms"
        if [ "$got_rt" = "$rt" ] && [ "$got_pid" = "$pid" ]; then
                t_pass "$rt: found with runtime auto (runtime=$got_rt, pid=$got_pid)"
        else
                t_fail "$rt: found with runtime auto" "answer: $out"
                # The plan counts 4 checks per runtime: the 3 that need it found.
                for c in "frozen while running" "completed" "thawed after the deadline"; do
                        t_skip "$rt: $c" "not found with runtime auto"
                done
                continue
        fi
        [ "$before" = THAWED ] && [ "$during" = FROZEN ] && t_pass "$rt: frozen while running (freezer.state $before -> $during)" ||
                t_fail "$rt: frozen while running" "before=$before during=$during"
        t_wait 10 sh -c "t=\$(curl -s --unix-socket $CHAOSD_SOCKET http://c/v1/experiments/$id); echo \"\$t\" | grep -q '\"state\":\"completed\"'" &&
                t_pass "$rt: completed at its deadline" || t_fail "$rt: completed" "$(t_api /v1/experiments/$id)"
        after=$(cat "$ff")
        [ "$after" = THAWED ] && t_pass "$rt: thawed after the deadline (freezer.state $after)" ||
                t_fail "$rt: thawed after" "freezer.state=$after"
done

# Pinned to a runtime that does not have it: not found, nothing touched.
out=$(t_api -w ' http=%{http_code}' -X POST \
        -d '{"name":"pinned","target":{"container":"rt-podman-'$tag'","runtime":"docker"},"duration":"3s","faults":[{"type":"pause"}]}' /v1/experiments)
echo "  pinned to docker: $out"
case $out in *http=422*"no docker container"*|*"no docker container"*http=422*) t_pass "runtime pinned to docker does not find a podman container (422)" ;;
*) t_fail "runtime pinned" "$out" ;; esac
ff=$(fleet_freezer_of "$(pid_of podman rt-podman-$tag)")
[ "$(cat "$ff")" = THAWED ] && t_pass "podman container untouched by the refused spec" || t_fail "untouched" "$(cat "$ff")"

out=$(t_api -w ' http=%{http_code}' -X POST \
        -d '{"name":"nowhere","target":{"container":"no-such-'$tag'"},"duration":"3s","faults":[{"type":"pause"}]}' /v1/experiments)
echo "  unknown name: $out"
case $out in *"in any runtime"*http=422*) t_pass "unknown container: 422 naming every runtime" ;; *) t_fail "unknown container" "$out" ;; esac
# Podman without its API service: chaosd reads libpod's state database.
mkdir -p "$W/c2"
CONTAINER_HOST=unix://$W/no-such-podman.sock "$CHAOSD" --socket "$W/c2/s.sock" --state-dir "$W/c2/state" 2>>"$W/c2/log" &
P2=$!
t_cleanup "kill -TERM $P2; sleep 0.3; kill -KILL $P2"
t_wait 5 curl -sf --unix-socket "$W/c2/s.sock" http://c/v1/health || { t_fail chaosd-2 "$(cat "$W/c2/log")"; exit 1; }
pid=$(pid_of podman "rt-podman-$tag"); ff=$(fleet_freezer_of "$pid")
out=$(curl -s --unix-socket "$W/c2/s.sock" -X POST \
        -d '{"name":"pm-state","target":{"selector":{"runtime":"podman","labels":{"app":"rt"}}},"duration":"2s","faults":[{"type":"pause"}]}' \
        http://c/v1/experiments)
got=$(echo "$out" | python3 -c 'import json,sys; print(" ".join("%s/%s/%s" % (t["container_name"], t["runtime"], t["pid"]) for t in json.load(sys.stdin)["targets"]))' 2>/dev/null)
during=$(cat "$ff")
echo "  podman without API service: selector runtime=podman labels app=rt -> $got; freezer.state $during"
[ "$got" = "rt-podman-$tag/podman/$pid" ] && [ "$during" = FROZEN ] &&
        t_pass "podman without its API service: found by label in libpod's state and frozen" || t_fail "podman state" "$out"
t_wait 6 sh -c "[ \$(cat $ff) = THAWED ]" && t_pass "podman (state): thawed after" || t_fail "podman state thaw" "$(cat "$ff")"
[ $T_FAILED = 0 ]
