/* Waiting for a restarted container (restart.h). Never a busy loop: the
 * loop sleeps between polls; a container that stays away for
 * RESTART_WAIT_MS is reported gone. */
#include "restart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "events.h"

#define RESTART_POLL_MS 100
#define RESTART_WAIT_MS 30000

static int index_of(struct experiment *x, struct loop_source *src)
{
        for (int i = 0; i < x->n_targets; i++)
                if (x->target_watch[i] == src)
                        return i;
        return -1;
}

static void on_poll(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;
        int idx = index_of(x, src);
        struct target_spec ts = { .kind = TARGET_CONTAINER };
        struct target *t, nt;
        char why[1200], name[256];
        struct error e = { 0 };
        int r;

        if (idx < 0)
                return;
        t = &x->targets[idx];
        snprintf(ts.container, sizeof(ts.container), "%s", t->container_id);
        snprintf(ts.runtime, sizeof(ts.runtime), "%s", t->runtime);
        r = target_resolve(&ts, &nt, &e);
        if (r == 0 && nt.pid == t->pid && nt.start_time == t->start_time) {
                target_release(&nt);
                r = -EAGAIN;
        }
        if (r < 0) {
                if (clock_mono_ms() - x->restart_since_ms[idx] < RESTART_WAIT_MS)
                        return;
                snprintf(why, sizeof(why), "target container %s did not come back within %d s", t->container_name,
                         RESTART_WAIT_MS / 1000);
                x->restart_cb(x, idx, 0, why);
                return;
        }
        loop_remove(x->d->loop, src);
        x->target_watch[idx] = NULL;
        snprintf(name, sizeof(name), "%s", t->container_name);
        *t = nt;
        snprintf(t->container_name, sizeof(t->container_name), "%s", name);
        events_emit(x->d, x->id, "target-restarted", NULL, "target %d (%s) is back as pid %d after %lld ms", idx,
                    name, (int)t->pid, (long long)(clock_mono_ms() - x->restart_since_ms[idx]));
        x->restart_since_ms[idx] = 0;
        x->restart_cb(x, idx, 1, NULL);
}

int restart_wanted(const struct experiment *x, int idx)
{
        const struct target *t = &x->targets[idx];

        return x->spec.target.on_restart == ON_RESTART_REAPPLY && t->kind == TARGET_CONTAINER && t->container_id[0] &&
               x->restart_since_ms;
}

int restart_watch(struct experiment *x, int idx, restart_cb cb, struct error *e)
{
        const struct target *t = &x->targets[idx];
        int r;

        x->restart_cb = cb;
        x->restart_since_ms[idx] = clock_mono_ms();
        r = loop_add_timer(x->d->loop, RESTART_POLL_MS * 1000, RESTART_POLL_MS * 1000, on_poll, x,
                           &x->target_watch[idx], e);
        if (r < 0)
                return r;
        events_emit(x->d, x->id, "target-exited", NULL,
                    "target %d (%s, pid %d) exited: waiting up to %d s for it to restart", idx, t->container_name,
                    (int)t->pid, RESTART_WAIT_MS / 1000);
        return 0;
}
