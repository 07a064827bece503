/* Stressors: processes chaosd forks (never execs) into a target's cgroups
 * so that the load they create counts against the container, not the host.
 *
 * Lifecycle: fork → the child arms PR_SET_PDEATHSIG(SIGKILL) and waits on a
 * pipe; the parent records {"pid","start_time"} in f->saved["stressors"]
 * and checkpoints; only then does the child join the cgroups and start
 * working. So a stressor either is in the journal or dies with chaosd.
 * stressor_stop_all() kills them through a pidfd checked against the saved
 * start time (never a recycled PID) and reaps those that are our children. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "fault.h"
#include "target.h"

#define STRESSOR_MAX_DIRS 8

enum stressor_kind { STRESSOR_CPU, STRESSOR_MEMORY };

struct stressor_params {
        enum stressor_kind kind;
        double cpu_fraction; /* CPU: CPUs this worker burns, 0 < x <= 1 */
        uint64_t bytes;      /* MEMORY: bytes kept resident */
        uint64_t ramp_us;    /* MEMORY: spread the touching over this long (0: at once) */
        int watch_fd;        /* pidfd of the target's main process: the stressor exits
                              * when it does (-1: nothing to watch) */
};

struct stressor_dirs {
        size_t n;
        char dir[STRESSOR_MAX_DIRS][4096];
};

/* The cgroup directories a stressor must join to count against T: on v1
 * each resource hierarchy (cpu, cpuacct, cpuset, memory, pids, blkio) that
 * exists, once per mount; on v2 the target's one directory. */
int stressor_target_dirs(const struct target *t, struct stressor_dirs *ret, struct error *e);
/* Fork one stressor into DIRS and start it (see above). On error the child
 * is already recorded, so the caller's revert still reaps it. */
int stressor_spawn(struct fault *f, const struct stressor_dirs *dirs, const struct stressor_params *p,
                   struct error *e);
/* SIGKILL every stressor recorded in f->saved, wait (bounded) until each
 * has exited, and reap our own children. Stressors already gone count as
 * stopped. Idempotent. */
int stressor_stop_all(struct fault *f, struct error *e);
/* How many recorded stressors are still running (zombies do not count). */
int stressor_count_alive(struct fault *f);
/* For ops->child_exited: 1 if PID is one of F's stressors. */
int stressor_owns(struct fault *f, int pid);
