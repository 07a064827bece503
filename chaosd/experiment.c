/* Experiment lifecycle: parse → resolve → journal → apply (+checkpoint) →
 * verify → running → (deadline | stop | halt | target gone) → revert. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "daemon.h"
#include "events.h"
#include "probes.h"
#include "scenario.h"
#include "selector.h"

#define HISTORY_KEEP 200

static const char *const state_names[EXP_STATE_MAX] = {
        [EXP_INJECTING] = "injecting", [EXP_RUNNING] = "running",   [EXP_REVERTING] = "reverting",
        [EXP_COMPLETED] = "completed", [EXP_STOPPED] = "stopped",   [EXP_HALTED] = "halted",
        [EXP_FAILED] = "failed",       [EXP_TARGET_GONE] = "target-gone", [EXP_ABORTED] = "aborted",
};

const char *exp_state_name(enum exp_state s)
{
        return s < EXP_STATE_MAX ? state_names[s] : "?";
}

int exp_state_is_end(enum exp_state s)
{
        return s >= EXP_COMPLETED;
}

int exp_state_parse(const char *s, enum exp_state *ret)
{
        for (int i = 0; i < EXP_STATE_MAX; i++)
                if (s && strcmp(s, state_names[i]) == 0) {
                        *ret = (enum exp_state)i;
                        return 0;
                }
        return -EINVAL;
}

int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t mono_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
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
                if (x->faults[i].state && (strcmp(x->faults[i].state, "active") == 0 ||
                                           strcmp(x->faults[i].state, "applying") == 0))
                        n++;
        return n;
}

static void journal_fault(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct error e;
        _cleanup_free_ char *saved = fi->f && fi->f->saved ? cJSON_PrintUnformatted(fi->f->saved) : NULL;
        _cleanup_free_ char *rb = fi->f && fi->f->readback ? cJSON_PrintUnformatted(fi->f->readback) : NULL;

        if (!x->d->journal)
                return;
        if (journal_put_fault(x->d->journal, x->id, (int)(fi - x->faults), fi->target_idx,
                              fi->f ? fi->f->ops->type : "?", fi->state, saved, rb,
                              fi->error[0] ? fi->error : NULL, &e) < 0)
                log_event("error", x->id, "journal", "%s", e.msg);
}

void experiment_journal_fault(struct fault_inst *fi)
{
        journal_fault(fi);
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
        fi->state = "applying";
        if (journal_put_fault(x->d->journal, x->id, (int)(fi - x->faults), fi->target_idx, f->ops->type,
                              fi->state, saved, NULL, NULL, e) < 0 ||
            journal_flush(x->d->journal, e) < 0)
                return error_wrap(e, "journal intent");
        return 0;
}

static void set_state(struct experiment *x, enum exp_state s, const char *reason)
{
        struct error e;

        x->state = s;
        if (reason)
                snprintf(x->reason, sizeof(x->reason), "%s", reason);
        if (exp_state_is_end(s))
                x->ended_ms = now_ms();
        if (x->d->journal &&
            journal_set_state(x->d->journal, x->id, exp_state_name(s), reason, x->ended_ms, &e) < 0)
                log_event("error", x->id, "journal", "%s", e.msg);
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
        probes_stop(x);
        for (int i = 0; x->target_watch && i < x->n_targets; i++) {
                loop_remove(l, x->target_watch[i]);
                x->target_watch[i] = NULL;
        }
}

int experiment_revert_fault(struct fault_inst *fi)
{
        struct experiment *x = fi->x;
        struct target *t = &x->targets[fi->target_idx];
        int i = (int)(fi - x->faults);
        struct error e;
        uint64_t t0;

        if (!fi->f || strcmp(fi->state, "pending") == 0 || strcmp(fi->state, "reverted") == 0 ||
            strcmp(fi->state, "gone") == 0 || strcmp(fi->state, "restarting") == 0)
                return 0;
        loop_remove(x->d->loop, fi->tick);
        fi->tick = NULL;
        /* Given up while settling: no further settle, revert copes. */
        loop_remove(x->d->loop, fi->settle);
        fi->settle = NULL;
        fi->settled = NULL;
        t0 = mono_us();
        if (fi->f->ops->revert(fi->f, t, &e) < 0) {
                snprintf(fi->error, sizeof(fi->error), "revert: %s", e.msg);
                fi->state = "failed";
                x->d->metrics.errors_revert++;
                events_emit(x->d, x->id, "error", NULL, "fault %d (%s): revert failed: %s", i, fi->f->ops->type,
                            e.msg);
                journal_fault(fi);
                return -1;
        }
        if (strcmp(fi->state, "failed") != 0)
                fi->state = (fi->f->ops->flags & FAULT_ONESHOT) ? "done" : "reverted";
        metrics_observe(&x->d->metrics.revert, (double)(mono_us() - t0) / 1e6);
        journal_fault(fi);
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

void experiment_end(struct experiment *x, enum exp_state end, const char *reason)
{
        char why[1024];
        int failed, injected = 0;

        if (exp_state_is_end(x->state))
                return;
        disarm(x);
        set_state(x, EXP_REVERTING, NULL);
        /* Durable before the first revert: a daemon killed half-way must
         * finish the stop at restart, not resume the experiment. */
        flush(x);
        failed = revert_all(x);
        if (failed) {
                snprintf(why, sizeof(why), "%s; %d fault%s failed to revert (see faults[].error)",
                         reason ? reason : exp_state_name(end), failed, failed == 1 ? "" : "s");
                end = EXP_FAILED;
                reason = why;
        }
        set_state(x, end, reason ? reason : "");
        x->d->metrics.ended[end]++;
        events_emit(x->d, x->id, "ended", exp_state_name(end), "%s%s%s", exp_state_name(end),
                    x->reason[0] ? ": " : "", x->reason);
        for (int i = 0; i < x->n_targets; i++)
                target_release(&x->targets[i]);
        /* Did the system recover? Not worth asking while shutting down,
         * nor when nothing was injected (a before probe failed). */
        for (int i = 0; i < x->n_faults; i++)
                injected |= strcmp(x->faults[i].state, "pending") != 0;
        if (!x->d->quitting && injected && probes_have_phase(x, PROBE_AFTER))
                probes_start(x, PROBE_AFTER, NULL);
        notify_injected(x);
}

static void on_deadline(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;

        experiment_end(x, EXP_COMPLETED, "duration elapsed");
        experiments_trim(x->d);
}

static void on_target_exit(struct loop_source *src, uint32_t ev, void *ud)
{
        struct experiment *x = ud;
        char why[256];
        int idx = 0;

        for (int i = 0; i < x->n_targets; i++)
                if (x->target_watch[i] == src)
                        idx = i;
        if (restart_begin(x, idx))
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
        journal_fault(fi);
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
        events_emit(x->d, x->id, "tick", NULL, "fault %d (%s) repeated", (int)(fi - x->faults),
                    fi->f->ops->type);
        if (fi->f->done) {
                loop_remove(x->d->loop, fi->tick);
                fi->tick = NULL;
                fi->state = "done";
        }
}

int experiment_arm_tick(struct fault_inst *fi, struct error *e)
{
        /* A later step's fault gets its tick when scenario.c applies it. */
        if (!fi->f->tick_us || !fi->f->ops->tick || fi->f->done || fi->tick || strcmp(fi->state, "active") != 0)
                return 0;
        return loop_add_timer(fi->x->d->loop, fi->f->tick_us, fi->f->tick_us, on_tick, fi, &fi->tick, e);
}

int experiment_arm_target(struct experiment *x, int idx, struct error *e)
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
        int64_t left = x->deadline_ms - now_ms();
        int r;

        r = loop_add_timer(x->d->loop, left > 0 ? (uint64_t)left * 1000 : 1, 0, on_deadline, x,
                           &x->deadline_timer, e);
        if (r < 0)
                return r;
        for (int i = 0; i < x->n_targets; i++) {
                r = experiment_arm_target(x, i, e);
                if (r < 0)
                        return r;
        }
        return scenario_arm(x, e);
}

static void new_id(char *buf, size_t len)
{
        unsigned char b[6];

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (unsigned char)(rand() & 0xff);
        snprintf(buf, len, "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
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
                        if (strcmp(x->faults[i].state, "active") != 0 && strcmp(x->faults[i].state, "applying") != 0)
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
        fi->state = "failed";
        journal_fault(fi);
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

int experiment_journal_targets(struct experiment *x, struct error *e)
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

        fi->state = (fi->f->ops->flags & FAULT_ONESHOT) && !fi->f->tick_us ? "done" : "active";
        if (fi->f->ops->verify && fi->f->ops->verify(fi->f, &x->targets[fi->target_idx], e) < 0)
                return fail_inject(x, fi, "verify", e);
        journal_fault(fi);
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
                        error_set(e, EBUSY, "experiment %s (%s) already applies a %s fault to this target",
                                  other->id, other->name, fi->f->ops->type);
                        return fail_inject(x, fi, "apply", e);
                }
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
        fi->state = "applying";
        fi->settled = then;
        if (loop_add_timer(x->d->loop, fi->f->settle_us, 0, on_settle, fi, &fi->settle, e) < 0)
                return fail_inject(x, fi, "apply", e);
        events_emit(x->d, x->id, "settling", NULL, "fault %d (%s) applied on target %d, waiting for the kernel to "
                    "carry it out", (int)(fi - x->faults), fi->f->ops->type, fi->target_idx);
        return FAULT_PENDING;
}

/* Every start fault is in place and verified: the deadline starts now. */
static int inject_done(struct experiment *x, struct error *e)
{
        struct daemon *d = x->d;

        /* The deadline counts from the moment the faults are in place. */
        x->deadline_ms = now_ms() + (int64_t)(x->duration_us / 1000);
        if (journal_set_deadline(d->journal, x->id, x->deadline_ms, e) < 0 || experiment_arm(x, e) < 0) {
                char why[1100];

                snprintf(why, sizeof(why), "arming: %s", e->msg);
                experiment_end(x, EXP_FAILED, why);
                return -EIO;
        }
        metrics_observe(&d->metrics.inject, (double)(mono_us() - x->inject_t0_us) / 1e6);
        set_state(x, EXP_RUNNING, "");
        events_emit(d, x->id, "running", "running", "%d fault%s active for %llu ms", x->n_faults,
                    x->n_faults == 1 ? "" : "s", (unsigned long long)(x->duration_us / 1000));
        probes_start(x, PROBE_DURING, NULL);
        notify_injected(x);
        return 0;
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

static int inject(struct experiment *x, int *ret_http, struct error *e)
{
        int r;

        x->inject_t0_us = mono_us();
        r = inject_from(x, 0, e);
        *ret_http = r < 0 ? 422 : 201;
        return r < 0 ? r : 0;
}

static void before_probes_done(struct experiment *x, int ok, const char *why)
{
        struct error e = { 0 };
        int http;

        if (!ok) {
                /* Already unhealthy: nothing was injected, nothing to revert. */
                x->d->metrics.probe_aborts++;
                experiment_end(x, EXP_ABORTED, why);
                experiments_trim(x->d);
                return;
        }
        events_emit(x->d, x->id, "probe", NULL, "before probes passed: injecting");
        if (inject(x, &http, &e) < 0)
                log_event("error", x->id, "inject", "%s", e.msg);
}

int experiment_create(struct daemon *d, const char *body, size_t len, struct experiment **ret, int *ret_http,
                      struct error *e)
{
        struct experiment *x;
        int r;

        *ret = NULL;
        *ret_http = 500;
        x = calloc(1, sizeof(*x));
        if (!x)
                return error_set(e, ENOMEM, "out of memory");
        x->d = d;
        r = spec_parse(body, len, 0, d->max_duration_us, &x->spec, e);
        if (r < 0) {
                d->metrics.errors_spec++;
                *ret_http = 400;
                experiment_free(x);
                return r;
        }
        x->spec_text = strndup(body, len);
        new_id(x->id, sizeof(x->id));
        snprintf(x->name, sizeof(x->name), "%s", x->spec.name);
        x->duration_us = x->spec.duration_us;
        x->created_ms = now_ms();

        /* A selector resolves to several targets; every fault of the spec
         * is instantiated once per target: instance k is spec fault
         * k % n_spec on target k / n_spec. */
        r = target_resolve_all(&x->spec.target, &x->targets, &x->n_targets, e);
        if (r < 0) {
                d->metrics.errors_target++;
                *ret_http = r == -EPERM ? 403 : 422;
                experiment_free(x);
                return r;
        }
        r = record_seed(x);
        x->target_watch = calloc((size_t)x->n_targets, sizeof(*x->target_watch));
        x->restart_since_ms = calloc((size_t)x->n_targets, sizeof(*x->restart_since_ms));
        x->n_faults = x->spec.n_faults * x->n_targets;
        x->faults = calloc((size_t)x->n_faults, sizeof(*x->faults));
        if (r < 0 || !x->target_watch || !x->restart_since_ms || !x->faults || !x->spec_text) {
                experiment_free(x);
                return error_set(e, ENOMEM, "out of memory");
        }
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                struct experiment *other;
                int si = i % x->spec.n_faults;

                fi->x = x;
                fi->state = "pending";
                fi->target_idx = i / x->spec.n_faults;
                scenario_init_fault(fi);
                r = fault_new(x->spec.fault_list[si].json, si, &fi->f, e);
                if (r < 0) {
                        *ret_http = 400;
                        experiment_free(x);
                        return r;
                }
                fi->f->checkpoint = experiment_checkpoint;
                fi->f->core = fi;
                other = conflict(d, &x->targets[fi->target_idx], fi->f->ops->type);
                if (other) {
                        *ret_http = 409;
                        r = error_set(e, EBUSY, "%s: experiment %s (%s) already applies a %s fault to this target",
                                      x->spec.fault_list[si].path, other->id, other->name, fi->f->ops->type);
                        experiment_free(x);
                        return r;
                }
        }

        /* Journal the experiment before any fault touches the kernel. */
        x->deadline_ms = x->created_ms + (int64_t)(x->duration_us / 1000);
        x->state = EXP_INJECTING;
        r = experiment_journal_targets(x, e);
        if (r < 0) {
                experiment_free(x);
                return r;
        }
        x->next = d->experiments;
        d->experiments = x;
        d->metrics.created++;
        *ret = x;
        events_emit(d, x->id, "created", "injecting", "experiment \"%s\" on %s%s", x->name,
                    x->targets[0].container_name[0] ? x->targets[0].container_name : x->targets[0].cgroup,
                    x->n_targets > 1 ? " and more" : "");
        *ret_http = 422;
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
                *ret_http = 201;
                return 0;
        }
        return inject(x, ret_http, e);
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
