#!/bin/bash
# Network faults: inject+revert of a root qdisc on a container's interface
# through chaosd (the `bandwidth` fault: a tbf, which this host kernel has —
# it lacks netem) vs `nsenter -t PID -n tc qdisc add … tbf …` + `… del …`;
# then 500 network namespaces injected and reverted: total time and the
# daemon's RSS. Prints markdown rows for bench/run.sh.
. "$(dirname "$0")/../tests/lib.sh"
N=${N:-30}
NS=${NS:-500}
have_docker || { echo "network bench: docker unavailable" >&2; exit 1; }
command -v nsenter >/dev/null || { echo "network bench: nsenter missing" >&2; exit 1; }
dir=$(mktemp -d /tmp/chaosd-bench-net.XXXXXX); t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" >/dev/null || exit 1
C=chaosd-bench-net-$$
t_container $C "$TEST_IMAGE" sleep 100000
PID=$(docker inspect -f '{{.State.Pid}}' $C)
now() { date +%s%N; }
ms() { awk -v n="$1" 'BEGIN {printf "%.2f ms", n/1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a/b}'; }
spec() { echo "{\"name\":\"bench-net\",\"target\":{\"pid\":$1},\"duration\":\"10m\",\"faults\":[{\"type\":\"bandwidth\",\"rate\":\"10mbit\",\"interface\":\"$2\"}]}"; }
root_kind() { nsenter -t "$1" -n tc qdisc show dev "$2" root | awk '{print $2, $3; exit}'; }

# ---- one container, N pairs ----
nsenter -t $PID -n tc qdisc add dev eth0 root handle 1: tbf rate 10mbit burst 32kb latency 400ms &&
        nsenter -t $PID -n tc qdisc del dev eth0 root
t0=$(now)
for _ in $(seq $N); do
        nsenter -t $PID -n tc qdisc add dev eth0 root handle 1: tbf rate 10mbit burst 32kb latency 400ms
        nsenter -t $PID -n tc qdisc del dev eth0 root
done
tc_ns=$(( ($(now) - t0) / N ))

s=$(spec $PID eth0)
id=$(t_api -X POST -d "$s" /v1/experiments | sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p'); t_api -X DELETE /v1/experiments/$id >/dev/null
bad=0
t0=$(now)
for _ in $(seq $N); do
        id=$(t_api -X POST -d "$s" /v1/experiments | sed -n 's/^{"id":"\([0-9a-f]*\)".*/\1/p')
        [ -n "$id" ] || bad=$((bad + 1))
        t_api -X DELETE /v1/experiments/$id >/dev/null
done
api_ns=$(( ($(now) - t0) / N ))
[ "$(root_kind $PID eth0)" = "noqueue 0:" ] || echo "network bench: eth0 root after the loop: $(root_kind $PID eth0)" >&2
[ "$bad" = 0 ] || echo "network bench: $bad injections failed" >&2
# The 500-namespace run's client (python3 over the Unix socket):
#   client.py SOCKET post SPECFILE...     -> ids (one a line), then total ns
#   client.py SOCKET delete IDFILE        -> total ns
cat >"$dir/client.py" <<'PY'
import json, socket, sys, time
sock, mode = sys.argv[1], sys.argv[2]
def call(method, path, body=b""):
    c = socket.socket(socket.AF_UNIX); c.connect(sock)
    c.sendall(b"%s %s HTTP/1.1\r\nHost: chaosd\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (method, path, len(body), body))
    data = b""
    while True:
        b = c.recv(65536)
        if not b: break
        data += b
    c.close()
    return json.loads(data.split(b"\r\n\r\n", 1)[1] or b"{}")
t0 = time.monotonic_ns()
if mode == "post":
    specs = [l.strip().encode() for l in open(sys.argv[3]) if l.strip()]
    t0 = time.monotonic_ns()
    for sp in specs:
        e = call(b"POST", b"/v1/experiments", sp)
        print(e.get("id", "") if e.get("state") == "running" else "", flush=True)
    print(time.monotonic_ns() - t0)
elif mode == "delete":
    ids = [l.strip() for l in open(sys.argv[3]) if l.strip()]
    t0 = time.monotonic_ns()
    for i in ids:
        call(b"DELETE", b"/v1/experiments/" + i.encode())
    print(time.monotonic_ns() - t0)
PY
# One C client (bench/apibench.c, the same HTTP client chaosd uses for
# Docker's API): what a program driving chaosd pays per inject+revert.
echo "$s" >"$dir/spec.json"
c_ns=$("$BUILD/bench/apibench" spec "$CHAOSD_SOCKET" "$dir/spec.json" $((N * 10)))
m=$(t_api /metrics)
inj=$(awk '/^chaosd_inject_seconds_sum/ {s=$2} /^chaosd_inject_seconds_count/ {c=$2} END {printf "%.3f", s/c*1000}' <<<"$m")
rev=$(awk '/^chaosd_revert_seconds_sum/ {s=$2} /^chaosd_revert_seconds_count/ {c=$2} END {printf "%.3f", s/c*1000}' <<<"$m")
inside_ns=$(awk -v a="$inj" -v b="$rev" 'BEGIN {printf "%d", (a+b)*1e6}')
echo "| tbf inject+revert on a container's eth0: curl → chaosd API (POST + DELETE, journalled, verified) (N=$N) | $(ms $api_ns) | $(ms $tc_ns) \`nsenter -t PID -n tc qdisc add/del\` | **$(ratio $tc_ns $api_ns)** |"
[ -n "$c_ns" ] && echo "| ↳ the same from a C client (POST + DELETE over the Unix socket, N=$((N * 10))) | $(ms $c_ns) | $(ms $tc_ns) | **$(ratio $tc_ns $c_ns)** |"
echo "| ↳ inside the daemon: apply+verify + revert over netlink | $inj ms + $rev ms | $(ms $tc_ns) | **$(ratio $tc_ns $inside_ns)** |"

# ---- NS network namespaces ----
# Each namespace's process in a cgroup of its own: chaosd treats one cgroup
# as one target (and refuses a second fault of a kind on it).
cgbase=/sys/fs/cgroup/freezer
[ -d $cgbase ] || cgbase=/sys/fs/cgroup
pids=()
for i in $(seq $NS); do
        n=cbn$$-$i
        ip netns add $n && ip -n $n link add v0 type veth peer name v1 && ip -n $n link set v0 up || break
        t_cleanup "ip netns del $n"
        mkdir -p $cgbase/$n
        t_cleanup "rmdir $cgbase/$n"
        ip netns exec $n sleep 100000 &
        pids+=($!)
        t_cleanup "kill ${pids[-1]}; wait ${pids[-1]}"
        echo ${pids[-1]} >$cgbase/$n/cgroup.procs
done
sleep 0.5
CPID=$CHAOSD_PID
rss0=$(awk '/VmRSS/ {print $2}' /proc/$CPID/status)
for p in "${pids[@]}"; do spec $p v0; done >"$dir/specs"
python3 "$dir/client.py" "$CHAOSD_SOCKET" post "$dir/specs" >"$dir/posted"
inj_total=$(tail -1 "$dir/posted")
head -n -1 "$dir/posted" | grep . >"$dir/ids"
rss1=$(awk '/VmRSS/ {print $2}' /proc/$CPID/status)
ok=0
for p in "${pids[@]}"; do [ "$(root_kind $p v0)" = "tbf c4a0:" ] && ok=$((ok + 1)); done
rev_total=$(python3 "$dir/client.py" "$CHAOSD_SOCKET" delete "$dir/ids")
hwm=$(awk '/VmHWM/ {print $2}' /proc/$CPID/status)
left=0
for p in "${pids[@]}"; do [ "$(root_kind $p v0)" = "tbf c4a0:" ] && left=$((left + 1)); done
# The same with nsenter + tc.
t0=$(now)
for p in "${pids[@]}"; do nsenter -t $p -n tc qdisc add dev v0 root handle 1: tbf rate 10mbit burst 32kb latency 400ms; done
tc_inj=$(( $(now) - t0 ))
t0=$(now)
for p in "${pids[@]}"; do nsenter -t $p -n tc qdisc del dev v0 root; done
tc_rev=$(( $(now) - t0 ))
n=${#pids[@]}
echo "network bench: $n namespaces; $ok had chaosd's tbf while injected, $left left after revert; RSS ${rss0} kB idle, ${rss1} kB with $n active, peak ${hwm} kB" >&2
s1() { awk -v n="$1" 'BEGIN {printf "%.1f s", n/1e9}'; }
echo "| $n network namespaces: inject all, then revert all (one client → chaosd API, sequential; $ok/$n verified in place, $left left after revert) | $(s1 $inj_total) + $(s1 $rev_total) | $(s1 $tc_inj) + $(s1 $tc_rev) nsenter+tc | **$(ratio $((tc_inj + tc_rev)) $((inj_total + rev_total)))** |"
echo "| ↳ chaosd RSS: idle / with $n experiments active / peak | $((rss0 / 1024)) / $((rss1 / 1024)) / $((hwm / 1024)) MiB | | |"

# ---- netem, in the kernel lane's VM (this host has no netem) ----
# tests/kernel/network.sh prints BENCH: rows measured inside the guest.
if [ "${NET_BENCH_VM:-1}" = 1 ] && command -v qemu-system-x86_64 >/dev/null; then
        echo "network bench: booting the kernel lane for the netem rows (~2 min)" >&2
        KERNEL_LANE_BENCH=1 "$(dirname "$0")/../tests/kernel/run.sh" network.sh 2>/dev/null | sed -n 's/^BENCH: //p'
fi
