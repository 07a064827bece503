/* The `partition` fault: drop every packet to and from `peers` (IPv4 and
 * IPv6 CIDRs, optionally only some ports), in both directions by default.
 * Drops are u32 filters with a gact "drop" action in the clsact hooks, so
 * the interface's root qdisc is never replaced. */
#include "netfault.h"

static int partition_parse(struct fault *f, const cJSON *json, struct error *e)
{
        return netfault_parse(f, json, NF_PARTITION, e);
}

const struct fault_ops fault_partition_ops = {
        .type = "partition",
        .parse = partition_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = netfault_free,
};
