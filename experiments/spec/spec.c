#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fault.h"
#include "jsonv.h"

static const char *const top_keys[] = { "name",   "description", "target", "duration", "faults",
                                        "probes", "schedule",    "steps",  NULL };

/* Validate every fault through its module's (pure) parse; each is active
 * for the whole duration. */
static int check_faults(struct spec *s, struct error *e)
{
        const cJSON *it;
        int i = 0;

        s->fault_list = calloc((size_t)s->n_faults, sizeof(*s->fault_list));
        if (!s->fault_list)
                return error_set(e, ENOMEM, "out of memory");
        cJSON_ArrayForEach(it, s->faults) {
                struct spec_fault *sf = &s->fault_list[i];
                int r;

                sf->json = it;
                sf->step = -1;
                sf->index = i;
                sf->end_us = s->duration_us;
                snprintf(sf->path, sizeof(sf->path), "$.faults[%d]", i);
                r = steps_check_fault(sf, e);
                if (r < 0)
                        return r;
                i++;
        }
        return 0;
}

/* "steps" instead of "faults": the duration defaults to the scenario's
 * length and may only extend it. */
static int parse_steps(struct spec *s, const cJSON *steps, int has_duration, uint64_t max_duration_us,
                       struct error *e)
{
        uint64_t total;
        int r;

        if (s->faults)
                return error_path(e, "$.faults", "cannot be combined with \"steps\" (put the faults in a step)");
        r = steps_parse(steps, "$.steps", max_duration_us, SPEC_MAX_FAULTS, &s->steps, &s->n_steps, &s->fault_list,
                        &s->n_faults, &total, e);
        if (r < 0)
                return r;
        if (!has_duration)
                s->duration_us = total;
        else if (s->duration_us < total)
                return error_path(e, "$.duration", "is shorter than the steps, which end after %llu ms",
                                  (unsigned long long)(total / 1000));
        return 0;
}

int spec_parse(const char *buf, size_t len, unsigned flags, uint64_t max_duration_us, struct spec *s, struct error *e)
{
        const char *end = NULL;
        const cJSON *target, *steps, *sched;
        int has_duration, r;

        memset(s, 0, sizeof(*s));
        if (!max_duration_us)
                max_duration_us = SPEC_DEFAULT_MAX_DURATION_US;
        if (len > SPEC_MAX_BYTES)
                return error_path(e, "$", "spec is %zu bytes, more than the limit of %d", len, SPEC_MAX_BYTES);
        s->root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
        if (!s->root) {
                size_t off = end ? (size_t)(end - buf) : 0;

                return error_path(e, "$", "invalid JSON near byte %zu", off);
        }
        /* Only whitespace may follow the document. */
        for (const char *p = end; p && p < buf + len; p++)
                if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
                        r = error_path(e, "$", "trailing data after the JSON document at byte %zu",
                                       (size_t)(p - buf));
                        goto fail;
                }
        if (jv_depth(s->root) > SPEC_MAX_DEPTH) {
                r = error_path(e, "$", "nesting deeper than %d levels", SPEC_MAX_DEPTH);
                goto fail;
        }
        r = jv_check_object(s->root, "$", top_keys, e);
        if (r < 0)
                goto fail;
        r = jv_string(s->root, "$", "name", 1, &s->name, e);
        if (r < 0)
                goto fail;
        if (strlen(s->name) > 128) {
                r = error_path(e, "$.name", "longer than 128 characters");
                goto fail;
        }
        r = jv_string(s->root, "$", "description", 0, &s->description, e);
        if (r < 0)
                goto fail;
        steps = cJSON_GetObjectItemCaseSensitive(s->root, "steps");
        r = jv_duration(s->root, "$", "duration", !steps, 1000, max_duration_us, &s->duration_us, e);
        if (r < 0)
                goto fail;
        has_duration = r > 0;
        target = cJSON_GetObjectItemCaseSensitive(s->root, "target");
        if (target) {
                r = target_spec_parse(target, "$.target", &s->target, e);
                if (r < 0)
                        goto fail;
                s->has_target = 1;
        } else if (!(flags & SPEC_TARGET_OPTIONAL)) {
                r = error_path(e, "$.target", "is required");
                goto fail;
        }
        s->faults = cJSON_GetObjectItemCaseSensitive(s->root, "faults");
        if (steps) {
                r = parse_steps(s, steps, has_duration, max_duration_us, e);
                if (r < 0)
                        goto fail;
                goto rest;
        }
        if (!s->faults) {
                r = error_path(e, "$.faults", "is required");
                goto fail;
        }
        if (!cJSON_IsArray(s->faults)) {
                r = error_path(e, "$.faults", "must be an array");
                goto fail;
        }
        s->n_faults = cJSON_GetArraySize(s->faults);
        if (s->n_faults < 1 || s->n_faults > SPEC_MAX_FAULTS) {
                r = error_path(e, "$.faults", "must hold 1 to %d faults, not %d", SPEC_MAX_FAULTS, s->n_faults);
                goto fail;
        }
        r = check_faults(s, e);
        if (r < 0)
                goto fail;
rest:
        r = probe_specs_parse(cJSON_GetObjectItemCaseSensitive(s->root, "probes"), "$.probes", &s->probes,
                              &s->n_probes, e);
        if (r < 0)
                goto fail;
        sched = cJSON_GetObjectItemCaseSensitive(s->root, "schedule");
        if (sched) {
                r = schedule_parse(sched, "$.schedule", &s->schedule, e);
                if (r < 0)
                        goto fail;
                s->has_schedule = 1;
        }
        return 0;
fail:
        spec_free(s);
        return r;
}

void spec_free(struct spec *s)
{
        free(s->fault_list);
        free(s->steps);
        free(s->probes);
        cJSON_Delete(s->root);
        memset(s, 0, sizeof(*s));
}
