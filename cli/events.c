/* chaosctl events [--follow] [ID]: the daemon's event log as readable
 * lines, or (--json) the JSON lines as they come; with ID (or a prefix)
 * only that experiment's. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "format.h"

struct sink {
        int json, follow;
        const char *only; /* an experiment ID or prefix; NULL: all */
};

static int wanted(const struct sink *k, const cJSON *ev)
{
        const char *exp = fmt_str(ev, "experiment");

        return !k->only || (*exp && strncmp(exp, k->only, strlen(k->only)) == 0);
}

static int on_line(const char *s, size_t len, void *ud)
{
        struct sink *k = ud;
        _cleanup_(cJSON_Deletep) cJSON *ev = NULL;

        if (len > 0 && s[len - 1] == '\r')
                len--;
        if (len == 0)
                return 0;
        if (!k->json || k->only)
                ev = cJSON_ParseWithLength(s, len);
        if (k->json || !cJSON_IsObject(ev)) {
                if (k->only && !(cJSON_IsObject(ev) && wanted(k, ev)))
                        return 0;
                /* --json passes lines through; a line that is not an event
                 * is shown rather than dropped. */
                fwrite(s, 1, len, stdout);
                putchar('\n');
        } else if (wanted(k, ev)) {
                char line[1024];

                fmt_event(ev, line, sizeof(line));
                printf("%s\n", line);
        }
        /* Followers are often pipes (grep, tee): deliver each line now. */
        if (k->follow)
                fflush(stdout);
        return ferror(stdout) ? 1 : 0;
}

int verb_events(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = {
                CLI_COMMON_LONGOPTS,
                { "follow", no_argument, NULL, 'f' },
                { NULL, 0, NULL, 0 },
        };
        struct http_response resp = { 0 };
        struct sink k = { 0 };
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":f", longopts, e)) != -1) {
                if (opt < 0)
                        return opt;
                k.follow = 1;
        }
        if (argc - optind > 1)
                return cli_usage_error("events", e);
        if (argc - optind == 1) {
                r = cli_check_id(argv[optind], e);
                if (r < 0)
                        return r;
                k.only = argv[optind];
        }
        k.json = c->json;
        if (k.follow) {
                r = cli_catch_signals(e);
                if (r < 0)
                        return r;
        }
        r = cli_http_stream(&c->http, k.follow ? "/v1/events?follow=1" : "/v1/events", on_line, &k,
                            k.follow ? &cli_interrupted : NULL, &resp, e);
        if (r >= 0)
                r = cli_http_error(&resp, e);
        cli_http_response_free(&resp);
        return r < 0 ? r : EXIT_OK;
}
