/* tbf (token bucket) attribute encoding for the `bandwidth` fault: a rate
 * limit that needs no netem (tbf is in every distribution kernel, including
 * ones built without CONFIG_NET_SCH_NETEM). The burst goes as
 * TCA_TBF_BURST (bytes) so the kernel computes the bucket itself; rates of
 * 4 GB/s and more as TCA_TBF_RATE64. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "error.h"

struct tbf_params {
        uint64_t rate_Bps; /* bytes per second */
        uint32_t burst;    /* bucket size in bytes; 0: max(rate/250, 4 KiB) */
        uint32_t limit;    /* queue in bytes; 0: 50 ms at the rate + burst */
};

/* Fill the defaults as the bandwidth fault applies them. */
void tbf_defaults(struct tbf_params *p);
/* Append TCA_KIND "tbf" and TCA_OPTIONS (after the message's tcmsg). */
int tbf_put(struct nl_msg *msg, const struct tbf_params *p, struct error *e);
/* Rate and limit from a dumped tbf TCA_OPTIONS. */
int tbf_parse(const void *opts, size_t len, struct tbf_params *ret, struct error *e);
