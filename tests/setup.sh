#!/bin/bash
# Set-up for `make check` on a fresh Debian 12 machine: install what is
# missing (as root, non-interactively), start dockerd if it is not running,
# and make the busybox test image from busybox-static (no registry needed).
#   tests/setup.sh          everything `make check` needs
#   tests/setup.sh demo     only what `make demo` needs: the build's libraries,
#                           Docker and busybox (no qemu, clang, podman...)
# perl: tests/tap-count counts every lane's TAP with its TAP::Parser.
# tests/unit/demo_deps.sh checks that DEMO_PKGS covers every library the
# Makefile asks pkg-config for, so the demo's first run cannot regress.
set -eu
DEMO_PKGS="build-essential pkg-config libnl-3-dev libnl-route-3-dev libseccomp-dev libcjson-dev
      libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libhttp-parser-dev libgnutls28-dev
      docker.io busybox-static iproute2 curl"
PKGS="build-essential pkg-config libnl-3-dev libnl-route-3-dev libseccomp-dev libcjson-dev check
      libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libhttp-parser-dev docker.io busybox-static iproute2 curl
      qemu-system-x86 cpio kmod perl python3 python3-junitparser clang libclang-rt-14-dev util-linux sqlite3 valgrind strace runc
      libgnutls28-dev gnutls-bin openssl podman containerd yamllint prometheus libxml2-utils"
[ "${1:-}" = demo ] && PKGS=$DEMO_PKGS
missing=""
for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "setup: missing Debian packages:$missing (run as root to install them)" >&2
                exit 1
        fi
        echo "setup: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # With recommends, as the development machines had them (podman and
        # docker want some of theirs).
        apt-get install -y -qq $missing >/dev/null
fi
[ "$(id -u)" = 0 ] || { echo "setup: not root: root lanes will skip"; exit 0; }

if ! docker info >/dev/null 2>&1; then
        echo "setup: starting dockerd (log: /var/log/chaosd-test-dockerd.log)"
        dockerd >/var/log/chaosd-test-dockerd.log 2>&1 &
        for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
        docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start" >&2; tail -20 /var/log/chaosd-test-dockerd.log >&2; exit 1; }
fi
if ! docker image inspect chaosd-busybox:latest >/dev/null 2>&1; then
        echo "setup: importing chaosd-busybox:latest from busybox-static"
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
        cp /bin/busybox "$root/bin/busybox"
        for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done
        echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
        tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - chaosd-busybox:latest >/dev/null
        rm -rf "$root"
fi
echo "setup: ok"
