/* Cgroup identity: which cgroup a path names, whatever its spelling.
 *
 * A cgroup is one directory of one hierarchy; "/x/", "/./x", a bind mount
 * of that directory elsewhere all reach the same inode on the same
 * superblock. Guards compare these identities, never strings. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "error.h"

struct cg_id {
        uint64_t dev;
        uint64_t ino;
};

/* Identity of directory DIR (follows symlinks and mounts as open(2) does). */
int cg_id_of(const char *dir, struct cg_id *ret, struct error *e);
static inline int cg_id_eq(const struct cg_id *a, const struct cg_id *b)
{
        return a->dev == b->dev && a->ino == b->ino;
}
/* Is cgroup ANC the cgroup of PID in CONTROLLER's hierarchy (v1) or the
 * unified one (v2), or one of its ancestors up to the hierarchy root?
 * Returns 1 yes, 0 no, negative when PID's cgroup cannot be read. On yes,
 * PID's relative path is copied to RET_REL. */
int cg_id_holds_pid(const struct cg_id *anc, enum cg_version v, const char *controller, pid_t pid, char *ret_rel,
                    size_t len, struct error *e);
/* Identity of the hierarchy root for CONTROLLER (v1) or the unified one. */
int cg_id_root(enum cg_version v, const char *controller, struct cg_id *ret, struct error *e);
/* The canonical relative path of REL (symlinks, ".", "//" and trailing
 * slashes resolved): the directory's real path with the hierarchy's real
 * root taken off. -EINVAL if it leads outside the hierarchy. */
int cg_canonical(enum cg_version v, const char *controller, const char *rel, char *out, size_t len, struct error *e);
