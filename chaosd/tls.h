/* The remote API's TLS: TLS 1.3 only, a client certificate is mandatory
 * and verified against --tls-client-ca *during the handshake*, so a client
 * without one, with one from another CA, or with an expired one never gets
 * a request read. libmicrohttpd (on GnuTLS) only ever asks for a client
 * certificate and leaves the verdict to the request handler; the
 * certificate-retrieval hook, which GnuTLS calls while it processes the
 * ClientHello (before it sends CertificateRequest), is where the session is
 * switched to "require and verify". */
#pragma once
#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/* GnuTLS priority string: TLS 1.3 and nothing else. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3"

struct tls_files {
        char *cert, *key, *ca; /* PEM text, malloc'ed */
};

/* Read the three PEM files and load the server certificate chain and key
 * for the handshake hook (one TLS listener per process). */
int tls_load(const char *cert, const char *key, const char *ca, struct tls_files *ret, struct error *e);
void tls_files_free(struct tls_files *f);
/* For MHD_OPTION_HTTPS_CERT_CALLBACK (a gnutls_certificate_retrieve_function2). */
void *tls_cert_callback(void);
/* 1 when the connection's GnuTLS session carries a client certificate that
 * verified (defence in depth: the handshake already required it). */
int tls_session_verified(void *gnutls_session);
/* libmicrohttpd's error log for the TLS listener (MHD_OPTION_EXTERNAL_LOGGER):
 * a failed handshake becomes a log line, so a refusal shows server-side. */
void tls_mhd_logger(void *cls, const char *fmt, va_list ap);
/* A listening TCP socket on HOST:PORT ("[v6]:port" too). */
int tls_listen_socket(const char *hostport, struct error *e);
