/* The `network` fault: one netem qdisc per interface (delay, jitter,
 * correlation, distribution, loss, duplicate, corrupt, reorder, rate),
 * optionally restricted to peers/ports/protocol, egress and/or ingress.
 * The machinery is in netfault.c. */
#include "netfault.h"

static int network_parse(struct fault *f, const cJSON *json, struct error *e)
{
        return netfault_parse(f, json, NF_NETEM, e);
}

const struct fault_ops fault_network_ops = {
        .type = "network",
        .parse = network_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = netfault_free,
};
