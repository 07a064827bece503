#include "cgid.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"

int cg_id_of(const char *dir, struct cg_id *ret, struct error *e)
{
        struct stat st;

        if (stat(dir, &st) < 0)
                return error_sys(e, errno, "stat %s", dir);
        if (!S_ISDIR(st.st_mode))
                return error_set(e, ENOTDIR, "%s is not a cgroup directory", dir);
        ret->dev = (uint64_t)st.st_dev;
        ret->ino = (uint64_t)st.st_ino;
        return 0;
}

int cg_id_root(enum cg_version v, const char *controller, struct cg_id *ret, struct error *e)
{
        char dir[4096];
        int r = cg_dir(v, controller, "/", dir, sizeof(dir), e);

        return r < 0 ? r : cg_id_of(dir, ret, e);
}

int cg_id_holds_pid(const struct cg_id *anc, enum cg_version v, const char *controller, pid_t pid, char *ret_rel,
                    size_t len, struct error *e)
{
        char rel[1024], dir[4096];
        int r;

        r = cg_pid_path(pid, v, controller, rel, sizeof(rel), e);
        if (r < 0)
                return r;
        if ((size_t)snprintf(ret_rel, len, "%s", rel) >= len)
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        /* /proc/PID/cgroup prints the canonical path: walking it up by
         * text visits every ancestor, each compared by identity. A level
         * that cannot be stat'ed (a fake tree in unit tests) is skipped. */
        for (;;) {
                struct cg_id id;
                struct error ign;
                char *slash;

                if (cg_dir(v, controller, rel, dir, sizeof(dir), &ign) == 0 && cg_id_of(dir, &id, &ign) == 0 &&
                    cg_id_eq(&id, anc))
                        return 1;
                if (strcmp(rel, "/") == 0)
                        return 0;
                slash = strrchr(rel, '/');
                if (slash == rel)
                        rel[1] = '\0';
                else
                        *slash = '\0';
        }
}

int cg_canonical(enum cg_version v, const char *controller, const char *rel, char *out, size_t len, struct error *e)
{
        char dir[4096], rootdir[4096];
        _cleanup_free_ char *real = NULL, *rootreal = NULL;
        size_t rl;
        int r;

        if (rel[0] != '/')
                return error_set(e, EINVAL, "cgroup path \"%s\" is not absolute", rel);
        r = cg_dir(v, controller, "/", rootdir, sizeof(rootdir), e);
        if (r < 0)
                return r;
        if ((size_t)snprintf(dir, sizeof(dir), "%s%s", rootdir, rel) >= sizeof(dir))
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        rootreal = realpath(rootdir, NULL);
        if (!rootreal)
                return error_sys(e, errno, "%s", rootdir);
        real = realpath(dir, NULL);
        if (!real)
                return error_sys(e, errno, "cgroup %s", rel);
        rl = strlen(rootreal);
        if (strncmp(real, rootreal, rl) != 0 || (real[rl] != '\0' && real[rl] != '/'))
                return error_set(e, EINVAL, "cgroup path \"%s\" leads outside the cgroup hierarchy (to %s)", rel,
                                 real);
        if ((size_t)snprintf(out, len, "%s", real[rl] ? real + rl : "/") >= len)
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        return 0;
}
