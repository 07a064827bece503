/* chaosd in a container (the DaemonSet) may live in a private cgroup
 * namespace: /proc/PID/cgroup of every other pod then reads "/../..." and
 * no target's cgroup can be found. With the host's PIDs visible (hostPID),
 * PID 1 is the host's init: join its cgroup namespace once at start-up.
 * $CHAOSD_HOST_NS_PID names another reference process (tests). */
#pragma once
#include "error.h"

/* 1 if it joined the host's cgroup namespace, 0 if already there (or PID 1
 * is not another namespace's), negative errno on failure. */
int hostns_join_cgroup(struct error *e);
