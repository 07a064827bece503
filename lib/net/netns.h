/* Network namespace entry. A netlink socket stays in the namespace it was
 * created in, so chaosd enters the target's netns only for the instant it
 * takes to create the socket, then returns: every later request on that
 * socket acts on the target's interfaces while the daemon itself never
 * leaves its own namespace. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <netlink/netlink.h>

#include "error.h"

/* A NETLINK_ROUTE socket inside the network namespace of PID. When
 * NETNS_INO is non-zero the namespace must still be that one (a recycled
 * PID is refused); when PIDFD >= 0 the process must still be alive after
 * the namespace was opened. -ESRCH when the process or namespace is gone. */
int netns_route_socket(pid_t pid, int pidfd, uint64_t netns_ino, struct nl_sock **ret, struct error *e);

/* An fd of PID's network namespace (O_CLOEXEC), held so that the namespace
 * outlives the process: NETNS_INO and PIDFD are checked as for
 * netns_route_socket(). -ESRCH when the process or namespace is gone. */
int netns_open_pid(pid_t pid, int pidfd, uint64_t netns_ino, int *ret_fd, struct error *e);
/* A NETLINK_ROUTE socket inside the namespace NSFD refers to. */
int netns_route_socket_fd(int nsfd, struct nl_sock **ret, struct error *e);
/* Find a live network namespace by its inode after the process that was in
 * it is gone (a pod's pause container, `ip netns add`, a container sharing
 * it): every /proc/PID/ns/net and every /run/netns/NAME is compared.
 * -ESRCH when no such namespace exists any more. */
int netns_find_by_inode(uint64_t netns_ino, int *ret_fd, struct error *e);
/* Inode of the namespace behind NSFD. */
int netns_fd_inode(int nsfd, uint64_t *ret, struct error *e);
/* -EPERM when NETNS_INO is the host's network namespace (PID 1's) or
 * chaosd's own: "every interface" there is the host's uplink and every
 * container's veth. */
int netns_guard_host(uint64_t netns_ino, struct error *e);
