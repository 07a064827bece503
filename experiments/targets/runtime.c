/* Runtime dispatch: one name → one backend; "auto" asks each in turn. */
#include "runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const runtime_names[] = { "docker", "podman", "containerd", "crio", "auto", NULL };

struct backend {
        const char *name;
        int (*inspect)(const char *, struct container_info *, struct error *);
        int (*list)(struct container_list *, struct error *);
};

static const struct backend backends[] = {
        { "docker", runtime_docker_inspect, runtime_docker_list },
        { "podman", runtime_podman_inspect, runtime_podman_list },
        { "containerd", runtime_containerd_inspect, runtime_containerd_list },
        { "crio", runtime_crio_inspect, runtime_crio_list },
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

int runtime_inspect(const char *runtime, const char *name_or_id, struct container_info *ret, char *ret_runtime,
                    struct error *e)
{
        int any_reachable = 0, r;

        for (size_t i = 0; i < N_BACKENDS; i++) {
                const struct backend *b = &backends[i];

                if (strcmp(runtime, "auto") != 0 && strcmp(runtime, b->name) != 0)
                        continue;
                r = b->inspect(name_or_id, ret, e);
                if (r == 0) {
                        snprintf(ret_runtime, 16, "%s", b->name);
                        return 0;
                }
                if (strcmp(runtime, "auto") != 0)
                        return r;
                /* auto: a runtime that is absent or does not know the name
                 * is not an error; anything else (a broken API) is. */
                if (r != -ENOENT && r != -EHOSTUNREACH)
                        return r;
                any_reachable |= r == -ENOENT;
        }
        if (strcmp(runtime, "auto") == 0)
                return error_set(e, ENOENT, "no container \"%s\" in any runtime (%s)", name_or_id,
                                 any_reachable ? "docker, podman, containerd, crio" : "none is reachable");
        return error_set(e, EINVAL, "unknown runtime \"%s\"", runtime);
}

int runtime_list(const char *runtime, struct container_list *l, struct error *e)
{
        int r;

        for (size_t i = 0; i < N_BACKENDS; i++) {
                const struct backend *b = &backends[i];

                if (strcmp(runtime, "auto") != 0 && strcmp(runtime, b->name) != 0)
                        continue;
                r = b->list(l, e);
                if (r < 0 && (strcmp(runtime, "auto") != 0 || r != -EHOSTUNREACH))
                        return r;
        }
        return 0;
}

struct container_entry *container_list_add(struct container_list *l)
{
        struct container_entry *ce;

        if (l->n == l->cap) {
                int cap = l->cap ? l->cap * 2 : 16;
                struct container_entry *nv = realloc(l->v, (size_t)cap * sizeof(*nv));

                if (!nv)
                        return NULL;
                l->v = nv;
                l->cap = cap;
        }
        ce = &l->v[l->n];
        memset(ce, 0, sizeof(*ce));
        ce->labels = cJSON_CreateObject();
        if (!ce->labels)
                return NULL;
        l->n++;
        return ce;
}

void container_list_free(struct container_list *l)
{
        for (int i = 0; i < l->n; i++)
                cJSON_Delete(l->v[i].labels);
        free(l->v);
        memset(l, 0, sizeof(*l));
}
