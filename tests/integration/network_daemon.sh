#!/bin/bash
# Network faults end to end through chaosd's API on a real Docker container
# (host kernel: tbf, ifb, htb, u32 are here; netem, prio and gact are not):
# bandwidth run/get/stop with the container's own root qdisc back exactly,
# the missing-netem error with nothing left behind, a second fault on the
# same interface refused, and SIGKILL of the daemon mid-fault: resumed on
# restart, reverted by `stop`; `--recover` reverts regardless.
. "$(dirname "$0")/../lib.sh"
t_plan 6

have_docker || t_skip_all "dockerd or image $TEST_IMAGE missing"
[ -x "$CHAOSD" ] || { t_fail network-daemon "no $CHAOSD"; exit 1; }
dir=$(mktemp -d /tmp/chaosd-net-it.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail network-daemon "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
C=chaosd-it-net-$$
t_container $C "$TEST_IMAGE" sleep 100000
PID=$(docker inspect -f '{{.State.Pid}}' $C)
# The container's own root qdisc, which every fault must give back.
nsenter -t $PID -n tc qdisc add dev eth0 root handle 1: tbf rate 1gbit burst 256kb latency 50ms ||
        { t_fail network-daemon "cannot set up the container's tbf"; exit 1; }
qd() { nsenter -t $PID -n tc -j qdisc show dev eth0; nsenter -t $PID -n tc -j filter show dev eth0 ingress; nsenter -t $PID -n ip -br link show type ifb; }
BEFORE=$(qd)
spec() { echo "{\"name\":\"it-net\",\"target\":{\"container\":\"$C\"},\"duration\":\"$1\",\"faults\":[$2]}"; }
BW='{"type":"bandwidth","rate":"5mbit","direction":"both"}'

# --- run / get / stop --------------------------------------------------------
out=$(t_api -X POST -d "$(spec 60s "$BW")" /v1/experiments)
id=$(echo "$out" | json_get '["id"]')
st=$(echo "$out" | json_get '["state"]')
rb=$(t_api /v1/experiments/$id | json_get '["faults"][0]["readback"]')
now=$(nsenter -t $PID -n tc qdisc show dev eth0 | tr '\n' ';')
if [ "$st" = running ] && echo "$now" | grep -q 'qdisc tbf c4a0: root' && echo "$now" | grep -q 'qdisc tbf 1: parent c4a0:1' &&
        echo "$rb" | grep -q "'rate_Bps': 625000" && echo "$rb" | grep -q "'ifb': 'c4a0ifb"; then
        t_pass "bandwidth via API: running; eth0 '$now'; get shows $rb"
else
        t_fail "bandwidth run" "state=$st tc=$now readback=$rb"
fi
t_api -X DELETE /v1/experiments/$id >/dev/null
[ "$(qd)" = "$BEFORE" ] && t_pass "bandwidth stop: the container's tbf back, no ifb, no ingress filters (tc -j identical)" ||
        t_fail "bandwidth stop" "before=$BEFORE after=$(qd)"

# --- no netem on this kernel ------------------------------------------------
out=$(t_api -X POST -d "$(spec 60s '{"type":"network","delay":"100ms","peers":["10.0.0.0/8"]}')" /v1/experiments)
st=$(echo "$out" | json_get '["experiment"]["state"]' 2>/dev/null || echo "$out" | json_get '["state"]')
err=$(echo "$out" | json_get '["error"]' 2>/dev/null)
if echo "$err" | grep -q CONFIG_NET_SCH_NETEM && [ "$(qd)" = "$BEFORE" ]; then
        t_pass "network (netem) on a kernel without it: failed with \"$err\", container's qdiscs unchanged"
else
        t_fail "missing netem" "state=$st error=$err tc=$(qd)"
fi

# --- a second fault on the same interface ----------------------------------
id=$(t_api -X POST -d "$(spec 60s "$BW")" /v1/experiments | json_get '["id"]')
out=$(t_api -X POST -d "{\"name\":\"it-net-2\",\"target\":{\"pid\":$PID},\"duration\":\"60s\",\"faults\":[{\"type\":\"network\",\"loss\":\"5%\"}]}" /v1/experiments)
err=$(echo "$out" | json_get '["error"]' 2>/dev/null)
now=$(nsenter -t $PID -n tc qdisc show dev eth0 root)
if echo "$err" | grep -q "already carries" && echo "$now" | grep -q 'tbf c4a0:.*rate 5Mbit'; then
        t_pass "second network fault on eth0 refused (\"$err\"); the first intact"
else
        t_fail "second fault" "error=$err root=$now"
fi

# --- SIGKILL mid-fault: resumed after restart, then stopped -----------------
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
held=$(nsenter -t $PID -n tc qdisc show dev eth0 root)
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID"
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
sleep 0.5
st=$(t_api /v1/experiments/$id | json_get '["state"]')
mid=$(nsenter -t $PID -n tc qdisc show dev eth0 root)
t_api -X DELETE /v1/experiments/$id >/dev/null
if echo "$held" | grep -q 'c4a0:' && [ "$st" = running ] && echo "$mid" | grep -q 'c4a0:' && [ "$(qd)" = "$BEFORE" ]; then
        t_pass "SIGKILL of chaosd and its warden mid-fault: resumed on restart (state $st, root still c4a0:), stop restored the container's tbf exactly"
else
        t_fail "resume" "held=$held state=$st mid=$mid after=$(qd)"
fi

# --- --recover ----------------------------------------------------------------
t_api -X POST -d "$(spec 60s "$BW")" /v1/experiments >/dev/null
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
"$CHAOSD" --recover --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" >/dev/null 2>>"$dir/chaosd.log"
[ "$(qd)" = "$BEFORE" ] && t_pass "chaosd --recover after SIGKILL: ifb gone, the container's tbf back exactly" ||
        t_fail "--recover" "after=$(qd)"
exit $T_FAILED
