/* Inside cli/http*.c: the two transports behind cli_http_request() and
 * cli_http_stream() — our own client on the Unix socket (http_unix.c) and
 * libcurl, loaded at run time, for a remote host (http_curl.c) — and the
 * sink both feed the answer's body into. */
#pragma once
#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "http.h"

/* No answer of chaosd comes near this; it only bounds a confused peer. */
#define HTTP_MAX_BODY (16u << 20)
#define HTTP_CONNECT_TIMEOUT_MS 5000L
/* POST waits for injection *and* verification, DELETE for the revert. */
#define HTTP_TIMEOUT_MS 120000L

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

/* One request; 0 on any HTTP answer (s->r->status set) or when s->stop or
 * the line callback ended it, else a negative errno with e filled. */
int cli_http_unix(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                  struct cli_http_sink *s, struct error *e);
int cli_http_curl(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                  struct cli_http_sink *s, struct error *e);
void cli_http_unix_free(struct http_client *h);
void cli_http_curl_free(struct http_client *h);
