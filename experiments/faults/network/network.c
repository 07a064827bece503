/* The `network` fault: one netem qdisc per interface (delay, jitter,
 * correlation, distribution, loss, duplicate, corrupt, reorder, rate),
 * optionally restricted to peers/ports/protocol, egress and/or ingress.
 * This file owns netem's keys, its encoding and its read-back; where the
 * qdisc goes is tc_engine.c's. */
#include "network.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "jsonv.h"
#include "nlx.h"
#include "units.h"

static const char *const network_keys[] = {
        "type",
        "delay",
        "jitter",
        "correlation",
        "distribution",
        "loss",
        "loss_correlation",
        "duplicate",
        "duplicate_correlation",
        "corrupt",
        "corrupt_correlation",
        "reorder",
        "reorder_correlation",
        "gap",
        "rate",
        "limit",
        "interface",
        "peers",
        "ports",
        "protocol",
        "direction",
        NULL,
};

#define MAX_DELAY_US (60ULL * 1000000)

static int get_pct(const cJSON *json, const char *path, const char *key, double *ret, struct error *e)
{
        int r = jv_percent(json, path, key, 0, ret, e);

        return r < 0 ? r : 0;
}

static int parse_netem(struct netem_params *p, const cJSON *json, const char *path, struct error *e)
{
        uint64_t us = 0;
        int64_t n = 0;
        const char *s = NULL;
        char jp[JV_PATH_MAX], why[128];
        int r;

        r = jv_duration(json, path, "delay", 0, 0, MAX_DELAY_US, &us, e);
        if (r < 0)
                return r;
        p->latency_ns = us * 1000;
        us = 0;
        r = jv_duration(json, path, "jitter", 0, 0, MAX_DELAY_US, &us, e);
        if (r < 0)
                return r;
        p->jitter_ns = us * 1000;
        if ((r = get_pct(json, path, "correlation", &p->delay_corr, e)) < 0 ||
            (r = get_pct(json, path, "loss", &p->loss, e)) < 0 ||
            (r = get_pct(json, path, "loss_correlation", &p->loss_corr, e)) < 0 ||
            (r = get_pct(json, path, "duplicate", &p->duplicate, e)) < 0 ||
            (r = get_pct(json, path, "duplicate_correlation", &p->dup_corr, e)) < 0 ||
            (r = get_pct(json, path, "corrupt", &p->corrupt, e)) < 0 ||
            (r = get_pct(json, path, "corrupt_correlation", &p->corrupt_corr, e)) < 0 ||
            (r = get_pct(json, path, "reorder", &p->reorder, e)) < 0 ||
            (r = get_pct(json, path, "reorder_correlation", &p->reorder_corr, e)) < 0)
                return r;
        r = jv_int(json, path, "gap", 0, 0, INT32_MAX, &n, e);
        if (r < 0)
                return r;
        p->gap = (uint32_t)n;
        n = 0;
        r = jv_int(json, path, "limit", 0, 1, 10000000, &n, e);
        if (r < 0)
                return r;
        p->limit = (uint32_t)n;
        r = jv_string(json, path, "rate", 0, &s, e);
        if (r < 0)
                return r;
        if (s) {
                jv_path(jp, path, "rate");
                if (units_parse_rate(s, &p->rate_Bps) < 0)
                        return error_path(e, jp, "\"%.32s\" is not a rate (e.g. \"1mbit\", \"500kbit\", \"1MBps\")",
                                          s);
        }
        s = NULL;
        r = jv_string(json, path, "distribution", 0, &s, e);
        if (r < 0)
                return r;
        if (s) {
                static const char *const dists[] = { "uniform", "normal", "pareto", "paretonormal", NULL };
                int ok = 0;

                for (const char *const *d = dists; *d; d++)
                        ok |= strcmp(*d, s) == 0;
                jv_path(jp, path, "distribution");
                if (!ok)
                        return error_path(e, jp, "\"%.32s\" is not one of uniform, normal, pareto, paretonormal", s);
                snprintf(p->distribution, sizeof(p->distribution), "%s", s);
        }
        if (netem_check(p, why, sizeof(why)) < 0)
                return error_path(e, path, "%s", why);
        if (!p->latency_ns && !p->loss && !p->duplicate && !p->corrupt && !p->rate_Bps)
                return error_path(e, path, "needs at least one of delay, loss, duplicate, corrupt, rate");
        return 0;
}

static int netem_leaf_put(struct nl_msg *m, const struct netfault *nf, struct error *e)
{
        return netem_put(m, &((const struct netem_fault *)nf)->nem, e);
}

static int near(double a, double b)
{
        return fabs(a - b) < 1e-6;
}

static int netem_leaf_check(const struct netfault *nf, const void *opts, size_t len, const char *where,
                            uint32_t handle, cJSON *rb, struct error *e)
{
        const struct netem_params *w = &((const struct netem_fault *)nf)->nem;
        struct netem_params g;
        char h[16];
        int r;

        r = netem_parse(opts, len, &g, e);
        if (r < 0)
                return error_wrap(e, "%s", where);
        cJSON_AddStringToObject(rb, "qdisc", "netem");
        cJSON_AddStringToObject(rb, "handle", nlx_handle_str(handle, h, sizeof(h)));
        cJSON_AddNumberToObject(rb, "delay_ms", g.latency_ns / 1e6);
        cJSON_AddNumberToObject(rb, "jitter_ms", g.jitter_ns / 1e6);
        cJSON_AddNumberToObject(rb, "correlation_pct", g.delay_corr);
        cJSON_AddNumberToObject(rb, "loss_pct", g.loss);
        cJSON_AddNumberToObject(rb, "loss_correlation_pct", g.loss_corr);
        cJSON_AddNumberToObject(rb, "duplicate_pct", g.duplicate);
        cJSON_AddNumberToObject(rb, "corrupt_pct", g.corrupt);
        cJSON_AddNumberToObject(rb, "reorder_pct", g.reorder);
        cJSON_AddNumberToObject(rb, "gap", g.gap);
        cJSON_AddNumberToObject(rb, "rate_Bps", (double)g.rate_Bps);
        cJSON_AddNumberToObject(rb, "limit", g.limit);
        if (g.latency_ns != w->latency_ns || g.jitter_ns != w->jitter_ns ||
            !near(g.loss, netem_percent_back(netem_percent(w->loss))) ||
            !near(g.duplicate, netem_percent_back(netem_percent(w->duplicate))) ||
            !near(g.corrupt, netem_percent_back(netem_percent(w->corrupt))) ||
            !near(g.reorder, netem_percent_back(netem_percent(w->reorder))) ||
            !near(g.delay_corr, netem_percent_back(netem_percent(w->delay_corr))) ||
            !near(g.loss_corr, netem_percent_back(netem_percent(w->loss_corr))) || g.rate_Bps != w->rate_Bps)
                return error_set(
                        e, EIO,
                        "%s: netem read back differs from the spec (delay %.3f ms, jitter %.3f ms, loss %.4f%%)",
                        where, g.latency_ns / 1e6, g.jitter_ns / 1e6, g.loss);
        return 0;
}

/* The distribution table is read from iproute2's files at apply, not at
 * parse: parse stays pure (no file system). */
static int netem_leaf_prepare(struct netfault *nf, struct error *e)
{
        struct netem_params *p = &((struct netem_fault *)nf)->nem;

        if (!p->distribution[0] || p->dist)
                return 0;
        return netem_load_distribution(p->distribution, &p->dist, &p->dist_len, e);
}

static const struct nf_leaf netem_leaf = {
        .kind = "netem",
        .put = netem_leaf_put,
        .check = netem_leaf_check,
        .prepare = netem_leaf_prepare,
};

static int network_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct netem_fault *nw = calloc(1, sizeof(*nw));
        int r;

        if (!nw)
                return error_set(e, ENOMEM, "out of memory");
        nw->nf.leaf = &netem_leaf;
        r = jv_check_object(json, f->path, network_keys, e);
        if (r < 0)
                return r;
        r = parse_netem(&nw->nem, json, f->path, e);
        if (r < 0)
                return r;
        r = nf_parse_select(&nw->nf.sel, json, f->path, e);
        if (r < 0)
                return r;
        r = nf_parse_where(&nw->nf, json, f->path, "egress", e);
        if (r < 0)
                return r;
        f->priv = TAKE_PTR(nw);
        return 0;
}

static void network_free(void *priv)
{
        struct netem_fault *nw = priv;

        if (!nw)
                return;
        nf_release(&nw->nf);
        free(nw->nem.dist);
        free(nw);
}

const struct fault_ops fault_network_ops = {
        .type = "network",
        .parse = network_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = network_free,
};
