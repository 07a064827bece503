#!/bin/bash
# Identities, not spellings: a chaosd living in its own freezer cgroup is
# sent pause experiments whose cgroup target names that cgroup (or one that
# contains it, or the root) in other spellings: trailing slashes, "/./",
# ".." and "//" (refused by the parser), a bind mount of the cgroup at
# another path. Each must be refused with a 4xx naming what the cgroup is,
# and freezer.state, read from cgroupfs, must stay THAWED throughout.
. "$(dirname "$0")/../lib.sh"
t_plan 12

[ "$(id -u)" = 0 ] || { t_skip_all "needs root"; }
FZ=/sys/fs/cgroup/freezer
[ -f $FZ/freezer.tasks ] || [ -d $FZ ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ] ||
        { t_skip_all "needs a cgroup v1 freezer hierarchy at $FZ"; }
SELF=chaosd-integrity-self
ALIAS=chaosd-integrity-alias
dir=$(mktemp -d /tmp/chaosd-integrity-self.XXXXXX)
t_cleanup rm -rf "$dir"
thaw_all() { for d in $FZ/$SELF/d $FZ/$SELF; do [ -f $d/freezer.state ] && echo THAWED >$d/freezer.state; done; }
t_cleanup "rmdir $FZ/$SELF/d $FZ/$SELF $FZ/$ALIAS"
mkdir -p $FZ/$SELF/d $FZ/$ALIAS
t_cleanup "umount $FZ/$ALIAS"
mount --bind $FZ/$SELF/d $FZ/$ALIAS 2>/dev/null && bind=1 || bind=0

t_start_chaosd "$dir" || { t_fail cgroup-self "chaosd did not answer"; cat "$dir/chaosd.log"; exit 1; }
# Back to the root before the cleanups rmdir the cgroups (and thaw first:
# a chaosd that froze itself must not hang the cleanup).
t_cleanup "for p in \$(cat $FZ/$SELF/d/cgroup.procs); do echo \$p >$FZ/cgroup.procs; done"
t_cleanup thaw_all
for p in $CHAOSD_PID $(pgrep -P "$CHAOSD_PID"); do echo "$p" >$FZ/$SELF/d/cgroup.procs; done
grep -q "freezer:/$SELF/d\$" /proc/$CHAOSD_PID/cgroup || { t_fail cgroup-self "could not move chaosd into $SELF/d"; exit 1; }

state() { cat $FZ/$SELF/d/freezer.state; }
try() { # try SPELLING WHAT-THE-ERROR-MUST-SAY
        local cg=$1 want=$2 code body st1 st2
        body=$(curl -s --max-time 5 --unix-socket "$CHAOSD_SOCKET" -o - -w '\n%{http_code}' -X POST \
                -d "{\"name\":\"integrity-self\",\"target\":{\"cgroup\":\"$cg\"},\"duration\":\"20s\",\"faults\":[{\"type\":\"pause\"}]}" \
                http://chaosd/v1/experiments)
        code=${body##*$'\n'}
        body=${body%$'\n'*}
        sleep 0.3 # a freeze, if one was asked, would be under way by now
        st1=$(state) st2=$(cat $FZ/$SELF/freezer.state)
        if [[ $code == 4?? ]] && echo "$body" | grep -q -- "$want" && [ "$st1" = THAWED ] && [ "$st2" = THAWED ]; then
                t_pass "cgroup target \"$cg\" refused ($code: $(echo "$body" | json_get '["error"]' 2>/dev/null)); freezer.state THAWED"
        else
                t_fail "cgroup target \"$cg\"" "http=$code body=$body freezer.state: d=$st1 $SELF=$st2"
                thaw_all
                # A frozen or half-started experiment must not linger.
                curl -s --max-time 5 --unix-socket "$CHAOSD_SOCKET" -X POST http://chaosd/v1/halt >/dev/null
                thaw_all
        fi
}

try "/$SELF/d/" "chaosd's own"
try "/./$SELF/d" "chaosd's own"
try "/$SELF/./d/" "chaosd's own"
try "/$SELF/" "chaosd's own"
try "/$SELF" "chaosd's own"
try "//$SELF/d" "absolute path"
try "/$SELF/x/../d" "absolute path"
try "/" "root"
try "/." "root"
try "/./" "root"
if [ $bind = 1 ]; then
        try "/$ALIAS" "chaosd's own"
else
        t_skip "bind-mount spelling" "cannot bind-mount inside $FZ here"
fi
# PID 1's cgroup: init.scope on a systemd host; here PID 1 may sit in the
# root, which the cases above cover.
p1=$(sed -n 's/^[0-9]*:freezer://p' /proc/1/cgroup)
if [ -n "$p1" ] && [ "$p1" != / ]; then
        try "$p1/" "PID 1"
else
        t_skip "PID 1's own cgroup" "PID 1 is in the root freezer cgroup here (covered by the root cases)"
fi
exit $T_FAILED
