#include "qtree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "cleanup.h"
#include "nlx.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* One dumped tc object, kept as the raw attributes needed to re-create it. */
struct tc_obj {
        struct tcmsg tcm;
        char kind[32];
        const void *opts;
        int opts_len;
        const void *stab;
        int stab_len;
        uint32_t chain;
        int has_chain;
};

static int parse_obj(struct nlmsghdr *h, struct tc_obj *o)
{
        struct nlattr *tb[TCA_MAX + 1];

        memset(o, 0, sizeof(*o));
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
                return -EPROTO;
        memcpy(&o->tcm, nlmsg_data(h), sizeof(o->tcm));
        if (nlmsg_parse(h, sizeof(struct tcmsg), tb, TCA_MAX, NULL) < 0)
                return -EPROTO;
        if (tb[TCA_KIND])
                snprintf(o->kind, sizeof(o->kind), "%.*s", nla_len(tb[TCA_KIND]), (char *)nla_data(tb[TCA_KIND]));
        if (tb[TCA_OPTIONS]) {
                o->opts = nla_data(tb[TCA_OPTIONS]);
                o->opts_len = nla_len(tb[TCA_OPTIONS]);
        }
        if (tb[TCA_STAB]) {
                o->stab = nla_data(tb[TCA_STAB]);
                o->stab_len = nla_len(tb[TCA_STAB]);
        }
        if (tb[TCA_CHAIN]) {
                o->chain = nla_get_u32(tb[TCA_CHAIN]);
                o->has_chain = 1;
        }
        return 0;
}

struct find_ctx {
        int ifindex;
        uint32_t parent, handle;
        int by_handle;
        int found;
        struct qinfo *ret;
        void **opts;
        size_t *opts_len;
};

static int find_cb(struct nlmsghdr *h, void *arg)
{
        struct find_ctx *c = arg;
        struct tc_obj o;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex || c->found)
                return 0;
        if (c->by_handle ? o.tcm.tcm_handle != c->handle : o.tcm.tcm_parent != c->parent)
                return 0;
        c->found = 1;
        c->ret->handle = o.tcm.tcm_handle;
        c->ret->parent = o.tcm.tcm_parent;
        snprintf(c->ret->kind, sizeof(c->ret->kind), "%s", o.kind);
        if (c->opts) {
                *c->opts = malloc(o.opts_len ? o.opts_len : 1);
                if (!*c->opts)
                        return -ENOMEM;
                memcpy(*c->opts, o.opts, o.opts_len);
                *c->opts_len = o.opts_len;
        }
        return 0;
}

static int find_qdisc(struct nl_sock *sk, int ifindex, struct find_ctx *c, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        r = nlx_tc_msg(RTM_GETQDISC, 0, ifindex, 0, 0, 0, &m, e);
        if (r < 0)
                return r;
        r = nlx_dump(sk, m, find_cb, c, e);
        if (r < 0)
                return error_wrap(e, "dump qdiscs");
        return c->found;
}

int qtree_at(struct nl_sock *sk, int ifindex, uint32_t parent, struct qinfo *ret, struct error *e)
{
        struct find_ctx c = { .ifindex = ifindex, .parent = parent, .ret = ret };

        memset(ret, 0, sizeof(*ret));
        return find_qdisc(sk, ifindex, &c, e);
}

int qtree_get(struct nl_sock *sk, int ifindex, uint32_t handle, struct qinfo *ret, void **opts, size_t *opts_len,
              struct error *e)
{
        struct find_ctx c = {
                .ifindex = ifindex, .handle = handle, .by_handle = 1, .ret = ret, .opts = opts, .opts_len = opts_len
        };

        memset(ret, 0, sizeof(*ret));
        if (opts)
                *opts = NULL;
        return find_qdisc(sk, ifindex, &c, e);
}

/* u32 hash tables (node id 0) are containers, not filters; 800: is the
 * one the kernel makes by itself for each u32 instance. */
static int u32_is_table(const struct tc_obj *o)
{
        return strcmp(o->kind, "u32") == 0 && (o->tcm.tcm_handle & 0xfff) == 0;
}

struct count_ctx {
        int ifindex;
        uint16_t prio;
        int n;
};

static int count_cb(struct nlmsghdr *h, void *arg)
{
        struct count_ctx *c = arg;
        struct tc_obj o;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex || !o.tcm.tcm_handle || u32_is_table(&o))
                return 0;
        if (c->prio && TC_H_MAJ(o.tcm.tcm_info) >> 16 != c->prio)
                return 0;
        c->n++;
        return 0;
}

int qtree_count_filters(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio, int *ret, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct count_ctx c = { .ifindex = ifindex, .prio = prio };
        int r;

        r = nlx_tc_msg(RTM_GETTFILTER, 0, ifindex, parent, 0, 0, &m, e);
        if (r < 0)
                return r;
        r = nlx_dump(sk, m, count_cb, &c, e);
        if (r < 0)
                return r == -EINVAL || r == -ENOENT ? (*ret = 0, 0) : error_wrap(e, "dump filters");
        *ret = c.n;
        return 0;
}

struct sels_ctx {
        int ifindex;
        uint16_t lo, hi;
        cJSON *arr;
};

static int sels_cb(struct nlmsghdr *h, void *arg)
{
        struct sels_ctx *c = arg;
        struct nlattr *tb[TCA_U32_MAX + 1];
        struct tc_obj o;
        uint16_t prio;
        char *hex;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex || !o.tcm.tcm_handle || u32_is_table(&o) ||
            strcmp(o.kind, "u32") != 0 || !o.opts)
                return 0;
        prio = (uint16_t)(o.tcm.tcm_info >> 16);
        if (prio < c->lo || prio > c->hi)
                return 0;
        if (nla_parse(tb, TCA_U32_MAX, (struct nlattr *)o.opts, o.opts_len, NULL) < 0 || !tb[TCA_U32_SEL])
                return 0;
        hex = nlx_hex(nla_data(tb[TCA_U32_SEL]), nla_len(tb[TCA_U32_SEL]));
        if (!hex)
                return -ENOMEM;
        cJSON_AddItemToArray(c->arr, cJSON_CreateString(hex));
        free(hex);
        return 0;
}

int qtree_u32_sels(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio_lo, uint16_t prio_hi, cJSON **ret,
                   struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        struct sels_ctx c = { .ifindex = ifindex, .lo = prio_lo, .hi = prio_hi, .arr = cJSON_CreateArray() };
        int r;

        if (!c.arr)
                return error_set(e, ENOMEM, "out of memory");
        r = nlx_tc_msg(RTM_GETTFILTER, 0, ifindex, parent, 0, 0, &m, e);
        if (r >= 0)
                r = nlx_dump(sk, m, sels_cb, &c, e);
        if (r < 0) {
                cJSON_Delete(c.arr);
                return error_wrap(e, "dump filters");
        }
        *ret = c.arr;
        return 0;
}

static cJSON *obj_json(const struct tc_obj *o)
{
        cJSON *j = cJSON_CreateObject();
        _cleanup_free_ char *hex = NULL, *shex = NULL;

        if (!j)
                return NULL;
        cJSON_AddNumberToObject(j, "handle", o->tcm.tcm_handle);
        cJSON_AddNumberToObject(j, "parent", o->tcm.tcm_parent);
        cJSON_AddStringToObject(j, "kind", o->kind);
        if (o->tcm.tcm_info)
                cJSON_AddNumberToObject(j, "info", o->tcm.tcm_info);
        if (o->has_chain)
                cJSON_AddNumberToObject(j, "chain", o->chain);
        hex = nlx_hex(o->opts, o->opts_len);
        cJSON_AddStringToObject(j, "options", hex ? hex : "");
        if (o->stab_len) {
                shex = nlx_hex(o->stab, o->stab_len);
                cJSON_AddStringToObject(j, "stab", shex ? shex : "");
        }
        return j;
}

struct save_ctx {
        int ifindex;
        cJSON *arr;
        cJSON *root; /* set by the qdisc pass */
        int err;
};

static int save_qdisc_cb(struct nlmsghdr *h, void *arg)
{
        struct save_ctx *c = arg;
        struct tc_obj o;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex)
                return 0;
        /* The ingress/clsact hook is not part of the egress tree. */
        if (o.tcm.tcm_parent == TC_H_INGRESS || o.tcm.tcm_parent == TC_H_CLSACT)
                return 0;
        if (o.tcm.tcm_parent == TC_H_ROOT) {
                cJSON_Delete(c->root);
                c->root = obj_json(&o);
                return 0;
        }
        if (o.tcm.tcm_handle == 0)
                return 0; /* a default leaf the kernel re-creates itself */
        cJSON_AddItemToArray(c->arr, obj_json(&o));
        return 0;
}

static const char *const class_kinds[] = { "htb", "hfsc", "drr", "qfq", NULL };

static int save_class_cb(struct nlmsghdr *h, void *arg)
{
        struct save_ctx *c = arg;
        struct tc_obj o;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex)
                return 0;
        for (const char *const *k = class_kinds; *k; k++)
                if (strcmp(o.kind, *k) == 0) {
                        cJSON_AddItemToArray(c->arr, obj_json(&o));
                        break;
                }
        return 0;
}

static int save_filter_cb(struct nlmsghdr *h, void *arg)
{
        struct save_ctx *c = arg;
        struct tc_obj o;

        if (parse_obj(h, &o) < 0 || o.tcm.tcm_ifindex != c->ifindex || !o.tcm.tcm_handle)
                return 0;
        cJSON_AddItemToArray(c->arr, obj_json(&o));
        return 0;
}

static int dump_into(struct nl_sock *sk, int type, int ifindex, uint32_t parent, int (*cb)(struct nlmsghdr *, void *),
                     struct save_ctx *c, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        int r;

        r = nlx_tc_msg(type, 0, ifindex, parent, 0, 0, &m, e);
        if (r < 0)
                return r;
        return nlx_dump(sk, m, cb, c, e);
}

int qtree_save(struct nl_sock *sk, int ifindex, cJSON **ret, struct error *e)
{
        _cleanup_(cJSON_Deletep) cJSON *j = cJSON_CreateObject();
        cJSON *qdiscs, *classes, *filters, *it;
        struct save_ctx c = { .ifindex = ifindex };
        int r;

        if (!j)
                return error_set(e, ENOMEM, "out of memory");
        qdiscs = cJSON_AddArrayToObject(j, "qdiscs");
        classes = cJSON_AddArrayToObject(j, "classes");
        filters = cJSON_AddArrayToObject(j, "filters");
        c.arr = qdiscs;
        r = dump_into(sk, RTM_GETQDISC, ifindex, 0, save_qdisc_cb, &c, e);
        if (r < 0)
                return error_wrap(e, "save qdiscs");
        if (c.root)
                cJSON_AddItemToObject(j, "root", c.root);
        else
                cJSON_AddNullToObject(j, "root");
        if (!c.root || cJSON_GetObjectItem(c.root, "handle")->valuedouble == 0) {
                /* A kernel default root: nothing of the user's to keep. */
                *ret = TAKE_PTR(j);
                return 0;
        }
        c.arr = classes;
        r = dump_into(sk, RTM_GETTCLASS, ifindex, 0, save_class_cb, &c, e);
        if (r < 0)
                return error_wrap(e, "save classes");
        /* Filters hang off a qdisc or a class: dump each such parent. */
        c.arr = filters;
        r = dump_into(sk, RTM_GETTFILTER, ifindex, (uint32_t)cJSON_GetObjectItem(c.root, "handle")->valuedouble,
                      save_filter_cb, &c, e);
        cJSON_ArrayForEach(it, qdiscs) {
                if (r < 0)
                        break;
                r = dump_into(sk, RTM_GETTFILTER, ifindex, (uint32_t)cJSON_GetObjectItem(it, "handle")->valuedouble,
                              save_filter_cb, &c, e);
        }
        cJSON_ArrayForEach(it, classes) {
                if (r < 0)
                        break;
                r = dump_into(sk, RTM_GETTFILTER, ifindex, (uint32_t)cJSON_GetObjectItem(it, "handle")->valuedouble,
                              save_filter_cb, &c, e);
        }
        if (r < 0)
                return error_wrap(e, "save filters");
        *ret = TAKE_PTR(j);
        return 0;
}

static int put_options(struct nl_msg *m, int type, const char *kind, const cJSON *o, struct error *e);

static uint32_t jnum(const cJSON *o, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsNumber(v) ? (uint32_t)v->valuedouble : 0;
}

static int put_hex(struct nl_msg *m, int type, const cJSON *o, const char *key, struct error *e)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
        _cleanup_free_ void *buf = NULL;
        size_t len;

        if (!cJSON_IsString(v) || !v->valuestring[0])
                return 0;
        if (nlx_unhex(v->valuestring, &buf, &len) < 0)
                return error_set(e, EINVAL, "saved %s is not hex", key);
        if (nla_put(m, type, (int)len, buf) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        return 0;
}

/* Dumps are not always valid requests: htb dumps its version as HTB_VER
 * (0x30011) but accepts only the major (3), and reports direct_pkts, a
 * counter. Patch what is known in a copy of the options. */
static void fixup_options(const char *kind, int type, void *buf, size_t len)
{
        struct nlattr *a = buf;
        int rem = (int)len;

        for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
                int t = nla_type(a);

                if (type == RTM_NEWQDISC && strcmp(kind, "htb") == 0 && t == TCA_HTB_INIT &&
                    nla_len(a) >= (int)sizeof(struct tc_htb_glob)) {
                        struct tc_htb_glob *g = nla_data(a);

                        g->version = TC_HTB_PROTOVER;
                        g->direct_pkts = 0;
                }
                /* fq_codel keeps times in 1024 ns units and dumps them
                 * rounded down to microseconds; dump+1 lands in the same
                 * unit again (fed back as is, each round trip loses 1 us). */
                if (type == RTM_NEWQDISC && strcmp(kind, "fq_codel") == 0 &&
                    (t == TCA_FQ_CODEL_TARGET || t == TCA_FQ_CODEL_INTERVAL || t == TCA_FQ_CODEL_CE_THRESHOLD) &&
                    nla_len(a) >= 4)
                        *(uint32_t *)nla_data(a) += 1;
                /* Hardware state bits are reported, not requested. */
                if (type == RTM_NEWTFILTER && strcmp(kind, "u32") == 0 && t == TCA_U32_FLAGS && nla_len(a) >= 4)
                        *(uint32_t *)nla_data(a) &= TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_SKIP_SW;
        }
}

static int put_options(struct nl_msg *m, int type, const char *kind, const cJSON *o, struct error *e)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "options");
        _cleanup_free_ void *buf = NULL;
        size_t len;

        if (!cJSON_IsString(v) || !v->valuestring[0])
                return 0;
        if (nlx_unhex(v->valuestring, &buf, &len) < 0)
                return error_set(e, EINVAL, "saved options are not hex");
        fixup_options(kind, type, buf, len);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "u32_in_root"))) {
                /* Drop TCA_U32_HASH: the key goes into whatever root table
                 * the kernel gave the re-created u32 instance. */
                unsigned char *out = buf;
                size_t kept = 0;
                struct nlattr *a = buf;
                int rem = (int)len;

                for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
                        size_t sz = NLA_ALIGN(a->nla_len);

                        if (nla_type(a) == TCA_U32_HASH)
                                continue;
                        memmove(out + kept, (unsigned char *)a, sz);
                        kept += sz;
                }
                len = kept;
        }
        if (nla_put(m, TCA_OPTIONS, (int)len, buf) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        return 0;
}

/* Re-create one saved object. TYPE: RTM_NEWQDISC/TCLASS/TFILTER. */
static int create_obj(struct nl_sock *sk, int ifindex, int type, int flags, const cJSON *o, struct error *e)
{
        _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
        char h[32];
        int r;

        if (!cJSON_IsString(kind))
                return error_set(e, EINVAL, "saved tc object without a kind");
        r = nlx_tc_msg(type, flags, ifindex, jnum(o, "parent"),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "u32_in_root")) ? jnum(o, "handle") & 0xfffff
                                                                                        : jnum(o, "handle"),
                       jnum(o, "info"), &m, e);
        if (r < 0)
                return r;
        if (nla_put_string(m, TCA_KIND, kind->valuestring) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        if (cJSON_GetObjectItemCaseSensitive(o, "chain") && nla_put_u32(m, TCA_CHAIN, jnum(o, "chain")) < 0)
                return error_set(e, ENOBUFS, "netlink message too large");
        r = put_options(m, type, kind->valuestring, o, e);
        if (r >= 0)
                r = put_hex(m, TCA_STAB, o, "stab", e);
        if (r < 0)
                return r;
        r = nlx_talk(sk, m, e);
        /* Each u32 instance makes its root hash table (800:, 801:...)
         * itself, with its first filter: already there is right. */
        if (r == -EEXIST && type == RTM_NEWTFILTER && strcmp(kind->valuestring, "u32") == 0 &&
            (jnum(o, "handle") & 0xfffff) == 0) {
                error_clear(e);
                return 0;
        }
        if (r < 0)
                return error_wrap(e, "re-create %s %s %s",
                                  type == RTM_NEWQDISC    ? "qdisc"
                                  : type == RTM_NEWTCLASS ? "class"
                                                          : "filter",
                                  kind->valuestring, nlx_handle_str(jnum(o, "handle"), h, sizeof(h)));
        return 0;
}

static int made_has(uint32_t h, const uint32_t *made, int n_made)
{
        for (int i = 0; i < n_made; i++)
                if (made[i] == h)
                        return 1;
        return 0;
}

/* The root hash table of the u32 instance F belongs to: the lowest
 * kernel-allocated table id (800: and up) among the tables saved for the
 * same parent and priority. 0 when none was saved. */
static uint32_t u32_root_htid(const cJSON *filters, const cJSON *f)
{
        uint32_t parent = jnum(f, "parent"), prio = jnum(f, "info") >> 16, best = 0;
        const cJSON *it;

        cJSON_ArrayForEach(it, filters) {
                uint32_t h = jnum(it, "handle");

                if (jnum(it, "parent") != parent || jnum(it, "info") >> 16 != prio ||
                    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "kind")) ?: "", "u32") != 0)
                        continue;
                if ((h & 0xfffff) == 0 && (h >> 20) >= 0x800 && (!best || h < best))
                        best = h;
        }
        return best;
}

static int restore_at(struct nl_sock *sk, int ifindex, const cJSON *saved, uint32_t root_parent, struct error *e);

int qtree_restore(struct nl_sock *sk, int ifindex, const cJSON *saved, struct error *e)
{
        return restore_at(sk, ifindex, saved, TC_H_ROOT, e);
}

int qtree_restore_under(struct nl_sock *sk, int ifindex, const cJSON *saved, uint32_t parent, struct error *e)
{
        const cJSON *root = cJSON_GetObjectItemCaseSensitive(saved, "root");

        if (!cJSON_IsObject(root) || jnum(root, "handle") == 0)
                return 0; /* a kernel default: nothing of the user's to keep */
        return restore_at(sk, ifindex, saved, parent, e);
}

uint32_t qtree_saved_root(const cJSON *saved, char *kind, size_t len)
{
        const cJSON *root = cJSON_GetObjectItemCaseSensitive(saved, "root");

        if (kind)
                snprintf(kind, len, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(root, "kind")) ?: "");
        return cJSON_IsObject(root) ? jnum(root, "handle") : 0;
}

static int restore_at(struct nl_sock *sk, int ifindex, const cJSON *saved, uint32_t root_parent, struct error *e)
{
        const cJSON *root = cJSON_GetObjectItemCaseSensitive(saved, "root");
        const cJSON *qdiscs = cJSON_GetObjectItemCaseSensitive(saved, "qdiscs");
        const cJSON *classes = cJSON_GetObjectItemCaseSensitive(saved, "classes");
        const cJSON *filters = cJSON_GetObjectItemCaseSensitive(saved, "filters");
        int nq = cJSON_GetArraySize(qdiscs), nc = cJSON_GetArraySize(classes), n = nq + nc, n_made = 0;
        _cleanup_free_ uint32_t *made = NULL;
        _cleanup_free_ char *done = NULL;
        const cJSON *it;
        int r;

        if (!cJSON_IsObject(root) || jnum(root, "handle") == 0) {
                _cleanup_(nlmsg_freep) struct nl_msg *m = NULL;

                r = nlx_tc_msg(RTM_DELQDISC, 0, ifindex, TC_H_ROOT, 0, 0, &m, e);
                if (r < 0)
                        return r;
                r = nlx_talk(sk, m, e);
                /* ENOENT/EINVAL: no root of anyone's left to delete. */
                if (r < 0 && r != -ENOENT && r != -EINVAL)
                        return error_wrap(e, "delete chaosd's root qdisc");
                return 0;
        }
        if (root_parent == TC_H_ROOT) {
                r = create_obj(sk, ifindex, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, root, e);
        } else {
                cJSON *copy = cJSON_Duplicate(root, 1);

                cJSON_ReplaceItemInObject(copy, "parent", cJSON_CreateNumber(root_parent));
                r = create_obj(sk, ifindex, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, copy, e);
                cJSON_Delete(copy);
        }
        if (r < 0)
                return r;
        made = calloc(n + 1, sizeof(*made));
        done = calloc(n + 1, 1);
        if (!made || !done)
                return error_set(e, ENOMEM, "out of memory");
        made[n_made++] = jnum(root, "handle");
        /* Classes and inner qdiscs in dependency order: each pass creates
         * what has its parent already; n passes are always enough. */
        for (int pass = 0; pass < n + 1; pass++) {
                int progress = 0;

                for (int i = 0; i < n; i++) {
                        const cJSON *o = i < nc ? cJSON_GetArrayItem(classes, i) : cJSON_GetArrayItem(qdiscs, i - nc);
                        uint32_t parent = jnum(o, "parent");

                        if (done[i])
                                continue;
                        /* A class needs its qdisc (its handle's major) and
                         * its parent class; htb dumps top classes with
                         * parent "root". A qdisc needs its parent class. */
                        if (i < nc && !made_has(TC_H_MAJ(jnum(o, "handle")), made, n_made))
                                continue;
                        if (parent != TC_H_ROOT && !made_has(parent, made, n_made))
                                continue;
                        r = create_obj(sk, ifindex, i < nc ? RTM_NEWTCLASS : RTM_NEWQDISC,
                                       NLM_F_CREATE | (i < nc ? NLM_F_EXCL : NLM_F_REPLACE), o, e);
                        if (r < 0)
                                return r;
                        done[i] = 1;
                        made[n_made++] = jnum(o, "handle");
                        progress = 1;
                }
                if (!progress)
                        break;
        }
        for (int i = 0; i < n; i++)
                if (!done[i])
                        return error_set(e, EIO, "saved tc object %d has no parent to attach to", i);
        cJSON_ArrayForEach(it, filters) {
                cJSON *copy;

                /* u32: each instance (parent, prio) gets its root hash
                 * table from the kernel, whose id (800:, 801:...) depends on
                 * creation order. Its root table is not re-created, and its
                 * keys are added to "the root" rather than by table id. */
                if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "kind")) ?: "", "u32") == 0) {
                        uint32_t rht = u32_root_htid(filters, it);
                        uint32_t h = jnum(it, "handle");

                        if (rht && (h & 0xfff00000) == rht) {
                                if ((h & 0xfffff) == 0)
                                        continue;
                                copy = cJSON_Duplicate(it, 1);
                                cJSON_AddTrueToObject(copy, "u32_in_root");
                                r = create_obj(sk, ifindex, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, copy, e);
                                cJSON_Delete(copy);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                }
                r = create_obj(sk, ifindex, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, it, e);
                if (r < 0)
                        return r;
        }
        return 0;
}
