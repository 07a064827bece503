#include "tcfilter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/attr.h>

#include "cleanup.h"
#include "nlx.h"

int tcf_parse_cidr(const char *s, struct tcf_cidr *ret)
{
        char buf[64];
        char *slash;
        int max;

        memset(ret, 0, sizeof(*ret));
        if (strlen(s) >= sizeof(buf))
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%s", s);
        slash = strchr(buf, '/');
        if (slash)
                *slash = '\0';
        if (inet_pton(AF_INET, buf, ret->addr) == 1) {
                ret->family = AF_INET;
                max = 32;
        } else if (inet_pton(AF_INET6, buf, ret->addr) == 1) {
                ret->family = AF_INET6;
                max = 128;
        } else {
                return -EINVAL;
        }
        ret->prefix = max;
        if (slash) {
                char *end;
                long p = strtol(slash + 1, &end, 10);

                if (!slash[1] || *end || p < 0 || p > max)
                        return -EINVAL;
                ret->prefix = (int)p;
        }
        /* Host bits set ("10.0.0.5/8") are almost always a typo for a
         * narrower prefix; refuse instead of silently widening. */
        for (int bit = ret->prefix; bit < max; bit++)
                if (ret->addr[bit / 8] & (0x80 >> (bit % 8)))
                        return -EINVAL;
        return 0;
}

int tcf_select_active(const struct tcf_select *s)
{
        return s->n_peers > 0 || s->n_ports > 0 || s->protocol != TCF_PROTO_ALL;
}

int tcf_expand(const struct tcf_select *s, int peer_is_src, struct tcf_match **ret, size_t *ret_n, struct error *e)
{
        static const int both[] = { TCF_PROTO_TCP, TCF_PROTO_UDP };
        _cleanup_free_ struct tcf_match *v = NULL;
        int protos[2], n_protos, n_peers = s->n_peers ? s->n_peers : 2, n_ports = s->n_ports ? s->n_ports : 1;
        size_t n = 0;

        if (s->protocol != TCF_PROTO_ALL) {
                protos[0] = s->protocol;
                n_protos = 1;
        } else if (s->n_ports) {
                memcpy(protos, both, sizeof(both));
                n_protos = 2;
        } else {
                protos[0] = 0;
                n_protos = 1;
        }
        v = calloc(TCF_MAX_MATCHES, sizeof(*v));
        if (!v)
                return error_set(e, ENOMEM, "out of memory");
        if (!tcf_select_active(s)) {
                v[n++] = (struct tcf_match){ .family = 0 }; /* everything */
                goto done;
        }
        for (int pe = 0; pe < n_peers; pe++) {
                struct tcf_match base = { .peer_is_src = peer_is_src };

                if (s->n_peers) {
                        base.peer = s->peers[pe];
                        base.family = base.peer.family;
                } else {
                        /* No peer restriction: both families. */
                        base.family = pe == 0 ? AF_INET : AF_INET6;
                }
                for (int pr = 0; pr < n_protos; pr++)
                        for (int po = 0; po < n_ports; po++)
                                for (int end = 0; end < (s->n_ports ? 2 : 1); end++) {
                                        struct tcf_match m = base;

                                        if (n >= TCF_MAX_MATCHES)
                                                return error_set(e, E2BIG,
                                                                 "peers x ports x protocols needs more than %d "
                                                                 "filters",
                                                                 TCF_MAX_MATCHES);
                                        m.proto = protos[pr];
                                        if (s->n_ports) {
                                                m.port = s->ports[po];
                                                m.port_is_src = end;
                                        }
                                        v[n++] = m;
                                }
        }
done:
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

uint16_t tcf_eth_proto(const struct tcf_match *m)
{
        if (m->family == AF_INET)
                return ETH_P_IP;
        if (m->family == AF_INET6)
                return ETH_P_IPV6;
        return ETH_P_ALL;
}

struct u32_sel {
        struct tc_u32_sel sel;
        struct tc_u32_key keys[16];
};

static void add_key(struct u32_sel *s, int off, uint32_t mask_host, uint32_t val_host)
{
        struct tc_u32_key *k = &s->keys[s->sel.nkeys++];

        k->off = off;
        k->mask = htonl(mask_host);
        k->val = htonl(val_host & mask_host);
}

/* Address keys: one 32-bit key per word the prefix touches. */
static void add_addr(struct u32_sel *s, int off, const struct tcf_cidr *c)
{
        int words = c->family == AF_INET ? 1 : 4;

        for (int w = 0; w < words; w++) {
                int bits = c->prefix - 32 * w;
                uint32_t mask, val;

                if (bits <= 0)
                        break;
                mask = bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
                memcpy(&val, c->addr + 4 * w, 4);
                add_key(s, off + 4 * w, mask, ntohl(val));
        }
}

static void build_sel(const struct tcf_match *m, struct u32_sel *s)
{
        memset(s, 0, sizeof(*s));
        s->sel.flags = TC_U32_TERMINAL;
        if (m->family == AF_INET) {
                /* IPv4 header: protocol at byte 9, saddr 12, daddr 16; ports
                 * right after a 20-byte header (as tc's "match ip sport"). */
                if (m->peer.family)
                        add_addr(s, m->peer_is_src ? 12 : 16, &m->peer);
                if (m->proto)
                        add_key(s, 8, 0x00ff0000, (uint32_t)m->proto << 16);
                if (m->port)
                        add_key(s, 20, m->port_is_src ? 0xffff0000 : 0x0000ffff,
                                m->port_is_src ? (uint32_t)m->port << 16 : m->port);
        } else if (m->family == AF_INET6) {
                /* IPv6 header: next header at byte 6, saddr 8, daddr 24;
                 * ports at 40 (no extension headers, as tc's "match ip6"). */
                if (m->peer.family)
                        add_addr(s, m->peer_is_src ? 8 : 24, &m->peer);
                if (m->proto)
                        add_key(s, 4, 0x0000ff00, (uint32_t)m->proto << 8);
                if (m->port)
                        add_key(s, 40, m->port_is_src ? 0xffff0000 : 0x0000ffff,
                                m->port_is_src ? (uint32_t)m->port << 16 : m->port);
        }
        if (s->sel.nkeys == 0)
                add_key(s, 0, 0, 0); /* match everything of this protocol */
}

size_t tcf_u32_sel_bytes(const struct tcf_match *m, void *buf, size_t len)
{
        struct u32_sel s;
        size_t n;

        build_sel(m, &s);
        n = sizeof(s.sel) + s.sel.nkeys * sizeof(s.keys[0]);
        if (n > len)
                return 0;
        memcpy(buf, &s, n);
        return n;
}

static int put_action(struct nl_msg *msg, const struct tcf_action *a)
{
        struct nlattr *acts, *act, *opts;

        acts = nla_nest_start(msg, TCA_U32_ACT);
        if (!acts)
                return -1;
        act = nla_nest_start(msg, 1);
        if (!act)
                return -1;
        if (a->kind == TCF_REDIRECT) {
                struct tc_mirred p = {
                        .action = TC_ACT_STOLEN,
                        .eaction = TCA_EGRESS_REDIR,
                        .ifindex = (uint32_t)a->ifindex,
                };

                if (nla_put_string(msg, TCA_ACT_KIND, "mirred") < 0 ||
                    !(opts = nla_nest_start(msg, TCA_ACT_OPTIONS)) ||
                    nla_put(msg, TCA_MIRRED_PARMS, sizeof(p), &p) < 0)
                        return -1;
        } else {
                struct tc_gact p = { .action = TC_ACT_SHOT };

                if (nla_put_string(msg, TCA_ACT_KIND, "gact") < 0 || !(opts = nla_nest_start(msg, TCA_ACT_OPTIONS)) ||
                    nla_put(msg, TCA_GACT_PARMS, sizeof(p), &p) < 0)
                        return -1;
        }
        nla_nest_end(msg, opts);
        nla_nest_end(msg, act);
        nla_nest_end(msg, acts);
        return 0;
}

int tcf_u32_msg(int ifindex, uint32_t parent, uint16_t prio, const struct tcf_match *m, const struct tcf_action *a,
                struct nl_msg **ret, struct error *e)
{
        struct nl_msg *msg = NULL;
        struct nlattr *opts;
        struct u32_sel s;
        uint32_t info = ((uint32_t)prio << 16) | htons(tcf_eth_proto(m));
        int r;

        r = nlx_tc_msg(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, parent, 0, info, &msg, e);
        if (r < 0)
                return r;
        build_sel(m, &s);
        if (nla_put_string(msg, TCA_KIND, "u32") < 0 || !(opts = nla_nest_start(msg, TCA_OPTIONS)) ||
            nla_put(msg, TCA_U32_SEL, (int)(sizeof(s.sel) + s.sel.nkeys * sizeof(s.keys[0])), &s) < 0)
                goto too_big;
        if (a->kind == TCF_CLASSIFY) {
                if (nla_put_u32(msg, TCA_U32_CLASSID, a->classid) < 0)
                        goto too_big;
        } else if (put_action(msg, a) < 0) {
                goto too_big;
        }
        nla_nest_end(msg, opts);
        *ret = msg;
        return 0;
too_big:
        nlmsg_free(msg);
        return error_set(e, ENOBUFS, "u32 filter: netlink message too large");
}
