#!/bin/bash
# A network fault holds its namespace. A pid target in a named netns (kept
# alive by `ip netns add`, as a pod's pause container keeps a pod's): when the
# target process exits mid-experiment the revert still reaches the namespace
# (through the fd taken at apply) and `tc -j` there shows the prior tree; when
# chaosd was SIGKILLed (with its warden) and the target exited meanwhile, the
# restarted chaosd finds the namespace by its journalled inode and reverts.
# Also: a fault without "interface" reaches all 20 interfaces of a namespace
# (no silent cap at 16), and the host-namespace guard compares with PID 1's
# namespace, not chaosd's own (chaosd in a namespace of its own, as in a
# DaemonSet without hostNetwork).
. "$(dirname "$0")/../lib.sh"
t_plan 4

[ "$(id -u)" = 0 ] || { t_skip_all "needs root"; }
command -v ip >/dev/null && command -v tc >/dev/null || { t_skip_all "needs iproute2"; }
NS=chaosd-integrity-ns
NS20=chaosd-integrity-ifs
dir=$(mktemp -d /tmp/chaosd-integrity-netns.XXXXXX)
t_cleanup rm -rf "$dir"
ip netns del $NS 2>/dev/null; ip netns del $NS20 2>/dev/null
ip netns add $NS && t_cleanup ip netns del $NS
ip -n $NS link add ci0 type veth peer name ci1 && ip -n $NS link set ci0 up && ip -n $NS link set ci1 up
# The namespace's own root qdisc, which the fault must give back.
ip netns exec $NS tc qdisc add dev ci0 root handle 1: tbf rate 1gbit burst 256kb latency 50ms ||
        { t_fail netns "cannot set up the prior tbf"; exit 1; }
qd() { ip netns exec $NS tc -j qdisc show dev ci0; }
BEFORE=$(qd)
# Each case starts from the prior tree, whatever the one before left.
reset() {
        [ "$(qd)" = "$BEFORE" ] && return
        ip netns exec $NS tc qdisc del dev ci0 root
        ip netns exec $NS tc qdisc add dev ci0 root handle 1: tbf rate 1gbit burst 256kb latency 50ms
}
t_start_chaosd "$dir" || { t_fail netns "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
spec() { echo "{\"name\":\"integrity-netns\",\"target\":{\"pid\":$1},\"duration\":\"$2\",\"faults\":[{\"type\":\"bandwidth\",\"rate\":\"5mbit\",\"interface\":\"ci0\"}]}"; }
victim() { ip netns exec $NS "$VICTIM" sleep 1000 & V=$!; t_cleanup "kill -KILL $V"; t_wait 3 test "$(readlink /proc/$V/ns/net)" = "$(ip netns exec $NS readlink /proc/self/ns/net)"; }
ended() { local s; s=$(t_api /v1/experiments/$1 | json_get '["state"]'); [ "$s" != running ] && [ "$s" != starting ]; }

# --- the target exits, the namespace lives on: revert through the held fd --
victim
id=$(t_api -X POST -d "$(spec $V 60s)" /v1/experiments | json_get '["id"]')
applied=$(ip netns exec $NS tc qdisc show dev ci0 root)
kill -KILL $V; wait $V 2>/dev/null
t_wait 5 ended "$id"
st=$(t_api /v1/experiments/$id | json_get '["state"]')
if echo "$applied" | grep -q 'tbf c4a0: root' && [ "$st" != running ] && [ "$(qd)" = "$BEFORE" ]; then
        t_pass "target exited mid-experiment (state $st): the namespace's own tbf back exactly (tc -j identical)"
else
        t_fail "target exit" "applied=$applied state=$st before=$BEFORE after=$(qd)"
fi

# --- SIGKILL of chaosd, then the target exits: reconcile finds the inode ----
reset
victim
id=$(t_api -X POST -d "$(spec $V 60s)" /v1/experiments | json_get '["id"]')
applied=$(ip netns exec $NS tc qdisc show dev ci0 root)
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
kill -KILL $V; wait $V 2>/dev/null
held=$(ip netns exec $NS tc qdisc show dev ci0 root)
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID; sleep 0.3; kill -KILL $CHAOSD_PID"
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
t_wait 5 ended "$id"
st=$(t_api /v1/experiments/$id | json_get '["state"]')
if echo "$applied" | grep -q 'tbf c4a0: root' && echo "$held" | grep -q 'c4a0:' && [ "$(qd)" = "$BEFORE" ]; then
        t_pass "SIGKILL of chaosd and its warden, then the target exited: the restarted chaosd (state $st) found the namespace by inode and restored its tbf exactly"
else
        t_fail "restart after target exit" "applied=$applied held=$held state=$st after=$(qd)"
fi

# --- 20 interfaces, no interface named: every one carries the fault --------
ip netns add $NS20 && t_cleanup ip netns del $NS20
for i in $(seq 0 9); do
        ip -n $NS20 link add cia$i type veth peer name cib$i && ip -n $NS20 link set cia$i up && ip -n $NS20 link set cib$i up
done
count() { ip netns exec $NS20 tc -j qdisc show | python3 -c 'import json,sys; print(sum(1 for q in json.load(sys.stdin) if q.get("root") and q["handle"]=="c4a0:"))'; }
ip netns exec $NS20 "$VICTIM" sleep 1000 & V20=$!
t_cleanup "kill -KILL $V20"
sleep 0.3
B20=$(ip netns exec $NS20 tc -j qdisc show)
out=$(t_api -X POST -d "{\"name\":\"integrity-ifs\",\"target\":{\"pid\":$V20},\"duration\":\"60s\",\"faults\":[{\"type\":\"bandwidth\",\"rate\":\"5mbit\"}]}" /v1/experiments)
id=$(echo "$out" | json_get '["id"]' 2>/dev/null)
n=$(count)
t_api -X DELETE /v1/experiments/$id >/dev/null
if [ "$n" = 20 ] && [ "$(count)" = 0 ] && [ "$(ip netns exec $NS20 tc -j qdisc show)" = "$B20" ]; then
        t_pass "bandwidth without \"interface\" in a namespace of 20 veths: 20 root tbf c4a0: (tc -j), all gone after stop"
else
        t_fail "20 interfaces" "carrying the fault: $n of 20; after stop: $(count); out=$out"
fi

# --- the host's namespace is PID 1's, not chaosd's ---------------------------
if ! stat -L /proc/1/ns/net >/dev/null 2>&1; then
        t_skip "host netns guard" "PID 1's network namespace cannot be read here (/proc/1/ns/net: permission denied): the kernel lane runs it"
elif [ "$(stat -L -c %i /proc/1/ns/net)" != "$(stat -L -c %i /proc/self/ns/net)" ]; then
        t_skip "host netns guard" "this script does not run in PID 1's network namespace"
else
        # chaosd in a namespace of its own, the victim in the host's.
        kill -TERM $CHAOSD_PID; wait $CHAOSD_PID 2>/dev/null
        unshare --net -- "$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
        t_cleanup "kill -TERM $CHAOSD_PID; sleep 0.3; kill -KILL $CHAOSD_PID"
        t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
        "$VICTIM" sleep 1000 & VH=$!
        t_cleanup "kill -KILL $VH"
        HB=$(tc -j qdisc show)
        # netem: on a kernel without it a missed guard fails at the first
        # interface without changing it; the guard must speak first.
        out=$(t_api -X POST -d "{\"name\":\"integrity-host\",\"target\":{\"pid\":$VH},\"duration\":\"5s\",\"faults\":[{\"type\":\"network\",\"delay\":\"100ms\"}]}" /v1/experiments)
        if echo "$out" | grep -q "host's network namespace (PID 1's)" && [ "$(tc -j qdisc show)" = "$HB" ]; then
                t_pass "chaosd in its own netns, target in PID 1's: refused (\"$(echo "$out" | json_get '["error"]')\"), host qdiscs unchanged"
        else
                t_fail "host netns guard" "out=$out"
        fi
fi
exit $T_FAILED
