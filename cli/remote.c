#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "curl_dl.h"
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
        const struct cli_curl *cu = cli_curl();
        char url[1024];
        size_t n = strlen(r->host);

        while (n && r->host[n - 1] == '/')
                n--;
        if (snprintf(url, sizeof(url), "%.*s%s", (int)n, r->host, path) >= (int)sizeof(url))
                return error_set(e, ENAMETOOLONG, "request URL too long");
        cu->easy_setopt(curl, CURLOPT_URL, url);
        cu->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
        cu->easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
        cu->easy_setopt(curl, CURLOPT_SSLCERT, r->cert);
        cu->easy_setopt(curl, CURLOPT_SSLKEY, r->key);
        cu->easy_setopt(curl, CURLOPT_CAINFO, r->cacert);
        cu->easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        cu->easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        return 0;
}

/* Only called once a transfer ran, so libcurl is loaded. */
static const char *curl_reason(int rc)
{
        return cli_curl()->easy_strerror((CURLcode)rc);
}

int cli_remote_error(const struct cli_remote *r, int rc, long oserr, long long connect_us, struct error *e)
{
        switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                return error_set(e, HTTP_EUNREACHABLE, "cannot connect to chaosd at %s: %s", r->host,
                                 oserr ? strerror((int)oserr) : curl_reason(rc));
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
                                 r->host, curl_reason(rc));
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                return error_set(e, EACCES, "the certificate of %s does not verify against --cacert %s (%s)", r->host,
                                 r->cacert, curl_reason(rc));
        case CURLE_SSL_CERTPROBLEM:
                return error_set(e, EINVAL, "--cert %s / --key %s: %s", r->cert, r->key, curl_reason(rc));
        }
        return error_set(e, EPROTO, "talking to chaosd at %s: %s", r->host, curl_reason(rc));
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

/* One host's run, in a child process: its output (stdout and the error
 * message) goes to OUT_FD; its exit status is the verb's exit code. */
static void run_host(struct cli *c, const struct verb *v, int argc, char **argv, const char *host, int out_fd)
{
        struct cli_remote one = *c->http.remote;
        struct cli hc = *c;
        struct error he = { 0 };
        int r;

        if (dup2(out_fd, STDOUT_FILENO) < 0)
                _exit(EXIT_FAIL);
        close(out_fd);
        one.host = host;
        one.hosts_file = NULL;
        memset(&hc.http, 0, sizeof(hc.http));
        hc.http.remote = &one;
        hc.http.transport = c->http.transport;
        hc.http.socket = host;
        optind = 0;
        r = v->run(&hc, argc, argv, &he);
        cli_http_client_free(&hc.http);
        if (r < 0)
                printf("chaosctl: %s\n", he.msg[0] ? he.msg : strerror(-r));
        fflush(stdout);
        _exit(cli_exit_code(r));
}

struct host_run {
        const char *host;
        pid_t pid;
        int fd, code;
        char *out;
        size_t len;
};

/* Read every child's output until all have closed it (bounded by the
 * children themselves: each ends when its verb does). */
static void collect(struct host_run *hr, int n)
{
        struct pollfd *pfd = calloc((size_t)n, sizeof(*pfd));
        int open_n = 0;

        if (!pfd)
                return;
        /* poll() skips negative fds: hosts whose child never started. */
        for (int i = 0; i < n; i++) {
                pfd[i].fd = hr[i].fd;
                pfd[i].events = POLLIN;
                open_n += hr[i].fd >= 0;
        }
        while (open_n > 0) {
                if (poll(pfd, (nfds_t)n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 0; i < n; i++) {
                        char buf[4096];
                        ssize_t k;
                        char *nb;

                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        k = read(pfd[i].fd, buf, sizeof(buf));
                        if (k <= 0) {
                                if (k < 0 && errno == EINTR)
                                        continue;
                                close(pfd[i].fd);
                                pfd[i].fd = -1;
                                hr[i].fd = -1;
                                open_n--;
                                continue;
                        }
                        nb = realloc(hr[i].out, hr[i].len + (size_t)k + 1);
                        if (!nb)
                                continue;
                        memcpy(nb + hr[i].len, buf, (size_t)k);
                        hr[i].out = nb;
                        hr[i].len += (size_t)k;
                        nb[hr[i].len] = '\0';
                }
        }
        free(pfd);
}

int cli_remote_fanout(struct cli *c, const struct verb *v, int argc, char **argv, struct error *e)
{
        struct host_run *hr;
        char **hosts = NULL;
        int n = 0, worst = 0, failed = 0, r;

        r = read_hosts(c->http.remote->hosts_file, &hosts, &n, e);
        if (r < 0)
                return r;
        hr = calloc((size_t)n, sizeof(*hr));
        if (!hr) {
                for (int i = 0; i < n; i++)
                        free(hosts[i]);
                free(hosts);
                return error_set(e, ENOMEM, "out of memory");
        }
        /* Every host at once, so that a game day hits them together; each
         * host's output is printed whole, in file order, once all are done. */
        fflush(stdout);
        for (int i = 0; i < n; i++) {
                int p[2];

                hr[i].host = hosts[i];
                hr[i].fd = -1;
                hr[i].code = EXIT_FAIL;
                if (pipe2(p, O_CLOEXEC) < 0) {
                        hr[i].pid = -1;
                        continue;
                }
                hr[i].pid = fork();
                if (hr[i].pid == 0) {
                        close(p[0]);
                        run_host(c, v, argc, argv, hosts[i], p[1]);
                }
                close(p[1]);
                if (hr[i].pid < 0) {
                        close(p[0]);
                        continue;
                }
                hr[i].fd = p[0];
        }
        collect(hr, n);
        for (int i = 0; i < n; i++) {
                int status;

                if (hr[i].pid > 0 && waitpid(hr[i].pid, &status, 0) == hr[i].pid)
                        hr[i].code = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAIL;
                printf("== %s\n", hr[i].host);
                if (hr[i].len)
                        fwrite(hr[i].out, 1, hr[i].len, stdout);
                if (hr[i].code > worst)
                        worst = hr[i].code;
                failed += hr[i].code != 0;
        }
        printf("== summary: %d host%s, %d ok, %d failed\n", n, n == 1 ? "" : "s", n - failed, failed);
        for (int i = 0; i < n; i++) {
                const char *msg = hr[i].out ? strstr(hr[i].out, "chaosctl: ") : NULL;
                int ml = msg ? (int)strcspn(msg + 10, "\n") : 0;

                printf("%-40s exit %d%s%.*s\n", hr[i].host, hr[i].code, msg ? "  " : "", ml, msg ? msg + 10 : "");
                free(hr[i].out);
                free(hosts[i]);
        }
        free(hosts);
        free(hr);
        return worst;
}
