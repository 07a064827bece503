/* The `partition` fault: drop every packet to and from `peers` (IPv4 and
 * IPv6 CIDRs, optionally only some ports), in both directions by default.
 * Drops are u32 filters with a gact "drop" action in the clsact hooks, so
 * the interface's root qdisc is never replaced: this leaf puts no qdisc,
 * it adds and reads back its filters through the engine (tc_engine.c). */
#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "jsonv.h"
#include "tc_engine.h"

static const char *const partition_keys[] = { "type", "interface", "peers", "ports", "protocol", "direction", NULL };

static int partition_apply_iface(struct nl_sock *sk, struct fault *f, const struct netfault *nf,
                                 const struct nf_iface *ifc, cJSON *js, struct error *e)
{
        struct tcf_action drop = { .kind = TCF_DROP };
        cJSON *hooks = cJSON_AddArrayToObject(js, "hook_filters");
        int r;

        r = nf_ensure_hook(sk, f, js, ifc, e);
        if (r < 0)
                return r;
        if (nf->egress)
                cJSON_AddItemToArray(hooks, cJSON_CreateNumber(NF_HOOK_EGRESS));
        if (nf->ingress)
                cJSON_AddItemToArray(hooks, cJSON_CreateNumber(NF_HOOK_INGRESS));
        r = nf_checkpoint(f, e);
        if (r < 0)
                return r;
        /* Egress matches the peer as destination, ingress as source. */
        if (nf->egress && (r = nf_add_filters(sk, nf, ifc->ifindex, ifc->name, NF_HOOK_EGRESS, 1, 0, &drop, e)) < 0)
                return r;
        if (nf->ingress && (r = nf_add_filters(sk, nf, ifc->ifindex, ifc->name, NF_HOOK_INGRESS, 1, 1, &drop, e)) < 0)
                return r;
        return 0;
}

static int partition_verify_iface(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *name,
                                  cJSON *ri, struct error *e)
{
        int r;

        if (nf->egress && (r = nf_check_hook(sk, nf, ifindex, name, NF_HOOK_EGRESS, ri, e)) < 0)
                return r;
        if (nf->ingress && (r = nf_check_hook(sk, nf, ifindex, name, NF_HOOK_INGRESS, ri, e)) < 0)
                return r;
        return 0;
}

static const struct nf_leaf drop_leaf = {
        .kind = "partition",
        .apply_iface = partition_apply_iface,
        .verify_iface = partition_verify_iface,
        .egress_hook = 1,
};

static int partition_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct netfault *nf = calloc(1, sizeof(*nf));
        char jp[JV_PATH_MAX];
        int r;

        if (!nf)
                return error_set(e, ENOMEM, "out of memory");
        nf->leaf = &drop_leaf;
        r = jv_check_object(json, f->path, partition_keys, e);
        if (r < 0)
                return r;
        r = nf_parse_select(&nf->sel, json, f->path, e);
        if (r < 0)
                return r;
        if (nf->sel.n_peers == 0) {
                jv_path(jp, f->path, "peers");
                return error_path(e, jp,
                                  "is required: the addresses to cut off (use a network fault with loss "
                                  "100%% to isolate completely)");
        }
        r = nf_parse_where(nf, json, f->path, "both", e);
        if (r < 0)
                return r;
        f->priv = TAKE_PTR(nf);
        return 0;
}

const struct fault_ops fault_partition_ops = {
        .type = "partition",
        .parse = partition_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = nf_free,
};
