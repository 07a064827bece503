/* containerd, read from the shim's task state on disk rather than over its
 * gRPC API (HTTP/2 + protobuf would dwarf the rest of chaosd):
 *   <root>/<namespace>/<id>/init.pid     the container's main process
 *   <root>/<namespace>/<id>/config.json  the OCI spec, with its annotations
 * Every namespace is scanned, k8s.io (the CRI plugin's) included. Under the
 * CRI plugin the pod is named by the annotations io.kubernetes.cri.sandbox-
 * name/-namespace; containerd's own labels (io.kubernetes.pod.name, app=...)
 * live in its metadata database and are read by runtime_containerd_labels(). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdb.h"
#include "cleanup.h"
#include "runtime.h"
#include "runtime_state.h"

static const char *state_root(void)
{
        const char *r = getenv("CHAOSD_CONTAINERD_STATE");

        return r ? r : "/run/containerd/io.containerd.runtime.v2.task";
}

static void copy_annotation(char *out, size_t len, const cJSON *ann, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, key);

        if (cJSON_IsString(v))
                snprintf(out, len, "%s", v->valuestring);
}

static void fill_from_annotations(struct container_entry *ce, const cJSON *ann)
{
        copy_annotation(ce->pod, sizeof(ce->pod), ann, "io.kubernetes.cri.sandbox-name");
        copy_annotation(ce->pod_namespace, sizeof(ce->pod_namespace), ann, "io.kubernetes.cri.sandbox-namespace");
        copy_annotation(ce->pod, sizeof(ce->pod), ann, "io.kubernetes.pod.name");
        copy_annotation(ce->pod_namespace, sizeof(ce->pod_namespace), ann, "io.kubernetes.pod.namespace");
}

static const char *meta_db(void)
{
        const char *r = getenv("CHAOSD_CONTAINERD_META");

        return r ? r : "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db";
}

static void add_label(const char *k, size_t klen, const char *v, size_t vlen, void *ud)
{
        char key[256], val[1024];

        if (klen >= sizeof(key) || vlen >= sizeof(val))
                return;
        memcpy(key, k, klen);
        key[klen] = '\0';
        memcpy(val, v, vlen);
        val[vlen] = '\0';
        cJSON_DeleteItemFromObjectCaseSensitive(ud, key);
        cJSON_AddStringToObject(ud, key, val);
}

/* Schema (containerd metadata/buckets.go): v1 / <namespace> / containers /
 * <id> / labels / <key> = <value>. */
int runtime_containerd_labels(const char *ns, const char *id, cJSON *labels)
{
        const char *path[] = { "v1", ns, "containers", id, "labels" };
        struct bolt_db db;
        struct bolt_bucket b;
        int r;

        r = bolt_open(meta_db(), &db);
        if (r < 0)
                return r;
        r = bolt_root(&db, &b);
        for (size_t i = 0; r == 0 && i < sizeof(path) / sizeof(path[0]); i++)
                r = bolt_bucket(&db, &b, path[i], &b);
        if (r == 0)
                r = bolt_foreach(&db, &b, add_label, labels);
        bolt_close(&db);
        return r;
}

/* One task directory into CE; 0 when it is a running workload container,
 * 1 when it is to be skipped (a pod sandbox, a stopped task). */
static int read_task(const char *dir, const char *ns, const char *id, struct container_entry *ce)
{
        char path[4096];
        cJSON *ann = NULL, *type;
        pid_t pid;
        struct error e;

        snprintf(path, sizeof(path), "%s/init.pid", dir);
        if (state_read_pid(path, &pid, &e) < 0 || !state_pid_alive(pid))
                return 1;
        snprintf(path, sizeof(path), "%s/config.json", dir);
        ann = state_read_annotations(path);
        type = cJSON_GetObjectItemCaseSensitive(ann, "io.kubernetes.cri.container-type");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "sandbox") == 0) {
                cJSON_Delete(ann);
                return 1;
        }
        snprintf(ce->ci.id, sizeof(ce->ci.id), "%s", id);
        snprintf(ce->ci.name, sizeof(ce->ci.name), "%s", id);
        ce->ci.pid = pid;
        ce->ci.running = 1;
        snprintf(ce->runtime, sizeof(ce->runtime), "containerd");
        snprintf(ce->ns, sizeof(ce->ns), "%s", ns);
        if (ann) {
                fill_from_annotations(ce, ann);
                state_merge_labels(ce->labels, ann);
        }
        cJSON_Delete(ann);
        /* The metadata database holds the labels the kubelet sets; they win
         * over annotations of the same name. */
        if (runtime_containerd_labels(ns, id, ce->labels) == 0) {
                const cJSON *pn = cJSON_GetObjectItemCaseSensitive(ce->labels, "io.kubernetes.pod.name");
                const cJSON *pns = cJSON_GetObjectItemCaseSensitive(ce->labels, "io.kubernetes.pod.namespace");

                if (cJSON_IsString(pn))
                        snprintf(ce->pod, sizeof(ce->pod), "%s", pn->valuestring);
                if (cJSON_IsString(pns))
                        snprintf(ce->pod_namespace, sizeof(ce->pod_namespace), "%s", pns->valuestring);
        }
        return 0;
}

int runtime_containerd_list(struct container_list *l, struct error *e)
{
        _cleanup_(state_closedirp) DIR *root = opendir(state_root());
        struct dirent *nd;

        if (!root) {
                if (errno == ENOENT)
                        return error_set(e, EHOSTUNREACH, "containerd: no task state in %s", state_root());
                return error_sys(e, errno, "containerd state %s", state_root());
        }
        while ((nd = readdir(root))) {
                char nsdir[4096];
                _cleanup_(state_closedirp) DIR *nsd = NULL;
                struct dirent *td;

                if (nd->d_name[0] == '.')
                        continue;
                snprintf(nsdir, sizeof(nsdir), "%s/%s", state_root(), nd->d_name);
                nsd = opendir(nsdir);
                if (!nsd)
                        continue;
                while ((td = readdir(nsd))) {
                        char dir[4096 + 256];
                        struct container_entry *ce;

                        if (td->d_name[0] == '.')
                                continue;
                        snprintf(dir, sizeof(dir), "%s/%s", nsdir, td->d_name);
                        ce = container_list_add(l);
                        if (!ce)
                                return error_set(e, ENOMEM, "out of memory");
                        if (read_task(dir, nd->d_name, td->d_name, ce) != 0) {
                                cJSON_Delete(ce->labels);
                                l->n--;
                        }
                }
        }
        return 0;
}

int runtime_containerd_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        struct container_list l = { 0 };
        int r;

        r = runtime_containerd_list(&l, e);
        if (r == 0)
                r = state_pick(&l, "containerd", name_or_id, ret, e);
        container_list_free(&l);
        return r;
}
