#!/bin/bash
# A short crash campaign inside make check: every kernel-changing system
# call of two fault kinds (a freezer write, a qdisc) is a kill point once;
# make crashtest runs every kind, the journal commits and the troubles.
exec env CRASH_KINDS="${CRASH_KINDS:-pause bandwidth}" CRASH_MODES=kernel CRASH_TROUBLES= \
        bash "$(dirname "$0")/../crash/crashtest.sh"
