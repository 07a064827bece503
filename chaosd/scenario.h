/* Scenario steps on the daemon's loop: each fault of a step is applied
 * when its step starts and reverted when it ends, by one timer per fault.
 * Faults of a spec without steps span the whole experiment and need no
 * timer. Offsets count from the moment the experiment started running,
 * which is deadline - duration, so a resumed experiment (after a daemon
 * restart) keeps its schedule without a journal change. */
#pragma once
#include "error.h"

struct experiment;
struct fault_inst;

/* Copy the fault's window from the spec (fi->x and its index must be set). */
void scenario_init_fault(struct fault_inst *fi);
/* Arm start timers of pending faults and stop timers of active faults
 * whose step ends before the experiment does. */
int scenario_arm(struct experiment *x, struct error *e);
