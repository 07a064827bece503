/* Steady-state probes run by the daemon (http, tcp) on its event loop:
 * non-blocking connect + epoll, one attempt in flight per probe, a timer
 * per attempt. exec probes belong to chaosctl; the daemon lists them as
 * "client-side" and never runs anything. */
#pragma once
#include <cJSON.h>

#include "error.h"
#include "probe_spec.h"

struct experiment;

/* Called once every probe of the phase has a verdict; OK is 1 when all
 * passed, else WHY names the probe and its evidence. */
typedef void (*probes_done_cb)(struct experiment *x, int ok, const char *why);

/* Build x's probe set from its spec and resolve the addresses (host names
 * through the resolver, once, here). */
int probes_new(struct experiment *x, struct error *e);
void probes_free(struct experiment *x);
/* Does any daemon-run probe take part in PHASE? */
int probes_have_phase(const struct experiment *x, unsigned phase);
/* Start PHASE. before/after: each probe is tried until it passes or fails
 * failure_threshold times in a row, DONE (may be NULL) is then called.
 * during: each probe runs every interval until probes_stop(); a probe
 * with abort_on_failure that fails failure_threshold times in a row calls
 * DONE(x, 0, why): the lifecycle decides (it aborts the experiment). */
void probes_start(struct experiment *x, unsigned phase, probes_done_cb done);
/* Stop whatever phase is running (during: the verdicts stay). */
void probes_stop(struct experiment *x);
/* 1 once no probe will run any more (the after phase is over or there is
 * none): the record is final. */
int probes_done(const struct experiment *x);
cJSON *probes_to_json(const struct experiment *x);
