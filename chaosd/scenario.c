/* Step timers. A step's start applies its faults; a failed apply ends the
 * whole experiment (failed, everything reverted), as at the start. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "events.h"

static const struct spec_fault *spec_fault_of(const struct fault_inst *fi)
{
        const struct experiment *x = fi->x;

        return &x->spec.fault_list[(int)(fi - x->faults) % x->spec.n_faults];
}

static const char *step_name(const struct fault_inst *fi)
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

static int64_t started_ms(const struct experiment *x)
{
        return x->deadline_ms - (int64_t)(x->duration_us / 1000);
}

static uint64_t due_in_us(const struct experiment *x, uint64_t offset_us)
{
        int64_t left = started_ms(x) + (int64_t)(offset_us / 1000) - now_ms();

        return left > 0 ? (uint64_t)left * 1000 : 1;
}

static void on_step_stop(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;

        loop_remove(x->d->loop, fi->step_timer);
        fi->step_timer = NULL;
        if (experiment_revert_fault(fi) == 0)
                events_emit(x->d, x->id, "step", NULL, "step \"%s\": fault %d (%s) reverted at its end",
                            step_name(fi), (int)(fi - x->faults), fi->f->ops->type);
}

static int arm_stop(struct fault_inst *fi, struct error *e)
{
        struct experiment *x = fi->x;

        if (fi->end_us >= x->duration_us)
                return 0; /* the experiment's own end reverts it */
        return loop_add_timer(x->d->loop, due_in_us(x, fi->end_us), 0, on_step_stop, fi, &fi->step_timer, e);
}

/* The step's fault is active and verified: its tick. */
static void step_applied(struct fault_inst *fi)
{
        struct error e = { 0 };

        if (experiment_arm_tick(fi, &e) < 0) {
                char why[1100];

                snprintf(why, sizeof(why), "step \"%s\": arming: %s", step_name(fi), e.msg);
                experiment_end(fi->x, EXP_FAILED, why);
        }
}

static void on_step_start(struct loop_source *src, uint32_t ev, void *ud)
{
        struct fault_inst *fi = ud;
        struct experiment *x = fi->x;
        struct error e = { 0 };
        int r;

        loop_remove(x->d->loop, fi->step_timer);
        fi->step_timer = NULL;
        events_emit(x->d, x->id, "step", NULL, "step \"%s\" starts: fault %d (%s)", step_name(fi),
                    (int)(fi - x->faults), fi->f->ops->type);
        /* On failure the experiment has ended and fi is no longer ours. A
         * fault still settling gets its tick once verified, but its step's
         * end is armed now: a step that ends while it settles reverts it
         * (experiment_revert_fault cancels the settling) on time. */
        r = experiment_apply_fault(fi, step_applied, &e);
        if (r < 0)
                return;
        if (arm_stop(fi, &e) < 0) {
                char why[1100];

                snprintf(why, sizeof(why), "step \"%s\": arming: %s", step_name(fi), e.msg);
                experiment_end(x, EXP_FAILED, why);
                return;
        }
        if (r == 0)
                step_applied(fi);
}

int scenario_arm(struct experiment *x, struct error *e)
{
        for (int i = 0; i < x->n_faults; i++) {
                struct fault_inst *fi = &x->faults[i];
                int r = 0;

                scenario_init_fault(fi);
                if (fi->step_timer)
                        continue;
                if (strcmp(fi->state, "pending") == 0 && fi->start_us > 0)
                        r = loop_add_timer(x->d->loop, due_in_us(x, fi->start_us), 0, on_step_start, fi,
                                           &fi->step_timer, e);
                else if (strcmp(fi->state, "active") == 0 || fi->settle)
                        r = arm_stop(fi, e);
                if (r < 0)
                        return r;
        }
        return 0;
}
