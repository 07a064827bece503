/* chaosctl to a remote chaosd (--host, --hosts): HTTPS with a client
 * certificate through libcurl, loaded at the first remote request
 * (curl_dl.c). The TLS set-up and the error wording are remote.c's. */
#include "http_transport.h"
#include "curl_dl.h"
#include "remote.h"

#include <errno.h>
#include <string.h>

struct transfer {
        struct cli_http_sink *s;
        const struct cli_curl *cu;
        CURL *curl;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
        struct transfer *t = ud;
        long status = 0;

        t->cu->easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        return cli_http_sink_data(t->s, status, p, size * nmemb) < 0 ? 0 : size * nmemb;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct transfer *t = ud;

        if (t->s->stop && *t->s->stop) {
                t->s->stopped = 1;
                return 1;
        }
        return 0;
}

static int transport_error(struct http_client *h, const struct transfer *t, CURLcode rc, struct error *e)
{
        long oserr = 0;
        curl_off_t connect_us = 0;

        if (t->s->too_big)
                return error_set(e, EFBIG, "answer of chaosd larger than %u bytes", HTTP_MAX_BODY);
        if (t->s->oom)
                return error_set(e, ENOMEM, "out of memory reading the answer of chaosd");
        t->cu->easy_getinfo(t->curl, CURLINFO_OS_ERRNO, &oserr);
        t->cu->easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
        return cli_remote_error(h->remote, rc, oserr, connect_us, e);
}

static int set_headers(const struct cli_curl *cu, CURL *curl, const char *body, struct curl_slist **ret,
                       struct error *e)
{
        struct curl_slist *hdrs = cu->slist_append(NULL, "Accept: application/json");

        if (hdrs && body)
                hdrs = cu->slist_append(hdrs, "Content-Type: application/json");
        /* libcurl would otherwise wait for "100 Continue" on bodies > 1 KiB. */
        if (hdrs)
                hdrs = cu->slist_append(hdrs, "Expect:");
        *ret = hdrs;
        if (!hdrs)
                return error_set(e, ENOMEM, "out of memory");
        cu->easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        return 0;
}

static int curl_request(struct http_client *h, const char *method, const char *path, const char *body,
                        size_t body_len, struct cli_http_sink *s, struct error *e)
{
        const struct cli_curl *cu = cli_curl_load(e);
        struct curl_slist *hdrs = NULL;
        struct transfer t = { .s = s, .cu = cu };
        CURLcode rc;

        if (!cu)
                return -e->code;
        if (!h->curl)
                h->curl = cu->easy_init();
        if (!h->curl)
                return error_set(e, ENOMEM, "cannot set up libcurl");
        t.curl = h->curl;
        /* reset keeps the connection cache: polls reuse one connection. */
        cu->easy_reset(t.curl);
        if (set_headers(cu, t.curl, body, &hdrs, e) < 0 || cli_remote_setopt(t.curl, h->remote, path, e) < 0) {
                cu->slist_free_all(hdrs);
                return -e->code;
        }
        cu->easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
        cu->easy_setopt(t.curl, CURLOPT_USERAGENT, "chaosctl");
        cu->easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS);
        cu->easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_data);
        cu->easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
        if (s->line) {
                /* A followed stream has no end; the progress callback (at
                 * least once a second) notices a stop request instead. */
                cu->easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
                cu->easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
                cu->easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);
        } else {
                cu->easy_setopt(t.curl, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
        }
        if (strcmp(method, "POST") == 0) {
                cu->easy_setopt(t.curl, CURLOPT_POST, 1L);
                cu->easy_setopt(t.curl, CURLOPT_POSTFIELDS, body ? body : "");
                cu->easy_setopt(t.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
        } else if (strcmp(method, "GET") != 0) {
                cu->easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, method);
        }

        rc = cu->easy_perform(t.curl);
        cu->slist_free_all(hdrs);
        cu->easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &s->r->status);
        if (rc == CURLE_ABORTED_BY_CALLBACK || (rc == CURLE_WRITE_ERROR && s->stopped))
                return 0;
        if (rc != CURLE_OK)
                return transport_error(h, &t, rc, e);
        return 0;
}

static void curl_close(struct http_client *h)
{
        const struct cli_curl *cu = cli_curl();

        if (h->curl && cu)
                cu->easy_cleanup(h->curl);
        h->curl = NULL;
}

const struct cli_http_transport cli_http_curl_transport = {
        .request = curl_request,
        .close = curl_close,
};
