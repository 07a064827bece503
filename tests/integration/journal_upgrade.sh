#!/bin/bash
# An in-place upgrade: the journal.db that chaosd a3edc40 (the version
# before issue 12's rework) left when it was SIGKILLed with a pause active
# (tests/data/journal-v1, README there) is loaded and reconciled by this
# chaosd. The cgroup it paused is recreated frozen, as the old daemon left
# it; the new daemon must thaw it (deadline long past) — seen in cgroupfs —
# and `chaosctl` must show the experiment ended. Then the same file with
# its deadline still ahead: resumed (still frozen, running), and a stop
# thaws it.
. "$(dirname "$0")/../lib.sh"
t_plan 7

fixture=$(cd "$(dirname "$0")/../data/journal-v1" && pwd)/journal.db
ID=17838f31a0e7
OLD_INODE=6328
cg=/sys/fs/cgroup/freezer/chaosd-coretests-fixture

[ "$(id -u)" = 0 ] || t_skip_all "needs root"
[ -d /sys/fs/cgroup/freezer ] || t_skip_all "no cgroup v1 freezer hierarchy (the fixture names one)"
command -v sqlite3 >/dev/null || { t_fail journal-upgrade "sqlite3 missing (tests/setup.sh installs it)"; exit 1; }
[ -f "$fixture" ] || { t_fail journal-upgrade "no $fixture"; exit 1; }

freezer() { cat "$cg/freezer.state"; }
is_frozen() { [ "$(freezer)" = FROZEN ]; }
is_thawed() { [ "$(freezer)" = THAWED ]; }

# The cgroup as the old daemon left it: a process in it, frozen.
remove_cgroup() {
        [ -d "$cg" ] || return 0
        echo THAWED >"$cg/freezer.state"
        for p in $(cat "$cg/cgroup.procs"); do kill -KILL "$p"; done
        t_wait 5 sh -c "[ -z \"\$(cat $cg/cgroup.procs)\" ]"
        rmdir "$cg"
}
make_frozen_cgroup() {
        remove_cgroup
        mkdir "$cg" || return 1
        sleep 600 &
        disown
        echo $! >"$cg/cgroup.procs"
        echo FROZEN >"$cg/freezer.state"
        t_wait 5 is_frozen
}

# A copy of the fixture in DIR/state, standing for this machine: the boot
# id of this boot and the inode of the recreated cgroup (README: a test
# cannot recreate the old inode; chaosd rightly touches no other one).
# DEADLINE_SQL: the deadline to leave (an SQL expression).
copy_fixture() { # copy_fixture DIR DEADLINE_SQL
        local dir=$1 deadline=$2 ino boot changed
        mkdir -p "$dir/state"
        cp "$fixture" "$dir/state/journal.db"
        ino=$(stat -c %i "$cg")
        boot=$(cat /proc/sys/kernel/random/boot_id)
        changed=$(sqlite3 "$dir/state/journal.db" "
                UPDATE experiments SET boot_id='$boot', deadline_ms=$deadline,
                       targets=replace(targets, '\"cgroup_inode\":$OLD_INODE', '\"cgroup_inode\":$ino')
                 WHERE id='$ID' AND state='running' AND instr(targets, '\"cgroup_inode\":$OLD_INODE') > 0;
                SELECT changes();
                UPDATE faults SET saved=replace(saved, '\"inode\":$OLD_INODE', '\"inode\":$ino')
                 WHERE exp_id='$ID' AND idx=0 AND type='pause' AND state='active'
                   AND instr(saved, '\"inode\":$OLD_INODE') > 0;
                SELECT changes();" | tr '\n' ' ')
        [ "$changed" = "1 1 " ] || { echo "fixture rows not as README says: changes $changed"; return 1; }
}

t_cleanup remove_cgroup

# --- deadline passed while no daemon ran: reverted at start-up -----------
dir=$(mktemp -d /tmp/chaosd-coretests-upgrade.XXXXXX)
t_cleanup rm -rf "$dir"
make_frozen_cgroup || { t_fail journal-upgrade "cannot make $cg frozen: $(freezer)"; exit 1; }
copy_fixture "$dir" deadline_ms || { t_fail "v1 journal: copy" "see above"; exit 1; }
deadline=$(sqlite3 "$dir/state/journal.db" "SELECT deadline_ms FROM experiments WHERE id='$ID'")
[ "$deadline" -lt "$(($(date +%s) * 1000))" ] || { t_fail "v1 journal" "fixture deadline $deadline is not past"; exit 1; }
is_frozen && t_pass "v1 journal: its cgroup recreated FROZEN, as the old daemon left it" \
        || t_fail "v1 journal: frozen before" "$(freezer)"
t_start_chaosd "$dir" || { t_fail "v1 journal: new chaosd start" "$(cat "$dir/chaosd.log")"; exit 1; }
is_thawed && t_pass "v1 journal: the new chaosd thawed the cgroup at start-up (freezer.state THAWED)" \
        || t_fail "v1 journal: thawed" "freezer=$(freezer); $(cat "$dir/chaosd.log")"
ls_out=$("$CHAOSCTL" ls)
line=$(echo "$ls_out" | grep "^$ID ")
echo "$line" | grep -q " completed " && echo "$line" | grep -q "coretests-fixture" \
        && t_pass "v1 journal: chaosctl ls shows the old experiment ended (completed)" \
        || t_fail "v1 journal: chaosctl ls" "$ls_out"
got=$("$CHAOSCTL" get "$ID" --json)
st=$(echo "$got" | json_get '["faults"][0]["state"]')
why=$(echo "$got" | json_get '["reason"]')
[ "$st" = reverted ] && echo "$why" | grep -q "duration elapsed" \
        && t_pass "v1 journal: its pause fault reverted; reason: $why" \
        || t_fail "v1 journal: get" "$got"
rows=$(sqlite3 "$dir/state/journal.db" "SELECT e.state || '/' || f.state FROM experiments e JOIN faults f ON f.exp_id=e.id WHERE e.id='$ID'")
[ "$rows" = completed/reverted ] && t_pass "v1 journal: the old file's rows now say completed/reverted" \
        || t_fail "v1 journal: rows" "$rows"
kill -TERM "$CHAOSD_PID"; wait "$CHAOSD_PID" 2>/dev/null

# --- deadline ahead: verified and resumed, then stopped -------------------
dir2=$(mktemp -d /tmp/chaosd-coretests-upgrade.XXXXXX)
t_cleanup rm -rf "$dir2"
make_frozen_cgroup || { t_fail journal-upgrade "cannot make $cg frozen: $(freezer)"; exit 1; }
copy_fixture "$dir2" "(strftime('%s','now') + 120) * 1000" || { t_fail "v1 journal resumed: copy" "see above"; exit 1; }
t_start_chaosd "$dir2" || { t_fail "v1 journal resumed: new chaosd start" "$(cat "$dir2/chaosd.log")"; exit 1; }
st=$("$CHAOSCTL" get "$ID" --json | json_get '["state"]')
[ "$st" = running ] && is_frozen \
        && t_pass "v1 journal, deadline ahead: resumed (running), the cgroup still FROZEN" \
        || t_fail "v1 journal resumed" "state=$st freezer=$(freezer); $(cat "$dir2/chaosd.log")"
"$CHAOSCTL" stop "$ID" >/dev/null
st=$("$CHAOSCTL" get "$ID" --json | json_get '["state"]')
[ "$st" = stopped ] && is_thawed \
        && t_pass "v1 journal, deadline ahead: stop thaws it (stopped, THAWED)" \
        || t_fail "v1 journal resumed: stop" "state=$st freezer=$(freezer)"
exit $T_FAILED
