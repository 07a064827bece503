#include "format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"

/* Append to a fixed buffer; truncation is acceptable for display. */
static void appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
        size_t n = strnlen(buf, len);
        va_list ap;

        if (n + 1 >= len)
                return;
        va_start(ap, fmt);
        vsnprintf(buf + n, len - n, fmt, ap);
        va_end(ap);
}

const char *fmt_left(int64_t ms, char *buf, size_t len)
{
        if (ms < 0)
                ms = 0;
        if (ms < 60 * 1000)
                snprintf(buf, len, "%" PRId64 ".%" PRId64 "s", ms / 1000, ms % 1000 / 100);
        else if (ms < 3600 * 1000)
                snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", ms / 60000, ms / 1000 % 60);
        else
                snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", ms / 3600000, ms / 60000 % 60);
        return buf;
}

const char *fmt_str(const cJSON *obj, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

int64_t fmt_int(const cJSON *obj, const char *key, int64_t def)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

        return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

int fmt_faults_active(const cJSON *exp)
{
        const cJSON *faults = cJSON_GetObjectItemCaseSensitive(exp, "faults");
        const cJSON *f;
        int n = 0;

        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(exp, "faults_active")))
                return (int)fmt_int(exp, "faults_active", 0);
        cJSON_ArrayForEach(f, faults)
                if (strcmp(fmt_str(f, "state"), "active") == 0)
                        n++;
        return n;
}

int fmt_state_is_end(const char *state)
{
        static const char *const ends[] = { "completed", "stopped", "halted", "failed", "target-gone", "aborted" };

        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                if (strcmp(state, ends[i]) == 0)
                        return 1;
        return 0;
}

int fmt_state_exit_code(const char *state)
{
        return strcmp(state, "completed") == 0 || strcmp(state, "stopped") == 0 ? EXIT_OK : EXIT_FAIL;
}

void fmt_progress(const cJSON *exp, char *buf, size_t len)
{
        const char *state = fmt_str(exp, "state");
        char left[32];
        int active = fmt_faults_active(exp);

        buf[0] = '\0';
        appendf(buf, len, "%s  %s", fmt_str(exp, "name"), state);
        if (!fmt_state_is_end(state))
                appendf(buf, len, "  %s left", fmt_left(fmt_int(exp, "remaining_ms", 0), left, sizeof(left)));
        appendf(buf, len, "  %d fault%s active", active, active == 1 ? "" : "s");
}

void fmt_state_line(const cJSON *exp, char *buf, size_t len)
{
        const char *reason = fmt_str(exp, "reason");

        buf[0] = '\0';
        appendf(buf, len, "%s  %s", fmt_str(exp, "name"), fmt_str(exp, "state"));
        if (*reason)
                appendf(buf, len, ": %s", reason);
}

void fmt_event(const cJSON *ev, char *buf, size_t len)
{
        const char *exp = fmt_str(ev, "experiment");
        const char *msg = fmt_str(ev, "message");

        buf[0] = '\0';
        appendf(buf, len, "%-24s  %-12s  %-9s", fmt_str(ev, "time"), *exp ? exp : "-", fmt_str(ev, "event"));
        if (*msg)
                appendf(buf, len, "  %s", msg);
        /* Padding is only for alignment; no trailing blanks. */
        for (size_t n = strlen(buf); n > 0 && buf[n - 1] == ' ';)
                buf[--n] = '\0';
}

void fmt_readback(const cJSON *rb, char *buf, size_t len)
{
        const cJSON *it;

        buf[0] = '\0';
        cJSON_ArrayForEach(it, rb) {
                if (buf[0])
                        appendf(buf, len, " ");
                if (cJSON_IsString(it)) {
                        appendf(buf, len, "%s=%s", it->string, it->valuestring);
                } else {
                        _cleanup_free_ char *v = cJSON_PrintUnformatted(it);

                        appendf(buf, len, "%s=%s", it->string, v ? v : "?");
                }
        }
}

int cli_exit_code(int r)
{
        if (r >= 0)
                return r;
        switch (-r) {
        case EINVAL:
                return EXIT_USAGE;
        case HTTP_EUNREACHABLE:
                return EXIT_UNREACHABLE;
        default:
                return EXIT_FAIL;
        }
}
