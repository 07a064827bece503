/* chaosctl validate FILE: the daemon's own parser, run locally. */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "specfile.h"

int verb_validate(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (c->json)
                return error_set(e, EINVAL, "validate: --json is not supported here");
        if (argc - optind != 1)
                return cli_usage_error("validate", e);
        r = spec_file_check(argv[optind], NULL, NULL, e);
        if (r < 0)
                return r;
        printf("%s: ok\n", spec_file_name(argv[optind]));
        return EXIT_OK;
}
