#!/bin/bash
# The remote API: chaosd --listen with TLS 1.3 and mandatory client
# certificates. Certificates are made here with openssl (and certtool for
# an expired one with explicit past dates). Shown:
#  - no client certificate, one from another CA, and an expired one are each
#    refused during the handshake: the client (curl, then openssl s_client
#    sending a request right behind its Finished) never gets an HTTP answer,
#    chaosd logs two refused handshakes, and its own counters show that no
#    request was read (requests and auth refusals unchanged);
#  - TLS 1.2 is refused;
#  - the right certificate runs an experiment remotely (chaosctl --host),
#    observed on the container's freezer;
#  - chaosctl --hosts runs one spec on several hosts at once (a second
#    chaosd that sees a Podman container of the same name stands in for a
#    second machine) and aggregates the exit codes.
. "$(dirname "$0")/../lib.sh"
t_plan 14
. "$(dirname "$0")/../helpers/fleet_runtimes.sh"

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
command -v openssl >/dev/null || t_skip_all "openssl missing"
command -v certtool >/dev/null || t_skip_all "certtool (gnutls-bin) missing"
have_docker || t_skip_all "docker or $TEST_IMAGE missing (run tests/setup.sh)"

W=$(mktemp -d /tmp/chaosd-tls.XXXXXX)
t_cleanup rm -rf "$W"
C=$W/certs; mkdir -p "$C"
mkca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" -out "$C/$1.pem" \
                -days 2 -subj "/CN=$1" 2>/dev/null; }
mkcert() { # NAME CA SAN EKU
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" -out "$C/$1.csr" \
                -subj "/CN=$1" 2>/dev/null
        printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$3" "$4" >"$C/$1.ext"
        openssl x509 -req -in "$C/$1.csr" -CA "$C/$2.pem" -CAkey "$C/$2.key" -CAcreateserial -days 2 \
                -extfile "$C/$1.ext" -out "$C/$1.pem" 2>/dev/null
}
mkca ca && mkca otherca && mkcert server ca "IP:127.0.0.1,DNS:localhost" serverAuth &&
        mkcert client ca "DNS:client" clientAuth && mkcert foreign otherca "DNS:foreign" clientAuth ||
        { t_fail certs "openssl failed"; exit 1; }
certtool --generate-privkey --key-type ecdsa --outfile "$C/expired.key" 2>/dev/null
printf 'cn = "expired"\nactivation_date = "2020-01-01 00:00:00"\nexpiration_date = "2020-01-02 00:00:00"\ntls_www_client\n' >"$C/expired.tmpl"
certtool --generate-certificate --load-privkey "$C/expired.key" --load-ca-certificate "$C/ca.pem" \
        --load-ca-privkey "$C/ca.key" --template "$C/expired.tmpl" --outfile "$C/expired.pem" >/dev/null 2>&1 ||
        { t_fail certs "certtool failed"; exit 1; }
echo "  expired client certificate: $(openssl x509 -in "$C/expired.pem" -noout -enddate), issuer $(openssl x509 -in "$C/expired.pem" -noout -issuer)"

PORT=$((20000 + RANDOM % 20000))
HOST=https://127.0.0.1:$PORT
t_start_chaosd "$W/chaosd" --listen 127.0.0.1:$PORT --tls-cert "$C/server.pem" --tls-key "$C/server.key" \
        --tls-client-ca "$C/ca.pem" || { t_fail chaosd-start "chaosd --listen did not come up: $(tail -3 "$W/chaosd/chaosd.log")"; exit 1; }
t_wait 5 curl -sf --cert "$C/client.pem" --key "$C/client.key" --cacert "$C/ca.pem" "$HOST/v1/health" ||
        { t_fail listen "no TLS answer on $HOST"; exit 1; }
metric() { echo "$1" | awk -v m="$2" '$1 == m {print $2}'; }
REQ='chaosd_http_requests_total'; AUTH='chaosd_errors_total{cause="unauthorized"}'

# A refused client: no HTTP answer at all, and chaosd read no request.
refused() { # NAME curl-cert-args...
        local name=$1; shift
        local r0 a0 r1 a1 body rc s m l0 l1
        m=$(t_api /metrics); r0=$(metric "$m" "$REQ"); a0=$(metric "$m" "$AUTH")
        l0=$(grep -c 'TLS handshake refused' "$W/chaosd/chaosd.log")
        body=$(curl -sS --max-time 10 --cacert "$C/ca.pem" "$@" -w 'HTTP=%{http_code}' "$HOST/v1/experiments" 2>"$W/curl.err"); rc=$?
        s=$(printf 'GET /v1/experiments HTTP/1.1\r\nHost: x\r\n\r\n' | timeout 10 openssl s_client -connect 127.0.0.1:$PORT \
                -tls1_3 -CAfile "$C/ca.pem" $(echo "$@" | sed 's/--cert/-cert/; s/--key/-key/') -ign_eof 2>&1 |
                grep -cE '^HTTP/1')
        m=$(t_api /metrics); r1=$(metric "$m" "$REQ"); a1=$(metric "$m" "$AUTH")
        l1=$(grep -c 'TLS handshake refused' "$W/chaosd/chaosd.log")
        # the two metric reads are themselves requests: +1 between them
        echo "  $name: curl rc=$rc ($(head -c 120 "$W/curl.err")), body '$body'; openssl s_client HTTP lines: $s;" \
             "chaosd requests $r0 -> $r1 (the second metrics read itself is the 1), auth refusals $a0 -> $a1," \
             "handshakes refused in chaosd's log: +$((l1 - l0))"
        if [ "$rc" != 0 ] && [ "$body" = "HTTP=000" ] && [ "$s" = 0 ] && [ $((r1 - r0)) = 1 ] && [ "$a1" = "$a0" ] &&
           [ $((l1 - l0)) = 2 ]; then
                t_pass "$name: refused in the handshake, no request read"
        else
                t_fail "$name: refused in the handshake" "rc=$rc body=$body http-lines=$s req $r0->$r1 auth $a0->$a1"
        fi
}
refused "no client certificate"
refused "certificate from another CA" --cert "$C/foreign.pem" --key "$C/foreign.key"
refused "expired certificate" --cert "$C/expired.pem" --key "$C/expired.key"

out=$(curl -sS --max-time 10 --tls-max 1.2 --cert "$C/client.pem" --key "$C/client.key" --cacert "$C/ca.pem" "$HOST/v1/health" 2>&1); rc=$?
echo "  TLS 1.2 client: rc=$rc $out"
[ "$rc" != 0 ] && t_pass "TLS 1.2 is refused (TLS 1.3 only)" || t_fail "TLS 1.2 refused" "$out"
v=$(curl -sS -o /dev/null -w '%{http_code}' --cert "$C/client.pem" --key "$C/client.key" --cacert "$C/ca.pem" "$HOST/v1/health")
[ "$v" = 200 ] && t_pass "the right certificate gets answers (GET /v1/health: $v)" || t_fail "right certificate" "$v"

# An experiment run remotely with chaosctl, observed on the container.
c=tls-target-$$
t_container "$c" "$TEST_IMAGE" sleep 3600 || { t_fail docker-run "$c"; exit 1; }
ff=$(t_freezer_file "$c")
printf '{"name":"remote","target":{"container":"%s"},"duration":"3s","faults":[{"type":"pause"}]}\n' "$c" >"$W/spec.json"
REMOTE=(--cert "$C/client.pem" --key "$C/client.key" --cacert "$C/ca.pem")
"$CHAOSCTL" --host "$HOST" "${REMOTE[@]}" run "$W/spec.json" >"$W/run.out" 2>&1; rc=$?
id=$(head -1 "$W/run.out"); during=$(cat "$ff")
echo "  chaosctl --host $HOST run: rc=$rc id=$id; freezer.state during: $during"
[ "$rc" = 0 ] && [ "$during" = FROZEN ] && t_pass "chaosctl --host runs an experiment remotely (container FROZEN)" ||
        t_fail "remote run" "rc=$rc $(cat "$W/run.out") freezer=$during"
"$CHAOSCTL" --host "$HOST" "${REMOTE[@]}" get "$id" >"$W/get.out" 2>&1 && grep -q "$c" "$W/get.out" &&
        t_pass "chaosctl --host get lists the resolved target" || t_fail "remote get" "$(cat "$W/get.out")"
t_wait 8 sh -c "[ \$(cat $ff) = THAWED ]" && t_pass "thawed at the deadline" || t_fail "thawed" "$(cat "$ff")"
"$CHAOSCTL" --host "$HOST" --cert "$C/foreign.pem" --key "$C/foreign.key" --cacert "$C/ca.pem" ls >"$W/f.out" 2>&1; rc=$?
echo "  chaosctl with the foreign certificate: rc=$rc $(cat "$W/f.out")"
[ "$rc" != 0 ] && t_pass "chaosctl with a foreign certificate fails (rc=$rc)" || t_fail "foreign chaosctl" "$(cat "$W/f.out")"

# One spec on several hosts at once. The second "host" is a second chaosd
# on another port that sees another world: no Docker, and a Podman
# container of the same name (found in libpod's state) — as if the same
# service ran on two machines. Then a host that is down.
if ! have_podman; then
        t_skip_all "podman not installed: no second container world for a second host"
fi
fleet_podman_run "$c" -- sleep 3600 || { t_fail podman-run "$c"; exit 1; }
pff=$(fleet_freezer_of "$($PODMAN inspect -f '{{.State.Pid}}' "$c")")
PORT2=$((PORT + 1))
DOCKER_HOST=unix://$W/no-docker.sock CONTAINER_HOST=unix://$W/no-podman.sock \
"$CHAOSD" --socket "$W/c2.sock" --state-dir "$W/c2" --listen 127.0.0.1:$PORT2 --tls-cert "$C/server.pem" \
        --tls-key "$C/server.key" --tls-client-ca "$C/ca.pem" 2>>"$W/c2.log" &
P2=$!
t_cleanup "kill -TERM $P2; sleep 0.3; kill -KILL $P2"
t_wait 5 curl -sf --unix-socket "$W/c2.sock" http://c/v1/health
printf '%s\n# the second daemon\n%s\n' "$HOST" "https://127.0.0.1:$PORT2" >"$W/hosts"
"$CHAOSCTL" --hosts "$W/hosts" "${REMOTE[@]}" run --wait "$W/spec.json" >"$W/fan.out" 2>&1 &
FAN=$!
t_wait 5 sh -c "[ \$(cat $ff) = FROZEN ] && [ \$(cat $pff) = FROZEN ]"; both="docker $(cat "$ff"), podman $(cat "$pff")"
wait $FAN; rc=$?
after="docker $(cat "$ff"), podman $(cat "$pff")"
echo "  while --hosts ran: $both; after: $after"
[ "$after" = "docker THAWED, podman THAWED" ] && t_pass "--hosts: both thawed when run --wait returned" || t_fail "--hosts thawed" "$after"
case $both in "docker FROZEN, podman FROZEN") t_pass "--hosts: the container on each host frozen at the same time" ;;
*) t_fail "--hosts both frozen" "$both" ;; esac
sed 's/^/    /' "$W/fan.out" | grep -v '\r' | tail -6
[ "$rc" = 0 ] && grep -q "2 hosts, 2 ok, 0 failed" "$W/fan.out" && t_pass "--hosts: both hosts ran the spec to completion, exit 0" ||
        t_fail "--hosts all ok" "rc=$rc"
# Both hosts at once: each experiment was created before the other ended
# (as the two daemons report them).
span() { # URL ID -> "created ended" in ms
        curl -s --cert "$C/client.pem" --key "$C/client.key" --cacert "$C/ca.pem" "$1/v1/experiments/$2" |
                python3 -c 'import json,sys,datetime as d
j=json.load(sys.stdin); f=lambda s: int(d.datetime.strptime(s,"%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=d.timezone.utc).timestamp()*1000)
print(f(j["created_at"]), f(j["ended_at"]))'
}
id1=$(awk -v h="== $HOST" '$0 == h {getline; print; exit}' "$W/fan.out")
id2=$(awk -v h="== https://127.0.0.1:$PORT2" '$0 == h {getline; print; exit}' "$W/fan.out")
read -r c1 e1 <<<"$(span "$HOST" "$id1")"; read -r c2 e2 <<<"$(span "https://127.0.0.1:$PORT2" "$id2")"
echo "  host 1 experiment $id1: $c1..$e1 ms; host 2 experiment $id2: $c2..$e2 ms"
[ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" -lt "$e2" ] && [ "$c2" -lt "$e1" ] &&
        t_pass "--hosts runs the hosts concurrently (the two experiments overlap)" || t_fail "--hosts concurrent" "$c1..$e1 / $c2..$e2"
printf '%s\nhttps://127.0.0.1:%s\n' "$HOST" "$((PORT + 2))" >"$W/hosts2"
"$CHAOSCTL" --hosts "$W/hosts2" "${REMOTE[@]}" run --wait "$W/spec.json" >"$W/fan2.out" 2>&1; rc=$?
grep -A3 summary "$W/fan2.out" | sed 's/^/    /'
[ "$rc" = 3 ] && grep -q "2 hosts, 1 ok, 1 failed" "$W/fan2.out" &&
        t_pass "--hosts with one host down: aggregated exit 3 (unreachable), the other host ok" || t_fail "--hosts aggregate" "rc=$rc"
[ $T_FAILED = 0 ]
