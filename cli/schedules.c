/* chaosctl schedules [rm ID]: the daemon's schedules (specs with
 * "schedule", docs/gameday.md) and their next firing; rm deletes one (a
 * run it started keeps running: stop it with `chaosctl stop`). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "format.h"

static int list(struct cli *c, struct error *e)
{
        _cleanup_(cJSON_Deletep) cJSON *j = NULL;
        struct http_response resp = { 0 };
        const cJSON *arr, *s;
        int r;

        r = cli_call(c, "GET", "/v1/schedules", NULL, 0, &resp, &j, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0 || c->json)
                return r < 0 ? r : EXIT_OK;
        arr = cJSON_GetObjectItemCaseSensitive(j, "schedules");
        if (cJSON_GetArraySize(arr) == 0) {
                printf("no schedules\n");
                return EXIT_OK;
        }
        printf("%-14s %-24s %-16s %-16s %-21s %5s %7s %s\n", "ID", "NAME", "CRON", "TIMEZONE", "NEXT RUN", "RUNS",
               "SKIPPED", "LAST EXPERIMENT");
        cJSON_ArrayForEach(s, arr)
                printf("%-14s %-24s %-16s %-16s %-21s %5lld %7lld %s\n", fmt_str(s, "id"), fmt_str(s, "name"),
                       fmt_str(s, "cron"), fmt_str(s, "timezone"), fmt_str(s, "next_run"),
                       (long long)fmt_int(s, "runs", 0), (long long)fmt_int(s, "skipped", 0),
                       *fmt_str(s, "last_experiment") ? fmt_str(s, "last_experiment") : "-");
        return EXIT_OK;
}

int verb_schedules(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        _cleanup_(cJSON_Deletep) cJSON *j = NULL;
        struct http_response resp = { 0 };
        char path[128];
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (argc - optind == 0 || (argc - optind == 1 && strcmp(argv[optind], "ls") == 0))
                return list(c, e);
        if (argc - optind != 2 || strcmp(argv[optind], "rm") != 0)
                return cli_usage_error("schedules", e);
        r = cli_check_id(argv[optind + 1], e);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/v1/schedules/%s", argv[optind + 1]);
        r = cli_call(c, "DELETE", path, NULL, 0, &resp, &j, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0)
                return r;
        if (!c->json)
                printf("schedule %s deleted\n", fmt_str(j, "id"));
        return EXIT_OK;
}
