/* chaosctl ls: the experiments the daemon knows, newest first. */
#include <stdio.h>

#include "cli.h"
#include "format.h"

int verb_ls(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        _cleanup_(cJSON_Deletep) cJSON *list = NULL;
        struct http_response resp = { 0 };
        const cJSON *exps, *x;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (argc - optind != 0)
                return cli_usage_error("ls", e);
        r = cli_call(c, "GET", "/v1/experiments", NULL, 0, &resp, &list, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0 || c->json)
                return r < 0 ? r : EXIT_OK;

        exps = cJSON_GetObjectItemCaseSensitive(list, "experiments");
        if (cJSON_GetArraySize(exps) == 0) {
                printf("no experiments\n");
                return EXIT_OK;
        }
        printf("%-14s %-24s %-12s %-8s %-6s %s\n", "ID", "NAME", "STATE", "LEFT", "ACTIVE", "CREATED");
        cJSON_ArrayForEach(x, exps) {
                const char *state = fmt_str(x, "state");
                char left[32] = "-";

                if (!fmt_state_is_end(state))
                        fmt_left(fmt_int(x, "remaining_ms", 0), left, sizeof(left));
                printf("%-14s %-24s %-12s %-8s %-6d %s\n", fmt_str(x, "id"), fmt_str(x, "name"), state, left,
                       fmt_faults_active(x), fmt_str(x, "created_at"));
        }
        return EXIT_OK;
}
