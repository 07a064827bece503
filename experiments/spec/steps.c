/* Step parsing. Windows are resolved at parse time so that an overlap of
 * two faults of the same type (which would save one's change as the
 * other's "prior" state) is an invalid spec, not a run-time surprise. */
#include "steps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "jsonv.h"

int steps_check_fault(const struct spec_fault *sf, struct error *e)
{
        struct fault *f = NULL;
        int r;

        /* Parsed at its own path: a step's fault reports
         * "$.steps[S].faults[F]...", with no rewriting afterwards. */
        r = fault_new_at(sf->json, sf->index, sf->path, &f, e);
        fault_free(f);
        return r < 0 ? r : 0;
}

static const char *fault_type(const cJSON *f)
{
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "type");

        return cJSON_IsString(t) ? t->valuestring : "";
}

static int parse_step(const cJSON *o, const char *path, uint64_t max_us, struct step_spec *st, uint64_t *dur,
                      uint64_t *off, struct error *e)
{
        static const char *const keys[] = { "name", "faults", "duration", "start", "parallel", NULL };
        char sub[JV_PATH_MAX];
        int r;

        if (!cJSON_IsObject(o))
                return error_path(e, path, "must be an object");
        r = jv_check_object(o, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string(o, path, "name", 1, &st->name, e);
        if (r < 0)
                return r;
        if (!*st->name || strlen(st->name) > 64) {
                jv_path(sub, path, "name");
                return error_path(e, sub, "must be 1 to 64 characters");
        }
        r = jv_duration(o, path, "duration", 1, 1000, max_us, dur, e);
        if (r < 0)
                return r;
        *off = 0;
        r = jv_duration(o, path, "start", 0, 0, max_us, off, e);
        if (r < 0)
                return r;
        return jv_bool(o, path, "parallel", 0, &st->parallel, e);
}

int steps_parse(const cJSON *arr, const char *path, uint64_t max_duration_us, int max_faults,
                struct step_spec **ret_steps, int *ret_n, struct spec_fault **ret_faults, int *ret_nf,
                uint64_t *ret_total_us, struct error *e)
{
        struct step_spec *steps = NULL;
        struct spec_fault *faults = NULL;
        uint64_t total = 0;
        const cJSON *it;
        int n, nf = 0, i = 0, r;

        if (!cJSON_IsArray(arr))
                return error_path(e, path, "must be an array");
        n = cJSON_GetArraySize(arr);
        if (n < 1 || n > STEPS_MAX)
                return error_path(e, path, "must hold 1 to %d steps, not %d", STEPS_MAX, n);
        steps = calloc((size_t)n, sizeof(*steps));
        faults = calloc((size_t)max_faults, sizeof(*faults));
        if (!steps || !faults) {
                r = error_set(e, ENOMEM, "out of memory");
                goto fail;
        }
        cJSON_ArrayForEach(it, arr) {
                struct step_spec *st = &steps[i];
                char sp[JV_PATH_MAX], fp[JV_PATH_MAX];
                const cJSON *fa, *f;
                uint64_t dur, off, base;
                int k = 0;

                jv_path_index(sp, path, i);
                r = parse_step(it, sp, max_duration_us, st, &dur, &off, e);
                if (r < 0)
                        goto fail;
                for (int j = 0; j < i; j++)
                        if (strcmp(steps[j].name, st->name) == 0) {
                                jv_path(fp, sp, "name");
                                r = error_path(e, fp, "\"%s\" is the name of step %d already", st->name, j);
                                goto fail;
                        }
                if (i == 0 && st->parallel) {
                        jv_path(fp, sp, "parallel");
                        r = error_path(e, fp, "the first step has no previous step to run alongside");
                        goto fail;
                }
                base = i == 0 ? 0 : st->parallel ? steps[i - 1].start_us : steps[i - 1].end_us;
                st->start_us = base + off;
                st->end_us = st->start_us + dur;
                if (st->end_us > max_duration_us) {
                        r = error_path(e, sp, "ends %llu ms into the experiment, beyond the limit of %llu ms",
                                       (unsigned long long)(st->end_us / 1000),
                                       (unsigned long long)(max_duration_us / 1000));
                        goto fail;
                }
                if (st->end_us > total)
                        total = st->end_us;
                fa = cJSON_GetObjectItemCaseSensitive(it, "faults");
                jv_path(fp, sp, "faults");
                if (!cJSON_IsArray(fa) || cJSON_GetArraySize(fa) < 1) {
                        r = error_path(e, fp, "must be a non-empty array of faults");
                        goto fail;
                }
                st->first_fault = nf;
                cJSON_ArrayForEach(f, fa) {
                        struct spec_fault *sf;

                        if (nf == max_faults) {
                                r = error_path(e, fp, "more than %d faults in all steps", max_faults);
                                goto fail;
                        }
                        sf = &faults[nf];
                        sf->json = f;
                        sf->step = i;
                        sf->index = k;
                        sf->start_us = st->start_us;
                        sf->end_us = st->end_us;
                        snprintf(sf->path, sizeof(sf->path), "%s[%d]", fp, k);
                        r = steps_check_fault(sf, e);
                        if (r < 0)
                                goto fail;
                        /* All steps share the target: the same kind of fault
                         * twice at once would stack on itself. */
                        for (int j = 0; j < nf; j++)
                                if (strcmp(fault_type(faults[j].json), fault_type(f)) == 0 &&
                                    faults[j].start_us < sf->end_us && sf->start_us < faults[j].end_us) {
                                        r = error_path(e, sf->path,
                                                       "overlaps the %s fault %s in time (same type, same target)",
                                                       fault_type(f), faults[j].path);
                                        goto fail;
                                }
                        nf++;
                        k++;
                }
                st->n_faults = k;
                i++;
        }
        *ret_steps = steps;
        *ret_n = n;
        *ret_faults = faults;
        *ret_nf = nf;
        *ret_total_us = total;
        return 0;
fail:
        free(steps);
        free(faults);
        return r;
}
