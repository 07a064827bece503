/* kill: send a signal to processes of the target, once or every interval.
 *
 * Spec: {"type": "kill", "signal": "SIGKILL" | "TERM" | 9,
 *        "process": "exact-comm" | "regex": "^nginx", "count": N,
 *        "interval": "5s"}
 *   signal    name (with or without SIG) or number 1..64; default SIGKILL.
 *   process   exact process name as /proc/PID/comm shows it (the kernel
 *             truncates comm to 15 bytes; a longer name also matches when
 *             argv[0]'s basename equals it).
 *   regex     POSIX extended regex searched in the command line (arguments
 *             joined by spaces). "process" and "regex" are exclusive.
 *   count     at most N processes signalled per round (default: all that
 *             match): the newest (highest PID) first and the target's main
 *             process last, so that "count": 1 takes a worker before the
 *             process whose death ends the container.
 *   interval  repeat every interval (100ms..24h) until the experiment ends.
 *
 * Which processes: for a container or cgroup target, those listed in its
 * cgroup's cgroup.procs; for a pid target, the process and its descendants
 * (its cgroup may be a shared one, such as a user session). Without
 * "process" or "regex" only the target's main process is signalled — the
 * safe default: "kill" alone never fans out to a whole cgroup. A bare cgroup
 * target has no main process and needs one of them.
 *
 * Identity: every signal goes through a pidfd whose process start time is
 * checked after opening it and again after its name was read, so a PID
 * reused between listing and signalling is never hit; the main process must
 * still be the one the target was bound to. The host's init, chaosd and its
 * helpers (warden, stressors, tracers: every descendant of chaosd, found in
 * the process tree, never by name) are never signalled.
 *
 * One-shot: nothing to revert. Before each round the chosen identities are
 * written to f->saved ("intent") and checkpointed; f->readback lists what was
 * signalled (pid, comm, signal), the running count, and after verify, for
 * SIGKILL, how many of the last round have exited.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "guard.h"
#include "jsonv.h"
#include "proc.h"
#include "target.h"

#define KILL_MAX_COUNT 100000
#define KILL_READBACK_MAX 64 /* most recent signalled processes shown */
#define KILL_MAX_PROCS 65536

struct kill_params {
        int sig;
        char process[256]; /* "" when not given */
        char regex[256];   /* "" when not given */
        regex_t re;
        int64_t count; /* 0: every match */
        uint64_t interval_us;
};

static const char *const kill_keys[] = { "type", "signal", "process", "regex", "count", "interval", NULL };

static void kill_free(void *priv)
{
        struct kill_params *p = priv;

        if (p->regex[0])
                regfree(&p->re);
        free(p);
}

/* kill is one-shot and has nothing to revert: a stop signal would leave
 * the processes stopped after the experiment ends. "pause" is the fault
 * that stops a target and gives it back. */
static int check_not_stop(int sig, const char *p, struct error *e)
{
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
                return error_path(e, p,
                                  "SIG%s would leave the processes stopped after the experiment; use the "
                                  "\"pause\" fault, which is reverted",
                                  proc_signal_name(sig));
        return 0;
}

static int parse_signal(const cJSON *json, const char *path, int *ret, struct error *e)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(json, "signal");
        char p[JV_PATH_MAX];
        int64_t n;
        int r;

        *ret = SIGKILL;
        if (!v)
                return 0;
        jv_path(p, path, "signal");
        if (cJSON_IsNumber(v)) {
                r = jv_int(json, path, "signal", 1, 1, SIGRTMAX, &n, e);
                if (r < 0)
                        return r;
                *ret = (int)n;
                return check_not_stop(*ret, p, e);
        }
        if (!cJSON_IsString(v))
                return error_path(e, p, "must be a signal name such as \"SIGTERM\" or a number");
        if (proc_signal_parse(v->valuestring, ret) < 0)
                return error_path(e, p,
                                  "\"%.32s\" is not a signal (use a name such as \"SIGKILL\", \"TERM\" or "
                                  "a number 1..%d)",
                                  v->valuestring, SIGRTMAX);
        return check_not_stop(*ret, p, e);
}

static int kill_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct kill_params *kp = calloc(1, sizeof(*kp));
        const char *process = NULL, *regex = NULL;
        char p[JV_PATH_MAX];
        int r;

        if (!kp)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, kill_keys, e);
        if (r < 0)
                return r;
        r = parse_signal(json, f->path, &kp->sig, e);
        if (r < 0)
                return r;
        r = jv_string(json, f->path, "process", 0, &process, e);
        if (r < 0)
                return r;
        if (process) {
                jv_path(p, f->path, "process");
                if (strlen(process) >= sizeof(kp->process))
                        return error_path(e, p, "too long (at most %zu bytes)", sizeof(kp->process) - 1);
                snprintf(kp->process, sizeof(kp->process), "%s", process);
        }
        r = jv_string(json, f->path, "regex", 0, &regex, e);
        if (r < 0)
                return r;
        if (regex) {
                jv_path(p, f->path, "regex");
                if (process)
                        return error_path(e, p, "cannot be combined with \"process\"");
                if (strlen(regex) >= sizeof(kp->regex))
                        return error_path(e, p, "too long (at most %zu bytes)", sizeof(kp->regex) - 1);
        }
        r = jv_int(json, f->path, "count", 0, 1, KILL_MAX_COUNT, &kp->count, e);
        if (r < 0)
                return r;
        r = jv_duration(json, f->path, "interval", 0, 100000, 24ULL * 3600 * 1000000, &kp->interval_us, e);
        if (r < 0)
                return r;
        /* Compile last, so that no early return leaks the compiled regex. */
        if (regex) {
                int rc = regcomp(&kp->re, regex, REG_EXTENDED | REG_NOSUB);

                if (rc != 0) {
                        char why[128];

                        regerror(rc, &kp->re, why, sizeof(why));
                        return error_path(e, p, "\"%.64s\" is not a valid extended regex: %s", regex, why);
                }
                snprintf(kp->regex, sizeof(kp->regex), "%s", regex);
        }
        f->tick_us = kp->interval_us;
        f->priv = TAKE_PTR(kp);
        return 0;
}

/* Descending PIDs. */
static int cmp_pid_desc(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

        return (x < y) - (x > y);
}

/* Order of choice: newest first, the main process last. */
static void order(pid_t *pids, size_t n, pid_t main_pid)
{
        qsort(pids, n, sizeof(*pids), cmp_pid_desc);
        for (size_t i = 0; i + 1 < n; i++)
                if (pids[i] == main_pid) {
                        memmove(pids + i, pids + i + 1, (n - i - 1) * sizeof(*pids));
                        pids[n - 1] = main_pid;
                        break;
                }
}

/* Parent PID from /proc/PID/stat (field 4, after the parenthesised comm). */
static pid_t proc_ppid(pid_t pid)
{
        char path[64], buf[1024];
        struct error ign;
        char *rp;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (fs_read(path, buf, sizeof(buf), &ign) < 0)
                return -1;
        rp = strrchr(buf, ')');
        if (!rp || strlen(rp) < 5)
                return -1;
        return (pid_t)atoi(rp + 4);
}

struct pp {
        pid_t pid, ppid;
};

static int cmp_ppid(const void *a, const void *b)
{
        const struct pp *x = a, *y = b;

        return (x->ppid > y->ppid) - (x->ppid < y->ppid);
}

/* ROOT and all its descendants, from one scan of /proc. */
static int descendants(pid_t root, pid_t **ret, size_t *ret_n, struct error *e)
{
        _cleanup_free_ struct pp *all = NULL;
        _cleanup_free_ pid_t *out = NULL;
        size_t n = 0, cap = 0, on = 1;
        struct dirent *de;
        DIR *d;

        d = opendir("/proc");
        if (!d)
                return error_sys(e, errno, "opendir /proc");
        while ((de = readdir(d)) && n < KILL_MAX_PROCS) {
                pid_t pid = (pid_t)atoi(de->d_name), ppid;

                if (pid <= 0 || (ppid = proc_ppid(pid)) < 0)
                        continue;
                if (n == cap) {
                        struct pp *np = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*all));

                        if (!np) {
                                closedir(d);
                                return error_set(e, ENOMEM, "out of memory");
                        }
                        all = np;
                }
                all[n++] = (struct pp){ pid, ppid };
        }
        closedir(d);
        qsort(all, n, sizeof(*all), cmp_ppid);
        out = malloc((n + 1) * sizeof(*out));
        if (!out)
                return error_set(e, ENOMEM, "out of memory");
        out[0] = root;
        /* Breadth first: each found process adds its children, found by
         * binary search in the list sorted by parent. */
        for (size_t i = 0; i < on; i++) {
                size_t lo = 0, hi = n;

                while (lo < hi) {
                        size_t mid = (lo + hi) / 2;

                        if (all[mid].ppid < out[i])
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                for (; lo < n && all[lo].ppid == out[i] && on <= n; lo++)
                        if (all[lo].pid != out[i])
                                out[on++] = all[lo].pid;
        }
        *ret = TAKE_PTR(out);
        *ret_n = on;
        return 0;
}

/* The PIDs this round may consider. */
static int candidates(const struct kill_params *kp, const struct target *t, pid_t **ret, size_t *ret_n,
                      struct error *e)
{
        char dir[4096];
        uint64_t ino;
        int r;

        if (!kp->process[0] && !kp->regex[0]) {
                if (t->pid <= 0)
                        return error_set(e, EINVAL,
                                         "kill: a cgroup target has no main process: set \"process\" "
                                         "or \"regex\" to choose among its processes");
                *ret = malloc(sizeof(pid_t));
                if (!*ret)
                        return error_set(e, ENOMEM, "out of memory");
                (*ret)[0] = t->pid;
                *ret_n = 1;
                return 0;
        }
        if (t->kind == TARGET_PID || t->kind == TARGET_EXEC) {
                if (!target_alive(t))
                        return error_set(e, ESRCH, "kill: target process %d is gone", (int)t->pid);
                return descendants(t->pid, ret, ret_n, e);
        }
        r = target_cgroup_dir(t, "freezer", dir, sizeof(dir), e);
        if (r < 0)
                return (r == -ENOENT || r == -ENODEV)
                               ? error_set(e, ESRCH, "kill: target cgroup %s is gone", t->cgroup)
                               : r;
        if (cg_inode(dir, &ino, e) < 0 || (t->cgroup_ino && ino != t->cgroup_ino))
                return error_set(e, ESRCH, "kill: target cgroup %s is gone or was replaced", t->cgroup);
        r = cg_procs(dir, ret, ret_n, e);
        if (r < 0)
                return (r == -ENOENT || r == -ENODEV)
                               ? error_set(e, ESRCH, "kill: target cgroup %s is gone", t->cgroup)
                               : r;
        return 0;
}

/* Does the process match? Reads comm and cmdline; the caller re-checks the
 * start time afterwards so that what was read belongs to the pidfd's
 * process. */
static int matches(const struct kill_params *kp, pid_t pid, char *comm, size_t comm_len)
{
        char cmdline[4096];
        struct error ign;

        if (proc_comm(pid, comm, comm_len, &ign) < 0)
                return 0;
        if (kp->process[0]) {
                const char *base;

                if (strcmp(comm, kp->process) == 0)
                        return 1;
                /* comm is cut to 15 bytes: compare a longer name with argv[0]. */
                if (strlen(kp->process) < 15 || strncmp(comm, kp->process, 15) != 0)
                        return 0;
                if (proc_cmdline(pid, cmdline, sizeof(cmdline), &ign) < 0)
                        return 0;
                cmdline[strcspn(cmdline, " ")] = '\0';
                base = strrchr(cmdline, '/');
                return strcmp(base ? base + 1 : cmdline, kp->process) == 0;
        }
        if (kp->regex[0]) {
                if (proc_cmdline(pid, cmdline, sizeof(cmdline), &ign) < 0)
                        return 0;
                return regexec(&kp->re, cmdline, 0, NULL, 0) == 0;
        }
        return 1; /* the main process */
}

struct chosen {
        pid_t pid;
        uint64_t start;
        int fd;
        char comm[64];
};

static void chosen_free(struct chosen *c, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (c[i].fd >= 0)
                        close(c[i].fd);
        free(c);
}

static double saved_num(struct fault *f, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(fault_saved(f), key);

        return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void set_num(cJSON *o, const char *key, double v)
{
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);
        cJSON_AddNumberToObject(o, key, v);
}

/* Append this round to the readback, keeping the newest entries. */
static void record(struct fault *f, const struct kill_params *kp, const struct chosen *c, const int *sent, size_t n)
{
        cJSON *rb = f->readback ? f->readback : cJSON_CreateObject();
        cJSON *list = cJSON_GetObjectItemCaseSensitive(rb, "signalled");

        if (!list)
                list = cJSON_AddArrayToObject(rb, "signalled");
        for (size_t i = 0; i < n; i++) {
                cJSON *it;

                if (!sent[i])
                        continue;
                it = cJSON_CreateObject();
                cJSON_AddNumberToObject(it, "pid", c[i].pid);
                cJSON_AddStringToObject(it, "comm", c[i].comm);
                cJSON_AddStringToObject(it, "signal", proc_signal_name(kp->sig));
                cJSON_AddItemToArray(list, it);
        }
        while (cJSON_GetArraySize(list) > KILL_READBACK_MAX)
                cJSON_DeleteItemFromArray(list, 0);
        set_num(rb, "count", saved_num(f, "count"));
        set_num(rb, "rounds", saved_num(f, "rounds"));
        cJSON_DeleteItemFromObjectCaseSensitive(rb, "signal");
        cJSON_AddStringToObject(rb, "signal", proc_signal_name(kp->sig));
        if (f->readback != rb)
                fault_set_readback(f, rb);
}

/* One round: choose, journal the intent, signal. FIRST makes "no process
 * matches" an error (an action that did nothing must not pass as
 * injected); in later rounds it is recorded and tolerated, as processes may
 * be restarting. */
static int kill_round(struct fault *f, struct target *t, int first, struct error *e)
{
        const struct kill_params *kp = f->priv;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ int *sent = NULL;
        struct chosen *c = NULL;
        size_t n = 0, nc = 0, limit;
        cJSON *saved, *intent;
        double count;
        int r;

        r = candidates(kp, t, &pids, &n, e);
        if (r < 0)
                return r;
        order(pids, n, t->pid);
        limit = kp->count > 0 ? (size_t)kp->count : n;
        c = calloc(n ? n : 1, sizeof(*c));
        sent = calloc(n ? n : 1, sizeof(*sent));
        if (!c || !sent) {
                free(c);
                return error_set(e, ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < n && nc < limit; i++) {
                struct chosen *x = &c[nc];
                int main_proc = pids[i] == t->pid;
                uint64_t again;
                char state;
                struct error ign;

                /* Never the host's init, chaosd or its helpers (warden,
                 * stressors, tracers), which a stressor's presence in
                 * the target's cgroup would otherwise offer. */
                if (pids[i] <= 1 || guard_is_own(pids[i]))
                        continue;
                x->pid = pids[i];
                x->fd = -1;
                /* The main process must be the very one the target was
                 * bound to; others are taken as they are now. */
                x->start = main_proc ? t->start_time : 0;
                if (proc_pidfd_open(x->pid, &x->start, &x->fd, &ign) < 0) {
                        if (main_proc && !kp->process[0] && !kp->regex[0]) {
                                chosen_free(c, nc);
                                return error_set(e, ESRCH, "kill: target process %d is gone or was replaced",
                                                 (int)t->pid);
                        }
                        continue;
                }
                if (!matches(kp, x->pid, x->comm, sizeof(x->comm)) || proc_state(x->pid, &state, &ign) < 0 ||
                    state == 'Z' || proc_start_time(x->pid, &again, &ign) < 0 || again != x->start) {
                        close(x->fd);
                        continue;
                }
                nc++;
        }
        if (nc == 0 && first) {
                chosen_free(c, nc);
                if (kp->process[0])
                        return error_set(e, ESRCH, "kill: no process named \"%s\" in the target", kp->process);
                if (kp->regex[0])
                        return error_set(e, ESRCH, "kill: no process of the target matches /%s/", kp->regex);
                return error_set(e, ESRCH, "kill: target process %d is gone", (int)t->pid);
        }

        /* Journal the intent before any signal leaves. */
        saved = fault_saved(f);
        cJSON_DeleteItemFromObjectCaseSensitive(saved, "intent");
        intent = cJSON_AddArrayToObject(saved, "intent");
        for (size_t i = 0; i < nc; i++) {
                cJSON *it = cJSON_CreateObject();

                cJSON_AddNumberToObject(it, "pid", c[i].pid);
                cJSON_AddNumberToObject(it, "start_time", (double)c[i].start);
                cJSON_AddStringToObject(it, "comm", c[i].comm);
                cJSON_AddNumberToObject(it, "signal", kp->sig);
                cJSON_AddItemToArray(intent, it);
        }
        set_num(saved, "rounds", saved_num(f, "rounds") + 1);
        r = fault_checkpoint(f, e);
        if (r < 0) {
                chosen_free(c, nc);
                return r;
        }

        count = saved_num(f, "count");
        for (size_t i = 0; i < nc; i++) {
                struct error se;

                r = proc_pidfd_signal(c[i].fd, kp->sig, &se);
                if (r == -ESRCH)
                        continue; /* exited meanwhile: nothing was hit */
                if (r < 0) {
                        int pid = (int)c[i].pid;

                        *e = se;
                        chosen_free(c, nc);
                        return error_wrap(e, "kill: pid %d", pid);
                }
                sent[i] = 1;
                count++;
        }
        set_num(saved, "count", count);
        record(f, kp, c, sent, nc);
        chosen_free(c, nc);
        return 0;
}

static int kill_apply(struct fault *f, struct target *t, struct error *e)
{
        int r = kill_round(f, t, 1, e);

        if (r < 0)
                return r;
        /* Without an interval the action is complete. */
        f->done = f->tick_us == 0;
        return 0;
}

static int kill_tick(struct fault *f, struct target *t, struct error *e)
{
        return kill_round(f, t, 0, e);
}

/* Read back what the last round did: for SIGKILL, how many of the
 * signalled processes are gone (exited or zombie) within a short bound.
 * Never fails: a SIGKILL to a frozen or D-state task is delivered, its
 * exit just waits for the task to run again. */
static int kill_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct kill_params *kp = f->priv;
        const cJSON *intent = cJSON_GetObjectItemCaseSensitive(f->saved, "intent");
        int n = cJSON_GetArraySize(intent), gone = 0;

        if (!f->readback || kp->sig != SIGKILL || n == 0)
                return 0;
        for (int tries = 0; tries < 40; tries++) {
                const cJSON *it;

                gone = 0;
                cJSON_ArrayForEach(it, intent) {
                        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(it, "pid");
                        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "start_time");
                        struct error ign;
                        uint64_t now;
                        char state;

                        if (!cJSON_IsNumber(pid) || !cJSON_IsNumber(st))
                                continue;
                        if (proc_start_time((pid_t)pid->valueint, &now, &ign) < 0 ||
                            now != (uint64_t)st->valuedouble ||
                            (proc_state((pid_t)pid->valueint, &state, &ign) == 0 && state == 'Z'))
                                gone++;
                }
                if (gone == n)
                        break;
                usleep(5000);
        }
        set_num(f->readback, "exited", gone);
        return 0;
}

static int kill_revert(struct fault *f, struct target *t, struct error *e)
{
        /* A signal cannot be taken back; nothing else was changed. */
        return 0;
}

const struct fault_ops fault_kill_ops = {
        .type = "kill",
        .flags = FAULT_ONESHOT,
        .parse = kill_parse,
        .apply = kill_apply,
        .verify = kill_verify,
        .revert = kill_revert,
        .tick = kill_tick,
        .free_priv = kill_free,
};
