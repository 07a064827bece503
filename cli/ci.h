/* CI mode of `chaosctl run`: SPEC --wait [--junit F.xml] [--report F.json]
 * [-- CMD...]. Starts the experiment, runs CMD while its faults are
 * active, ends the experiment, writes the reports. The client runs the
 * spec's exec probes and the user's CMD (the daemon never runs commands).
 * Exit code: CMD's; 1 if injection failed or a probe aborted. */
#pragma once
#include <cJSON.h>

#include "cli.h"
#include "error.h"

struct ci_opts {
        const char *spec_file;
        const char *spec_buf; /* the spec already read (stdin can be read once), or NULL */
        size_t spec_len;
        const char *junit, *report;
        char **cmd; /* NULL-terminated, NULL for none */
};

/* What happened, for the report writers. */
struct ci_result {
        const char *spec_file;
        cJSON *spec;            /* the spec as submitted (owned) */
        cJSON *exp;             /* the experiment as it ended (owned, NULL if never created) */
        cJSON *timeline;        /* the experiment's events (owned array) */
        cJSON *client_probes;   /* exec probes run by chaosctl (owned array) */
        cJSON *kernel_readback; /* the faults' read-back while active (owned array) */
        char error[1024];       /* why the run could not proceed ("" if it did) */
        char **cmd;
        int cmd_ran, cmd_status; /* exit status (128+N for signal N) */
        double cmd_seconds;
        double started_unix, ended_unix;
        int injection_failed, aborted;
        int ended_before_cmd; /* the experiment ended while CMD still ran */
};

int ci_run(struct cli *c, const struct ci_opts *o, struct error *e);
/* Does the (valid) spec in BUF have exec probes, which only chaosctl runs? */
int ci_spec_has_exec_probes(const char *buf, size_t len);
void ci_result_free(struct ci_result *r);

/* junit.c: one <testsuite> with a testcase per probe, step and fault, plus
 * CMD. report.c: the JSON report (timeline, targets, read-back). */
int junit_write(const char *file, const struct ci_result *r, struct error *e);
int report_write(const char *file, const struct ci_result *r, struct error *e);
/* Shared by both: a fault's verdict ("" = passed, else the failure). */
const char *ci_fault_failure(const cJSON *fault, char *buf, size_t len);
