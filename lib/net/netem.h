/* netem attribute encoding, as iproute2's tc/q_netem.c lays it out:
 * TCA_OPTIONS holds a struct tc_netem_qopt *followed by* nested
 * TCA_NETEM_* attributes in the same payload. Percentages are scaled to
 * UINT32_MAX (libnl's setters pass them through unscaled), latency and
 * jitter go as 64-bit nanoseconds (TCA_NETEM_LATENCY64/JITTER64), rates
 * above 4 GB/s as TCA_NETEM_RATE64. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "error.h"

struct netem_params {
        uint64_t latency_ns;
        uint64_t jitter_ns;
        double delay_corr; /* percent, 0..100 */
        double loss;
        double loss_corr;
        double duplicate;
        double dup_corr;
        double corrupt;
        double corrupt_corr;
        double reorder;
        double reorder_corr;
        uint32_t gap;
        uint64_t rate_Bps;     /* bytes per second, 0: unlimited */
        uint32_t limit;        /* packets; 0 means tc's default of 1000 */
        char distribution[16]; /* "" (uniform), normal, pareto, paretonormal */
        int16_t *dist;         /* loaded table, owned by the caller */
        size_t dist_len;
};

/* Percent (0..100) to netem's probability scale, rounded as tc does. */
uint32_t netem_percent(double pct);
double netem_percent_back(uint32_t v);
/* Cross-checks tc makes: reorder needs delay, gap needs reorder, a
 * distribution needs delay and jitter. */
int netem_check(const struct netem_params *p, char *why, size_t len);
/* Load NAME.dist from iproute2's tc library directory ($CHAOSD_TC_LIB,
 * then the Debian multiarch and plain paths). "uniform" has no table. */
int netem_load_distribution(const char *name, int16_t **ret, size_t *ret_n, struct error *e);
/* Append TCA_KIND "netem" and TCA_OPTIONS to MSG (after its tcmsg). */
int netem_put(struct nl_msg *msg, const struct netem_params *p, struct error *e);
/* Parse a dumped netem TCA_OPTIONS payload (qopt + nested attributes). The
 * kernel does not dump the distribution table. */
int netem_parse(const void *opts, size_t len, struct netem_params *ret, struct error *e);
