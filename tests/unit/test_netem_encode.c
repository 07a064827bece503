/* Unit tests of the network fault's netlink encoding, without a socket and
 * without root: netem TCA_OPTIONS (qopt + nested attributes, percentages
 * scaled to UINT32_MAX as iproute2's tc/q_netem.c does, 64-bit latency,
 * RATE64), distribution tables, u32 selectors for IPv4/IPv6 peers and
 * ports, and the spec validation of `network`/`partition` with JSON paths.
 * Expected bytes are laid out here by hand from the uapi structs, not with
 * the code under test. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>

#include "bandwidth.h"
#include "fault.h"
#include "netem.h"
#include "network.h"
#include "nlx.h"
#include "tbf.h"
#include "tcfilter.h"
#include "testutil.h"

/* A hand-made attribute writer for the expected bytes. */
struct buf {
        unsigned char b[4096];
        size_t n;
};

static size_t put_attr(struct buf *x, uint16_t type, const void *data, size_t len)
{
        struct nlattr h = { .nla_len = (uint16_t)(4 + len), .nla_type = type };
        size_t at = x->n;

        memcpy(x->b + x->n, &h, 4);
        memcpy(x->b + x->n + 4, data, len);
        x->n += (4 + len + 3) & ~3u;
        return at;
}

/* Locate TCA_OPTIONS in a built tc message. */
static const unsigned char *tca_attr(struct nl_msg *m, int type, int *len)
{
        struct nlmsghdr *h = nlmsg_hdr(m);
        struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct tcmsg)));
        int rem = (int)h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(struct tcmsg));

        for (; nla_ok(a, rem); a = nla_next(a, &rem))
                if (nla_type(a) == type) {
                        *len = nla_len(a);
                        return nla_data(a);
                }
        return NULL;
}

static void hexdiff(const unsigned char *got, const unsigned char *want, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (got[i] != want[i]) {
                        printf("byte %zu: got %02x want %02x\n", i, got[i], want[i]);
                        return;
                }
}

START_TEST(test_percent_scaling)
{
        /* tc: rint(p * UINT32_MAX) */
        ck_assert_uint_eq(netem_percent(0), 0);
        ck_assert_uint_eq(netem_percent(100), UINT32_MAX);
        ck_assert_uint_eq(netem_percent(20), 858993459u);
        ck_assert_uint_eq(netem_percent(50), 2147483648u);
        ck_assert_uint_eq(netem_percent(0.5), 21474836u);
        ck_assert_uint_eq(netem_percent(1), 42949673u);
        ck_assert(fabs(netem_percent_back(netem_percent(20)) - 20) < 1e-6);
}
END_TEST

START_TEST(test_netem_bytes)
{
        struct netem_params p = {
                .latency_ns = 100000000, .jitter_ns = 10000000, .delay_corr = 25, .loss = 20, .loss_corr = 10,
                .duplicate = 1, .corrupt = 0.5, .reorder = 5, .gap = 3, .rate_Bps = 12500000, .limit = 5000,
        };
        struct tc_netem_qopt q = { .latency = 0, .limit = 5000, .loss = 858993459u, .gap = 3,
                                   .duplicate = 42949673u, .jitter = 0 };
        struct tc_netem_corr c = { .delay_corr = 1073741824u, .loss_corr = 429496730u, .dup_corr = 0 };
        struct tc_netem_reorder ro = { .probability = 214748365u, .correlation = 0 };
        struct tc_netem_corrupt co = { .probability = 21474836u, .correlation = 0 };
        struct tc_netem_rate rt = { .rate = 12500000 };
        int64_t lat = 100000000, jit = 10000000;
        struct buf want = { .n = 0 };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const unsigned char *opts, *kind;
        int len, klen;

        memcpy(want.b, &q, sizeof(q));
        want.n = sizeof(q); /* 24: already aligned */
        put_attr(&want, TCA_NETEM_LATENCY64, &lat, 8);
        put_attr(&want, TCA_NETEM_JITTER64, &jit, 8);
        put_attr(&want, TCA_NETEM_CORR, &c, sizeof(c));
        put_attr(&want, TCA_NETEM_REORDER, &ro, sizeof(ro));
        put_attr(&want, TCA_NETEM_CORRUPT, &co, sizeof(co));
        put_attr(&want, TCA_NETEM_RATE, &rt, sizeof(rt));

        ck_assert_int_eq(nlx_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, 7, TC_H_ROOT, 0xc4a00000, 0, &m, &e), 0);
        ck_assert_msg(netem_put(m, &p, &e) == 0, "%s", e.msg);
        kind = tca_attr(m, TCA_KIND, &klen);
        ck_assert_ptr_nonnull(kind);
        ck_assert_str_eq((const char *)kind, "netem");
        opts = tca_attr(m, TCA_OPTIONS, &len);
        ck_assert_ptr_nonnull(opts);
        if ((size_t)len != want.n || memcmp(opts, want.b, want.n) != 0)
                hexdiff(opts, want.b, want.n);
        ck_assert_int_eq(len, (int)want.n);
        ck_assert_int_eq(memcmp(opts, want.b, want.n), 0);
        {
                struct tcmsg *t = NLMSG_DATA(nlmsg_hdr(m));

                ck_assert_int_eq(t->tcm_ifindex, 7);
                ck_assert_uint_eq(t->tcm_handle, 0xc4a00000u);
                ck_assert_uint_eq(t->tcm_parent, TC_H_ROOT);
        }
        /* And the parser reads the same values back, as verify does. */
        {
                struct netem_params g;

                ck_assert_int_eq(netem_parse(opts, len, &g, &e), 0);
                ck_assert_uint_eq(g.latency_ns, 100000000);
                ck_assert_uint_eq(g.jitter_ns, 10000000);
                ck_assert(fabs(g.loss - 20) < 1e-6 && fabs(g.delay_corr - 25) < 1e-6);
                ck_assert_uint_eq(g.rate_Bps, 12500000);
                ck_assert_uint_eq(g.gap, 3);
                ck_assert_uint_eq(g.limit, 5000);
        }
        NOTE("netem TCA_OPTIONS: %d bytes identical to the hand-made layout\n", len);
        nlmsg_free(m);
}
END_TEST

START_TEST(test_netem_rate64_and_defaults)
{
        struct netem_params p = { .rate_Bps = 5000000000ULL };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const unsigned char *opts;
        const struct tc_netem_qopt *q;
        struct buf want = { .n = 0 };
        struct tc_netem_rate rt = { .rate = UINT32_MAX };
        uint64_t r64 = 5000000000ULL;
        int len;

        put_attr(&want, TCA_NETEM_RATE64, &r64, 8);
        put_attr(&want, TCA_NETEM_RATE, &rt, sizeof(rt));
        ck_assert_int_eq(nlx_tc_msg(RTM_NEWQDISC, 0, 1, TC_H_ROOT, 0, 0, &m, &e), 0);
        ck_assert_int_eq(netem_put(m, &p, &e), 0);
        opts = tca_attr(m, TCA_OPTIONS, &len);
        q = (const void *)opts;
        ck_assert_uint_eq(q->limit, 1000); /* tc's default */
        ck_assert_uint_eq(q->loss, 0);
        ck_assert_int_eq(len, (int)(24 + want.n));
        ck_assert_int_eq(memcmp(opts + 24, want.b, want.n), 0);
        nlmsg_free(m);
}
END_TEST

START_TEST(test_netem_checks)
{
        struct netem_params p = { .reorder = 10 };
        char why[128];

        ck_assert_int_eq(netem_check(&p, why, sizeof(why)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(why, "delay"));
        p = (struct netem_params){ .gap = 5, .latency_ns = 1 };
        ck_assert_int_eq(netem_check(&p, why, sizeof(why)), -EINVAL);
        p = (struct netem_params){ .latency_ns = 1000000 };
        snprintf(p.distribution, sizeof(p.distribution), "normal");
        ck_assert_int_eq(netem_check(&p, why, sizeof(why)), -EINVAL); /* needs jitter */
        p.jitter_ns = 1000;
        ck_assert_int_eq(netem_check(&p, why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_reorder_sets_gap)
{
        struct netem_params p = { .latency_ns = 10000000, .reorder = 25 };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const struct tc_netem_qopt *q;
        int len;

        ck_assert_int_eq(nlx_tc_msg(RTM_NEWQDISC, 0, 1, TC_H_ROOT, 0, 0, &m, &e), 0);
        ck_assert_int_eq(netem_put(m, &p, &e), 0);
        q = (const void *)tca_attr(m, TCA_OPTIONS, &len);
        ck_assert_uint_eq(q->gap, 1); /* as tc: reorder without gap means gap 1 */
        nlmsg_free(m);
}
END_TEST

START_TEST(test_distribution_table)
{
        char dir[] = "/tmp/chaosd-dist-XXXXXX", path[128];
        int16_t *d = NULL;
        size_t n = 0;
        struct error e = { 0 };
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/normal.dist", dir);
        f = fopen(path, "w");
        fputs("# comment\n1 -2 3\n4\t5 -32768\n", f);
        fclose(f);
        setenv("CHAOSD_TC_LIB", dir, 1);
        ck_assert_int_eq(netem_load_distribution("normal", &d, &n, &e), 0);
        ck_assert_uint_eq(n, 6);
        ck_assert_int_eq(d[1], -2);
        ck_assert_int_eq(d[5], -32768);
        free(d);
        ck_assert_int_eq(netem_load_distribution("uniform", &d, &n, &e), 0);
        ck_assert_uint_eq(n, 0); /* netem's built-in default: no table */
        ck_assert_int_lt(netem_load_distribution("nosuch", &d, &n, &e), 0);
        unlink(path);
        rmdir(dir);
        unsetenv("CHAOSD_TC_LIB");
}
END_TEST

/* The TCA_U32_SEL payload of a built filter message. */
static const struct tc_u32_sel *u32_sel(struct nl_msg *m, int *len, const unsigned char **opts, int *olen)
{
        struct nlattr *a;
        int rem;

        *opts = tca_attr(m, TCA_OPTIONS, olen);
        ck_assert_ptr_nonnull(*opts);
        a = (struct nlattr *)*opts;
        rem = *olen;
        for (; nla_ok(a, rem); a = nla_next(a, &rem))
                if (nla_type(a) == TCA_U32_SEL) {
                        *len = nla_len(a);
                        return nla_data(a);
                }
        ck_abort_msg("no TCA_U32_SEL");
        return NULL;
}

START_TEST(test_u32_ipv4_peer_port)
{
        struct tcf_match mt = { .family = AF_INET, .proto = 6, .port = 5432, .port_is_src = 0 };
        struct tcf_action a = { .kind = TCF_CLASSIFY, .classid = 0xc4a00002 };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const struct tc_u32_sel *s;
        const unsigned char *opts;
        int len, olen;
        struct tcmsg *t;

        ck_assert_int_eq(tcf_parse_cidr("10.1.0.0/16", &mt.peer), 0);
        ck_assert_int_eq(tcf_u32_msg(3, 0xc4a00000, 1, &mt, &a, &m, &e), 0);
        t = NLMSG_DATA(nlmsg_hdr(m));
        ck_assert_uint_eq(t->tcm_info, (1u << 16) | htons(ETH_P_IP));
        s = u32_sel(m, &len, &opts, &olen);
        ck_assert_int_eq(s->nkeys, 3);
        ck_assert_int_eq(len, (int)(sizeof(*s) + 3 * sizeof(struct tc_u32_key)));
        ck_assert(s->flags & TC_U32_TERMINAL);
        /* daddr 10.1.0.0/16 at 16, protocol byte 9, dport at 22 (low half of word 20) */
        ck_assert_int_eq(s->keys[0].off, 16);
        ck_assert_uint_eq(s->keys[0].mask, htonl(0xffff0000));
        ck_assert_uint_eq(s->keys[0].val, htonl(0x0a010000));
        ck_assert_int_eq(s->keys[1].off, 8);
        ck_assert_uint_eq(s->keys[1].mask, htonl(0x00ff0000));
        ck_assert_uint_eq(s->keys[1].val, htonl(6 << 16));
        ck_assert_int_eq(s->keys[2].off, 20);
        ck_assert_uint_eq(s->keys[2].mask, htonl(0x0000ffff));
        ck_assert_uint_eq(s->keys[2].val, htonl(5432));
        nlmsg_free(m);
}
END_TEST

START_TEST(test_u32_ipv6_src_drop)
{
        struct tcf_match mt = { .family = AF_INET6, .peer_is_src = 1 };
        struct tcf_action a = { .kind = TCF_DROP };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const struct tc_u32_sel *s;
        const unsigned char *opts;
        int len, olen;
        struct tcmsg *t;

        ck_assert_int_eq(tcf_parse_cidr("fd00:1:2::/72", &mt.peer), 0);
        ck_assert_int_eq(tcf_u32_msg(3, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 0xc4a1, &mt, &a, &m, &e), 0);
        t = NLMSG_DATA(nlmsg_hdr(m));
        ck_assert_uint_eq(t->tcm_info, (0xc4a1u << 16) | htons(ETH_P_IPV6));
        s = u32_sel(m, &len, &opts, &olen);
        /* /72 covers words 0, 1 and 8 bits of word 2 of saddr (offset 8). */
        ck_assert_int_eq(s->nkeys, 3);
        ck_assert_int_eq(s->keys[0].off, 8);
        ck_assert_uint_eq(s->keys[0].val, htonl(0xfd000001));
        ck_assert_int_eq(s->keys[1].off, 12);
        ck_assert_uint_eq(s->keys[1].val, htonl(0x00020000));
        ck_assert_int_eq(s->keys[2].off, 16);
        ck_assert_uint_eq(s->keys[2].mask, htonl(0xff000000));
        ck_assert_uint_eq(s->keys[2].val, 0);
        /* gact drop action nested in TCA_U32_ACT */
        ck_assert_ptr_nonnull(memmem(opts, olen, "gact", 4));
        {
                struct tc_gact g = { .action = TC_ACT_SHOT };

                ck_assert_ptr_nonnull(memmem(opts, olen, &g, sizeof(g)));
        }
        nlmsg_free(m);
}
END_TEST

START_TEST(test_u32_mirred)
{
        struct tcf_match mt = { 0 }; /* match everything */
        struct tcf_action a = { .kind = TCF_REDIRECT, .ifindex = 42 };
        struct tc_mirred want = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = 42 };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const struct tc_u32_sel *s;
        const unsigned char *opts;
        int len, olen;

        ck_assert_int_eq(tcf_u32_msg(3, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 0xc4a2, &mt, &a, &m, &e), 0);
        ck_assert_uint_eq(((struct tcmsg *)NLMSG_DATA(nlmsg_hdr(m)))->tcm_info & 0xffff, htons(ETH_P_ALL));
        s = u32_sel(m, &len, &opts, &olen);
        ck_assert_int_eq(s->nkeys, 1);
        ck_assert_uint_eq(s->keys[0].mask, 0);
        ck_assert_ptr_nonnull(memmem(opts, olen, "mirred", 6));
        ck_assert_ptr_nonnull(memmem(opts, olen, &want, sizeof(want)));
        nlmsg_free(m);
}
END_TEST

START_TEST(test_cidr)
{
        struct tcf_cidr c;

        ck_assert_int_eq(tcf_parse_cidr("10.0.0.5", &c), 0);
        ck_assert_int_eq(c.prefix, 32);
        ck_assert_int_eq(tcf_parse_cidr("::1", &c), 0);
        ck_assert_int_eq(c.prefix, 128);
        ck_assert_int_eq(tcf_parse_cidr("10.0.0.5/8", &c), -EINVAL); /* host bits */
        ck_assert_int_eq(tcf_parse_cidr("10.0.0.0/33", &c), -EINVAL);
        ck_assert_int_eq(tcf_parse_cidr("fd00::/129", &c), -EINVAL);
        ck_assert_int_eq(tcf_parse_cidr("example.com", &c), -EINVAL);
        ck_assert_int_eq(tcf_parse_cidr("0.0.0.0/0", &c), 0);
}
END_TEST

START_TEST(test_expand)
{
        struct tcf_select s = { 0 };
        struct tcf_match *v = NULL;
        size_t n;
        struct error e = { 0 };

        ck_assert_int_eq(tcf_parse_cidr("10.0.0.0/8", &s.peers[0]), 0);
        ck_assert_int_eq(tcf_parse_cidr("fd00::/8", &s.peers[1]), 0);
        s.n_peers = 2;
        s.ports[0] = 80;
        s.ports[1] = 443;
        s.n_ports = 2;
        /* 2 peers x 2 ports x sport/dport x tcp+udp */
        ck_assert_int_eq(tcf_expand(&s, 0, &v, &n, &e), 0);
        ck_assert_uint_eq(n, 16);
        free(v);
        s.protocol = TCF_PROTO_TCP;
        ck_assert_int_eq(tcf_expand(&s, 0, &v, &n, &e), 0);
        ck_assert_uint_eq(n, 8);
        free(v);
        memset(&s, 0, sizeof(s));
        ck_assert_int_eq(tcf_expand(&s, 0, &v, &n, &e), 0);
        ck_assert_uint_eq(n, 1); /* match-all */
        ck_assert_int_eq(v[0].family, 0);
        free(v);
}
END_TEST

static void expect_path(const char *json, const char *path)
{
        cJSON *j = cJSON_Parse(json);
        struct fault *f = NULL;
        struct error e = { 0 };
        int r = fault_new(j, 2, &f, &e);

        ck_assert_msg(r < 0, "%s: accepted", json);
        ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "%s: error \"%s\" does not start with %s", json, e.msg,
                      path);
        cJSON_Delete(j);
}

START_TEST(test_spec_errors)
{
        expect_path("{\"type\":\"network\"}", "$.faults[2]: needs at least one");
        expect_path("{\"type\":\"network\",\"delay\":\"10 parsecs\"}", "$.faults[2].delay");
        expect_path("{\"type\":\"network\",\"loss\":\"120%\"}", "$.faults[2].loss");
        expect_path("{\"type\":\"network\",\"reorder\":\"5%\"}", "$.faults[2]: reorder needs a delay");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"distribution\":\"cauchy\"}", "$.faults[2].distribution");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"peers\":[\"10.0.0.1/8\"]}", "$.faults[2].peers[0]");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"ports\":[0]}", "$.faults[2].ports[0]");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"direction\":\"up\"}", "$.faults[2].direction");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"rate\":\"fast\"}", "$.faults[2].rate");
        expect_path("{\"type\":\"network\",\"delay\":\"1ms\",\"bogus\":1}", "$.faults[2].bogus");
        expect_path("{\"type\":\"partition\"}", "$.faults[2].peers");
        expect_path("{\"type\":\"partition\",\"peers\":[\"10.0.0.1\"],\"delay\":\"1ms\"}", "$.faults[2].delay");
}
END_TEST

START_TEST(test_spec_ok)
{
        const char *ok = "{\"type\":\"network\",\"delay\":\"100ms\",\"jitter\":\"10ms\",\"correlation\":\"25%\","
                         "\"distribution\":\"pareto\",\"loss\":5,\"duplicate\":\"1%\",\"corrupt\":\"0.1%\","
                         "\"reorder\":\"10%\",\"gap\":5,\"rate\":\"10mbit\",\"interface\":[\"eth0\",\"eth1\"],"
                         "\"peers\":[\"10.1.0.0/16\",\"fd00::/8\"],\"ports\":[5432],\"protocol\":\"tcp\","
                         "\"direction\":\"both\"}";
        cJSON *j = cJSON_Parse(ok);
        struct fault *f = NULL;
        struct error e = { 0 };
        struct netem_fault *nw;

        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "%s", e.msg);
        nw = f->priv;
        ck_assert_uint_eq(nw->nem.latency_ns, 100000000);
        ck_assert_uint_eq(nw->nem.rate_Bps, 1250000);
        ck_assert(nw->nf.egress && nw->nf.ingress);
        ck_assert_int_eq(nw->nf.n_ifnames, 2);
        ck_assert_int_eq(nw->nf.sel.n_peers, 2);
        ck_assert_int_eq(nw->nf.sel.protocol, TCF_PROTO_TCP);
        fault_free(f);
        cJSON_Delete(j);
}
END_TEST

START_TEST(test_tbf_bytes)
{
        struct tbf_params p = { .rate_Bps = 1000000 };
        struct tc_tbf_qopt q = { 0 };
        struct buf want = { .n = 0 };
        struct nl_msg *m = NULL;
        struct error e = { 0 };
        const unsigned char *opts;
        uint32_t burst = 4096;
        int len;

        /* defaults: burst max(rate/250, 4 KiB), limit 50 ms at the rate + burst */
        q.rate.linklayer = TC_LINKLAYER_ETHERNET;
        q.rate.rate = 1000000;
        q.limit = 50000 + 4096;
        q.buffer = (uint32_t)((4096ULL * 1000000000ULL / 1000000) >> 6); /* 64 ns ticks */
        put_attr(&want, TCA_TBF_PARMS, &q, sizeof(q));
        put_attr(&want, TCA_TBF_BURST, &burst, 4);
        ck_assert_int_eq(nlx_tc_msg(RTM_NEWQDISC, 0, 1, TC_H_ROOT, 0, 0, &m, &e), 0);
        ck_assert_int_eq(tbf_put(m, &p, &e), 0);
        opts = tca_attr(m, TCA_OPTIONS, &len);
        ck_assert_int_eq(len, (int)want.n);
        if (memcmp(opts, want.b, want.n))
                hexdiff(opts, want.b, want.n);
        ck_assert_int_eq(memcmp(opts, want.b, want.n), 0);
        {
                struct tbf_params g;

                ck_assert_int_eq(tbf_parse(opts, len, &g, &e), 0);
                ck_assert_uint_eq(g.rate_Bps, 1000000);
                ck_assert_uint_eq(g.limit, 54096);
        }
        nlmsg_free(m);
        /* 40 Gbit/s: rate field saturated, TCA_TBF_RATE64 carries it */
        p = (struct tbf_params){ .rate_Bps = 5000000000ULL };
        ck_assert_int_eq(nlx_tc_msg(RTM_NEWQDISC, 0, 1, TC_H_ROOT, 0, 0, &m, &e), 0);
        ck_assert_int_eq(tbf_put(m, &p, &e), 0);
        opts = tca_attr(m, TCA_OPTIONS, &len);
        {
                struct tbf_params g;

                ck_assert_int_eq(tbf_parse(opts, len, &g, &e), 0);
                ck_assert_uint_eq(g.rate_Bps, 5000000000ULL);
                ck_assert_uint_eq(((const struct tc_tbf_qopt *)((const char *)opts + 4))->rate.rate, UINT32_MAX);
        }
        nlmsg_free(m);
}
END_TEST

START_TEST(test_bandwidth_spec)
{
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"10mbit\",\"burst\":\"32KiB\",\"limit\":100000,"
                               "\"peers\":[\"10.0.0.0/8\"]}");
        struct fault *f = NULL;
        struct error e = { 0 };
        struct bandwidth_fault *bw;

        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(f->ops->type, "bandwidth");
        bw = f->priv;
        ck_assert_uint_eq(bw->tbf.rate_Bps, 1250000);
        ck_assert_uint_eq(bw->tbf.burst, 32768);
        ck_assert_uint_eq(bw->tbf.limit, 100000);
        fault_free(f);
        cJSON_Delete(j);
        expect_path("{\"type\":\"bandwidth\"}", "$.faults[2].rate");
        expect_path("{\"type\":\"bandwidth\",\"rate\":\"1mbit\",\"burst\":100}", "$.faults[2].burst");
        expect_path("{\"type\":\"bandwidth\",\"rate\":\"1mbit\",\"delay\":\"1ms\"}", "$.faults[2].delay");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("netem_encode");
        TCase *tc = tcase_create("encode");

        tcase_add_test(tc, test_percent_scaling);
        tcase_add_test(tc, test_netem_bytes);
        tcase_add_test(tc, test_netem_rate64_and_defaults);
        tcase_add_test(tc, test_netem_checks);
        tcase_add_test(tc, test_reorder_sets_gap);
        tcase_add_test(tc, test_distribution_table);
        tcase_add_test(tc, test_u32_ipv4_peer_port);
        tcase_add_test(tc, test_u32_ipv6_src_drop);
        tcase_add_test(tc, test_u32_mirred);
        tcase_add_test(tc, test_cidr);
        tcase_add_test(tc, test_expand);
        tcase_add_test(tc, test_spec_errors);
        tcase_add_test(tc, test_spec_ok);
        tcase_add_test(tc, test_tbf_bytes);
        tcase_add_test(tc, test_bandwidth_spec);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
