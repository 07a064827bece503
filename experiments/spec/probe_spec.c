/* Probe specs. Every value is checked here so that a probe can never fail
 * at run time for a reason the spec could have told us. */
#include "probe_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

#define PROBE_MIN_INTERVAL_US 100000ULL
#define PROBE_MAX_INTERVAL_US (3600ULL * 1000000)

const char *probe_kind_name(enum probe_kind k)
{
        return k == PROBE_HTTP ? "http" : k == PROBE_TCP ? "tcp" : "exec";
}

const char *probe_phase_name(unsigned phase)
{
        return phase == PROBE_BEFORE ? "before" : phase == PROBE_DURING ? "during" : "after";
}

static int parse_port(const char *s, size_t n, struct probe_spec *p)
{
        unsigned v = 0;

        if (n == 0 || n > 5)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v < 1 || v > 65535)
                return -EINVAL;
        snprintf(p->port, sizeof(p->port), "%u", v);
        return 0;
}

/* host[:port] or [v6]:port into p->host/p->port; DEF_PORT when absent. */
static int parse_hostport(const char *s, size_t n, const char *def_port, struct probe_spec *p)
{
        const char *colon;
        size_t hl;

        if (n == 0)
                return -EINVAL;
        if (s[0] == '[') {
                const char *close = memchr(s, ']', n);

                if (!close)
                        return -EINVAL;
                hl = (size_t)(close - s - 1);
                if (hl == 0 || hl >= sizeof(p->host))
                        return -EINVAL;
                memcpy(p->host, s + 1, hl);
                p->host[hl] = '\0';
                if ((size_t)(close - s + 1) == n) {
                        if (!def_port)
                                return -EINVAL;
                        snprintf(p->port, sizeof(p->port), "%s", def_port);
                        return 0;
                }
                if (close[1] != ':')
                        return -EINVAL;
                return parse_port(close + 2, n - (size_t)(close - s + 2), p);
        }
        colon = memchr(s, ':', n);
        hl = colon ? (size_t)(colon - s) : n;
        if (hl == 0 || hl >= sizeof(p->host))
                return -EINVAL;
        for (size_t i = 0; i < hl; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-'))
                        return -EINVAL;
        }
        memcpy(p->host, s, hl);
        p->host[hl] = '\0';
        if (!colon) {
                if (!def_port)
                        return -EINVAL;
                snprintf(p->port, sizeof(p->port), "%s", def_port);
                return 0;
        }
        return parse_port(colon + 1, n - hl - 1, p);
}

int probe_parse_url(const char *url, struct probe_spec *p, const char *path, struct error *e)
{
        const char *rest, *slash;

        if (strncmp(url, "http://", 7) != 0)
                return error_path(e, path, "\"%s\" is not an http:// URL (https is not supported by daemon probes)",
                                  url);
        if (strlen(url) >= sizeof(p->url))
                return error_path(e, path, "URL longer than %zu characters", sizeof(p->url) - 1);
        rest = url + 7;
        slash = strchr(rest, '/');
        if (parse_hostport(rest, slash ? (size_t)(slash - rest) : strlen(rest), "80", p) < 0)
                return error_path(e, path, "\"%s\": invalid host or port", url);
        snprintf(p->path, sizeof(p->path), "%s", slash ? slash : "/");
        /* The request line is ours to write: no spaces or control bytes. */
        for (const char *c = p->path; *c; c++)
                if ((unsigned char)*c <= ' ' || *c == 0x7f)
                        return error_path(e, path, "\"%s\": the path must be URL-encoded", url);
        snprintf(p->url, sizeof(p->url), "%s", url);
        return 0;
}

static int parse_http(const cJSON *o, const char *path, struct probe_spec *p, struct error *e)
{
        static const char *const keys[] = { "url", "expect_status", "body_contains", "timeout", NULL };
        char sub[JV_PATH_MAX];
        const char *url;
        int64_t st = 200;
        int r;

        r = jv_check_object(o, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string(o, path, "url", 1, &url, e);
        if (r < 0)
                return r;
        jv_path(sub, path, "url");
        r = probe_parse_url(url, p, sub, e);
        if (r < 0)
                return r;
        r = jv_int(o, path, "expect_status", 0, 100, 599, &st, e);
        if (r < 0)
                return r;
        p->expect_status = (int)st;
        r = jv_string(o, path, "body_contains", 0, &p->body_contains, e);
        if (r < 0)
                return r;
        if (p->body_contains && !*p->body_contains) {
                jv_path(sub, path, "body_contains");
                return error_path(e, sub, "must not be empty");
        }
        return jv_duration(o, path, "timeout", 0, 1000, 60ULL * 1000000, &p->timeout_us, e);
}

static int parse_tcp(const cJSON *o, const char *path, struct probe_spec *p, struct error *e)
{
        static const char *const keys[] = { "address", "timeout", NULL };
        char sub[JV_PATH_MAX];
        const char *addr;
        int r;

        r = jv_check_object(o, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string(o, path, "address", 1, &addr, e);
        if (r < 0)
                return r;
        if (parse_hostport(addr, strlen(addr), NULL, p) < 0) {
                jv_path(sub, path, "address");
                return error_path(e, sub, "\"%s\" is not HOST:PORT (IPv6: [ADDR]:PORT)", addr);
        }
        snprintf(p->url, sizeof(p->url), "tcp://%s", addr);
        return jv_duration(o, path, "timeout", 0, 1000, 60ULL * 1000000, &p->timeout_us, e);
}

static int parse_exec(const cJSON *o, const char *path, struct probe_spec *p, struct error *e)
{
        static const char *const keys[] = { "command", "timeout", NULL };
        int r;

        r = jv_check_object(o, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string_array(o, path, "command", 1, 1, &p->command, e);
        if (r < 0)
                return r;
        return jv_duration(o, path, "timeout", 0, 1000, 3600ULL * 1000000, &p->timeout_us, e);
}

static int parse_phases(const cJSON *o, const char *path, unsigned *ret, struct error *e)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "phase"), *it;
        char sub[JV_PATH_MAX];
        int i = 0;

        jv_path(sub, path, "phase");
        *ret = 0;
        if (!v) {
                *ret = PROBE_DURING;
                return 0;
        }
        if (cJSON_IsString(v) || cJSON_IsArray(v)) {
                const cJSON *one = cJSON_IsString(v) ? v : NULL;

                for (it = one ? one : (v->child); it; it = one ? NULL : it->next, i++) {
                        char ip[JV_PATH_MAX];
                        unsigned bit;

                        if (one)
                                snprintf(ip, sizeof(ip), "%s", sub);
                        else
                                jv_path_index(ip, sub, i);
                        if (!cJSON_IsString(it))
                                return error_path(e, ip, "must be \"before\", \"during\" or \"after\"");
                        if (strcmp(it->valuestring, "before") == 0)
                                bit = PROBE_BEFORE;
                        else if (strcmp(it->valuestring, "during") == 0)
                                bit = PROBE_DURING;
                        else if (strcmp(it->valuestring, "after") == 0)
                                bit = PROBE_AFTER;
                        else
                                return error_path(e, ip, "\"%s\" is not \"before\", \"during\" or \"after\"",
                                                  it->valuestring);
                        if (*ret & bit)
                                return error_path(e, ip, "\"%s\" is listed twice", it->valuestring);
                        *ret |= bit;
                }
                if (*ret)
                        return 0;
        }
        return error_path(e, sub, "must be a phase or a non-empty array of phases (before, during, after)");
}

static int parse_one(const cJSON *o, const char *path, struct probe_spec *p, struct error *e)
{
        static const char *const keys[] = {
                "name", "http", "tcp", "exec", "interval", "failure_threshold", "phase", "abort_on_failure", NULL
        };
        static const char *const kinds[] = { "http", "tcp", "exec" };
        const cJSON *kind = NULL;
        char sub[JV_PATH_MAX];
        int64_t thr = 1;
        int r, n = 0;

        memset(p, 0, sizeof(*p));
        if (!cJSON_IsObject(o))
                return error_path(e, path, "must be an object");
        r = jv_check_object(o, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string(o, path, "name", 1, &p->name, e);
        if (r < 0)
                return r;
        if (!*p->name || strlen(p->name) > 64) {
                jv_path(sub, path, "name");
                return error_path(e, sub, "must be 1 to 64 characters");
        }
        for (int k = 0; k < 3; k++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, kinds[k]);

                if (v) {
                        kind = v;
                        p->kind = (enum probe_kind)k;
                        n++;
                }
        }
        if (n != 1)
                return error_path(e, path, "needs exactly one of \"http\", \"tcp\" or \"exec\"");
        jv_path(sub, path, probe_kind_name(p->kind));
        if (!cJSON_IsObject(kind))
                return error_path(e, sub, "must be an object");
        p->timeout_us = 1000000;
        p->expect_status = 200;
        r = p->kind == PROBE_HTTP  ? parse_http(kind, sub, p, e)
            : p->kind == PROBE_TCP ? parse_tcp(kind, sub, p, e)
                                   : parse_exec(kind, sub, p, e);
        if (r < 0)
                return r;
        if (!p->timeout_us)
                p->timeout_us = 1000000;
        /* Default: every second, or as often as the timeout allows. */
        p->interval_us = p->timeout_us > 1000000 ? p->timeout_us : 1000000;
        r = jv_duration(o, path, "interval", 0, PROBE_MIN_INTERVAL_US, PROBE_MAX_INTERVAL_US, &p->interval_us, e);
        if (r < 0)
                return r;
        r = jv_int(o, path, "failure_threshold", 0, 1, 100, &thr, e);
        if (r < 0)
                return r;
        p->failure_threshold = (int)thr;
        r = parse_phases(o, path, &p->phases, e);
        if (r < 0)
                return r;
        r = jv_bool(o, path, "abort_on_failure", 0, &p->abort_on_failure, e);
        if (r < 0)
                return r;
        /* An attempt must end before the next is due: the abort bound
         * (interval x failure_threshold + timeout) depends on it. */
        if (p->timeout_us > p->interval_us) {
                jv_path(sub, path, "interval");
                return error_path(e, sub, "must be at least the probe's timeout");
        }
        if (p->abort_on_failure && !(p->phases & PROBE_DURING)) {
                jv_path(sub, path, "abort_on_failure");
                return error_path(e, sub, "only applies to a probe with the \"during\" phase");
        }
        return 0;
}

int probe_specs_parse(const cJSON *arr, const char *path, struct probe_spec **ret, int *ret_n, struct error *e)
{
        struct probe_spec *ps;
        const cJSON *it;
        int n, i = 0, r;

        *ret = NULL;
        *ret_n = 0;
        if (!arr)
                return 0;
        if (!cJSON_IsArray(arr))
                return error_path(e, path, "must be an array");
        n = cJSON_GetArraySize(arr);
        if (n > PROBE_MAX)
                return error_path(e, path, "at most %d probes, not %d", PROBE_MAX, n);
        if (n == 0)
                return 0;
        ps = calloc((size_t)n, sizeof(*ps));
        if (!ps)
                return error_set(e, ENOMEM, "out of memory");
        cJSON_ArrayForEach(it, arr) {
                char sub[JV_PATH_MAX];

                jv_path_index(sub, path, i);
                r = parse_one(it, sub, &ps[i], e);
                if (r < 0)
                        goto fail;
                for (int j = 0; j < i; j++)
                        if (strcmp(ps[j].name, ps[i].name) == 0) {
                                char np[JV_PATH_MAX];

                                jv_path(np, sub, "name");
                                r = error_path(e, np, "\"%s\" is used by probe %d already", ps[i].name, j);
                                goto fail;
                        }
                i++;
        }
        *ret = ps;
        *ret_n = n;
        return 0;
fail:
        free(ps);
        return r;
}
