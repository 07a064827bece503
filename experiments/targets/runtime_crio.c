/* CRI-O, read from its containers' state on disk (containers/storage):
 * <run root>/<id>/userdata/pidfile is the container's main process as
 * conmon wrote it, and userdata/config.json (under the run root, else under
 * the static graph root) is the OCI spec, whose annotations CRI-O fills with
 * the Kubernetes identity (io.kubernetes.pod.name, ...,
 * io.kubernetes.cri-o.Labels as a JSON string). Podman keeps
 * its containers in the same store: only those carrying CRI-O's container
 * type annotation are CRI-O's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "runtime.h"
#include "runtime_state.h"

static const char *state_root(void)
{
        const char *r = getenv("CHAOSD_CRIO_STATE");

        return r ? r : "/run/containers/storage/overlay-containers";
}

/* containers/storage's static side, where the OCI spec may live instead. */
static const char *static_root(void)
{
        const char *r = getenv("CHAOSD_CRIO_STATIC");

        return r ? r : "/var/lib/containers/storage/overlay-containers";
}

static const char *ann_str(const cJSON *ann, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int read_container(const char *dir, const char *id, struct container_entry *ce)
{
        char path[4096];
        _cleanup_(cJSON_Deletep) cJSON *ann = NULL;
        const char *type, *s;
        pid_t pid;
        struct error e;

        snprintf(path, sizeof(path), "%s/userdata/config.json", dir);
        ann = state_read_annotations(path);
        if (!ann) {
                snprintf(path, sizeof(path), "%s/%s/userdata/config.json", static_root(), id);
                ann = state_read_annotations(path);
        }
        type = ann_str(ann, "io.kubernetes.cri-o.ContainerType");
        if (!type || strcmp(type, "container") != 0)
                return 1;
        snprintf(path, sizeof(path), "%s/userdata/pidfile", dir);
        if (state_read_pid(path, &pid, &e) < 0 || !state_pid_alive(pid))
                return 1;
        snprintf(ce->ci.id, sizeof(ce->ci.id), "%s", id);
        s = ann_str(ann, "io.kubernetes.container.name");
        snprintf(ce->ci.name, sizeof(ce->ci.name), "%s", s ? s : id);
        ce->ci.pid = pid;
        ce->ci.running = 1;
        snprintf(ce->runtime, sizeof(ce->runtime), "crio");
        s = ann_str(ann, "io.kubernetes.pod.name");
        snprintf(ce->pod, sizeof(ce->pod), "%s", s ? s : "");
        s = ann_str(ann, "io.kubernetes.pod.namespace");
        snprintf(ce->pod_namespace, sizeof(ce->pod_namespace), "%s", s ? s : "");
        s = ann_str(ann, "io.kubernetes.cri-o.Labels");
        if (s) {
                cJSON *lj = cJSON_Parse(s);

                state_merge_labels(ce->labels, lj);
                cJSON_Delete(lj);
        }
        return 0;
}

int runtime_crio_list(struct container_list *l, struct error *e)
{
        _cleanup_(state_closedirp) DIR *root = opendir(state_root());
        struct dirent *d;

        if (!root) {
                if (errno == ENOENT)
                        return error_set(e, EHOSTUNREACH, "crio: no container state in %s", state_root());
                return error_sys(e, errno, "crio state %s", state_root());
        }
        while ((d = readdir(root))) {
                char dir[4096 + 256];
                struct container_entry *ce;

                if (d->d_name[0] == '.')
                        continue;
                snprintf(dir, sizeof(dir), "%s/%s", state_root(), d->d_name);
                ce = container_list_add(l);
                if (!ce)
                        return error_set(e, ENOMEM, "out of memory");
                if (read_container(dir, d->d_name, ce) != 0) {
                        cJSON_Delete(ce->labels);
                        l->n--;
                }
        }
        return 0;
}

int runtime_crio_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        struct container_list l = { 0 };
        int r;

        r = runtime_crio_list(&l, e);
        if (r == 0)
                r = state_pick(&l, "crio", name_or_id, ret, e);
        container_list_free(&l);
        return r;
}
