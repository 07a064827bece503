/* Step timers (scenario.h). */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "events.h"

static const struct spec_fault *spec_fault_of(const struct fault_inst *fi)
{
        const struct experiment *x = fi->x;

        return &x->spec.fault_list[(int)(fi - x->faults) % x->spec.n_faults];
}

const char *scenario_step_name(const struct fault_inst *fi)
{
        const struct spec_fault *sf = spec_fault_of(fi);

        return sf->step >= 0 ? fi->x->spec.steps[sf->step].name : "";
}

void scenario_init_fault(struct fault_inst *fi)
{
        const struct spec_fault *sf = spec_fault_of(fi);

        fi->step = sf->step;
        fi->start_us = sf->start_us;
        fi->end_us = sf->end_us;
}

/* Offsets are from the start, which is wall time (deadline - duration):
 * that survives a daemon restart. */
static uint64_t due_in_us(const struct experiment *x, uint64_t offset_us)
{
        int64_t started_ms = x->deadline_ms - (int64_t)(x->duration_us / 1000);
        int64_t left = started_ms + (int64_t)(offset_us / 1000) - clock_wall_ms();

        return left > 0 ? (uint64_t)left * 1000 : 1;
}

static void on_step_end(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;

        loop_remove(x->d->loop, fi->step_timer);
        fi->step_timer = NULL;
        x->step_cb(fi, 1);
}

int scenario_arm_end(struct fault_inst *fi, struct error *e)
{
        struct experiment *x = fi->x;

        if (fi->end_us >= x->duration_us)
                return 0; /* the experiment's own end reverts it */
        return loop_add_timer(x->d->loop, due_in_us(x, fi->end_us), 0, on_step_end, fi, &fi->step_timer, e);
}

static void on_step_start(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;

        loop_remove(x->d->loop, fi->step_timer);
        fi->step_timer = NULL;
        events_emit(x->d, x->id, "step", NULL, "step \"%s\" starts: fault %d (%s)", scenario_step_name(fi),
                    (int)(fi - x->faults), fi->f->ops->type);
        x->step_cb(fi, 0);
}

int scenario_arm(struct experiment *x, scenario_cb cb, struct error *e)
{
        x->step_cb = cb;
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                int r = 0;

                scenario_init_fault(fi);
                if (fi->step_timer)
                        continue;
                if (fi->state == FI_PENDING && fi->start_us > 0)
                        r = loop_add_timer(x->d->loop, due_in_us(x, fi->start_us), 0, on_step_start, fi,
                                           &fi->step_timer, e);
                else if (fi->state == FI_ACTIVE || fi->settle)
                        r = scenario_arm_end(fi, e);
                if (r < 0)
                        return r;
        }
        return 0;
}
