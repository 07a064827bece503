/* Driving a fault module without chaosd's loop, for tests: apply, and
 * while the module answers FAULT_PENDING (its change made, not yet in
 * effect), wait f->settle_us and call settle again, as the daemon's timer
 * would. The daemon itself never waits like this. */
#pragma once
#include <time.h>

#include "fault.h"

/* *ret_steps (NULL allowed): how many settle calls it took. */
static inline int fault_apply_settled(struct fault *f, struct target *t, int *ret_steps, struct error *e)
{
        int r = f->ops->apply(f, t, e), steps = 0;

        while (r == FAULT_PENDING) {
                struct timespec ts = { (time_t)(f->settle_us / 1000000), (long)(f->settle_us % 1000000) * 1000 };

                nanosleep(&ts, NULL);
                r = f->ops->settle(f, t, e);
                steps++;
        }
        if (ret_steps)
                *ret_steps = steps;
        return r;
}
