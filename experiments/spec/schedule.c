/* Cron schedules. The daemon is single-threaded, so the time zone is
 * applied by switching TZ around localtime_r/mktime rather than by
 * parsing tzfiles ourselves: glibc already does that correctly, DST
 * included. */
#include "schedule.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonv.h"

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
                                           "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

struct field_def {
        const char *name;
        int min, max;
        const char *const *names;
        int name_base;
};

static const struct field_def fields[5] = {
        { "minute", 0, 59, NULL, 0 },          { "hour", 0, 23, NULL, 0 },
        { "day of month", 1, 31, NULL, 0 },    { "month", 1, 12, month_names, 1 },
        { "day of week", 0, 7, dow_names, 0 },
};

static int parse_value(const char **p, const struct field_def *fd, int *ret)
{
        const char *s = *p;
        char *end;
        long v;

        if (fd->names && isalpha((unsigned char)*s)) {
                for (int i = 0; fd->names[i]; i++)
                        if (strncasecmp(s, fd->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
                                *ret = i + fd->name_base;
                                *p = s + 3;
                                return 0;
                        }
                return -EINVAL;
        }
        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || v < fd->min || v > fd->max)
                return -ERANGE;
        *ret = (int)v;
        *p = end;
        return 0;
}

/* One field into a bit set; *any is set for a bare '*'. */
static int parse_field(const char *text, const struct field_def *fd, uint64_t *bits, int *any, const char *path,
                       struct error *e)
{
        const char *p = text;

        *bits = 0;
        *any = strcmp(text, "*") == 0;
        for (;;) {
                int lo, hi, step = 1, single = 0;

                if (*p == '*') {
                        lo = fd->min;
                        hi = fd->max == 7 ? 6 : fd->max;
                        p++;
                } else {
                        if (parse_value(&p, fd, &lo) < 0)
                                goto bad;
                        hi = lo;
                        single = *p != '-';
                        if (*p == '-') {
                                p++;
                                if (parse_value(&p, fd, &hi) < 0 || hi < lo)
                                        goto bad;
                        }
                }
                if (*p == '/') {
                        char *end;
                        long v;

                        p++;
                        errno = 0;
                        v = strtol(p, &end, 10);
                        if (errno || end == p || v < 1 || v > fd->max)
                                goto bad;
                        step = (int)v;
                        p = end;
                        /* "5/15" means 5-max/15, as in Vixie cron. */
                        if (single)
                                hi = fd->max == 7 ? 6 : fd->max;
                }
                for (int v = lo; v <= hi; v += step)
                        *bits |= 1ULL << (fd->max == 7 && v == 7 ? 0 : v);
                if (*p == ',') {
                        p++;
                        continue;
                }
                if (*p == '\0')
                        return 0;
                goto bad;
        }
bad:
        return error_path(e, path, "cron %s field \"%s\" is invalid (allowed %d-%d, *, a-b, */n, lists)", fd->name,
                          text, fd->min, fd->max);
}

int cron_parse(const char *expr, const char *path, struct cron *ret, struct error *e)
{
        char buf[128], *save = NULL, *tok[6];
        uint64_t bits[5];
        int any[5], n = 0, r;

        memset(ret, 0, sizeof(*ret));
        if (strlen(expr) >= sizeof(buf))
                return error_path(e, path, "cron expression too long");
        snprintf(buf, sizeof(buf), "%s", expr);
        for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
                if (n == 6)
                        break;
                tok[n++] = t;
        }
        if (n != 5)
                return error_path(
                        e, path,
                        "\"%s\" is not a 5-field cron expression (minute hour day-of-month month day-of-week)", expr);
        for (int i = 0; i < 5; i++) {
                r = parse_field(tok[i], &fields[i], &bits[i], &any[i], path, e);
                if (r < 0)
                        return r;
        }
        ret->minute = bits[0];
        ret->hour = (uint32_t)bits[1];
        ret->dom = (uint32_t)bits[2];
        ret->month = (uint16_t)bits[3];
        ret->dow = (uint8_t)bits[4];
        ret->dom_any = any[2];
        ret->dow_any = any[4];
        return 0;
}

int schedule_check_timezone(const char *tz, const char *path, struct error *e)
{
        char file[512];
        struct stat st;

        if (strcmp(tz, "UTC") == 0)
                return 0;
        if (!*tz || tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") || strlen(tz) > 100)
                return error_path(e, path, "\"%s\" is not a time zone name (e.g. \"UTC\", \"Europe/Berlin\")", tz);
        for (const char *p = tz; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
                        return error_path(e, path, "\"%s\" is not a time zone name", tz);
        snprintf(file, sizeof(file), "/usr/share/zoneinfo/%s", tz);
        if (stat(file, &st) < 0 || !S_ISREG(st.st_mode))
                return error_path(e, path, "unknown time zone \"%s\" (no %s)", tz, file);
        return 0;
}

int schedule_parse(const cJSON *obj, const char *path, struct schedule *ret, struct error *e)
{
        static const char *const keys[] = { "cron", "timezone", NULL };
        char p[JV_PATH_MAX];
        const char *expr, *tz;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = jv_check_object(obj, path, keys, e);
        if (r < 0)
                return r;
        r = jv_string(obj, path, "cron", 1, &expr, e);
        if (r < 0)
                return r;
        /* Explicit on purpose: a game day at "9 * * * *" must not move
         * with the host's TZ setting. */
        r = jv_string(obj, path, "timezone", 1, &tz, e);
        if (r < 0)
                return r;
        jv_path(p, path, "cron");
        r = cron_parse(expr, p, &ret->cron, e);
        if (r < 0)
                return r;
        jv_path(p, path, "timezone");
        r = schedule_check_timezone(tz, p, e);
        if (r < 0)
                return r;
        snprintf(ret->expr, sizeof(ret->expr), "%s", expr);
        snprintf(ret->timezone, sizeof(ret->timezone), "%s", tz);
        if (schedule_next(ret, (int64_t)time(NULL)) < 0) {
                jv_path(p, path, "cron");
                return error_path(e, p, "\"%s\" never fires", expr);
        }
        return 0;
}

static int day_matches(const struct cron *c, const struct tm *tm)
{
        int dom = !!(c->dom & (1U << tm->tm_mday)), dow = !!(c->dow & (1U << tm->tm_wday));

        /* Vixie cron: when both day fields are restricted, either matches. */
        if (!c->dom_any && !c->dow_any)
                return dom || dow;
        return dom && dow;
}

/* Local midnight of the day after TM, as an instant. */
static time_t next_day(struct tm tm)
{
        tm.tm_mday++;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        return mktime(&tm);
}

static int64_t next_in_current_tz(const struct cron *c, int64_t after)
{
        time_t t = (time_t)(after - after % 60 + 60);
        struct tm tm;

        /* Each step jumps at least to the next candidate minute, hour, day
         * or month; ~5 years of days bound the walk. */
        for (int i = 0; i < 200000; i++) {
                /* Five years without a firing is "never" (Feb 31st). */
                if ((int64_t)t - after > 5LL * 366 * 86400 || !localtime_r(&t, &tm))
                        return -1;
                if (!(c->month & (1U << (tm.tm_mon + 1)))) {
                        tm.tm_mon++;
                        tm.tm_mday = 1;
                        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                        tm.tm_isdst = -1;
                        t = mktime(&tm);
                        continue;
                }
                if (!day_matches(c, &tm)) {
                        t = next_day(tm);
                        continue;
                }
                if (!(c->hour & (1U << tm.tm_hour))) {
                        t += (60 - tm.tm_min) * 60 - tm.tm_sec;
                        continue;
                }
                if (!(c->minute & (1ULL << tm.tm_min))) {
                        t += 60 - tm.tm_sec;
                        continue;
                }
                return (int64_t)t;
        }
        return -1;
}

int64_t schedule_next(const struct schedule *s, int64_t after)
{
        const char *old = getenv("TZ");
        char *saved = old ? strdup(old) : NULL;
        int64_t r;

        setenv("TZ", s->timezone[0] ? s->timezone : "UTC", 1);
        tzset();
        r = next_in_current_tz(&s->cron, after);
        if (saved) {
                setenv("TZ", saved, 1);
                free(saved);
        } else {
                unsetenv("TZ");
        }
        tzset();
        return r;
}
