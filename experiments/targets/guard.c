#include "guard.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgid.h"
#include "fsutil.h"

int guard_cgroup(enum cg_version v, const char *controller, const char *dir, const char *spelled, int allow_root,
                 struct error *e)
{
        const char *h = v == CG_V1 ? controller : "unified";
        struct cg_id id, root;
        char rel[1024];
        struct error ign;
        int r;

        r = cg_id_of(dir, &id, e);
        if (r < 0)
                return r;
        if (cg_id_root(v, controller, &root, &ign) == 0 && cg_id_eq(&id, &root)) {
                if (allow_root)
                        return 0;
                return error_set(e, EPERM, "refusing cgroup %s: it is the root of the %s hierarchy", spelled, h);
        }
        /* chaosd and its helpers live in chaosd's cgroup: freezing or
         * squeezing it, or anything above it, would disarm the revert. */
        r = cg_id_holds_pid(&id, v, controller, getpid(), rel, sizeof(rel), &ign);
        if (r > 0)
                return error_set(e, EPERM,
                                 "refusing cgroup %s: it is chaosd's own %s cgroup or contains chaosd "
                                 "(chaosd is in %s)",
                                 spelled, h, rel);
        r = cg_id_holds_pid(&id, v, controller, 1, rel, sizeof(rel), &ign);
        if (r > 0)
                return error_set(e, EPERM,
                                 "refusing cgroup %s: it is PID 1's (the host init's) %s cgroup or contains "
                                 "PID 1 (PID 1 is in %s)",
                                 spelled, h, rel);
        return 0;
}

/* Field 4 of /proc/PID/stat; after the comm's closing parenthesis, which
 * may itself contain spaces and parentheses. */
static pid_t parent_of(pid_t pid)
{
        char path[64], buf[1024], state;
        const char *p;
        int ppid;
        struct error ign;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (fs_read(path, buf, sizeof(buf), &ign) < 0)
                return 0;
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
                return 0;
        return (pid_t)ppid;
}

static pid_t daemon_pid;

void guard_set_daemon(pid_t pid)
{
        daemon_pid = pid;
}

int guard_is_own(pid_t pid)
{
        pid_t self = daemon_pid;

        if (pid == getpid())
                return 1;
        if (!self)
                return 0;
        /* Bounded: a PID reused mid-walk cannot make it loop. */
        for (int i = 0; i < 4096 && pid > 1; i++) {
                if (pid == self)
                        return 1;
                pid = parent_of(pid);
        }
        return 0;
}
