#include "netem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

#include "cleanup.h"

/* The kernel accepts at most this many table entries (tc's MAX_DIST). */
#define NETEM_MAX_DIST (16 * 1024)

uint32_t netem_percent(double pct)
{
        double v = pct / 100.0;

        if (v <= 0)
                return 0;
        if (v >= 1)
                return UINT32_MAX;
        return (uint32_t)rint(v * UINT32_MAX);
}

double netem_percent_back(uint32_t v)
{
        return 100.0 * v / UINT32_MAX;
}

int netem_check(const struct netem_params *p, char *why, size_t len)
{
        if (p->reorder > 0 && p->latency_ns == 0) {
                snprintf(why, len, "reorder needs a delay (packets are reordered by sending some without it)");
                return -EINVAL;
        }
        if (p->gap && p->reorder <= 0) {
                snprintf(why, len, "gap needs reorder");
                return -EINVAL;
        }
        if (p->distribution[0] && strcmp(p->distribution, "uniform") != 0 &&
            (p->latency_ns == 0 || p->jitter_ns == 0)) {
                snprintf(why, len, "distribution needs delay and jitter");
                return -EINVAL;
        }
        if (p->jitter_ns && p->latency_ns == 0) {
                snprintf(why, len, "jitter needs delay");
                return -EINVAL;
        }
        if (p->delay_corr > 0 && p->jitter_ns == 0) {
                snprintf(why, len, "correlation needs jitter");
                return -EINVAL;
        }
        return 0;
}

static const char *const tc_lib_dirs[] = { "/usr/lib/x86_64-linux-gnu/tc", "/usr/lib/tc", "/usr/lib64/tc",
                                           "/usr/local/lib/tc", NULL };

int netem_load_distribution(const char *name, int16_t **ret, size_t *ret_n, struct error *e)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ int16_t *data = NULL;
        _cleanup_free_ char *line = NULL;
        const char *env = getenv("CHAOSD_TC_LIB");
        char path[512] = "";
        size_t cap = 0, n = 0;

        *ret = NULL;
        *ret_n = 0;
        if (strcmp(name, "uniform") == 0 || !name[0])
                return 0; /* netem's built-in default */
        if (env) {
                snprintf(path, sizeof(path), "%s/%s.dist", env, name);
                f = fopen(path, "re");
        }
        for (const char *const *d = tc_lib_dirs; !f && *d; d++) {
                snprintf(path, sizeof(path), "%s/%s.dist", *d, name);
                f = fopen(path, "re");
        }
        if (!f)
                return error_set(e, ENOENT,
                                 "no distribution table %s.dist (iproute2's tc library: install iproute2 or set "
                                 "CHAOSD_TC_LIB)",
                                 name);
        data = calloc(NETEM_MAX_DIST, sizeof(*data));
        if (!data)
                return error_set(e, ENOMEM, "out of memory");
        while (getline(&line, &cap, f) != -1) {
                char *p = line, *end;

                if (line[0] == '#' || line[0] == '\n')
                        continue;
                for (;;) {
                        long x = strtol(p, &end, 0);

                        if (end == p)
                                break;
                        if (n >= NETEM_MAX_DIST || x < INT16_MIN || x > INT16_MAX)
                                return error_set(e, EINVAL, "%s: too much or out-of-range data", path);
                        data[n++] = (int16_t)x;
                        p = end;
                }
        }
        if (n == 0)
                return error_set(e, EINVAL, "%s: no data", path);
        *ret = TAKE_PTR(data);
        *ret_n = n;
        return 0;
}

int netem_put(struct nl_msg *msg, const struct netem_params *p, struct error *e)
{
        struct tc_netem_qopt opt = {
                .limit = p->limit ? p->limit : 1000,
                .loss = netem_percent(p->loss),
                .gap = p->gap,
                .duplicate = netem_percent(p->duplicate),
        };
        struct tc_netem_corr cor = {
                .delay_corr = netem_percent(p->delay_corr),
                .loss_corr = netem_percent(p->loss_corr),
                .dup_corr = netem_percent(p->dup_corr),
        };
        struct tc_netem_reorder reorder = {
                .probability = netem_percent(p->reorder),
                .correlation = netem_percent(p->reorder_corr),
        };
        struct tc_netem_corrupt corrupt = {
                .probability = netem_percent(p->corrupt),
                .correlation = netem_percent(p->corrupt_corr),
        };
        int64_t latency = (int64_t)p->latency_ns, jitter = (int64_t)p->jitter_ns;
        struct nlattr *opts;
        char why[128];

        if (netem_check(p, why, sizeof(why)) < 0)
                return error_set(e, EINVAL, "netem: %s", why);
        /* tc: reordering without a gap means "every packet is a candidate". */
        if (reorder.probability && opt.gap == 0)
                opt.gap = 1;
        if (nla_put_string(msg, TCA_KIND, "netem") < 0)
                goto too_big;
        /* Not nla_nest_start's semantics: the nest begins with a bare struct,
         * and the attributes that follow are parsed from its aligned end. */
        opts = nla_nest_start(msg, TCA_OPTIONS);
        if (!opts || nlmsg_append(msg, &opt, sizeof(opt), NLMSG_ALIGNTO) < 0)
                goto too_big;
        if (latency && nla_put(msg, TCA_NETEM_LATENCY64, sizeof(latency), &latency) < 0)
                goto too_big;
        if (jitter && nla_put(msg, TCA_NETEM_JITTER64, sizeof(jitter), &jitter) < 0)
                goto too_big;
        if ((cor.delay_corr || cor.loss_corr || cor.dup_corr) && nla_put(msg, TCA_NETEM_CORR, sizeof(cor), &cor) < 0)
                goto too_big;
        if (reorder.probability && nla_put(msg, TCA_NETEM_REORDER, sizeof(reorder), &reorder) < 0)
                goto too_big;
        if (corrupt.probability && nla_put(msg, TCA_NETEM_CORRUPT, sizeof(corrupt), &corrupt) < 0)
                goto too_big;
        if (p->rate_Bps) {
                struct tc_netem_rate rate = { 0 };

                if (p->rate_Bps >= (1ULL << 32)) {
                        uint64_t r64 = p->rate_Bps;

                        if (nla_put(msg, TCA_NETEM_RATE64, sizeof(r64), &r64) < 0)
                                goto too_big;
                        rate.rate = UINT32_MAX;
                } else {
                        rate.rate = (uint32_t)p->rate_Bps;
                }
                if (nla_put(msg, TCA_NETEM_RATE, sizeof(rate), &rate) < 0)
                        goto too_big;
        }
        if (p->dist_len && nla_put(msg, TCA_NETEM_DELAY_DIST, (int)(p->dist_len * sizeof(int16_t)), p->dist) < 0)
                goto too_big;
        nla_nest_end(msg, opts);
        return 0;
too_big:
        return error_set(e, ENOBUFS, "netem: netlink message too large");
}

int netem_parse(const void *data, size_t len, struct netem_params *ret, struct error *e)
{
        const struct tc_netem_qopt *opt = data;
        struct nlattr *tb[TCA_NETEM_MAX + 1] = { 0 };
        size_t off = NLA_ALIGN(sizeof(*opt));
        int r;

        memset(ret, 0, sizeof(*ret));
        if (len < sizeof(*opt))
                return error_set(e, EPROTO, "netem options too short (%zu bytes)", len);
        ret->limit = opt->limit;
        ret->loss = netem_percent_back(opt->loss);
        ret->duplicate = netem_percent_back(opt->duplicate);
        ret->gap = opt->gap;
        if (len > off) {
                r = nla_parse(tb, TCA_NETEM_MAX, (struct nlattr *)((const char *)data + off), (int)(len - off), NULL);
                if (r < 0)
                        return error_set(e, EPROTO, "netem options: malformed attributes");
        }
        if (tb[TCA_NETEM_LATENCY64] && nla_len(tb[TCA_NETEM_LATENCY64]) >= 8)
                ret->latency_ns = nla_get_u64(tb[TCA_NETEM_LATENCY64]);
        if (tb[TCA_NETEM_JITTER64] && nla_len(tb[TCA_NETEM_JITTER64]) >= 8)
                ret->jitter_ns = nla_get_u64(tb[TCA_NETEM_JITTER64]);
        if (tb[TCA_NETEM_CORR] && nla_len(tb[TCA_NETEM_CORR]) >= (int)sizeof(struct tc_netem_corr)) {
                const struct tc_netem_corr *c = nla_data(tb[TCA_NETEM_CORR]);

                ret->delay_corr = netem_percent_back(c->delay_corr);
                ret->loss_corr = netem_percent_back(c->loss_corr);
                ret->dup_corr = netem_percent_back(c->dup_corr);
        }
        if (tb[TCA_NETEM_REORDER] && nla_len(tb[TCA_NETEM_REORDER]) >= (int)sizeof(struct tc_netem_reorder)) {
                const struct tc_netem_reorder *o = nla_data(tb[TCA_NETEM_REORDER]);

                ret->reorder = netem_percent_back(o->probability);
                ret->reorder_corr = netem_percent_back(o->correlation);
        }
        if (tb[TCA_NETEM_CORRUPT] && nla_len(tb[TCA_NETEM_CORRUPT]) >= (int)sizeof(struct tc_netem_corrupt)) {
                const struct tc_netem_corrupt *c = nla_data(tb[TCA_NETEM_CORRUPT]);

                ret->corrupt = netem_percent_back(c->probability);
                ret->corrupt_corr = netem_percent_back(c->correlation);
        }
        if (tb[TCA_NETEM_RATE] && nla_len(tb[TCA_NETEM_RATE]) >= (int)sizeof(struct tc_netem_rate)) {
                const struct tc_netem_rate *rt = nla_data(tb[TCA_NETEM_RATE]);

                ret->rate_Bps = rt->rate;
        }
        if (tb[TCA_NETEM_RATE64] && nla_len(tb[TCA_NETEM_RATE64]) >= 8)
                ret->rate_Bps = nla_get_u64(tb[TCA_NETEM_RATE64]);
        return 0;
}
