/* Incremental reading of one HTTP/1.1 response with http-parser: the
 * framing (Content-Length, chunked, close-delimited) is its business; this
 * file only turns its callbacks into "more / done / stopped". */
#include "httpc.h"

#include <errno.h>
#include <string.h>

static int on_body(http_parser *p, const char *at, size_t len)
{
        struct httpc_reader *rd = p->data;

        if (rd->on_body && rd->on_body((int)p->status_code, at, len, rd->ud)) {
                rd->stopped = 1;
                return 1;
        }
        return 0;
}

static int on_complete(http_parser *p)
{
        struct httpc_reader *rd = p->data;

        rd->complete = 1;
        rd->keep_alive = http_should_keep_alive(p);
        /* Stop right after this answer: whatever follows is not ours to
         * read as a second message (we never pipeline). */
        http_parser_pause(p, 1);
        return 0;
}

static const http_parser_settings settings = {
        .on_body = on_body,
        .on_message_complete = on_complete,
};

void httpc_reader_init(struct httpc_reader *rd, int (*body)(int status, const char *at, size_t len, void *ud),
                       void *ud)
{
        memset(rd, 0, sizeof(*rd));
        http_parser_init(&rd->parser, HTTP_RESPONSE);
        rd->parser.data = rd;
        rd->on_body = body;
        rd->ud = ud;
}

int httpc_reader_feed(struct httpc_reader *rd, const char *buf, size_t len, struct error *e)
{
        size_t used;

        if (rd->complete)
                return HTTPC_DONE;
        if (rd->stopped)
                return HTTPC_STOPPED;
        used = http_parser_execute(&rd->parser, &settings, buf, len);
        if (rd->stopped)
                return HTTPC_STOPPED;
        if (rd->complete) {
                if (used < len)
                        rd->keep_alive = 0;
                return HTTPC_DONE;
        }
        if (HTTP_PARSER_ERRNO(&rd->parser) != HPE_OK)
                return error_set(e, EPROTO, "bad answer: %s", http_errno_description(HTTP_PARSER_ERRNO(&rd->parser)));
        if (len == 0)
                return error_set(e, EPROTO, "connection closed mid-answer");
        if (used != len)
                return error_set(e, EPROTO, "bad answer: parser stopped at byte %zu of %zu", used, len);
        return HTTPC_MORE;
}

int httpc_reader_status(const struct httpc_reader *rd)
{
        return (int)rd->parser.status_code;
}
