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
