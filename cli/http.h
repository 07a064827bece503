/* HTTP/1.1 to chaosd: over its Unix socket with our own small client
 * (lib/http/httpc*.c, http-parser), or to a remote chaosd over mutual
 * TLS with libcurl, which is loaded (dlopen) only then. One connection per
 * process, kept open, so that consecutive requests (run --wait polls)
 * reuse it. */
#pragma once
#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "http_transport.h"

/* METHOD PATH with an optional JSON BODY. Returns 0 on any HTTP answer
 * (check ret->status), -HTTP_EUNREACHABLE when the socket cannot be
 * connected to (the message names the socket), another negative errno on
 * other transport errors (-ENOPKG: remote mode without libcurl4). */
int cli_http_request(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                     struct http_response *ret, struct error *e);

/* GET PATH and hand each line of the answer (without its newline) to LINE
 * as it arrives. Ends when the daemon closes the stream, when LINE returns
 * non-zero, or when *stop becomes non-zero (checked at least every second):
 * all three return 0. A non-200 answer is returned as in cli_http_request, its
 * body in ret (lines are only delivered on 200). */
int cli_http_stream(struct http_client *h, const char *path, int (*line)(const char *s, size_t len, void *ud),
                    void *ud, volatile sig_atomic_t *stop, struct http_response *ret, struct error *e);

/* Map a non-2xx answer to a negative errno and "message" (the daemon's
 * {"error": ..., "path": ...}): 400/413 -EINVAL (usage/invalid spec),
 * 403 -EACCES, 404 -ENOENT, 409 -EBUSY, others -EIO. 0 on 2xx. */
int cli_http_error(const struct http_response *r, struct error *e);

void cli_http_response_free(struct http_response *r);
/* Close the connection (and free libcurl's handle when there is one). */
void cli_http_client_free(struct http_client *h);
