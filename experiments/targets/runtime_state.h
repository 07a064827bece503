/* Helpers for runtimes read from their state on disk (containerd, CRI-O):
 * pid files, OCI config.json annotations, picking a container by name. */
#pragma once
#include <dirent.h>
#include <sys/types.h>

#include <cJSON.h>

#include "error.h"
#include "runtime.h"

int state_read_pid(const char *path, pid_t *ret, struct error *e);
/* 1 when PID exists and is not a zombie. */
int state_pid_alive(pid_t pid);
/* The "annotations" object of an OCI config.json (owned; NULL if none). */
cJSON *state_read_annotations(const char *config_json);
/* Copy every string member of FROM into the labels object TO. */
void state_merge_labels(cJSON *to, const cJSON *from);
/* Exact ID, then exact name, then a unique ID prefix. */
int state_pick(const struct container_list *l, const char *what, const char *name_or_id, struct container_info *ret,
               struct error *e);
/* containerd's labels for NS/ID from its metadata database (boltdb.c). */
int runtime_containerd_labels(const char *ns, const char *id, cJSON *labels);

static inline void state_closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static inline void cJSON_Deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
