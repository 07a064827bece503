/* Experiment specs (v1): parsing and strict validation. Nothing is touched
 * while parsing; every error names its JSON path. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"
#include "probe_spec.h"
#include "schedule.h"
#include "steps.h"
#include "target.h"

#define SPEC_MAX_BYTES (64 * 1024)
#define SPEC_MAX_DEPTH 32
#define SPEC_MAX_FAULTS 64
#define SPEC_DEFAULT_MAX_DURATION_US (24ULL * 3600 * 1000000)

enum spec_flags {
        SPEC_TARGET_OPTIONAL = 1 << 0, /* chaosctl exec: the launched command is the target */
};

struct spec {
        cJSON *root;      /* owned */
        const char *name; /* points into root */
        const char *description;
        uint64_t duration_us;
        int has_target;
        struct target_spec target;
        const cJSON *faults;           /* the array, borrowed from root (NULL with steps) */
        int n_faults;                  /* all faults, those of every step included */
        struct spec_fault *fault_list; /* n_faults, each with its window (owned) */
        struct step_spec *steps;       /* owned; NULL without "steps" */
        int n_steps;
        struct probe_spec *probes; /* owned */
        int n_probes;
        int has_schedule;
        struct schedule schedule;
};

/* Parse BUF (LEN bytes). max_duration_us caps "duration" (0: default). */
int spec_parse(const char *buf, size_t len, unsigned flags, uint64_t max_duration_us, struct spec *s,
               struct error *e);
void spec_free(struct spec *s);
