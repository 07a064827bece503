#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "jsonv.h"

int fault_new(const cJSON *json, int index, struct fault **ret, struct error *e)
{
        char path[64];

        snprintf(path, sizeof(path), "$.faults[%d]", index);
        return fault_new_at(json, index, path, ret, e);
}

int fault_new_at(const cJSON *json, int index, const char *path, struct fault **ret, struct error *e)
{
        _cleanup_free_ struct fault *f = calloc(1, sizeof(*f));
        const struct fault_ops *ops;
        const char *type;
        char names[256] = "";
        int r;

        if (!f)
                return error_set(e, ENOMEM, "out of memory");
        f->index = index;
        snprintf(f->path, sizeof(f->path), "%s", path);
        if (!cJSON_IsObject(json))
                return error_path(e, f->path, "must be an object");
        r = jv_string(json, f->path, "type", 1, &type, e);
        if (r < 0)
                return r;
        ops = fault_lookup(type);
        if (!ops) {
                char p[JV_PATH_MAX];

                for (const struct fault_ops *const *o = fault_registry(); *o; o++) {
                        size_t n = strlen(names);

                        snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", (*o)->type);
                }
                jv_path(p, f->path, "type");
                return error_path(e, p, "unknown fault type \"%.64s\" (supported: %s)", type, names);
        }
        f->ops = ops;
        f->json = (cJSON *)json;
        r = ops->parse(f, json, e);
        if (r < 0) {
                fault_free(TAKE_PTR(f));
                return r;
        }
        *ret = TAKE_PTR(f);
        return 0;
}

int fault_new_saved(const char *type, int index, cJSON *saved, struct fault **ret, struct error *e)
{
        const struct fault_ops *ops = type ? fault_lookup(type) : NULL;
        struct fault *f;

        if (!ops) {
                cJSON_Delete(saved);
                return error_set(e, ENOENT, "no fault module of type \"%.64s\"", type ? type : "?");
        }
        f = calloc(1, sizeof(*f));
        if (!f) {
                cJSON_Delete(saved);
                return error_set(e, ENOMEM, "out of memory");
        }
        f->ops = ops;
        f->index = index;
        snprintf(f->path, sizeof(f->path), "$.faults[%d]", index);
        f->saved = saved;
        *ret = f;
        return 0;
}

void fault_free(struct fault *f)
{
        if (!f)
                return;
        if (f->priv) {
                if (f->ops && f->ops->free_priv)
                        f->ops->free_priv(f->priv);
                else
                        free(f->priv);
        }
        cJSON_Delete(f->saved);
        cJSON_Delete(f->readback);
        free(f);
}

cJSON *fault_saved(struct fault *f)
{
        if (!f->saved)
                f->saved = cJSON_CreateObject();
        return f->saved;
}

int fault_checkpoint(struct fault *f, struct error *e)
{
        if (!f->saved)
                return error_set(e, EINVAL, "%s: checkpoint without saved state", f->ops->type);
        return f->checkpoint ? f->checkpoint(f, e) : 0;
}

static cJSON *cgsave_state(void *f)
{
        return fault_saved(f);
}

static int cgsave_checkpoint(void *f, struct error *e)
{
        return fault_checkpoint(f, e);
}

struct cgsave fault_cgsave(struct fault *f)
{
        return (struct cgsave){ .state = cgsave_state, .checkpoint = cgsave_checkpoint, .arg = f };
}

void fault_set_readback(struct fault *f, cJSON *r)
{
        cJSON_Delete(f->readback);
        f->readback = r;
}
