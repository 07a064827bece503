/* A small HTTP/1.1 client for runtime APIs on Unix sockets (Docker,
 * Podman). Responses are parsed by http-parser (the Node.js parser that
 * Debian ships), not by hand. Kept out of libcurl so that the daemon does
 * not map OpenSSL and friends while idle. */
#pragma once
#include <stddef.h>

#include "error.h"

#define HTTPC_MAX_BODY (4u << 20)

struct httpc_reply {
        int status;
        char *body; /* malloc'ed, NUL-terminated */
        size_t len;
};

/* METHOD PATH on the Unix socket SOCKET_PATH, with an optional JSON body.
 * Times out after timeout_ms. */
int httpc_request(const char *socket_path, const char *method, const char *path, const char *body,
                  int timeout_ms, struct httpc_reply *ret, struct error *e);
/* Parse a complete response held in BUF (the fuzz target's entry point). */
int httpc_parse(const char *buf, size_t len, struct httpc_reply *ret, struct error *e);
void httpc_reply_free(struct httpc_reply *r);
