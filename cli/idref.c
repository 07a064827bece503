/* Experiment IDs on the command line: checked before they go into a URL,
 * and accepted as a unique prefix, as users of docker expect. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "format.h"

int cli_check_id(const char *id, struct error *e)
{
        size_t n = strlen(id);

        if (n == 0 || n > 64 || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
                return error_set(e, EINVAL, "'%s' is not an experiment ID", id);
        return 0;
}

/* The one experiment whose ID starts with PREFIX, into out. */
static int resolve_prefix(struct cli *c, const char *prefix, char *out, size_t len, struct error *e)
{
        _cleanup_(cJSON_Deletep) cJSON *list = NULL;
        const cJSON *x;
        char first[80] = "", others[256] = "";
        size_t n = strlen(prefix);
        int matches = 0, r;

        r = cli_call(c, "GET", "/v1/experiments", NULL, 0, NULL, &list, e);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(list, "experiments")) {
                const char *id = fmt_str(x, "id");

                if (strncmp(id, prefix, n) != 0)
                        continue;
                if (matches++ == 0)
                        snprintf(first, sizeof(first), "%s", id);
                else
                        snprintf(others + strlen(others), sizeof(others) - strlen(others), ", %s", id);
        }
        if (matches == 0)
                return error_set(e, ENOENT, "%s: no such experiment", prefix);
        if (matches > 1)
                return error_set(e, EINVAL, "'%s' matches %d experiments: %s%s", prefix, matches, first, others);
        if (cli_check_id(first, e) < 0)
                return error_set(e, EPROTO, "chaosd listed an unusable experiment ID");
        snprintf(out, len, "%s", first);
        return 0;
}

int cli_experiment_call(struct cli *c, const char *method, const char *id, struct http_response *ret,
                        cJSON **ret_json, struct error *e)
{
        char path[128], full[80];
        int r;

        r = cli_check_id(id, e);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        r = cli_call(c, method, path, NULL, 0, ret, ret_json, e);
        if (r != -ENOENT)
                return r;
        r = resolve_prefix(c, id, full, sizeof(full), e);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/v1/experiments/%s", full);
        r = cli_call(c, method, path, NULL, 0, ret, ret_json, e);
        if (r == -ENOENT)
                return error_wrap(e, "%s", full);
        return r;
}
