#include "tls.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cleanup.h"
#include "daemon.h"
#include "fsutil.h"

#define MAX_CHAIN 8

/* The hook has no user pointer: the loaded chain is process-wide. */
static gnutls_pcert_st chain[MAX_CHAIN];
static unsigned chain_len;
static gnutls_privkey_t server_key;

static int read_pem(const char *path, const char *what, char **ret, struct error *e)
{
        ssize_t n = fs_read_alloc(path, 1u << 20, ret, e);

        if (n < 0)
                return error_wrap(e, "%s %s", what, path);
        if (!strstr(*ret, "-----BEGIN "))
                return error_set(e, EINVAL, "%s %s: not a PEM file", what, path);
        return 0;
}

static void unload(void)
{
        for (unsigned i = 0; i < chain_len; i++)
                gnutls_pcert_deinit(&chain[i]);
        chain_len = 0;
        if (server_key)
                gnutls_privkey_deinit(server_key);
        server_key = NULL;
}

int tls_load(const char *cert, const char *key, const char *ca, struct tls_files *ret, struct error *e)
{
        gnutls_datum_t d;
        unsigned n = MAX_CHAIN;
        int r;

        memset(ret, 0, sizeof(*ret));
        if ((r = read_pem(cert, "--tls-cert", &ret->cert, e)) < 0 ||
            (r = read_pem(key, "--tls-key", &ret->key, e)) < 0 ||
            (r = read_pem(ca, "--tls-client-ca", &ret->ca, e)) < 0) {
                tls_files_free(ret);
                return r;
        }
        unload();
        d.data = (unsigned char *)ret->cert;
        d.size = (unsigned)strlen(ret->cert);
        r = gnutls_pcert_list_import_x509_raw(chain, &n, &d, GNUTLS_X509_FMT_PEM, 0);
        if (r < 0) {
                tls_files_free(ret);
                return error_set(e, EINVAL, "--tls-cert %s: %s", cert, gnutls_strerror(r));
        }
        chain_len = n;
        d.data = (unsigned char *)ret->key;
        d.size = (unsigned)strlen(ret->key);
        if ((r = gnutls_privkey_init(&server_key)) < 0 ||
            (r = gnutls_privkey_import_x509_raw(server_key, &d, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
                unload();
                tls_files_free(ret);
                return error_set(e, EINVAL, "--tls-key %s: %s", key, gnutls_strerror(r));
        }
        return 0;
}

void tls_files_free(struct tls_files *f)
{
        free(f->cert);
        free(f->key);
        free(f->ca);
        memset(f, 0, sizeof(*f));
}

static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                    unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
        /* Require a client certificate and have GnuTLS verify it against
         * the trusted CA (libmicrohttpd loaded it into the credentials) as
         * part of the handshake: a missing, foreign or expired certificate
         * fails the handshake with an alert. */
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_cert(session, NULL, 0);
        if (!chain_len || !server_key)
                return -1;
        *pcert = chain;
        *pcert_length = chain_len;
        *pkey = server_key;
        return 0;
}

void *tls_cert_callback(void)
{
        return (void *)retrieve;
}

int tls_session_verified(void *session)
{
        unsigned status = 1;
        unsigned n = 0;

        if (!session || !gnutls_certificate_get_peers(session, &n) || n == 0)
                return 0;
        return gnutls_certificate_verify_peers2(session, &status) == 0 && status == 0;
}

void tls_mhd_logger(void *cls, const char *fmt, va_list ap)
{
        char msg[512];
        size_t n;

        vsnprintf(msg, sizeof(msg), fmt, ap);
        n = strlen(msg);
        while (n && msg[n - 1] == '\n')
                msg[--n] = '\0';
        /* libmicrohttpd says "received handshake message out of context"
         * for every failed handshake; here that means our verdict. */
        if (strstr(msg, "handshake"))
                log_event("warning", NULL, "tls",
                          "TLS handshake refused: no client certificate, or one that does not verify against "
                          "the client CA (or expired), or not TLS 1.3");
        else
                log_event("warning", NULL, "tls", "%s", msg);
}

int tls_listen_socket(const char *hostport, struct error *e)
{
        char host[256], *port;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        _cleanup_close_ int fd = -1;
        int one = 1, r;

        if (strlen(hostport) >= sizeof(host))
                return error_set(e, EINVAL, "--listen: \"%s\" is too long", hostport);
        snprintf(host, sizeof(host), "%s", hostport);
        port = strrchr(host, ':');
        if (!port || port == host || !port[1])
                return error_set(e, EINVAL, "--listen: \"%s\" is not HOST:PORT", hostport);
        *port++ = '\0';
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                memmove(host, host + 1, strlen(host));
                host[strlen(host) - 1] = '\0';
        }
        r = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, port, &hints, &ai);
        if (r != 0)
                return error_set(e, EINVAL, "--listen %s: %s", hostport, gai_strerror(r));
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                freeaddrinfo(ai);
                return error_sys(e, errno, "socket");
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        r = bind(fd, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
        if (r < 0)
                return error_sys(e, errno, "--listen: bind %s", hostport);
        if (listen(fd, 64) < 0)
                return error_sys(e, errno, "--listen: listen %s", hostport);
        return TAKE_FD(fd);
}
