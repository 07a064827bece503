/* The pieces of chaosctl's HTTP client that its transports share: the
 * client and response types, the sink both transports feed an answer's
 * body into (http_sink.c), and the transport table through which
 * cli_http_request() (http.c) reaches our own client on the Unix socket
 * (http_unix.c) or libcurl, loaded at run time, for a remote host
 * (http_curl.c) — chosen by whoever sets the client up, so http.c names
 * no transport but the default one. Types only and the table: no
 * transport calls back into http.c. */
#pragma once
#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "error.h"

/* The errno that means "the daemon could not be reached at all" (exit 3). */
#define HTTP_EUNREACHABLE EHOSTDOWN

/* No answer of chaosd comes near this; it only bounds a confused peer. */
#define HTTP_MAX_BODY (16u << 20)
#define HTTP_CONNECT_TIMEOUT_MS 5000L
/* POST waits for injection *and* verification, DELETE for the revert. */
#define HTTP_TIMEOUT_MS 120000L

struct cli_remote;
struct httpc_conn;
struct http_client;
struct cli_http_sink;

struct cli_http_transport {
        /* One request; 0 on any HTTP answer (s->r->status set) or when
         * s->stop or the line callback ended it, else a negative errno
         * with e filled. */
        int (*request)(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                       struct cli_http_sink *s, struct error *e);
        /* Close what the transport holds in H; idempotent. */
        void (*close)(struct http_client *h);
};

/* Our own client on the Unix socket, the default. */
extern const struct cli_http_transport cli_http_unix_transport;
/* libcurl to a remote chaosd (h->remote). */
extern const struct cli_http_transport cli_http_curl_transport;

struct http_client {
        struct httpc_conn *conn;   /* the Unix socket's, opened on first use */
        void *curl;                /* CURL *, created on first remote use */
        const char *socket;        /* borrowed; the host URL when remote */
        struct cli_remote *remote; /* NULL: the Unix socket (cli/remote.c) */
        /* NULL: cli_http_unix_transport. */
        const struct cli_http_transport *transport;
};

struct http_response {
        long status;
        char *body; /* NUL-terminated, owned; never NULL after a request */
        size_t len;
};

struct cli_http_sink {
        struct http_response *r;
        int (*line)(const char *s, size_t len, void *ud); /* NULL: keep the whole body */
        void *ud;
        volatile sig_atomic_t *stop;
        int too_big, oom, stopped;
};

/* Body bytes of an answer with status STATUS: kept in s->r, or on a 200
 * stream handed to s->line line by line. -1 ends the transfer, with
 * too_big, oom or stopped set. */
int cli_http_sink_data(struct cli_http_sink *s, long status, const char *p, size_t n);
/* The transfer is over: a stream may end without a newline after its
 * last line, which goes to s->line now. */
void cli_http_sink_end(struct cli_http_sink *s);
