/* Scenarios: "steps" run in sequence or in parallel, each with its own
 * faults, duration and start offset. Parsing resolves every step to a
 * window [start, end) measured from the experiment's start, and flattens
 * the faults of all steps into one list the daemon drives. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

#define STEPS_MAX 32

/* One fault of the experiment, with the window in which it is active. A
 * spec without steps has one implicit window: [0, duration). */
struct spec_fault {
        const cJSON *json; /* borrowed from the spec */
        int step;          /* index in steps[], -1 for top-level "faults" */
        int index;         /* index within its faults array */
        uint64_t start_us, end_us;
        char path[64]; /* "$.faults[1]" or "$.steps[2].faults[0]" */
};

struct step_spec {
        const char *name; /* borrowed */
        uint64_t start_us, end_us;
        int parallel;
        int first_fault, n_faults; /* slice of the flattened fault list */
};

/* Parse "steps" at PATH. A step is {"name", "faults", "duration",
 * "start" (offset, default 0), "parallel" (default false)}: a sequential
 * step starts START after the previous step ends, a parallel one START
 * after the previous step starts. Fills malloc'ed *ret_steps and
 * *ret_faults (at most max_faults) and the scenario's length. */
int steps_parse(const cJSON *arr, const char *path, uint64_t max_duration_us, int max_faults,
                struct step_spec **ret_steps, int *ret_n, struct spec_fault **ret_faults, int *ret_nf,
                uint64_t *ret_total_us, struct error *e);
/* Validate one fault through its module's parser, with errors naming
 * PATH (fault modules report "$.faults[N]"; a step's fault lives deeper). */
int steps_check_fault(const struct spec_fault *sf, struct error *e);
