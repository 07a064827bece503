#include "jsonv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

void jv_path(char *out, const char *parent, const char *key)
{
        snprintf(out, JV_PATH_MAX, "%s.%s", parent, key);
}

void jv_path_index(char *out, const char *parent, int index)
{
        snprintf(out, JV_PATH_MAX, "%s[%d]", parent, index);
}

static const char *type_name(const cJSON *v)
{
        if (cJSON_IsString(v))
                return "a string";
        if (cJSON_IsNumber(v))
                return "a number";
        if (cJSON_IsBool(v))
                return "a boolean";
        if (cJSON_IsNull(v))
                return "null";
        if (cJSON_IsArray(v))
                return "an array";
        if (cJSON_IsObject(v))
                return "an object";
        return "invalid";
}

int jv_check_object(const cJSON *obj, const char *path, const char *const *allowed, struct error *e)
{
        const cJSON *it;

        if (!cJSON_IsObject(obj))
                return error_path(e, path, "must be an object, not %s", type_name(obj));
        cJSON_ArrayForEach(it, obj) {
                int ok = 0;
                char p[JV_PATH_MAX];

                for (const char *const *a = allowed; *a; a++)
                        if (strcmp(*a, it->string) == 0)
                                ok = 1;
                if (!ok) {
                        jv_path(p, path, it->string);
                        return error_path(e, p, "unknown key");
                }
                /* Duplicate keys are ambiguous: cJSON keeps both, we refuse. */
                for (const cJSON *o = it->next; o; o = o->next)
                        if (strcmp(o->string, it->string) == 0) {
                                jv_path(p, path, it->string);
                                return error_path(e, p, "duplicate key");
                        }
        }
        return 0;
}

/* Common prologue: fetch KEY, handle absence. */
static int get(const cJSON *obj, const char *path, const char *key, int required, const cJSON **ret, char *p,
               struct error *e)
{
        jv_path(p, path, key);
        *ret = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!*ret) {
                if (required)
                        return error_path(e, p, "is required");
                return 0;
        }
        return 1;
}

int jv_string(const cJSON *obj, const char *path, const char *key, int required, const char **ret, struct error *e)
{
        char p[JV_PATH_MAX];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);

        if (r <= 0)
                return r;
        if (!cJSON_IsString(v))
                return error_path(e, p, "must be a string, not %s", type_name(v));
        if (!v->valuestring[0])
                return error_path(e, p, "must not be empty");
        *ret = v->valuestring;
        return 1;
}

int jv_bool(const cJSON *obj, const char *path, const char *key, int required, int *ret, struct error *e)
{
        char p[JV_PATH_MAX];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);

        if (r <= 0)
                return r;
        if (!cJSON_IsBool(v))
                return error_path(e, p, "must be true or false, not %s", type_name(v));
        *ret = cJSON_IsTrue(v);
        return 1;
}

int jv_int(const cJSON *obj, const char *path, const char *key, int required, int64_t min, int64_t max, int64_t *ret,
           struct error *e)
{
        char p[JV_PATH_MAX];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);
        double d;

        if (r <= 0)
                return r;
        if (!cJSON_IsNumber(v))
                return error_path(e, p, "must be a number, not %s", type_name(v));
        d = v->valuedouble;
        if (!isfinite(d) || d != floor(d))
                return error_path(e, p, "must be a whole number");
        if (d < (double)min || d > (double)max)
                return error_path(e, p, "%.0f is out of range %lld..%lld", d, (long long)min, (long long)max);
        *ret = (int64_t)d;
        return 1;
}

int jv_duration(const cJSON *obj, const char *path, const char *key, int required, uint64_t min_us, uint64_t max_us,
                uint64_t *ret_us, struct error *e)
{
        char p[JV_PATH_MAX], a[32], b[32];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);
        uint64_t us;

        if (r <= 0)
                return r;
        if (!cJSON_IsString(v))
                return error_path(e, p, "must be a duration string such as \"100ms\", not %s", type_name(v));
        if (units_parse_duration_us(v->valuestring, &us) < 0)
                return error_path(e, p, "\"%.64s\" is not a duration (use us, ms, s, m or h)", v->valuestring);
        if (us < min_us || us > max_us)
                return error_path(e, p, "%s is out of range %s..%s", v->valuestring,
                                  units_format_duration(min_us, a, sizeof(a)),
                                  units_format_duration(max_us, b, sizeof(b)));
        *ret_us = us;
        return 1;
}

int jv_percent(const cJSON *obj, const char *path, const char *key, int required, double *ret, struct error *e)
{
        char p[JV_PATH_MAX];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);
        double d;

        if (r <= 0)
                return r;
        if (cJSON_IsNumber(v)) {
                d = v->valuedouble;
                if (!isfinite(d) || d < 0 || d > 100)
                        return error_path(e, p, "%g is not a percentage 0..100", d);
        } else if (cJSON_IsString(v)) {
                if (units_parse_percent(v->valuestring, &d) < 0)
                        return error_path(e, p, "\"%.64s\" is not a percentage such as \"5%%\"", v->valuestring);
        } else {
                return error_path(e, p, "must be a percentage (\"5%%\" or 0..100), not %s", type_name(v));
        }
        *ret = d;
        return 1;
}

int jv_size(const cJSON *obj, const char *path, const char *key, int required, uint64_t *ret, struct error *e)
{
        char p[JV_PATH_MAX];
        const cJSON *v;
        int r = get(obj, path, key, required, &v, p, e);

        if (r <= 0)
                return r;
        if (cJSON_IsNumber(v)) {
                if (!isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble) ||
                    v->valuedouble > 9.0e18)
                        return error_path(e, p, "must be a whole number of bytes");
                *ret = (uint64_t)v->valuedouble;
                return 1;
        }
        if (!cJSON_IsString(v))
                return error_path(e, p, "must be a size such as \"64MiB\", not %s", type_name(v));
        if (units_parse_size(v->valuestring, ret) < 0)
                return error_path(e, p, "\"%.64s\" is not a size (use B, KiB, MiB, GiB, KB, MB, GB)", v->valuestring);
        return 1;
}

int jv_string_array(const cJSON *obj, const char *path, const char *key, int required, int min_items,
                    const cJSON **ret, struct error *e)
{
        char p[JV_PATH_MAX], ip[JV_PATH_MAX];
        const cJSON *v, *it;
        int r = get(obj, path, key, required, &v, p, e), i = 0;

        if (r <= 0)
                return r;
        if (!cJSON_IsArray(v))
                return error_path(e, p, "must be an array, not %s", type_name(v));
        cJSON_ArrayForEach(it, v) {
                jv_path_index(ip, p, i++);
                if (!cJSON_IsString(it) || !it->valuestring[0])
                        return error_path(e, ip, "must be a non-empty string");
        }
        if (i < min_items)
                return error_path(e, p, "needs at least %d item%s", min_items, min_items == 1 ? "" : "s");
        *ret = v;
        return 1;
}

int jv_depth(const cJSON *v)
{
        int max = 0;
        const cJSON *c;

        if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
                return 0;
        cJSON_ArrayForEach(c, v) {
                int d = jv_depth(c);

                if (d > max)
                        max = d;
        }
        return max + 1;
}
