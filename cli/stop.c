/* chaosctl stop ID: revert an experiment's faults now. */
#include <stdio.h>

#include "cli.h"
#include "format.h"

int verb_stop(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        _cleanup_(cJSON_Deletep) cJSON *x = NULL;
        struct http_response resp = { 0 };
        char line[512];
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (argc - optind != 1)
                return cli_usage_error("stop", e);
        r = cli_experiment_call(c, "DELETE", argv[optind], &resp, &x, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0)
                return r;
        if (!c->json) {
                /* An experiment that had already ended is shown as it ended. */
                fmt_state_line(x, line, sizeof(line));
                printf("%s  %s\n", fmt_str(x, "id"), line);
        }
        return EXIT_OK;
}
