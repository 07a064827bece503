/* chaosd's seccomp agent. See seccomp_agent.h and docs/syscall.md. */
#include "seccomp_agent.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "proc.h"
#include "syscall_fault.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define AGENT_MAX_MSG (64 * 1024)
#define AGENT_MAX_FDS 8

struct supervised;

struct held {
        struct held *next;
        struct supervised *s;
        uint64_t id;
        int err;
        struct loop_source *timer;
};

struct supervised {
        struct supervised *next;
        pid_t pid;
        uint64_t start_time;
        char name[128]; /* container id or "exec" */
        int listener;
        struct loop_source *src;
        int keeper; /* chaosctl exec's connection, -1 when none */
        struct loop_source *keeper_src;
        int exec_seen;   /* notifications before the first execve always CONTINUE */
        const void *key; /* the fault whose policy is attached, NULL: none */
        struct syscall_policy policy;
        struct syscall_stats stats;
        struct syscall_stats *live; /* the attached fault's copy, or NULL */
        uint64_t matches;
        struct held *held;
};

static struct {
        struct daemon *d;
        int fd;
        char path[108];
        struct loop_source *src;
        struct supervised *list;
        uint64_t rng;
        uint64_t spin_ns;
        int sync_wake;
} agent = { .fd = -1 };

static double rnd(void)
{
        agent.rng ^= agent.rng >> 12;
        agent.rng ^= agent.rng << 25;
        agent.rng ^= agent.rng >> 27;
        return (double)((agent.rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static void respond(int listener, uint64_t id, int err)
{
        struct seccomp_notif_resp resp = { .id = id };

        if (err)
                resp.error = -err;
        else
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        /* ENOENT: the caller was interrupted by a signal or died; nothing
         * waits for this answer any more. */
        (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* Tell chaosctl exec which calls we hold: if we die holding them, it
 * answers them (nobody else could: they were received already). */
static void announce(struct supervised *s, const char *what, uint64_t id)
{
        char line[48];
        int n;

        if (s->keeper < 0)
                return;
        n = snprintf(line, sizeof(line), "%s %llu\n", what, (unsigned long long)id);
        (void)send(s->keeper, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void held_free(struct held *h)
{
        announce(h->s, "done", h->id);
        loop_remove(agent.d->loop, h->timer);
        free(h);
}

/* Answer every held call now: with NATIVE, CONTINUE (the policy was
 * switched off: from now on every call runs natively). */
static void release_held(struct supervised *s, int native)
{
        while (s->held) {
                struct held *h = s->held;

                s->held = h->next;
                respond(s->listener, h->id, native ? 0 : h->err);
                held_free(h);
        }
}

static void on_held_timer(struct loop_source *src, uint32_t ev, void *ud)
{
        struct held *h = ud;
        struct supervised *s = h->s;

        for (struct held **pp = &s->held; *pp; pp = &(*pp)->next)
                if (*pp == h) {
                        *pp = h->next;
                        break;
                }
        respond(s->listener, h->id, h->err);
        held_free(h);
}

static void supervised_free(struct supervised *s)
{
        release_held(s, 1);
        if (s->src)
                loop_remove(agent.d->loop, s->src);
        if (s->keeper_src)
                loop_remove(agent.d->loop, s->keeper_src);
        if (s->keeper >= 0)
                close(s->keeper);
        if (s->listener >= 0)
                close(s->listener);
        free(s);
}

static void supervised_remove(struct supervised *s, const char *why)
{
        for (struct supervised **pp = &agent.list; *pp; pp = &(*pp)->next)
                if (*pp == s) {
                        *pp = s->next;
                        break;
                }
        log_event("info", NULL, "seccomp", "pid=%d name=%s no longer supervised: %s", (int)s->pid, s->name, why);
        supervised_free(s);
}

static int is_exec(int nr)
{
        return nr == SYS_execve || nr == SYS_execveat;
}

/* One call's fate under the attached policy: 0 to continue now, else the
 * errno; *delay_us > 0 holds it first. */
static int decide_policy(struct supervised *s, const struct seccomp_notif *req, uint64_t *delay_us);

static int decide(struct supervised *s, const struct seccomp_notif *req, uint64_t *delay_us)
{
        int r;

        *delay_us = 0;
        if (!s->exec_seen) {
                /* Our own launcher or the runtime's init, still before its
                 * exec: never inject there (runc opens its exec fifo under
                 * the filter). A call from another pid means the exec is
                 * long past (the process forked). */
                if (req->pid == (uint32_t)s->pid && !is_exec(req->data.nr))
                        return 0;
                s->exec_seen = 1;
                if (req->pid == (uint32_t)s->pid)
                        return 0;
        }
        if (!s->key || syscall_policy_index(&s->policy, req->data.nr) < 0)
                return 0;
        r = decide_policy(s, req, delay_us);
        if (s->live)
                *s->live = s->stats;
        return r;
}

struct notif_ref {
        int listener;
        uint64_t id;
};

static double judge_rnd(void *arg)
{
        return rnd();
}

/* The notification is still live, i.e. the pid still is the blocked
 * caller whose memory the path was read from. */
static int notif_live(void *arg)
{
        struct notif_ref *n = arg;

        return ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) == 0;
}

static int decide_policy(struct supervised *s, const struct seccomp_notif *req, uint64_t *delay_us)
{
        struct notif_ref n = { .listener = s->listener, .id = req->id };
        struct syscall_judge j = { .p = &s->policy,
                                   .stats = &s->stats,
                                   .matches = s->matches,
                                   .rnd = judge_rnd,
                                   .still_waiting = notif_live,
                                   .arg = &n };
        struct syscall_verdict v;

        syscall_judge(&j, (pid_t)req->pid, req->data.nr, req->data.args, &v);
        s->matches = j.matches;
        if (!v.matched)
                return 0;
        *delay_us = v.delay_us;
        return v.err;
}

static uint64_t mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Receive and answer one notification; -1 when S was removed. */
static int handle_one(struct supervised *s);

static void on_notify(struct loop_source *src, uint32_t ev, void *ud)
{
        struct supervised *s = ud;
        uint64_t until;

        if (!(ev & EPOLLIN)) {
                /* EPOLLHUP: every process under the filter has exited. */
                supervised_remove(s, "all processes under the filter exited");
                return;
        }
        if (handle_one(s) < 0)
                return;
        /* A process that makes one routed call usually makes the next a few
         * microseconds later. Instead of going back to sleep in epoll (and
         * being woken by an IPI for it), wait a moment for it while
         * yielding the CPU, so the caller, woken by our answer, runs here
         * and its next call finds us awake: the round trip stays on one
         * CPU. Bounded, so the loop's other sources are never starved. */
        until = mono_ns() + agent.spin_ns;
        for (int n = 0; agent.spin_ns && n < 256 && mono_ns() < until;) {
                struct pollfd p = { .fd = s->listener, .events = POLLIN };

                if (poll(&p, 1, 0) == 1) {
                        if (!(p.revents & POLLIN))
                                return; /* HUP: handled by the next epoll round */
                        if (handle_one(s) < 0)
                                return;
                        n++;
                        until = mono_ns() + agent.spin_ns;
                        continue;
                }
                sched_yield();
        }
}

static int handle_one(struct supervised *s)
{
        struct seccomp_notif req;
        uint64_t delay_us;
        int err;

        memset(&req, 0, sizeof(req));
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                if (errno == ENOENT || errno == EINTR)
                        return 0; /* the caller went away before we read it */
                supervised_remove(s, strerror(errno));
                return -1;
        }
        err = decide(s, &req, &delay_us);
        if (delay_us) {
                struct held *h = calloc(1, sizeof(*h));
                struct error e;

                if (h && loop_add_timer(agent.d->loop, delay_us, 0, on_held_timer, h, &h->timer, &e) == 0) {
                        h->s = s;
                        h->id = req.id;
                        h->err = err;
                        h->next = s->held;
                        s->held = h;
                        announce(s, "held", h->id);
                        return 0;
                }
                free(h); /* no timer: better undelayed than stuck */
        }
        respond(s->listener, req.id, err);
        return 0;
}

static void on_keeper(struct loop_source *src, uint32_t ev, void *ud)
{
        struct supervised *s = ud;
        char buf[64];
        ssize_t n = recv(s->keeper, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
                return;
        /* chaosctl exec is gone: the listener now lives only here. */
        loop_remove(agent.d->loop, s->keeper_src);
        s->keeper_src = NULL;
        close(s->keeper);
        s->keeper = -1;
}

/* The state JSON of the OCI protocol: the index of "seccompFd" in "fds",
 * the process's pid, a name for logs, and whether a keeper speaks. */
static int parse_state(const char *buf, size_t len, int *ret_idx, pid_t *ret_pid, char *name, size_t name_len,
                       int *ret_keeper, int *ret_running, struct error *e)
{
        cJSON *j = cJSON_ParseWithLength(buf, len);
        const cJSON *fds, *f, *pid, *state, *id, *meta, *status;
        int i = 0;

        if (!j)
                return error_set(e, EPROTO, "state is not JSON");
        *ret_idx = -1;
        fds = cJSON_GetObjectItemCaseSensitive(j, "fds");
        cJSON_ArrayForEach(f, fds) {
                if (cJSON_IsString(f) && strcmp(f->valuestring, "seccompFd") == 0)
                        *ret_idx = i;
                i++;
        }
        state = cJSON_GetObjectItemCaseSensitive(j, "state");
        pid = cJSON_GetObjectItemCaseSensitive(j, "pid");
        if (!cJSON_IsNumber(pid))
                pid = cJSON_GetObjectItemCaseSensitive(state, "pid");
        id = cJSON_GetObjectItemCaseSensitive(state, "id");
        meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
        *ret_pid = cJSON_IsNumber(pid) ? (pid_t)pid->valueint : 0;
        snprintf(name, name_len, "%s", cJSON_IsString(id) ? id->valuestring : "?");
        *ret_keeper = cJSON_IsString(meta) && strcmp(meta->valuestring, "chaosctl-exec") == 0;
        /* chaosctl exec handing a listener over again after a chaosd
         * restart: its command exec'd long ago. A runtime always sends
         * "creating" (the listener exists before the container runs). */
        status = cJSON_GetObjectItemCaseSensitive(state, "status");
        *ret_running = *ret_keeper && cJSON_IsString(status) && strcmp(status->valuestring, "running") == 0;
        cJSON_Delete(j);
        if (*ret_idx < 0 || *ret_pid <= 0)
                return error_set(e, EPROTO, "state lacks \"fds\": [\"seccompFd\"] or \"pid\"");
        return 0;
}

static int handle_conn(int conn, struct error *e)
{
        _cleanup_free_ char *buf = malloc(AGENT_MAX_MSG + 1);
        char cbuf[CMSG_SPACE(sizeof(int) * AGENT_MAX_FDS)];
        struct iovec iov = { .iov_base = buf, .iov_len = AGENT_MAX_MSG };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct timeval tv = { .tv_sec = 2 };
        int fds[AGENT_MAX_FDS], nfds = 0, idx = -1, keeper = 0, running = 0, r;
        struct supervised *s = NULL;
        char name[128];
        ssize_t n;
        pid_t pid = 0;

        if (!buf)
                return error_set(e, ENOMEM, "out of memory");
        /* Runtimes send everything in one message right after connecting. */
        (void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return error_sys(e, errno, "recvmsg");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

                        for (int i = 0; i < k && nfds < AGENT_MAX_FDS; i++)
                                memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                }
        r = parse_state(buf, (size_t)n, &idx, &pid, name, sizeof(name), &keeper, &running, e);
        if (r >= 0 && idx >= nfds)
                r = error_set(e, EPROTO, "\"seccompFd\" is fd #%d but only %d fds came", idx, nfds);
        if (r >= 0) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        r = error_set(e, ENOMEM, "out of memory");
        }
        if (r >= 0) {
                s->pid = pid;
                s->listener = fds[idx];
                s->keeper = -1;
                s->exec_seen = running;
                fds[idx] = -1;
                snprintf(s->name, sizeof(s->name), "%s", name);
                r = proc_start_time(pid, &s->start_time, e);
        }
        for (int i = 0; i < nfds; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        if (r < 0)
                goto fail;
        /* Fewer context switches per notification where the kernel can
         * (6.6+); older kernels just answer EINVAL. */
        if (agent.sync_wake)
                (void)ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
        r = loop_add_fd(agent.d->loop, s->listener, EPOLLIN, on_notify, s, &s->src, e);
        if (r < 0)
                goto fail;
        if (keeper) {
                s->keeper = fcntl(conn, F_DUPFD_CLOEXEC, 3);
                if (s->keeper < 0 ||
                    loop_add_fd(agent.d->loop, s->keeper, EPOLLIN | EPOLLRDHUP, on_keeper, s, &s->keeper_src, e) <
                            0 ||
                    send(s->keeper, "ok\n", 3, MSG_NOSIGNAL) != 3) {
                        r = error_sys(e, errno, "keeper connection");
                        goto fail;
                }
        }
        s->next = agent.list;
        agent.list = s;
        log_event("info", NULL, "seccomp", "pid=%d name=%s supervised (listener from %s)", (int)pid, s->name,
                  keeper ? "chaosctl exec" : "an OCI runtime");
        return 0;
fail:
        if (s) {
                s->next = NULL;
                supervised_free(s);
        }
        return r;
}

static void on_accept(struct loop_source *src, uint32_t ev, void *ud)
{
        struct error e = { 0 };
        int conn = accept4(agent.fd, NULL, NULL, SOCK_CLOEXEC);

        if (conn < 0)
                return;
        if (handle_conn(conn, &e) < 0) {
                char err[300];
                int len = snprintf(err, sizeof(err), "error %s\n", e.msg);

                (void)send(conn, err, (size_t)(len > 0 ? len : 0), MSG_NOSIGNAL | MSG_DONTWAIT);
                log_event("warning", NULL, "seccomp", "rejected a listener: %s", e.msg);
        }
        close(conn);
}

static struct supervised *find(pid_t pid, uint64_t start_time)
{
        for (struct supervised *s = agent.list; s; s = s->next)
                if (s->pid == pid && s->start_time == start_time)
                        return s;
        return NULL;
}

static int agent_attach(pid_t pid, uint64_t start_time, const void *key, const struct syscall_policy *p,
                        struct syscall_stats *live, int *ret_has_keeper, struct error *e)
{
        struct supervised *s = find(pid, start_time);

        if (!s)
                return -ENOENT;
        if (s->key && s->key != key)
                return error_set(e, EBUSY, "process %d already has a syscall policy", (int)pid);
        release_held(s, 1);
        s->policy = *p;
        s->key = key;
        s->matches = 0;
        memset(&s->stats, 0, sizeof(s->stats));
        s->live = live;
        if (live)
                *live = s->stats;
        *ret_has_keeper = s->keeper >= 0;
        log_event("info", NULL, "seccomp", "pid=%d policy on", (int)pid);
        return 0;
}

static int agent_detach(pid_t pid, uint64_t start_time, const void *key)
{
        struct supervised *s = find(pid, start_time);

        if (!s || s->key != key)
                return 0;
        s->key = NULL;
        s->live = NULL;
        release_held(s, 1);
        log_event("info", NULL, "seccomp", "pid=%d policy off (seen %llu, injected %llu)", (int)pid,
                  (unsigned long long)s->stats.seen, (unsigned long long)s->stats.injected);
        return 0;
}

static int agent_stats(pid_t pid, uint64_t start_time, const void *key, struct syscall_stats *ret)
{
        struct supervised *s = find(pid, start_time);

        if (!s || s->key != key)
                return -ENOENT;
        *ret = s->stats;
        return 0;
}

static const struct syscall_agent_ops agent_ops = {
        .attach = agent_attach,
        .detach = agent_detach,
        .stats = agent_stats,
};

int seccomp_agent_start(struct daemon *d, const char *api_socket, struct error *e)
{
        const char *env = getenv("CHAOSD_SECCOMP_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char dir[4096], *slash;
        int r;

        agent.d = d;
        if (env && *env) {
                snprintf(agent.path, sizeof(agent.path), "%s", env);
        } else {
                snprintf(dir, sizeof(dir), "%s", api_socket);
                slash = strrchr(dir, '/');
                if (slash)
                        *slash = '\0';
                if (strlen(dir) + strlen("/seccomp.sock") >= sizeof(agent.path)) {
                        /* Not worth refusing to start over: without the
                         * agent, syscall faults use ptrace. */
                        log_event("warning", NULL, "seccomp",
                                  "no seccomp agent: %s/seccomp.sock is longer than a "
                                  "socket path may be (set CHAOSD_SECCOMP_SOCKET)",
                                  dir);
                        return 0;
                }
                snprintf(agent.path, sizeof(agent.path), "%s/seccomp.sock", slash ? (dir[0] ? dir : "/") : ".");
        }
        agent.spin_ns = getenv("CHAOSD_SECCOMP_SPIN_US") ? strtoull(getenv("CHAOSD_SECCOMP_SPIN_US"), NULL, 10) * 1000
                                                         : 50000;
        agent.sync_wake = getenv("CHAOSD_SECCOMP_NOSYNC") ? 0 : 1;
        if (getrandom(&agent.rng, sizeof(agent.rng), 0) != sizeof(agent.rng) || !agent.rng)
                agent.rng = (uint64_t)clock_wall_ms() | 1;
        memcpy(sa.sun_path, agent.path, strlen(agent.path));
        agent.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (agent.fd < 0)
                return error_sys(e, errno, "socket");
        (void)unlink(agent.path);
        if (bind(agent.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(agent.path, 0600) < 0 ||
            listen(agent.fd, 64) < 0) {
                r = error_sys(e, errno, "seccomp agent socket %s", agent.path);
                close(agent.fd);
                agent.fd = -1;
                return r;
        }
        r = loop_add_fd(d->loop, agent.fd, EPOLLIN, on_accept, NULL, &agent.src, e);
        if (r < 0)
                return r;
        syscall_agent_register(&agent_ops);
        log_event("info", NULL, "seccomp", "agent listening on %s", agent.path);
        return 0;
}

void seccomp_agent_stop(void)
{
        syscall_agent_register(NULL);
        while (agent.list) {
                struct supervised *s = agent.list;

                agent.list = s->next;
                supervised_free(s);
        }
        if (agent.src)
                loop_remove(agent.d->loop, agent.src);
        agent.src = NULL;
        if (agent.fd >= 0) {
                close(agent.fd);
                (void)unlink(agent.path);
        }
        agent.fd = -1;
}
