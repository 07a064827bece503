/* Pure formatting for chaosctl's human output and its exit-code mapping;
 * no I/O, so unit tests drive it directly. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

/* Time left for humans: "12.3s", "4m05s", "2h03m"; negative counts as 0.
 * Tenths are truncated so the display never promises more than is left. */
const char *fmt_left(int64_t ms, char *buf, size_t len);

/* String member or "" (never NULL). */
const char *fmt_str(const cJSON *obj, const char *key);
/* Integer member or DEF. */
int64_t fmt_int(const cJSON *obj, const char *key, int64_t def);

/* Faults active: "faults_active" of a summary, else the faults whose
 * state is "active". */
int fmt_faults_active(const cJSON *exp);

/* 1 for the end states of docs/api.md (completed, stopped, halted, failed,
 * target-gone, aborted), 0 otherwise. */
int fmt_state_is_end(const char *state);
/* Exit code of `run --wait` for an end state: 0 completed/stopped, else 1. */
int fmt_state_exit_code(const char *state);

/* The --wait progress line: "NAME  STATE  12.3s left  1 fault active". */
void fmt_progress(const cJSON *exp, char *buf, size_t len);
/* One state-change line when stdout is no terminal:
 * "NAME  STATE" plus ": reason" when there is one. */
void fmt_state_line(const cJSON *exp, char *buf, size_t len);

/* One readable line for an event object:
 * "TIME  EXPERIMENT  EVENT  MESSAGE". */
void fmt_event(const cJSON *ev, char *buf, size_t len);

/* Readback object as "key=value key2=value2" (non-strings as JSON). */
void fmt_readback(const cJSON *rb, char *buf, size_t len);

/* Exit code for a verb's result R (>= 0 is the code itself):
 * -EINVAL usage/invalid spec 2, -HTTP_EUNREACHABLE 3, anything else 1. */
int cli_exit_code(int r);
