/* A small HTTP/1.1 client for APIs on Unix sockets: container runtimes
 * (Docker, Podman) for the daemon, chaosd itself for chaosctl. Responses
 * are parsed by http-parser (the Node.js parser that Debian ships), not by
 * hand. Kept out of libcurl so that neither the daemon nor a local chaosctl
 * maps OpenSSL and friends. */
#pragma once
#include <signal.h>
#include <stddef.h>

#include <http_parser.h>

#include "error.h"

#define HTTPC_MAX_BODY (4u << 20)

struct httpc_reply {
        int status;
        char *body; /* malloc'ed, NUL-terminated */
        size_t len;
};

/* METHOD PATH on the Unix socket SOCKET_PATH, with an optional JSON body,
 * on a connection of its own. Times out after timeout_ms. */
int httpc_request(const char *socket_path, const char *method, const char *path, const char *body, int timeout_ms,
                  struct httpc_reply *ret, struct error *e);
/* Parse a complete response held in BUF (the fuzz target's entry point). */
int httpc_parse(const char *buf, size_t len, struct httpc_reply *ret, struct error *e);
void httpc_reply_free(struct httpc_reply *r);

/* Incremental reading of one response, for answers that arrive in pieces
 * or never end (a followed event stream). */
enum { HTTPC_MORE = 0, HTTPC_DONE = 1, HTTPC_STOPPED = 2 };
struct httpc_reader {
        http_parser parser;
        /* Body bytes as they arrive (de-chunked), with the answer's status
         * code; non-zero stops reading. */
        int (*on_body)(int status, const char *at, size_t len, void *ud);
        void *ud;
        int complete, stopped;
        int keep_alive; /* once complete: the connection may carry another request */
};
void httpc_reader_init(struct httpc_reader *rd, int (*on_body)(int status, const char *at, size_t len, void *ud),
                       void *ud);
/* Feed LEN bytes of the answer; LEN 0 means the peer closed the connection.
 * Returns HTTPC_MORE, HTTPC_DONE (the answer is complete; bytes after it
 * are ignored and clear keep_alive), HTTPC_STOPPED (on_body said stop), or
 * -EPROTO with http-parser's reason. The fuzz target's second entry point. */
int httpc_reader_feed(struct httpc_reader *rd, const char *buf, size_t len, struct error *e);
/* The status code once the headers are read, 0 before. */
int httpc_reader_status(const struct httpc_reader *rd);

/* A connection to a Unix socket that carries consecutive requests
 * (keep-alive), so that a client polling every few hundred ms does not
 * connect each time. */
struct httpc_conn {
        int fd;                  /* -1 when closed; fresh objects must set it */
        int used;                /* requests answered on this connection */
        const char *socket_path; /* borrowed */
};
#define HTTPC_CONN_INIT  \
        {                \
                .fd = -1 \
        }

struct httpc_call {
        const char *method, *path;
        const char *headers; /* extra header lines, each ending in \r\n; may be NULL */
        const char *body;    /* may be NULL */
        size_t body_len;
        int timeout_ms;              /* for the whole answer; 0: none (streams) */
        volatile sig_atomic_t *stop; /* may be NULL; checked at least once a second */
        int (*on_body)(int status, const char *at, size_t len, void *ud);
        void *ud;
        int status; /* out: the answer's status code */
};

/* Connect to SOCKET_PATH (a no-op when connected), giving up after
 * timeout_ms. Errors carry connect()'s errno (ENOENT, ECONNREFUSED,
 * EACCES, ...) and name the socket. */
int httpc_conn_open(struct httpc_conn *c, const char *socket_path, int timeout_ms, struct error *e);
/* Send one request and read its answer, body to call->on_body. Returns 0
 * when the answer is complete, HTTPC_STOPPED when *call->stop or on_body
 * ended it (the connection is then closed), -EAGAIN when a reused
 * connection turned out closed by the peer before any answer (closed: open
 * and call again), -ETIMEDOUT, -EPROTO (bad or cut answer), or another
 * negative errno of send/recv. */
int httpc_conn_call(struct httpc_conn *c, struct httpc_call *call, struct error *e);
void httpc_conn_close(struct httpc_conn *c);
