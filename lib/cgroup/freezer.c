#include "freezer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "clock.h"

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

int freezer_get(enum cg_version v, const char *dir, enum freezer_state *ret_state, int *ret_self, struct error *e)
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
 * froze that way. The waits are the caller's (its loop's timers), never a
 * sleep here; freezer_progress thaws on failure. */
#define V1_THAW_EVERY_MS 1000
#define V1_THAW_PAUSE_US 10000
#define V1_BACKOFF_MAX_US 5000
/* v2 only reads cgroup.events between waits, which costs next to nothing:
 * a lower cap keeps the time from "frozen 1" to noticing it short. */
#define V2_BACKOFF_MAX_US 1000
#define BACKOFF_FIRST_US 50

/* Not frozen yet: the next wait is the backoff, which doubles up to MAX. */
static int wait_more(struct freezer_job *j, long max_us)
{
        j->delay_us = j->backoff_us;
        if (j->backoff_us < max_us)
                j->backoff_us = j->backoff_us * 2 < max_us ? j->backoff_us * 2 : max_us;
        return FREEZER_PENDING;
}

static int v1_step(struct freezer_job *j, struct error *e)
{
        enum freezer_state s = FREEZER_FREEZING;
        uint64_t now;
        int r;

        j->attempts++;
        r = cg_write(j->dir, "freezer.state", "FROZEN", e);
        if (r < 0)
                return r;
        r = v1_read(j->dir, &s, e);
        if (r < 0)
                return r;
        if (s == FREEZER_FROZEN)
                return 0;
        if (s != FREEZER_FREEZING)
                return error_set(e, EIO, "%s/freezer.state went to %s while freezing", j->dir, freezer_state_name(s));
        now = clock_mono_ms();
        if (now >= j->deadline_ms)
                return error_set(e, ETIMEDOUT,
                                 "%s stayed in FREEZING for %llu ms (%u attempts; processes keep "
                                 "arriving or are stuck in the kernel)",
                                 j->dir, (unsigned long long)(now - j->start_ms), j->attempts);
        if (now - j->last_thaw_ms >= V1_THAW_EVERY_MS) {
                struct error ign;

                /* The next step writes FROZEN again after the pause. */
                (void)cg_write(j->dir, "freezer.state", "THAWED", &ign);
                j->last_thaw_ms = now;
                j->delay_us = V1_THAW_PAUSE_US;
                j->backoff_us = BACKOFF_FIRST_US;
                return FREEZER_PENDING;
        }
        return wait_more(j, V1_BACKOFF_MAX_US);
}

/* v2 freezing is asynchronous: the kernel flips "frozen 1" in cgroup.events
 * once every task has stopped. cgroup.freeze was written once; only look. */
static int v2_step(struct freezer_job *j, struct error *e)
{
        char buf[256];
        uint64_t now;
        ssize_t n;
        int frozen;

        j->attempts++;
        n = cg_read(j->dir, "cgroup.events", buf, sizeof(buf), e);
        if (n < 0)
                return (int)n;
        frozen = events_value(buf, "frozen");
        if (frozen < 0)
                return error_set(e, EIO, "%s/cgroup.events has no \"frozen\" line", j->dir);
        if (frozen)
                return 0;
        now = clock_mono_ms();
        if (now >= j->deadline_ms)
                return error_set(e, ETIMEDOUT, "%s not frozen after %llu ms (a task may be stuck in the kernel)",
                                 j->dir, (unsigned long long)(now - j->start_ms));
        return wait_more(j, V2_BACKOFF_MAX_US);
}

int freezer_progress(struct freezer_job *j, struct error *e)
{
        struct error ign;
        int r = j->v == CG_V1 ? v1_step(j, e) : v2_step(j, e);

        /* Never leave a cgroup half frozen; the thaw has its own error
         * object so the first error is the one reported. */
        if (r < 0)
                (void)freezer_thaw(j->v, j->dir, &ign);
        return r;
}

int freezer_start(struct freezer_job *j, enum cg_version v, const char *dir, unsigned timeout_ms, struct error *e)
{
        struct error ign;
        int r;

        memset(j, 0, sizeof(*j));
        if (strlen(dir) >= sizeof(j->dir))
                return error_set(e, ENAMETOOLONG, "cgroup path too long: %s", dir);
        j->v = v;
        strcpy(j->dir, dir);
        j->start_ms = j->last_thaw_ms = clock_mono_ms();
        j->deadline_ms = j->start_ms + timeout_ms;
        j->backoff_us = BACKOFF_FIRST_US;
        /* v1 writes FROZEN in every step; v2 asks once, here. */
        if (v == CG_V2) {
                r = cg_write(dir, "cgroup.freeze", "1", e);
                if (r < 0) {
                        (void)freezer_thaw(v, dir, &ign);
                        return r;
                }
        }
        return freezer_progress(j, e);
}
