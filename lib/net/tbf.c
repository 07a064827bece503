#include "tbf.h"

#include <errno.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

/* The kernel's psched tick is 64 ns (PSCHED_SHIFT). */
#define PSCHED_SHIFT 6

void tbf_defaults(struct tbf_params *p)
{
        if (!p->burst) {
                /* At least one timer tick's worth (HZ 250) and a few MTUs. */
                uint64_t b = p->rate_Bps / 250;

                p->burst = b < 4096 ? 4096 : b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
        }
        if (!p->limit) {
                uint64_t l = p->rate_Bps / 20 + p->burst;

                p->limit = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
        }
}

int tbf_put(struct nl_msg *msg, const struct tbf_params *p, struct error *e)
{
        struct tc_tbf_qopt q = { 0 };
        struct tbf_params d = *p;
        struct nlattr *opts;
        uint64_t buffer_ns;

        if (!p->rate_Bps)
                return error_set(e, EINVAL, "tbf: rate is required");
        tbf_defaults(&d);
        q.rate.linklayer = TC_LINKLAYER_ETHERNET;
        q.rate.rate = d.rate_Bps >= (1ULL << 32) ? UINT32_MAX : (uint32_t)d.rate_Bps;
        q.limit = d.limit;
        /* TCA_TBF_BURST wins in the kernel; the buffer (the same bucket as
         * time) is filled in for older kernels that only read it. */
        buffer_ns = (uint64_t)d.burst * 1000000000ULL / d.rate_Bps;
        q.buffer = (uint32_t)((buffer_ns >> PSCHED_SHIFT) > UINT32_MAX ? UINT32_MAX : buffer_ns >> PSCHED_SHIFT);
        if (nla_put_string(msg, TCA_KIND, "tbf") < 0 || !(opts = nla_nest_start(msg, TCA_OPTIONS)) ||
            nla_put(msg, TCA_TBF_PARMS, sizeof(q), &q) < 0 || nla_put_u32(msg, TCA_TBF_BURST, d.burst) < 0)
                return error_set(e, ENOBUFS, "tbf: netlink message too large");
        if (d.rate_Bps >= (1ULL << 32) && nla_put_u64(msg, TCA_TBF_RATE64, d.rate_Bps) < 0)
                return error_set(e, ENOBUFS, "tbf: netlink message too large");
        nla_nest_end(msg, opts);
        return 0;
}

int tbf_parse(const void *opts, size_t len, struct tbf_params *ret, struct error *e)
{
        struct nlattr *tb[TCA_TBF_MAX + 1] = { 0 };
        const struct tc_tbf_qopt *q;

        memset(ret, 0, sizeof(*ret));
        if (nla_parse(tb, TCA_TBF_MAX, (struct nlattr *)opts, (int)len, NULL) < 0 || !tb[TCA_TBF_PARMS] ||
            nla_len(tb[TCA_TBF_PARMS]) < (int)sizeof(*q))
                return error_set(e, EPROTO, "tbf options: malformed");
        q = nla_data(tb[TCA_TBF_PARMS]);
        ret->rate_Bps = q->rate.rate;
        ret->limit = q->limit;
        if (tb[TCA_TBF_RATE64] && nla_len(tb[TCA_TBF_RATE64]) >= 8)
                ret->rate_Bps = nla_get_u64(tb[TCA_TBF_RATE64]);
        return 0;
}
