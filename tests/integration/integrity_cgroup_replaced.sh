#!/bin/bash
# A revert never writes a cgroup's old values into another cgroup made at
# the same path: cpu and memory limits applied to a cgroup of ours, chaosd
# and its warden SIGKILLed, the cgroup's cpu and memory directories removed
# and made again with values of their own, chaosd restarted and the
# experiment stopped: the new cgroup's values, read from cgroupfs, are
# untouched. (The freezer directory, chaosd's identity of the target, stays:
# the experiment resumes and is stopped, the path every revert takes.)
. "$(dirname "$0")/../lib.sh"
t_plan 1

[ "$(id -u)" = 0 ] || { t_skip_all "needs root"; }
R=/sys/fs/cgroup
[ -d $R/cpu ] && [ -d $R/memory ] && [ -d $R/freezer ] || { t_skip_all "needs v1 cpu, memory and freezer hierarchies"; }
CG=chaosd-integrity-replaced
dir=$(mktemp -d /tmp/chaosd-integrity-replaced.XXXXXX)
t_cleanup rm -rf "$dir"
for c in cpu memory freezer; do mkdir -p $R/$c/$CG; t_cleanup rmdir $R/$c/$CG; done
t_start_chaosd "$dir" || { t_fail cgroup-replaced "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
out=$(t_api -X POST -d "{\"name\":\"integrity-replaced\",\"target\":{\"cgroup\":\"/$CG\"},\"duration\":\"60s\",\"faults\":[{\"type\":\"cpu\",\"quota\":0.5},{\"type\":\"memory\",\"limit\":\"64MiB\"}]}" /v1/experiments)
id=$(echo "$out" | json_get '["id"]' 2>/dev/null)
q=$(cat $R/cpu/$CG/cpu.cfs_quota_us) m=$(cat $R/memory/$CG/memory.limit_in_bytes)
[ "$q" = 50000 ] && [ "$m" = 67108864 ] || { t_fail "apply" "quota=$q limit=$m out=$out"; exit 1; }
warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
oq=$(stat -c %i $R/cpu/$CG) om=$(stat -c %i $R/memory/$CG)
rmdir $R/cpu/$CG $R/memory/$CG && mkdir $R/cpu/$CG $R/memory/$CG
echo 70000 >$R/cpu/$CG/cpu.cfs_quota_us
echo 100663296 >$R/memory/$CG/memory.limit_in_bytes
nq=$(stat -c %i $R/cpu/$CG) nm=$(stat -c %i $R/memory/$CG)
"$CHAOSD" --socket "$CHAOSD_SOCKET" --state-dir "$dir/state" 2>>"$dir/chaosd.log" & CHAOSD_PID=$!
t_cleanup "kill -TERM $CHAOSD_PID; sleep 0.3; kill -KILL $CHAOSD_PID"
t_wait 5 curl -sf --unix-socket "$CHAOSD_SOCKET" http://chaosd/v1/health
sleep 0.5
t_api -X DELETE /v1/experiments/$id >/dev/null
sleep 0.3
st=$(t_api /v1/experiments/$id | json_get '["state"]')
q=$(cat $R/cpu/$CG/cpu.cfs_quota_us) m=$(cat $R/memory/$CG/memory.limit_in_bytes)
if [ "$oq" != "$nq" ] && [ "$om" != "$nm" ] && [ "$q" = 70000 ] && [ "$m" = 100663296 ]; then
        t_pass "cgroup made again at the same path (cpu inode $oq -> $nq, memory $om -> $nm) while chaosd was down: after restart and stop (state $st) its own values stay (cfs_quota_us $q, limit_in_bytes $m)"
else
        t_fail "replaced cgroup" "inodes cpu $oq->$nq memory $om->$nm; state=$st quota=$q (want 70000) limit=$m (want 100663296)"
fi
exit $T_FAILED
