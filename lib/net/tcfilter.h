/* Traffic selection for network faults: peers (IPv4/IPv6 CIDRs), ports and
 * protocol become u32 classifiers. Each match is one u32 selector (its keys
 * are ANDed); a fault's selection is the OR of its matches. The same
 * matches drive three actions: classify into a prio band (egress netem),
 * mirred-redirect to an ifb (ingress netem), or drop (partition). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "error.h"

#define TCF_MAX_PEERS 64
#define TCF_MAX_PORTS 64
#define TCF_MAX_MATCHES 512

struct tcf_cidr {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        int prefix;
};

enum tcf_proto { TCF_PROTO_ALL = 0, TCF_PROTO_TCP = 6, TCF_PROTO_UDP = 17, TCF_PROTO_ICMP = 1 };

/* A selection of traffic (the network faults parse it from their spec). */
struct tcf_select {
        struct tcf_cidr peers[TCF_MAX_PEERS];
        int n_peers;
        uint16_t ports[TCF_MAX_PORTS];
        int n_ports;
        int protocol; /* enum tcf_proto; ALL with ports means tcp and udp */
};

/* One u32 selector. Zero fields are wildcards. */
struct tcf_match {
        int family;           /* AF_INET, AF_INET6, or 0 (any: match all) */
        struct tcf_cidr peer; /* peer.family == 0: any address */
        int peer_is_src;      /* match the source address (else destination) */
        uint16_t port;
        int port_is_src;
        int proto; /* IP protocol number, 0 any */
};

enum tcf_action_kind { TCF_CLASSIFY, TCF_REDIRECT, TCF_DROP };

struct tcf_action {
        enum tcf_action_kind kind;
        uint32_t classid; /* TCF_CLASSIFY */
        int ifindex;      /* TCF_REDIRECT: mirred egress redirect to this device */
};

int tcf_parse_cidr(const char *s, struct tcf_cidr *ret);
/* 1 when the selection restricts traffic (peers or ports or protocol). */
int tcf_select_active(const struct tcf_select *s);
/* Expand the selection into u32 matches: one per (peer x port x
 * sport/dport x protocol). PEER_IS_SRC: ingress matches the peer as the
 * source. A port matches either end of the connection. */
int tcf_expand(const struct tcf_select *s, int peer_is_src, struct tcf_match **ret, size_t *ret_n, struct error *e);
/* Ethernet protocol (host order) the filter of M is registered under. */
uint16_t tcf_eth_proto(const struct tcf_match *m);
/* The TCA_U32_SEL payload (struct tc_u32_sel + keys) of M into BUF; returns
 * its size. The kernel stores it as given, so a dump must return the same
 * bytes: verify compares them. */
size_t tcf_u32_sel_bytes(const struct tcf_match *m, void *buf, size_t len);
/* Build an RTM_NEWTFILTER for one u32 match at (PARENT, PRIO). */
int tcf_u32_msg(int ifindex, uint32_t parent, uint16_t prio, const struct tcf_match *m, const struct tcf_action *a,
                struct nl_msg **ret, struct error *e);
