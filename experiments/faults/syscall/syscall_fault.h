/* The public face of the syscall fault, all that the daemon's seccomp
 * agent (chaosd/seccomp_agent.c) and chaosctl exec need of it: what a
 * "syscall" fault asks for (the policy), the per-call judgement shared by
 * every injector (the agent, the ptrace tracer), and the small registry
 * through which the fault module reaches the agent without knowing about
 * it (the agent registers its ops at start; unit tests and chaosctl have
 * none). The rest of this folder is the fault's own. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "error.h"

#define SYSCALL_POLICY_MAX_CALLS 64
#define SYSCALL_POLICY_PATH_MAX 512

enum syscall_mode {
        SYSCALL_MODE_AUTO,   /* supervised by the agent -> notify, else ptrace */
        SYSCALL_MODE_NOTIFY, /* only through a seccomp listener */
        SYSCALL_MODE_PTRACE, /* only through a ptrace tracer */
        SYSCALL_MODE_KERNEL, /* chaosctl exec: SECCOMP_RET_ERRNO, no daemon, for CMD's whole life */
};

struct syscall_policy {
        int nr[SYSCALL_POLICY_MAX_CALLS]; /* native syscall numbers */
        char names[SYSCALL_POLICY_MAX_CALLS][32];
        int n;
        int err;                            /* errno to fail with; 0: do not fail (delay only) */
        double probability;                 /* 0..100 */
        int64_t count;                      /* fail (or delay) only the first COUNT matches; -1: unlimited */
        uint64_t delay_us;                  /* hold each matching call this long first */
        char path[SYSCALL_POLICY_PATH_MAX]; /* fnmatch(3) glob; "" matches all */
        enum syscall_mode mode;
        int allow_enosys_on_crash;
};

/* What to do with one call. */
struct syscall_verdict {
        int err;           /* 0: let it run (after delay_us), else fail with -err */
        uint64_t delay_us; /* hold it this long first */
        int matched;       /* counted against "count" */
};

/* Running totals of one injector for one policy. */
struct syscall_stats {
        uint64_t seen;     /* notifications / stops for the routed calls */
        uint64_t matched;  /* passed syscall and path filters */
        uint64_t injected; /* failed with err */
        uint64_t delayed;
};

/* Index of syscall NR in P, -1 when P does not route it. */
int syscall_policy_index(const struct syscall_policy *p, int nr);
/* The argument index holding the path for syscall NR (x86_64 numbers), -1
 * when it takes no path. */
int syscall_path_arg(int nr);
/* 1 when PATH matches the policy's glob (always 1 with no glob). */
int syscall_policy_path_match(const struct syscall_policy *p, const char *path);
/* Decide one call that passed the syscall and path filters. MATCHES_SO_FAR
 * is the number of earlier matched calls (for "count"); RND a uniform random
 * number in [0, 1). */
void syscall_policy_decide(const struct syscall_policy *p, uint64_t matches_so_far, double rnd,
                           struct syscall_verdict *ret);
/* An injector applying a policy: its counters and its sources. */
struct syscall_judge {
        const struct syscall_policy *p;
        struct syscall_stats *stats;
        uint64_t matches;         /* matched calls so far (for "count") */
        double (*rnd)(void *arg); /* uniform in [0, 1) */
        /* Optional: asked after the path was read from the caller's
         * memory; 0 when the caller no longer waits (the pid may be
         * another process by now, the string then is not its). */
        int (*still_waiting)(void *arg);
        void *arg;
};

/* Judge one call the policy routes (syscall_policy_index() >= 0) made by
 * PID with syscall NR and ARGS: count it as seen, match its path argument
 * (read from PID's memory) against the glob, decide, count the verdict.
 * RET->matched is 0 when the call is to run untouched. */
void syscall_judge(struct syscall_judge *j, pid_t pid, int nr, const __u64 *args, struct syscall_verdict *ret);
/* A policy that SECCOMP_RET_ERRNO can implement in the kernel: 100%, an
 * errno, no delay, no count, no path. */
int syscall_policy_kernel_ok(const struct syscall_policy *p);
/* Read a NUL-terminated string at ADDR in process PID (process_vm_readv,
 * stopping at page boundaries so an unmapped next page is not an error). */
int syscall_read_string(pid_t pid, uint64_t addr, char *buf, size_t len);

/* The bridge to the daemon's seccomp agent. KEY identifies the fault that
 * sets the policy. attach returns -ENOENT when the process is not
 * supervised (no listener), -EBUSY when another policy holds it. */
struct syscall_agent_ops {
        /* LIVE (optional) is kept up to date while attached, and stays
         * valid for the caller after the process is gone. */
        int (*attach)(pid_t pid, uint64_t start_time, const void *key, const struct syscall_policy *p,
                      struct syscall_stats *live, int *ret_has_keeper, struct error *e);
        int (*detach)(pid_t pid, uint64_t start_time, const void *key);
        /* 0 and *ret filled while KEY's policy is attached, else -ENOENT. */
        int (*stats)(pid_t pid, uint64_t start_time, const void *key, struct syscall_stats *ret);
};

void syscall_agent_register(const struct syscall_agent_ops *ops);
/* The registered ops, NULL outside the daemon. */
const struct syscall_agent_ops *syscall_agent(void);

struct fault;
/* The parsed policy of a "syscall" fault (NULL for any other fault), for
 * chaosctl exec, which builds its filter from it. */
const struct syscall_policy *fault_syscall_policy(const struct fault *f);
