#!/bin/bash
# pause+unpause of a Docker container: chaosd (API over its Unix socket, via
# curl and via chaosctl) vs `docker pause` + `docker unpause`.
. "$(dirname "$0")/../tests/lib.sh"
N=${N:-20}
have_docker || { echo "pause bench: docker unavailable" >&2; exit 1; }
dir=$(mktemp -d /tmp/chaosd-bench.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || exit 1
C=chaosd-bench-pause-$$
t_container $C "$TEST_IMAGE" sleep 100000
F=$(t_freezer_file $C)
spec="{\"name\":\"bench\",\"target\":{\"container\":\"$C\"},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}]}"
echo "$spec" >"$dir/spec.json"
now() { date +%s%N; }

# warm-up of both paths
docker pause $C >/dev/null && docker unpause $C >/dev/null
id=$(t_api -X POST -d "$spec" /v1/experiments | json_get '["id"]'); t_api -X DELETE /v1/experiments/$id >/dev/null

t0=$(now)
for _ in $(seq $N); do docker pause $C >/dev/null; docker unpause $C >/dev/null; done
docker_ns=$(( ($(now) - t0) / N ))

t0=$(now); bad=0
for _ in $(seq $N); do
        # sed, not python: interpreter start-up would dwarf what we measure
        id=$(t_api -X POST -d "$spec" /v1/experiments | sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p')
        [ "$(cat "$F")" = FROZEN ] || bad=$((bad + 1))
        t_api -X DELETE /v1/experiments/$id >/dev/null
done
curl_ns=$(( ($(now) - t0) / N ))
# The freezer check above runs inside the timed loop; time it alone to subtract.
t0=$(now); for _ in $(seq $N); do cat "$F" >/dev/null; done; cat_ns=$(( ($(now) - t0) / N ))
curl_ns=$((curl_ns - cat_ns))

ctl_ns=""
if [ -x "$CHAOSCTL" ]; then
        t0=$(now)
        for _ in $(seq $N); do
                id=$("$CHAOSCTL" --socket "$CHAOSD_SOCKET" run "$dir/spec.json")
                "$CHAOSCTL" --socket "$CHAOSD_SOCKET" stop "$id" >/dev/null
        done
        ctl_ns=$(( ($(now) - t0) / N ))
fi
# Same client, both APIs: chaosd's vs the Docker Engine's pause/unpause.
api=""
if [ -x "$BUILD/bench/apibench" ]; then
        "$CHAOSCTL" --socket "$CHAOSD_SOCKET" halt >/dev/null 2>&1   # nothing left from the loops above
        read -r api_chaosd api_docker < <("$BUILD/bench/apibench" "$CHAOSD_SOCKET" /var/run/docker.sock $C $N)
        [ -n "${api_chaosd:-}" ] || echo "| pause+unpause, one C client on both APIs | apibench failed (see stderr) | | |"
fi
# Daemon-side: apply+verify time from its own histogram.
m=$(t_api /metrics)
inj=$(awk '/^chaosd_inject_seconds_sum/ {s=$2} /^chaosd_inject_seconds_count/ {c=$2} END {printf "%.2f", s/c*1000}' <<<"$m")
rev=$(awk '/^chaosd_revert_seconds_sum/ {s=$2} /^chaosd_revert_seconds_count/ {c=$2} END {printf "%.2f", s/c*1000}' <<<"$m")
[ "$bad" = 0 ] || echo "pause bench: $bad iterations did not see FROZEN" >&2
ms() { awk -v n="$1" 'BEGIN {printf "%.1f ms", n/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a/b}'; }
echo "| pause+unpause a Docker container, curl → chaosd API (N=$N) | $(ms $curl_ns) | $(ms $docker_ns) \`docker pause\`+\`unpause\` | **$(ratio $docker_ns $curl_ns)** |"
[ -n "$ctl_ns" ] && echo "| pause+unpause a Docker container, \`chaosctl run\`+\`stop\` (N=$N) | $(ms $ctl_ns) | $(ms $docker_ns) \`docker pause\`+\`unpause\` | **$(ratio $docker_ns $ctl_ns)** |"
[ -n "${api_chaosd:-}" ] && echo "| pause+unpause, one C client on both APIs: chaosd API vs Docker Engine API (N=$N) | $(ms $api_chaosd) | $(ms $api_docker) Docker API pause+unpause | **$(ratio $api_docker $api_chaosd)** |"
[ -n "${api_chaosd:-}" ] && echo "| pause+unpause: C client → chaosd API vs \`docker pause\`+\`docker unpause\` CLI (N=$N) | $(ms $api_chaosd) | $(ms $docker_ns) | **$(ratio $docker_ns $api_chaosd)** |"
echo "| ↳ inside the daemon: apply+verify / revert | $inj ms / $rev ms | | |"
