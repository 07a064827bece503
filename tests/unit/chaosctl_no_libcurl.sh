#!/bin/bash
# chaosctl talks to the local chaosd without libcurl (our own client on
# http-parser) and loads libcurl with dlopen only for a remote chaosd
# (--host/--hosts): libcurl maps ~30 libraries (OpenSSL, Kerberos, LDAP)
# and was most of chaosctl's start-up time. Checked: not in DT_NEEDED; not
# mapped by --help or a local request (LD_DEBUG); mapped by a remote one;
# and, where a private mount namespace is allowed, a clear error (exit 1)
# naming the library when it is missing.
. "$(dirname "$0")/../lib.sh"
t_plan 7
[ -x "$CHAOSCTL" ] || { t_fail chaosctl "missing: $CHAOSCTL"; exit 1; }
command -v readelf >/dev/null || t_skip_all "readelf (binutils) missing"

needed=$(readelf -d "$CHAOSCTL" | awk '/\(NEEDED\)/ {print $NF}' | tr -d '[]')
if grep -q libcurl <<<"$needed"; then
        t_fail "chaosctl does not link libcurl" "DT_NEEDED: $(echo $needed)"
else
        t_pass "chaosctl does not link libcurl (DT_NEEDED: $(echo $needed))"
fi

# LD_DEBUG=libs names every library the dynamic loader loads, dlopen too.
loaded() { LD_DEBUG=libs "$CHAOSCTL" "$@" 2>&1 >/dev/null | grep -c 'calling init: .*libcurl'; }
n=$(loaded --help)
[ "$n" = 0 ] && t_pass "chaosctl --help does not load libcurl" || t_fail "--help loads libcurl" "$n"
n=$(loaded --socket /nonexistent/chaosd.sock ls)
[ "$n" = 0 ] && t_pass "a local request does not load libcurl" || t_fail "local request loads libcurl" "$n"
# Port 1 on loopback refuses at once: the request fails after curl is loaded.
remote=(--host https://127.0.0.1:1 --cert /nonexistent.pem --key /nonexistent.key --cacert /nonexistent-ca.pem ls)
n=$(loaded "${remote[@]}")
[ "$n" -ge 1 ] && t_pass "--host loads libcurl at run time (dlopen)" || t_fail "--host does not load libcurl" "$n"
"$CHAOSCTL" "${remote[@]}" >/dev/null 2>&1; rc=$?
[ "$rc" = 3 ] && t_pass "--host to a closed port: unreachable, exit 3" || t_fail "--host closed port" "exit $rc"

# Without libcurl4: hide it in a private mount namespace (root only).
lib=$(ldconfig -p 2>/dev/null | awk '$1 == "libcurl.so.4" {print $NF; exit}')
if [ -n "$lib" ] && unshare -m true 2>/dev/null; then
        out=$(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && "$@"' sh "$lib" "$CHAOSCTL" "${remote[@]}" 2>&1); rc=$?
        if [ "$rc" = 1 ] && grep -q 'needs libcurl: cannot load libcurl.so.4' <<<"$out"; then
                t_pass "without libcurl4 remote mode fails with exit 1 naming it: $out"
        else
                t_fail "without libcurl4" "exit $rc: $out"
        fi
        out=$(unshare -m sh -c 'mount --bind /dev/null "$1" && shift && "$@"' sh "$lib" "$CHAOSCTL" --help 2>&1); rc=$?
        [ "$rc" = 0 ] && t_pass "without libcurl4 chaosctl still starts" || t_fail "without libcurl4 --help" "exit $rc"
else
        why="needs root (a private mount namespace) and libcurl.so.4 in ldconfig's cache"
        t_skip "without libcurl4 remote mode fails naming it" "$why"
        t_skip "without libcurl4 chaosctl still starts" "$why"
fi
exit $T_FAILED
