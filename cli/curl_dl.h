/* libcurl, loaded with dlopen() the first time a remote chaosd is used:
 * it maps OpenSSL, Kerberos, LDAP and more (~30 libraries), which a local
 * chaosctl never needs and should not pay for at every start. The curl
 * headers still give the types and constants at build time. */
#pragma once
#include <curl/curl.h>

#include "error.h"

struct cli_curl {
        CURLcode (*global_init)(long flags);
        void (*global_cleanup)(void);
        CURL *(*easy_init)(void);
        void (*easy_cleanup)(CURL *curl);
        void (*easy_reset)(CURL *curl);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_perform)(CURL *curl);
        CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
        const char *(*easy_strerror)(CURLcode code);
        struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
        void (*slist_free_all)(struct curl_slist *list);
};

/* The loaded and globally initialised libcurl (once per process), or
 * NULL with -ENOPKG and a message naming the library or the symbol that
 * is missing. */
const struct cli_curl *cli_curl_load(struct error *e);
/* The table after a successful cli_curl_load(), else NULL. */
const struct cli_curl *cli_curl(void);
/* curl_global_cleanup() if it was loaded; the library stays mapped. */
void cli_curl_unload(void);
