/* chaosctl get ID: one experiment, with each fault's read-back. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "format.h"
#include "units.h"

static void print_target(int i, const cJSON *t)
{
        const char *kind = fmt_str(t, "kind");
        const char *name = fmt_str(t, "container_name");
        const char *cid = fmt_str(t, "container_id");
        int64_t pid = fmt_int(t, "pid", 0);

        printf("  [%d] %s", i, *kind ? kind : "?");
        if (*name || *cid)
                printf(" %s%s(%.12s)", name, *name ? " " : "", cid);
        if (pid > 0)
                printf(", pid %" PRId64, pid);
        if (*fmt_str(t, "cgroup"))
                printf(", cgroup v%" PRId64 " %s", fmt_int(t, "cgroup_version", 0), fmt_str(t, "cgroup"));
        printf("\n");
}

static void print_fault(const cJSON *f)
{
        char rb[1024];
        const char *err = fmt_str(f, "error");

        fmt_readback(cJSON_GetObjectItemCaseSensitive(f, "readback"), rb, sizeof(rb));
        printf("  [%" PRId64 "] %-8s %-9s target %" PRId64 "%s%s\n", fmt_int(f, "index", 0), fmt_str(f, "type"),
               fmt_str(f, "state"), fmt_int(f, "target", 0), *rb ? "  " : "", rb);
        if (*err)
                printf("      error: %s\n", err);
}

static void print_experiment(const cJSON *x)
{
        const char *state = fmt_str(x, "state");
        const cJSON *it;
        char buf[64];
        int i = 0;

        printf("ID:        %s\n", fmt_str(x, "id"));
        printf("Name:      %s\n", fmt_str(x, "name"));
        printf("State:     %s\n", state);
        if (*fmt_str(x, "reason"))
                printf("Reason:    %s\n", fmt_str(x, "reason"));
        printf("Created:   %s\n", fmt_str(x, "created_at"));
        printf("Duration:  %s\n",
               units_format_duration((uint64_t)fmt_int(x, "duration_ms", 0) * 1000, buf, sizeof(buf)));
        if (fmt_state_is_end(state)) {
                printf("Deadline:  %s\n", fmt_str(x, "deadline"));
                if (*fmt_str(x, "ended_at"))
                        printf("Ended:     %s\n", fmt_str(x, "ended_at"));
        } else {
                printf("Deadline:  %s (%s left)\n", fmt_str(x, "deadline"),
                       fmt_left(fmt_int(x, "remaining_ms", 0), buf, sizeof(buf)));
        }
        printf("Targets:\n");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(x, "targets"))
                print_target(i++, it);
        if (i == 0)
                printf("  (none)\n");
        printf("Faults:\n");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(x, "faults"))
                print_fault(it);
}

int verb_get(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
        _cleanup_(cJSON_Deletep) cJSON *x = NULL;
        struct http_response resp = { 0 };
        int opt, r;

        while ((opt = cli_getopt(c, argc, argv, ":", longopts, e)) != -1)
                if (opt < 0)
                        return opt;
        if (argc - optind != 1)
                return cli_usage_error("get", e);
        r = cli_experiment_call(c, "GET", argv[optind], &resp, &x, e);
        if (r >= 0 && c->json)
                cli_print_raw(&resp);
        cli_http_response_free(&resp);
        if (r < 0)
                return r;
        if (!c->json)
                print_experiment(x);
        return EXIT_OK;
}
