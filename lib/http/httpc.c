/* One-shot requests (the daemon asking Docker or Podman) and the parse of a
 * whole response held in memory, both on the reader and the connection of
 * httpc_reader.c and httpc_conn.c. */
#include "httpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct reply_sink {
        struct httpc_reply *r;
        int overflow, oom;
};

static int reply_body(int status, const char *at, size_t len, void *ud)
{
        struct reply_sink *s = ud;
        char *nb;

        if (s->r->len + len > HTTPC_MAX_BODY) {
                s->overflow = 1;
                return 1;
        }
        nb = realloc(s->r->body, s->r->len + len + 1);
        if (!nb) {
                s->oom = 1;
                return 1;
        }
        memcpy(nb + s->r->len, at, len);
        s->r->body = nb;
        s->r->len += len;
        nb[s->r->len] = '\0';
        return 0;
}

/* The end of a reply: a stopped read is one of the sink's limits. */
static int reply_end(struct reply_sink *s, int status, int r, struct error *e)
{
        if (r == HTTPC_STOPPED)
                r = error_set(e, s->overflow ? EPROTO : ENOMEM, "%s",
                              s->overflow ? "answer too large" : "out of memory");
        if (r < 0) {
                httpc_reply_free(s->r);
                return r;
        }
        s->r->status = status;
        if (!s->r->body) {
                s->r->body = strdup("");
                if (!s->r->body)
                        return error_set(e, ENOMEM, "out of memory");
        }
        return 0;
}

int httpc_request(const char *socket_path, const char *method, const char *path, const char *body, int timeout_ms,
                  struct httpc_reply *ret, struct error *e)
{
        struct httpc_conn c = HTTPC_CONN_INIT;
        struct reply_sink s = { .r = ret };
        struct httpc_call call = {
                .method = method,
                .path = path,
                .headers = "User-Agent: chaosd\r\nConnection: close\r\nContent-Type: application/json\r\n",
                .body = body ? body : "",
                .body_len = body ? strlen(body) : 0,
                .timeout_ms = timeout_ms,
                .on_body = reply_body,
                .ud = &s,
        };
        int r;

        memset(ret, 0, sizeof(*ret));
        r = httpc_conn_open(&c, socket_path, timeout_ms, e);
        if (r < 0)
                return r;
        r = httpc_conn_call(&c, &call, e);
        httpc_conn_close(&c);
        if (r < 0 && r != -ENOMEM)
                error_wrap(e, "%s", socket_path);
        return reply_end(&s, call.status, r, e);
}

int httpc_parse(const char *buf, size_t len, struct httpc_reply *ret, struct error *e)
{
        struct reply_sink s = { .r = ret };
        struct httpc_reader rd;
        int r;

        memset(ret, 0, sizeof(*ret));
        httpc_reader_init(&rd, reply_body, &s);
        r = httpc_reader_feed(&rd, buf, len, e);
        if (r == HTTPC_MORE) /* EOF ends a body without length */
                r = httpc_reader_feed(&rd, buf, 0, e);
        return reply_end(&s, httpc_reader_status(&rd), r, e);
}

void httpc_reply_free(struct httpc_reply *r)
{
        free(r->body);
        r->body = NULL;
        r->len = 0;
}
