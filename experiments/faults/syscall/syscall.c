/* syscall: fail or delay chosen system calls of the target.
 *
 * Spec: {"type": "syscall", "syscalls": ["openat", "read"], "errno": "EIO",
 *        "probability": "30%", "count": 5, "delay": "50ms",
 *        "path": "/srv/data*", "mode": "auto", "allow_enosys_on_crash": false}
 *   syscalls   names as libseccomp knows them for this architecture (1..64)
 *   errno      name ("EIO") or number 1..4095 to fail with; required unless
 *              "delay" is given (a delay alone holds the call, then lets it
 *              run; with both, the call is held and then fails)
 *   probability of each matching call being hit (default 100%)
 *   count      only the first N hits (then calls run natively again)
 *   delay      hold each hit call this long (up to 60s)
 *   path       fnmatch(3) glob on the path argument; every listed syscall
 *              must take a path (openat, stat, unlinkat...). The path is
 *              read from the target's memory: see docs/syscall.md (TOCTOU)
 *   mode       auto: through chaosd's seccomp agent when the target runs
 *              under our listener (chaosctl exec, OCI listenerPath), else
 *              ptrace; notify / ptrace force one; kernel is only for
 *              chaosctl exec (SECCOMP_RET_ERRNO for the command's life)
 *   allow_enosys_on_crash  accept a listener that lives only in chaosd (OCI
 *              mode): if chaosd dies, the routed calls fail with ENOSYS
 *
 * Saved state: {"via": "notify", "pid", "start_time"} or {"via": "ptrace",
 * "tracer_pid", "tracer_start"}, written before anything changes. Revert
 * switches the agent's policy off or kills the tracer; either way the
 * target's calls then run natively, and a dead chaosd leaves nothing behind
 * (the tracer dies with it; a listener kept by chaosctl exec answers
 * CONTINUE by itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "fault.h"
#include "jsonv.h"
#include "syscall_fault.h"
#include "syscall_ptrace.h"
#include "target.h"

#define SYSCALL_MAX_DELAY_US (60ULL * 1000000)

struct syscall_fault {
        struct syscall_policy p;
        struct syscall_tracer tracer;
        int attached;              /* the agent holds our policy */
        struct syscall_stats live; /* kept up to date by the agent while attached */
        pid_t pid;
        uint64_t start_time;
};

static const char *const syscall_keys[] = { "type",  "syscalls", "errno", "probability",           "count",
                                            "delay", "path",     "mode",  "allow_enosys_on_crash", NULL };

static int errno_parse(const cJSON *v, const char *path, int *ret, struct error *e)
{
        if (cJSON_IsNumber(v)) {
                /* Range before the cast: an out-of-range double to int is undefined. */
                if (!(v->valuedouble >= 1 && v->valuedouble <= 4095) || v->valuedouble != (double)(int)v->valuedouble)
                        return error_path(e, path, "%g is not an errno number 1..4095", v->valuedouble);
                *ret = v->valueint;
                return 0;
        }
        if (!cJSON_IsString(v))
                return error_path(e, path, "must be an errno name such as \"EIO\" or a number");
        for (int i = 1; i < 4096; i++) {
                const char *n = strerrorname_np(i);

                if (n && strcmp(n, v->valuestring) == 0) {
                        *ret = i;
                        return 0;
                }
        }
        return error_path(e, path, "\"%.32s\" is not an errno name known here", v->valuestring);
}

static int syscall_parse(struct fault *f, const cJSON *json, struct error *e)
{
        struct syscall_fault *sf;
        struct syscall_policy *p;
        const cJSON *calls, *c, *jerr;
        const char *mode = NULL, *glob = NULL;
        char path[JV_PATH_MAX];
        int64_t count = -1;
        int r, i = 0, allow = 0;

        r = jv_check_object(json, f->path, syscall_keys, e);
        if (r < 0)
                return r;
        sf = calloc(1, sizeof(*sf));
        if (!sf)
                return error_set(e, ENOMEM, "out of memory");
        sf->tracer.pidfd = -1;
        f->priv = sf;
        p = &sf->p;
        p->probability = 100;
        p->count = -1;
        r = jv_string_array(json, f->path, "syscalls", 1, 1, &calls, e);
        if (r < 0)
                return r;
        jv_path(path, f->path, "syscalls");
        if (cJSON_GetArraySize(calls) > SYSCALL_POLICY_MAX_CALLS)
                return error_path(e, path, "at most %d syscalls", SYSCALL_POLICY_MAX_CALLS);
        cJSON_ArrayForEach(c, calls) {
                char ip[JV_PATH_MAX];
                int nr = seccomp_syscall_resolve_name(c->valuestring);

                jv_path_index(ip, path, i++);
                if (nr == __NR_SCMP_ERROR || nr < 0)
                        return error_path(e, ip, "\"%.32s\" is not a syscall of this architecture", c->valuestring);
                if (syscall_policy_index(p, nr) >= 0)
                        return error_path(e, ip, "\"%.32s\" is listed twice", c->valuestring);
                snprintf(p->names[p->n], sizeof(p->names[p->n]), "%s", c->valuestring);
                p->nr[p->n++] = nr;
        }
        jerr = cJSON_GetObjectItemCaseSensitive(json, "errno");
        if (jerr) {
                jv_path(path, f->path, "errno");
                r = errno_parse(jerr, path, &p->err, e);
                if (r < 0)
                        return r;
        }
        r = jv_percent(json, f->path, "probability", 0, &p->probability, e);
        if (r < 0)
                return r;
        r = jv_int(json, f->path, "count", 0, 1, INT32_MAX, &count, e);
        if (r < 0)
                return r;
        p->count = count;
        r = jv_duration(json, f->path, "delay", 0, 1, SYSCALL_MAX_DELAY_US, &p->delay_us, e);
        if (r < 0)
                return r;
        if (!p->err && !p->delay_us)
                return error_path(e, f->path, "needs \"errno\" or \"delay\" (or both)");
        r = jv_string(json, f->path, "path", 0, &glob, e);
        if (r < 0)
                return r;
        if (glob) {
                jv_path(path, f->path, "path");
                if (!glob[0] || strlen(glob) >= sizeof(p->path))
                        return error_path(e, path, "must be a glob of 1..%zu characters", sizeof(p->path) - 1);
                for (int k = 0; k < p->n; k++)
                        if (syscall_path_arg(p->nr[k]) < 0)
                                return error_path(e, path, "\"%s\" takes no path argument", p->names[k]);
                snprintf(p->path, sizeof(p->path), "%s", glob);
        }
        r = jv_string(json, f->path, "mode", 0, &mode, e);
        if (r < 0)
                return r;
        p->mode = SYSCALL_MODE_AUTO;
        if (mode) {
                jv_path(path, f->path, "mode");
                if (strcmp(mode, "auto") == 0)
                        p->mode = SYSCALL_MODE_AUTO;
                else if (strcmp(mode, "notify") == 0)
                        p->mode = SYSCALL_MODE_NOTIFY;
                else if (strcmp(mode, "ptrace") == 0)
                        p->mode = SYSCALL_MODE_PTRACE;
                else if (strcmp(mode, "kernel") == 0)
                        p->mode = SYSCALL_MODE_KERNEL;
                else
                        return error_path(e, path, "\"%.32s\" is not one of auto, notify, ptrace, kernel", mode);
        }
        if (p->mode == SYSCALL_MODE_KERNEL && !syscall_policy_kernel_ok(p))
                return error_path(e, f->path,
                                  "mode \"kernel\" (SECCOMP_RET_ERRNO) needs an errno at 100%% "
                                  "and no count, delay or path");
        r = jv_bool(json, f->path, "allow_enosys_on_crash", 0, &allow, e);
        if (r < 0)
                return r;
        p->allow_enosys_on_crash = allow;
        return 0;
}

const struct syscall_policy *fault_syscall_policy(const struct fault *f)
{
        return f && f->priv && strcmp(f->ops->type, "syscall") == 0 ? &((struct syscall_fault *)f->priv)->p : NULL;
}

static int apply_notify(struct fault *f, struct syscall_fault *sf, struct target *t, struct error *e)
{
        const struct syscall_agent_ops *ops = syscall_agent();
        cJSON *saved;
        int keeper = 0, r;

        if (!ops)
                return -ENOENT;
        saved = fault_saved(f);
        cJSON_AddStringToObject(saved, "via", "notify");
        cJSON_AddNumberToObject(saved, "pid", t->pid);
        cJSON_AddNumberToObject(saved, "start_time", (double)t->start_time);
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r;
        r = ops->attach(t->pid, t->start_time, sf, &sf->p, &sf->live, &keeper, e);
        if (r < 0)
                return r;
        sf->attached = 1;
        sf->pid = t->pid;
        sf->start_time = t->start_time;
        if (!keeper && !sf->p.allow_enosys_on_crash) {
                (void)ops->detach(t->pid, t->start_time, sf);
                sf->attached = 0;
                return error_set(e, EPERM,
                                 "%s: process %d's seccomp listener lives only in chaosd (OCI mode): "
                                 "if chaosd died its routed syscalls would fail with ENOSYS; set "
                                 "\"allow_enosys_on_crash\": true to accept that",
                                 f->path, (int)t->pid);
        }
        return 0;
}

static int syscall_apply(struct fault *f, struct target *t, struct error *e)
{
        struct syscall_fault *sf = f->priv;
        cJSON *saved;
        int r;

        if (t->pid <= 0)
                return error_set(e, EINVAL, "syscall: the target has no main process (a bare cgroup)");
        if (sf->p.mode == SYSCALL_MODE_KERNEL)
                return error_set(e, EINVAL,
                                 "%s: mode \"kernel\" only works with chaosctl exec (the filter "
                                 "outlives any experiment)",
                                 f->path);
        if (sf->p.mode != SYSCALL_MODE_PTRACE) {
                r = apply_notify(f, sf, t, e);
                if (r != -ENOENT)
                        return r;
                if (sf->p.mode == SYSCALL_MODE_NOTIFY)
                        return error_set(e, ENOENT,
                                         "%s: process %d is not supervised by chaosd's seccomp agent "
                                         "(start it with chaosctl exec or an OCI runtime with listenerPath)",
                                         f->path, (int)t->pid);
                cJSON_Delete(f->saved);
                f->saved = NULL;
        }
        saved = fault_saved(f);
        cJSON_AddStringToObject(saved, "via", "ptrace");
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r;
        r = syscall_tracer_start(t->pid, t->start_time, &sf->p, &sf->tracer, e);
        if (r < 0)
                return error_wrap(e, "syscall (ptrace)");
        cJSON_AddNumberToObject(saved, "tracer_pid", sf->tracer.pid);
        cJSON_AddNumberToObject(saved, "tracer_start", (double)sf->tracer.start_time);
        return fault_checkpoint(f, e);
}

static cJSON *stats_json(const char *via, const struct syscall_stats *s)
{
        cJSON *rb = cJSON_CreateObject();

        cJSON_AddStringToObject(rb, "via", via);
        cJSON_AddNumberToObject(rb, "seen", (double)s->seen);
        cJSON_AddNumberToObject(rb, "matched", (double)s->matched);
        cJSON_AddNumberToObject(rb, "injected", (double)s->injected);
        cJSON_AddNumberToObject(rb, "delayed", (double)s->delayed);
        return rb;
}

static int syscall_verify(struct fault *f, struct target *t, struct error *e)
{
        struct syscall_fault *sf = f->priv;
        struct syscall_stats s = { 0 };
        const struct syscall_agent_ops *ops = syscall_agent();

        if (sf->attached) {
                if (!ops || ops->stats(sf->pid, sf->start_time, sf, &s) < 0)
                        return error_set(e, ESRCH, "syscall: process %d is no longer supervised", (int)sf->pid);
                fault_set_readback(f, stats_json("notify", &s));
                return 0;
        }
        if (!sf->tracer.pid) {
                const cJSON *via = f->saved ? cJSON_GetObjectItemCaseSensitive(f->saved, "via") : NULL;

                /* After a restart: neither a listener (it died with the old
                 * chaosd; a keeper hands it over again, but with no policy)
                 * nor a tracer (PDEATHSIG) survives, so nothing to resume. */
                return error_set(e, ESRCH, "syscall: the %s injector of process %d ended with the previous chaosd",
                                 cJSON_IsString(via) ? via->valuestring : "syscall", (int)t->pid);
        }
        if (!syscall_tracer_check(&sf->tracer, t->pid))
                return error_set(e, ESRCH, "syscall: process %d is not traced by our tracer", (int)t->pid);
        {
                cJSON *rb = stats_json("ptrace", sf->tracer.stats);

                cJSON_AddNumberToObject(rb, "tracer_pid", sf->tracer.pid);
                cJSON_AddNumberToObject(rb, "threads", sf->tracer.threads);
                fault_set_readback(f, rb);
        }
        return 0;
}

static int syscall_revert(struct fault *f, struct target *t, struct error *e)
{
        struct syscall_fault *sf = f->priv;
        const struct syscall_agent_ops *ops = syscall_agent();
        const cJSON *via, *tp, *ts;

        /* The totals become the read-back: what the experiment did. */
        if (sf && sf->attached) {
                fault_set_readback(f, stats_json("notify", &sf->live));
                if (ops)
                        (void)ops->detach(sf->pid, sf->start_time, sf);
                sf->attached = 0;
                return 0;
        }
        if (sf && (sf->tracer.pid > 0 || sf->tracer.stats)) {
                if (sf->tracer.stats) {
                        cJSON *rb = stats_json("ptrace", sf->tracer.stats);

                        cJSON_AddNumberToObject(rb, "tracer_pid", sf->tracer.pid);
                        fault_set_readback(f, rb);
                }
                syscall_tracer_stop(&sf->tracer);
                return 0;
        }
        /* After a restart: the saved state alone. A listener died with the
         * old chaosd (nothing to switch off); a tracer died with it too
         * (PDEATHSIG), but make sure. */
        if (!f->saved)
                return 0;
        via = cJSON_GetObjectItemCaseSensitive(f->saved, "via");
        tp = cJSON_GetObjectItemCaseSensitive(f->saved, "tracer_pid");
        ts = cJSON_GetObjectItemCaseSensitive(f->saved, "tracer_start");
        if (cJSON_IsString(via) && strcmp(via->valuestring, "ptrace") == 0 && cJSON_IsNumber(tp) &&
            cJSON_IsNumber(ts))
                return syscall_tracer_kill_saved((pid_t)tp->valueint, (uint64_t)ts->valuedouble, e);
        return 0;
}

static int syscall_child_exited(struct fault *f, int pid, int status)
{
        struct syscall_fault *sf = f->priv;

        if (!sf || sf->tracer.pid != pid)
                return 0;
        /* Reaped by the daemon: the pidfd stays valid for stop()'s kill,
         * which then fails harmlessly. */
        return 1;
}

static void syscall_free_priv(void *priv)
{
        struct syscall_fault *sf = priv;

        if (!sf)
                return;
        /* Freed without a revert (a failed experiment's clean-up): never
         * leave the agent pointing at freed memory. */
        if (sf->attached && syscall_agent())
                (void)syscall_agent()->detach(sf->pid, sf->start_time, sf);
        if (sf->tracer.pid > 0 || sf->tracer.stats)
                syscall_tracer_stop(&sf->tracer);
        free(sf);
}

const struct fault_ops fault_syscall_ops = {
        .type = "syscall",
        .parse = syscall_parse,
        .apply = syscall_apply,
        .verify = syscall_verify,
        .revert = syscall_revert,
        .child_exited = syscall_child_exited,
        .free_priv = syscall_free_priv,
};
