#!/bin/bash
# The state dir is 0700 and journal.db, -wal, -shm are 0600 whatever their
# modes were before chaosd started. With a journal of garbage, chaosd still
# starts: /v1/health says "degraded" and why, a new experiment is refused
# with 503 and that reason (`chaosctl run` exits 1 printing it), and
# `chaosd --recover` names what it could not read instead of dying silently.
. "$(dirname "$0")/../lib.sh"
t_plan 6

[ "$(id -u)" = 0 ] || { t_skip_all "needs root"; }
dir=$(mktemp -d /tmp/chaosd-integrity-files.XXXXXX)
t_cleanup rm -rf "$dir"
S=$dir/state
"$VICTIM" sleep 1000 & V=$!
t_cleanup "kill -KILL $V"
spec=$dir/spec.json
echo "{\"name\":\"integrity-files\",\"target\":{\"pid\":$V},\"duration\":\"2s\",\"faults\":[{\"type\":\"pause\"}]}" >"$spec"
stop() { kill -TERM $CHAOSD_PID; wait $CHAOSD_PID 2>/dev/null; }

# --- modes ------------------------------------------------------------------
t_start_chaosd "$dir" || { t_fail files "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
stop
chmod 0755 "$S"
chmod 0644 "$S/journal.db"
for f in journal.db-wal journal.db-shm; do [ -e "$S/$f" ] || : >"$S/$f"; chmod 0644 "$S/$f"; done
before=$(stat -c '%n %a' "$S" "$S"/journal.db* | sed "s|$dir/||" | tr '\n' ' ')
t_start_chaosd "$dir" || { t_fail files "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
t_api -X POST -d @"$spec" /v1/experiments >/dev/null
modes=$(stat -c '%a' "$S" "$S/journal.db" "$S/journal.db-wal" "$S/journal.db-shm" 2>&1 | tr '\n' ' ')
if [ "$modes" = "700 600 600 600 " ]; then
        t_pass "state dir and journal files from ($before) to $modes after start"
else
        t_fail "modes" "before: $before; after start: $modes (want 700 600 600 600)"
fi
stop

# --- a corrupt journal --------------------------------------------------------
head -c 65536 /dev/urandom >"$S/journal.db"
rm -f "$S/journal.db-wal" "$S/journal.db-shm"
if ! t_start_chaosd "$dir"; then
        t_fail "corrupt journal: start" "chaosd did not come up: $(tail -2 "$dir/chaosd.log")"
else
        h=$(t_api /v1/health)
        if [ "$(echo "$h" | json_get '["status"]')" = degraded ] && echo "$h" | grep -q "not a database"; then
                t_pass "corrupt journal: chaosd up, /v1/health $h"
        else
                t_fail "corrupt journal: health" "$h"
        fi
        body=$(curl -s --max-time 10 --unix-socket "$CHAOSD_SOCKET" -w '\n%{http_code}' -X POST -d @"$spec" http://chaosd/v1/experiments)
        code=${body##*$'\n'}
        sleep 0.3
        vstate=$(awk '{print $3}' /proc/$V/stat)
        if [ "$code" = 503 ] && echo "$body" | grep -q "journal cannot be used" && [ "$vstate" != T ] && [ "$vstate" != D ]; then
                t_pass "corrupt journal: POST refused 503 \"$(echo "${body%$'\n'*}" | json_get '["error"]')\"; the victim runs (state $vstate)"
        else
                t_fail "corrupt journal: POST" "http=$code body=$body victim state=$vstate"
        fi
        out=$("$CHAOSCTL" run "$spec" 2>&1); rc=$?
        if [ $rc = 1 ] && echo "$out" | grep -q "journal cannot be used"; then
                t_pass "corrupt journal: chaosctl run exits 1: $out"
        else
                t_fail "corrupt journal: chaosctl run" "rc=$rc out=$out"
        fi
        stop
fi
out=$("$CHAOSD" --recover --socket "$CHAOSD_SOCKET" --state-dir "$S" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "could not read: .*not a database"; then
        t_pass "corrupt journal: chaosd --recover exits 1 naming what it could not read: $(echo "$out" | grep "could not read")"
else
        t_fail "corrupt journal: --recover" "rc=$rc out=$out"
fi

# --- a damaged index: --recover reverts from the rows it can read -----------
FZ=/sys/fs/cgroup/freezer
CG=chaosd-integrity-files
if [ ! -d $FZ ] || ! command -v sqlite3 >/dev/null; then
        t_skip "damaged journal: --recover" "needs the v1 freezer and sqlite3"
else
        rm -rf "$S"
        mkdir -p $FZ/$CG
        t_cleanup "echo THAWED >$FZ/$CG/freezer.state; for p in \$(cat $FZ/$CG/cgroup.procs); do echo \$p >$FZ/cgroup.procs; done; rmdir $FZ/$CG"
        echo $V >$FZ/$CG/cgroup.procs
        t_start_chaosd "$dir" || { t_fail files "chaosd did not answer"; exit 1; }
        t_api -X POST -d "{\"name\":\"integrity-files-2\",\"target\":{\"cgroup\":\"/$CG\"},\"duration\":\"60s\",\"faults\":[{\"type\":\"pause\"}]}" /v1/experiments >/dev/null
        t_wait 3 grep -q FROZEN $FZ/$CG/freezer.state
        frozen=$(cat $FZ/$CG/freezer.state)
        warden=$(pgrep -P "$CHAOSD_PID" -x chaosd-warden)
        kill -KILL "$CHAOSD_PID" $warden; wait "$CHAOSD_PID" 2>/dev/null
        sqlite3 "$S/journal.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
        page=$(sqlite3 "$S/journal.db" "select rootpage from sqlite_master where name='experiments_state'")
        psize=$(sqlite3 "$S/journal.db" "PRAGMA page_size")
        # The page of the index on experiments.state, overwritten.
        head -c "$psize" /dev/urandom | dd of="$S/journal.db" bs="$psize" seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null
        out=$("$CHAOSD" --recover --socket "$CHAOSD_SOCKET" --state-dir "$S" 2>&1); rc=$?
        st=$(cat $FZ/$CG/freezer.state)
        if [ "$frozen" = FROZEN ] && [ "$st" = THAWED ] && echo "$out" | grep -q "cannot be read as it is" &&
                echo "$out" | grep -q "recovered: 1 experiment reverted"; then
                t_pass "journal index page $page overwritten: chaosd --recover (exit $rc) read the rows by a full scan and thawed the paused cgroup: $(echo "$out" | tr '\n' ' ')"
        else
                t_fail "damaged journal: --recover" "frozen before=$frozen after=$st rc=$rc out=$out"
        fi
fi
exit $T_FAILED
