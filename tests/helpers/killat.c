/* killat: SIGKILL a running process at an exact point — before the Nth
 * system call that changes the kernel, or at the Nth journal commit — so a
 * crash campaign knows where it killed instead of guessing with sleeps.
 * Independent of the product: it reads only the tracee's system calls.
 *
 *   killat [-m kernel|commit] [-n N] [-x VICTIM] [-v] PID
 *
 * It seizes every thread of PID (PTRACE_SEIZE; new threads follow through
 * PTRACE_O_TRACECLONE, forked children do not), prints "ready" once all
 * of them run under syscall tracing, and counts points:
 *
 *   kernel  the entry of each system call that changes kernel state
 *           outside the tracee:
 *             write/pwrite64/writev to a file under /sys/fs/cgroup
 *             mkdir/rmdir/unlinkat under /sys/fs/cgroup
 *             sendmsg/sendto on a netlink socket, except rtnetlink GET
 *               requests (those only read)
 *             kill/tgkill/tkill/pidfd_send_signal/rt_*sigqueueinfo with a
 *               signal (not 0) to another process
 *             fork/vfork/clone/clone3 of a process (not a thread)
 *             ptrace SEIZE/ATTACH
 *   commit  journal commits of an SQLite WAL (a file named *-wal): point
 *           2k-1 is the entry of commit k's frame-header write (the
 *           transaction is not yet durable), point 2k the exit of the page
 *           write that follows it (the commit is in the file, nothing after
 *           it ran).
 *
 * At point N it sends SIGKILL to PID while the thread is stopped there: at
 * a syscall-entry stop the call is never executed (a fatal signal pending
 * at the stop aborts it). It prints "killed POINT PHASE LABEL" and exits
 * 0; PHASE is "apply" before chaosd has sent any HTTP 2xx answer (the
 * answer to the POST comes once the faults are applied) and "revert"
 * after it.
 * With -x VICTIM it SIGKILLs VICTIM instead (a target that exits at that
 * exact point), prints "troubled POINT LABEL" and goes on tracing PID
 * until told to stop. With -v every point is printed as "point N LABEL" on stderr. On SIGTERM
 * or SIGINT it detaches, prints "reached COUNT" (points seen) and exits 3;
 * when PID exits on its own, "exited COUNT", exit 4. Usage errors exit 2,
 * failures to trace 1. Static (the kernel lane's VM runs it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#define MAX_TASKS 256

enum mode { MODE_KERNEL, MODE_COMMIT };

static enum mode mode = MODE_KERNEL;
static long target_n = 1;
static int verbose;
static pid_t victim;
static pid_t tgid;
static int pidfd = -1;
static long points;
/* chaosd has answered an HTTP request with a 2xx (a POST once its faults
 * are applied): the points after it belong to the running experiment. */
static int answered;
static volatile sig_atomic_t stop_requested;

/* The tasks being traced, and for the commit mode the WAL fd whose page
 * write completes a commit (per task: a commit is one thread's work). */
static struct task {
        pid_t tid;
        int commit_fd; /* -1: no commit header seen; else the page write to wait for */
        int in_commit_page;
} tasks[MAX_TASKS];
static int ntasks;

static struct task *task_find(pid_t tid)
{
        for (int i = 0; i < ntasks; i++)
                if (tasks[i].tid == tid)
                        return &tasks[i];
        return NULL;
}

static struct task *task_add(pid_t tid)
{
        struct task *t = task_find(tid);

        if (t)
                return t;
        if (ntasks == MAX_TASKS) {
                fprintf(stderr, "killat: more than %d threads\n", MAX_TASKS);
                exit(1);
        }
        t = &tasks[ntasks++];
        *t = (struct task){ .tid = tid, .commit_fd = -1 };
        return t;
}

static void task_del(pid_t tid)
{
        for (int i = 0; i < ntasks; i++)
                if (tasks[i].tid == tid) {
                        tasks[i] = tasks[--ntasks];
                        return;
                }
}

static int read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
        struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

        return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static int read_str(pid_t tid, uint64_t addr, char *buf, size_t len)
{
        /* Byte-wise bounded: a path may end near the end of a mapping. */
        size_t i;

        for (i = 0; i + 1 < len; i++) {
                if (read_mem(tid, addr + i, &buf[i], 1) < 0)
                        return -1;
                if (!buf[i])
                        return 0;
        }
        buf[i] = 0;
        return 0;
}

static int fd_path(pid_t tid, long fd, char *buf, size_t len)
{
        char p[64];
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/%d/fd/%ld", (int)tid, fd);
        n = readlink(p, buf, len - 1);
        if (n < 0)
                return -1;
        buf[n] = 0;
        return 0;
}

static const char *base_name(const char *p)
{
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

static int starts_with(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The socket's domain and protocol, through a copy of the tracee's fd. */
static int sock_kind(long fd, int *ret_domain, int *ret_proto)
{
        socklen_t l = sizeof(int);
        int copy = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0), r = -1;

        if (copy < 0)
                return -1;
        if (getsockopt(copy, SOL_SOCKET, SO_DOMAIN, ret_domain, &l) == 0 &&
            getsockopt(copy, SOL_SOCKET, SO_PROTOCOL, ret_proto, &l) == 0)
                r = 0;
        close(copy);
        return r;
}

static const char *rtm_name(unsigned type)
{
        static const struct {
                unsigned t;
                const char *n;
        } names[] = {
                { RTM_NEWLINK, "RTM_NEWLINK" },       { RTM_DELLINK, "RTM_DELLINK" },
                { RTM_SETLINK, "RTM_SETLINK" },       { RTM_NEWADDR, "RTM_NEWADDR" },
                { RTM_DELADDR, "RTM_DELADDR" },       { RTM_NEWQDISC, "RTM_NEWQDISC" },
                { RTM_DELQDISC, "RTM_DELQDISC" },     { RTM_NEWTCLASS, "RTM_NEWTCLASS" },
                { RTM_DELTCLASS, "RTM_DELTCLASS" },   { RTM_NEWTFILTER, "RTM_NEWTFILTER" },
                { RTM_DELTFILTER, "RTM_DELTFILTER" }, { RTM_NEWACTION, "RTM_NEWACTION" },
                { RTM_DELACTION, "RTM_DELACTION" },   { RTM_NEWCHAIN, "RTM_NEWCHAIN" },
                { RTM_DELCHAIN, "RTM_DELCHAIN" },
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (names[i].t == type)
                        return names[i].n;
        return NULL;
}

/* A netlink send: a point unless it is an rtnetlink GET (a dump or a read). */
static int netlink_point(pid_t tid, const struct __ptrace_syscall_info *si, int is_sendmsg, char *label,
                         size_t len)
{
        int domain = 0, proto = 0;
        struct nlmsghdr nh;
        uint64_t buf;

        if (sock_kind((long)si->entry.args[0], &domain, &proto) < 0 || domain != AF_NETLINK)
                return 0;
        buf = si->entry.args[1];
        if (is_sendmsg) {
                struct msghdr mh;
                struct iovec iov;

                if (read_mem(tid, buf, &mh, sizeof(mh)) < 0 || mh.msg_iovlen < 1 ||
                    read_mem(tid, (uint64_t)(uintptr_t)mh.msg_iov, &iov, sizeof(iov)) < 0)
                        return 0;
                buf = (uint64_t)(uintptr_t)iov.iov_base;
        }
        if (read_mem(tid, buf, &nh, sizeof(nh)) < 0)
                return 0;
        if (proto == NETLINK_ROUTE) {
                if (nh.nlmsg_type >= RTM_BASE && (nh.nlmsg_type & 3) == 2)
                        return 0; /* RTM_GET*: reads only */
                if (rtm_name(nh.nlmsg_type)) {
                        snprintf(label, len, "%s %s", is_sendmsg ? "sendmsg" : "sendto", rtm_name(nh.nlmsg_type));
                        return 1;
                }
        }
        snprintf(label, len, "%s netlink(%d) type %u", is_sendmsg ? "sendmsg" : "sendto", proto,
                 (unsigned)nh.nlmsg_type);
        return 1;
}

/* Is this syscall entry a kernel-changing point? Fills LABEL. */
static int kernel_point(pid_t tid, const struct __ptrace_syscall_info *si, char *label, size_t len)
{
        const uint64_t *a = si->entry.args;
        char path[512];

        switch (si->entry.nr) {
        case SYS_write:
        case SYS_pwrite64:
        case SYS_writev:
        case SYS_pwritev:
        case SYS_pwritev2:
                if (fd_path(tid, (long)a[0], path, sizeof(path)) < 0 || !starts_with(path, "/sys/fs/cgroup/"))
                        return 0;
                if (si->entry.nr == SYS_write) {
                        char val[24] = "";
                        size_t n = a[2] < sizeof(val) - 1 ? a[2] : sizeof(val) - 1;

                        (void)read_mem(tid, a[1], val, n);
                        val[n] = 0;
                        val[strcspn(val, "\n")] = 0;
                        snprintf(label, len, "write %.64s \"%s\"", base_name(path), val);
                } else
                        snprintf(label, len, "write %.64s", base_name(path));
                return 1;
        case SYS_mkdir:
        case SYS_rmdir:
                if (read_str(tid, a[0], path, sizeof(path)) < 0 || !starts_with(path, "/sys/fs/cgroup/"))
                        return 0;
                snprintf(label, len, "%s cgroup", si->entry.nr == SYS_mkdir ? "mkdir" : "rmdir");
                return 1;
        case SYS_mkdirat:
        case SYS_unlinkat: {
                char dir[512] = "";

                if (read_str(tid, a[1], path, sizeof(path)) < 0)
                        return 0;
                if (path[0] != '/' && (long)(int)a[0] != AT_FDCWD)
                        (void)fd_path(tid, (long)(int)a[0], dir, sizeof(dir));
                if (!starts_with(path, "/sys/fs/cgroup/") && !starts_with(dir, "/sys/fs/cgroup"))
                        return 0;
                snprintf(label, len, "%s cgroup", si->entry.nr == SYS_mkdirat ? "mkdirat" : "unlinkat");
                return 1;
        }
        case SYS_sendmsg:
                return netlink_point(tid, si, 1, label, len);
        case SYS_sendto:
                return netlink_point(tid, si, 0, label, len);
        case SYS_kill:
        case SYS_tkill:
                if (a[1] == 0 || (pid_t)a[0] == tgid || (pid_t)a[0] == tid)
                        return 0;
                snprintf(label, len, "%s %s", si->entry.nr == SYS_kill ? "kill" : "tkill", strsignal((int)a[1]));
                return 1;
        case SYS_tgkill:
                if (a[2] == 0 || (pid_t)a[0] == tgid)
                        return 0;
                snprintf(label, len, "tgkill %s", strsignal((int)a[2]));
                return 1;
        case SYS_rt_sigqueueinfo:
        case SYS_rt_tgsigqueueinfo:
                if (a[1] == 0 || (pid_t)a[0] == tgid)
                        return 0;
                snprintf(label, len, "rt_sigqueueinfo %s", strsignal((int)a[1]));
                return 1;
        case SYS_pidfd_send_signal:
                if (a[1] == 0)
                        return 0; /* a liveness probe */
                snprintf(label, len, "pidfd_send_signal %s", strsignal((int)a[1]));
                return 1;
        case SYS_fork:
        case SYS_vfork:
                snprintf(label, len, "fork");
                return 1;
        case SYS_clone:
                if (a[0] & CLONE_THREAD)
                        return 0;
                snprintf(label, len, "fork");
                return 1;
        case SYS_clone3: {
                uint64_t flags = 0;

                if (read_mem(tid, a[0], &flags, sizeof(flags)) < 0 || (flags & CLONE_THREAD))
                        return 0;
                snprintf(label, len, "fork");
                return 1;
        }
        case SYS_ptrace:
                if (a[0] != PTRACE_SEIZE && a[0] != PTRACE_ATTACH)
                        return 0;
                snprintf(label, len, "ptrace %s", a[0] == PTRACE_SEIZE ? "SEIZE" : "ATTACH");
                return 1;
        }
        return 0;
}

static int is_wal(pid_t tid, long fd)
{
        char path[512];
        size_t n;

        if (fd_path(tid, fd, path, sizeof(path)) < 0)
                return 0;
        n = strlen(path);
        return n > 4 && strcmp(path + n - 4, "-wal") == 0;
}

/* A WAL frame is written as a 24-byte header, then the page. The header's
 * bytes 4..7 (big-endian) are the database size after the commit for a
 * commit frame and zero for every other frame (SQLite's file format). */
static int commit_point(struct task *t, const struct __ptrace_syscall_info *si, char *label, size_t len)
{
        const uint64_t *a = si->entry.args;
        unsigned char hdr[24];
        long commit_no = points / 2 + 1;

        if (si->op == PTRACE_SYSCALL_INFO_ENTRY) {
                if (si->entry.nr != SYS_pwrite64 || !is_wal(t->tid, (long)a[0]))
                        return 0;
                if (t->commit_fd >= 0 && (long)a[0] == t->commit_fd) {
                        t->in_commit_page = 1; /* the commit's page: count at its exit */
                        return 0;
                }
                if (a[2] != sizeof(hdr) || read_mem(t->tid, a[1], hdr, sizeof(hdr)) < 0)
                        return 0;
                if (!(hdr[4] | hdr[5] | hdr[6] | hdr[7]))
                        return 0;
                t->commit_fd = (int)a[0];
                snprintf(label, len, "commit %ld before", commit_no);
                return 1;
        }
        if (si->op == PTRACE_SYSCALL_INFO_EXIT && t->in_commit_page) {
                t->in_commit_page = 0;
                t->commit_fd = -1;
                snprintf(label, len, "commit %ld after", commit_no);
                return 1;
        }
        return 0;
}

/* Until the victim has exited (a zombie or gone), at most 2 s: chaosd
 * resumes only once its target is dead. */
static void victim_wait_dead(void)
{
        char p[64], buf[512];

        snprintf(p, sizeof(p), "/proc/%d/stat", (int)victim);
        for (int i = 0; i < 2000; i++) {
                int fd = open(p, O_RDONLY | O_CLOEXEC);
                ssize_t n;
                char *s;

                if (fd < 0)
                        return;
                n = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                if (n <= 0)
                        return;
                buf[n] = 0;
                s = strrchr(buf, ')');
                if (!s || s[2] == 'Z' || s[2] == 'X')
                        return;
                usleep(1000);
        }
}

/* An HTTP 2xx answer leaving through write/send/sendmsg on any socket. */
static void note_answer(pid_t tid, const struct __ptrace_syscall_info *si)
{
        uint64_t buf = si->entry.args[1];
        char head[10];

        if (si->entry.nr == SYS_sendmsg || si->entry.nr == SYS_writev) {
                struct iovec iov;

                if (si->entry.nr == SYS_sendmsg) {
                        struct msghdr mh;

                        if (read_mem(tid, buf, &mh, sizeof(mh)) < 0 || mh.msg_iovlen < 1)
                                return;
                        buf = (uint64_t)(uintptr_t)mh.msg_iov;
                }
                if (read_mem(tid, buf, &iov, sizeof(iov)) < 0)
                        return;
                buf = (uint64_t)(uintptr_t)iov.iov_base;
        }
        if (read_mem(tid, buf, head, sizeof(head)) == 0 && memcmp(head, "HTTP/1.1 2", sizeof(head)) == 0)
                answered = 1;
}

static void on_term(int sig)
{
        (void)sig;
        stop_requested = 1;
}

/* Leave every task running untraced. */
static void detach_all(void)
{
        for (int i = 0; i < ntasks; i++)
                (void)ptrace(PTRACE_INTERRUPT, tasks[i].tid, 0, 0);
        while (ntasks > 0) {
                int st;
                pid_t tid = waitpid(-1, &st, __WALL);

                if (tid < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (WIFEXITED(st) || WIFSIGNALED(st)) {
                        task_del(tid);
                        continue;
                }
                if (!task_find(tid))
                        continue;
                {
                        int sig = WSTOPSIG(st), event = st >> 16;
                        /* A signal-delivery stop keeps its signal; every
                         * other stop (syscall, event, interrupt) none. */
                        int pass = (event == 0 && sig != (SIGTRAP | 0x80)) ? sig : 0;

                        (void)ptrace(PTRACE_DETACH, tid, 0, (void *)(long)pass);
                        task_del(tid);
                }
        }
}

static int seize_all(void)
{
        char p[64];
        int changed = 1;

        /* Threads may be created while we seize: list until stable. */
        while (changed) {
                DIR *d;
                struct dirent *de;

                changed = 0;
                snprintf(p, sizeof(p), "/proc/%d/task", (int)tgid);
                d = opendir(p);
                if (!d)
                        return -1;
                while ((de = readdir(d))) {
                        pid_t tid = atoi(de->d_name);
                        int st;

                        if (tid <= 0 || task_find(tid))
                                continue;
                        if (ptrace(PTRACE_SEIZE, tid, 0,
                                   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE)) < 0) {
                                if (errno == ESRCH)
                                        continue;
                                closedir(d);
                                return -1;
                        }
                        task_add(tid);
                        changed = 1;
                        /* Stop it once so that it resumes with syscall stops. */
                        if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || waitpid(tid, &st, __WALL) < 0) {
                                closedir(d);
                                return -1;
                        }
                        if (WIFSTOPPED(st) && ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0) {
                                closedir(d);
                                return -1;
                        }
                }
                closedir(d);
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct sigaction sa = { .sa_handler = on_term };
        int opt;

        while ((opt = getopt(argc, argv, "m:n:x:v")) != -1) {
                switch (opt) {
                case 'm':
                        if (strcmp(optarg, "kernel") == 0)
                                mode = MODE_KERNEL;
                        else if (strcmp(optarg, "commit") == 0)
                                mode = MODE_COMMIT;
                        else
                                goto usage;
                        break;
                case 'n':
                        target_n = strtol(optarg, NULL, 10);
                        if (target_n < 1)
                                goto usage;
                        break;
                case 'x':
                        victim = atoi(optarg);
                        if (victim <= 0)
                                goto usage;
                        break;
                case 'v':
                        verbose = 1;
                        break;
                default:
                        goto usage;
                }
        }
        if (optind != argc - 1)
                goto usage;
        tgid = atoi(argv[optind]);
        if (tgid <= 0)
                goto usage;

        /* No SA_RESTART: a TERM must interrupt waitpid. */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
        if (pidfd < 0) {
                fprintf(stderr, "killat: pidfd_open %d: %s\n", (int)tgid, strerror(errno));
                return 1;
        }
        if (seize_all() < 0) {
                fprintf(stderr, "killat: seize %d: %s\n", (int)tgid, strerror(errno));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        for (;;) {
                struct __ptrace_syscall_info si;
                struct task *t;
                char label[256];
                int st, sig, event, is_point = 0;
                pid_t tid;

                if (stop_requested) {
                        detach_all();
                        printf("reached %ld\n", points);
                        return 3;
                }
                tid = waitpid(-1, &st, __WALL);
                if (tid < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "killat: waitpid: %s\n", strerror(errno));
                        return 1;
                }
                if (WIFEXITED(st) || WIFSIGNALED(st)) {
                        task_del(tid);
                        if (tid == tgid || ntasks == 0) {
                                printf("exited %ld\n", points);
                                return 4;
                        }
                        continue;
                }
                if (!WIFSTOPPED(st))
                        continue;
                t = task_add(tid); /* a new thread may report before its parent's event */
                sig = WSTOPSIG(st);
                event = st >> 16;
                if (sig == (SIGTRAP | 0x80)) {
                        if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(si), &si) <= 0) {
                                (void)ptrace(PTRACE_SYSCALL, tid, 0, 0);
                                continue;
                        }
                        if (si.op == PTRACE_SYSCALL_INFO_ENTRY &&
                            (si.entry.nr == SYS_write || si.entry.nr == SYS_writev || si.entry.nr == SYS_sendto ||
                             si.entry.nr == SYS_sendmsg))
                                note_answer(tid, &si);
                        if (mode == MODE_KERNEL && si.op == PTRACE_SYSCALL_INFO_ENTRY)
                                is_point = kernel_point(tid, &si, label, sizeof(label));
                        else if (mode == MODE_COMMIT)
                                is_point = commit_point(t, &si, label, sizeof(label));
                        if (is_point) {
                                points++;
                                if (verbose)
                                        fprintf(stderr, "point %ld %s\n", points, label);
                                if (points == target_n && victim) {
                                        /* The target dies while chaosd is
                                         * stopped before this call. */
                                        kill(victim, SIGKILL);
                                        victim_wait_dead();
                                        printf("troubled %ld %s %s\n", points, answered ? "revert" : "apply", label);
                                        fflush(stdout);
                                } else if (points == target_n) {
                                        /* Stopped here: the call has not run (entry) or
                                         * nothing after it has (exit). */
                                        kill(tgid, SIGKILL);
                                        printf("killed %ld %s %s\n", points, answered ? "revert" : "apply", label);
                                        return 0;
                                }
                        }
                        (void)ptrace(PTRACE_SYSCALL, tid, 0, 0);
                        continue;
                }
                if (event) {
                        /* PTRACE_EVENT_CLONE (a new thread, attached by the
                         * kernel), an interrupt or a group stop: go on. */
                        if (event == PTRACE_EVENT_CLONE) {
                                unsigned long child = 0;

                                if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0)
                                        task_add((pid_t)child);
                        }
                        (void)ptrace(PTRACE_SYSCALL, tid, 0, 0);
                        continue;
                }
                /* A signal on its way to the tracee: deliver it. */
                (void)ptrace(PTRACE_SYSCALL, tid, 0, (void *)(long)sig);
        }
usage:
        fprintf(stderr, "usage: killat [-m kernel|commit] [-n N] [-x VICTIM] [-v] PID\n");
        return 2;
}
