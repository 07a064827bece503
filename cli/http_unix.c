/* chaosctl to the local chaosd over its Unix socket: our own client
 * (lib/http/httpc_conn.c, http-parser), so that the common case maps no
 * TLS library at all. The connection stays open between requests. */
#include "http_transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"

static int on_body(int status, const char *at, size_t len, void *ud)
{
        return cli_http_sink_data(ud, status, at, len) < 0;
}

static int unreachable(const char *sock, struct error *e)
{
        int err = e->code;

        if (err == EACCES || err == EPERM)
                return error_set(
                        e, HTTP_EUNREACHABLE,
                        "cannot connect to chaosd at %s: %s (run as root or as a member of the socket's group)", sock,
                        strerror(err));
        if (err == ENAMETOOLONG)
                return error_set(e, HTTP_EUNREACHABLE, "cannot connect to chaosd at %s: socket path too long", sock);
        return error_set(e, HTTP_EUNREACHABLE,
                         "cannot connect to chaosd at %s: %s (is chaosd running? start it with "
                         "`chaosd --socket %s`, or point --socket/CHAOSD_SOCKET at its socket)",
                         sock, strerror(err), sock);
}

static int transport_error(const struct http_client *h, const struct cli_http_sink *s, int r, struct error *e)
{
        if (s->too_big)
                return error_set(e, EFBIG, "answer of chaosd larger than %u bytes", HTTP_MAX_BODY);
        if (s->oom)
                return error_set(e, ENOMEM, "out of memory reading the answer of chaosd");
        if (r == -ETIMEDOUT)
                return error_set(e, ETIMEDOUT, "chaosd at %s did not answer within %lds", h->socket,
                                 HTTP_TIMEOUT_MS / 1000);
        return error_wrap(e, "talking to chaosd at %s", h->socket);
}

static int unix_request(struct http_client *h, const char *method, const char *path, const char *body,
                        size_t body_len, struct cli_http_sink *s, struct error *e)
{
        struct httpc_call call = {
                .method = method,
                .path = path,
                .headers = body ? "User-Agent: chaosctl\r\nAccept: application/json\r\n"
                                  "Content-Type: application/json\r\n"
                                : "User-Agent: chaosctl\r\nAccept: application/json\r\n",
                .body = body,
                .body_len = body_len,
                /* A followed stream has no end; the stop flag ends it. */
                .timeout_ms = s->line ? 0 : (int)HTTP_TIMEOUT_MS,
                .stop = s->stop,
                .on_body = on_body,
                .ud = s,
        };
        int r;

        if (!h->conn) {
                h->conn = malloc(sizeof(*h->conn));
                if (!h->conn)
                        return error_set(e, ENOMEM, "out of memory");
                *h->conn = (struct httpc_conn)HTTPC_CONN_INIT;
        }
        /* At most twice: once more when a kept connection was closed by
         * chaosd while idle, before it read our request. */
        for (int attempt = 0; attempt < 2; attempt++) {
                if (httpc_conn_open(h->conn, h->socket, (int)HTTP_CONNECT_TIMEOUT_MS, e) < 0)
                        return unreachable(h->socket, e);
                r = httpc_conn_call(h->conn, &call, e);
                if (r != -EAGAIN)
                        break;
        }
        if (r == HTTPC_STOPPED && !s->too_big && !s->oom)
                return 0; /* the stop flag or the line callback */
        if (r < 0 || r == HTTPC_STOPPED)
                return transport_error(h, s, r, e);
        s->r->status = call.status;
        return 0;
}

static void unix_close(struct http_client *h)
{
        if (h->conn)
                httpc_conn_close(h->conn);
        free(h->conn);
        h->conn = NULL;
}

const struct cli_http_transport cli_http_unix_transport = {
        .request = unix_request,
        .close = unix_close,
};
