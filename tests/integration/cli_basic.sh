#!/bin/bash
# chaosctl end to end: local validation (exit 2 with the JSON path), usage
# errors, an unreachable daemon (exit 3), and against a private chaosd on a
# real busybox container: run/get/ls/stop of a pause experiment with the
# freezer state read from outside, run --wait (plain lines, progress line on
# a pty, exit codes of the end states, Ctrl-C stops), events (human, --json,
# --follow), --json output parsed by python3, and valgrind on the client.
. "$(dirname "$0")/../lib.sh"
t_plan 81

T=$(mktemp -d /tmp/chaosctl-basic.XXXXXX)
t_cleanup rm -rf "$T"
[ -x "$CHAOSCTL" ] || { t_fail cli-built "no $CHAOSCTL"; exit 1; }

# ctl ARGS...: run chaosctl, stdout in $T/out, stderr in $T/err, status in RC.
ctl() { "$CHAOSCTL" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
# expect NAME RC [STDERR-SUBSTRING] [STDOUT-SUBSTRING]: judge the last ctl.
expect() {
        local name=$1 rc=$2 err=${3:-} out=${4:-}
        if [ "$RC" != "$rc" ]; then
                t_fail "$name" "exit $RC, wanted $rc; stderr: $(head -c 400 "$T/err"); stdout: $(head -c 400 "$T/out")"
        elif [ -n "$err" ] && ! grep -qF -- "$err" "$T/err"; then
                t_fail "$name" "stderr lacks '$err': $(head -c 400 "$T/err")"
        elif [ -n "$out" ] && ! grep -qF -- "$out" "$T/out"; then
                t_fail "$name" "stdout lacks '$out': $(head -c 400 "$T/out")"
        else
                t_pass "$name"
        fi
}
# pyjson FILE EXPR: evaluate a python expression over the JSON in FILE (as j).
pyjson() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

spec() { # spec NAME TARGET-JSON DURATION
        echo "{\"name\":\"$1\",\"target\":$2,\"duration\":\"$3\",\"faults\":[{\"type\":\"pause\"}]}"
}

# --- validate, locally ----------------------------------------------------
spec cli-ok '{"pid":42}' 10s >"$T/ok.json"
echo '{"name":"x","target":{"pid":42},"duration":"1s","faults":[{"type":"pause","delay":"10 parsecs"}]}' >"$T/bad-key.json"
echo '{"name":"x","target":{"pid":42},"duration":"10 parsecs","faults":[{"type":"pause"}]}' >"$T/bad.json"

ctl validate "$T/ok.json"
expect validate-ok 0 "" "$T/ok.json: ok"
ctl validate "$T/bad.json"
expect validate-invalid 2 "chaosctl: $T/bad.json: \$.duration: \"10 parsecs\" is not a duration"
[ ! -s "$T/out" ] && t_pass validate-invalid-stdout || t_fail validate-invalid-stdout "an invalid spec printed on stdout: $(cat "$T/out")"
ctl validate "$T/bad-key.json"
expect validate-unknown-key 2 "$T/bad-key.json: \$.faults[0]"
"$CHAOSCTL" validate - <"$T/bad.json" >"$T/out" 2>"$T/err"; RC=$?
expect validate-stdin 2 "<stdin>: \$.duration"
"$CHAOSCTL" validate - <"$T/ok.json" >"$T/out" 2>"$T/err"; RC=$?
expect validate-stdin-ok 0 "" "<stdin>: ok"
ctl validate "$T/no-such.json"
expect validate-missing-file 2 "$T/no-such.json"
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big.json"
ctl validate "$T/big.json"
expect validate-too-big 2 "larger than the limit"

# The shared corpus of invalid specs: each rejected with exit 2 and the
# path its .path file names.
n=0 bad=0
for f in "$(dirname "$0")"/../data/bad-specs/*.json; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        want=$(cat "${f%.json}.path" 2>/dev/null || echo '$')
        "$CHAOSCTL" validate "$f" >/dev/null 2>"$T/err"; rc=$?
        if [ "$rc" != 2 ] || ! grep -qF -- "$f: $want" "$T/err"; then
                bad=$((bad + 1))
                echo "  $f: exit $rc, wanted 2 and '$want': $(cat "$T/err")"
        fi
done
if [ "$n" = 0 ]; then t_skip validate-bad-specs "tests/data/bad-specs is empty"
elif [ "$bad" = 0 ]; then t_pass "validate-bad-specs ($n specs)"
else t_fail validate-bad-specs "$bad of $n not rejected as expected"; fi

# --- usage errors -----------------------------------------------------------
ctl; expect usage-no-verb 2 "missing verb"
ctl frobnicate; expect usage-unknown-verb 2 "unknown verb 'frobnicate'"
ctl ls --frob; expect usage-unknown-option 2 "unknown option '--frob'"
ctl get; expect usage-get-no-id 2 "usage: chaosctl get ID"
ctl get 'a/../b'; expect usage-bad-id 2 "is not an experiment ID"
ctl run --help; expect verb-help 0 "" "Usage: chaosctl run FILE"
ctl --version; expect version 0 "" "chaosctl "

# --- daemon unreachable -----------------------------------------------------
ctl --socket "$T/missing.sock" run "$T/ok.json"
expect unreachable-run 3 "$T/missing.sock"
grep -qF "chaosd" "$T/err" && grep -qi "start" "$T/err" && t_pass unreachable-hint || t_fail unreachable-hint "no hint to start chaosd: $(cat "$T/err")"
CHAOSD_SOCKET=$T/missing.sock "$CHAOSCTL" ls >"$T/out" 2>"$T/err"; RC=$?
expect unreachable-env 3 "$T/missing.sock"
# A socket file nobody listens on (a daemon that died): ECONNREFUSED.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/dead.sock"
ctl --socket "$T/dead.sock" get abc
expect unreachable-refused 3 "Connection refused"
# An invalid spec is refused before the daemon is even looked for.
ctl --socket "$T/missing.sock" run "$T/bad.json"
expect run-invalid-offline 2 "\$.duration"

# --- against a real daemon --------------------------------------------------
if [ ! -x "$CHAOSD" ]; then t_skip_all "no $CHAOSD (daemon not built)"; fi
if [ "$(id -u)" != 0 ]; then t_skip_all "needs root"; fi
if ! have_docker; then t_skip_all "dockerd or image $TEST_IMAGE missing"; fi
if ! t_start_chaosd "$T/d" --max-duration 10m; then
        t_fail cli-daemon-start "chaosd did not answer: $(tail -5 "$T/d/chaosd.log")"
        exit 1
fi
C=cli-basic-$$
t_container $C "$TEST_IMAGE" sleep 3600 || { t_fail cli-container "docker run failed"; exit 1; }
FRZ=/sys/fs/cgroup/freezer/docker/$(docker inspect -f '{{.Id}}' $C)/freezer.state
[ -f "$FRZ" ] || t_skip_all "no cgroup v1 freezer file $FRZ"
frozen() { [ "$(cat "$FRZ")" = FROZEN ]; }
thawed() { [ "$(cat "$FRZ")" = THAWED ]; }
count() { "$CHAOSCTL" ls --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["experiments"]))'; }
# Bound every client call that waits, so a hang fails instead of blocking.
W="timeout 120"

spec cli-pause "{\"container\":\"$C\"}" 60s >"$T/pause60.json"
spec cli-short "{\"container\":\"$C\"}" 2s >"$T/pause2.json"

ctl ls; expect ls-empty 0 "" "no experiments"

# Not root and not in the socket's group: the socket cannot be opened.
if command -v setpriv >/dev/null; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$CHAOSCTL" ls >"$T/out" 2>"$T/err"; RC=$?
        expect unprivileged-refused 3 "Permission denied (run as root or as a member of the socket's group)"
else
        t_skip unprivileged-refused "no setpriv"
fi

# run (no --wait): prints the ID; the container is frozen when it returns.
ctl run "$T/pause60.json"
expect run-prints-id 0
ID=$(cat "$T/out")
if [[ $ID =~ ^[A-Za-z0-9._-]+$ ]]; then t_pass run-id-format; else t_fail run-id-format "not an ID: '$ID'"; fi
if frozen; then t_pass run-froze-container; else t_fail run-froze-container "freezer.state $(cat "$FRZ")"; fi

ctl get "$ID"
expect get-human 0 "" "State:     running"
for want in "ID:        $ID" "Name:      cli-pause" " left)" "container $C" "pause" "freezer.state=FROZEN"; do
        grep -qF -- "$want" "$T/out" && t_pass "get-human-fields: $want" || t_fail get-human-fields "no '$want' in: $(cat "$T/out")"
done
ctl get "${ID:0:6}"
expect get-id-prefix 0 "" "ID:        $ID"
ctl get --json "$ID"
expect get-json 0
r=$(pyjson "$T/out" '(j["id"], j["state"], j["faults"][0]["readback"]["freezer.state"], j["targets"][0]["container_name"], 0 < j["remaining_ms"] <= 60000)')
[ "$r" = "('$ID', 'running', 'FROZEN', '$C', True)" ] && t_pass get-json-fields || t_fail get-json-fields "$r"

ctl ls
expect ls-human 0 "" "$ID"
grep -F "$ID" "$T/out" | grep -q running && t_pass ls-human-state || t_fail ls-human-state "$(cat "$T/out")"
ctl --json ls
expect ls-json 0
r=$(pyjson "$T/out" '[(x["id"], x["state"], x["faults_active"]) for x in j["experiments"] if x["id"] == "'"$ID"'"]')
[ "$r" = "[('$ID', 'running', 1)]" ] && t_pass ls-json-fields || t_fail ls-json-fields "$r"

ctl stop "$ID"
expect stop 0 "" "$ID  cli-pause  stopped"
if thawed; then t_pass stop-thawed; else t_fail stop-thawed "freezer.state $(cat "$FRZ")"; fi
ctl get --json "$ID"
[ "$(pyjson "$T/out" 'j["state"]')" = stopped ] && t_pass get-after-stop || t_fail get-after-stop "$(cat "$T/out")"
ctl stop "$ID"
expect stop-again-shows-end 0 "" "stopped"
ctl get deadbeef0000; expect get-unknown 1 "deadbeef0000"
ctl stop deadbeef0000; expect stop-unknown 1 "deadbeef0000"

# run --wait, stdout not a terminal: state-change lines, report, exit 0.
$W "$CHAOSCTL" run --wait --report "$T/report.json" "$T/pause2.json" >"$T/out" 2>"$T/err"; RC=$?
expect run-wait-completed 0 "" "cli-short  completed"
if [ "$(sed -n 2p "$T/out")" = "cli-short  running" ] && ! grep -q $'\r' "$T/out"; then t_pass run-wait-plain-lines
else t_fail run-wait-plain-lines "$(cat -A "$T/out")"; fi
r=$(pyjson "$T/report.json" '(j["id"], j["state"], j["faults"][0]["state"])')
[ "$r" = "('$(head -1 "$T/out")', 'completed', 'reverted')" ] && t_pass run-wait-report || t_fail run-wait-report "$r"
if thawed; then t_pass run-wait-thawed; else t_fail run-wait-thawed "freezer.state $(cat "$FRZ")"; fi

# --json with --wait: only the final object on stdout.
$W "$CHAOSCTL" run --wait --json "$T/pause2.json" >"$T/out" 2>"$T/err"; RC=$?
expect run-wait-json 0
[ "$(pyjson "$T/out" 'j["state"]')" = completed ] && t_pass run-wait-json-final || t_fail run-wait-json-final "$(head -c 300 "$T/out")"

# On a terminal: one progress line rewritten with \r.
if command -v script >/dev/null; then
        $W script -qec "$CHAOSCTL --socket $CHAOSD_SOCKET run --wait $T/pause2.json" /dev/null >"$T/tty" 2>&1; RC=$?
        if [ "$RC" = 0 ] && grep -qaE $'\rcli-short  running  [0-9]+\\.[0-9]s left  1 fault active' "$T/tty" &&
           grep -qa $'\rcli-short  completed' "$T/tty"; then t_pass run-wait-tty-progress
        else t_fail run-wait-tty-progress "rc=$RC $(cat -A "$T/tty" | head -c 600)"; fi
else
        t_skip run-wait-tty-progress "no script(1) to give chaosctl a pty"
fi

# Ended by someone else: halt → exit 1; the target removed → target-gone, exit 1.
$W "$CHAOSCTL" run --wait "$T/pause60.json" >"$T/out.h" 2>"$T/err.h" & P=$!
t_wait 10 frozen
t_wait 10 grep -q running "$T/out.h"
ctl halt
expect halt 0 "" "halted 1 experiment"
wait $P; RC=$?
cp "$T/out.h" "$T/out"; cp "$T/err.h" "$T/err"
expect run-wait-halted-exit-1 1 "ended halted"
thawed && t_pass halt-thawed || t_fail halt-thawed "freezer.state $(cat "$FRZ")"

# Ctrl-C while waiting stops the experiment (nothing left frozen), exit 1.
$W "$CHAOSCTL" run --wait "$T/pause60.json" >"$T/out.i" 2>"$T/err.i" & P=$!
t_wait 10 grep -q running "$T/out.i"
kill -INT $P; wait $P; RC=$?
cp "$T/out.i" "$T/out"; cp "$T/err.i" "$T/err"
expect run-wait-interrupted 1 "interrupted" "cli-pause  stopped"
thawed && t_pass interrupt-thawed || t_fail interrupt-thawed "freezer.state $(cat "$FRZ")"

# The target goes away mid-experiment (a kill fault ends the container's
# only process): target-gone, exit 1.
C2=cli-basic-gone-$$
if t_container $C2 "$TEST_IMAGE" sleep 3600; then
        echo "{\"name\":\"cli-gone\",\"target\":{\"container\":\"$C2\"},\"duration\":\"60s\",\"faults\":[{\"type\":\"kill\",\"signal\":\"SIGKILL\",\"process\":\"sleep\"}]}" >"$T/gone.json"
        $W "$CHAOSCTL" run --wait "$T/gone.json" >"$T/out" 2>"$T/err"; RC=$?
        expect run-wait-target-gone 1 "ended target-gone" "cli-gone  target-gone"
        [ "$(docker inspect -f '{{.State.Running}}' $C2)" = false ] && t_pass target-gone-container-exited || t_fail target-gone-container-exited "still running"
else
        t_fail run-wait-target-gone "docker run $C2 failed"
        t_skip target-gone-container-exited "no container $C2"
fi

# The daemon's own limits: valid locally, refused by chaosd (400) → exit 2.
spec cli-long "{\"container\":\"$C\"}" 30m >"$T/long.json"
ctl run "$T/long.json"
expect run-daemon-400 2 "\$.duration"
thawed && t_pass daemon-400-untouched || t_fail daemon-400-untouched "freezer.state $(cat "$FRZ")"
# A target that does not exist: injection refused (422/404) → exit 1.
spec cli-none '{"container":"cli-basic-no-such-container"}' 10s >"$T/none.json"
ctl run "$T/none.json"
expect run-no-target 1 "cli-basic-no-such-container"

# Injection fails after the experiment exists (a container paused by
# docker is not ours to take over): 422, exit 1, and --report still holds
# the failed experiment.
C3=cli-basic-paused-$$
if t_container $C3 "$TEST_IMAGE" sleep 3600 && docker pause $C3 >/dev/null; then
        t_cleanup docker unpause $C3
        spec cli-taken "{\"container\":\"$C3\"}" 10s >"$T/taken.json"
        rm -f "$T/taken-report.json"
        ctl run --report "$T/taken-report.json" "$T/taken.json"
        expect run-injection-failed 1 "could not be injected"
        r=$(pyjson "$T/taken-report.json" '(j["state"], j["faults"][0]["state"])' 2>&1)
        [ "$r" = "('failed', 'failed')" ] && t_pass run-injection-failed-report || t_fail run-injection-failed-report "$r"
        docker unpause $C3 >/dev/null
else
        t_fail run-injection-failed "could not start and docker-pause $C3"
        t_skip run-injection-failed-report "no container $C3"
fi

# events: human lines, --json lines, and --follow.
ctl events
expect events-human 0 "" "$ID"
grep -F "$ID" "$T/out" | grep -qw ended && t_pass events-human-ended || t_fail events-human-ended "$(grep -F "$ID" "$T/out")"
ctl events --json
expect events-json 0
if python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert evs and all({"seq", "time", "event"} <= e.keys() for e in evs), evs[:3]
mine = [e["event"] for e in evs if e.get("experiment") == sys.argv[2]]
assert "created" in mine and "ended" in mine, mine
' "$T/out" "$ID"; then t_pass events-json-lines; else t_fail events-json-lines "$(head -3 "$T/out")"; fi

# Only one experiment's events, by ID prefix.
ctl events "${ID:0:6}"
expect events-one-experiment 0 "" "$ID"
if [ "$(awk '{print $2}' "$T/out" | sort -u)" = "$ID" ]; then t_pass events-filtered
else t_fail events-filtered "other experiments shown: $(awk '{print $2}' "$T/out" | sort -u | tr '\n' ' ')"; fi

"$CHAOSCTL" events --follow >"$T/follow" 2>"$T/follow.err" & F=$!
t_cleanup "kill $F"
t_wait 5 test -s "$T/follow"
n0=$(count)
ctl run "$T/pause2.json"
expect run-with-follower 0
FID=$(cat "$T/out")
if t_wait 15 sh -c "grep -F '$FID' '$T/follow' | grep -qw ended"; then t_pass events-follow-live
else t_fail events-follow-live "no ended line for $FID: $(tail -5 "$T/follow")"; fi
# One POST, one experiment, even with a follower attached.
n1=$(count)
[ $((n1 - n0)) = 1 ] && t_pass one-run-one-experiment || t_fail one-run-one-experiment "ls went from $n0 to $n1 experiments"
kill -INT $F; wait $F; RC=$?
[ "$RC" = 0 ] && t_pass events-follow-sigint || t_fail events-follow-sigint "exit $RC: $(cat "$T/follow.err")"

# run --wait rides out a daemon crash: SIGKILL chaosd mid-experiment, start
# it again on the same state dir; the wait ends completed (exit 0) and the
# container is thawed.
spec cli-crash "{\"container\":\"$C\"}" 6s >"$T/crash.json"
$W "$CHAOSCTL" run --wait "$T/crash.json" >"$T/out.c" 2>"$T/err.c" & P=$!
t_wait 10 grep -q running "$T/out.c"
kill -KILL "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null
sleep 1
frozen && t_pass crash-pause-holds || t_fail crash-pause-holds "freezer.state $(cat "$FRZ") while chaosd is down"
t_start_chaosd "$T/d" --max-duration 10m && t_pass cli-daemon-restart || t_fail cli-daemon-restart "chaosd did not come back"
wait $P; RC=$?
cp "$T/out.c" "$T/out"; cp "$T/err.c" "$T/err"
expect run-wait-across-restart 0 "" "cli-crash  completed"
thawed && t_pass crash-thawed || t_fail crash-thawed "freezer.state $(cat "$FRZ")"

# The client frees everything and touches no invalid memory.
# Each command must end as it does without valgrind (99: valgrind errors).
if ! command -v valgrind >/dev/null; then
        t_skip valgrind-clean "valgrind not installed"
elif ldd "$CHAOSCTL" | grep -q libasan; then
        t_skip valgrind-clean "$CHAOSCTL is an ASan build (SANITIZE=1 judges it instead)"
else
        VG="valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99"
        vbad=""
        for args in "ls" "get --json $ID" "get $ID" "events" "validate $T/bad.json" "run $T/none.json" \
                    "run --wait --report $T/vg.json $T/pause2.json"; do
                $W "$CHAOSCTL" $args >/dev/null 2>&1; want=$?
                $W $VG "$CHAOSCTL" $args >/dev/null 2>"$T/vg"; rc=$?
                [ "$rc" = "$want" ] || vbad="$vbad [$args: exit $rc, not $want: $(grep -v '^chaosctl:' "$T/vg" | head -5)]"
        done
        [ -z "$vbad" ] && t_pass valgrind-clean || t_fail valgrind-clean "$vbad"
fi

thawed && t_pass cli-leaves-nothing || t_fail cli-leaves-nothing "freezer.state $(cat "$FRZ") at the end"
exit $T_FAILED
