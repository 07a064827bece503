/* Steady-state probes of a spec ("probes": [...]): parsing and validation.
 * http and tcp probes are run by the daemon; exec probes are run by
 * chaosctl on the client side (the daemon never runs commands) and are
 * only validated here. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

#define PROBE_MAX 16

enum probe_kind { PROBE_HTTP, PROBE_TCP, PROBE_EXEC };

enum probe_phase {
        PROBE_BEFORE = 1 << 0, /* the experiment injects nothing unless it passes */
        PROBE_DURING = 1 << 1, /* every interval while the faults are active */
        PROBE_AFTER = 1 << 2,  /* once the faults are reverted: did the system recover? */
};

struct probe_spec {
        const char *name;
        enum probe_kind kind;
        unsigned phases;
        uint64_t interval_us, timeout_us;
        int failure_threshold;
        int abort_on_failure;
        /* http */
        char url[512];
        char host[256]; /* without brackets for IPv6 literals */
        char port[8];
        char path[512]; /* path and query, "/" at least */
        int expect_status;
        const char *body_contains; /* borrowed from the spec JSON */
        /* tcp: host and port above */
        /* exec */
        const cJSON *command; /* array of strings, borrowed */
};

/* Parse the "probes" array (may be NULL: no probes). *ret is malloc'ed. */
int probe_specs_parse(const cJSON *arr, const char *path, struct probe_spec **ret, int *ret_n, struct error *e);
/* "http://host[:port]/path" with host an IP literal or a name. */
int probe_parse_url(const char *url, struct probe_spec *p, const char *path, struct error *e);
const char *probe_kind_name(enum probe_kind k);
/* "before", "during", "after" of one phase bit. */
const char *probe_phase_name(unsigned phase);
