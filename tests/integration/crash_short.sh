#!/bin/bash
# A short crash campaign inside make check (make crashtest runs 200 cycles).
exec env CYCLES="${CRASH_CYCLES:-20}" bash "$(dirname "$0")/../crash/crashtest.sh"
