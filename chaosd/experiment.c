/* Experiment lifecycle: parse → resolve → journal → apply (+checkpoint) →
 * verify → running → (deadline | stop | halt | target gone) → revert. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "events.h"
#include "fdreserve.h"
#include "probes.h"
#include "randid.h"
#include "restart.h"
#include "scenario.h"
#include "selector.h"

#define HISTORY_KEEP 200

static void on_step(struct fault_inst *fi, int step_end);
static void on_restart(struct experiment *x, int idx, int back, const char *why);

int experiment_fault_event(struct fault_inst *fi, enum fault_event ev)
{
        int next = lifecycle_fault_next(fi->state, ev);

        if (next < 0) {
                /* A bug in the caller, never a reason to lose track of the
                 * kernel: keep the state the journal already knows. */
                log_event("error", fi->x->id, "lifecycle", "fault %d: event %s is illegal in state %s",
                          (int)(fi - fi->x->faults), fault_event_name(ev), fault_state_name(fi->state));
                return next;
        }
        fi->state = (enum fault_state)next;
        return 0;
}

struct experiment *experiment_find(struct daemon *d, const char *id)
{
        for (struct experiment *x = d->experiments; x; x = x->next)
                if (strcmp(x->id, id) == 0)
                        return x;
        return NULL;
}

int experiment_active_faults(const struct experiment *x)
{
        int n = 0;

        for (int i = 0; i < x->n_faults; i++)
                n += fault_state_is_applied(x->faults[i].state);
        return n;
}

void experiment_journal_fault(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct error e;
        _cleanup_free_ char *saved = fi->f && fi->f->saved ? cJSON_PrintUnformatted(fi->f->saved) : NULL;
        _cleanup_free_ char *rb = fi->f && fi->f->readback ? cJSON_PrintUnformatted(fi->f->readback) : NULL;

        if (!x->d->journal)
                return;
        if (journal_put_fault(x->d->journal, x->id, (int)(fi - x->faults), fi->target_idx,
                              fi->f ? fi->f->ops->type : "?", fault_state_name(fi->state), saved, rb,
                              fi->error[0] ? fi->error : NULL, &e) < 0)
                log_event("error", x->id, "journal", "%s", e.msg);
}

int experiment_checkpoint(struct fault *f, struct error *e)
{
        struct fault_inst *fi = f->core;
        struct experiment *x = fi->x;
        _cleanup_free_ char *saved = cJSON_PrintUnformatted(f->saved);

        if (!saved)
                return error_set(e, ENOMEM, "out of memory");
        /* The intent must be durable before the module touches the kernel:
         * a failure here aborts the apply. */
        if (experiment_fault_event(fi, FI_EV_APPLY) < 0)
                return error_set(e, EINVAL, "checkpoint of a fault in state %s", fault_state_name(fi->state));
        if (journal_put_fault(x->d->journal, x->id, (int)(fi - x->faults), fi->target_idx, f->ops->type,
                              fault_state_name(fi->state), saved, NULL, NULL, e) < 0 ||
            journal_flush(x->d->journal, e) < 0)
                return error_wrap(e, "journal intent");
        return 0;
}

/* Move X by EV; the journal follows. */
static int set_state(struct experiment *x, enum exp_event ev, const char *reason)
{
        struct error e;
        int s = lifecycle_exp_next(x->state, ev);

        if (s < 0) {
                log_event("error", x->id, "lifecycle", "event %s is illegal in state %s", exp_event_name(ev),
                          exp_state_name(x->state));
                return s;
        }
        x->state = (enum exp_state)s;
        if (reason)
                snprintf(x->reason, sizeof(x->reason), "%s", reason);
        if (exp_state_is_end(x->state))
                x->ended_ms = clock_wall_ms();
        if (x->d->journal &&
            journal_set_state(x->d->journal, x->id, exp_state_name(x->state), reason, x->ended_ms, &e) < 0)
                log_event("error", x->id, "journal", "%s", e.msg);
        return 0;
}

static void flush(struct experiment *x)
{
        struct error e;

        if (journal_flush(x->d->journal, &e) < 0)
                log_event("error", x->id, "journal", "%s", e.msg);
}

static void disarm(struct experiment *x)
{
        struct loop *l = x->d->loop;

        loop_remove(l, x->deadline_timer);
        x->deadline_timer = NULL;
        for (int i = 0; i < x->n_faults; i++) {
                loop_remove(l, x->faults[i].tick);
                x->faults[i].tick = NULL;
                loop_remove(l, x->faults[i].step_timer);
                x->faults[i].step_timer = NULL;
                loop_remove(l, x->faults[i].settle);
                x->faults[i].settle = NULL;
                x->faults[i].settled = NULL;
        }
        loop_remove(l, x->revert_retry);
        x->revert_retry = NULL;
        probes_stop(x);
        for (int i = 0; x->target_watch && i < x->n_targets; i++) {
                loop_remove(l, x->target_watch[i]);
                x->target_watch[i] = NULL;
        }
}

#define RETRY_FIRST_US 100000ULL
#define RETRY_MAX_US 30000000ULL

static void on_revert_retry(struct loop_source *src, uint32_t ev, void *ud);

/* Retry X's revert-pending faults later (the timer is X's, one at a time). */
static void arm_retry(struct experiment *x)
{
        struct error e = { 0 };

        if (x->revert_retry || !x->d->loop)
                return;
        if (!x->retry_us)
                x->retry_us = RETRY_FIRST_US;
        if (loop_add_timer(x->d->loop, x->retry_us, 0, on_revert_retry, x, &x->revert_retry, &e) < 0)
                /* Still journaled as pending: a halt, the next daemon, the
                 * warden or --recover retries it. */
                log_event("error", x->id, "revert", "cannot arm the retry: %s", e.msg);
}

/* FI's revert failed with E: it stays pending, journaled, and is retried. */
static void revert_failed(struct fault_inst *fi, const struct error *e)
{
        struct experiment *x = fi->x;
        int i = (int)(fi - x->faults), again = fi->state == FI_REVERT_PENDING;

        snprintf(fi->error, sizeof(fi->error), "revert: %s", e->msg);
        (void)experiment_fault_event(fi, FI_EV_REVERT_FAILED);
        experiment_journal_fault(fi);
        if (again) {
                log_event("warning", x->id, "revert", "fault %d (%s): retry failed: %s", i, fi->f->ops->type, e->msg);
        } else {
                x->d->metrics.errors_revert++;
                events_emit(x->d, x->id, "revert-pending", NULL, "fault %d (%s): revert failed, retrying: %s", i,
                            fi->f->ops->type, e->msg);
        }
        arm_retry(x);
}

/* The module's revert; at EMFILE once more with the reserve of file
 * descriptors handed back to the process (fdreserve.c). */
static int call_revert(struct fault_inst *fi, struct target *t, struct error *e)
{
        int r = fi->f->ops->revert(fi->f, t, e);

        if (r < 0 && (r == -EMFILE || r == -ENFILE || e->code == EMFILE || e->code == ENFILE) &&
            fdreserve_release() > 0) {
                error_clear(e);
                r = fi->f->ops->revert(fi->f, t, e);
                fdreserve_retake();
        }
        return r;
}

int experiment_revert_fault(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct target *t = &x->targets[fi->target_idx];
        struct error e = { 0 };
        int pending = fi->state == FI_REVERT_PENDING;
        uint64_t t0;

        if (!fi->f || !fault_state_needs_revert(fi->state))
                return 0;
        loop_remove(x->d->loop, fi->tick);
        fi->tick = NULL;
        /* Given up while settling: no further settle, revert copes. */
        loop_remove(x->d->loop, fi->settle);
        fi->settle = NULL;
        fi->settled = NULL;
        t0 = clock_mono_us();
        if (call_revert(fi, t, &e) < 0) {
                revert_failed(fi, &e);
                return -1;
        }
        (void)experiment_fault_event(fi,
                                     (fi->f->ops->flags & FAULT_ONESHOT) ? FI_EV_REVERTED_ONESHOT : FI_EV_REVERTED);
        metrics_observe(&x->d->metrics.revert, (double)(clock_mono_us() - t0) / 1e6);
        experiment_journal_fault(fi);
        if (pending)
                events_emit(x->d, x->id, "reverted", NULL, "fault %d (%s): revert succeeded on retry",
                            (int)(fi - x->faults), fi->f->ops->type);
        return 0;
}

/* Revert every fault in reverse order; returns the number that failed. */
static int revert_all(struct experiment *x)
{
        int failed = 0;

        for (int i = x->n_faults - 1; i >= 0; i--)
                failed += experiment_revert_fault(&x->faults[i]) < 0;
        return failed;
}

/* X left "injecting": a POST kept waiting for that gets its answer. */
static void notify_injected(struct experiment *x)
{
        void (*cb)(struct experiment *, void *) = x->on_injected;

        x->on_injected = NULL;
        if (cb)
                cb(x, x->on_injected_ud);
}

/* Every revert of X done: the end state it was asked for. */
static void finish_end(struct experiment *x)
{
        enum exp_state end = x->end_wanted;
        char why[1100];
        int injected = 0;

        snprintf(why, sizeof(why), "%s%s", x->end_reason[0] ? x->end_reason : exp_state_name(end),
                 x->retried ? " (reverted after retrying)" : "");
        (void)set_state(x, (enum exp_event)lifecycle_exp_end_event(end), why);
        x->d->metrics.ended[end]++;
        events_emit(x->d, x->id, "ended", exp_state_name(end), "%s%s%s", exp_state_name(end),
                    x->reason[0] ? ": " : "", x->reason);
        for (int i = 0; i < x->n_targets; i++)
                target_release(&x->targets[i]);
        /* Did the system recover? Not worth asking while shutting down,
         * nor when nothing was injected (a before probe failed). */
        for (int i = 0; i < x->n_faults; i++)
                injected |= x->faults[i].state != FI_PENDING;
        if (!x->d->quitting && injected && probes_have_phase(x, PROBE_AFTER))
                probes_start(x, PROBE_AFTER, NULL);
        notify_injected(x);
}

void experiment_end(struct experiment *x, enum exp_state end, const char *reason)
{
        char why[1100];
        int failed;

        if (exp_state_is_end(x->state))
                return;
        if (lifecycle_exp_end_event(end) < 0) {
                log_event("error", x->id, "lifecycle", "%s is not an end state", exp_state_name(end));
                end = EXP_FAILED;
        }
        disarm(x);
        (void)set_state(x, EXP_EV_REVERT, NULL);
        /* Durable before the first revert: a daemon killed half-way must
         * finish the stop at restart, not resume the experiment. */
        flush(x);
        x->end_wanted = end;
        snprintf(x->end_reason, sizeof(x->end_reason), "%s", reason ? reason : "");
        failed = revert_all(x);
        if (!failed) {
                finish_end(x);
                return;
        }
        /* Not over while the kernel may hold a change of ours: it stays
         * "reverting" (journaled, so reconcile, the warden and --recover
         * find it) and ends once the retries have reverted everything. */
        x->retried = 1;
        snprintf(why, sizeof(why), "%s; %d fault%s failed to revert, retrying (see faults[].error)",
                 reason ? reason : exp_state_name(end), failed, failed == 1 ? "" : "s");
        (void)set_state(x, EXP_EV_REVERT, why);
        flush(x);
        events_emit(x->d, x->id, "revert-pending", exp_state_name(x->state), "%s", x->reason);
        notify_injected(x);
}

static void on_revert_retry(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;
        int left = 0;

        loop_remove(x->d->loop, x->revert_retry);
        x->revert_retry = NULL;
        x->retry_us = x->retry_us * 2 > RETRY_MAX_US ? RETRY_MAX_US : x->retry_us * 2;
        for (int i = x->n_faults - 1; i >= 0; i--)
                if (x->faults[i].state == FI_REVERT_PENDING)
                        left += experiment_revert_fault(&x->faults[i]) < 0;
        flush(x);
        if (left)
                return; /* re-armed by the failure */
        x->retry_us = 0;
        if (x->state == EXP_REVERTING)
                finish_end(x);
}

static void on_deadline(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;

        experiment_end(x, EXP_COMPLETED, "duration elapsed");
        experiments_trim(x->d);
}

static int begin_restart(struct experiment *x, int idx);

static void on_target_exit(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;
        char why[256];
        int idx = 0;

        for (int i = 0; i < x->n_targets; i++)
                if (x->target_watch[i] == src)
                        idx = i;
        if (begin_restart(x, idx))
                return;
        snprintf(why, sizeof(why), "target process %d exited", (int)x->targets[idx].pid);
        experiment_end(x, EXP_TARGET_GONE, why);
}

static void on_tick(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;
        struct error e;
        int r;

        r = fi->f->ops->tick(fi->f, &x->targets[fi->target_idx], &e);
        experiment_journal_fault(fi);
        if (r == -ESRCH) {
                experiment_end(x, EXP_TARGET_GONE, e.msg);
                return;
        }
        if (r < 0) {
                /* One failure ends the experiment: never an error loop. */
                char why[1100];

                snprintf(why, sizeof(why), "fault %d (%s): %s", (int)(fi - x->faults), fi->f->ops->type, e.msg);
                x->d->metrics.errors_inject++;
                experiment_end(x, EXP_FAILED, why);
                return;
        }
        events_emit(x->d, x->id, "tick", NULL, "fault %d (%s) repeated", (int)(fi - x->faults), fi->f->ops->type);
        if (fi->f->done) {
                loop_remove(x->d->loop, fi->tick);
                fi->tick = NULL;
                (void)experiment_fault_event(fi, FI_EV_FINISHED);
        }
}

int experiment_arm_tick(struct fault_inst *fi, struct error *e)
{
        /* A later step's fault gets its tick when its step applies it. */
        if (!fi->f->tick_us || !fi->f->ops->tick || fi->f->done || fi->tick || fi->state != FI_ACTIVE)
                return 0;
        return loop_add_timer(fi->x->d->loop, fi->f->tick_us, fi->f->tick_us, on_tick, fi, &fi->tick, e);
}

/* The pidfd watch and fault ticks of target IDX alone (also after a restart). */
static int arm_target(struct experiment *x, int idx, struct error *e)
{
        int r;

        if (x->targets[idx].pidfd >= 0) {
                r = loop_add_fd(x->d->loop, x->targets[idx].pidfd, EPOLLIN, on_target_exit, x, &x->target_watch[idx],
                                e);
                if (r < 0)
                        return r;
        }
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];

                if (fi->target_idx != idx)
                        continue;
                r = experiment_arm_tick(fi, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int experiment_arm(struct experiment *x, struct error *e)
{
        /* The deadline is journaled as wall time (it must outlive this
         * process); the timer that waits for it is the loop's. */
        int64_t left = x->deadline_ms - clock_wall_ms();
        int r;

        r = loop_add_timer(x->d->loop, left > 0 ? (uint64_t)left * 1000 : 1, 0, on_deadline, x, &x->deadline_timer,
                           e);
        if (r < 0)
                return r;
        for (int i = 0; i < x->n_targets; i++) {
                r = arm_target(x, i, e);
                if (r < 0)
                        return r;
        }
        return scenario_arm(x, on_step, e);
}

/* Another running experiment already applying the same fault type to the
 * same target would save our change as its "prior" state: refuse. */
static struct experiment *conflict(struct daemon *d, const struct target *t, const char *type)
{
        for (struct experiment *x = d->experiments; x; x = x->next) {
                if (exp_state_is_end(x->state) || x->archive)
                        continue;
                for (int i = 0; i < x->n_faults; i++) {
                        const struct target *o = &x->targets[x->faults[i].target_idx];

                        if (!x->faults[i].f || strcmp(x->faults[i].f->ops->type, type) != 0)
                                continue;
                        if (!fault_state_is_applied(x->faults[i].state))
                                continue;
                        if ((t->cgroup_ino && o->cgroup_ino == t->cgroup_ino) || (t->pid && o->pid == t->pid))
                                return x;
                }
        }
        return NULL;
}

void experiment_free(struct experiment *x)
{
        if (!x)
                return;
        if (x->d)
                loop_remove(x->d->loop, x->revert_retry);
        for (int i = 0; i < x->n_faults; i++)
                fault_free(x->faults[i].f);
        free(x->faults);
        for (int i = 0; i < x->n_targets; i++)
                target_release(&x->targets[i]);
        free(x->targets);
        free(x->target_watch);
        free(x->restart_since_ms);
        probes_free(x);
        spec_free(&x->spec);
        free(x->spec_text);
        cJSON_Delete(x->archive);
        free(x);
}

static int fail_inject(struct experiment *x, struct fault_inst *fi, const char *what, struct error *e)
{
        char why[1200];

        snprintf(fi->error, sizeof(fi->error), "%s: %s", what, e->msg);
        (void)experiment_fault_event(fi, FI_EV_APPLY_FAILED);
        experiment_journal_fault(fi);
        snprintf(why, sizeof(why), "fault %d (%s) %s: %s", (int)(fi - x->faults), fi->f->ops->type, what, e->msg);
        x->d->metrics.errors_inject++;
        experiment_end(x, EXP_FAILED, why);
        return error_set(e, e->code, "%s", why);
}

/* A selector's seed, generated when the spec had none, goes into the spec
 * itself: `get` shows it and the journal keeps it, so the same choice can
 * be replayed. */
static int record_seed(struct experiment *x)
{
        const struct selector_spec *sel = &x->spec.target.sel;
        cJSON *t = cJSON_GetObjectItemCaseSensitive(x->spec.root, "target");
        cJSON *sj = cJSON_GetObjectItemCaseSensitive(t, "selector");
        char *text;

        if (!sel->active || cJSON_GetObjectItemCaseSensitive(sj, "seed"))
                return 0;
        if (!cJSON_AddNumberToObject(sj, "seed", (double)sel->seed))
                return -ENOMEM;
        text = cJSON_PrintUnformatted(x->spec.root);
        if (!text)
                return -ENOMEM;
        free(x->spec_text);
        x->spec_text = text;
        return 0;
}

static int journal_targets(struct experiment *x, struct error *e)
{
        struct journal_experiment jx = { 0 };
        _cleanup_free_ char *targets_json = NULL;
        cJSON *tj = cJSON_CreateArray();

        for (int i = 0; tj && i < x->n_targets; i++)
                cJSON_AddItemToArray(tj, target_to_json(&x->targets[i]));
        targets_json = tj ? cJSON_PrintUnformatted(tj) : NULL;
        cJSON_Delete(tj);
        if (!targets_json)
                return error_set(e, ENOMEM, "out of memory");
        snprintf(jx.id, sizeof(jx.id), "%s", x->id);
        jx.name = x->name;
        jx.spec = x->spec_text;
        jx.state = (char *)exp_state_name(x->state);
        jx.reason = x->reason[0] ? x->reason : NULL;
        jx.boot_id = x->d->boot_id;
        jx.targets = targets_json;
        jx.created_ms = x->created_ms;
        jx.deadline_ms = x->deadline_ms;
        jx.ended_ms = x->ended_ms;
        return journal_put_experiment(x->d->journal, &jx, e);
}

/* Applied and settled: verify, journal, announce. */
static int finish_apply(struct fault_inst *fi, struct error *e)
{
        struct experiment *x = fi->x;

        if (fi->f->ops->verify && fi->f->ops->verify(fi->f, &x->targets[fi->target_idx], e) < 0)
                return fail_inject(x, fi, "verify", e);
        (void)experiment_fault_event(fi, (fi->f->ops->flags & FAULT_ONESHOT) && !fi->f->tick_us ? FI_EV_FINISHED
                                                                                                : FI_EV_VERIFIED);
        experiment_journal_fault(fi);
        events_emit(x->d, x->id, "injected", NULL, "fault %d (%s) applied and verified on target %d",
                    (int)(fi - x->faults), fi->f->ops->type, fi->target_idx);
        return 0;
}

static void on_settle(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;
        void (*then)(struct fault_inst *) = fi->settled;
        struct error e = { 0 };
        int r;

        r = fi->f->ops->settle(fi->f, &x->targets[fi->target_idx], &e);
        if (r == FAULT_PENDING) {
                r = loop_timer_rearm(fi->settle, fi->f->settle_us, 0);
                if (r == 0)
                        return;
                error_sys(&e, -r, "timerfd_settime");
        }
        loop_remove(x->d->loop, fi->settle);
        fi->settle = NULL;
        fi->settled = NULL;
        /* On failure the experiment has ended (failed, reverted). */
        if (r < 0) {
                (void)fail_inject(x, fi, "apply", &e);
                return;
        }
        if (finish_apply(fi, &e) < 0)
                return;
        if (then)
                then(fi);
}

int experiment_settling(const struct experiment *x)
{
        for (int i = 0; i < x->n_faults; i++)
                if (x->faults[i].settle)
                        return 1;
        return 0;
}

int experiment_apply_fault(struct fault_inst *fi, void (*then)(struct fault_inst *fi), struct error *e)
{
        struct experiment *x = fi->x;
        struct target *t = &x->targets[fi->target_idx];
        int r;

        /* A later step's fault: another experiment may have taken the
         * target since creation; its change must not become our "prior". */
        if (fi->start_us > 0) {
                struct experiment *other = conflict(x->d, t, fi->f->ops->type);

                if (other && other != x) {
                        error_set(e, EBUSY, "experiment %s (%s) already applies a %s fault to this target", other->id,
                                  other->name, fi->f->ops->type);
                        return fail_inject(x, fi, "apply", e);
                }
        }
        if (experiment_fault_event(fi, FI_EV_APPLY) < 0) {
                error_set(e, EINVAL, "cannot apply a fault in state %s", fault_state_name(fi->state));
                return fail_inject(x, fi, "apply", e);
        }
        fi->f->settle_us = 0;
        r = fi->f->ops->apply(fi->f, t, e);
        if (r < 0)
                return fail_inject(x, fi, "apply", e);
        if (r != FAULT_PENDING)
                return finish_apply(fi, e);
        /* Made but not in effect yet (a cgroup still freezing): the loop
         * asks the module again from a timer instead of waiting here, so
         * that the API and every other experiment's deadline keep running.
         * fi stays "applying", journaled as such by the checkpoint: a crash
         * now is reverted by reconcile, a stop or deadline by revert_all. */
        if (!fi->f->ops->settle) {
                error_set(e, EINVAL, "module answered \"pending\" but cannot settle");
                return fail_inject(x, fi, "apply", e);
        }
        fi->settled = then;
        if (loop_add_timer(x->d->loop, fi->f->settle_us, 0, on_settle, fi, &fi->settle, e) < 0)
                return fail_inject(x, fi, "apply", e);
        events_emit(x->d, x->id, "settling", NULL,
                    "fault %d (%s) applied on target %d, waiting for the kernel to "
                    "carry it out",
                    (int)(fi - x->faults), fi->f->ops->type, fi->target_idx);
        return FAULT_PENDING;
}

/* --- requests of scenario.c and restart.c ------------------------------- */

/* A step's fault (or a restarted target's) is active and verified: its
 * tick. On failure the experiment ends; WHAT says where. */
static int arm_tick_or_end(struct fault_inst *fi, const char *what)
{
        struct error e = { 0 };
        char why[1200];

        if (experiment_arm_tick(fi, &e) == 0)
                return 0;
        snprintf(why, sizeof(why), "%s: %s", what, e.msg);
        fi->x->d->metrics.errors_inject++;
        experiment_end(fi->x, EXP_FAILED, why);
        return -1;
}

static void step_applied(struct fault_inst *fi)
{
        char what[300];

        snprintf(what, sizeof(what), "step \"%s\": arming", scenario_step_name(fi));
        (void)arm_tick_or_end(fi, what);
}

/* scenario.c's request: FI's step starts (apply it) or ends (revert it). */
static void on_step(struct fault_inst *fi, int step_end)
{
        struct experiment *x = fi->x;
        struct error e = { 0 };
        char why[1100];
        int r;

        if (step_end) {
                if (experiment_revert_fault(fi) == 0)
                        events_emit(x->d, x->id, "step", NULL, "step \"%s\": fault %d (%s) reverted at its end",
                                    scenario_step_name(fi), (int)(fi - x->faults), fi->f->ops->type);
                return;
        }
        /* On failure the experiment has ended and fi is no longer ours. A
         * fault still settling gets its tick once verified, but its step's
         * end is armed now: a step that ends while it settles reverts it
         * (experiment_revert_fault cancels the settling) on time. */
        r = experiment_apply_fault(fi, step_applied, &e);
        if (r < 0)
                return;
        if (scenario_arm_end(fi, &e) < 0) {
                snprintf(why, sizeof(why), "step \"%s\": arming: %s", scenario_step_name(fi), e.msg);
                experiment_end(x, EXP_FAILED, why);
                return;
        }
        if (r == 0)
                step_applied(fi);
}

static void reapply_next(struct fault_inst *fi);

/* Fault FI is back on the restarted target and verified. 0, or negative
 * after ending the experiment. */
static int reapplied(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        char what[64];

        events_emit(x->d, x->id, "injected", NULL, "fault %d (%s) reapplied on restarted target %d",
                    (int)(fi - x->faults), fi->f->ops->type, fi->target_idx);
        snprintf(what, sizeof(what), "after target %d restarted", fi->target_idx);
        return arm_tick_or_end(fi, what);
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

                if (fi->target_idx != idx || fi->state != FI_RESTARTING)
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

/* restart.c's answer: target IDX is back (its new identity is in
 * x->targets[idx]), or it stayed away (WHY). */
static void on_restart(struct experiment *x, int idx, int back, const char *why)
{
        struct error e = { 0 };
        char msg[1200];

        if (!back) {
                experiment_end(x, EXP_TARGET_GONE, why);
                return;
        }
        /* The new process is watched from now on, also while a fault of
         * its settles; each fault's tick is armed once it is verified. */
        if (journal_targets(x, &e) < 0 || arm_target(x, idx, &e) < 0) {
                snprintf(msg, sizeof(msg), "after target %d restarted: %s", idx, e.msg);
                x->d->metrics.errors_inject++;
                experiment_end(x, EXP_FAILED, msg);
                return;
        }
        /* On failure the experiment has ended failed, with the reason. */
        (void)reapply(x, idx, 0);
}

/* Target IDX's process exited: with on_restart "reapply" on a container,
 * revert its faults and have restart.c wait for the container to come
 * back. 1 if that is under way, 0 if the experiment should end as
 * target-gone. */
static int begin_restart(struct experiment *x, int idx)
{
        struct target *t = &x->targets[idx];
        struct error e = { 0 };

        if (!restart_wanted(x, idx) || x->d->quitting || exp_state_is_end(x->state))
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
                /* Only these come back: a fault a scenario has not started
                 * yet stays "pending" and is the scenario's business. */
                if (!fault_state_is_applied(fi->state) || fi->state == FI_REVERT_PENDING)
                        continue;
                /* Whatever is left of the old cgroup goes back to how it
                 * was. A failed revert is not a reverted one: retried
                 * until it succeeds, never applied again over itself. */
                if (call_revert(fi, t, &e) < 0) {
                        revert_failed(fi, &e);
                        continue;
                }
                (void)experiment_fault_event(fi, FI_EV_TARGET_EXITED);
                fi->f->done = 0;
                experiment_journal_fault(fi);
        }
        target_release(t);
        return restart_watch(x, idx, on_restart, &e) == 0;
}

/* --- injection --------------------------------------------------------- */

/* Every start fault is in place and verified: the deadline starts now. */
static int inject_done(struct experiment *x, struct error *e)
{
        struct daemon *d = x->d;

        /* The deadline counts from the moment the faults are in place. */
        x->deadline_ms = clock_wall_ms() + (int64_t)(x->duration_us / 1000);
        if (journal_set_deadline(d->journal, x->id, x->deadline_ms, e) < 0 || experiment_arm(x, e) < 0) {
                char why[1100];

                snprintf(why, sizeof(why), "arming: %s", e->msg);
                experiment_end(x, EXP_FAILED, why);
                return -EIO;
        }
        metrics_observe(&d->metrics.inject, (double)(clock_mono_us() - x->inject_t0_us) / 1e6);
        (void)set_state(x, EXP_EV_INJECTED, "");
        events_emit(d, x->id, "running", "running", "%d fault%s active for %llu ms", x->n_faults,
                    x->n_faults == 1 ? "" : "s", (unsigned long long)(x->duration_us / 1000));
        probes_start(x, PROBE_DURING, experiment_probe_verdict);
        notify_injected(x);
        return 0;
}

void experiment_probe_verdict(struct experiment *x, int ok, const char *why)
{
        if (ok || exp_state_is_end(x->state))
                return;
        x->d->metrics.probe_aborts++;
        /* Reverts everything at once. */
        experiment_end(x, EXP_ABORTED, why);
        experiments_trim(x->d);
}

static void inject_next(struct fault_inst *fi);

/* Apply the faults due at the start from index FROM on (later steps' are
 * armed by scenario.c), one after the other in spec order as before: a
 * fault that settles holds back the ones after it until it is verified,
 * so that a failure still leaves nothing applied after it. Then start the
 * "during" probes. 0 when running, FAULT_PENDING while a fault settles
 * (inject_next carries on), negative when the experiment has ended failed
 * with everything reverted. */
static int inject_from(struct experiment *x, int from, struct error *e)
{
        for (int i = from; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                int r;

                if (fi->start_us > 0)
                        continue;
                r = experiment_apply_fault(fi, inject_next, e);
                if (r != 0)
                        return r;
        }
        return inject_done(x, e);
}

static void inject_next(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct error e = { 0 };

        if (inject_from(x, (int)(fi - x->faults) + 1, &e) < 0)
                log_event("error", x->id, "inject", "%s", e.msg);
}

static int inject_begin(struct experiment *x, struct error *e)
{
        int r;

        x->inject_t0_us = clock_mono_us();
        r = inject_from(x, 0, e);
        return r < 0 ? r : 0;
}

static void before_probes_done(struct experiment *x, int ok, const char *why)
{
        struct error e = { 0 };

        if (!ok) {
                /* Already unhealthy: nothing was injected, nothing to revert. */
                x->d->metrics.probe_aborts++;
                experiment_end(x, EXP_ABORTED, why);
                experiments_trim(x->d);
                return;
        }
        events_emit(x->d, x->id, "probe", NULL, "before probes passed: injecting");
        if (inject_begin(x, &e) < 0)
                log_event("error", x->id, "inject", "%s", e.msg);
}

int experiment_instantiate(struct experiment *x, struct error *e)
{
        int r;

        x->target_watch = calloc((size_t)x->n_targets, sizeof(*x->target_watch));
        x->restart_since_ms = calloc((size_t)x->n_targets, sizeof(*x->restart_since_ms));
        x->n_faults = x->spec.n_faults * x->n_targets;
        x->faults = calloc((size_t)x->n_faults, sizeof(*x->faults));
        if (!x->target_watch || !x->restart_since_ms || !x->faults) {
                x->n_faults = 0;
                return error_set(e, ENOMEM, "out of memory");
        }
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                int si = i % x->spec.n_faults;

                fi->x = x;
                fi->state = FI_PENDING;
                fi->target_idx = i / x->spec.n_faults;
                scenario_init_fault(fi);
                r = fault_new_at(x->spec.fault_list[si].json, si, x->spec.fault_list[si].path, &fi->f, e);
                if (r < 0)
                        return r;
                fi->f->checkpoint = experiment_checkpoint;
                fi->f->core = fi;
        }
        return 0;
}

/* Creation's failures before anything was journaled: X is freed, the code
 * tells the API layer what kind of failure it was. */
static int create_fail(struct experiment *x, int code, int r)
{
        experiment_free(x);
        return code ? -code : r;
}

int experiment_create(struct daemon *d, struct spec *spec, const char *text, size_t len, struct experiment **ret,
                      struct error *e)
{
        struct experiment *x;
        int r;

        *ret = NULL;
        if (d->max_experiments > 0 && experiments_active(d) >= d->max_experiments) {
                spec_free(spec);
                return error_set(e, EUSERS,
                                 "too many experiments: %d are active, the limit is %d "
                                 "(chaosd --max-experiments); retry when one has ended",
                                 experiments_active(d), d->max_experiments);
        }
        x = calloc(1, sizeof(*x));
        if (!x) {
                spec_free(spec);
                return error_set(e, ENOMEM, "out of memory");
        }
        x->d = d;
        x->spec = *spec;
        memset(spec, 0, sizeof(*spec));
        x->spec_text = strndup(text, len);
        randid_new("", x->id, sizeof(x->id));
        snprintf(x->name, sizeof(x->name), "%s", x->spec.name);
        x->duration_us = x->spec.duration_us;
        x->created_ms = clock_wall_ms();

        /* A selector resolves to several targets; every fault of the spec
         * is instantiated once per target. */
        r = target_resolve_all(&x->spec.target, &x->targets, &x->n_targets, e);
        if (r < 0) {
                d->metrics.errors_target++;
                return create_fail(x, r == -EPERM ? EPERM : ESRCH, r);
        }
        if (d->max_targets > 0 && x->n_targets > d->max_targets)
                return create_fail(x, EUSERS,
                                   error_set(e, EUSERS,
                                             "$.target: resolves to %d targets, the limit is %d per "
                                             "experiment (chaosd --max-targets)",
                                             x->n_targets, d->max_targets));
        if (record_seed(x) < 0 || !x->spec_text)
                return create_fail(x, 0, error_set(e, ENOMEM, "out of memory"));
        r = experiment_instantiate(x, e);
        if (r < 0)
                return create_fail(x, r == -ENOMEM ? ENOMEM : EINVAL, r);
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                struct experiment *other = conflict(d, &x->targets[fi->target_idx], fi->f->ops->type);

                if (other)
                        return create_fail(
                                x, EBUSY,
                                error_set(e, EBUSY,
                                          "%s: experiment %s (%s) already applies a %s fault to this target",
                                          x->spec.fault_list[i % x->spec.n_faults].path, other->id, other->name,
                                          fi->f->ops->type));
        }

        /* Journal the experiment before any fault touches the kernel. */
        x->deadline_ms = x->created_ms + (int64_t)(x->duration_us / 1000);
        x->state = EXP_INJECTING;
        r = journal_targets(x, e);
        if (r < 0)
                return create_fail(x, r == -EPERM || r == -ESRCH || r == -EINVAL || r == -EBUSY ? EIO : 0, r);
        x->next = d->experiments;
        d->experiments = x;
        d->metrics.created++;
        *ret = x;
        events_emit(d, x->id, "created", "injecting", "experiment \"%s\" on %s%s", x->name,
                    x->targets[0].container_name[0] ? x->targets[0].container_name : x->targets[0].cgroup,
                    x->n_targets > 1 ? " and more" : "");
        r = probes_new(x, e);
        if (r < 0) {
                experiment_end(x, EXP_FAILED, e->msg);
                return r;
        }
        /* Steady state first: an unhealthy system gets nothing injected.
         * The probes run on the loop; the answer is 201 "injecting". */
        if (probes_have_phase(x, PROBE_BEFORE)) {
                snprintf(x->reason, sizeof(x->reason), "waiting for the before probes");
                probes_start(x, PROBE_BEFORE, before_probes_done);
                return 0;
        }
        return inject_begin(x, e);
}

int experiments_active(const struct daemon *d)
{
        int n = 0;

        for (const struct experiment *x = d->experiments; x; x = x->next)
                n += !x->archive && !exp_state_is_end(x->state);
        return n;
}

int experiments_end_all(struct daemon *d, enum exp_state end, const char *reason, cJSON *ids)
{
        int n = 0;

        for (struct experiment *x = d->experiments; x; x = x->next) {
                if (x->archive || exp_state_is_end(x->state))
                        continue;
                experiment_end(x, end, reason);
                if (ids)
                        cJSON_AddItemToArray(ids, cJSON_CreateString(x->id));
                n++;
        }
        return n;
}

void experiments_child_exited(struct daemon *d, pid_t pid, int status)
{
        for (struct experiment *x = d->experiments; x; x = x->next)
                for (int i = 0; i < x->n_faults; i++) {
                        struct fault *f = x->faults[i].f;

                        if (f && f->ops->child_exited && f->ops->child_exited(f, pid, status))
                                return;
                }
}

void experiments_trim(struct daemon *d)
{
        int kept = 0;

        for (struct experiment **p = &d->experiments; *p;) {
                struct experiment *x = *p;

                if (exp_state_is_end(x->state) && ++kept > HISTORY_KEEP) {
                        *p = x->next;
                        experiment_free(x);
                        continue;
                }
                p = &x->next;
        }
}
