/* chaosd's seccomp agent: supervisor of processes that run under a seccomp
 * user-notification filter whose listener was handed to us.
 *
 * The socket speaks the OCI seccomp-agent protocol (runtime-spec
 * linux.seccomp.listenerPath: one message carrying the container process
 * state as JSON and the listener in SCM_RIGHTS, "fds": ["seccompFd"]).
 * chaosctl exec uses the same message, with "metadata": "chaosctl-exec",
 * and keeps the connection open: it is the keeper that answers CONTINUE
 * itself when chaosd goes away, and we answer "ok\n" once the listener is
 * being watched.
 *
 * Every notification is answered CONTINUE unless a "syscall" fault has
 * attached a policy to that process (syscall_fault.h's agent ops), and
 * always before the supervised process's first execve (runc's init and
 * chaosctl exec's child run under the filter before they exec). Held
 * (delayed) calls wait on a timer of the loop, never blocking it.
 *
 * The socket is <dir of the API socket>/seccomp.sock, or
 * $CHAOSD_SECCOMP_SOCKET; mode 0600 (runtimes run as root). */
#pragma once
#include "daemon.h"

int seccomp_agent_start(struct daemon *d, const char *api_socket, struct error *e);
/* Close every listener (their routed calls then fail with ENOSYS unless a
 * keeper holds them: chaosctl exec does) and the socket. */
void seccomp_agent_stop(void);
