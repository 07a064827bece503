#!/bin/bash
# `make demo` on a fresh machine installs tests/setup.sh's DEMO_PKGS and
# then builds. This checks that list against what the build really asks
# for: every pkg-config module in the Makefile, and http-parser, must come
# from a Debian package that DEMO_PKGS names (found with dpkg -S on the
# installed .pc file or header), and the demo's own tools too.
. "$(dirname "$0")/../lib.sh"
t_plan 3
cd "$(dirname "$0")/../.."
demo=$(sed -n '/^DEMO_PKGS="/,/"$/p' tests/setup.sh | tr -d '"' | sed 's/^DEMO_PKGS=//' | tr -s ' \n' '\n')
[ -n "$demo" ] || { t_fail "demo deps" "no DEMO_PKGS in tests/setup.sh"; exit 1; }
in_demo() { grep -qx "$1" <<<"$demo"; }
# The package that owns FILE (the ":amd64" arch suffix dropped).
owner() { dpkg -S "$1" 2>/dev/null | head -1 | cut -d: -f1; }

mods=$(sed -n 's/^PKGS *:= *//p' Makefile)
mods="$mods libcurl"   # its headers only (chaosctl dlopens it)
missing=""
for m in $mods; do
        pc=$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc
        [ -f "$pc" ] || { missing="$missing $m(no .pc here)"; continue; }
        # /usr/lib/x86_64-linux-gnu may be a symlink target: ask dpkg both ways.
        p=$(owner "$pc"); [ -n "$p" ] || p=$(owner "$(readlink -f "$pc")")
        in_demo "$p" || missing="$missing $m($p)"
done
p=$(owner /usr/include/http_parser.h); in_demo "$p" || missing="$missing http_parser($p)"
[ -z "$missing" ] && t_pass "DEMO_PKGS covers every library the build needs ($(wc -w <<<"$mods") pkg-config modules, http-parser)" \
        || t_fail "DEMO_PKGS lacks the packages of" "$missing"
missing=""
for tool in docker:docker.io busybox:busybox-static cc:build-essential pkg-config:pkg-config; do
        in_demo "${tool#*:}" || missing="$missing ${tool%%:*}"
done
[ -z "$missing" ] && t_pass "DEMO_PKGS has the demo's tools (docker.io, busybox-static, a compiler)" \
        || t_fail "DEMO_PKGS lacks tools" "$missing"
# make demo must install before it builds (a build before the install
# fails on a fresh machine: microhttpd.h not found).
first=$(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -n --no-print-directory demo 2>/dev/null | grep -m1 -E 'setup.sh|cc |make')
case $first in *"setup.sh demo"*) t_pass "make demo runs tests/setup.sh demo before it builds" ;;
*) t_fail "make demo's first step" "$first" ;; esac
exit $T_FAILED
