#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/netlink.h>

#include "cleanup.h"

static int pidfd_alive(int pidfd)
{
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* 1 when FD is on nsfs (a namespace), so a regular file that happens to
 * share the inode number is never taken for one. */
static int statfs_is_nsfs(int fd)
{
        struct statfs fs;

        if (fstatfs(fd, &fs) < 0)
                return -1;
        return fs.f_type == NSFS_MAGIC;
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

int netns_open_pid(pid_t pid, int pidfd, uint64_t netns_ino, int *ret_fd, struct error *e)
{
        _cleanup_close_ int target = -1;
        struct stat st;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        target = open(path, O_RDONLY | O_CLOEXEC);
        if (target < 0)
                return errno == ENOENT || errno == ESRCH
                               ? error_set(e, ESRCH, "process %d is gone (its network namespace with it)", (int)pid)
                               : error_sys(e, errno, "open %s", path);
        if (fstat(target, &st) < 0)
                return error_sys(e, errno, "fstat %s", path);
        if (netns_ino && (uint64_t)st.st_ino != netns_ino)
                return error_set(e, ESRCH, "process %d is in another network namespace than the target's (%llu)",
                                 (int)pid, (unsigned long long)netns_ino);
        /* The fd pins the namespace; the pidfd proves the PID was not
         * recycled between reading the inode and opening it. */
        if (pidfd >= 0 && !pidfd_alive(pidfd))
                return error_set(e, ESRCH, "process %d is gone", (int)pid);
        *ret_fd = TAKE_FD(target);
        return 0;
}

int netns_fd_inode(int nsfd, uint64_t *ret, struct error *e)
{
        struct stat st;

        if (fstat(nsfd, &st) < 0)
                return error_sys(e, errno, "fstat network namespace fd");
        *ret = (uint64_t)st.st_ino;
        return 0;
}

int netns_route_socket_fd(int nsfd, struct nl_sock **ret, struct error *e)
{
        _cleanup_close_ int self = -1;
        struct stat st_self, st_target;
        int r, r2;

        if (fstat(nsfd, &st_target) < 0)
                return error_sys(e, errno, "fstat network namespace fd");
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return error_sys(e, errno, "open /proc/thread-self/ns/net");
        if (fstat(self, &st_self) < 0)
                return error_sys(e, errno, "fstat own netns");
        if (st_self.st_ino == st_target.st_ino && st_self.st_dev == st_target.st_dev)
                return connect_socket(ret, e);

        if (setns(nsfd, CLONE_NEWNET) < 0)
                return error_sys(e, errno, "setns into network namespace %llu", (unsigned long long)st_target.st_ino);
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

int netns_route_socket(pid_t pid, int pidfd, uint64_t netns_ino, struct nl_sock **ret, struct error *e)
{
        _cleanup_close_ int target = -1;
        int r;

        r = netns_open_pid(pid, pidfd, netns_ino, &target, e);
        if (r < 0)
                return r;
        return netns_route_socket_fd(target, ret, e);
}

/* Open PATH if it is the namespace with inode INO. */
static int open_if_ino(const char *path, uint64_t ino, int *ret_fd)
{
        struct stat st;
        int fd;

        /* stat first: opening every process's namespace would be slow. */
        if (stat(path, &st) < 0 || (uint64_t)st.st_ino != ino)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        /* The process may have moved between stat and open. */
        if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != ino || statfs_is_nsfs(fd) <= 0) {
                close(fd);
                return 0;
        }
        *ret_fd = fd;
        return 1;
}

int netns_find_by_inode(uint64_t netns_ino, int *ret_fd, struct error *e)
{
        _cleanup_(closedirp) DIR *d = NULL;
        const char *dirs[] = { "/run/netns", "/var/run/netns", "/proc" };
        char path[512];

        if (!netns_ino)
                return error_set(e, ESRCH, "no network namespace inode to look for");
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                struct dirent *de;
                int proc = strcmp(dirs[i], "/proc") == 0;

                if (d)
                        closedir(TAKE_PTR(d));
                d = opendir(dirs[i]);
                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.' || (proc && (de->d_name[0] < '0' || de->d_name[0] > '9')))
                                continue;
                        snprintf(path, sizeof(path), proc ? "/proc/%s/ns/net" : "%s/%s", proc ? de->d_name : dirs[i],
                                 de->d_name);
                        if (open_if_ino(path, netns_ino, ret_fd))
                                return 0;
                }
        }
        return error_set(e, ESRCH, "network namespace %llu is gone (no process or /run/netns entry holds it)",
                         (unsigned long long)netns_ino);
}

int netns_guard_host(uint64_t netns_ino, struct error *e)
{
        struct stat st;

        /* PID 1's, not chaosd's own: in a DaemonSet with hostPID and no
         * hostNetwork, chaosd's namespace is its pod's while the host's
         * uplink lives in PID 1's. Both are refused. */
        if (stat("/proc/1/ns/net", &st) == 0 && (uint64_t)st.st_ino == netns_ino)
                return error_set(e, EPERM,
                                 "the target shares the host's network namespace (PID 1's): name the "
                                 "interface(s) explicitly with \"interface\"");
        if (stat("/proc/self/ns/net", &st) == 0 && (uint64_t)st.st_ino == netns_ino)
                return error_set(e, EPERM,
                                 "the target shares chaosd's (the host's) network namespace: name the "
                                 "interface(s) explicitly with \"interface\"");
        return 0;
}
