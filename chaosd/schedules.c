/* Schedules on the loop: one timer per schedule, armed for the next cron
 * firing. The timer is relative (CLOCK_BOOTTIME) while cron is wall-clock,
 * so a firing checks the wall clock and re-arms if it woke early (the
 * clock was set back); long waits are cut into hours for the same reason. */
#include "schedules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cleanup.h"
#include "clock.h"
#include "randid.h"
#include "daemon.h"
#include "events.h"

#define MAX_WAIT_US (3600ULL * 1000000)

struct sched {
        struct sched *next;
        struct daemon *d;
        char id[32];
        char name[160];
        char *spec_text; /* the spec without "schedule": what each run posts */
        struct schedule s;
        int64_t next_s; /* next firing, seconds since the epoch */
        int64_t created_ms, last_run_ms;
        char last_exp[32];
        int64_t runs, skipped;
        struct loop_source *timer;
};

struct schedules {
        struct sched *list;
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS schedules("
                             " id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL,"
                             " cron TEXT NOT NULL, timezone TEXT NOT NULL, next_s INTEGER NOT NULL,"
                             " created_ms INTEGER NOT NULL, last_run_ms INTEGER, last_exp TEXT,"
                             " runs INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0);";

static int db_err(sqlite3 *db, struct error *e, const char *what)
{
        return error_set(e, EIO, "journal: schedules: %s: %s", what, db ? sqlite3_errmsg(db) : "no journal");
}

static int save(struct sched *c, struct error *e)
{
        sqlite3 *db = journal_db(c->d->journal);
        sqlite3_stmt *st;
        int rc;

        if (!db || sqlite3_prepare_v2(db,
                                      "INSERT OR REPLACE INTO schedules(id,name,spec,cron,timezone,next_s,created_ms,"
                                      "last_run_ms,last_exp,runs,skipped) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                                      -1, &st, NULL) != SQLITE_OK)
                return db_err(db, e, "prepare");
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, c->spec_text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, c->s.expr, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, c->s.timezone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, c->next_s);
        sqlite3_bind_int64(st, 7, c->created_ms);
        sqlite3_bind_int64(st, 8, c->last_run_ms);
        sqlite3_bind_text(st, 9, c->last_exp, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 10, c->runs);
        sqlite3_bind_int64(st, 11, c->skipped);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_err(db, e, "save");
}

static void sched_free(struct sched *c)
{
        if (!c)
                return;
        if (c->timer)
                loop_remove(c->d->loop, c->timer);
        free(c->spec_text);
        free(c);
}

static void on_fire(struct loop_source *src, uint32_t ev, void *ud);

/* "2026-11-26T10:00:00Z" for events and logs. */
static const char *iso(int64_t s, char *buf, size_t len)
{
        time_t t = (time_t)s;
        struct tm tm;

        if (s < 0 || !gmtime_r(&t, &tm))
                return "never";
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf;
}

static int arm(struct sched *c, struct error *e)
{
        int64_t wait_ms = c->next_s * 1000 - clock_wall_ms();
        uint64_t us = wait_ms > 0 ? (uint64_t)wait_ms * 1000 : 1;

        if (us > MAX_WAIT_US)
                us = MAX_WAIT_US;
        if (c->timer)
                return loop_timer_rearm(c->timer, us, 0);
        return loop_add_timer(c->d->loop, us, 0, on_fire, c, &c->timer, e);
}

/* The previous run still going? Then this tick is skipped. */
static struct experiment *running_run(struct sched *c)
{
        struct experiment *x = c->last_exp[0] ? experiment_find(c->d, c->last_exp) : NULL;

        return x && !exp_state_is_end(x->state) ? x : NULL;
}

static void fire(struct sched *c)
{
        struct daemon *d = c->d;
        struct experiment *x = NULL, *prev = running_run(c);
        struct error e = { 0 };
        struct spec spec;

        c->last_run_ms = clock_wall_ms();
        if (prev) {
                c->skipped++;
                d->metrics.schedule_skipped++;
                events_emit(d, NULL, "schedule", NULL, "schedule %s (%s): tick skipped, run %s is still %s", c->id,
                            c->name, prev->id, exp_state_name(prev->state));
                return;
        }
        c->runs++;
        d->metrics.schedule_runs++;
        /* Each run is an experiment of its own, with its own parsed spec. */
        if ((spec_parse(c->spec_text, strlen(c->spec_text), 0, d->max_duration_us, &spec, &e) < 0 ||
             experiment_create(d, &spec, c->spec_text, strlen(c->spec_text), &x, &e) < 0) &&
            !x) {
                events_emit(d, NULL, "schedule", NULL, "schedule %s (%s): run not started: %s", c->id, c->name,
                            e.msg);
                return;
        }
        snprintf(c->last_exp, sizeof(c->last_exp), "%s", x->id);
        snprintf(x->schedule_id, sizeof(x->schedule_id), "%s", c->id);
        events_emit(d, x->id, "schedule", NULL, "schedule %s (%s) started run %s (%s)", c->id, c->name, x->id,
                    exp_state_name(x->state));
        experiments_trim(d);
}

static void on_fire(struct loop_source *src, uint32_t ev, void *ud)
{
        struct sched *c = ud;
        int64_t now_s = clock_wall_ms() / 1000;
        struct error e = { 0 };

        if (now_s >= c->next_s) {
                fire(c);
                c->next_s = schedule_next(&c->s, now_s);
                if (save(c, &e) < 0)
                        log_event("error", NULL, "schedule", "%s", e.msg);
        }
        if (c->next_s < 0) {
                loop_remove(c->d->loop, c->timer);
                c->timer = NULL;
                return;
        }
        if (arm(c, &e) < 0)
                log_event("error", NULL, "schedule", "schedule %s: %s", c->id, e.msg);
}

static struct schedules *set_of(struct daemon *d)
{
        if (!d->schedules)
                d->schedules = calloc(1, sizeof(*d->schedules));
        return d->schedules;
}

int schedules_load(struct daemon *d, struct error *e)
{
        sqlite3 *db = journal_db(d->journal);
        struct schedules *set = set_of(d);
        int64_t now_s = clock_wall_ms() / 1000;
        sqlite3_stmt *st;
        char *msg = NULL;

        if (!set)
                return error_set(e, ENOMEM, "out of memory");
        if (!db)
                return 0;
        if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
                int r = error_set(e, EIO, "journal: schedules table: %s", msg ? msg : "?");

                sqlite3_free(msg);
                return r;
        }
        if (sqlite3_prepare_v2(db,
                               "SELECT id,name,spec,cron,timezone,next_s,created_ms,last_run_ms,last_exp,runs,skipped"
                               " FROM schedules ORDER BY created_ms",
                               -1, &st, NULL) != SQLITE_OK)
                return db_err(db, e, "prepare");
        while (sqlite3_step(st) == SQLITE_ROW) {
                struct sched *c = calloc(1, sizeof(*c));
                const char *cron = (const char *)sqlite3_column_text(st, 3);
                const char *tz = (const char *)sqlite3_column_text(st, 4);
                const char *last = (const char *)sqlite3_column_text(st, 8);
                struct error pe = { 0 };

                if (!c)
                        break;
                c->d = d;
                snprintf(c->id, sizeof(c->id), "%s", (const char *)sqlite3_column_text(st, 0));
                snprintf(c->name, sizeof(c->name), "%s", (const char *)sqlite3_column_text(st, 1));
                c->spec_text = strdup((const char *)sqlite3_column_text(st, 2));
                c->next_s = sqlite3_column_int64(st, 5);
                c->created_ms = sqlite3_column_int64(st, 6);
                c->last_run_ms = sqlite3_column_int64(st, 7);
                snprintf(c->last_exp, sizeof(c->last_exp), "%s", last ? last : "");
                c->runs = sqlite3_column_int64(st, 9);
                c->skipped = sqlite3_column_int64(st, 10);
                snprintf(c->s.expr, sizeof(c->s.expr), "%s", cron ? cron : "");
                snprintf(c->s.timezone, sizeof(c->s.timezone), "%s", tz ? tz : "UTC");
                if (!c->spec_text || cron_parse(c->s.expr, "$.schedule.cron", &c->s.cron, &pe) < 0) {
                        log_event("error", NULL, "schedule", "schedule %s in the journal is unusable: %s", c->id,
                                  pe.msg);
                        sched_free(c);
                        continue;
                }
                if (c->next_s >= 0 && c->next_s < now_s) {
                        char tbuf[32];

                        events_emit(d, NULL, "schedule", NULL,
                                    "schedule %s (%s): firing at %s missed while chaosd was down; skipped", c->id,
                                    c->name, iso(c->next_s, tbuf, sizeof(tbuf)));
                        c->skipped++;
                        c->next_s = schedule_next(&c->s, now_s);
                        (void)save(c, &pe);
                }
                c->next = set->list;
                set->list = c;
                if (c->next_s >= 0 && arm(c, &pe) < 0)
                        log_event("error", NULL, "schedule", "schedule %s: %s", c->id, pe.msg);
        }
        sqlite3_finalize(st);
        return 0;
}

void schedules_free(struct daemon *d)
{
        if (!d->schedules)
                return;
        while (d->schedules->list) {
                struct sched *c = d->schedules->list;

                d->schedules->list = c->next;
                sched_free(c);
        }
        free(d->schedules);
        d->schedules = NULL;
}

static void add_time(cJSON *j, const char *key, int64_t s)
{
        char buf[40];
        time_t t = (time_t)s;
        struct tm tm;

        if (s <= 0) {
                cJSON_AddNullToObject(j, key);
                return;
        }
        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON_AddStringToObject(j, key, buf);
}

static cJSON *sched_json(const struct sched *c)
{
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "id", c->id);
        cJSON_AddStringToObject(j, "name", c->name);
        cJSON_AddStringToObject(j, "cron", c->s.expr);
        cJSON_AddStringToObject(j, "timezone", c->s.timezone);
        add_time(j, "next_run", c->next_s);
        cJSON_AddNumberToObject(j, "next_run_unix", (double)c->next_s);
        add_time(j, "created_at", c->created_ms / 1000);
        add_time(j, "last_run", c->last_run_ms / 1000);
        if (c->last_exp[0])
                cJSON_AddStringToObject(j, "last_experiment", c->last_exp);
        else
                cJSON_AddNullToObject(j, "last_experiment");
        cJSON_AddNumberToObject(j, "runs", (double)c->runs);
        cJSON_AddNumberToObject(j, "skipped", (double)c->skipped);
        return j;
}

int schedules_create(struct daemon *d, struct spec *s, cJSON **ret, struct error *e)
{
        struct schedules *set = set_of(d);
        struct sched *c;
        char tbuf[32];
        cJSON *copy;
        int r;

        *ret = NULL;
        c = calloc(1, sizeof(*c));
        if (!c || !set) {
                free(c);
                spec_free(s);
                return error_set(e, ENOMEM, "out of memory");
        }
        c->d = d;
        randid_new("s", c->id, sizeof(c->id));
        snprintf(c->name, sizeof(c->name), "%s", s->name);
        c->s = s->schedule;
        copy = cJSON_Duplicate(s->root, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "schedule");
        c->spec_text = copy ? cJSON_PrintUnformatted(copy) : NULL;
        cJSON_Delete(copy);
        spec_free(s);
        c->created_ms = clock_wall_ms();
        c->next_s = schedule_next(&c->s, c->created_ms / 1000);
        if (!c->spec_text) {
                sched_free(c);
                return error_set(e, ENOMEM, "out of memory");
        }
        r = save(c, e);
        if (r == 0)
                r = arm(c, e);
        if (r < 0) {
                sched_free(c);
                return r;
        }
        c->next = set->list;
        set->list = c;
        events_emit(d, NULL, "schedule", NULL, "schedule %s (%s) created: \"%s\" %s, next run %s", c->id, c->name,
                    c->s.expr, c->s.timezone, iso(c->next_s, tbuf, sizeof(tbuf)));
        *ret = sched_json(c);
        return 0;
}

cJSON *schedules_to_json(struct daemon *d)
{
        cJSON *arr = cJSON_CreateArray();

        for (struct sched *c = d->schedules ? d->schedules->list : NULL; c; c = c->next)
                cJSON_AddItemToArray(arr, sched_json(c));
        return arr;
}

cJSON *schedule_get_json(struct daemon *d, const char *id)
{
        for (struct sched *c = d->schedules ? d->schedules->list : NULL; c; c = c->next)
                if (strcmp(c->id, id) == 0)
                        return sched_json(c);
        return NULL;
}

int schedules_count(struct daemon *d)
{
        int n = 0;

        for (struct sched *c = d->schedules ? d->schedules->list : NULL; c; c = c->next)
                n++;
        return n;
}

int schedule_delete(struct daemon *d, const char *id, struct error *e)
{
        sqlite3 *db = journal_db(d->journal);

        for (struct sched **p = d->schedules ? &d->schedules->list : NULL; p && *p; p = &(*p)->next) {
                struct sched *c = *p;
                sqlite3_stmt *st;
                int rc;

                if (strcmp(c->id, id) != 0)
                        continue;
                if (!db || sqlite3_prepare_v2(db, "DELETE FROM schedules WHERE id=?", -1, &st, NULL) != SQLITE_OK)
                        return db_err(db, e, "prepare");
                sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
                rc = sqlite3_step(st);
                sqlite3_finalize(st);
                if (rc != SQLITE_DONE)
                        return db_err(db, e, "delete");
                *p = c->next;
                events_emit(d, NULL, "schedule", NULL, "schedule %s (%s) deleted", c->id, c->name);
                sched_free(c);
                return 0;
        }
        return error_set(e, ENOENT, "no such schedule");
}
