/* One HTTP/1.1 connection to a Unix socket, kept open across requests
 * while the peer allows it. Reading is a poll loop so that a stop flag
 * (SIGINT in chaosctl) and the deadline are noticed without signals
 * having to interrupt a blocking recv(). */
#include "httpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"

/* How long a stop request may wait to be noticed. */
#define HTTPC_STOP_POLL_MS 1000

int httpc_conn_open(struct httpc_conn *c, const char *socket_path, int timeout_ms, struct error *e)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
        _cleanup_close_ int fd = -1;

        if (c->fd >= 0)
                return 0;
        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return error_set(e, ENAMETOOLONG, "socket path too long: %s", socket_path);
        strcpy(sa.sun_path, socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_sys(e, errno, "socket");
        /* A Unix-socket connect() waits for room in a full listen backlog
         * for as long as the send timeout, which then also bounds send(). */
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        return error_set(e, ETIMEDOUT, "connect %s: no room in its backlog within %d ms", socket_path,
                                         timeout_ms);
                return error_sys(e, errno, "connect %s", socket_path);
        }
        c->fd = TAKE_FD(fd);
        c->used = 0;
        c->socket_path = socket_path;
        return 0;
}

void httpc_conn_close(struct httpc_conn *c)
{
        if (c->fd >= 0)
                close(c->fd);
        c->fd = -1;
        c->used = 0;
}

static int send_all(int fd, const char *buf, size_t len, struct error *e)
{
        while (len) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_sys(e, errno, "send");
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

static int send_request(struct httpc_conn *c, const struct httpc_call *call, struct error *e)
{
        _cleanup_free_ char *head = NULL;
        int n;

        n = asprintf(&head, "%s %s HTTP/1.1\r\nHost: localhost\r\n%sContent-Length: %zu\r\n\r\n", call->method,
                     call->path, call->headers ? call->headers : "", call->body ? call->body_len : 0);
        if (n < 0) {
                head = NULL;
                return error_set(e, ENOMEM, "out of memory");
        }
        if (send_all(c->fd, head, (size_t)n, e) < 0)
                return -e->code;
        if (call->body && send_all(c->fd, call->body, call->body_len, e) < 0)
                return -e->code;
        return 0;
}

/* A reused connection that the peer closed while idle (its keep-alive
 * timeout) fails on the first send or read: that is no answer yet, so the
 * request may be sent again on a fresh connection. */
static int stale(struct httpc_conn *c, int reused, int err)
{
        httpc_conn_close(c);
        return reused && (err == 0 || err == EPIPE || err == ECONNRESET) ? -EAGAIN : 0;
}

int httpc_conn_call(struct httpc_conn *c, struct httpc_call *call, struct error *e)
{
        struct httpc_reader rd;
        long long deadline = call->timeout_ms > 0 ? clock_mono_ms() + call->timeout_ms : 0;
        int reused = c->used > 0, got_any = 0;
        char buf[16384];

        if (c->fd < 0)
                return error_set(e, ENOTCONN, "not connected");
        call->status = 0;
        if (send_request(c, call, e) < 0) {
                int err = e->code;

                return stale(c, reused, err) ?: -err;
        }
        httpc_reader_init(&rd, call->on_body, call->ud);
        for (;;) {
                struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
                int wait = call->stop ? HTTPC_STOP_POLL_MS : -1, r;
                ssize_t n;

                if (call->stop && *call->stop) {
                        httpc_conn_close(c);
                        return HTTPC_STOPPED;
                }
                if (deadline) {
                        long long left = deadline - clock_mono_ms();

                        if (left <= 0) {
                                httpc_conn_close(c);
                                return error_set(e, ETIMEDOUT, "no complete answer within %d ms", call->timeout_ms);
                        }
                        if (wait < 0 || left < wait)
                                wait = (int)left;
                }
                r = poll(&pfd, 1, wait);
                if (r < 0 && errno != EINTR) {
                        httpc_conn_close(c);
                        return error_sys(e, errno, "poll");
                }
                if (r <= 0)
                        continue;
                n = recv(c->fd, buf, sizeof(buf), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int err = errno;

                        return (!got_any ? stale(c, reused, err) : (httpc_conn_close(c), 0))
                                       ?: error_sys(e, err, "recv");
                }
                if (n == 0 && !got_any)
                        return stale(c, reused, 0) ?: error_set(e, EPROTO, "closed the connection without an answer");
                got_any = 1;
                r = httpc_reader_feed(&rd, buf, (size_t)n, e);
                call->status = httpc_reader_status(&rd);
                if (r == HTTPC_MORE)
                        continue;
                if (r < 0 || r == HTTPC_STOPPED || !rd.keep_alive)
                        httpc_conn_close(c);
                else
                        c->used++;
                return r == HTTPC_DONE ? 0 : r;
        }
}
