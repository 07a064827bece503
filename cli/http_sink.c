/* The sink both transports feed an answer's body into: the whole body for
 * a request, complete lines for a followed stream. */
#include <stdlib.h>
#include <string.h>

#include "http_transport.h"

static int append(struct cli_http_sink *s, const char *p, size_t n)
{
        struct http_response *r = s->r;
        char *nb;

        if (r->len + n > HTTP_MAX_BODY) {
                s->too_big = 1;
                return -1;
        }
        nb = realloc(r->body, r->len + n + 1);
        if (!nb) {
                s->oom = 1;
                return -1;
        }
        r->body = nb;
        memcpy(r->body + r->len, p, n);
        r->len += n;
        r->body[r->len] = '\0';
        return 0;
}

/* Hand complete lines to the streaming callback and keep only the
 * unfinished tail, so that a long `events --follow` stays small. */
static int deliver_lines(struct cli_http_sink *s, int final)
{
        struct http_response *r = s->r;
        size_t start = 0;
        char *nl;

        while ((nl = memchr(r->body + start, '\n', r->len - start))) {
                size_t n = (size_t)(nl - (r->body + start));

                if (s->line(r->body + start, n, s->ud))
                        return -1;
                start += n + 1;
        }
        if (final && start < r->len) {
                if (s->line(r->body + start, r->len - start, s->ud))
                        return -1;
                start = r->len;
        }
        memmove(r->body, r->body + start, r->len - start);
        r->len -= start;
        r->body[r->len] = '\0';
        return 0;
}

int cli_http_sink_data(struct cli_http_sink *s, long status, const char *p, size_t n)
{
        s->r->status = status;
        if (append(s, p, n) < 0)
                return -1;
        if (s->line && status == 200 && deliver_lines(s, 0) < 0) {
                s->stopped = 1;
                return -1;
        }
        return 0;
}

void cli_http_sink_end(struct cli_http_sink *s)
{
        if (s->line && s->r->status == 200)
                (void)deliver_lines(s, 1);
}
