/* The engine shared by the `network` and `partition` faults.
 *
 * Objects chaosd owns, and the only ones it ever changes or deletes:
 *   - qdisc handles c4a0: (root of an interface or of chaosd's ifb) and
 *     c4a1: (netem leaf under the c4a0: prio when traffic is filtered);
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
#include <net/if.h>

#include "fault.h"
#include "netem.h"
#include "tbf.h"
#include "tcfilter.h"

#define NF_ROOT_MAJ 0xc4a0
#define NF_LEAF_MAJ 0xc4a1
#define NF_PRIO_V4 0xc4a0
#define NF_PRIO_V6 0xc4a1
#define NF_PRIO_ALL 0xc4a2
#define NF_PRIO_EGRESS_OFF 3 /* egress hook: 0xc4a3..0xc4a5 */
#define NF_IFB_PREFIX "c4a0ifb"
#define NF_MAX_IFACES 16

enum nf_kind { NF_NETEM, NF_PARTITION, NF_BANDWIDTH };

struct netfault {
        enum nf_kind kind;
        int partition; /* kind == NF_PARTITION */
        struct netem_params nem;
        struct tbf_params tbf;
        struct tcf_select sel;
        int egress, ingress;
        char ifnames[NF_MAX_IFACES][IF_NAMESIZE];
        int n_ifnames; /* 0: every non-loopback interface */
        /* The target's network namespace, held from apply until the revert
         * is done: the revert reaches it whether the target process lives
         * or not. -1 until taken (and in a new chaosd, which finds it again
         * by the inode journalled in f->saved["netns_ino"]). */
        int nsfd;
};

int netfault_parse(struct fault *f, const cJSON *json, enum nf_kind kind, struct error *e);
int netfault_apply(struct fault *f, struct target *t, struct error *e);
int netfault_verify(struct fault *f, struct target *t, struct error *e);
int netfault_revert(struct fault *f, struct target *t, struct error *e);
void netfault_free(void *priv);
