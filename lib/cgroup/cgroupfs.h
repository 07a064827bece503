/* cgroupfs access for v1 (per-controller hierarchies) and v2 (unified).
 *
 * The root defaults to /sys/fs/cgroup; CHAOSD_CGROUP_ROOT points it at a
 * fake tree for unit tests, with CHAOSD_CGROUP_VERSION=1|2 to skip statfs.
 * A "relative path" is the path inside a hierarchy as /proc/PID/cgroup
 * shows it ("/docker/<id>"). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum cg_version { CG_V1 = 1, CG_V2 = 2 };

const char *cg_root(void);
/* v2 when the root is a cgroup2 mount, v1 when it is a tmpfs of hierarchies
 * (the hybrid layout's empty "unified" mount counts as v1). */
int cg_detect(enum cg_version *ret, struct error *e);
/* Directory of REL for CONTROLLER (v1) or in the unified tree (v2; the
 * controller is ignored). */
int cg_dir(enum cg_version v, const char *controller, const char *rel, char *out, size_t len, struct error *e);
/* PID's relative path for CONTROLLER (v1) or its "0::" path (v2). */
int cg_pid_path(pid_t pid, enum cg_version v, const char *controller, char *out, size_t len, struct error *e);
ssize_t cg_read(const char *dir, const char *file, char *buf, size_t len, struct error *e);
int cg_write(const char *dir, const char *file, const char *value, struct error *e);
/* PIDs listed in DIR/cgroup.procs; *ret malloc'ed. */
int cg_procs(const char *dir, pid_t **ret, size_t *ret_n, struct error *e);
/* Inode of DIR: identifies one incarnation of a cgroup. */
int cg_inode(const char *dir, uint64_t *ret, struct error *e);
