#!/bin/bash
# The daemon's probe engine against a scriptable HTTP server on loopback
# (python3 http.server, status and body read from files per request) and a
# listener that never answers; the target is a freezer cgroup this test
# makes. Each verdict and its evidence is checked, and the daemon must keep
# answering its API while a probe hangs (the probes never block the loop).
. "$(dirname "$0")/../lib.sh"
t_plan 7

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
[ -x "$CHAOSD" ] || { t_fail probes-http "no $CHAOSD"; exit 1; }
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then BASE=/sys/fs/cgroup; else BASE=/sys/fs/cgroup/freezer; fi
[ -d "$BASE" ] || t_skip_all "no freezer hierarchy"
dir=$(mktemp -d /tmp/chaosd-ph.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail probes-http "chaosd did not answer"; exit 1; }
CG=chaosd-ph-$$
mkdir "$BASE/$CG"
sleep 600 &
SLEEPER=$!
echo $SLEEPER >"$BASE/$CG/cgroup.procs"
t_cleanup "kill -KILL $SLEEPER; sleep 0.2; rmdir $BASE/$CG"

# --- the servers ----------------------------------------------------------------
# The server is the observer: it logs every connection and request it
# served ("PATH STATUS FREEZER" in $dir/hits), with the target cgroup's
# freezer state as the kernel reports it at that moment, so a verdict is
# checked against what really reached the server and when.
if [ "$BASE" = /sys/fs/cgroup ]; then FRZ=$BASE/$CG/cgroup.events; else FRZ=$BASE/$CG/freezer.state; fi
cat >"$dir/server.py" <<'PY'
import http.server, os, socket, sys, threading, time
d, frz = sys.argv[1], sys.argv[2]
lock = threading.Lock()
seq = {}
def frozen():
    try:
        t = open(frz).read()
    except OSError:
        return "gone"
    return "FROZEN" if ("frozen 1" in t or t.strip() == "FROZEN") else "THAWED"
def hit(what, code):
    with lock, open(os.path.join(d, "hits"), "a") as f:
        f.write("%s %s %s %.3f\n" % (what, code, frozen(), time.time()))
class H(http.server.BaseHTTPRequestHandler):
    def setup(self):
        super().setup()
        hit("conn", "-")
    def do_GET(self):
        code = int(open(os.path.join(d, "status")).read())
        if self.path.startswith("/seq/"):
            # Its own script, by request count, not by the test's clock:
            # requests 3 to 6 fail with 503, the others pass.
            with lock:
                seq[self.path] = seq.get(self.path, 0) + 1
                code = 503 if 3 <= seq[self.path] <= 6 else 200
        body = open(os.path.join(d, "body"), "rb").read()
        hit(self.path, code)
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
# A second socket that listens and never accepts: connects, never answers.
mute = socket.socket(); mute.bind(("127.0.0.1", 0)); mute.listen(16)
# A third that answers and then keeps the connection open, whatever the
# client asked: the probe must judge by Content-Length, not wait for EOF.
sticky = socket.socket(); sticky.bind(("127.0.0.1", 0)); sticky.listen(16)
held = []
def serve_sticky():
    while True:
        c, _ = sticky.accept()
        c.recv(4096)
        hit("sticky", 200)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready")
        held.append(c)
threading.Thread(target=serve_sticky, daemon=True).start()
open(os.path.join(d, "ports"), "w").write("%d %d %d\n" % (s.server_address[1], mute.getsockname()[1],
                                                          sticky.getsockname()[1]))
s.serve_forever()
PY
echo 200 >"$dir/status"; echo ready >"$dir/body"
python3 "$dir/server.py" "$dir" "$FRZ" &
SERVER=$!
t_cleanup "kill $SERVER"
t_wait 5 test -s "$dir/ports" || { t_fail probes-http "test server did not start"; exit 1; }
read -r PORT MUTE STICKY <"$dir/ports"
URL=http://127.0.0.1:$PORT
spec() { # spec NAME DURATION PROBES_JSON
        echo "{\"name\":\"$1\",\"target\":{\"cgroup\":\"/$CG\"},\"duration\":\"$2\",\"faults\":[{\"type\":\"pause\"}],\"probes\":$3}"
}
run_until_end() { # run_until_end SPEC -> prints the final record
        local id st out
        out=$(t_api -X POST -d "$1" /v1/experiments)
        id=$(echo "$out" | json_get '.get("id", "")' 2>/dev/null)
        [ -n "$id" ] || { echo "$out"; return; }
        for _ in $(seq 1 200); do
                st=$(t_api "/v1/experiments/$id" | json_get '["state"] if v.get("probes_done") else "wait"' 2>/dev/null)
                case $st in completed|aborted|failed|stopped) break;; esac
                sleep 0.1
        done
        t_api "/v1/experiments/$id"
}
field() { json_get "$1"; }  # field PY_INDEX < record
# hits WHAT [STATUS [FREEZER]]: requests the server logged for WHAT (a path,
# "conn" or "sticky"), only those answered STATUS / seen with FREEZER
hits() { awk -v w="$1" -v c="${2:-}" -v z="${3:-}" '$1 == w && (c == "" || $2 == c) && (z == "" || $3 == z)' "$dir/hits" 2>/dev/null | wc -l; }

# a. wrong status, before: aborted, nothing injected
echo 404 >"$dir/status"
rec=$(run_until_end "$(spec ph-404 5s "[{\"name\":\"p\",\"http\":{\"url\":\"$URL/x\"},\"phase\":\"before\"}]")")
ev=$(echo "$rec" | field '["probes"][0]["evidence"]')
att=$(echo "$rec" | field '["probes"][0]["attempts"]')
# The server answered 404 to every attempt chaosd counts, the target
# not frozen at any of them.
[ "$(echo "$rec" | field '["state"]')" = aborted ] && echo "$ev" | grep -q "HTTP 404, expected 200" \
        && [ "$(echo "$rec" | field '["faults"][0]["state"]')" = pending ] \
        && [ "$(hits /x 404 THAWED)" -ge 1 ] && [ "$(hits /x)" = "$att" ] && [ "$(hits /x 404 THAWED)" = "$att" ] \
        && t_pass "before probe, wrong status: aborted, nothing injected; the server answered 404 to all $att attempt(s), the cgroup THAWED ($ev)" \
        || t_fail "status" "$ev; server: $(hits /x) request(s) to /x, $(hits /x 404 THAWED) answered 404 while thawed; chaosd counted $att"

# b. body substring missing
echo 200 >"$dir/status"; echo starting >"$dir/body"
rec=$(run_until_end "$(spec ph-body 5s "[{\"name\":\"p\",\"http\":{\"url\":\"$URL/\",\"body_contains\":\"ready\"},\"phase\":\"before\"}]")")
ev=$(echo "$rec" | field '["probes"][0]["evidence"]')
echo "$ev" | grep -q 'HTTP 200 but the body lacks "ready"' && [ "$(hits / 200)" -ge 1 ] \
        && t_pass "body_contains: $ev (the server served $(hits / 200) request(s))" || t_fail "body" "$ev; server: $(hits / 200) request(s)"

# c. a failing during probe without abort_on_failure: recorded, the run goes
# on (the server fails requests 3 to 6 of /seq/during, then passes again)
echo ready >"$dir/body"
id=$(t_api -X POST -d "$(spec ph-during 3s "[{\"name\":\"p\",\"http\":{\"url\":\"$URL/seq/during\",\"timeout\":\"200ms\"},\"interval\":\"200ms\",\"failure_threshold\":2,\"phase\":\"during\"}]")" /v1/experiments | json_get '["id"]')
for _ in $(seq 1 50); do [ "$(t_api "/v1/experiments/$id" | field '["state"]')" = completed ] && break; sleep 0.1; done
rec=$(t_api "/v1/experiments/$id")
echo "  during, no abort: $(echo "$rec" | field '["probes"][0]["phases"]') attempts=$(echo "$rec" | field '["probes"][0]["attempts"]') failures=$(echo "$rec" | field '["probes"][0]["failures"]')"
[ "$(echo "$rec" | field '["state"]')" = completed ] && [ "$(echo "$rec" | field '["probes"][0]["phases"]["during"]')" = failed ] \
        && t_api /v1/events | grep "\"$id\"" | grep -q 'passes again' \
        && [ "$(hits /seq/during 503 FROZEN)" = 4 ] && [ "$(echo "$rec" | field '["probes"][0]["failures"]')" = 4 ] \
        && [ "$(hits /seq/during 200 FROZEN)" -ge 3 ] && [ "$(hits /seq/during)" = "$(echo "$rec" | field '["probes"][0]["attempts"]')" ] \
        && t_pass "during probe without abort: failure recorded and announced, recovery announced, experiment completed (server: $(hits /seq/during 503 FROZEN) answered 503 and $(hits /seq/during 200 FROZEN) 200 while the cgroup was FROZEN)" \
        || t_fail "during no abort" "server: $(hits /seq/during 503 FROZEN) 503 and $(hits /seq/during 200 FROZEN) 200 while FROZEN; $rec"

# d. after probe failing: recorded after the revert
rec=$(run_until_end "$(spec ph-after 1s "[{\"name\":\"p\",\"http\":{\"url\":\"$URL/after\",\"expect_status\":204,\"timeout\":\"200ms\"},\"phase\":\"after\",\"failure_threshold\":2,\"interval\":\"200ms\"}]")")
[ "$(echo "$rec" | field '["state"]')" = completed ] && [ "$(echo "$rec" | field '["probes"][0]["phases"]["after"]')" = failed ] \
        && [ "$(echo "$rec" | field '["probes"][0]["attempts"]')" = 2 ] \
        && [ "$(hits /after)" = 2 ] && [ "$(hits /after 200 THAWED)" = 2 ] \
        && t_pass "after probe: failed verdict recorded after 2 attempts, both seen by the server after the revert (cgroup THAWED), probes_done true ($(echo "$rec" | field '["probes"][0]["evidence"]'))" \
        || t_fail "after" "server: $(hits /after) request(s), $(hits /after 200 THAWED) while thawed; $rec"

# e. tcp probe passes; f. a listener that never answers times out
conns=$(hits conn)
rec=$(run_until_end "$(spec ph-tcp 1s "[{\"name\":\"t\",\"tcp\":{\"address\":\"127.0.0.1:$PORT\"},\"phase\":[\"before\",\"after\"]}]")")
sleep 0.2 # the server logs a connection when its handler starts
[ "$(echo "$rec" | field '["probes"][0]["phases"]["before"]')" = passed ] && [ "$(echo "$rec" | field '["state"]')" = completed ] \
        && [ $(( $(hits conn) - conns )) -ge 2 ] \
        && t_pass "tcp probe passes before and after (the server accepted $(( $(hits conn) - conns )) connections)" \
        || t_fail "tcp" "server accepted $(( $(hits conn) - conns )) connections; $rec"
id=$(t_api -X POST -d "$(spec ph-mute 5s "[{\"name\":\"m\",\"http\":{\"url\":\"http://127.0.0.1:$MUTE/\",\"timeout\":\"3s\"},\"phase\":\"before\"}]")" /v1/experiments | json_get '["id"]')
# While that probe waits on a silent server, the API must answer at once.
worst=0
for _ in $(seq 1 10); do
        t=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$CHAOSD_SOCKET" http://x/v1/health)
        worst=$(python3 -c "print(max($worst, $t))")
        sleep 0.2
done
echo "  API latency while a probe hangs on a silent server: worst ${worst}s of 10 requests"
for _ in $(seq 1 60); do [ "$(t_api "/v1/experiments/$id" | field '["state"]')" = aborted ] && break; sleep 0.1; done
ev=$(t_api "/v1/experiments/$id" | field '["probes"][0]["evidence"]')
python3 -c "import sys; sys.exit(0 if $worst < 0.5 else 1)" && echo "$ev" | grep -q 'no answer from 127.0.0.1:[0-9]*: timed out after 3000 ms' \
        && t_pass "a hanging probe never blocks the daemon (worst API answer ${worst}s) and times out: $ev" \
        || t_fail "hang" "worst=$worst ev=$ev"

# g. a server that never closes: judged by Content-Length, well before the timeout
rec=$(run_until_end "$(spec ph-sticky 1s "[{\"name\":\"k\",\"http\":{\"url\":\"http://127.0.0.1:$STICKY/\",\"body_contains\":\"ready\",\"timeout\":\"3s\"},\"phase\":\"before\"}]")")
lat=$(echo "$rec" | field '["probes"][0]["last_latency_s"]')
[ "$(echo "$rec" | field '["probes"][0]["phases"]["before"]')" = passed ] && python3 -c "import sys; sys.exit(0 if $lat < 1 else 1)" \
        && [ "$(hits sticky)" -ge 1 ] \
        && t_pass "a keep-alive server that never closes: passed by Content-Length in ${lat}s (timeout 3 s)" \
        || t_fail "sticky server" "$rec"
exit $T_FAILED
