#!/bin/bash
# `kill` never signals chaosd's own helpers, found by the process tree and
# not by name: the warden as a pid target is refused; a pid target whose
# descendants include chaosd's warden and a CPU stressor (this script, the
# parent of chaosd) finds no process to signal when asked for them by name;
# the warden and the stressor are still alive afterwards (read from /proc).
. "$(dirname "$0")/../lib.sh"
t_plan 3

[ "$(id -u)" = 0 ] || { t_skip_all "needs root"; }
dir=$(mktemp -d /tmp/chaosd-integrity-kill.XXXXXX)
t_cleanup rm -rf "$dir"
t_start_chaosd "$dir" || { t_fail kill-helpers "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
[ -n "$warden" ] || { t_fail kill-helpers "no warden under chaosd $CHAOSD_PID"; exit 1; }
wstart=$(awk '{print $22}' /proc/$warden/stat)
alive() { [ -r /proc/$1/stat ] && [ "$(awk '{print $22}' /proc/$1/stat)" = "$2" ] && [ "$(awk '{print $3}' /proc/$1/stat)" != Z ]; }
post() { curl -s --max-time 10 --unix-socket "$CHAOSD_SOCKET" -w '\n%{http_code}' -X POST -d "$1" http://chaosd/v1/experiments; }

# --- the warden as a pid target ----------------------------------------------
out=$(post "{\"name\":\"integrity-kill-warden\",\"target\":{\"pid\":$warden},\"duration\":\"5s\",\"faults\":[{\"type\":\"kill\"}]}")
code=${out##*$'\n'}
sleep 0.3
if [ "$code" = 403 ] && echo "$out" | grep -q "chaosd itself or one of its helpers" && alive "$warden" "$wstart"; then
        t_pass "kill with the warden ($warden) as pid target: 403 \"$(echo "${out%$'\n'*}" | json_get '["error"]')\"; the warden lives"
else
        t_fail "warden as target" "out=$out warden alive: $(alive "$warden" "$wstart" && echo yes || echo no)"
fi

# --- helpers among a pid target's descendants --------------------------------
"$VICTIM" sleep 60 & V=$!
t_cleanup "kill -KILL $V"
out=$(post "{\"name\":\"integrity-kill-load\",\"target\":{\"pid\":$V},\"duration\":\"30s\",\"faults\":[{\"type\":\"cpu\",\"load\":5}]}")
load_id=$(echo "${out%$'\n'*}" | json_get '["id"]' 2>/dev/null)
stressor=$(pgrep -P "$CHAOSD_PID" -x chaosd-cpu | head -1)
if [ -z "$stressor" ]; then
        t_fail "stressor" "no chaosd-cpu stressor under chaosd: $out"
else
        sstart=$(awk '{print $22}' /proc/$stressor/stat)
        for name in chaosd-warden chaosd-cpu; do
                out=$(post "{\"name\":\"integrity-kill-$name\",\"target\":{\"pid\":$$},\"duration\":\"5s\",\"faults\":[{\"type\":\"kill\",\"signal\":\"SIGKILL\",\"process\":\"$name\"}]}")
                sleep 0.3
                if echo "$out" | grep -q "no process named \\\\\"$name\\\\\"" && alive "$warden" "$wstart" && alive "$stressor" "$sstart"; then
                        t_pass "kill \"process\":\"$name\" over this script's descendants (chaosd's parent): none signalled (\"$(echo "${out%$'\n'*}" | json_get '["error"]')\"); warden $warden and stressor $stressor alive"
                else
                        t_fail "kill $name among descendants" "out=$out warden alive: $(alive "$warden" "$wstart" && echo yes || echo no), stressor alive: $(alive "$stressor" "$sstart" && echo yes || echo no)"
                fi
        done
fi
[ -n "$load_id" ] && t_api -X DELETE /v1/experiments/$load_id >/dev/null
exit $T_FAILED
