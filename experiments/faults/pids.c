/* pids: cap the number of tasks in the target's cgroup (pids.max on v1 and
 * v2). Tasks already there stay; new forks fail with EAGAIN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgsave.h"
#include "cleanup.h"
#include "fault.h"
#include "jsonv.h"
#include "target.h"

struct pids_params {
        int64_t max;
};

static const char *const pids_keys[] = { "type", "max", NULL };

static int pids_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct pids_params *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, pids_keys, e);
        if (r < 0)
                return r;
        r = jv_int(json, f->path, "max", 1, 1, 4194304, &p->max, e);
        if (r < 0)
                return r;
        f->priv = TAKE_PTR(p);
        return 0;
}

static int pids_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct pids_params *p = f->priv;
        char dir[4096], val[32];
        int r = target_cgroup_dir(t, "pids", dir, sizeof(dir), e);

        if (r < 0)
                return r;
        snprintf(val, sizeof(val), "%lld", (long long)p->max);
        r = cgsave_write(fault_cgsave(f), dir, "pids.max", val, e);
        return r < 0 ? error_wrap(e, "set pids.max") : 0;
}

static int pids_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct pids_params *p = f->priv;
        _cleanup_json_ cJSON *rb = cJSON_CreateObject();
        char dir[4096], got[32], want[32];
        uint64_t cur;
        int r = target_cgroup_dir(t, "pids", dir, sizeof(dir), e);

        if (r < 0)
                return r;
        if (!rb)
                return error_set(e, ENOMEM, "out of memory");
        r = (int)cg_read(dir, "pids.max", got, sizeof(got), e);
        if (r < 0)
                return r;
        snprintf(want, sizeof(want), "%lld", (long long)p->max);
        cJSON_AddStringToObject(rb, "pids.max", got);
        if (cgsave_read_u64(dir, "pids.current", &cur, e) == 0)
                cJSON_AddNumberToObject(rb, "pids.current", (double)cur);
        if (strcmp(got, want) != 0)
                return error_set(e, EIO, "%s/pids.max reads \"%s\", expected \"%s\"", dir, got, want);
        fault_set_readback(f, TAKE_PTR(rb));
        return 0;
}

static int pids_revert(struct fault *f, struct target *t, struct error *e)
{
        return cgsave_restore(f->saved, e);
}

const struct fault_ops fault_pids_ops = {
        .type = "pids",
        .parse = pids_parse,
        .apply = pids_apply,
        .verify = pids_verify,
        .revert = pids_revert,
};
