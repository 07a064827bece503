/* chaosctl halt: revert every active experiment (the big red button). */
#include <stdio.h>

#include "cli.h"
#include "format.h"

int verb_halt(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        _cleanup_(cJSON_Deletep) cJSON *x = NULL;
        struct http_response resp = { 0 };
        const cJSON *id;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (argc - optind != 0)
                return cli_usage_error("halt", e);
        r = cli_call(c, "POST", "/v1/halt", NULL, 0, &resp, &x, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0 || c->json)
                return r < 0 ? r : EXIT_OK;
        printf("halted %d experiment%s\n", (int)fmt_int(x, "halted", 0), fmt_int(x, "halted", 0) == 1 ? "" : "s");
        cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(x, "experiments"))
                if (cJSON_IsString(id))
                        printf("  %s\n", id->valuestring);
        return EXIT_OK;
}
