#include "freezer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

static const char *const state_names[] = {
        [FREEZER_THAWED] = "THAWED",
        [FREEZER_FREEZING] = "FREEZING",
        [FREEZER_FROZEN] = "FROZEN",
};

const char *freezer_state_name(enum freezer_state s)
{
        return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

int freezer_state_parse(const char *s, enum freezer_state *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
                if (strcmp(s, state_names[i]) == 0) {
                        *ret = (enum freezer_state)i;
                        return 0;
                }
        return -EINVAL;
}

int freezer_gone(int r)
{
        return r == -ENOENT || r == -ENODEV || r == -ESRCH;
}

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
        struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The value of KEY in a cgroup.events-like "key value\n" buffer, or -1. */
static int events_value(const char *buf, const char *key)
{
        size_t kl = strlen(key);

        for (const char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
                        return p[kl + 1] == '1';
        return -1;
}

static int v1_read(const char *dir, enum freezer_state *ret, struct error *e)
{
        char buf[32];
        ssize_t n = cg_read(dir, "freezer.state", buf, sizeof(buf), e);

        if (n < 0)
                return (int)n;
        if (freezer_state_parse(buf, ret) < 0)
                return error_set(e, EIO, "%s/freezer.state reads \"%s\"", dir, buf);
        return 0;
}

int freezer_get(enum cg_version v, const char *dir, enum freezer_state *ret_state, int *ret_self,
                struct error *e)
{
        char buf[256];
        ssize_t n;
        int r, frozen, self;

        if (v == CG_V1) {
                r = v1_read(dir, ret_state, e);
                if (r < 0)
                        return r;
                /* self_freezing is absent on very old kernels: then only
                 * the effective state is known. */
                if (ret_self) {
                        struct error ign;

                        n = cg_read(dir, "freezer.self_freezing", buf, sizeof(buf), &ign);
                        *ret_self = n > 0 ? buf[0] == '1' : *ret_state != FREEZER_THAWED;
                }
                return 0;
        }
        n = cg_read(dir, "cgroup.freeze", buf, sizeof(buf), e);
        if (n < 0)
                return (int)n;
        self = buf[0] == '1';
        n = cg_read(dir, "cgroup.events", buf, sizeof(buf), e);
        if (n < 0)
                return (int)n;
        frozen = events_value(buf, "frozen");
        if (frozen < 0)
                return error_set(e, EIO, "%s/cgroup.events has no \"frozen\" line", dir);
        *ret_state = frozen ? FREEZER_FROZEN : self ? FREEZER_FREEZING : FREEZER_THAWED;
        if (ret_self)
                *ret_self = self;
        return 0;
}

int freezer_thaw(enum cg_version v, const char *dir, struct error *e)
{
        return v == CG_V1 ? cg_write(dir, "freezer.state", "THAWED", e) : cg_write(dir, "cgroup.freeze", "0", e);
}

/* v1 freezing can stay in FREEZING: older kernels documented that user
 * space must then retry or thaw, and even current ones cannot always finish
 * while tasks keep forking into the cgroup. As runc does, keep re-writing
 * FROZEN, now and then thaw and pause briefly so that new arrivals settle,
 * and give up after a bounded time. Unlike runc's tight loop, wait a little
 * between reads (doubling from 50 us to 5 ms): busy tasks need a scheduler
 * tick to reach the freezer, and a thaw after 50 back-to-back writes undid
 * that progress — measured here, three spinning tasks on two CPUs never
 * froze that way. The caller thaws on failure. */
#define V1_THAW_EVERY_MS 1000

static int v1_freeze(const char *dir, unsigned timeout_ms, struct error *e)
{
        uint64_t start = now_ms(), deadline = start + timeout_ms, last_thaw = start;
        enum freezer_state s = FREEZER_FREEZING;
        long delay_us = 50;
        struct error ign;
        int i, r;

        for (i = 1;; i++) {
                uint64_t now;

                r = cg_write(dir, "freezer.state", "FROZEN", e);
                if (r < 0)
                        return r;
                r = v1_read(dir, &s, e);
                if (r < 0)
                        return r;
                if (s == FREEZER_FROZEN)
                        return 0;
                if (s != FREEZER_FREEZING)
                        return error_set(e, EIO, "%s/freezer.state went to %s while freezing", dir,
                                         freezer_state_name(s));
                now = now_ms();
                if (now >= deadline)
                        break;
                if (now - last_thaw >= V1_THAW_EVERY_MS) {
                        (void)cg_write(dir, "freezer.state", "THAWED", &ign);
                        sleep_us(10000);
                        last_thaw = now_ms();
                        delay_us = 50;
                        continue;
                }
                sleep_us(delay_us);
                if (delay_us < 5000)
                        delay_us *= 2;
        }
        return error_set(e, ETIMEDOUT, "%s stayed in FREEZING for %llu ms (%d attempts; processes keep arriving "
                         "or are stuck in the kernel)", dir, (unsigned long long)(now_ms() - start), i);
}

/* v2 freezing is asynchronous: the kernel flips "frozen 1" in cgroup.events
 * once every task has stopped, and signals the change on that file
 * (POLLPRI). Wait on it rather than re-reading in a loop. */
static int v2_wait_frozen(const char *dir, unsigned timeout_ms, struct error *e)
{
        char path[4096], buf[256];
        uint64_t deadline = now_ms() + timeout_ms;
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "%s/cgroup.events", dir);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_sys(e, errno, "open %s", path);
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                uint64_t now;
                ssize_t n;
                int frozen;

                /* Reading re-arms the notification: read, then poll. */
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return error_sys(e, errno, "lseek %s", path);
                n = read(fd, buf, sizeof(buf) - 1);
                if (n < 0)
                        return error_sys(e, errno, "read %s", path);
                buf[n] = '\0';
                frozen = events_value(buf, "frozen");
                if (frozen < 0)
                        return error_set(e, EIO, "%s has no \"frozen\" line", path);
                if (frozen)
                        return 0;
                now = now_ms();
                if (now >= deadline)
                        return error_set(e, ETIMEDOUT, "%s not frozen after %u ms (a task may be stuck in the "
                                         "kernel)", dir, timeout_ms);
                if (poll(&p, 1, (int)(deadline - now)) < 0 && errno != EINTR)
                        return error_sys(e, errno, "poll %s", path);
        }
}

int freezer_freeze(enum cg_version v, const char *dir, unsigned timeout_ms, struct error *e)
{
        struct error ign;
        int r;

        if (v == CG_V1) {
                r = v1_freeze(dir, timeout_ms, e);
        } else {
                r = cg_write(dir, "cgroup.freeze", "1", e);
                if (r >= 0)
                        r = v2_wait_frozen(dir, timeout_ms, e);
        }
        /* Never leave a cgroup half frozen; the thaw has its own error
         * object so the first error is the one reported. */
        if (r < 0)
                (void)freezer_thaw(v, dir, &ign);
        return r;
}
