/* on_restart: "reapply". A container target whose main process exits may
 * be coming back (docker restart, a restart policy, the kubelet): its
 * faults are reverted (their cgroup is gone with it), and a timer asks the
 * runtime every RESTART_POLL_MS for the same container with a new process.
 * When it is there, the new identity is journaled first, then each fault is
 * applied and verified again (one after the other; one that settles, like a
 * pause still freezing, holds back the next until it is verified). A container that stays away for
 * RESTART_WAIT_MS ends the experiment as target-gone. Never a busy loop:
 * the loop sleeps between polls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

static void reapply_next(struct fault_inst *fi);

/* Fault FI is back on the restarted target and verified. 0, or negative
 * after ending the experiment. */
static int reapplied(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct error e = { 0 };
        char why[1200];

        events_emit(x->d, x->id, "injected", NULL, "fault %d (%s) reapplied on restarted target %d",
                    (int)(fi - x->faults), fi->f->ops->type, fi->target_idx);
        if (experiment_arm_tick(fi, &e) == 0)
                return 0;
        snprintf(why, sizeof(why), "after target %d restarted: %s", fi->target_idx, e.msg);
        x->d->metrics.errors_inject++;
        experiment_end(x, EXP_FAILED, why);
        return -1;
}

/* Apply again each "restarting" fault of target IDX from fault FROM on, in
 * order; a fault that settles holds back the rest until it is verified
 * (reapply_next goes on). Negative when the experiment has ended failed,
 * everything reverted. */
static int reapply(struct experiment *x, int idx, int from)
{
        for (int i = from; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                struct error e = { 0 };
                int r;

                if (fi->target_idx != idx || strcmp(fi->state, "restarting") != 0)
                        continue;
                /* The prior state to restore is the new container's. */
                cJSON_Delete(fi->f->saved);
                fi->f->saved = NULL;
                fault_set_readback(fi->f, NULL);
                r = experiment_apply_fault(fi, reapply_next, &e);
                if (r < 0)
                        return r;
                if (r == FAULT_PENDING)
                        return 0;
                if (reapplied(fi) < 0)
                        return -1;
        }
        return 0;
}

static void reapply_next(struct fault_inst *fi)
{
        if (reapplied(fi) == 0)
                (void)reapply(fi->x, fi->target_idx, (int)(fi - fi->x->faults) + 1);
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
                if (now_ms() - x->restart_since_ms[idx] < RESTART_WAIT_MS)
                        return;
                snprintf(why, sizeof(why), "target container %s did not come back within %d s", t->container_name,
                         RESTART_WAIT_MS / 1000);
                experiment_end(x, EXP_TARGET_GONE, why);
                return;
        }
        loop_remove(x->d->loop, src);
        x->target_watch[idx] = NULL;
        snprintf(name, sizeof(name), "%s", t->container_name);
        *t = nt;
        snprintf(t->container_name, sizeof(t->container_name), "%s", name);
        events_emit(x->d, x->id, "target-restarted", NULL, "target %d (%s) is back as pid %d after %lld ms", idx,
                    name, (int)t->pid, (long long)(now_ms() - x->restart_since_ms[idx]));
        x->restart_since_ms[idx] = 0;
        /* The new process is watched from now on, also while a fault of
         * its settles; each fault's tick is armed once it is verified. */
        if (experiment_journal_targets(x, &e) < 0 || experiment_arm_target(x, idx, &e) < 0) {
                snprintf(why, sizeof(why), "after target %d restarted: %s", idx, e.msg);
                x->d->metrics.errors_inject++;
                experiment_end(x, EXP_FAILED, why);
                return;
        }
        /* On failure the experiment has ended failed, with the reason. */
        (void)reapply(x, idx, 0);
}

int restart_begin(struct experiment *x, int idx)
{
        struct target *t = &x->targets[idx];
        struct error e = { 0 };

        if (x->spec.target.on_restart != ON_RESTART_REAPPLY || t->kind != TARGET_CONTAINER || !t->container_id[0] ||
            !x->restart_since_ms || x->d->quitting || exp_state_is_end(x->state))
                return 0;
        loop_remove(x->d->loop, x->target_watch[idx]);
        x->target_watch[idx] = NULL;
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];

                if (fi->target_idx != idx || !fi->f)
                        continue;
                loop_remove(x->d->loop, fi->tick);
                fi->tick = NULL;
                /* Gone while it settled: that freeze is moot. */
                loop_remove(x->d->loop, fi->settle);
                fi->settle = NULL;
                fi->settled = NULL;
                if (strcmp(fi->state, "active") != 0 && strcmp(fi->state, "applying") != 0)
                        continue;
                /* Whatever is left of the old cgroup goes back to how it was. */
                if (fi->f->ops->revert(fi->f, t, &e) < 0)
                        log_event("warning", x->id, "restart", "fault %d: revert on the exited target: %s", i, e.msg);
                /* Only these come back: a fault a scenario has not started
                 * yet stays "pending" and is the scenario's business. */
                fi->state = "restarting";
                fi->f->done = 0;
                experiment_journal_fault(fi);
        }
        target_release(t);
        x->restart_since_ms[idx] = now_ms();
        if (loop_add_timer(x->d->loop, RESTART_POLL_MS * 1000, RESTART_POLL_MS * 1000, on_poll, x,
                           &x->target_watch[idx], &e) < 0)
                return 0;
        events_emit(x->d, x->id, "target-exited", NULL, "target %d (%s, pid %d) exited: waiting up to %d s for it to restart",
                    idx, t->container_name, (int)t->pid, RESTART_WAIT_MS / 1000);
        return 1;
}
