#!/bin/bash
# Security: the product never runs a shell or an external program to inject
# anything. Checked two ways: the daemon binary imports none of the exec
# family, and the product sources call none of them. chaosctl may exec the
# user's own command (exec and CI modes) — only from cli/exec.c and cli/ci.c.
. "$(dirname "$0")/../lib.sh"
t_plan 4
cd "$(dirname "$0")/../.."
banned='system|popen|execve|execv|execvp|execvpe|execl|execlp|execle|fexecve|execveat|posix_spawn|posix_spawnp'
if [ -x "$CHAOSD" ]; then
        hits=$(nm -D --undefined-only "$CHAOSD" | awk '{print $NF}' | sed 's/@.*//' | grep -xE "$banned")
        [ -z "$hits" ] && t_pass "chaosd imports no exec/system/popen/posix_spawn symbol" \
                || t_fail "chaosd imports" "$hits"
else
        t_fail "chaosd binary" "missing: $CHAOSD"
fi
# Calls in product sources (comments stripped crudely: // and /* */ lines).
src_hits=$(grep -nE "\b($banned)[[:space:]]*\(" $(find chaosd experiments lib -name "*.c") 2>/dev/null \
        | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
[ -z "$src_hits" ] && t_pass "daemon and library sources call no exec/system/popen" || t_fail "product sources" "$src_hits"
cli_hits=$(grep -lE "\b($banned)[[:space:]]*\(" cli/*.c 2>/dev/null | grep -vE '^cli/(exec|ci)\.c$')
[ -z "$cli_hits" ] && t_pass "chaosctl execs only the user's command (cli/exec.c, cli/ci.c)" || t_fail "cli sources" "$cli_hits"
# Names of tools that a lesser injector would shell out to.
tool_hits=$(grep -nE '"(/usr/s?bin/)?(tc|ip|iptables|nft|nsenter|sh|bash|strace)"' $(find chaosd experiments lib -name "*.c") 2>/dev/null)
[ -z "$tool_hits" ] && t_pass "no tc/ip/iptables/nsenter/sh command names in product sources" || t_fail "tool names" "$tool_hits"
exit $T_FAILED
