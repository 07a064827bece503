/* chaosctl against a remote chaosd: HTTPS with TLS 1.3 and a client
 * certificate (--host https://HOST:PORT --cert F --key F --cacert F), and
 * one verb run against every host of a file (--hosts FILE) with the exit
 * codes aggregated. See docs/remote.md. */
#pragma once
#include "error.h"
#include "http.h"

struct cli;
struct verb;

struct cli_remote {
        const char *host; /* https://HOST:PORT, no trailing path */
        const char *cert, *key, *cacert;
        const char *hosts_file;
};

enum { CLI_OPT_HOST = 0x200, CLI_OPT_CERT, CLI_OPT_KEY, CLI_OPT_CACERT, CLI_OPT_HOSTS };
#define CLI_REMOTE_LONGOPTS                                                                                   \
        { "host", required_argument, NULL, CLI_OPT_HOST }, { "cert", required_argument, NULL, CLI_OPT_CERT }, \
                { "key", required_argument, NULL, CLI_OPT_KEY },                                              \
                { "cacert", required_argument, NULL, CLI_OPT_CACERT },                                        \
        {                                                                                                     \
                "hosts", required_argument, NULL, CLI_OPT_HOSTS                                               \
        }

/* A global option of main's getopt loop; 1 if it was one of ours. */
int cli_remote_option(struct cli_remote *r, int opt, const char *arg);
/* Check the combination; -EINVAL (usage) when incomplete. */
int cli_remote_check(const struct cli_remote *r, struct error *e);
/* curl set-up of one request to the remote host (CURL *, libcurl loaded
 * by curl_dl.c); URL is built
 * from r->host and PATH. */
int cli_remote_setopt(void *curl, const struct cli_remote *r, const char *path, struct error *e);
/* A transport failure talking to R->host (libcurl's CURLcode RC, the OS
 * errno, the connect time in µs, 0 if it never connected) as a message and
 * errno: unreachable (exit 3) only when the TCP connection failed. */
int cli_remote_error(const struct cli_remote *r, int rc, long oserr, long long connect_us, struct error *e);
/* Run verb V (argv as main got it) once per host of r->hosts_file, each
 * with a fresh connection; prints a summary and returns the aggregated
 * exit code: 0 when every host gave 0, else the highest one. */
int cli_remote_fanout(struct cli *c, const struct verb *v, int argc, char **argv, struct error *e);
