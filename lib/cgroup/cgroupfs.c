#include "cgroupfs.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cleanup.h"
#include "fsutil.h"

const char *cg_root(void)
{
        const char *r = getenv("CHAOSD_CGROUP_ROOT");

        return r && *r ? r : "/sys/fs/cgroup";
}

int cg_detect(enum cg_version *ret, struct error *e)
{
        const char *force = getenv("CHAOSD_CGROUP_VERSION");
        struct statfs fs;

        if (force && (strcmp(force, "1") == 0 || strcmp(force, "2") == 0)) {
                *ret = force[0] == '1' ? CG_V1 : CG_V2;
                return 0;
        }
        if (statfs(cg_root(), &fs) < 0)
                return error_sys(e, errno, "statfs %s", cg_root());
        if (fs.f_type == CGROUP2_SUPER_MAGIC)
                *ret = CG_V2;
        else if (fs.f_type == TMPFS_MAGIC)
                *ret = CG_V1;
        else
                return error_set(e, ENOTSUP, "%s is neither a cgroup2 mount nor a tmpfs of v1 hierarchies",
                                 cg_root());
        return 0;
}

/* A relative path is absolute inside its hierarchy and never climbs out. */
static int rel_ok(const char *rel)
{
        size_t l = strlen(rel);

        if (rel[0] != '/' || strstr(rel, "/../") || strstr(rel, "//"))
                return 0;
        return !(l >= 3 && strcmp(rel + l - 3, "/..") == 0);
}

int cg_dir(enum cg_version v, const char *controller, const char *rel, char *out, size_t len, struct error *e)
{
        int n;

        if (!rel_ok(rel))
                return error_set(e, EINVAL, "bad cgroup path \"%s\"", rel);
        if (v == CG_V1)
                n = snprintf(out, len, "%s/%s%s", cg_root(), controller, strcmp(rel, "/") ? rel : "");
        else
                n = snprintf(out, len, "%s%s", cg_root(), strcmp(rel, "/") ? rel : "");
        if (n < 0 || (size_t)n >= len)
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        return 0;
}

/* Does the comma-separated list of a /proc/PID/cgroup line name CONTROLLER? */
static int has_controller(const char *list, const char *controller)
{
        size_t cl = strlen(controller);

        for (const char *p = list; p && *p;) {
                const char *comma = strchr(p, ',');
                size_t l = comma ? (size_t)(comma - p) : strlen(p);

                if (l == cl && strncmp(p, controller, l) == 0)
                        return 1;
                p = comma ? comma + 1 : NULL;
        }
        return 0;
}

int cg_pid_path(pid_t pid, enum cg_version v, const char *controller, char *out, size_t len, struct error *e)
{
        char path[64];
        _cleanup_free_ char *buf = NULL;
        char *save = NULL;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        n = fs_read_alloc(path, 65536, &buf, e);
        if (n < 0)
                return n == -ENOENT ? error_set(e, ESRCH, "process %d is gone", (int)pid) : (int)n;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

                if (!c2)
                        continue;
                *c1 = *c2 = '\0';
                if (v == CG_V2 ? strcmp(line, "0") == 0 && c1[1] == '\0' : has_controller(c1 + 1, controller)) {
                        if ((size_t)snprintf(out, len, "%s", c2 + 1) >= len)
                                return error_set(e, ENAMETOOLONG, "cgroup path too long");
                        return 0;
                }
        }
        return error_set(e, ENOENT, "process %d is in no %s cgroup", (int)pid, v == CG_V2 ? "v2" : controller);
}

ssize_t cg_read(const char *dir, const char *file, char *buf, size_t len, struct error *e)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        return fs_read(path, buf, len, e);
}

int cg_write(const char *dir, const char *file, const char *value, struct error *e)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        return fs_write(path, value, e);
}

int cg_procs(const char *dir, pid_t **ret, size_t *ret_n, struct error *e)
{
        char path[4096];
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        char *save = NULL;
        ssize_t r;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        r = fs_read_alloc(path, 4 << 20, &buf, e);
        if (r < 0)
                return (int)r;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (n == cap) {
                        pid_t *np = realloc(pids, (cap = cap ? cap * 2 : 16) * sizeof(*pids));

                        if (!np)
                                return error_set(e, ENOMEM, "out of memory");
                        pids = np;
                }
                pids[n++] = (pid_t)atoi(line);
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

int cg_inode(const char *dir, uint64_t *ret, struct error *e)
{
        struct stat st;

        if (stat(dir, &st) < 0)
                return error_sys(e, errno, "stat %s", dir);
        *ret = (uint64_t)st.st_ino;
        return 0;
}
