/* The experiment object of the API (docs/api.md). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "probes.h"

static void add_time(cJSON *j, const char *key, int64_t ms)
{
        char buf[40];

        if (!ms) {
                cJSON_AddNullToObject(j, key);
                return;
        }
        clock_wall_iso(ms, buf, sizeof(buf));
        cJSON_AddStringToObject(j, key, buf);
}

static int64_t remaining(const struct experiment *x)
{
        int64_t left;

        if (exp_state_is_end(x->state))
                return 0;
        left = x->deadline_ms - clock_wall_ms();
        return left > 0 ? left : 0;
}

cJSON *experiment_to_json(const struct experiment *x, int full)
{
        cJSON *j, *faults, *targets;
        int active = 0;

        if (x->archive) {
                j = cJSON_Duplicate(x->archive, 1);
                if (!full) {
                        cJSON_DeleteItemFromObject(j, "spec");
                        cJSON_DeleteItemFromObject(j, "targets");
                        cJSON_DeleteItemFromObject(j, "faults");
                }
                return j;
        }
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", x->id);
        cJSON_AddStringToObject(j, "name", x->name);
        cJSON_AddStringToObject(j, "state", exp_state_name(x->state));
        cJSON_AddStringToObject(j, "reason", x->reason);
        add_time(j, "created_at", x->created_ms);
        add_time(j, "deadline", x->deadline_ms);
        add_time(j, "ended_at", x->ended_ms);
        cJSON_AddNumberToObject(j, "duration_ms", (double)(x->duration_us / 1000));
        cJSON_AddNumberToObject(j, "remaining_ms", (double)remaining(x));
        active = experiment_active_faults(x);
        /* Faults whose revert failed and is retried (docs/api.md). */
        cJSON_AddNumberToObject(j, "reverts_pending", experiment_reverts_pending(x));
        if (!full) {
                cJSON_AddNumberToObject(j, "faults_active", active);
                return j;
        }
        targets = cJSON_AddArrayToObject(j, "targets");
        for (int i = 0; i < x->n_targets; i++)
                cJSON_AddItemToArray(targets, target_to_json(&x->targets[i]));
        faults = cJSON_AddArrayToObject(j, "faults");
        for (int i = 0; i < x->n_faults; i++) {
                const struct fault_inst *fi = &x->faults[i];
                cJSON *f = cJSON_CreateObject();

                cJSON_AddNumberToObject(f, "index", i);
                cJSON_AddStringToObject(f, "type", fi->f ? fi->f->ops->type : "?");
                cJSON_AddNumberToObject(f, "target", fi->target_idx);
                cJSON_AddStringToObject(f, "state", fault_state_name(fi->state));
                if (fi->f && fi->f->readback)
                        cJSON_AddItemToObject(f, "readback", cJSON_Duplicate(fi->f->readback, 1));
                else
                        cJSON_AddNullToObject(f, "readback");
                cJSON_AddStringToObject(f, "error", fi->error);
                if (fi->step >= 0 && x->spec.steps) {
                        cJSON_AddStringToObject(f, "step", x->spec.steps[fi->step].name);
                        cJSON_AddNumberToObject(f, "start_ms", (double)(fi->start_us / 1000));
                        cJSON_AddNumberToObject(f, "end_ms", (double)(fi->end_us / 1000));
                }
                cJSON_AddItemToArray(faults, f);
        }
        cJSON_AddNumberToObject(j, "faults_active", active);
        /* Steady-state evidence (probes.c); probes_done turns true once
         * the after-probes have their verdicts: the record is final. */
        cJSON_AddItemToObject(j, "probes", probes_to_json(x));
        cJSON_AddBoolToObject(j, "probes_done", probes_done(x));
        if (x->schedule_id[0])
                cJSON_AddStringToObject(j, "schedule", x->schedule_id);
        if (x->spec.root)
                cJSON_AddItemToObject(j, "spec", cJSON_Duplicate(x->spec.root, 1));
        return j;
}
