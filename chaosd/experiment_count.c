/* Counts over the daemon's experiments, read by the API's JSON, /metrics
 * and the lifecycle alike. In a file of their own so that metrics.c, which
 * experiment.c feeds with observations, never calls back into it. */
#include "daemon.h"

int experiment_reverts_pending(const struct experiment *x)
{
        int n = 0;

        for (int i = 0; i < x->n_faults; i++)
                n += x->faults[i].state == FI_REVERT_PENDING;
        return n;
}

int experiments_reverts_pending(const struct daemon *d)
{
        int n = 0;

        for (const struct experiment *x = d->experiments; x; x = x->next)
                n += experiment_reverts_pending(x);
        return n;
}
