#include "stressor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "proc.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* How long a stressor may take to report that it joined its cgroups, and
 * to disappear after SIGKILL. Both are normally a few milliseconds. */
#define STRESSOR_START_TIMEOUT_MS 5000
#define STRESSOR_EXIT_TIMEOUT_MS 5000

static const char *const v1_controllers[] = { "cpu", "cpuacct", "cpuset", "memory", "pids", "blkio" };

int stressor_target_dirs(const struct target *t, struct stressor_dirs *ret, struct error *e)
{
        dev_t devs[STRESSOR_MAX_DIRS];
        ino_t inos[STRESSOR_MAX_DIRS];
        int r;

        ret->n = 0;
        if (t->cgv == CG_V2) {
                r = target_cgroup_dir(t, "cpu", ret->dir[0], sizeof(ret->dir[0]), e);
                if (r < 0)
                        return r;
                ret->n = 1;
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
                char dir[4096];
                struct error ign;
                struct stat st;
                int dup = 0;

                /* A controller that is not mounted, or that the target's
                 * process is in no cgroup of, is skipped. */
                if (target_cgroup_dir(t, v1_controllers[i], dir, sizeof(dir), &ign) < 0 || stat(dir, &st) < 0)
                        continue;
                /* cpu,cpuacct co-mounted: one directory reached twice. */
                for (size_t j = 0; j < ret->n; j++)
                        dup |= devs[j] == st.st_dev && inos[j] == st.st_ino;
                if (dup)
                        continue;
                devs[ret->n] = st.st_dev;
                inos[ret->n] = st.st_ino;
                snprintf(ret->dir[ret->n++], sizeof(ret->dir[0]), "%s", dir);
        }
        if (ret->n == 0)
                return error_set(e, ENOENT, "no resource cgroup of target %s found", t->cgroup);
        return 0;
}

/* ---- the child: only async-signal-safe calls from here to _exit ---- */

static uint64_t now_ns(clockid_t c)
{
        struct timespec ts;

        clock_gettime(c, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
        struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The target's main process (a pidfd; -1: none to watch). When it exits
 * the container is going away: a stressor left in its cgroup would keep the
 * cgroup populated and stop the runtime from removing it, so it leaves at
 * once instead of waiting for revert. */
static int watch_fd = -1;

static void exit_if_target_gone(void)
{
        struct pollfd pfd = { .fd = watch_fd, .events = POLLIN };

        if (watch_fd >= 0 && poll(&pfd, 1, 0) > 0)
                _exit(0);
}

/* Duty-cycled busy loop: keep this process's CPU time at FRACTION of the
 * wall time since the start. Measuring the CPU time actually received
 * (rather than spinning for a fixed share of each period) keeps the load
 * right when the stressor is preempted. A debt above 100 ms (the stressor
 * was throttled or starved) is forgiven rather than repaid in a burst that
 * would overshoot the load afterwards. */
static __attribute__((noreturn)) void cpu_worker(double fraction)
{
        uint64_t t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), next_watch = 0;

        for (;;) {
                uint64_t wall = now_ns(CLOCK_MONOTONIC) - t0, cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
                double want = fraction * (double)wall;

                if (wall >= next_watch) {
                        exit_if_target_gone();
                        next_watch = wall + 50000000ULL;
                }

                if ((double)cpu < want) {
                        if (want - (double)cpu > 1e8) {
                                t0 = now_ns(CLOCK_MONOTONIC);
                                c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
                                continue;
                        }
                        /* Spin about a millisecond between checks. */
                        for (uint64_t end = now_ns(CLOCK_MONOTONIC) + 1000000; now_ns(CLOCK_MONOTONIC) < end;)
                                ;
                } else {
                        uint64_t ahead = (uint64_t)((double)cpu / fraction - (double)wall);

                        sleep_ns(ahead < 1000000 ? 1000000 : ahead > 100000000 ? 100000000 : ahead);
                }
        }
}

/* Touch BYTES of private anonymous memory (through volatile, so the stores
 * are not optimised away), spread over RAMP_NS, then keep it referenced. */
static __attribute__((noreturn)) void memory_worker(uint64_t bytes, uint64_t ramp_ns)
{
        const size_t page = 4096;
        volatile char *mem;
        uint64_t steps = ramp_ns / 50000000ULL, done = 0;

        mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED)
                _exit(3);
        if (steps == 0)
                steps = 1;
        for (uint64_t s = 1; s <= steps; s++) {
                uint64_t upto = bytes / steps * s;

                if (s == steps)
                        upto = bytes;
                for (; done < upto; done += page)
                        mem[done] = 1;
                if (s < steps)
                        sleep_ns(50000000ULL);
                exit_if_target_gone();
        }
        /* Re-reading every page now and then keeps them on the active
         * list, so reclaim (zram swap) prefers other memory. */
        for (unsigned n = 1;; n++) {
                sleep_ns(100000000ULL);
                exit_if_target_gone();
                if (n % 20)
                        continue;
                for (uint64_t i = 0; i < bytes; i += page)
                        (void)mem[i];
        }
}

/* Close every descriptor from 3 up except the N in KEEP (sorted here). */
static void close_all_but(int *keep, int n)
{
        unsigned lo = 3;

        for (int i = 1; i < n; i++)
                for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
                        int x = keep[j];

                        keep[j] = keep[j - 1];
                        keep[j - 1] = x;
                }
        for (int i = 0; i < n; i++) {
                if (keep[i] < (int)lo)
                        continue;
                if ((unsigned)keep[i] > lo)
                        syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0U);
                lo = (unsigned)keep[i] + 1;
        }
        syscall(SYS_close_range, lo, ~0U, 0U);
}

static int write_str(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;
        int err;

        if (fd < 0)
                return errno;
        n = write(fd, s, strlen(s));
        err = n < 0 ? errno : 0;
        close(fd);
        return err;
}

static __attribute__((noreturn)) void child_main(pid_t parent, int go_fd, int st_fd, const struct stressor_dirs *dirs,
                                                 const struct stressor_params *p)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t all;
        char c;
        int err = 0, null;

        /* Die with chaosd. The parent may have died before the prctl: then
         * we were reparented and must not run on. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        /* The daemon's handlers, blocked signals and fds (sockets, the
         * journal) are not ours. */
        for (int s = 1; s < NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP)
                        (void)sigaction(s, &sa, NULL);
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        /* Keep our fds clear of 0-2, which become /dev/null below (a daemon
         * started with closed stdio hands out low numbers). */
        if (go_fd < 3)
                go_fd = fcntl(go_fd, F_DUPFD_CLOEXEC, 3);
        if (st_fd < 3)
                st_fd = fcntl(st_fd, F_DUPFD_CLOEXEC, 3);
        {
                int keep[3] = { go_fd, st_fd,
                                p->watch_fd >= 0 && p->watch_fd < 3 ? fcntl(p->watch_fd, F_DUPFD_CLOEXEC, 3)
                                                                    : p->watch_fd };

                watch_fd = keep[2];
                close_all_but(keep, keep[2] >= 0 ? 3 : 2);
        }
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
                if (null > 2)
                        close(null);
        }
        prctl(PR_SET_NAME, p->kind == STRESSOR_CPU ? "chaosd-cpu" : "chaosd-mem");

        /* Wait until the parent has journalled us. */
        if (read(go_fd, &c, 1) != 1)
                _exit(1);
        close(go_fd);
        /* A memory hog, not the container's own processes, should be the
         * OOM killer's first choice (the daemon itself may run at -1000). */
        if (p->kind == STRESSOR_MEMORY)
                (void)write_str("/proc/self/oom_score_adj", "1000");
        for (size_t i = 0; i < dirs->n && !err; i++) {
                char path[4096 + 16];
                size_t l = strlen(dirs->dir[i]);

                if (l + sizeof("/cgroup.procs") > sizeof(path)) {
                        err = ENAMETOOLONG;
                        break;
                }
                memcpy(path, dirs->dir[i], l);
                memcpy(path + l, "/cgroup.procs", sizeof("/cgroup.procs"));
                err = write_str(path, "0"); /* "0": the writing process */
        }
        if (write(st_fd, &err, sizeof(err)) != sizeof(err) || err)
                _exit(2);
        close(st_fd);
        if (p->kind == STRESSOR_CPU)
                cpu_worker(p->cpu_fraction);
        memory_worker(p->bytes, p->ramp_us * 1000ULL);
}

/* ---- the parent ---- */

static cJSON *stressors_array(struct fault *f)
{
        cJSON *saved = fault_saved(f), *a = cJSON_GetObjectItemCaseSensitive(saved, "stressors");

        if (!a)
                a = cJSON_AddArrayToObject(saved, "stressors");
        return a;
}

/* Wait for the child's status word: 0 when it is in its cgroups. */
static int wait_started(int st_fd, pid_t pid, struct error *e)
{
        struct pollfd pfd = { .fd = st_fd, .events = POLLIN };
        int err = 0, r;
        ssize_t n;

        do
                r = poll(&pfd, 1, STRESSOR_START_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                return error_set(e, ETIMEDOUT, "stressor %d did not start", (int)pid);
        n = read(st_fd, &err, sizeof(err));
        if (n != sizeof(err))
                return error_set(e, ECHILD, "stressor %d died while starting", (int)pid);
        if (err)
                return error_sys(e, err, "stressor %d could not join the target's cgroups", (int)pid);
        return 0;
}

int stressor_spawn(struct fault *f, const struct stressor_dirs *dirs, const struct stressor_params *p,
                   struct error *e)
{
        _cleanup_close_ int go_r = -1, go_w = -1, st_r = -1, st_w = -1;
        int go[2], st[2], r;
        pid_t parent = getpid(), pid;
        uint64_t start = 0;
        cJSON *arr, *o;
        char c = 'g';

        if (pipe2(go, O_CLOEXEC) < 0)
                return error_sys(e, errno, "pipe");
        go_r = go[0];
        go_w = go[1];
        if (pipe2(st, O_CLOEXEC) < 0)
                return error_sys(e, errno, "pipe");
        st_r = st[0];
        st_w = st[1];
        pid = fork();
        if (pid < 0)
                return error_sys(e, errno, "fork stressor");
        if (pid == 0)
                child_main(parent, go_r, st_w, dirs, p);
        close(TAKE_FD(go_r));
        close(TAKE_FD(st_w));

        /* Our unreaped child: its PID cannot be reused yet, so reading the
         * start time needs no pidfd. */
        r = proc_start_time(pid, &start, e);
        arr = stressors_array(f);
        o = cJSON_CreateObject();
        if (r < 0 || !arr || !o || !cJSON_AddNumberToObject(o, "pid", pid) ||
            !cJSON_AddNumberToObject(o, "start_time", (double)start) ||
            !cJSON_AddStringToObject(o, "kind", p->kind == STRESSOR_CPU ? "cpu" : "memory")) {
                cJSON_Delete(o);
                kill(pid, SIGKILL);
                (void)waitpid(pid, NULL, 0);
                return r < 0 ? r : error_set(e, ENOMEM, "out of memory");
        }
        cJSON_AddItemToArray(arr, o);
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r; /* recorded in memory: revert kills it */
        if (write(go_w, &c, 1) != 1)
                return error_sys(e, errno, "start stressor %d", (int)pid);
        return wait_started(st_r, pid, e);
}

static int stop_one(pid_t pid, uint64_t start, struct error *e)
{
        _cleanup_close_ int fd = -1;
        struct pollfd pfd;
        siginfo_t si;
        struct error ign;
        int r;

        r = proc_pidfd_open(pid, &start, &fd, &ign);
        if (r == -ESRCH)
                return 0; /* gone (or reaped and replaced): nothing to stop */
        if (r < 0) {
                *e = ign;
                return r;
        }
        r = proc_pidfd_signal(fd, SIGKILL, &ign);
        if (r < 0 && r != -ESRCH) {
                *e = ign;
                return r;
        }
        /* A pidfd turns readable when the process has exited. */
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        do
                r = poll(&pfd, 1, STRESSOR_EXIT_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                return error_set(e, ETIMEDOUT, "stressor %d did not exit after SIGKILL", (int)pid);
        /* Reap it if it is our child and the daemon's SIGCHLD handling has
         * not done so yet; ECHILD otherwise, which is fine. */
        memset(&si, 0, sizeof(si));
        (void)waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG);
        return 0;
}

static int saved_stressor(const cJSON *it, pid_t *pid, uint64_t *start)
{
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "pid");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "start_time");

        if (!cJSON_IsNumber(p) || !cJSON_IsNumber(s) || p->valuedouble < 1)
                return 0;
        *pid = (pid_t)p->valuedouble;
        *start = (uint64_t)s->valuedouble;
        return 1;
}

int stressor_stop_all(struct fault *f, struct error *e)
{
        const cJSON *arr = f->saved ? cJSON_GetObjectItemCaseSensitive(f->saved, "stressors") : NULL, *it;
        int ret = 0;

        /* SIGKILL all first, then wait: exits overlap. stop_one does both,
         * so send the signals in a first pass. */
        cJSON_ArrayForEach(it, arr) {
                _cleanup_close_ int fd = -1;
                struct error ign;
                uint64_t start;
                pid_t pid;

                if (saved_stressor(it, &pid, &start) && proc_pidfd_open(pid, &start, &fd, &ign) == 0)
                        (void)proc_pidfd_signal(fd, SIGKILL, &ign);
        }
        cJSON_ArrayForEach(it, arr) {
                struct error ie = { 0 };
                uint64_t start;
                pid_t pid;
                int r;

                if (!saved_stressor(it, &pid, &start))
                        continue;
                r = stop_one(pid, start, &ie);
                if (r < 0 && ret == 0) {
                        ret = r;
                        *e = ie;
                }
        }
        return ret;
}

int stressor_count_alive(struct fault *f)
{
        const cJSON *arr = f->saved ? cJSON_GetObjectItemCaseSensitive(f->saved, "stressors") : NULL, *it;
        int n = 0;

        cJSON_ArrayForEach(it, arr) {
                struct error ign;
                uint64_t start, now;
                pid_t pid;
                char state;

                if (saved_stressor(it, &pid, &start) && proc_start_time(pid, &now, &ign) == 0 && now == start &&
                    proc_state(pid, &state, &ign) == 0 && state != 'Z' && state != 'X')
                        n++;
        }
        return n;
}

int stressor_owns(struct fault *f, int pid)
{
        const cJSON *arr = f->saved ? cJSON_GetObjectItemCaseSensitive(f->saved, "stressors") : NULL, *it;

        cJSON_ArrayForEach(it, arr) {
                uint64_t start;
                pid_t p;

                if (saved_stressor(it, &p, &start) && p == pid)
                        return 1;
        }
        return 0;
}
