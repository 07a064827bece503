#!/bin/bash
# Re-make journal.db in this directory with a given chaosd binary (root, a
# cgroup v1 freezer at /sys/fs/cgroup/freezer): start it on a private state
# dir, pause a cgroup of our own for 2 minutes, SIGKILL the daemon and its
# warden while the experiment is active, fold the WAL into the one file,
# then thaw and remove the cgroup by hand. See README for how the committed
# file was made.
#   tests/data/journal-v1/make-fixture.sh /path/to/old/chaosd /path/to/old/chaosctl
set -eu
CHAOSD=$1 CHAOSCTL=$2
here=$(cd "$(dirname "$0")" && pwd)
cg=/sys/fs/cgroup/freezer/chaosd-coretests-fixture
dir=$(mktemp -d /tmp/chaosd-coretests-fixture.XXXXXX)
mkdir "$cg"
sleep 3600 &
sleeper=$!
echo "$sleeper" >"$cg/cgroup.procs"
"$CHAOSD" --socket "$dir/chaosd.sock" --state-dir "$dir/state" 2>"$dir/chaosd.log" &
daemon=$!
for _ in $(seq 50); do [ -S "$dir/chaosd.sock" ] && break; sleep 0.1; done
cat >"$dir/spec.json" <<'SPEC'
{"name":"coretests-fixture","target":{"cgroup":"/chaosd-coretests-fixture"},"duration":"2m","faults":[{"type":"pause"}]}
SPEC
CHAOSD_SOCKET=$dir/chaosd.sock "$CHAOSCTL" run "$dir/spec.json"
echo "freezer: $(cat "$cg/freezer.state")"
# The warden would revert at the deadline: it goes down with the daemon,
# as with systemd's KillMode=control-group.
warden=$(cat "/proc/$daemon/task/$daemon/children")
kill -KILL $warden "$daemon"
wait "$daemon" 2>/dev/null || true
sqlite3 "$dir/state/journal.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
sqlite3 "$dir/state/journal.db" 'PRAGMA journal_mode;'
cp "$dir/state/journal.db" "$here/journal.db"
sqlite3 "$here/journal.db" 'SELECT id, state, boot_id, targets FROM experiments; SELECT exp_id, idx, type, state, saved FROM faults;'
echo THAWED >"$cg/freezer.state"
kill "$sleeper"
sleep 0.2
rmdir "$cg"
rm -rf "$dir"
