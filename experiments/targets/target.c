#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgid.h"
#include "cleanup.h"
#include "guard.h"
#include "proc.h"
#include "runtime.h"

void target_init(struct target *t)
{
        memset(t, 0, sizeof(*t));
        t->pidfd = -1;
}

void target_release(struct target *t)
{
        if (t->pidfd >= 0)
                close(t->pidfd);
        t->pidfd = -1;
}

/* The controller whose path names "the" cgroup of a target on v1. */
#define ID_CONTROLLER "freezer"

/* Safety: never the host's init, never chaosd or its helpers, never a cgroup
 * that holds chaosd or PID 1, never the root cgroup — by identity. */
static int refuse_unsafe(const struct target *t, struct error *e)
{
        char dir[4096];
        int r;

        if (t->pid == 1)
                return error_set(e, EPERM, "refusing to target PID 1 (the host's init)");
        if (t->pid > 0 && guard_is_own(t->pid))
                return error_set(e, EPERM, "refusing to target process %d: it is chaosd itself or one of its helpers",
                                 (int)t->pid);
        /* A pid target may share chaosd's cgroup (a shell's session, the
         * root cgroup): signals and syscall faults are fine there, and every
         * fault that changes a cgroup is refused by target_cgroup_dir(). */
        if (t->kind != TARGET_PID && t->kind != TARGET_EXEC && t->cgroup[0]) {
                r = cg_dir(t->cgv, ID_CONTROLLER, t->cgroup, dir, sizeof(dir), e);
                if (r < 0)
                        return r;
                r = guard_cgroup(t->cgv, ID_CONTROLLER, dir, t->cgroup, 0, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int bind_pid(struct target *t, pid_t pid, struct error *e)
{
        char dir[4096];
        int r;

        t->pid = pid;
        t->start_time = 0;
        r = proc_pidfd_open(pid, &t->start_time, &t->pidfd, e);
        if (r < 0)
                return r;
        r = cg_pid_path(pid, t->cgv, ID_CONTROLLER, t->cgroup, sizeof(t->cgroup), e);
        if (r < 0)
                return r;
        r = cg_dir(t->cgv, ID_CONTROLLER, t->cgroup, dir, sizeof(dir), e);
        if (r < 0)
                return r;
        r = cg_inode(dir, &t->cgroup_ino, e);
        if (r < 0)
                return r;
        (void)proc_ns_inode(pid, "net", &t->netns_ino, e);
        return 0;
}

int target_resolve(const struct target_spec *ts, struct target *t, struct error *e)
{
        struct container_info ci;
        char dir[4096];
        int r;

        target_init(t);
        t->kind = ts->kind;
        r = cg_detect(&t->cgv, e);
        if (r < 0)
                return r;
        switch (ts->kind) {
        case TARGET_PID:
        case TARGET_EXEC:
                if (ts->pid == 1)
                        return error_set(e, EPERM, "refusing to target PID 1 (the host's init)");
                r = bind_pid(t, ts->pid, e);
                if (r < 0)
                        return error_wrap(e, "target pid %d", (int)ts->pid);
                break;
        case TARGET_CGROUP:
                /* Kept in its canonical spelling: "/x/", "/./x" and "/x"
                 * are one cgroup, in the journal and in every hierarchy. */
                r = cg_canonical(t->cgv, ID_CONTROLLER, ts->cgroup, t->cgroup, sizeof(t->cgroup), e);
                if (r < 0)
                        return error_wrap(e, "target cgroup %s", ts->cgroup);
                r = cg_dir(t->cgv, ID_CONTROLLER, t->cgroup, dir, sizeof(dir), e);
                if (r >= 0)
                        r = cg_inode(dir, &t->cgroup_ino, e);
                if (r < 0)
                        return error_wrap(e, "target cgroup %s", ts->cgroup);
                break;
        case TARGET_CONTAINER:
                r = runtime_inspect(ts->runtime[0] ? ts->runtime : "auto", ts->container, &ci, t->runtime, e);
                if (r < 0)
                        return error_wrap(e, "target container \"%s\"", ts->container);
                if (!ci.running || ci.pid <= 0)
                        return error_set(e, ESRCH, "target container \"%s\" is not running", ts->container);
                snprintf(t->container_id, sizeof(t->container_id), "%s", ci.id);
                snprintf(t->container_name, sizeof(t->container_name), "%s", ci.name);
                r = bind_pid(t, ci.pid, e);
                if (r < 0)
                        return error_wrap(e, "target container \"%s\"", ts->container);
                break;
        }
        r = refuse_unsafe(t, e);
        if (r < 0) {
                target_release(t);
                return r;
        }
        return 0;
}

int target_rebind(struct target *t, struct error *e)
{
        char dir[4096];
        uint64_t ino;
        int r;

        target_release(t);
        if (t->pid > 0) {
                uint64_t st = t->start_time;

                r = proc_pidfd_open(t->pid, &st, &t->pidfd, e);
                if (r < 0)
                        return r;
        }
        if (t->cgroup[0]) {
                r = cg_dir(t->cgv, ID_CONTROLLER, t->cgroup, dir, sizeof(dir), e);
                if (r < 0)
                        return r;
                if (cg_inode(dir, &ino, e) < 0 || (t->cgroup_ino && ino != t->cgroup_ino)) {
                        target_release(t);
                        return error_set(e, ESRCH, "cgroup %s is gone or was replaced", t->cgroup);
                }
        }
        return 0;
}

int target_alive(const struct target *t)
{
        struct error e;
        char dir[4096];
        uint64_t st, ino;

        if (t->pid > 0)
                return proc_start_time(t->pid, &st, &e) == 0 && st == t->start_time;
        if (cg_dir(t->cgv, ID_CONTROLLER, t->cgroup, dir, sizeof(dir), &e) < 0)
                return 0;
        return cg_inode(dir, &ino, &e) == 0 && ino == t->cgroup_ino;
}

int target_cgroup_dir(const struct target *t, const char *controller, char *out, unsigned long len, struct error *e)
{
        char rel[1024];
        int r;

        /* On v1 each controller may place the process elsewhere (systemd
         * driver); ask the process when there is one, else assume the same
         * relative path in every hierarchy, as Docker's cgroupfs driver does. */
        if (t->cgv == CG_V1 && t->pid > 0 && strcmp(controller, ID_CONTROLLER) != 0) {
                r = cg_pid_path(t->pid, t->cgv, controller, rel, sizeof(rel), e);
                if (r < 0)
                        return r;
        } else {
                snprintf(rel, sizeof(rel), "%s", t->cgroup);
        }
        r = cg_dir(t->cgv, controller, rel, out, len, e);
        if (r < 0)
                return r;
        /* Every fault that changes a cgroup comes through here: never one
         * that holds chaosd or PID 1 (freezing or squeezing chaosd would
         * disarm the revert). The root cgroup has no freezer or limit
         * files, so the kernel refuses those by itself; joining a stressor
         * to it is harmless: allowed here, refused as a cgroup target. */
        r = guard_cgroup(t->cgv, controller, out, rel, 1, e);
        if (r == -ENOENT) {
                /* Gone: nothing to guard; the caller's read or write
                 * meets the same ENOENT and knows what it means. */
                error_clear(e);
                return 0;
        }
        return r;
}

static const char *kind_name(enum target_kind k)
{
        switch (k) {
        case TARGET_PID:
                return "pid";
        case TARGET_CGROUP:
                return "cgroup";
        case TARGET_CONTAINER:
                return "container";
        case TARGET_EXEC:
                return "exec";
        }
        return "?";
}

cJSON *target_to_json(const struct target *t)
{
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "kind", kind_name(t->kind));
        if (t->pid > 0) {
                cJSON_AddNumberToObject(j, "pid", t->pid);
                cJSON_AddNumberToObject(j, "start_time", (double)t->start_time);
        }
        cJSON_AddNumberToObject(j, "cgroup_version", t->cgv);
        cJSON_AddStringToObject(j, "cgroup", t->cgroup);
        cJSON_AddNumberToObject(j, "cgroup_inode", (double)t->cgroup_ino);
        if (t->netns_ino)
                cJSON_AddNumberToObject(j, "netns_inode", (double)t->netns_ino);
        if (t->container_id[0]) {
                cJSON_AddStringToObject(j, "container_id", t->container_id);
                cJSON_AddStringToObject(j, "container_name", t->container_name);
                cJSON_AddStringToObject(j, "runtime", t->runtime);
        }
        return j;
}

static double num(const cJSON *j, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);

        return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void str(const cJSON *j, const char *k, char *out, size_t len)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);

        snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int target_from_json(const cJSON *j, struct target *t, struct error *e)
{
        char kind[16];

        target_init(t);
        if (!cJSON_IsObject(j))
                return error_set(e, EINVAL, "journal: target is not an object");
        str(j, "kind", kind, sizeof(kind));
        t->kind = strcmp(kind, "pid") == 0      ? TARGET_PID
                  : strcmp(kind, "cgroup") == 0 ? TARGET_CGROUP
                  : strcmp(kind, "exec") == 0   ? TARGET_EXEC
                                                : TARGET_CONTAINER;
        t->pid = (pid_t)num(j, "pid");
        t->start_time = (uint64_t)num(j, "start_time");
        t->cgv = num(j, "cgroup_version") == 2 ? CG_V2 : CG_V1;
        str(j, "cgroup", t->cgroup, sizeof(t->cgroup));
        t->cgroup_ino = (uint64_t)num(j, "cgroup_inode");
        t->netns_ino = (uint64_t)num(j, "netns_inode");
        str(j, "container_id", t->container_id, sizeof(t->container_id));
        str(j, "container_name", t->container_name, sizeof(t->container_name));
        str(j, "runtime", t->runtime, sizeof(t->runtime));
        return 0;
}
