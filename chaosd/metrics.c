/* GET /metrics: Prometheus text exposition of counters the daemon keeps
 * anyway; nothing is sampled in the background. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static const double bounds[METRIC_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };

void metrics_observe(struct histogram *h, double seconds)
{
        h->count++;
        h->sum += seconds;
        for (int i = 0; i < METRIC_BUCKETS; i++)
                if (seconds <= bounds[i])
                        h->buckets[i]++;
}

struct out {
        char *buf;
        size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return;
                if (o->len + (size_t)n < o->cap) {
                        o->len += (size_t)n;
                        return;
                }
                o->cap = (o->cap + (size_t)n) * 2;
                char *nb = realloc(o->buf, o->cap);
                if (!nb)
                        return;
                o->buf = nb;
        }
}

static void histogram(struct out *o, const char *name, const char *help, const struct histogram *h)
{
        put(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
        for (int i = 0; i < METRIC_BUCKETS; i++)
                put(o, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)h->buckets[i]);
        put(o, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
        put(o, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
}

char *metrics_render(struct daemon *d, int n_schedules)
{
        struct out o = { .buf = malloc(4096), .cap = 4096 };
        int by_state[EXP_STATE_MAX] = { 0 };
        const struct fault_ops *const *reg = fault_registry();

        if (!o.buf)
                return NULL;
        o.buf[0] = '\0';
        for (struct experiment *x = d->experiments; x; x = x->next)
                by_state[x->state]++;
        put(&o, "# HELP chaosd_experiments Experiments the daemon holds in memory, by state.\n"
                "# TYPE chaosd_experiments gauge\n");
        for (int s = 0; s < EXP_STATE_MAX; s++)
                put(&o, "chaosd_experiments{state=\"%s\"} %d\n", exp_state_name(s), by_state[s]);
        put(&o, "# HELP chaosd_experiments_ended_total Experiments ended since start, by end state.\n"
                "# TYPE chaosd_experiments_ended_total counter\n");
        for (int s = EXP_COMPLETED; s < EXP_STATE_MAX; s++)
                put(&o, "chaosd_experiments_ended_total{state=\"%s\"} %llu\n", exp_state_name(s),
                    (unsigned long long)d->metrics.ended[s]);
        put(&o,
            "# HELP chaosd_experiments_created_total Experiments accepted since start.\n"
            "# TYPE chaosd_experiments_created_total counter\nchaosd_experiments_created_total %llu\n",
            (unsigned long long)d->metrics.created);
        put(&o, "# HELP chaosd_active_faults Faults currently applied, by type.\n"
                "# TYPE chaosd_active_faults gauge\n");
        for (const struct fault_ops *const *op = reg; *op; op++) {
                int n = 0;

                for (struct experiment *x = d->experiments; x; x = x->next)
                        for (int i = 0; i < x->n_faults; i++)
                                if (x->faults[i].f && x->faults[i].f->ops == *op && x->faults[i].state == FI_ACTIVE)
                                        n++;
                put(&o, "chaosd_active_faults{type=\"%s\"} %d\n", (*op)->type, n);
        }
        put(&o,
            "# HELP chaosd_reverts_pending Faults whose revert failed and is being retried.\n"
            "# TYPE chaosd_reverts_pending gauge\nchaosd_reverts_pending %d\n",
            experiments_reverts_pending(d));
        histogram(&o, "chaosd_inject_seconds", "Time to apply and verify an experiment's faults.",
                  &d->metrics.inject);
        histogram(&o, "chaosd_revert_seconds", "Time to revert one fault.", &d->metrics.revert);
        put(&o,
            "# HELP chaosd_errors_total Errors by cause.\n# TYPE chaosd_errors_total counter\n"
            "chaosd_errors_total{cause=\"invalid_spec\"} %llu\n"
            "chaosd_errors_total{cause=\"target\"} %llu\n"
            "chaosd_errors_total{cause=\"inject\"} %llu\n"
            "chaosd_errors_total{cause=\"revert\"} %llu\n"
            "chaosd_errors_total{cause=\"unauthorized\"} %llu\n"
            "chaosd_errors_total{cause=\"probe_abort\"} %llu\n",
            (unsigned long long)d->metrics.errors_spec, (unsigned long long)d->metrics.errors_target,
            (unsigned long long)d->metrics.errors_inject, (unsigned long long)d->metrics.errors_revert,
            (unsigned long long)d->metrics.errors_auth, (unsigned long long)d->metrics.probe_aborts);
        put(&o,
            "# HELP chaosd_probe_failures_total Failed steady-state probe attempts.\n"
            "# TYPE chaosd_probe_failures_total counter\nchaosd_probe_failures_total %llu\n"
            "# HELP chaosd_probe_aborts_total Experiments aborted by a probe (before or during).\n"
            "# TYPE chaosd_probe_aborts_total counter\nchaosd_probe_aborts_total %llu\n",
            (unsigned long long)d->metrics.probe_failures, (unsigned long long)d->metrics.probe_aborts);
        put(&o,
            "# HELP chaosd_schedules Schedules the daemon holds.\n# TYPE chaosd_schedules gauge\n"
            "chaosd_schedules %d\n"
            "# HELP chaosd_schedule_runs_total Schedule ticks, by outcome (skipped: the previous run was still active).\n"
            "# TYPE chaosd_schedule_runs_total counter\n"
            "chaosd_schedule_runs_total{outcome=\"started\"} %llu\n"
            "chaosd_schedule_runs_total{outcome=\"skipped\"} %llu\n",
            n_schedules, (unsigned long long)d->metrics.schedule_runs,
            (unsigned long long)d->metrics.schedule_skipped);
        put(&o,
            "# HELP chaosd_http_requests_total API requests served.\n"
            "# TYPE chaosd_http_requests_total counter\nchaosd_http_requests_total %llu\n",
            (unsigned long long)d->metrics.http_requests);
        return o.buf;
}
