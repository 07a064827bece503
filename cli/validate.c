/* chaosctl validate FILE [--exec]: the daemon's own parser, run locally.
 * --exec validates a spec for `chaosctl exec`, whose launched command is
 * the target, so it has no "target". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "spec.h"
#include "specfile.h"

int verb_validate(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS,
                                                  { "exec", no_argument, NULL, 'x' },
                                                  { NULL, 0, NULL, 0 } };
        unsigned flags = 0;
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1) {
                if (opt < 0)
                        return opt;
                if (opt == 'x')
                        flags |= SPEC_TARGET_OPTIONAL;
        }
        if (c->json)
                return error_set(e, EINVAL, "validate: --json is not supported here");
        if (argc - optind != 1)
                return cli_usage_error("validate", e);
        r = spec_file_check(argv[optind], flags, NULL, NULL, e);
        /* A target-less spec is most likely one written for exec: say so
         * rather than leave the user at "is required". */
        if (r < 0 && !(flags & SPEC_TARGET_OPTIONAL) && strstr(e->msg, "$.target: is required")) {
                size_t n = strlen(e->msg);

                snprintf(e->msg + n, sizeof(e->msg) - n, "%s",
                         " (a spec without a target is for `chaosctl exec --spec FILE -- CMD`;"
                         " check it with `chaosctl validate --exec FILE`)");
        }
        if (r < 0)
                return r;
        printf("%s: ok%s\n", spec_file_name(argv[optind]),
               flags & SPEC_TARGET_OPTIONAL ? " (for chaosctl exec: the launched command is the target)" : "");
        return EXIT_OK;
}
