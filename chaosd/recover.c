/* Start-up reconcile: the journal says what a previous chaosd applied and
 * had not yet reverted. Expired (or half-injected) experiments are reverted
 * from the saved prior state; unexpired ones are verified and resumed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "events.h"
#include "probes.h"

/* What both loads take from the experiment's row as it is. */
static void load_row(struct daemon *d, const struct journal_experiment *jx, struct experiment *x)
{
        x->d = d;
        snprintf(x->id, sizeof(x->id), "%s", jx->id);
        snprintf(x->name, sizeof(x->name), "%s", jx->name ? jx->name : "");
        x->created_ms = jx->created_ms;
        x->deadline_ms = jx->deadline_ms;
        x->spec_text = strdup(jx->spec ? jx->spec : "");
        (void)exp_state_parse(jx->state, &x->state);
}

static int load_parsed(struct daemon *d, const struct journal_experiment *jx, struct experiment **ret,
                       struct error *e)
{
        struct experiment *x = calloc(1, sizeof(*x));
        struct journal_fault *rows = NULL;
        cJSON *tj = NULL;
        int n_rows = 0, r;

        if (!x)
                return error_set(e, ENOMEM, "out of memory");
        load_row(d, jx, x);
        /* No duration cap here: the daemon that accepted it already checked. */
        r = spec_parse(x->spec_text, strlen(x->spec_text), 0, UINT64_MAX / 2, &x->spec, e);
        if (r < 0) {
                error_wrap(e, "journaled spec of %s", x->id);
                goto fail;
        }
        x->duration_us = x->spec.duration_us;
        tj = cJSON_Parse(jx->targets ? jx->targets : "[]");
        x->n_targets = cJSON_GetArraySize(tj);
        if (x->n_targets < 1) {
                r = error_set(e, EINVAL, "journal: experiment %s has no target", x->id);
                goto fail;
        }
        x->targets = calloc((size_t)x->n_targets, sizeof(*x->targets));
        if (!x->targets) {
                r = error_set(e, ENOMEM, "out of memory");
                goto fail;
        }
        for (int i = 0; i < x->n_targets; i++)
                target_from_json(cJSON_GetArrayItem(tj, i), &x->targets[i], e);
        r = experiment_instantiate(x, e);
        if (r < 0)
                goto fail;
        r = journal_list_faults(d->journal, x->id, &rows, &n_rows, e);
        if (r < 0)
                goto fail;
        for (int i = 0; i < n_rows; i++) {
                struct fault_inst *fi;

                if (rows[i].idx < 0 || rows[i].idx >= x->n_faults)
                        continue;
                fi = &x->faults[rows[i].idx];
                fi->target_idx = rows[i].target_idx < x->n_targets ? rows[i].target_idx : 0;
                fi->state = fault_state_from_journal(rows[i].state);
                if (rows[i].saved)
                        fi->f->saved = cJSON_Parse(rows[i].saved);
                if (rows[i].readback)
                        fi->f->readback = cJSON_Parse(rows[i].readback);
                if (rows[i].error)
                        snprintf(fi->error, sizeof(fi->error), "%s", rows[i].error);
        }
        journal_faults_free(rows, n_rows);
        cJSON_Delete(tj);
        *ret = x;
        return 0;
fail:
        journal_faults_free(rows, n_rows);
        cJSON_Delete(tj);
        experiment_free(x);
        return r;
}

/* The fault objects of a journaled spec, in the order spec_parse flattens
 * them (each step's in turn, or "faults"), with nothing validated: the
 * raw load's best guess at a fault's parameters. How many, up to MAX. */
static int raw_fault_objects(const cJSON *root, const cJSON **list, int max)
{
        const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps"), *st, *f;
        int n = 0;

        if (cJSON_IsArray(steps)) {
                cJSON_ArrayForEach(st, steps)
                        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(st, "faults"))
                                if (n < max)
                                        list[n++] = f;
                return n;
        }
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "faults"))
                if (n < max)
                        list[n++] = f;
        return n;
}

/* Fault FI from its journal row: parsed from the spec's object when that
 * still parses on its own, else from its type and saved state alone
 * (fault.h: revert needs nothing more). NULL f when no module has its type. */
static void raw_fault(struct fault_inst *fi, const struct journal_fault *row, const cJSON *obj, struct error *e)
{
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
        cJSON *saved = row->saved ? cJSON_Parse(row->saved) : NULL;
        struct error pe = { 0 };

        if (obj && cJSON_IsString(type) && row->type && strcmp(type->valuestring, row->type) == 0 &&
            fault_new_at(obj, row->idx, "$.faults", &fi->f, &pe) == 0)
                fi->f->saved = saved;
        else if (fault_new_saved(row->type, row->idx, saved, &fi->f, e) < 0)
                fi->f = NULL;
        if (!fi->f)
                return;
        fi->f->checkpoint = experiment_checkpoint;
        fi->f->core = fi;
        if (row->readback)
                fi->f->readback = cJSON_Parse(row->readback);
}

/* An experiment whose journaled spec no longer loads (validation grew
 * stricter across an upgrade, a re-printed spec over the size limit): its
 * targets and fault rows, each fault able to revert from its saved state.
 * WHY (the parse error) becomes part of its end reason. */
static int load_raw(struct daemon *d, const struct journal_experiment *jx, struct experiment **ret, struct error *e)
{
        struct experiment *x = calloc(1, sizeof(*x));
        struct journal_fault *rows = NULL;
        const cJSON *objs[SPEC_MAX_FAULTS];
        cJSON *tj = NULL, *root = NULL;
        int n_rows = 0, n_objs = 0, r;

        if (!x)
                return error_set(e, ENOMEM, "out of memory");
        load_row(d, jx, x);
        x->unparsed = 1;
        tj = cJSON_Parse(jx->targets ? jx->targets : "[]");
        x->n_targets = cJSON_GetArraySize(tj);
        if (x->n_targets < 1)
                x->n_targets = 1; /* an unbound target: reverts that need none still run */
        x->targets = calloc((size_t)x->n_targets, sizeof(*x->targets));
        x->target_watch = calloc((size_t)x->n_targets, sizeof(*x->target_watch));
        x->restart_since_ms = calloc((size_t)x->n_targets, sizeof(*x->restart_since_ms));
        if (!x->spec_text || !x->targets || !x->target_watch || !x->restart_since_ms) {
                r = error_set(e, ENOMEM, "out of memory");
                goto fail;
        }
        for (int i = 0; i < x->n_targets; i++)
                target_from_json(cJSON_GetArrayItem(tj, i), &x->targets[i], e);
        r = journal_list_faults(d->journal, x->id, &rows, &n_rows, e);
        if (r < 0)
                goto fail;
        for (int i = 0; i < n_rows; i++)
                if (rows[i].idx >= x->n_faults && rows[i].idx < SPEC_MAX_FAULTS * 1024)
                        x->n_faults = rows[i].idx + 1;
        x->faults = x->n_faults ? calloc((size_t)x->n_faults, sizeof(*x->faults)) : NULL;
        if (x->n_faults && !x->faults) {
                x->n_faults = 0;
                r = error_set(e, ENOMEM, "out of memory");
                goto fail;
        }
        /* No size limit here: the text was accepted once. */
        root = cJSON_Parse(x->spec_text);
        n_objs = root ? raw_fault_objects(root, objs, SPEC_MAX_FAULTS) : 0;
        for (int i = 0; i < x->n_faults; i++) {
                x->faults[i].x = x;
                x->faults[i].state = FI_PENDING;
                x->faults[i].step = -1;
        }
        for (int i = 0; i < n_rows; i++) {
                struct fault_inst *fi;

                if (rows[i].idx < 0 || rows[i].idx >= x->n_faults)
                        continue;
                fi = &x->faults[rows[i].idx];
                fi->target_idx = rows[i].target_idx >= 0 && rows[i].target_idx < x->n_targets ? rows[i].target_idx
                                                                                              : 0;
                fi->state = fault_state_from_journal(rows[i].state);
                if (rows[i].error)
                        snprintf(fi->error, sizeof(fi->error), "%s", rows[i].error);
                raw_fault(fi, &rows[i], n_objs ? objs[rows[i].idx % n_objs] : NULL, e);
        }
        /* The faults' JSON points into it (f->json): kept with X. */
        x->spec.root = root;
        journal_faults_free(rows, n_rows);
        cJSON_Delete(tj);
        *ret = x;
        return 0;
fail:
        cJSON_Delete(root);
        journal_faults_free(rows, n_rows);
        cJSON_Delete(tj);
        experiment_free(x);
        return r;
}

/* The experiment of journal row JX: parsed as it was created, or, when its
 * spec no longer loads, raw (load_raw); *RET_WHY then says why. */
static int load_one(struct daemon *d, const struct journal_experiment *jx, struct experiment **ret, char *why,
                    size_t why_len, struct error *e)
{
        struct error pe = { 0 };

        why[0] = '\0';
        if (load_parsed(d, jx, ret, &pe) == 0)
                return 0;
        snprintf(why, why_len, "%s", pe.msg);
        return load_raw(d, jx, ret, e);
}

/* Faults of an unparsed X that have no module and hold a change: named. */
static void name_unrevertable(const struct experiment *x, char *buf, size_t len)
{
        size_t n = strlen(buf);

        for (int i = 0; i < x->n_faults && n < len; i++) {
                const struct fault_inst *fi = &x->faults[i];

                if (fi->f || !fault_state_needs_revert(fi->state))
                        continue;
                snprintf(buf + n, len - n, "; fault %d not reverted (no module for its type)", i);
                n = strlen(buf);
        }
}

/* A re-applied fault that had to settle is verified: its tick. */
static void resume_settled(struct fault_inst *fi)
{
        struct error e = { 0 };
        char why[1200];

        if (experiment_arm_tick(fi, &e) == 0)
                return;
        snprintf(why, sizeof(why), "fault %d (%s) after a daemon restart: %s", (int)(fi - fi->x->faults),
                 fi->f->ops->type, e.msg);
        experiment_end(fi->x, EXP_FAILED, why);
}

/* Verify a resumed fault; re-apply it when the kernel no longer holds it.
 * A re-apply that settles (a pause still freezing) goes on on the loop
 * while the experiment runs; if it never settles the experiment ends
 * failed, everything reverted. Negative when the experiment has ended. */
static int resume_fault(struct fault_inst *fi, struct error *e)
{
        struct target *t = &fi->x->targets[fi->target_idx];
        const struct fault_ops *ops = fi->f->ops;

        /* pending: a later step's fault, applied when its step starts. */
        if (fi->state == FI_DONE || fi->state == FI_REVERTED || fi->state == FI_PENDING)
                return 0;
        /* A step's revert that was failing: retried now, then by its timer. */
        if (fi->state == FI_REVERT_PENDING) {
                (void)experiment_revert_fault(fi);
                return 0;
        }
        if ((ops->flags & FAULT_ONESHOT) || (ops->verify && ops->verify(fi->f, t, e) == 0))
                return experiment_fault_event(fi, FI_EV_RESUMED) < 0
                               ? error_set(e, EINVAL, "cannot resume a fault in state %s",
                                           fault_state_name(fi->state))
                               : 0;
        /* Half-applied or undone behind our back: revert what is recorded,
         * then apply afresh. */
        if (ops->revert(fi->f, t, e) < 0)
                return error_wrap(e, "revert before re-apply");
        cJSON_Delete(fi->f->saved);
        fi->f->saved = NULL;
        if (experiment_apply_fault(fi, resume_settled, e) < 0)
                return error_wrap(e, "re-apply");
        return 0;
}

int reconcile(struct daemon *d, int only_revert, int *ret_reverted, int *ret_resumed, struct error *e)
{
        struct journal_experiment *v = NULL;
        int n = 0, r;

        *ret_reverted = *ret_resumed = 0;
        r = journal_list_active(d->journal, &v, &n, e);
        if (r < 0)
                return r;
        for (int i = 0; i < n; i++) {
                struct experiment *x = NULL;
                struct error le;
                int gone = 0, expired, rebooted;
                char why[1200], unparsed[600];

                if (load_one(d, &v[i], &x, unparsed, sizeof(unparsed), &le) < 0) {
                        log_event("error", v[i].id, "recover", "cannot load: %s", le.msg);
                        (void)journal_set_state(d->journal, v[i].id, exp_state_name(EXP_FAILED), le.msg,
                                                clock_wall_ms(), &le);
                        continue;
                }
                x->next = d->experiments;
                d->experiments = x;
                rebooted = strcmp(v[i].boot_id ? v[i].boot_id : "", d->boot_id) != 0;
                if (rebooted) {
                        /* Nothing of what we applied survives a reboot; a
                         * pid/start time from another boot could even match
                         * a newcomer, so touch nothing. */
                        for (int k = 0; k < x->n_faults; k++) {
                                (void)experiment_fault_event(&x->faults[k], FI_EV_HOST_REBOOTED);
                                /* The row says so too: its last word was
                                 * "active", which revert_all never
                                 * rewrites for a fault it skips. */
                                experiment_journal_fault(&x->faults[k]);
                        }
                        experiment_end(x, EXP_HALTED, "host rebooted while it ran; nothing to revert");
                        continue;
                }
                for (int t = 0; t < x->n_targets; t++)
                        if (target_rebind(&x->targets[t], &le) < 0)
                                gone = 1;
                expired = x->deadline_ms <= clock_wall_ms();
                if (x->unparsed) {
                        /* Reverted first, from the saved state alone; then
                         * marked, naming what could not be reverted. */
                        log_event("error", x->id, "recover", "journaled spec no longer loads: %s", unparsed);
                        snprintf(why, sizeof(why),
                                 "journaled spec no longer loads (%.500s); reverted from the "
                                 "journal's saved state by %s",
                                 unparsed, only_revert ? "chaosd --recover" : "reconcile");
                        name_unrevertable(x, why, sizeof(why));
                        experiment_end(x, EXP_FAILED, why);
                        events_emit(d, x->id, "recovered", exp_state_name(x->state), "%s", why);
                        (*ret_reverted)++;
                        continue;
                }
                if (only_revert || expired || gone || x->state != EXP_RUNNING) {
                        enum exp_state end = only_revert               ? EXP_HALTED
                                             : gone                    ? EXP_TARGET_GONE
                                             : x->state == EXP_RUNNING ? EXP_COMPLETED
                                                                       : EXP_FAILED;

                        snprintf(why, sizeof(why), "%s (reverted by %s after a daemon restart)",
                                 gone                        ? "target gone"
                                 : expired                   ? "duration elapsed"
                                 : only_revert               ? "recover"
                                 : x->state == EXP_REVERTING ? "daemon stopped while reverting"
                                                             : "daemon stopped while injecting",
                                 only_revert ? "chaosd --recover" : "reconcile");
                        experiment_end(x, end, why);
                        events_emit(d, x->id, "recovered", exp_state_name(x->state), "%s", why);
                        (*ret_reverted)++;
                        continue;
                }
                r = 0;
                for (int k = 0; k < x->n_faults && r == 0; k++) {
                        r = resume_fault(&x->faults[k], &le);
                        if (r < 0)
                                snprintf(why, sizeof(why), "fault %d (%s) could not be resumed: %s", k,
                                         x->faults[k].f->ops->type, le.msg);
                }
                if (r == 0 && experiment_arm(x, &le) < 0) {
                        snprintf(why, sizeof(why), "arming after restart: %s", le.msg);
                        r = -1;
                }
                if (r < 0) {
                        experiment_end(x, EXP_FAILED, why);
                        (*ret_reverted)++;
                        continue;
                }
                events_emit(d, x->id, "recovered", "running", "resumed after a daemon restart, %lld ms left",
                            (long long)(x->deadline_ms - clock_wall_ms()));
                /* The steady-state watch resumes with the faults. */
                if (probes_new(x, &le) == 0)
                        probes_start(x, PROBE_DURING, experiment_probe_verdict);
                else
                        log_event("error", x->id, "probe", "%s", le.msg);
                (*ret_resumed)++;
        }
        journal_experiments_free(v, n);
        return 0;
}

void load_history(struct daemon *d)
{
        struct journal_experiment *v = NULL;
        struct experiment **tail = &d->experiments;
        struct error e;
        int n = 0;

        if (journal_list_recent(d->journal, 50, &v, &n, &e) < 0)
                return;
        while (*tail)
                tail = &(*tail)->next;
        for (int i = 0; i < n; i++) {
                struct experiment *x = calloc(1, sizeof(*x));
                struct journal_fault *rows = NULL;
                int nr = 0;
                cJSON *j, *faults;

                if (!x)
                        break;
                if (experiment_find(d, v[i].id)) {
                        free(x);
                        continue;
                }
                x->d = d;
                snprintf(x->id, sizeof(x->id), "%s", v[i].id);
                snprintf(x->name, sizeof(x->name), "%s", v[i].name ? v[i].name : "");
                (void)exp_state_parse(v[i].state, &x->state);
                x->created_ms = v[i].created_ms;
                x->deadline_ms = v[i].deadline_ms;
                x->ended_ms = v[i].ended_ms;
                snprintf(x->reason, sizeof(x->reason), "%s", v[i].reason ? v[i].reason : "");
                j = experiment_to_json(x, 0);
                cJSON_DeleteItemFromObject(j, "faults_active");
                cJSON_AddItemToObject(j, "targets", cJSON_Parse(v[i].targets ? v[i].targets : "[]"));
                faults = cJSON_AddArrayToObject(j, "faults");
                if (journal_list_faults(d->journal, x->id, &rows, &nr, &e) == 0)
                        for (int k = 0; k < nr; k++) {
                                cJSON *f = cJSON_CreateObject();

                                cJSON_AddNumberToObject(f, "index", rows[k].idx);
                                cJSON_AddStringToObject(f, "type", rows[k].type ? rows[k].type : "?");
                                cJSON_AddNumberToObject(f, "target", rows[k].target_idx);
                                cJSON_AddStringToObject(f, "state", rows[k].state ? rows[k].state : "?");
                                cJSON_AddItemToObject(f, "readback",
                                                      rows[k].readback ? cJSON_Parse(rows[k].readback)
                                                                       : cJSON_CreateNull());
                                cJSON_AddStringToObject(f, "error", rows[k].error ? rows[k].error : "");
                                cJSON_AddItemToArray(faults, f);
                        }
                journal_faults_free(rows, nr);
                cJSON_AddItemToObject(j, "spec", cJSON_Parse(v[i].spec ? v[i].spec : "null"));
                cJSON_AddNumberToObject(j, "faults_active", 0);
                x->archive = j;
                *tail = x;
                tail = &x->next;
        }
        journal_experiments_free(v, n);
}

#define WARDEN_RETRY_MS 1000

static void next_due(int64_t *next, int64_t at)
{
        if (!*next || at < *next)
                *next = at;
}

int reconcile_expired(struct daemon *d, int64_t *ret_next_deadline_ms, int *ret_reverted, struct error *e)
{
        struct journal_experiment *v = NULL;
        int n = 0, r;

        *ret_next_deadline_ms = 0;
        *ret_reverted = 0;
        r = journal_list_active(d->journal, &v, &n, e);
        if (r < 0)
                return r;
        for (int i = 0; i < n; i++) {
                struct experiment *x = NULL;
                struct error le;
                char unparsed[600];
                int gone = 0;

                /* Another boot's experiments are the next daemon's business. */
                if (strcmp(v[i].boot_id ? v[i].boot_id : "", d->boot_id) != 0)
                        continue;
                /* A stop (or a revert still pending) is due now, whatever
                 * the deadline says. */
                if (v[i].deadline_ms > clock_wall_ms() && strcmp(v[i].state ? v[i].state : "", "reverting") != 0) {
                        next_due(ret_next_deadline_ms, v[i].deadline_ms);
                        continue;
                }
                if (load_one(d, &v[i], &x, unparsed, sizeof(unparsed), &le) < 0) {
                        log_event("error", v[i].id, "warden", "cannot load: %s", le.msg);
                        continue;
                }
                for (int t = 0; t < x->n_targets; t++)
                        if (target_rebind(&x->targets[t], &le) < 0)
                                gone = 1;
                if (x->unparsed) {
                        char why[1200];

                        snprintf(why, sizeof(why),
                                 "journaled spec no longer loads (%.500s); reverted from the "
                                 "journal's saved state by chaosd's warden",
                                 unparsed);
                        name_unrevertable(x, why, sizeof(why));
                        experiment_end(x, EXP_FAILED, why);
                } else if (x->state == EXP_REVERTING) {
                        /* The end it was asked for died with the daemon. */
                        experiment_end(x, EXP_FAILED, "daemon stopped while reverting (reverted by its warden)");
                } else {
                        experiment_end(x, gone ? EXP_TARGET_GONE : EXP_COMPLETED,
                                       "duration elapsed while chaosd was down (reverted by its warden)");
                }
                /* Still reverting: the next sweep retries it. */
                if (!exp_state_is_end(x->state))
                        next_due(ret_next_deadline_ms, clock_wall_ms() + WARDEN_RETRY_MS);
                experiment_free(x);
                (*ret_reverted)++;
        }
        journal_experiments_free(v, n);
        return 0;
}
