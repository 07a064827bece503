/* example: set the target cgroup's CPU weight to a marker value and put
 * the old value back — the worked example of docs/hacking.md.
 *
 *   { "type": "example", "weight": 50 }
 *
 * cgroup v1 writes cpu.shares, v2 cpu.weight; "weight" must be valid for
 * both (2..10000). Under contention the target gets a smaller (or larger)
 * share of the CPU; without contention nothing visible happens, which is
 * what makes it a harmless example.
 *
 * Saved state, in f->saved (persisted by the core in the journal):
 *   {"dir": "/sys/fs/cgroup/cpu/docker/ID", "file": "cpu.shares", "prior": "1024"}
 * Revert uses it alone, so it works in a new process after a crash.
 *
 * It is built and exercised by the unit lane (tests/unit/test_fault_example.c)
 * but not registered in the product: a real module is added to the
 * registry with one line (experiments/faults/registry.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupfs.h"
#include "cleanup.h"
#include "fault.h"
#include "jsonv.h"
#include "target.h"

struct example_params {
        int64_t weight;
};

static const char *const example_keys[] = { "type", "weight", NULL };

/* parse: pure. Check the JSON, fill f->priv; every error names its JSON
 * path ("$.faults[0].weight: ..."), and nothing is touched. */
static int example_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct example_params *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, example_keys, e); /* unknown keys are an error */
        if (r < 0)
                return r;
        r = jv_int(json, f->path, "weight", 1, 2, 10000, &p->weight, e);
        if (r < 0)
                return r;
        f->priv = TAKE_PTR(p);
        return 0;
}

static const char *weight_file(enum cg_version v)
{
        return v == CG_V2 ? "cpu.weight" : "cpu.shares";
}

/* apply: save what is there, make that durable, and only then change it.
 * A SIGKILL between the checkpoint and the write leaves a journal that
 * says what to restore; a SIGKILL before the checkpoint leaves nothing
 * changed. */
static int example_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct example_params *p = f->priv;
        const char *file = weight_file(t->cgv);
        char dir[4096], prior[64], value[32];
        cJSON *saved;
        int r;

        /* Refuses chaosd's own cgroup and its ancestors. */
        r = target_cgroup_dir(t, "cpu", dir, sizeof(dir), e);
        if (r < 0)
                return r;
        r = (int)cg_read(dir, file, prior, sizeof(prior), e);
        if (r < 0)
                return error_wrap(e, "example");
        saved = fault_saved(f);
        if (!saved)
                return error_set(e, ENOMEM, "out of memory");
        cJSON_AddStringToObject(saved, "dir", dir);
        cJSON_AddStringToObject(saved, "file", file);
        cJSON_AddStringToObject(saved, "prior", prior);
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r;
        snprintf(value, sizeof(value), "%lld", (long long)p->weight);
        r = cg_write(dir, file, value, e);
        return r < 0 ? error_wrap(e, "example: set %s", file) : 0;
}

/* verify: read the effect back from the kernel — never trust that a write
 * that returned 0 did what was asked — and show it in f->readback. */
static int example_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct example_params *p = f->priv;
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(f->saved, "dir");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(f->saved, "file");
        char got[64], want[32];
        cJSON *rb;

        if (!cJSON_IsString(dir) || !cJSON_IsString(file))
                return error_set(e, EINVAL, "example: verify before apply");
        if (cg_read(dir->valuestring, file->valuestring, got, sizeof(got), e) < 0)
                return error_wrap(e, "example");
        snprintf(want, sizeof(want), "%lld", (long long)p->weight);
        if (strcmp(got, want) != 0)
                return error_set(e, EIO, "%s/%s reads \"%s\", expected \"%s\"", dir->valuestring,
                                 file->valuestring, got, want);
        rb = cJSON_CreateObject();
        if (!rb)
                return error_set(e, ENOMEM, "out of memory");
        cJSON_AddStringToObject(rb, file->valuestring, got);
        fault_set_readback(f, rb);
        return 0;
}

/* revert: from f->saved alone (a restarted daemon has nothing else), and
 * idempotent: writing the prior twice is the same as once. Nothing saved
 * means apply never reached its checkpoint: nothing to undo. A cgroup that
 * is gone took the change with it. */
static int example_revert(struct fault *f, struct target *t, struct error *e)
{
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(f->saved, "dir");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(f->saved, "file");
        const cJSON *prior = cJSON_GetObjectItemCaseSensitive(f->saved, "prior");
        int r;

        if (!cJSON_IsString(dir) || !cJSON_IsString(file) || !cJSON_IsString(prior))
                return 0;
        r = cg_write(dir->valuestring, file->valuestring, prior->valuestring, e);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? error_wrap(e, "example: restore %s", file->valuestring) : 0;
}

const struct fault_ops fault_example_ops = {
        .type = "example",
        .parse = example_parse,
        .apply = example_apply,
        .verify = example_verify,
        .revert = example_revert,
};
