/* Container runtimes: find a container's main process by name or ID prefix
 * through the runtime's own API or its state on disk (never its CLI). */
#pragma once
#include <sys/types.h>

#include <cJSON.h>

#include "error.h"

struct container_info {
        char id[80];
        char name[256];
        pid_t pid; /* main process in our PID namespace */
        int running;
};

/* One container as listed for a selector. */
struct container_entry {
        struct container_info ci;
        char runtime[16];        /* docker | podman | containerd | crio */
        char pod[256];           /* Kubernetes pod name ("" when none) */
        char pod_namespace[256]; /* Kubernetes namespace */
        char ns[64];             /* containerd namespace ("" for others) */
        cJSON *labels;           /* object of strings, owned; never NULL */
};

struct container_list {
        struct container_entry *v;
        int n, cap;
};

/* Docker Engine API on its Unix socket ($DOCKER_HOST=unix://..., else
 * /var/run/docker.sock). -ENOENT when no such container; -EHOSTUNREACH
 * when the runtime is not there at all. */
int runtime_docker_inspect(const char *name_or_id, struct container_info *ret, struct error *e);
int runtime_docker_list(struct container_list *l, struct error *e);
/* The same Engine API spoken by another daemon (Podman's compat API). */
int runtime_engine_inspect(const char *socket, const char *what, const char *name_or_id, struct container_info *ret,
                           struct error *e);
int runtime_engine_list(const char *socket, const char *what, struct container_list *l, struct error *e);

/* Podman's REST API socket ($CONTAINER_HOST=unix://..., else
 * /run/podman/podman.sock). */
int runtime_podman_inspect(const char *name_or_id, struct container_info *ret, struct error *e);
int runtime_podman_list(struct container_list *l, struct error *e);

/* containerd's task state on disk, every namespace (k8s.io included):
 * $CHAOSD_CONTAINERD_STATE, else /run/containerd/io.containerd.runtime.v2.task. */
int runtime_containerd_inspect(const char *name_or_id, struct container_info *ret, struct error *e);
int runtime_containerd_list(struct container_list *l, struct error *e);

/* CRI-O's container state on disk ($CHAOSD_CRIO_STATE, else
 * /run/containers/storage/overlay-containers). */
int runtime_crio_inspect(const char *name_or_id, struct container_info *ret, struct error *e);
int runtime_crio_list(struct container_list *l, struct error *e);

/* Dispatch by runtime name; "auto" tries docker, podman, containerd, crio
 * in that order and reports which one answered in ret_runtime (16 bytes). */
int runtime_inspect(const char *runtime, const char *name_or_id, struct container_info *ret, char *ret_runtime,
                    struct error *e);
int runtime_list(const char *runtime, struct container_list *l, struct error *e);
/* Names accepted by the spec's "runtime" key (NULL-terminated). */
extern const char *const runtime_names[];

struct container_entry *container_list_add(struct container_list *l);
void container_list_free(struct container_list *l);
