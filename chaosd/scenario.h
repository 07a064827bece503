/* Scenario steps on the daemon's loop: each fault of a step is applied
 * when its step starts and reverted when it ends, by one timer per fault.
 * Faults of a spec without steps span the whole experiment and need no
 * timer. Offsets count from the moment the experiment started running,
 * which is deadline - duration, so a resumed experiment (after a daemon
 * restart) keeps its schedule without a journal change.
 *
 * This module keeps time only: when a step starts or ends it hands the
 * fault to the lifecycle through the callback given to scenario_arm
 * (x->step_cb), which applies or reverts it. */
#pragma once
#include "error.h"

struct experiment;
struct fault_inst;

/* The lifecycle's handler: FI's step starts (STEP_END 0) or ends (1). */
typedef void (*scenario_cb)(struct fault_inst *fi, int step_end);

/* Copy the fault's window from the spec (fi->x and its index must be set). */
void scenario_init_fault(struct fault_inst *fi);
/* Arm start timers of pending faults and end timers of active (or
 * settling) faults whose step ends before the experiment does. */
int scenario_arm(struct experiment *x, scenario_cb cb, struct error *e);
/* Arm the end timer of FI, a step's fault just applied. */
int scenario_arm_end(struct fault_inst *fi, struct error *e);
/* The name of FI's step ("" without steps). */
const char *scenario_step_name(const struct fault_inst *fi);
