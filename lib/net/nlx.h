/* Thin helpers over libnl's message API for traffic-control requests:
 * build RTM_*QDISC/TCLASS/TFILTER messages without a socket (unit-testable),
 * send one and collect the kernel's errno and extended-ack text, run a
 * dump. libnl's own helpers turn errnos into NLE_* codes; chaosd needs the
 * real errno to say what is missing (ENOENT: unknown qdisc kind). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "error.h"

/* Messages big enough for a netem distribution table (4096 s16). */
#define NLX_MSG_SIZE (32 * 1024)

#define NLX_HANDLE(maj, min) (((uint32_t)(maj) << 16) | ((uint32_t)(min)&0xffff))

/* A tc message: nlmsghdr(TYPE, FLAGS) + tcmsg. INFO is the filter's
 * prio<<16 | htons(protocol) (0 for qdiscs and classes). */
int nlx_tc_msg(int type, int flags, int ifindex, uint32_t parent, uint32_t handle, uint32_t info, struct nl_msg **ret,
               struct error *e);
/* Send MSG and wait for the kernel's ack. Returns 0 or -errno as the kernel
 * reported it; e->msg carries the extended-ack text when there is one. */
int nlx_talk(struct nl_sock *sk, struct nl_msg *msg, struct error *e);
/* Send a dump request and call CB for each message (CB returns <0 to stop). */
int nlx_dump(struct nl_sock *sk, struct nl_msg *req, int (*cb)(struct nlmsghdr *h, void *arg), void *arg,
             struct error *e);

/* Hex encoding of raw attribute payloads for the journal. */
char *nlx_hex(const void *data, size_t len);
/* Decode HEX into a malloc'ed buffer; -EINVAL on malformed input. */
int nlx_unhex(const char *hex, void **ret, size_t *ret_len);

/* "c4a0:" style rendering of a handle. */
const char *nlx_handle_str(uint32_t h, char *buf, size_t len);
