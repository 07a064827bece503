/* Freezer observers for tests, read independently of lib/: where a
 * process's freezer cgroup is and what the kernel says about it, plus a
 * task the freezer cannot stop (a FUSE lookup that never completes).
 * Used by test_pause (daemon-less) and test_pause_settle (through chaosd). */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"

static inline int write_file(const char *path, const char *value)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC), r;

        if (fd < 0)
                return -errno;
        r = write(fd, value, strlen(value)) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* The cgroup root, as lib/cgroupfs sees it: CHAOSD_CGROUP_ROOT and
 * CHAOSD_CGROUP_VERSION let the kernel lane point both at a v1 freezer
 * hierarchy it mounted next to the v2 tree. */
static inline const char *cg_root_dir(void)
{
        const char *r = getenv("CHAOSD_CGROUP_ROOT");

        return r && *r ? r : "/sys/fs/cgroup";
}

static inline int cgroup_is_v2(void)
{
        const char *v = getenv("CHAOSD_CGROUP_VERSION");
        char path[PATH_MAX];

        if (v && *v)
                return strcmp(v, "2") == 0;
        snprintf(path, sizeof(path), "%s/cgroup.controllers", cg_root_dir());
        return access(path, F_OK) == 0;
}

/* Where freezer cgroups live: the unified root, or the v1 hierarchy. */
static inline const char *freezer_base(void)
{
        static char base[PATH_MAX];

        snprintf(base, sizeof(base), cgroup_is_v2() ? "%s" : "%s/freezer", cg_root_dir());
        return base;
}

static inline int have_freezer(void)
{
        return cgroup_is_v2() || access(freezer_base(), F_OK) == 0;
}

/* The freezer cgroup directory of PID, read independently of lib/. */
static inline int observed_dir(pid_t pid, char *out, size_t len)
{
        char path[64], buf[8192], *line, *save = NULL;
        int v2 = cgroup_is_v2();

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        if (read_file(path, buf, sizeof(buf)) < 0)
                return -1;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (v2 && strncmp(line, "0::", 3) == 0) {
                        snprintf(out, len, "%s%s", freezer_base(), line + 3);
                        return 0;
                }
                if (!v2 && strstr(line, ":freezer:")) {
                        snprintf(out, len, "%s%s", freezer_base(), strstr(line, ":freezer:") + 9);
                        return 0;
                }
        }
        return -1;
}

/* "FROZEN" / "THAWED" / "FREEZING" as the kernel reports it for DIR. */
static inline const char *observed_state(const char *dir)
{
        static char buf[256];
        char path[PATH_MAX];

        if (!cgroup_is_v2()) {
                snprintf(path, sizeof(path), "%s/freezer.state", dir);
                return read_file(path, buf, sizeof(buf)) < 0 ? "(gone)" : buf;
        }
        snprintf(path, sizeof(path), "%s/cgroup.events", dir);
        if (read_file(path, buf, sizeof(buf)) < 0)
                return "(gone)";
        return strstr(buf, "frozen 1") ? "FROZEN" : "THAWED";
}

/* DIR asked to freeze and not frozen: v1 FREEZING; v2 cgroup.freeze 1
 * without "frozen 1". */
static inline int observed_pending(const char *dir)
{
        char path[PATH_MAX], buf[64];

        if (!cgroup_is_v2())
                return strcmp(observed_state(dir), "FREEZING") == 0;
        snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
        return read_file(path, buf, sizeof(buf)) == 0 && strcmp(buf, "1") == 0 &&
               strcmp(observed_state(dir), "THAWED") == 0;
}

static inline void sleep_us_(uint64_t us)
{
        struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

        nanosleep(&ts, NULL);
}

/* Does PID's utime rise within MS milliseconds? */
static inline int progresses(pid_t pid, long ms)
{
        unsigned long long a = 0, b = 0;
        double end = now_ms() + ms;

        pstate(pid, &a);
        while (now_ms() < end) {
                sleep_ms(50);
                if (pstate(pid, &b) && b > a)
                        return 1;
        }
        return 0;
}

/* Ask DIR to thaw (v1 tasks cannot die frozen). */
static inline void cg_thaw(const char *dir)
{
        char path[PATH_MAX + 32];

        snprintf(path, sizeof(path), "%s/%s", dir, cgroup_is_v2() ? "cgroup.freeze" : "freezer.state");
        (void)write_file(path, cgroup_is_v2() ? "0" : "THAWED");
}

/* Thaw DIR, kill what is inside (only ever a test's victims) and remove it. */
static inline void cg_remove(const char *dir)
{
        if (access(dir, F_OK) < 0)
                return;
        cg_thaw(dir);
        (void)run("for p in $(cat %s/cgroup.procs 2>/dev/null); do kill -9 $p; done; sleep 0.2; rmdir %s 2>/dev/null",
                  dir, dir);
}

/* A child that joins DIR, then execs PROG ARG1 ARG2 (the victim). */
static inline pid_t spawn_in(const char *dir, const char *prog, const char *arg1, const char *arg2)
{
        char path[PATH_MAX], pidbuf[32];
        pid_t pid = fork();

        if (pid == 0) {
                signal(SIGTERM, SIG_DFL);
                snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
                snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
                if (write_file(path, pidbuf) < 0)
                        _exit(126);
                alarm(150); /* survives exec: a bound even if left behind */
                execl(prog, prog, arg1, arg2, (char *)NULL);
                _exit(127);
        }
        return pid;
}

/* ---- stuck in FREEZING ----
 * A FUSE mount whose connection never completes INIT: a process that looks
 * something up there waits in TASK_KILLABLE, which the freezer cannot
 * freeze (on the kernel lane's 6.1; 6.18 freezes it), so the cgroup stays
 * FREEZING (v1) / never reports "frozen 1" (v2) — the case runc retries and
 * then thaws for. The test process alone holds the /dev/fuse fd and never
 * answers; closing it aborts the connection and releases the victim. */
struct stuck {
        int fuse_fd;
        pid_t pid;
        char mnt[64];
};

static inline void stuck_mnt(struct stuck *s, int owner)
{
        snprintf(s->mnt, sizeof(s->mnt), "/tmp/chaosd-test-fuse-%d", owner);
}

/* Mount the FUSE file system (at a path made from OWNER) and start a
 * victim in DIR stuck on it. 0 when it is in D state; 1 when this host
 * cannot (WHY says why: a SKIP); -1 on a failure (WHY). */
static inline int stuck_start(struct stuck *s, int owner, const char *dir, char *why, size_t len)
{
        char opts[128], path[PATH_MAX + 16];

        stuck_mnt(s, owner);
        s->pid = -1;
        s->fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (s->fuse_fd < 0) {
                snprintf(why, len, "/dev/fuse: %s (no FUSE here: cannot make a task the freezer cannot stop)",
                         strerror(errno));
                return 1;
        }
        (void)mkdir(s->mnt, 0755);
        snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", s->fuse_fd);
        if (mount("chaosd-test", s->mnt, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
                snprintf(why, len, "mount fuse: %s", strerror(errno));
                close(s->fuse_fd);
                s->fuse_fd = -1;
                (void)rmdir(s->mnt);
                return 1;
        }
        s->pid = fork();
        if (s->pid < 0) {
                snprintf(why, len, "fork: %s", strerror(errno));
                return -1;
        }
        if (s->pid == 0) {
                char pidbuf[32];
                struct stat st;

                /* Only the test holds the device: closing it then aborts
                 * the connection and the lookup ends at once. */
                close(s->fuse_fd);
                signal(SIGTERM, SIG_DFL);
                alarm(60);
                snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
                snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
                if (write_file(path, pidbuf) < 0)
                        _exit(126);
                snprintf(path, sizeof(path), "%s/x", s->mnt);
                (void)stat(path, &st); /* hangs until the connection is aborted */
                _exit(0);
        }
        /* Wait for the victim to be stuck in the kernel: up to 10 s, as a
         * busy TCG guest has been seen to keep it runnable for over 3 s. */
        for (int i = 0; i < 200 && pstate(s->pid, NULL) != 'D'; i++)
                sleep_ms(50);
        if (pstate(s->pid, NULL) != 'D') {
                char wchan[64] = "?";

                snprintf(path, sizeof(path), "/proc/%d/wchan", (int)s->pid);
                (void)read_file(path, wchan, sizeof(wchan));
                snprintf(why, len, "victim state %c (wchan %s) 10 s after it started, expected D",
                         pstate(s->pid, NULL), wchan);
                return -1;
        }
        return 0;
}

/* Abort the connection (the victim's lookup fails, it exits), reap it,
 * unmount. Safe on a half-started or released one. */
static inline void stuck_release(struct stuck *s)
{
        if (s->fuse_fd >= 0)
                close(s->fuse_fd);
        s->fuse_fd = -1;
        if (s->pid > 0) {
                for (int i = 0; i < 100 && waitpid(s->pid, NULL, WNOHANG) == 0; i++)
                        sleep_ms(30);
                kill(s->pid, SIGKILL);
                (void)waitpid(s->pid, NULL, 0);
        }
        s->pid = -1;
        (void)umount2(s->mnt, MNT_DETACH);
        (void)rmdir(s->mnt);
}
