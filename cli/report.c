/* The JSON report of a CI run: what was asked (spec), what was touched
 * (resolved targets), what the kernel said while the faults were active
 * (read-back per fault, next to the spec's parameters), what happened when
 * (the daemon's event timeline), and the verdicts. */
#include "ci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"

static void add_time(cJSON *j, const char *key, double unix_s)
{
        char buf[40];
        time_t t = (time_t)unix_s;
        struct tm tm;

        gmtime_r(&t, &tm);
        snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((unix_s - (double)t) * 1000));
        cJSON_AddStringToObject(j, key, buf);
}

/* The spec's fault objects in the daemon's order: "faults", or the faults
 * of every step one after the other. */
static cJSON *spec_faults(const cJSON *spec)
{
        cJSON *arr = cJSON_CreateArray(), *st, *f;
        const cJSON *faults = cJSON_GetObjectItemCaseSensitive(spec, "faults");

        if (faults) {
                cJSON_ArrayForEach(f, faults)
                        cJSON_AddItemToArray(arr, cJSON_Duplicate(f, 1));
                return arr;
        }
        cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(spec, "steps"))
                cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(st, "faults"))
                        cJSON_AddItemToArray(arr, cJSON_Duplicate(f, 1));
        return arr;
}

static const cJSON *readback_of(const struct ci_result *r, int index)
{
        const cJSON *f;

        cJSON_ArrayForEach(f, r->kernel_readback)
                if (fmt_int(f, "index", -2) == index)
                        return cJSON_GetObjectItemCaseSensitive(f, "readback");
        return NULL;
}

int report_write(const char *file, const struct ci_result *r, struct error *e)
{
        _cleanup_(cJSON_Deletep) cJSON *j = cJSON_CreateObject();
        _cleanup_(cJSON_Deletep) cJSON *sf = spec_faults(r->spec);
        _cleanup_free_ char *text = NULL;
        cJSON *exp, *verdict, *faults, *probes, *fa, *p;
        int n_spec = cJSON_GetArraySize(sf);
        char tmp[4096];
        FILE *f;

        cJSON_AddNumberToObject(j, "report_version", 1);
        cJSON_AddStringToObject(j, "spec_file", r->spec_file ? r->spec_file : "");
        add_time(j, "started_at", r->started_unix);
        add_time(j, "ended_at", r->ended_unix);
        exp = cJSON_AddObjectToObject(j, "experiment");
        if (r->exp) {
                static const char *const keys[] = { "id",       "name",     "state",       "reason",  "created_at",
                                                    "deadline", "ended_at", "duration_ms", "schedule" };

                for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->exp, keys[i]);

                        if (v)
                                cJSON_AddItemToObject(exp, keys[i], cJSON_Duplicate(v, 1));
                }
        }
        verdict = cJSON_AddObjectToObject(j, "verdict");
        cJSON_AddBoolToObject(verdict, "injection_failed", r->injection_failed);
        cJSON_AddBoolToObject(verdict, "aborted", r->aborted);
        cJSON_AddStringToObject(verdict, "error", r->error);
        cJSON_AddNumberToObject(verdict, "exit_code",
                                r->injection_failed || r->aborted ? 1
                                : r->cmd_ran                      ? r->cmd_status
                                                                  : 0);
        if (r->cmd) {
                cJSON *c = cJSON_AddObjectToObject(j, "command"), *argv = cJSON_AddArrayToObject(c, "argv");

                for (char **a = r->cmd; *a; a++)
                        cJSON_AddItemToArray(argv, cJSON_CreateString(*a));
                cJSON_AddBoolToObject(c, "ran", r->cmd_ran);
                if (r->cmd_ran) {
                        cJSON_AddNumberToObject(c, "exit_code", r->cmd_status);
                        cJSON_AddNumberToObject(c, "seconds", r->cmd_seconds);
                        cJSON_AddBoolToObject(c, "experiment_ended_first", r->ended_before_cmd);
                } else {
                        cJSON_AddNullToObject(c, "exit_code");
                }
        } else {
                cJSON_AddNullToObject(j, "command");
        }
        cJSON_AddItemToObject(j, "targets",
                              r->exp ? cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r->exp, "targets"), 1)
                                     : cJSON_CreateArray());
        faults = cJSON_AddArrayToObject(j, "faults");
        cJSON_ArrayForEach(fa, cJSON_GetObjectItemCaseSensitive(r->exp, "faults")) {
                cJSON *o = cJSON_CreateObject();
                int idx = (int)fmt_int(fa, "index", -1);
                const cJSON *rb = readback_of(r, idx), *step = cJSON_GetObjectItemCaseSensitive(fa, "step");
                char why[700];

                cJSON_AddNumberToObject(o, "index", idx);
                cJSON_AddStringToObject(o, "type", fmt_str(fa, "type"));
                cJSON_AddNumberToObject(o, "target", (double)fmt_int(fa, "target", 0));
                if (step)
                        cJSON_AddItemToObject(o, "step", cJSON_Duplicate(step, 1));
                cJSON_AddStringToObject(o, "state", fmt_str(fa, "state"));
                cJSON_AddItemToObject(o, "parameters",
                                      n_spec ? cJSON_Duplicate(cJSON_GetArrayItem(sf, idx % n_spec), 1)
                                             : cJSON_CreateNull());
                /* What the kernel showed while the fault was active. */
                cJSON_AddItemToObject(o, "readback",
                                      rb ? cJSON_Duplicate(rb, 1)
                                         : cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(fa, "readback"), 1));
                cJSON_AddStringToObject(o, "error", fmt_str(fa, "error"));
                cJSON_AddBoolToObject(o, "passed", !*ci_fault_failure(fa, why, sizeof(why)));
                cJSON_AddItemToArray(faults, o);
        }
        probes = cJSON_AddArrayToObject(j, "probes");
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r->exp, "probes")) {
                cJSON *o;

                if (strcmp(fmt_str(p, "kind"), "exec") == 0)
                        continue; /* ours: listed below with its verdicts */
                o = cJSON_Duplicate(p, 1);

                cJSON_AddStringToObject(o, "run_by", "chaosd");
                cJSON_AddItemToArray(probes, o);
        }
        cJSON_ArrayForEach(p, r->client_probes) {
                cJSON *o = cJSON_Duplicate(p, 1);

                cJSON_AddStringToObject(o, "run_by", "chaosctl");
                cJSON_AddItemToArray(probes, o);
        }
        cJSON_AddItemToObject(j, "timeline", r->timeline ? cJSON_Duplicate(r->timeline, 1) : cJSON_CreateArray());
        cJSON_AddItemToObject(j, "spec", r->spec ? cJSON_Duplicate(r->spec, 1) : cJSON_CreateNull());
        text = cJSON_Print(j);
        if (!text)
                return error_set(e, ENOMEM, "out of memory");
        snprintf(tmp, sizeof(tmp), "%s.tmp", file);
        f = fopen(tmp, "we");
        if (!f)
                return error_sys(e, errno, "cannot write report %s", file);
        if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF) {
                fclose(f);
                unlink(tmp);
                return error_sys(e, errno, "cannot write report %s", file);
        }
        fclose(f);
        if (rename(tmp, file) < 0)
                return error_sys(e, errno, "cannot write report %s", file);
        return 0;
}
