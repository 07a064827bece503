#include "http.h"
#include "remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "cleanup.h"

/* No answer of chaosd comes near this; it only bounds a confused peer. */
#define HTTP_MAX_BODY (16u << 20)
#define HTTP_CONNECT_TIMEOUT_MS 5000L
/* POST waits for injection *and* verification, DELETE for the revert. */
#define HTTP_TIMEOUT_MS 120000L

DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all)

struct sink {
        struct http_response *r;
        CURL *curl;
        int (*line)(const char *s, size_t len, void *ud);
        void *ud;
        volatile sig_atomic_t *stop;
        int too_big, oom, stopped;
};

static int append(struct sink *s, const char *p, size_t n)
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
static int deliver_lines(struct sink *s, int final)
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

static int streaming_ok(struct sink *s)
{
        long status = 0;

        if (!s->line)
                return 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        return status == 200;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
        struct sink *s = ud;
        size_t n = size * nmemb;

        if (append(s, p, n) < 0)
                return 0;
        if (streaming_ok(s) && deliver_lines(s, 0) < 0) {
                s->stopped = 1;
                return 0;
        }
        return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct sink *s = ud;

        if (s->stop && *s->stop) {
                s->stopped = 1;
                return 1;
        }
        return 0;
}

static CURL *client(struct http_client *h, struct error *e)
{
        if (!h->curl)
                h->curl = curl_easy_init();
        if (!h->curl)
                error_set(e, ENOMEM, "cannot set up libcurl");
        return h->curl;
}

static int transport_error(struct http_client *h, CURLcode rc, struct sink *s, struct error *e)
{
        CURL *curl = h->curl;
        long oserr = 0;
        curl_off_t connect_us = 0;

        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &oserr);
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_us);
        if (s->too_big)
                return error_set(e, EFBIG, "answer of chaosd larger than %u bytes", HTTP_MAX_BODY);
        if (s->oom)
                return error_set(e, ENOMEM, "out of memory reading the answer of chaosd");
        if (h->remote)
                return cli_remote_error(h->remote, rc, oserr, connect_us, e);
        if (h->remote && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                          (rc == CURLE_OPERATION_TIMEDOUT && connect_us == 0)))
                return error_set(e, HTTP_EUNREACHABLE,
                                 "cannot connect to chaosd at %s: %s (is it running there with --listen?)",
                                 h->socket, oserr ? strerror((int)oserr) : curl_easy_strerror(rc));
        if (h->remote && (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
                          rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE ||
                          rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ENGINE_NOTFOUND))
                /* Not unreachable: it answered, and the handshake failed. */
                return error_set(e, EACCES, "TLS with chaosd at %s failed: %s (check --cert, --key and --cacert)",
                                 h->socket, curl_easy_strerror(rc));
        if (rc == CURLE_COULDNT_CONNECT || (rc == CURLE_OPERATION_TIMEDOUT && connect_us == 0)) {
                if (oserr == EACCES || oserr == EPERM)
                        return error_set(e, HTTP_EUNREACHABLE,
                                         "cannot connect to chaosd at %s: %s (run as root or as a member "
                                         "of the socket's group)",
                                         h->socket, strerror((int)oserr));
                return error_set(e, HTTP_EUNREACHABLE,
                                 "cannot connect to chaosd at %s: %s (is chaosd running? start it with "
                                 "`chaosd --socket %s`, or point --socket/CHAOSD_SOCKET at its socket)",
                                 h->socket, oserr ? strerror((int)oserr) : curl_easy_strerror(rc), h->socket);
        }
        if (rc == CURLE_OPERATION_TIMEDOUT)
                return error_set(e, ETIMEDOUT, "chaosd at %s did not answer within %lds", h->socket,
                                 HTTP_TIMEOUT_MS / 1000);
        if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
            rc == CURLE_PARTIAL_FILE)
                return error_set(e, EPROTO, "chaosd at %s closed the connection: %s", h->socket,
                                 curl_easy_strerror(rc));
        return error_set(e, EPROTO, "talking to chaosd at %s: %s", h->socket, curl_easy_strerror(rc));
}

static int perform(struct http_client *h, const char *method, const char *path, const char *body,
                   size_t body_len, struct sink *s, struct error *e)
{
        _cleanup_(curl_slist_free_allp) struct curl_slist *hdrs = NULL;
        char url[1024];
        CURL *curl = client(h, e);
        CURLcode rc;

        if (!curl)
                return -ENOMEM;
        if (!h->remote && snprintf(url, sizeof(url), "http://localhost%s", path) >= (int)sizeof(url))
                return error_set(e, ENAMETOOLONG, "request path too long");
        s->curl = curl;
        s->r->status = 0;
        s->r->len = 0;
        free(s->r->body);
        s->r->body = calloc(1, 1);
        if (!s->r->body)
                return error_set(e, ENOMEM, "out of memory");

        /* reset keeps the connection cache: polls reuse one connection. */
        curl_easy_reset(curl);
        hdrs = curl_slist_append(hdrs, "Accept: application/json");
        if (hdrs && body)
                hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        /* libcurl would otherwise wait for "100 Continue" on bodies > 1 KiB. */
        if (hdrs)
                hdrs = curl_slist_append(hdrs, "Expect:");
        if (!hdrs)
                return error_set(e, ENOMEM, "out of memory");
        if (h->remote) {
                if (cli_remote_setopt(curl, h->remote, path, e) < 0)
                        return -e->code;
        } else {
                curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, h->socket);
                curl_easy_setopt(curl, CURLOPT_URL, url);
                curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
        }
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "chaosctl");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
        if (s->line) {
                /* A followed stream has no end; the progress callback (at
                 * least once a second) notices a stop request instead. */
                curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
                curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
                curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
        } else {
                curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
        }
        if (strcmp(method, "POST") == 0) {
                curl_easy_setopt(curl, CURLOPT_POST, 1L);
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
                curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        } else if (strcmp(method, "GET") != 0) {
                curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        }

        rc = curl_easy_perform(curl);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &s->r->status);
        if (rc == CURLE_ABORTED_BY_CALLBACK || (rc == CURLE_WRITE_ERROR && s->stopped))
                return 0;
        if (rc != CURLE_OK)
                return transport_error(h, rc, s, e);
        if (streaming_ok(s))
                (void)deliver_lines(s, 1);
        return 0;
}

int cli_http_request(struct http_client *h, const char *method, const char *path, const char *body,
                     size_t body_len, struct http_response *ret, struct error *e)
{
        struct sink s = { .r = ret };

        return perform(h, method, path, body, body_len, &s, e);
}

int cli_http_stream(struct http_client *h, const char *path, int (*line)(const char *s, size_t len, void *ud),
                    void *ud, volatile sig_atomic_t *stop, struct http_response *ret, struct error *e)
{
        struct sink s = { .r = ret, .line = line, .ud = ud, .stop = stop };

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
        if (h->curl)
                curl_easy_cleanup(h->curl);
        h->curl = NULL;
}
