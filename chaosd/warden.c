#include "warden.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "events.h"
#include "proc.h"

#define WARDEN_MAX_SLEEP_MS 5000

/* Close everything but KEEP: the warden must hold neither the API socket
 * nor the lock nor any fd of the parent's libraries. */
static void close_all_but(int keep)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int dfd = d ? dirfd(d) : -1;

        if (!d)
                return;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);

                if (de->d_name[0] == '.' || fd == keep || fd == dfd || fd <= 2)
                        continue;
                close(fd);
        }
        closedir(d);
}

/* One sweep with the lock held: revert what has expired. Returns the next
 * deadline (0: nothing left), or -1 when a new daemon holds the lock. */
static int64_t sweep(const char *state_dir)
{
        char path[4096];
        struct daemon d = { 0 };
        struct error e;
        int64_t next = 0;
        int fd, reverted = 0;

        snprintf(path, sizeof(path), "%s/lock", state_dir);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return 0;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return -1;
        }
        snprintf(d.state_dir, sizeof(d.state_dir), "%s", state_dir);
        if (proc_boot_id(d.boot_id, sizeof(d.boot_id), &e) == 0 && events_new(&d.events) == 0 &&
            loop_new(&d.loop, &e) == 0 && journal_open(state_dir, &d.journal, &e) == 0) {
                if (reconcile_expired(&d, &next, &reverted, &e) < 0)
                        log_event("error", NULL, "warden", "%s", e.msg);
                else if (reverted)
                        log_event("info", NULL, "warden", "chaosd is down: reverted %d expired experiment%s",
                                  reverted, reverted == 1 ? "" : "s");
        }
        journal_close(d.journal);
        events_free(d.events);
        loop_free(d.loop);
        close(fd); /* releases the lock */
        return next;
}

static void warden_main(const char *state_dir, pid_t parent)
{
        int pfd = (int)syscall(SYS_pidfd_open, parent, 0);

        /* A pidfd, not a pipe: the daemon's other children (stressors,
         * tracers) would inherit a pipe and keep it open after it died.
         * Checking getppid() after opening closes the race with a parent that
         * died before the pidfd existed. */
        if (pfd >= 0 && getppid() == parent) {
                struct pollfd p = { .fd = pfd, .events = POLLIN };

                while (poll(&p, 1, -1) < 0 && errno == EINTR)
                        ;
        }
        if (pfd >= 0)
                close(pfd);
        for (;;) {
                int64_t next = sweep(state_dir), wait_ms;

                if (next <= 0)
                        _exit(0); /* nothing left, or a new daemon took over */
                wait_ms = next - clock_wall_ms() + 50;
                if (wait_ms < 50)
                        wait_ms = 50;
                if (wait_ms > WARDEN_MAX_SLEEP_MS)
                        wait_ms = WARDEN_MAX_SLEEP_MS; /* re-check for a new daemon now and then */
                usleep((useconds_t)wait_ms * 1000);
        }
}

int warden_start(const char *state_dir, int lock_fd, struct error *e)
{
        pid_t parent = getpid(), pid;

        pid = fork();
        if (pid < 0)
                return error_sys(e, errno, "fork warden");
        if (pid == 0) {
                sigset_t all;

                /* Not a target of the daemon's signals; a new session so a
                 * terminal's ^C for chaosd does not reach it. */
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGINT, SIG_IGN);
                setsid();
                prctl(PR_SET_NAME, "chaosd-warden");
                (void)lock_fd; /* closed below: the lock must stay the daemon's */
                close_all_but(-1);
                warden_main(state_dir, parent);
                _exit(0);
        }
        return pid;
}
