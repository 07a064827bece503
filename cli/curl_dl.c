#include "curl_dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

/* Debian's libcurl4 (OpenSSL flavour) ships this soname; the GnuTLS and
 * NSS flavours are libcurl-gnutls.so.4 and libcurl-nss.so.4, which the
 * TLS options used in remote.c behave the same with, but they are not
 * what the package depends on. */
#define CURL_SONAME "libcurl.so.4"

static struct cli_curl table;
static int loaded;

#define SYM(field, name)                               \
        {                                              \
                offsetof(struct cli_curl, field), name \
        }
static const struct {
        size_t off;
        const char *name;
} syms[] = {
        SYM(global_init, "curl_global_init"),       SYM(global_cleanup, "curl_global_cleanup"),
        SYM(easy_init, "curl_easy_init"),           SYM(easy_cleanup, "curl_easy_cleanup"),
        SYM(easy_reset, "curl_easy_reset"),         SYM(easy_setopt, "curl_easy_setopt"),
        SYM(easy_perform, "curl_easy_perform"),     SYM(easy_getinfo, "curl_easy_getinfo"),
        SYM(easy_strerror, "curl_easy_strerror"),   SYM(slist_append, "curl_slist_append"),
        SYM(slist_free_all, "curl_slist_free_all"),
};

const struct cli_curl *cli_curl_load(struct error *e)
{
        struct cli_curl t;
        void *lib;

        if (loaded)
                return &table;
        /* RTLD_NODELETE: never unmapped, so no pointer into it can dangle. */
        lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!lib) {
                error_set(e, ENOPKG,
                          "remote mode (--host/--hosts) needs libcurl: cannot load %s: %s (install the "
                          "libcurl4 package)",
                          CURL_SONAME, dlerror());
                return NULL;
        }
        for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
                void *f = dlsym(lib, syms[i].name);

                if (!f) {
                        error_set(e, ENOPKG, "remote mode (--host/--hosts): %s has no %s (libcurl too old?)",
                                  CURL_SONAME, syms[i].name);
                        dlclose(lib);
                        return NULL;
                }
                /* A function pointer read back from void *: POSIX dlsym's own contract. */
                *(void **)((char *)&t + syms[i].off) = f;
        }
        /* Remote mode is HTTPS: initialise the TLS backend too. */
        if (t.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                error_set(e, ENOPKG, "remote mode (--host/--hosts): cannot initialise %s", CURL_SONAME);
                return NULL;
        }
        table = t;
        loaded = 1;
        return &table;
}

const struct cli_curl *cli_curl(void)
{
        return loaded ? &table : NULL;
}

void cli_curl_unload(void)
{
        if (loaded)
                table.global_cleanup();
        loaded = 0;
}
