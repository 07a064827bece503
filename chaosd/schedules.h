/* Scheduled experiments: a spec with "schedule" posted to
 * /v1/experiments becomes a schedule that starts the experiment at each
 * cron tick. A run never overlaps the previous one of the same schedule
 * (that tick is skipped and counted). Schedules and their next firing
 * live in the journal's database (table "schedules"), so they survive a
 * restart; a firing missed while the daemon was down is skipped, not
 * caught up: chaos should not start by surprise after an outage. */
#pragma once
#include <cJSON.h>

#include "error.h"

struct daemon;
struct spec;

/* Create the table, load the schedules and arm their timers. */
int schedules_load(struct daemon *d, struct error *e);
void schedules_free(struct daemon *d);
/* Create a schedule from S, a parsed spec with "schedule" (taken over,
 * also on failure): *ret is the schedule's JSON. */
int schedules_create(struct daemon *d, struct spec *s, cJSON **ret, struct error *e);
cJSON *schedules_to_json(struct daemon *d);
/* The schedule ID as JSON, or NULL. */
cJSON *schedule_get_json(struct daemon *d, const char *id);
/* Remove schedule ID (its running experiment, if any, keeps running).
 * -ENOENT if there is none. */
int schedule_delete(struct daemon *d, const char *id, struct error *e);
int schedules_count(struct daemon *d);
