#include "remote.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "format.h"

#define MAX_HOSTS 256

int cli_remote_option(struct cli_remote *r, int opt, const char *arg)
{
        switch (opt) {
        case CLI_OPT_HOST:
                r->host = arg;
                return 1;
        case CLI_OPT_CERT:
                r->cert = arg;
                return 1;
        case CLI_OPT_KEY:
                r->key = arg;
                return 1;
        case CLI_OPT_CACERT:
                r->cacert = arg;
                return 1;
        case CLI_OPT_HOSTS:
                r->hosts_file = arg;
                return 1;
        }
        return 0;
}

int cli_remote_check(const struct cli_remote *r, struct error *e)
{
        if (r->host && r->hosts_file)
                return error_set(e, EINVAL, "--host and --hosts are exclusive");
        if (!r->host && !r->hosts_file) {
                if (r->cert || r->key || r->cacert)
                        return error_set(e, EINVAL, "--cert/--key/--cacert only apply with --host or --hosts");
                return 0;
        }
        if (!r->cert || !r->key || !r->cacert)
                return error_set(e, EINVAL, "a remote chaosd needs --cert, --key and --cacert (mutual TLS)");
        if (r->host && strncmp(r->host, "https://", 8) != 0)
                return error_set(e, EINVAL, "--host \"%s\": must be https://HOST:PORT", r->host);
        return 0;
}

int cli_remote_setopt(void *curl, const struct cli_remote *r, const char *path, struct error *e)
{
        char url[1024];
        size_t n = strlen(r->host);

        while (n && r->host[n - 1] == '/')
                n--;
        if (snprintf(url, sizeof(url), "%.*s%s", (int)n, r->host, path) >= (int)sizeof(url))
                return error_set(e, ENAMETOOLONG, "request URL too long");
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
        curl_easy_setopt(curl, CURLOPT_SSLCERT, r->cert);
        curl_easy_setopt(curl, CURLOPT_SSLKEY, r->key);
        curl_easy_setopt(curl, CURLOPT_CAINFO, r->cacert);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        return 0;
}

int cli_remote_error(const struct cli_remote *r, int rc, long oserr, long long connect_us, struct error *e)
{
        switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                return error_set(e, HTTP_EUNREACHABLE, "cannot connect to chaosd at %s: %s", r->host,
                                 oserr ? strerror((int)oserr) : curl_easy_strerror((CURLcode)rc));
        case CURLE_OPERATION_TIMEDOUT:
                if (!connect_us)
                        return error_set(e, HTTP_EUNREACHABLE, "cannot connect to chaosd at %s: timed out", r->host);
                return error_set(e, ETIMEDOUT, "chaosd at %s did not answer in time", r->host);
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
                /* chaosd verifies the client certificate in the handshake
                 * and closes the connection without an answer. */
                return error_set(e, EACCES,
                                 "chaosd at %s closed the connection without an answer (%s); when it always "
                                 "does, it refuses the client certificate: is --cert signed by the CA chaosd "
                                 "trusts (--tls-client-ca), still valid, and does --key match it?",
                                 r->host, curl_easy_strerror((CURLcode)rc));
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                return error_set(e, EACCES, "the certificate of %s does not verify against --cacert %s (%s)", r->host,
                                 r->cacert, curl_easy_strerror((CURLcode)rc));
        case CURLE_SSL_CERTPROBLEM:
                return error_set(e, EINVAL, "--cert %s / --key %s: %s", r->cert, r->key,
                                 curl_easy_strerror((CURLcode)rc));
        }
        return error_set(e, EPROTO, "talking to chaosd at %s: %s", r->host, curl_easy_strerror((CURLcode)rc));
}

/* One host per line; blank lines and #comments are skipped. */
static int read_hosts(const char *file, char ***ret, int *ret_n, struct error *e)
{
        FILE *f = fopen(file, "re");
        char line[1024], **v;
        int n = 0;

        if (!f)
                return error_sys(e, errno, "--hosts %s", file);
        v = calloc(MAX_HOSTS, sizeof(*v));
        if (!v) {
                fclose(f);
                return error_set(e, ENOMEM, "out of memory");
        }
        while (fgets(line, sizeof(line), f)) {
                char *s = line, *end;

                while (*s == ' ' || *s == '\t')
                        s++;
                end = s + strcspn(s, " \t\r\n#");
                *end = '\0';
                if (!*s)
                        continue;
                if (n == MAX_HOSTS || strncmp(s, "https://", 8) != 0 || !(v[n] = strdup(s))) {
                        fclose(f);
                        for (int i = 0; i < n; i++)
                                free(v[i]);
                        free(v);
                        return error_set(e, EINVAL, "--hosts %s: \"%s\": one https://HOST:PORT per line, at most %d",
                                         file, s, MAX_HOSTS);
                }
                n++;
        }
        fclose(f);
        if (n == 0) {
                free(v);
                return error_set(e, EINVAL, "--hosts %s: no hosts", file);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int cli_remote_fanout(struct cli *c, const struct verb *v, int argc, char **argv, struct error *e)
{
        struct cli_remote *base = c->http.remote;
        char **hosts = NULL;
        int n = 0, worst = 0, failed = 0, r;
        int *codes;
        char (*msgs)[256];

        r = read_hosts(base->hosts_file, &hosts, &n, e);
        if (r < 0)
                return r;
        codes = calloc((size_t)n, sizeof(*codes));
        msgs = calloc((size_t)n, sizeof(*msgs));
        if (!codes || !msgs) {
                free(codes);
                free(msgs);
                return error_set(e, ENOMEM, "out of memory");
        }
        for (int i = 0; i < n; i++) {
                struct cli_remote one = *base;
                struct cli hc = *c;
                struct error he = { 0 };
                char **av = calloc((size_t)argc + 1, sizeof(*av));

                if (!av) {
                        codes[i] = EXIT_FAIL;
                        continue;
                }
                memcpy(av, argv, (size_t)argc * sizeof(*av));
                one.host = hosts[i];
                one.hosts_file = NULL;
                memset(&hc.http, 0, sizeof(hc.http));
                hc.http.remote = &one;
                hc.http.socket = hosts[i];
                printf("== %s\n", hosts[i]);
                fflush(stdout);
                optind = 0;
                r = v->run(&hc, argc, av, &he);
                cli_http_client_free(&hc.http);
                free(av);
                fflush(stdout);
                codes[i] = cli_exit_code(r);
                if (r < 0)
                        snprintf(msgs[i], sizeof(msgs[i]), "%s", he.msg[0] ? he.msg : strerror(-r));
                if (codes[i] > worst)
                        worst = codes[i];
                failed += codes[i] != 0;
        }
        printf("== summary: %d host%s, %d ok, %d failed\n", n, n == 1 ? "" : "s", n - failed, failed);
        for (int i = 0; i < n; i++) {
                printf("%-40s exit %d%s%s\n", hosts[i], codes[i], msgs[i][0] ? "  " : "", msgs[i]);
                free(hosts[i]);
        }
        free(hosts);
        free(codes);
        free(msgs);
        return worst;
}
