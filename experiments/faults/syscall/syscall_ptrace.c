/* The ptrace tracer of running-process mode. See syscall_ptrace.h.
 *
 * Why a separate process: chaosd reaps its children with waitpid(-1), which
 * would swallow ptrace stops, and one blocked tracee must never stall the
 * daemon's loop. The tracer never execs anything; it inherits no descriptor
 * but its pipe to the parent.
 *
 * Cost: PTRACE_SYSCALL stops every thread of the target at the entry and
 * exit of *every* syscall (seccomp cannot be added to a running process, so
 * the kernel cannot pre-filter), i.e. two context switches to the tracer per
 * call; docs/syscall.md gives the measured rates. */
#include "syscall_ptrace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/ptrace.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "proc.h"

/* glibc's <sys/ptrace.h> clashes with <linux/ptrace.h>; use the raw call. */
static long xptrace(long req, pid_t pid, unsigned long addr, unsigned long data)
{
        return syscall(SYS_ptrace, req, pid, addr, data);
}

#define TRACE_OPTS \
        (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC)

struct tracee {
        pid_t tid;
        int pending_err;        /* set rax to -pending_err at the syscall's exit stop */
        uint64_t held_until_ns; /* resume at this CLOCK_MONOTONIC time; 0: not held */
};

struct tracer {
        const struct syscall_policy *p;
        struct syscall_stats *stats;
        struct tracee *t;
        size_t n, cap;
        uint64_t matches;
        uint64_t rng;
};

static uint64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double rnd(struct tracer *tr)
{
        /* xorshift64*: the tracer needs speed, not secrecy. */
        tr->rng ^= tr->rng >> 12;
        tr->rng ^= tr->rng << 25;
        tr->rng ^= tr->rng >> 27;
        return (double)((tr->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double judge_rnd(void *tr)
{
        return rnd(tr);
}

static struct tracee *find(struct tracer *tr, pid_t tid)
{
        for (size_t i = 0; i < tr->n; i++)
                if (tr->t[i].tid == tid)
                        return &tr->t[i];
        return NULL;
}

static struct tracee *add(struct tracer *tr, pid_t tid)
{
        struct tracee *t = find(tr, tid);

        if (t)
                return t;
        if (tr->n == tr->cap) {
                size_t cap = tr->cap ? tr->cap * 2 : 16;
                struct tracee *nt = realloc(tr->t, cap * sizeof(*nt));

                if (!nt)
                        return NULL;
                tr->t = nt;
                tr->cap = cap;
        }
        t = &tr->t[tr->n++];
        memset(t, 0, sizeof(*t));
        t->tid = tid;
        return t;
}

static void forget(struct tracer *tr, pid_t tid)
{
        struct tracee *t = find(tr, tid);

        if (t)
                *t = tr->t[--tr->n];
}

/* Seize every thread of PID; repeat until a pass finds no new thread, so
 * threads created meanwhile are caught (later ones by TRACECLONE). */
static int seize_all(struct tracer *tr, pid_t pid)
{
        char dir[64];

        snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
        for (int pass = 0; pass < 100; pass++) {
                DIR *d = opendir(dir);
                struct dirent *de;
                int fresh = 0;

                if (!d)
                        return -ESRCH;
                while ((de = readdir(d))) {
                        pid_t tid = (pid_t)atoi(de->d_name);

                        if (tid <= 0 || find(tr, tid))
                                continue;
                        if (xptrace(PTRACE_SEIZE, tid, 0, TRACE_OPTS) < 0) {
                                if (errno == ESRCH)
                                        continue; /* the thread just exited */
                                closedir(d);
                                return -errno;
                        }
                        if (!add(tr, tid)) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        (void)xptrace(PTRACE_INTERRUPT, tid, 0, 0);
                        fresh++;
                }
                closedir(d);
                if (!fresh)
                        return 0;
        }
        return -EAGAIN;
}

#if defined(__x86_64__)
static void set_return(pid_t tid, int err, int skip)
{
        struct user_regs_struct regs;

        if (xptrace(PTRACE_GETREGS, tid, 0, (unsigned long)&regs) < 0)
                return;
        if (skip)
                regs.orig_rax = (unsigned long long)-1; /* the kernel skips syscall -1 */
        regs.rax = (unsigned long long)(long long)-err;
        (void)xptrace(PTRACE_SETREGS, tid, 0, (unsigned long)&regs);
}
#define TRACER_ARCH AUDIT_ARCH_X86_64
#endif

static void on_syscall_stop(struct tracer *tr, pid_t tid)
{
        struct ptrace_syscall_info info;
        struct tracee *t = add(tr, tid);
        struct syscall_verdict v;
        struct syscall_judge j;
        int idx;

        if (!t || xptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), (unsigned long)&info) <= 0)
                goto resume;
        if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
                if (t->pending_err)
                        set_return(tid, t->pending_err, 0);
                t->pending_err = 0;
                goto resume;
        }
        if (info.op != PTRACE_SYSCALL_INFO_ENTRY || info.arch != TRACER_ARCH)
                goto resume;
        idx = syscall_policy_index(tr->p, (int)info.entry.nr);
        if (idx < 0)
                goto resume;
        /* The tracee is stopped: it waits until we resume it. */
        j = (struct syscall_judge){
                .p = tr->p, .stats = tr->stats, .matches = tr->matches, .rnd = judge_rnd, .arg = tr
        };
        syscall_judge(&j, tid, (int)info.entry.nr, info.entry.args, &v);
        tr->matches = j.matches;
        if (!v.matched)
                goto resume;
        if (v.err) {
                set_return(tid, v.err, 1);
                t->pending_err = v.err;
        }
        if (v.delay_us) {
                t->held_until_ns = mono_ns() + v.delay_us * 1000;
                return; /* resumed by release_due() */
        }
resume:
        (void)xptrace(PTRACE_SYSCALL, tid, 0, 0);
}

static void on_stop(struct tracer *tr, pid_t w, int status)
{
        int sig = WSTOPSIG(status), ev = status >> 16;

        if (sig == (SIGTRAP | 0x80)) {
                on_syscall_stop(tr, w);
                return;
        }
        if (ev == PTRACE_EVENT_STOP) {
                (void)add(tr, w);
                /* A group-stop (SIGSTOP & co.) stays a stop: LISTEN keeps the
                 * tracee stopped as the job-control signal asked. */
                if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
                        (void)xptrace(PTRACE_LISTEN, w, 0, 0);
                else
                        (void)xptrace(PTRACE_SYSCALL, w, 0, 0);
                return;
        }
        if (ev) {
                unsigned long msg = 0;

                if ((ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) &&
                    xptrace(PTRACE_GETEVENTMSG, w, 0, (unsigned long)&msg) == 0)
                        (void)add(tr, (pid_t)msg);
                (void)xptrace(PTRACE_SYSCALL, w, 0, 0);
                return;
        }
        /* A signal for the tracee: deliver it unchanged. */
        (void)xptrace(PTRACE_SYSCALL, w, 0, (unsigned long)sig);
}

/* Resume held calls whose delay is over; the time until the next one. */
static int64_t release_due(struct tracer *tr)
{
        uint64_t now = mono_ns();
        int64_t next = -1;

        for (size_t i = 0; i < tr->n; i++) {
                struct tracee *t = &tr->t[i];

                if (!t->held_until_ns)
                        continue;
                if (t->held_until_ns <= now) {
                        t->held_until_ns = 0;
                        (void)xptrace(PTRACE_SYSCALL, t->tid, 0, 0);
                } else if (next < 0 || (int64_t)(t->held_until_ns - now) < next) {
                        next = (int64_t)(t->held_until_ns - now);
                }
        }
        return next;
}

static _Noreturn void tracer_main(pid_t pid, uint64_t start_time, const struct syscall_policy *p,
                                  struct syscall_stats *stats, pid_t parent, int ready_fd)
{
        struct tracer tr = { .p = p, .stats = stats };
        sigset_t set;
        uint64_t st;
        int r = 0;

        /* Die with chaosd: the kernel then detaches every tracee. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        if (dup3(ready_fd, 3, O_CLOEXEC) < 0 && ready_fd != 3)
                _exit(1);
        ready_fd = 3;
        close_range(4, ~0U, 0);
        (void)prctl(PR_SET_NAME, "chaosd-tracer");
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, NULL);
        if (getrandom(&tr.rng, sizeof(tr.rng), 0) != sizeof(tr.rng) || !tr.rng)
                tr.rng = (uint64_t)mono_ns() | 1;

#ifndef TRACER_ARCH
        r = -ENOTSUP;
#else
        r = seize_all(&tr, pid);
        /* Seized: the identity check now cannot race a PID reuse. */
        if (r == 0 && (proc_start_time(pid, &st, NULL) < 0 || st != start_time))
                r = -ESRCH;
#endif
        {
                int msg = r < 0 ? r : (int)tr.n;

                if (write(ready_fd, &msg, sizeof(msg)) != sizeof(msg) || r < 0)
                        _exit(1);
                close(ready_fd);
        }
        for (;;) {
                int status;
                pid_t w = waitpid(-1, &status, __WALL | WNOHANG);

                if (w > 0) {
                        if (WIFEXITED(status) || WIFSIGNALED(status))
                                forget(&tr, w);
                        else if (WIFSTOPPED(status))
                                on_stop(&tr, w, status);
                        continue;
                }
                if (w < 0 && errno == ECHILD)
                        _exit(0); /* every tracee is gone */
                {
                        int64_t next = release_due(&tr);
                        struct timespec ts = { .tv_sec = 1 };

                        if (next >= 0) {
                                ts.tv_sec = next / 1000000000;
                                ts.tv_nsec = next % 1000000000;
                        }
                        (void)sigtimedwait(&set, NULL, &ts);
                        (void)release_due(&tr);
                }
        }
}

static int read_tracer_pid(pid_t pid, pid_t *ret)
{
        char path[64], buf[4096];
        const char *s;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (fs_read(path, buf, sizeof(buf), NULL) < 0)
                return -ESRCH;
        s = strstr(buf, "\nTracerPid:");
        if (!s)
                return -EIO;
        *ret = (pid_t)atoi(s + strlen("\nTracerPid:"));
        return 0;
}

int syscall_tracer_start(pid_t pid, uint64_t start_time, const struct syscall_policy *p, struct syscall_tracer *ret,
                         struct error *e)
{
        _cleanup_close_ int rfd = -1, wfd = -1;
        int fds[2], msg = 0, r;
        struct pollfd pfd;
        pid_t tracer_pid, child, parent = getpid();
        void *mem;

        memset(ret, 0, sizeof(*ret));
        ret->pidfd = -1;
        if (read_tracer_pid(pid, &tracer_pid) < 0)
                return error_set(e, ESRCH, "process %d is gone", (int)pid);
        if (tracer_pid)
                return error_set(e, EBUSY,
                                 "process %d is already traced by process %d (a debugger, strace or "
                                 "another experiment)",
                                 (int)pid, (int)tracer_pid);
        mem = mmap(NULL, sizeof(struct syscall_stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
                return error_sys(e, errno, "mmap");
        ret->stats = mem;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = error_sys(e, errno, "pipe2");
                goto fail;
        }
        rfd = fds[0];
        wfd = fds[1];
        child = fork();
        if (child < 0) {
                r = error_sys(e, errno, "fork");
                goto fail;
        }
        if (child == 0)
                tracer_main(pid, start_time, p, ret->stats, parent, wfd);
        ret->pid = child;
        close(TAKE_FD(wfd));
        (void)proc_pidfd_open(child, &ret->start_time, &ret->pidfd, NULL);
        pfd.fd = rfd;
        pfd.events = POLLIN;
        r = poll(&pfd, 1, 10000);
        if (r <= 0 || read(rfd, &msg, sizeof(msg)) != sizeof(msg)) {
                r = error_set(e, ETIMEDOUT, "the tracer did not seize process %d", (int)pid);
                goto fail;
        }
        if (msg < 0) {
                r = error_sys(e, -msg, "ptrace process %d", (int)pid);
                goto fail;
        }
        ret->threads = msg;
        return 0;
fail:
        syscall_tracer_stop(ret);
        return r;
}

int syscall_tracer_check(const struct syscall_tracer *t, pid_t pid)
{
        pid_t tp;

        return t->pid > 0 && read_tracer_pid(pid, &tp) == 0 && tp == t->pid;
}

void syscall_tracer_stop(struct syscall_tracer *t)
{
        if (t->pidfd >= 0) {
                siginfo_t si;

                (void)proc_pidfd_signal(t->pidfd, SIGKILL, NULL);
                /* Wait for the exit, which is when the kernel detaches the
                 * tracees; the daemon's SIGCHLD reaping may beat us to it
                 * (ECHILD), which is just as good. */
                (void)waitid((idtype_t)P_PIDFD, (id_t)t->pidfd, &si, WEXITED);
                close(t->pidfd);
                t->pidfd = -1;
        } else if (t->pid > 0) {
                (void)syscall_tracer_kill_saved(t->pid, t->start_time, NULL);
        }
        t->pid = 0;
        if (t->stats)
                munmap(t->stats, sizeof(*t->stats));
        t->stats = NULL;
}

int syscall_tracer_kill_saved(pid_t pid, uint64_t start_time, struct error *e)
{
        int fd = -1, r;

        r = proc_pidfd_open(pid, &start_time, &fd, e);
        if (r < 0)
                return r == -ESRCH ? 0 : r;
        r = proc_pidfd_signal(fd, SIGKILL, e);
        close(fd);
        return r == -ESRCH ? 0 : r;
}
