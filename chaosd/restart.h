/* on_restart: "reapply". A container target whose main process exits may
 * be coming back (docker restart, a restart policy, the kubelet). The
 * lifecycle (experiment.c) reverts its faults; this module only watches:
 * a timer asks the runtime every RESTART_POLL_MS for the same container
 * with a new process, and answers the lifecycle through the callback it
 * was given — never calling back into experiment.c. */
#pragma once
#include "error.h"

struct experiment;

/* Called once: BACK 1 when the container is back (x->targets[idx] holds
 * its new identity, journaled by nobody yet), 0 with WHY when it stayed
 * away too long. */
typedef void (*restart_cb)(struct experiment *x, int idx, int back, const char *why);

/* Does target IDX of X ask to be waited for when its process exits? */
int restart_wanted(const struct experiment *x, int idx);
/* Start waiting for target IDX (whose watch the caller removed and whose
 * target it released); announces the wait. 0, or negative when the poll
 * timer cannot be armed (then nothing waits). */
int restart_watch(struct experiment *x, int idx, restart_cb cb, struct error *e);
