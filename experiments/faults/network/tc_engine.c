#include "tc_engine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link.h>

#include "cleanup.h"
#include "netns.h"
#include "nlx.h"
#include "qtree.h"
#include "target.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)

#define ROOT_HANDLE NLX_HANDLE(NF_ROOT_MAJ, 0)
#define LEAF_HANDLE NLX_HANDLE(NF_LEAF_MAJ, 0)
#define BAND_FAULT NLX_HANDLE(NF_ROOT_MAJ, 2)
/* The user's prior tree is re-created here while the fault is on: band 1
 * of chaosd's prio (the unmatched traffic) or netem's own child class. */
#define KEEP_CLASS NLX_HANDLE(NF_ROOT_MAJ, 1)

/* ---- kernel requests ---- */

static int talk_retry(struct nl_sock *sk, struct nl_msg *m, struct error *e)
{
        int r = 0;

        /* The kernel answers EAGAIN after autoloading a module (sch_netem,
         * act_mirred); the request is then to be sent again as it was. */
        for (int i = 0; i < 4; i++) {
                error_clear(e);
                r = nlx_talk(sk, m, e);
                if (r != -EAGAIN)
                        break;
        }
        return r;
}

static void upper(char *dst, const char *src, size_t len)
{
        size_t i;

        for (i = 0; i + 1 < len && src[i]; i++)
                dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
        dst[i] = '\0';
}

static int qdisc_error(struct error *e, int r, const char *kind, const char *ifname)
{
        char up[32], why[sizeof(e->msg)];

        upper(up, kind, sizeof(up));
        snprintf(why, sizeof(why), "%s", e->msg);
        if (r == -ENOENT)
                return error_set(e, ENOTSUP,
                                 "%s: the kernel has no %s qdisc (needs CONFIG_NET_SCH_%s, module sch_%s): %s",
                                 ifname, kind, up, kind, why);
        return error_wrap(e, "%s: add %s qdisc", ifname, kind);
}

static int add_leaf(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *ifname, uint32_t parent,
                    uint32_t handle, int flags, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        r = nlx_tc_msg(RTM_NEWQDISC, flags, ifindex, parent, handle, 0, &m, e);
        if (r < 0)
                return r;
        r = nf->leaf->put(m, nf, e);
        if (r < 0)
                return r;
        r = talk_retry(sk, m, e);
        return r < 0 ? qdisc_error(e, r, nf->leaf->kind, ifname) : 0;
}

static int add_prio(struct nl_sock *sk, int ifindex, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        /* Two bands: everything unmatched goes to band 1 (priomap all 0),
         * the filters classify the faulted traffic into band 2. */
        struct tc_prio_qopt q = { .bands = 2 };
        int r;

        r = nlx_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, TC_H_ROOT, ROOT_HANDLE, 0, &m, e);
        if (r < 0)
                return r;
        if (nla_put_string(m, TCA_KIND, "prio") < 0 || nla_put(m, TCA_OPTIONS, sizeof(q), &q) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        return talk_retry(sk, m, e);
}

/* 100 Gbit/s: an htb class that never holds anything back. */
#define HTB_UNLIMITED_BPS 12500000000ULL

static int add_htb_class(struct nl_sock *sk, int ifindex, uint32_t classid, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct tc_htb_opt o = { 0 };
        uint64_t r64 = HTB_UNLIMITED_BPS;
        struct nlattr *opts;
        int r;

        o.rate.linklayer = o.ceil.linklayer = TC_LINKLAYER_ETHERNET;
        o.rate.rate = o.ceil.rate = UINT32_MAX; /* the real rate is in RATE64/CEIL64 */
        /* 4 ms of bucket at that rate (in 64 ns ticks), a 64 KiB quantum. */
        o.buffer = o.cbuffer = 62500;
        o.quantum = 65536;
        r = nlx_tc_msg(RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL, ifindex, ROOT_HANDLE, classid, 0, &m, e);
        if (r < 0)
                return r;
        if (nla_put_string(m, TCA_KIND, "htb") < 0 || !(opts = nla_nest_start(m, TCA_OPTIONS)) ||
            nla_put(m, TCA_HTB_PARMS, sizeof(o), &o) < 0 || nla_put_u64(m, TCA_HTB_RATE64, r64) < 0 ||
            nla_put_u64(m, TCA_HTB_CEIL64, r64) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        nla_nest_end(m, opts);
        return talk_retry(sk, m, e);
}

/* Kernels without sch_prio (this project's CI host is one): the same two
 * "bands" as htb classes that never limit, default class 1. */
static int add_htb_bands(struct nl_sock *sk, int ifindex, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct tc_htb_glob g = { .version = TC_HTB_PROTOVER, .rate2quantum = 10, .defcls = 1 };
        struct nlattr *opts;
        int r;

        r = nlx_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, TC_H_ROOT, ROOT_HANDLE, 0, &m, e);
        if (r < 0)
                return r;
        if (nla_put_string(m, TCA_KIND, "htb") < 0 || !(opts = nla_nest_start(m, TCA_OPTIONS)) ||
            nla_put(m, TCA_HTB_INIT, sizeof(g), &g) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        nla_nest_end(m, opts);
        r = talk_retry(sk, m, e);
        if (r >= 0)
                r = add_htb_class(sk, ifindex, KEEP_CLASS, e);
        if (r >= 0)
                r = add_htb_class(sk, ifindex, BAND_FAULT, e);
        return r;
}

/* chaosd's selecting root: prio, else htb. */
static int add_bands(struct nl_sock *sk, int ifindex, const char *ifname, struct error *e)
{
        char why[sizeof(e->msg)];
        int r = add_prio(sk, ifindex, e);

        if (r != -ENOENT)
                return r < 0 ? qdisc_error(e, r, "prio", ifname) : 0;
        snprintf(why, sizeof(why), "%s", e->msg);
        error_clear(e);
        r = add_htb_bands(sk, ifindex, e);
        if (r == -ENOENT)
                return error_set(e, ENOTSUP,
                                 "%s: selecting traffic needs a prio or htb qdisc; the kernel has neither "
                                 "(CONFIG_NET_SCH_PRIO / CONFIG_NET_SCH_HTB): %s",
                                 ifname, why);
        return r < 0 ? error_wrap(e, "%s: add htb bands", ifname) : 0;
}

static int add_clsact(struct nl_sock *sk, int ifindex, const char *ifname, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        r = nlx_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0,
                       &m, e);
        if (r < 0)
                return r;
        if (nla_put_string(m, TCA_KIND, "clsact") < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        r = talk_retry(sk, m, e);
        return r < 0 ? qdisc_error(e, r, "clsact", ifname) : 0;
}

static uint16_t hook_prio(const struct tcf_match *m, uint32_t parent)
{
        uint16_t p = m->family == AF_INET ? NF_PRIO_V4 : m->family == AF_INET6 ? NF_PRIO_V6 : NF_PRIO_ALL;

        return parent == NF_HOOK_EGRESS ? p + NF_PRIO_EGRESS_OFF : p;
}

static uint16_t prio_off(uint32_t parent)
{
        return parent == NF_HOOK_EGRESS ? NF_PRIO_EGRESS_OFF : 0;
}

int nf_add_filters(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *ifname, uint32_t parent,
                   int in_hook, int peer_is_src, const struct tcf_action *a, struct error *e)
{
        _cleanup_free_ struct tcf_match *v = NULL;
        size_t n;
        int r;

        r = tcf_expand(&nf->sel, peer_is_src, &v, &n, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
                /* In chaosd's own prio any priority will do; in a shared
                 * hook the reserved ones mark the filters as chaosd's. */
                uint16_t own = (uint16_t)(v[i].family == AF_INET ? 1 : v[i].family == AF_INET6 ? 2 : 3);
                uint16_t prio = in_hook ? hook_prio(&v[i], parent) : own;

                r = tcf_u32_msg(ifindex, parent, prio, &v[i], a, &m, e);
                if (r < 0)
                        return r;
                r = talk_retry(sk, m, e);
                if (r == -ENOENT || r == -EOPNOTSUPP) {
                        char why[sizeof(e->msg)];

                        snprintf(why, sizeof(why), "%s", e->msg);
                        return error_set(e, ENOTSUP,
                                         "%s: the kernel lacks the u32 classifier or the %s action (needs "
                                         "CONFIG_NET_CLS_U32, CONFIG_NET_ACT_%s): %s",
                                         ifname, a->kind == TCF_DROP ? "gact" : "mirred",
                                         a->kind == TCF_DROP ? "GACT" : "MIRRED", why);
                }
                if (r < 0)
                        return error_wrap(e, "%s: add u32 filter", ifname);
        }
        return 0;
}

static int del_hook_filters(struct nl_sock *sk, int ifindex, uint32_t parent, struct error *e)
{
        static const struct {
                uint16_t prio, proto;
        } own[] = { { NF_PRIO_V4, ETH_P_IP }, { NF_PRIO_V6, ETH_P_IPV6 }, { NF_PRIO_ALL, ETH_P_ALL } };

        for (size_t i = 0; i < ARRAY_SIZE(own); i++) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
                int r;

                r = nlx_tc_msg(RTM_DELTFILTER, 0, ifindex, parent, 0,
                               ((uint32_t)(own[i].prio + prio_off(parent)) << 16) | htons(own[i].proto), &m, e);
                if (r < 0)
                        return r;
                r = nlx_talk(sk, m, e);
                /* ENOENT/EINVAL: not there (never added, or already gone). */
                if (r < 0 && r != -ENOENT && r != -EINVAL && r != -ENODEV)
                        return error_wrap(e, "delete chaosd's filters (prio %#x)", own[i].prio);
        }
        error_clear(e);
        return 0;
}

static int link_msg(int type, int flags, const char *name, int ifi_flags, struct nl_msg **ret, struct error *e)
{
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
                                 .ifi_flags = (unsigned)ifi_flags,
                                 .ifi_change = (unsigned)ifi_flags };
        struct nl_msg *m = nlmsg_alloc();
        struct nlattr *li;

        if (!m)
                return error_set(e, ENOMEM, "out of memory");
        if (!nlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) ||
            nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 || nla_put_string(m, IFLA_IFNAME, name) < 0)
                goto too_big;
        if (type == RTM_NEWLINK) {
                if (!(li = nla_nest_start(m, IFLA_LINKINFO)) || nla_put_string(m, IFLA_INFO_KIND, "ifb") < 0)
                        goto too_big;
                nla_nest_end(m, li);
        }
        *ret = m;
        return 0;
too_big:
        nlmsg_free(m);
        return error_set(e, ENOBUFS, "netlink message too large");
}

/* ---- interfaces ---- */

/* Append to a growing array: no fixed cap on how many interfaces a
 * namespace has (a host or a router pod may have hundreds). */
static int push_iface(struct nf_iface **v, int *n, int *cap, const char *name, int ifindex, struct error *e)
{
        if (*n == *cap) {
                int nc = *cap ? *cap * 2 : 16;
                struct nf_iface *nv = realloc(*v, (size_t)nc * sizeof(**v));

                if (!nv)
                        return error_set(e, ENOMEM, "out of memory");
                *v = nv;
                *cap = nc;
        }
        snprintf((*v)[*n].name, IF_NAMESIZE, "%s", name);
        (*v)[(*n)++].ifindex = ifindex;
        return 0;
}

static int list_ifaces(struct nl_sock *sk, const struct netfault *nf, struct nf_iface **ret, int *n_out,
                       struct error *e)
{
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        _cleanup_free_ struct nf_iface *out = NULL;
        int r, n = 0, cap = 0;

        r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
        if (r < 0)
                return error_set(e, EIO, "list interfaces: %s", nl_geterror(r));
        if (nf->n_ifnames) {
                for (int i = 0; i < nf->n_ifnames; i++) {
                        struct rtnl_link *l = rtnl_link_get_by_name(cache, nf->ifnames[i]);

                        if (!l)
                                return error_set(e, ENODEV, "the target has no interface \"%s\"", nf->ifnames[i]);
                        r = push_iface(&out, &n, &cap, nf->ifnames[i], rtnl_link_get_ifindex(l), e);
                        rtnl_link_put(l);
                        if (r < 0)
                                return r;
                }
        } else {
                for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                        struct rtnl_link *l = (struct rtnl_link *)o;
                        const char *name = rtnl_link_get_name(l);

                        /* Down interfaces are left out: the fallback
                         * tunnels (sit0, tunl0, ip6tnl0...) that modules
                         * add to every namespace carry nothing. */
                        if ((rtnl_link_get_flags(l) & IFF_LOOPBACK) || !(rtnl_link_get_flags(l) & IFF_UP) || !name ||
                            strncmp(name, NF_IFB_PREFIX, strlen(NF_IFB_PREFIX)) == 0)
                                continue;
                        r = push_iface(&out, &n, &cap, name, rtnl_link_get_ifindex(l), e);
                        if (r < 0)
                                return r;
                }
                if (n == 0)
                        return error_set(e, ENODEV,
                                         "the target's network namespace has no interface that is up but "
                                         "loopback");
        }
        *ret = TAKE_PTR(out);
        *n_out = n;
        return 0;
}

static int ifindex_of(struct nl_sock *sk, const char *name, int *ret, struct error *e)
{
        struct rtnl_link *l = NULL;
        int r = rtnl_link_get_kernel(sk, 0, name, &l);

        if (r < 0)
                return error_set(e, ENODEV, "interface %s: %s", name, nl_geterror(r));
        *ret = rtnl_link_get_ifindex(l);
        rtnl_link_put(l);
        return 0;
}

static void ifb_name(char *out, int ifindex)
{
        snprintf(out, IF_NAMESIZE, NF_IFB_PREFIX "%d", ifindex);
}

/* Refuse before touching anything when an interface already carries
 * chaosd objects (another experiment) or cannot take this one. */
static int precheck(struct nl_sock *sk, const struct netfault *nf, const struct nf_iface *ifc, struct error *e)
{
        struct qinfo root, hook;
        char ifb[IF_NAMESIZE];
        int r, n, idx;

        r = qtree_at(sk, ifc->ifindex, TC_H_ROOT, &root, e);
        if (r < 0)
                return r;
        if (r > 0 && TC_H_MAJ(root.handle) == ROOT_HANDLE)
                return error_set(e, EBUSY,
                                 "%s already carries a chaosd network fault (root qdisc c4a0:); stop that experiment "
                                 "first",
                                 ifc->name);
        ifb_name(ifb, ifc->ifindex);
        if (ifindex_of(sk, ifb, &idx, e) == 0)
                return error_set(e, EBUSY, "%s already carries a chaosd ingress fault (device %s)", ifc->name, ifb);
        error_clear(e);
        r = qtree_at(sk, ifc->ifindex, TC_H_INGRESS, &hook, e);
        if (r < 0)
                return r;
        if (r > 0) {
                for (uint16_t p = NF_PRIO_V4; p <= NF_PRIO_ALL; p++) {
                        int k;

                        n = 0;
                        for (k = 0; k < 2; k++) {
                                int c = 0;

                                uint32_t hp = k ? NF_HOOK_EGRESS : NF_HOOK_INGRESS;

                                r = qtree_count_filters(sk, ifc->ifindex, hp, p + prio_off(hp), &c, e);
                                if (r < 0)
                                        return r;
                                n += c;
                        }
                        if (n)
                                return error_set(
                                        e, EBUSY,
                                        "%s already carries chaosd filters (priority %#x in its %s hook); stop "
                                        "that experiment first",
                                        ifc->name, p, hook.kind);
                }
                if (nf->leaf->egress_hook && nf->egress && strcmp(hook.kind, "clsact") != 0)
                        return error_set(e, EBUSY,
                                         "%s has an \"%s\" qdisc, which has no egress hook; partition needs clsact",
                                         ifc->name, hook.kind);
        }
        return 0;
}

/* ---- apply ---- */

int nf_checkpoint(struct fault *f, struct error *e)
{
        int r = fault_checkpoint(f, e);

        return r < 0 ? error_wrap(e, "journal") : 0;
}

int nf_ensure_hook(struct nl_sock *sk, struct fault *f, cJSON *js, const struct nf_iface *ifc, struct error *e)
{
        struct qinfo hook;
        int r;

        if (cJSON_GetObjectItem(js, "hook_created"))
                return 0;
        r = qtree_at(sk, ifc->ifindex, TC_H_INGRESS, &hook, e);
        if (r < 0)
                return r;
        if (r > 0)
                return 0; /* the user's clsact/ingress: share it, add only our prios */
        cJSON_AddTrueToObject(js, "hook_created");
        r = nf_checkpoint(f, e);
        if (r < 0)
                return r;
        return add_clsact(sk, ifc->ifindex, ifc->name, e);
}

/* Remove the copy of the user's tree below chaosd's root (before the
 * original is put back at the root, which must not find its handle in
 * use). A prio band or tbf child gets a plain FIFO; netem's child is
 * deleted (netem then queues internally). */
static int drop_kept(struct nl_sock *sk, int ifindex, const char *ifname, const cJSON *js, const char *rootkind,
                     struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        const cJSON *prior = cJSON_GetObjectItem(js, "prior");
        struct qinfo q;
        char kind[32];
        uint32_t h;
        int r;

        if (!cJSON_GetObjectItem(js, "kept_under"))
                return 0;
        h = qtree_saved_root(prior, kind, sizeof(kind));
        if (!h)
                return 0;
        r = qtree_get(sk, ifindex, h, &q, NULL, NULL, e);
        if (r <= 0 || q.parent != KEEP_CLASS)
                return r < 0 ? r : 0;
        if (strcmp(rootkind, "netem") != 0) {
                /* prio and tbf would put a dropping noop qdisc in place of
                 * a deleted child. A different kind than the copy's, so
                 * that the kernel grafts a new qdisc instead of changing
                 * the copy. */
                r = nlx_tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, KEEP_CLASS, 0, 0, &m, e);
                if (r < 0)
                        return r;
                if (nla_put_string(m, TCA_KIND, strcmp(kind, "pfifo") == 0 ? "bfifo" : "pfifo") < 0)
                        return error_set(e, ENOBUFS, "netlink message too large");
        } else {
                r = nlx_tc_msg(RTM_DELQDISC, 0, ifindex, KEEP_CLASS, h, 0, &m, e);
                if (r < 0)
                        return r;
        }
        r = nlx_talk(sk, m, e);
        if (r < 0 && r != -ENOENT)
                return error_wrap(e, "%s: remove the copy of the prior qdisc under c4a0:1", ifname);
        error_clear(e);
        return 0;
}

/* Put a copy of the user's prior tree under chaosd's root, so that the
 * traffic the fault does not select (or, under netem, all of it after the
 * delay) is still shaped as before. Not being able to is not fatal: the
 * read-back says the prior qdisc is bypassed for the duration. */
static int keep_prior(struct nl_sock *sk, struct fault *f, const struct nf_iface *ifc, cJSON *js, struct error *e)
{
        const cJSON *prior = cJSON_GetObjectItem(js, "prior");
        struct qinfo root;
        struct error e2 = { 0 };
        int r;

        if (!qtree_saved_root(prior, NULL, 0))
                return 0;
        cJSON_AddNumberToObject(js, "kept_under", KEEP_CLASS);
        r = nf_checkpoint(f, e);
        if (r < 0)
                return r;
        if (qtree_restore_under(sk, ifc->ifindex, prior, KEEP_CLASS, &e2) == 0)
                return 0;
        cJSON_AddStringToObject(js, "kept_error", e2.msg);
        r = qtree_at(sk, ifc->ifindex, TC_H_ROOT, &root, e);
        if (r > 0)
                r = drop_kept(sk, ifc->ifindex, ifc->name, js, root.kind, e);
        if (r < 0)
                return r;
        return nf_checkpoint(f, e);
}

static int apply_iface(struct nl_sock *sk, struct fault *f, const struct netfault *nf, const struct nf_iface *ifc,
                       cJSON *js, struct error *e)
{
        int active = tcf_select_active(&nf->sel), r;

        if (nf->leaf->apply_iface)
                return nf->leaf->apply_iface(sk, f, nf, ifc, js, e);
        if (nf->egress) {
                cJSON *prior = NULL;

                r = qtree_save(sk, ifc->ifindex, &prior, e);
                if (r < 0)
                        return error_wrap(e, "%s: save the root qdisc", ifc->name);
                cJSON_AddItemToObject(js, "prior", prior);
                cJSON_AddTrueToObject(js, "egress");
                r = nf_checkpoint(f, e);
                if (r < 0)
                        return r;
                if (!active) {
                        r = add_leaf(sk, nf, ifc->ifindex, ifc->name, TC_H_ROOT, ROOT_HANDLE,
                                     NLM_F_CREATE | NLM_F_REPLACE, e);
                } else {
                        struct tcf_action cls = { .kind = TCF_CLASSIFY, .classid = BAND_FAULT };

                        r = add_bands(sk, ifc->ifindex, ifc->name, e);
                        if (r >= 0)
                                r = add_leaf(sk, nf, ifc->ifindex, ifc->name, BAND_FAULT, LEAF_HANDLE,
                                             NLM_F_CREATE | NLM_F_EXCL, e);
                        if (r >= 0)
                                r = nf_add_filters(sk, nf, ifc->ifindex, ifc->name, ROOT_HANDLE, 0, 0, &cls, e);
                }
                if (r < 0)
                        return r;
                r = keep_prior(sk, f, ifc, js, e);
                if (r < 0)
                        return r;
        }
        if (nf->ingress) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
                struct tcf_action redir = { .kind = TCF_REDIRECT };
                char ifb[IF_NAMESIZE];
                cJSON *hooks;

                ifb_name(ifb, ifc->ifindex);
                cJSON_AddStringToObject(js, "ifb", ifb);
                r = nf_checkpoint(f, e);
                if (r < 0)
                        return r;
                r = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifb, IFF_UP, &m, e);
                if (r < 0)
                        return r;
                r = talk_retry(sk, m, e);
                if (r == -EOPNOTSUPP)
                        return error_set(e, ENOTSUP,
                                         "%s: the kernel has no ifb device (needs CONFIG_IFB, module ifb) for "
                                         "direction ingress",
                                         ifc->name);
                if (r < 0)
                        return error_wrap(e, "%s: create %s", ifc->name, ifb);
                r = ifindex_of(sk, ifb, &redir.ifindex, e);
                if (r < 0)
                        return r;
                r = add_leaf(sk, nf, redir.ifindex, ifb, TC_H_ROOT, ROOT_HANDLE, NLM_F_CREATE | NLM_F_REPLACE, e);
                if (r < 0)
                        return r;
                r = nf_ensure_hook(sk, f, js, ifc, e);
                if (r < 0)
                        return r;
                hooks = cJSON_AddArrayToObject(js, "hook_filters");
                cJSON_AddItemToArray(hooks, cJSON_CreateNumber(NF_HOOK_INGRESS));
                r = nf_checkpoint(f, e);
                if (r < 0)
                        return r;
                r = nf_add_filters(sk, nf, ifc->ifindex, ifc->name, NF_HOOK_INGRESS, 1, 1, &redir, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A socket in the target's network namespace, through the namespace fd the
 * fault holds. The first call takes that fd from the target process; when
 * the process is gone (a restarted chaosd, a pod whose app container exited
 * while its pause container keeps the namespace), the namespace is found by
 * the inode NETNS_INO journalled at apply. -ESRCH: the namespace is gone. */
static int open_target(struct netfault *nf, const struct target *t, uint64_t netns_ino, struct nl_sock **ret,
                       struct error *e)
{
        int r = 0;

        if (!nf->has_nsfd) {
                if (t->pid <= 0 && !netns_ino)
                        return error_set(e, EINVAL, "network faults need a target process (its network namespace)");
                if (t->pid > 0)
                        r = netns_open_pid(t->pid, t->pidfd, netns_ino, &nf->nsfd, e);
                if ((t->pid <= 0 || r == -ESRCH) && netns_ino) {
                        error_clear(e);
                        r = netns_find_by_inode(netns_ino, &nf->nsfd, e);
                }
                if (r < 0)
                        return r;
                nf->has_nsfd = 1;
        }
        return netns_route_socket_fd(nf->nsfd, ret, e);
}

void nf_release(struct netfault *nf)
{
        if (nf && nf->has_nsfd) {
                close(nf->nsfd);
                nf->has_nsfd = 0;
        }
}

void nf_free(void *priv)
{
        nf_release(priv);
        free(priv);
}

int netfault_apply(struct fault *f, struct target *t, struct error *e)
{
        struct netfault *nf = f->priv;
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_free_ struct nf_iface *ifs = NULL;
        cJSON *saved, *arr;
        uint64_t ino;
        int n = 0, r;

        if (nf->leaf->prepare) {
                r = nf->leaf->prepare(nf, e);
                if (r < 0)
                        return r;
        }
        /* A target in chaosd's own namespace is a host process: "every
         * interface" there would be the host's uplink, docker0 and every
         * container's veth. Only an explicit interface list is accepted. */
        r = open_target(nf, t, t->netns_ino, &sk, e);
        if (r < 0)
                return r;
        r = netns_fd_inode(nf->nsfd, &ino, e);
        if (r < 0)
                return r;
        if (!nf->n_ifnames) {
                r = netns_guard_host(ino, e);
                if (r < 0)
                        return r;
        }
        r = list_ifaces(sk, nf, &ifs, &n, e);
        if (r < 0)
                return r;
        for (int i = 0; i < n; i++) {
                r = precheck(sk, nf, &ifs[i], e);
                if (r < 0)
                        return r;
        }
        saved = fault_saved(f);
        cJSON_DeleteItemFromObject(saved, "interfaces");
        cJSON_DeleteItemFromObject(saved, "netns_ino");
        cJSON_AddNumberToObject(saved, "netns_ino", (double)ino);
        arr = cJSON_AddArrayToObject(saved, "interfaces");
        for (int i = 0; i < n; i++) {
                cJSON *js = cJSON_CreateObject();

                cJSON_AddStringToObject(js, "name", ifs[i].name);
                cJSON_AddNumberToObject(js, "ifindex", ifs[i].ifindex);
                cJSON_AddItemToArray(arr, js);
                r = apply_iface(sk, f, nf, &ifs[i], js, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- verify ---- */

/* The leaf qdisc at HANDLE: there, of the leaf's kind, and as the spec
 * says (the leaf compares its options). */
static int check_leaf(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *where, uint32_t handle,
                      cJSON *rb, struct error *e)
{
        _cleanup_free_ void *opts = NULL;
        struct qinfo q;
        size_t len = 0;
        char h[16];
        int r;

        r = qtree_get(sk, ifindex, handle, &q, &opts, &len, e);
        if (r < 0)
                return r;
        if (r == 0 || strcmp(q.kind, nf->leaf->kind) != 0)
                return error_set(e, EIO, "%s: no %s qdisc %s", where, nf->leaf->kind,
                                 nlx_handle_str(handle, h, sizeof(h)));
        return nf->leaf->check(nf, opts, len, where, handle, rb, e);
}

/* The u32 selectors at PARENT (priorities LO..HI) must be exactly the ones
 * the spec expands to, byte for byte (order aside). */
static int check_sels(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *where, uint32_t parent,
                      uint16_t lo, uint16_t hi, int peer_is_src, const char *key, cJSON *rb, struct error *e)
{
        _cleanup_free_ struct tcf_match *v = NULL;
        cJSON *got = NULL;
        size_t n;
        int r, missing = 0;

        r = tcf_expand(&nf->sel, peer_is_src, &v, &n, e);
        if (r < 0)
                return r;
        r = qtree_u32_sels(sk, ifindex, parent, lo, hi, &got, e);
        if (r < 0)
                return r;
        cJSON_AddNumberToObject(rb, key, cJSON_GetArraySize(got));
        for (size_t i = 0; i < n; i++) {
                unsigned char buf[512];
                size_t len = tcf_u32_sel_bytes(&v[i], buf, sizeof(buf));
                _cleanup_free_ char *hex = nlx_hex(buf, len);
                int found = -1, k = 0;
                const cJSON *it;

                cJSON_ArrayForEach(it, got) {
                        if (hex && strcmp(it->valuestring, hex) == 0) {
                                found = k;
                                break;
                        }
                        k++;
                }
                if (found < 0)
                        missing++;
                else
                        cJSON_DeleteItemFromArray(got, found);
        }
        r = cJSON_GetArraySize(got);
        cJSON_Delete(got);
        if (missing || r)
                return error_set(e, EIO, "%s: %d of chaosd's %zu u32 selectors missing, %d unexpected, at %x:%x",
                                 where, missing, n, r, parent >> 16, parent & 0xffff);
        return 0;
}

int nf_check_hook(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *where, uint32_t parent,
                  cJSON *rb, struct error *e)
{
        uint16_t off = prio_off(parent);

        /* Egress matches the peer as destination, ingress as source. */
        return check_sels(sk, nf, ifindex, where, parent, NF_PRIO_V4 + off, NF_PRIO_ALL + off,
                          parent == NF_HOOK_INGRESS, parent == NF_HOOK_EGRESS ? "egress_filters" : "ingress_filters",
                          rb, e);
}

static int check_kept(struct nl_sock *sk, int ifindex, const char *name, const cJSON *js, cJSON *rb, struct error *e)
{
        const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(js, "kept_error"));
        char kind[32], h1[16], h2[16], buf[ERROR_MSG_MAX + 64];
        uint32_t h = qtree_saved_root(cJSON_GetObjectItem(js, "prior"), kind, sizeof(kind));
        struct qinfo q;
        int r;

        if (!h)
                return 0;
        if (err) {
                snprintf(buf, sizeof(buf), "%s %s bypassed during the fault: %s", kind,
                         nlx_handle_str(h, h1, sizeof(h1)), err);
                cJSON_AddStringToObject(rb, "prior_qdisc", buf);
                return 0;
        }
        r = qtree_get(sk, ifindex, h, &q, NULL, NULL, e);
        if (r < 0)
                return r;
        if (r == 0 || q.parent != KEEP_CLASS || strcmp(q.kind, kind) != 0)
                return error_set(e, EIO, "%s: the prior %s %s is not under c4a0:1", name, kind,
                                 nlx_handle_str(h, h1, sizeof(h1)));
        snprintf(buf, sizeof(buf), "%s %s kept under %s", kind, nlx_handle_str(h, h1, sizeof(h1)),
                 nlx_handle_str(KEEP_CLASS, h2, sizeof(h2)));
        cJSON_AddStringToObject(rb, "prior_qdisc", buf);
        return 0;
}

int netfault_verify(struct fault *f, struct target *t, struct error *e)
{
        struct netfault *nf = f->priv;
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        cJSON *saved = f->saved, *js, *rb = cJSON_CreateObject(), *rif = cJSON_AddObjectToObject(rb, "interfaces");
        int r;

        fault_set_readback(f, rb);
        if (!saved)
                return error_set(e, EIO, "%s: nothing applied", f->ops->type);
        r = open_target(f->priv, t, (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(saved, "netns_ino")), &sk, e);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(js, cJSON_GetObjectItem(saved, "interfaces")) {
                const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(js, "name"));
                int ifindex = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(js, "ifindex"));
                cJSON *ri = cJSON_AddObjectToObject(rif, name ? name : "?");

                if (nf->leaf->verify_iface) {
                        r = nf->leaf->verify_iface(sk, nf, ifindex, name, ri, e);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (nf->egress) {
                        cJSON *eg = cJSON_AddObjectToObject(ri, "egress");
                        struct qinfo root;

                        r = qtree_at(sk, ifindex, TC_H_ROOT, &root, e);
                        if (r < 0)
                                return r;
                        if (r == 0 || root.handle != ROOT_HANDLE)
                                return error_set(e, EIO, "%s: root qdisc is not chaosd's c4a0:", name);
                        r = check_kept(sk, ifindex, name, js, eg, e);
                        if (r < 0)
                                return r;
                        if (tcf_select_active(&nf->sel)) {
                                r = check_leaf(sk, nf, ifindex, name, LEAF_HANDLE, eg, e);
                                if (r >= 0)
                                        r = check_sels(sk, nf, ifindex, name, ROOT_HANDLE, 1, 3, 0, "filters", eg, e);
                                if (r < 0)
                                        return r;
                        } else {
                                r = check_leaf(sk, nf, ifindex, name, ROOT_HANDLE, eg, e);
                                if (r < 0)
                                        return r;
                        }
                }
                if (nf->ingress) {
                        cJSON *in = cJSON_AddObjectToObject(ri, "ingress");
                        const char *ifb = cJSON_GetStringValue(cJSON_GetObjectItem(js, "ifb"));
                        int ifbi;

                        if (!ifb || ifindex_of(sk, ifb, &ifbi, e) < 0)
                                return error_set(e, EIO, "%s: chaosd's ifb device is missing", name);
                        cJSON_AddStringToObject(in, "ifb", ifb);
                        r = check_leaf(sk, nf, ifbi, ifb, ROOT_HANDLE, in, e);
                        if (r >= 0)
                                r = nf_check_hook(sk, nf, ifindex, name, NF_HOOK_INGRESS, in, e);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ---- revert ---- */

static int revert_iface(struct nl_sock *sk, const cJSON *js, struct error *e)
{
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(js, "name"));
        const char *ifb = cJSON_GetStringValue(cJSON_GetObjectItem(js, "ifb"));
        int ifindex = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(js, "ifindex")), cur;
        const cJSON *hooks = cJSON_GetObjectItem(js, "hook_filters"), *h;
        int r;

        /* The interface is gone (veth peer deleted...): so is all of it. */
        if (!name || ifindex_of(sk, name, &cur, e) < 0 || cur != ifindex) {
                error_clear(e);
                return 0;
        }
        /* Stop redirecting/dropping first, then remove what it pointed at. */
        cJSON_ArrayForEach(h, hooks) {
                r = del_hook_filters(sk, ifindex, (uint32_t)h->valuedouble, e);
                if (r < 0)
                        return error_wrap(e, "%s", name);
        }
        if (cJSON_IsTrue(cJSON_GetObjectItem(js, "hook_created"))) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;

                r = nlx_tc_msg(RTM_DELQDISC, 0, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0, &m, e);
                if (r < 0)
                        return r;
                r = nlx_talk(sk, m, e);
                if (r < 0 && r != -ENOENT && r != -EINVAL)
                        return error_wrap(e, "%s: delete clsact", name);
        }
        if (ifb) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;

                r = link_msg(RTM_DELLINK, 0, ifb, 0, &m, e);
                if (r < 0)
                        return r;
                r = nlx_talk(sk, m, e);
                if (r < 0 && r != -ENODEV && r != -ENOENT)
                        return error_wrap(e, "%s: delete %s", name, ifb);
        }
        if (cJSON_IsTrue(cJSON_GetObjectItem(js, "egress"))) {
                struct qinfo root;

                r = qtree_at(sk, ifindex, TC_H_ROOT, &root, e);
                if (r < 0)
                        return r;
                /* Only chaosd's own root is replaced; if another one is
                 * there, apply never got that far or someone else owns it. */
                if (r > 0 && root.handle == ROOT_HANDLE) {
                        r = drop_kept(sk, ifindex, name, js, root.kind, e);
                        if (r < 0)
                                return r;
                        r = qtree_restore(sk, ifindex, cJSON_GetObjectItem(js, "prior"), e);
                        if (r < 0)
                                return error_wrap(e, "%s: restore the prior root qdisc", name);
                }
        }
        error_clear(e);
        return 0;
}

int netfault_revert(struct fault *f, struct target *t, struct error *e)
{
        struct netfault *nf = f->priv;
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        const cJSON *saved = f->saved, *js;
        int r, first = 0;

        if (!saved || !cJSON_GetObjectItem(saved, "interfaces"))
                return 0;
        r = open_target(nf, t, (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(saved, "netns_ino")), &sk, e);
        if (r == -ESRCH) {
                /* The namespace died with the target: every qdisc, filter
                 * and ifb of ours went with it. */
                error_clear(e);
                return 0;
        }
        if (r < 0)
                return r;
        /* Keep going after a failure so one bad interface does not leave
         * the others faulted; report the first error. */
        cJSON_ArrayForEach(js, cJSON_GetObjectItem(saved, "interfaces")) {
                struct error e2 = { 0 };

                r = revert_iface(sk, js, &e2);
                if (r < 0 && !first) {
                        first = r;
                        *e = e2;
                }
        }
        /* Done: let the namespace go (a deleted named netns, a pod being
         * torn down). A failed revert keeps it for the retry. */
        if (!first)
                nf_release(nf);
        return first;
}
