#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "cleanup.h"

static int pidfd_alive(int pidfd)
{
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

static int connect_socket(struct nl_sock **ret, struct error *e)
{
        struct nl_sock *sk = nl_socket_alloc();
        int one = 1, r;

        if (!sk)
                return error_set(e, ENOMEM, "out of memory");
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(sk);
                return error_set(e, EIO, "netlink connect: %s", nl_geterror(r));
        }
        /* Extended acks carry the kernel's own reason ("Specified qdisc kind
         * is unknown"); a capped ack keeps them small. */
        (void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        (void)fcntl(nl_socket_get_fd(sk), F_SETFD, FD_CLOEXEC);
        /* Requests are re-sent as they are after a module autoload
         * (EAGAIN), so sequence numbers may repeat. */
        nl_socket_disable_seq_check(sk);
        /* One recvmsg per datagram instead of a MSG_PEEK to size it first:
         * the kernel's dump chunks stay well under 64 KiB. */
        nl_socket_disable_msg_peek(sk);
        (void)nl_socket_set_msg_buf_size(sk, 65536);
        *ret = sk;
        return 0;
}

int netns_route_socket(pid_t pid, int pidfd, uint64_t netns_ino, struct nl_sock **ret, struct error *e)
{
        _cleanup_close_ int self = -1, target = -1;
        struct stat st_self, st_target;
        char path[64];
        int r, r2;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        target = open(path, O_RDONLY | O_CLOEXEC);
        if (target < 0)
                return errno == ENOENT || errno == ESRCH
                               ? error_set(e, ESRCH, "process %d is gone (its network namespace with it)", (int)pid)
                               : error_sys(e, errno, "open %s", path);
        if (fstat(target, &st_target) < 0)
                return error_sys(e, errno, "fstat %s", path);
        if (netns_ino && (uint64_t)st_target.st_ino != netns_ino)
                return error_set(e, ESRCH, "process %d is in another network namespace than the target's (%llu)",
                                 (int)pid, (unsigned long long)netns_ino);
        /* The fd pins the namespace; the pidfd proves the PID was not
         * recycled between reading the inode and opening it. */
        if (pidfd >= 0 && !pidfd_alive(pidfd))
                return error_set(e, ESRCH, "process %d is gone", (int)pid);

        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return error_sys(e, errno, "open /proc/thread-self/ns/net");
        if (fstat(self, &st_self) < 0)
                return error_sys(e, errno, "fstat own netns");
        if (st_self.st_ino == st_target.st_ino && st_self.st_dev == st_target.st_dev)
                return connect_socket(ret, e);

        if (setns(target, CLONE_NEWNET) < 0)
                return error_sys(e, errno, "setns into the network namespace of %d", (int)pid);
        r = connect_socket(ret, e);
        r2 = setns(self, CLONE_NEWNET);
        if (r2 < 0) {
                /* Continuing in the target's namespace would point every
                 * later socket of this thread at the wrong interfaces. */
                fprintf(stderr, "chaosd: cannot return to own network namespace: %m\n");
                abort();
        }
        return r;
}
