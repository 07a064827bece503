#include "http.h"
#include "http_transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

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

static int perform(struct http_client *h, const char *method, const char *path, const char *body,
                   size_t body_len, struct cli_http_sink *s, struct error *e)
{
        int r;

        s->r->status = 0;
        s->r->len = 0;
        free(s->r->body);
        s->r->body = calloc(1, 1);
        if (!s->r->body)
                return error_set(e, ENOMEM, "out of memory");
        r = h->remote ? cli_http_curl(h, method, path, body, body_len, s, e)
                      : cli_http_unix(h, method, path, body, body_len, s, e);
        if (r < 0 || s->stopped || (s->stop && *s->stop))
                return r;
        /* A stream may end without a newline after its last line. */
        if (s->line && s->r->status == 200)
                (void)deliver_lines(s, 1);
        return 0;
}

int cli_http_request(struct http_client *h, const char *method, const char *path, const char *body,
                     size_t body_len, struct http_response *ret, struct error *e)
{
        struct cli_http_sink s = { .r = ret };

        return perform(h, method, path, body, body_len, &s, e);
}

int cli_http_stream(struct http_client *h, const char *path, int (*line)(const char *s, size_t len, void *ud),
                    void *ud, volatile sig_atomic_t *stop, struct http_response *ret, struct error *e)
{
        struct cli_http_sink s = { .r = ret, .line = line, .ud = ud, .stop = stop };

        return perform(h, "GET", path, NULL, 0, &s, e);
}

int cli_http_error(const struct http_response *r, struct error *e)
{
        cJSON *j, *msg, *path;
        int code;

        if (r->status >= 200 && r->status < 300)
                return 0;
        switch (r->status) {
        case 400:
        case 413:
                code = EINVAL;
                break;
        case 403:
                code = EACCES;
                break;
        case 404:
                code = ENOENT;
                break;
        case 409:
                code = EBUSY;
                break;
        default:
                code = EIO;
        }
        j = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
        msg = cJSON_GetObjectItemCaseSensitive(j, "error");
        path = cJSON_GetObjectItemCaseSensitive(j, "path");
        if (cJSON_IsString(msg) && cJSON_IsString(path) && path->valuestring[0] &&
            strncmp(msg->valuestring, path->valuestring, strlen(path->valuestring)) != 0)
                /* The message should carry its path; make sure it does. */
                error_path(e, path->valuestring, "%s", msg->valuestring);
        else if (cJSON_IsString(msg))
                error_set(e, code, "%s", msg->valuestring);
        else
                error_set(e, code, "chaosd answered HTTP %ld", r->status);
        if (cJSON_IsString(path))
                snprintf(e->path, sizeof(e->path), "%s", path->valuestring);
        e->code = code;
        cJSON_Delete(j);
        return -code;
}

void cli_http_response_free(struct http_response *r)
{
        free(r->body);
        r->body = NULL;
        r->len = 0;
}

void cli_http_client_free(struct http_client *h)
{
        cli_http_unix_free(h);
        cli_http_curl_free(h);
}
