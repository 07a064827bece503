/* The tc engine under the network faults (`network`, `bandwidth`,
 * `partition`): it enters the target's network namespace for a socket,
 * picks the interfaces, saves and restores the prior qdisc tree
 * (lib/net/qtree), adds the u32 filters that select traffic, an ifb for
 * ingress, and journals every handle before creating it. A leaf module
 * (network.c, bandwidth.c, partition.c) parses its own keys and owns the
 * kernel object it puts on the selected traffic, described by struct
 * nf_leaf; revert needs no leaf: it runs from the journal alone.
 *
 * Objects chaosd owns, and the only ones it ever changes or deletes:
 *   - qdisc handles c4a0: (root of an interface or of chaosd's ifb) and
 *     c4a1: (the leaf qdisc under the c4a0: prio when traffic is filtered);
 *   - filter priorities 0xc4a0 (IPv4), 0xc4a1 (IPv6), 0xc4a2 (all) in the
 *     ingress hook and 0xc4a3..0xc4a5 in the egress hook of clsact, which
 *     may be shared with the user's filters (distinct per hook because u32
 *     keeps one table list per qdisc: equal priorities in both hooks would
 *     show up in each other's dumps);
 *   - ifb devices named c4a0ifb<ifindex>;
 *   - a clsact qdisc only when chaosd created it (recorded in the journal).
 * A second fault on an interface that already carries any of these is
 * refused with EBUSY. */
#pragma once
#include <stddef.h>

#include <net/if.h>
#include <linux/pkt_sched.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "fault.h"
#include "tcfilter.h"

#define NF_ROOT_MAJ 0xc4a0
#define NF_LEAF_MAJ 0xc4a1
#define NF_PRIO_V4 0xc4a0
#define NF_PRIO_V6 0xc4a1
#define NF_PRIO_ALL 0xc4a2
#define NF_PRIO_EGRESS_OFF 3 /* egress hook: 0xc4a3..0xc4a5 */
#define NF_IFB_PREFIX "c4a0ifb"
#define NF_MAX_IFACES 16

#define NF_HOOK_INGRESS TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)
#define NF_HOOK_EGRESS TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)

struct netfault;

/* One interface of the target, as the engine picked it. */
struct nf_iface {
        char name[IF_NAMESIZE];
        int ifindex;
};

/* What a leaf module puts on the selected traffic. A qdisc leaf (netem,
 * tbf) fills kind/put/check: the engine places the qdisc at the root (or
 * under its own prio band when traffic is selected) for egress and on an
 * ifb for ingress. A leaf that only filters in the clsact hooks
 * (partition) fills apply_iface/verify_iface instead. */
struct nf_leaf {
        const char *kind; /* the leaf qdisc's kind, also used in errors */
        /* Append TCA_KIND and TCA_OPTIONS of the leaf qdisc to M. */
        int (*put)(struct nl_msg *m, const struct netfault *nf, struct error *e);
        /* Compare the dumped TCA_OPTIONS (OPTS, LEN) of the leaf at HANDLE
         * on WHERE with the spec; write what was read into RB. */
        int (*check)(const struct netfault *nf, const void *opts, size_t len, const char *where, uint32_t handle,
                     cJSON *rb, struct error *e);
        /* Optional: runs before anything is touched (netem loads its
         * distribution table). */
        int (*prepare)(struct netfault *nf, struct error *e);
        /* Filter-only leaves: apply to / verify one interface. */
        int (*apply_iface)(struct nl_sock *sk, struct fault *f, const struct netfault *nf, const struct nf_iface *ifc,
                           cJSON *js, struct error *e);
        int (*verify_iface)(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *name, cJSON *ri,
                            struct error *e);
        /* 1: the leaf filters in the egress hook, which only clsact has. */
        int egress_hook;
};

/* The part of f->priv every network fault shares; a leaf's own struct
 * starts with it. */
struct netfault {
        const struct nf_leaf *leaf;
        struct tcf_select sel;
        int egress, ingress;
        char ifnames[NF_MAX_IFACES][IF_NAMESIZE];
        int n_ifnames; /* 0: every non-loopback interface */
        /* The target's network namespace, held from apply until the revert
         * is done: the revert reaches it whether the target process lives
         * or not. Not held in a new chaosd, which finds it again by the
         * inode journalled in f->saved["netns_ino"]. */
        int nsfd, has_nsfd;
};

/* Spec keys every network fault shares (tc_scope.c). "peers", "ports",
 * "protocol" of the fault object at PATH: */
int nf_parse_select(struct tcf_select *ret, const cJSON *json, const char *path, struct error *e);
/* "interface" and "direction" (DEFAULT_DIR when absent): */
int nf_parse_where(struct netfault *nf, const cJSON *json, const char *path, const char *default_dir,
                   struct error *e);

/* Let go of the namespace fd (a leaf's free_priv calls it); nf_free is
 * the free_priv of a leaf whose priv is a plain struct netfault. */
void nf_release(struct netfault *nf);
void nf_free(void *priv);

/* The fault_ops every network leaf plugs in. */
int netfault_apply(struct fault *f, struct target *t, struct error *e);
int netfault_verify(struct fault *f, struct target *t, struct error *e);
int netfault_revert(struct fault *f, struct target *t, struct error *e);

/* For filter-only leaves. */
int nf_checkpoint(struct fault *f, struct error *e);
/* Make sure the interface has a clsact (or the user's ingress) hook;
 * journals "hook_created" before creating one. */
int nf_ensure_hook(struct nl_sock *sk, struct fault *f, cJSON *js, const struct nf_iface *ifc, struct error *e);
/* chaosd's u32 filters for the selection at PARENT. IN_HOOK: in a shared
 * clsact/ingress hook (reserved priorities); PEER_IS_SRC: match the peer
 * as the source. */
int nf_add_filters(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *ifname, uint32_t parent,
                   int in_hook, int peer_is_src, const struct tcf_action *a, struct error *e);
/* Read back chaosd's filters in the hook PARENT (NF_HOOK_*). */
int nf_check_hook(struct nl_sock *sk, const struct netfault *nf, int ifindex, const char *where, uint32_t parent,
                  cJSON *rb, struct error *e);
