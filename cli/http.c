#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static const struct cli_http_transport *transport(const struct http_client *h)
{
        return h->transport ? h->transport : &cli_http_unix_transport;
}

static int perform(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                   struct cli_http_sink *s, struct error *e)
{
        int r;

        s->r->status = 0;
        s->r->len = 0;
        free(s->r->body);
        s->r->body = calloc(1, 1);
        if (!s->r->body)
                return error_set(e, ENOMEM, "out of memory");
        r = transport(h)->request(h, method, path, body, body_len, s, e);
        if (r < 0 || s->stopped || (s->stop && *s->stop))
                return r;
        cli_http_sink_end(s);
        return 0;
}

int cli_http_request(struct http_client *h, const char *method, const char *path, const char *body, size_t body_len,
                     struct http_response *ret, struct error *e)
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
        transport(h)->close(h);
}
