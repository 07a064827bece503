/* The `bandwidth` fault: a token-bucket rate limit (tbf) on the target's
 * interfaces, optionally only for peers/ports/protocol, egress and/or
 * ingress — placed by the same engine as `network` (tc_engine.c), with tbf
 * in place of netem, so it also works on kernels without sch_netem. */
#include "bandwidth.h"

#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "jsonv.h"
#include "nlx.h"
#include "units.h"

static const char *const bandwidth_keys[] = { "type",  "rate",  "burst",    "limit",     "interface",
                                              "peers", "ports", "protocol", "direction", NULL };

static int parse_tbf(struct tbf_params *p, const cJSON *json, const char *path, struct error *e)
{
        const char *s = NULL;
        char jp[JV_PATH_MAX];
        uint64_t v = 0;
        int r;

        r = jv_string(json, path, "rate", 1, &s, e);
        if (r < 0)
                return r;
        jv_path(jp, path, "rate");
        if (units_parse_rate(s, &p->rate_Bps) < 0)
                return error_path(e, jp, "\"%.32s\" is not a rate (e.g. \"1mbit\", \"500kbit\", \"1MBps\")", s);
        r = jv_size(json, path, "burst", 0, &v, e);
        if (r < 0)
                return r;
        jv_path(jp, path, "burst");
        if (r > 0 && (v < 1514 || v > UINT32_MAX))
                return error_path(e, jp, "must be between 1514 bytes (an MTU) and 4GiB");
        p->burst = (uint32_t)v;
        v = 0;
        r = jv_size(json, path, "limit", 0, &v, e);
        if (r < 0)
                return r;
        jv_path(jp, path, "limit");
        if (r > 0 && (v < 1514 || v > UINT32_MAX))
                return error_path(e, jp, "must be between 1514 bytes and 4GiB (bytes queued before dropping)");
        p->limit = (uint32_t)v;
        tbf_defaults(p);
        return 0;
}

static int tbf_leaf_put(struct nl_msg *m, const struct netfault *nf, struct error *e)
{
        return tbf_put(m, &((const struct bandwidth_fault *)nf)->tbf, e);
}

static int tbf_leaf_check(const struct netfault *nf, const void *opts, size_t len, const char *where, uint32_t handle,
                          cJSON *rb, struct error *e)
{
        const struct tbf_params *w = &((const struct bandwidth_fault *)nf)->tbf;
        struct tbf_params t;
        char h[16];
        int r;

        r = tbf_parse(opts, len, &t, e);
        if (r < 0)
                return error_wrap(e, "%s", where);
        cJSON_AddStringToObject(rb, "qdisc", "tbf");
        cJSON_AddStringToObject(rb, "handle", nlx_handle_str(handle, h, sizeof(h)));
        cJSON_AddNumberToObject(rb, "rate_Bps", (double)t.rate_Bps);
        cJSON_AddNumberToObject(rb, "limit_bytes", t.limit);
        if (t.rate_Bps != w->rate_Bps || t.limit != w->limit)
                return error_set(e, EIO, "%s: tbf read back differs from the spec (rate %llu B/s, limit %u)", where,
                                 (unsigned long long)t.rate_Bps, t.limit);
        return 0;
}

static const struct nf_leaf tbf_leaf = {
        .kind = "tbf",
        .put = tbf_leaf_put,
        .check = tbf_leaf_check,
};

static int bandwidth_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct bandwidth_fault *bw = calloc(1, sizeof(*bw));
        int r;

        if (!bw)
                return error_set(e, ENOMEM, "out of memory");
        bw->nf.leaf = &tbf_leaf;
        r = jv_check_object(json, f->path, bandwidth_keys, e);
        if (r < 0)
                return r;
        r = parse_tbf(&bw->tbf, json, f->path, e);
        if (r < 0)
                return r;
        r = nf_parse_select(&bw->nf.sel, json, f->path, e);
        if (r < 0)
                return r;
        r = nf_parse_where(&bw->nf, json, f->path, "egress", e);
        if (r < 0)
                return r;
        f->priv = TAKE_PTR(bw);
        return 0;
}

const struct fault_ops fault_bandwidth_ops = {
        .type = "bandwidth",
        .parse = bandwidth_parse,
        .apply = netfault_apply,
        .verify = netfault_verify,
        .revert = netfault_revert,
        .free_priv = nf_free,
};
