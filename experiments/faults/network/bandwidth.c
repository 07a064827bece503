/* The `bandwidth` fault: a token-bucket rate limit (tbf) on the target's
 * interfaces, optionally only for peers/ports/protocol, egress and/or
 * ingress — the same machinery as `network` (netfault.c), with tbf in place
 * of netem, so it also works on kernels without sch_netem. */
#include "netfault.h"

static int bandwidth_parse(struct fault *f, const cJSON *json, struct error *e)
{
        return netfault_parse(f, json, NF_BANDWIDTH, e);
}

const struct fault_ops fault_bandwidth_ops = {
        .type = "bandwidth",
        .parse = bandwidth_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = netfault_free,
};
