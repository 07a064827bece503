/* "schedule": {"cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"} — a
 * 5-field cron expression evaluated in an explicit time zone. Parsing is
 * pure; schedule_next() computes the next firing after a given instant. */
#pragma once
#include <stdint.h>
#include <time.h>

#include <cJSON.h>

#include "error.h"

struct cron {
        uint64_t minute; /* bit n: minute n (0..59) */
        uint32_t hour;   /* 0..23 */
        uint32_t dom;    /* 1..31 */
        uint16_t month;  /* 1..12 */
        uint8_t dow;     /* 0..6, Sunday = 0 (7 is read as 0) */
        int dom_any, dow_any;
};

struct schedule {
        struct cron cron;
        char expr[128];
        char timezone[128];
};

/* Parse a 5-field expression: numbers, names (jan..dec, sun..sat), '*',
 * ranges a-b, steps (star)/n and a-b/n, lists a,b. PATH names the field in
 * errors. */
int cron_parse(const char *expr, const char *path, struct cron *ret, struct error *e);
/* A time zone the C library can load: "UTC" or a name under
 * /usr/share/zoneinfo (no absolute paths, no ".."). */
int schedule_check_timezone(const char *tz, const char *path, struct error *e);
/* Parse the "schedule" object at PATH. */
int schedule_parse(const cJSON *obj, const char *path, struct schedule *ret, struct error *e);
/* The first firing strictly after AFTER (seconds since the epoch), or -1
 * if none within ~5 years (e.g. "0 0 31 2 *"). Switches TZ for the call
 * and restores it: not thread-safe, like the daemon needs it. */
int64_t schedule_next(const struct schedule *s, int64_t after);
