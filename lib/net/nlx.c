#include "nlx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <netlink/attr.h>

#include "cleanup.h"

int nlx_tc_msg(int type, int flags, int ifindex, uint32_t parent, uint32_t handle, uint32_t info, struct nl_msg **ret,
               struct error *e)
{
        struct tcmsg tcm = {
                .tcm_family = AF_UNSPEC,
                .tcm_ifindex = ifindex,
                .tcm_handle = handle,
                .tcm_parent = parent,
                .tcm_info = info,
        };
        struct nl_msg *m = nlmsg_alloc_size(NLX_MSG_SIZE);

        if (!m)
                return error_set(e, ENOMEM, "out of memory");
        if (!nlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags) ||
            nlmsg_append(m, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0) {
                nlmsg_free(m);
                return error_set(e, ENOBUFS, "netlink message too large");
        }
        *ret = m;
        return 0;
}

/* A private copy of the socket's callbacks (nl_socket_get_cb takes a
 * reference of its own, dropped here). */
static struct nl_cb *clone_cb(struct nl_sock *sk)
{
        struct nl_cb *base = nl_socket_get_cb(sk), *cb;

        cb = nl_cb_clone(base);
        nl_cb_put(base);
        return cb;
}

struct talk_state {
        int done;
        int error;
        char ext[256];
};

static int on_ack(struct nl_msg *msg, void *arg)
{
        struct talk_state *s = arg;

        s->done = 1;
        return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
        struct talk_state *s = arg;
        struct nlmsghdr *h = (struct nlmsghdr *)err - 1;
        size_t off = sizeof(*err); /* capped ack: only the header is echoed */

        s->done = 1;
        s->error = err->error;
        if (!(h->nlmsg_flags & NLM_F_CAPPED))
                off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
        if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && NLMSG_HDRLEN + off < h->nlmsg_len) {
                struct nlattr *a = (struct nlattr *)((char *)err + NLMSG_ALIGN(off));
                int rem = (int)h->nlmsg_len - NLMSG_HDRLEN - (int)NLMSG_ALIGN(off);

                for (; nla_ok(a, rem); a = nla_next(a, &rem))
                        if (nla_type(a) == NLMSGERR_ATTR_MSG)
                                snprintf(s->ext, sizeof(s->ext), "%.*s", nla_len(a), (const char *)nla_data(a));
        }
        return NL_STOP;
}

int nlx_talk(struct nl_sock *sk, struct nl_msg *msg, struct error *e)
{
        struct talk_state s = { 0 };
        struct nl_cb *cb;
        int r;

        nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
        r = nl_send_auto(sk, msg);
        if (r < 0)
                return error_set(e, EIO, "netlink send: %s", nl_geterror(r));
        cb = clone_cb(sk);
        if (!cb)
                return error_set(e, ENOMEM, "out of memory");
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &s);
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, &s);
        for (int i = 0; !s.done && i < 64; i++) {
                r = nl_recvmsgs(sk, cb);
                if (r < 0 && !s.done) {
                        nl_cb_put(cb);
                        return error_set(e, EIO, "netlink receive: %s", nl_geterror(r));
                }
        }
        nl_cb_put(cb);
        if (!s.done)
                return error_set(e, EIO, "netlink: no answer from the kernel");
        if (s.error < 0) {
                if (s.ext[0])
                        return error_set(e, -s.error, "%s: %s", s.ext, strerror(-s.error));
                return error_set(e, -s.error, "%s", strerror(-s.error));
        }
        return 0;
}

struct dump_state {
        int (*cb)(struct nlmsghdr *h, void *arg);
        void *arg;
        int r;
        int error;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
        struct dump_state *d = arg;

        if (d->r < 0)
                return NL_SKIP;
        d->r = d->cb(nlmsg_hdr(msg), d->arg);
        return NL_OK;
}

static int on_dump_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
        struct dump_state *d = arg;

        d->error = err->error;
        return NL_STOP;
}

int nlx_dump(struct nl_sock *sk, struct nl_msg *req, int (*cb)(struct nlmsghdr *h, void *arg), void *arg,
             struct error *e)
{
        struct dump_state d = { .cb = cb, .arg = arg };
        struct nl_cb *c;
        int r;

        nlmsg_hdr(req)->nlmsg_flags |= NLM_F_DUMP;
        r = nl_send_auto(sk, req);
        if (r < 0)
                return error_set(e, EIO, "netlink send: %s", nl_geterror(r));
        c = clone_cb(sk);
        if (!c)
                return error_set(e, ENOMEM, "out of memory");
        nl_cb_set(c, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &d);
        nl_cb_err(c, NL_CB_CUSTOM, on_dump_error, &d);
        r = nl_recvmsgs(sk, c);
        nl_cb_put(c);
        if (d.error < 0)
                return error_set(e, -d.error, "netlink dump: %s", strerror(-d.error));
        if (r < 0)
                return error_set(e, EIO, "netlink dump: %s", nl_geterror(r));
        if (d.r < 0)
                return d.r;
        return 0;
}

char *nlx_hex(const void *data, size_t len)
{
        static const char digits[] = "0123456789abcdef";
        const unsigned char *p = data;
        char *s = malloc(len * 2 + 1);

        if (!s)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                s[2 * i] = digits[p[i] >> 4];
                s[2 * i + 1] = digits[p[i] & 15];
        }
        s[len * 2] = '\0';
        return s;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int nlx_unhex(const char *hex, void **ret, size_t *ret_len)
{
        size_t n = strlen(hex);
        unsigned char *b;

        if (n % 2)
                return -EINVAL;
        b = malloc(n / 2 + 1);
        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < n / 2; i++) {
                int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

                if (hi < 0 || lo < 0) {
                        free(b);
                        return -EINVAL;
                }
                b[i] = (unsigned char)(hi << 4 | lo);
        }
        *ret = b;
        *ret_len = n / 2;
        return 0;
}

const char *nlx_handle_str(uint32_t h, char *buf, size_t len)
{
        if (h == TC_H_ROOT)
                snprintf(buf, len, "root");
        else if (h & 0xffff)
                snprintf(buf, len, "%x:%x", h >> 16, h & 0xffff);
        else
                snprintf(buf, len, "%x:", h >> 16);
        return buf;
}
