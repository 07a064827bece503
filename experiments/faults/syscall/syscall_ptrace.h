/* Running-process mode of the syscall fault: a forked tracer process that
 * PTRACE_SEIZEs every thread of a process that was not started under our
 * seccomp filter, stops it at each syscall and fails (or holds) the ones the
 * policy picks.
 *
 * Reversibility is the kernel's: a tracer that exits, for any reason, leaves
 * its tracees detached and running natively (PTRACE_O_EXITKILL is never
 * set). The tracer asks for SIGKILL when its parent (chaosd) dies, so a
 * SIGKILLed daemon cannot leave a tracer behind; revert just kills it. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "syscall_fault.h"

struct syscall_tracer {
        pid_t pid; /* the tracer process; 0 when none */
        uint64_t start_time;
        int pidfd;                   /* -1 when none */
        struct syscall_stats *stats; /* shared with the tracer (MAP_SHARED) */
        int threads;                 /* how many threads were seized at start */
};

/* Fork a tracer for process PID (bound by START_TIME) and wait until every
 * thread is seized. -EBUSY when PID is already being traced. */
int syscall_tracer_start(pid_t pid, uint64_t start_time, const struct syscall_policy *p, struct syscall_tracer *ret,
                         struct error *e);
/* 1 while the tracer is alive and PID's TracerPid is the tracer. */
int syscall_tracer_check(const struct syscall_tracer *t, pid_t pid);
/* Kill the tracer (its tracees are detached by the kernel) and unmap the
 * stats; idempotent. The tracer's exit status is reaped by the daemon's
 * SIGCHLD handling, or here when nothing else does (unit tests). */
void syscall_tracer_stop(struct syscall_tracer *t);
/* Kill a tracer known only from the journal (pid + start time), after a
 * daemon restart. 0 when it is gone already. */
int syscall_tracer_kill_saved(pid_t pid, uint64_t start_time, struct error *e);
