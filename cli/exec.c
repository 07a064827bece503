/* chaosctl exec --spec FILE -- CMD...: launch CMD as the target of an
 * experiment whose spec has no "target". CMD's exit status becomes ours
 * (128+N when a signal N killed it).
 *
 * Syscall faults need a seccomp filter, and a filter can only be installed
 * by the process itself, before it execs. So:
 *   1. fork; the child loads a filter that routes the spec's syscalls (and
 *      execve, so that chaosd can tell the launcher's own calls from CMD's)
 *      to a user-notification listener, then blocks on a socket until we
 *      say go;
 *   2. we take a duplicate of the listener with pidfd_getfd (no syscall of
 *      the child is needed: a routed sendmsg could not be answered yet) and
 *      hand it to chaosd's seccomp agent (the OCI seccomp-agent message), on
 *      a connection we keep open;
 *   3. we submit the spec with "target": {"pid": child} and, once it runs,
 *      let the child exec CMD;
 *   4. while CMD runs we watch that connection: when chaosd dies we answer
 *      every notification CONTINUE ourselves (and release the calls chaosd
 *      was holding, which it announced), so CMD never sees the ENOSYS a
 *      vanished listener would cause.
 * With "mode": "kernel" on every syscall fault (100%, an errno, no count,
 * delay or path) the filter is SECCOMP_RET_ERRNO itself: no daemon, no
 * listener, and the fault lasts for CMD's whole life.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "cli.h"
#include "clock.h"
#include "fault.h"
#include "spec.h"
#include "specfile.h"
#include "syscall_fault.h"

extern char **environ;

#define MAX_ROUTED (SYSCALL_POLICY_MAX_CALLS * 4 + 2)
#define MAX_HELD 1024

struct launch {
        int routed[MAX_ROUTED];
        int n_routed;
        int kernel; /* SECCOMP_RET_ERRNO filter, no daemon */
        int kernel_err[MAX_ROUTED];
        const char *path; /* resolved CMD */
        char **argv;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct fault *, fault_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

/* How often a keeper whose chaosd went away tries to hand the listener
 * to a restarted one. */
#define REHAND_MS 1000

static volatile sig_atomic_t pending_sig;

static void on_sig(int sig)
{
        pending_sig = sig;
}

static int add_routed(struct launch *l, int nr, int err)
{
        for (int i = 0; i < l->n_routed; i++)
                if (l->routed[i] == nr)
                        return l->kernel_err[i] == err ? 0 : -EEXIST;
        if (l->n_routed == MAX_ROUTED)
                return -E2BIG;
        l->kernel_err[l->n_routed] = err;
        l->routed[l->n_routed++] = nr;
        return 0;
}

/* Decide the filter from the spec's faults. */
static int plan(const struct spec *s, struct launch *l, struct error *e)
{
        int kernel = 0, other = 0, r;

        for (int i = 0; i < s->n_faults; i++) {
                _cleanup_(fault_freep) struct fault *f = NULL;
                const struct syscall_policy *p;

                r = fault_new(cJSON_GetArrayItem(s->faults, i), i, &f, e);
                if (r < 0)
                        return r;
                p = fault_syscall_policy(f);
                if (!p || p->mode == SYSCALL_MODE_PTRACE) {
                        other = 1;
                        continue;
                }
                if (p->mode == SYSCALL_MODE_KERNEL)
                        kernel = 1;
                else
                        other = 1;
                for (int k = 0; k < p->n; k++)
                        if (add_routed(l, p->nr[k], p->mode == SYSCALL_MODE_KERNEL ? p->err : 0) < 0)
                                return error_path(e, f->path,
                                                  "\"%s\" is routed by two kernel-mode faults with "
                                                  "different errnos",
                                                  p->names[k]);
        }
        if (kernel && other)
                return error_path(e, "$.faults", "mode \"kernel\" cannot be mixed with faults that need chaosd");
        l->kernel = kernel;
        if (!kernel && l->n_routed) {
                (void)add_routed(l, SYS_execve, 0);
                (void)add_routed(l, SYS_execveat, 0);
        }
        return 0;
}

static int resolve_cmd(const char *cmd, char *out, size_t len, struct error *e)
{
        const char *pathenv = getenv("PATH");
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (strchr(cmd, '/')) {
                snprintf(out, len, "%s", cmd);
                return 0;
        }
        copy = strdup(pathenv && *pathenv ? pathenv : "/usr/local/bin:/usr/bin:/bin");
        if (!copy)
                return error_set(e, ENOMEM, "out of memory");
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                struct stat st;

                snprintf(out, len, "%s/%s", *d ? d : ".", cmd);
                if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
                        return 0;
        }
        return error_set(e, ENOENT, "%s: command not found", cmd);
}

/* In the child, between fork and exec: only async-signal-safe calls and
 * libseccomp. GATE is our end of the socket to the parent. */
static _Noreturn void child_main(const struct launch *l, int gate)
{
        scmp_filter_ctx ctx;
        char go = 0;
        int err;

        /* Until CMD runs, our death must take the half-launched child along. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(127);
        if (l->n_routed) {
                ctx = seccomp_init(SCMP_ACT_ALLOW);
                if (!ctx)
                        _exit(127);
                /* root keeps setuid binaries working in CMD; others must
                 * set no_new_privs to be allowed a filter at all. */
                if (geteuid() == 0)
                        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
                for (int i = 0; i < l->n_routed; i++)
                        if (seccomp_rule_add(ctx,
                                             l->kernel ? SCMP_ACT_ERRNO((uint32_t)l->kernel_err[i]) : SCMP_ACT_NOTIFY,
                                             l->routed[i], 0) < 0)
                                _exit(127);
                if (seccomp_load(ctx) < 0)
                        _exit(126);
                /* The listener stays open (O_CLOEXEC) for the parent to
                 * take with pidfd_getfd; exec closes ours. */
        }
        if (read(gate, &go, 1) != 1 || go != 'g')
                _exit(127);
        (void)prctl(PR_SET_PDEATHSIG, 0);
        execve(l->path, l->argv, environ);
        err = errno;
        if (write(gate, &err, sizeof(err)) < 0)
                _exit(126);
        _exit(127);
}

/* The child's listener: the fd whose link reads "anon_inode:seccomp notify". */
static int grab_listener(pid_t child, int pidfd, int *ret, struct error *e)
{
        char dir[64];

        snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)child);
        for (int tries = 0; tries < 1000; tries++) {
                _cleanup_(closedirp) DIR *d = opendir(dir);
                struct dirent *de;
                siginfo_t si = { 0 };

                if (!d)
                        return error_sys(e, errno, "open %s", dir);
                while ((de = readdir(d))) {
                        char link[128], target[128];
                        ssize_t n;

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
                        n = readlink(link, target, sizeof(target) - 1);
                        if (n <= 0)
                                continue;
                        target[n] = '\0';
                        if (strcmp(target, "anon_inode:seccomp notify") != 0)
                                continue;
                        *ret = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
                        if (*ret < 0)
                                return error_sys(e, errno, "pidfd_getfd");
                        return 0;
                }
                if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
                        return error_set(e, EIO,
                                         "the launcher child exited (status %d) before its filter was "
                                         "in place",
                                         si.si_status);
                usleep(5000);
        }
        return error_set(e, ETIMEDOUT, "the launcher child did not install its seccomp filter");
}

static void agent_path(const struct cli *c, char *out, size_t len)
{
        const char *env = getenv("CHAOSD_SECCOMP_SOCKET");
        const char *slash;

        if (env && *env) {
                snprintf(out, len, "%s", env);
                return;
        }
        slash = strrchr(c->socket, '/');
        if (!slash)
                snprintf(out, len, "seccomp.sock");
        else
                snprintf(out, len, "%.*s/seccomp.sock", (int)(slash - c->socket), c->socket);
}

/* Hand LISTENER to chaosd's agent; returns the connection we keep. */
static int hand_over(const struct cli *c, pid_t child, int listener, const char *status, int *ret_conn,
                     struct error *e)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char path[sizeof(sa.sun_path)], state[512], cbuf[CMSG_SPACE(sizeof(int))], ack[256];
        struct iovec iov;
        struct msghdr msg = { 0 };
        struct cmsghdr *cm;
        struct timeval tv = { .tv_sec = 10 };
        _cleanup_close_ int fd = -1;
        ssize_t n;
        int len;

        agent_path(c, path, sizeof(path));
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_sys(e, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set(e, HTTP_EUNREACHABLE, "cannot reach chaosd's seccomp agent at %s: %s", path,
                                 strerror(errno));
        len = snprintf(state, sizeof(state),
                       "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":\"chaosctl-exec\","
                       "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"exec-%d\",\"status\":\"%s\",\"pid\":%d,"
                       "\"bundle\":\"\"}}",
                       (int)child, (int)child, status, (int)child);
        iov.iov_base = state;
        iov.iov_len = (size_t)len;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof(cbuf);
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &listener, sizeof(int));
        if (sendmsg(fd, &msg, MSG_NOSIGNAL) != len)
                return error_sys(e, errno, "sending the listener to %s", path);
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        n = recv(fd, ack, sizeof(ack) - 1, 0);
        if (n < 3 || memcmp(ack, "ok\n", 3) != 0) {
                ack[n > 0 ? n : 0] = '\0';
                ack[strcspn(ack, "\n")] = '\0';
                return error_set(e, EIO, "chaosd's seccomp agent refused the listener: %s",
                                 n > 0 ? ack : "no answer");
        }
        *ret_conn = TAKE_FD(fd);
        return 0;
}

/* The spec with "target": {"pid": PID}. */
static char *with_target(const struct spec *s, pid_t pid)
{
        cJSON *copy = cJSON_Duplicate(s->root, 1), *t;
        char *out;

        if (!copy)
                return NULL;
        t = cJSON_AddObjectToObject(copy, "target");
        if (!t || !cJSON_AddNumberToObject(t, "pid", pid)) {
                cJSON_Delete(copy);
                return NULL;
        }
        out = cJSON_PrintUnformatted(copy);
        cJSON_Delete(copy);
        return out;
}

struct keeper {
        int conn;     /* to chaosd's agent; -1 once chaosd is gone */
        int listener; /* ours; answered by us only once chaosd is gone */
        uint64_t held[MAX_HELD];
        int n_held;
        char line[256];
        size_t line_len;
};

/* chaosd announces the calls it holds ("held ID", "done ID"): those it can
 * no longer answer if it dies, so we do. */
static void keeper_line(struct keeper *k, const char *s)
{
        unsigned long long id;

        if (sscanf(s, "held %llu", &id) == 1) {
                if (k->n_held < MAX_HELD)
                        k->held[k->n_held++] = id;
        } else if (sscanf(s, "done %llu", &id) == 1) {
                for (int i = 0; i < k->n_held; i++)
                        if (k->held[i] == id) {
                                k->held[i] = k->held[--k->n_held];
                                break;
                        }
        }
}

static void respond_continue(int listener, uint64_t id)
{
        struct seccomp_notif_resp resp = { .id = id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };

        (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void keeper_read(struct keeper *k)
{
        char buf[512];
        ssize_t n = recv(k->conn, buf, sizeof(buf), MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                /* chaosd is gone: from now on every call runs natively. */
                close(k->conn);
                k->conn = -1;
                for (int i = 0; i < k->n_held; i++)
                        respond_continue(k->listener, k->held[i]);
                k->n_held = 0;
                return;
        }
        for (ssize_t i = 0; i < n; i++) {
                if (buf[i] == '\n' || k->line_len == sizeof(k->line) - 1) {
                        k->line[k->line_len] = '\0';
                        keeper_line(k, k->line);
                        k->line_len = 0;
                } else {
                        k->line[k->line_len++] = buf[i];
                }
        }
}

static void keeper_answer(struct keeper *k)
{
        struct seccomp_notif req;

        memset(&req, 0, sizeof(req));
        if (ioctl(k->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0)
                respond_continue(k->listener, req.id);
}

static int exit_status(const siginfo_t *si)
{
        if (si->si_code == CLD_EXITED)
                return si->si_status;
        return 128 + si->si_status;
}

/* Wait for CMD while keeping its listener answered if chaosd dies. Once
 * chaosd is back (a restart), hand the listener over again, so that new
 * experiments can target CMD; "running" tells the agent CMD has exec'd. */
static int supervise(const struct cli *c, pid_t child, int pidfd, struct keeper *k)
{
        long long retry_at = 0;

        for (;;) {
                struct pollfd p[3] = { { .fd = pidfd, .events = POLLIN } };
                int n = 1, kidx = -1, lidx = -1;
                siginfo_t si = { 0 };

                if (pending_sig) {
                        (void)kill(child, pending_sig);
                        pending_sig = 0;
                }
                if (k->conn >= 0) {
                        kidx = n;
                        p[n].fd = k->conn;
                        p[n++].events = POLLIN | POLLRDHUP;
                } else if (k->listener >= 0) {
                        lidx = n;
                        p[n].fd = k->listener;
                        p[n++].events = POLLIN;
                }
                if (k->conn < 0 && k->listener >= 0 && clock_mono_ms() >= retry_at) {
                        struct error ign = { 0 };

                        retry_at = clock_mono_ms() + REHAND_MS;
                        if (hand_over(c, child, k->listener, "running", &k->conn, &ign) == 0)
                                continue;
                }
                if (poll(p, (nfds_t)n, k->conn < 0 && k->listener >= 0 ? REHAND_MS : -1) < 0)
                        continue; /* EINTR: a signal to forward */
                if (kidx >= 0 && p[kidx].revents)
                        keeper_read(k);
                if (lidx >= 0 && p[lidx].revents) {
                        if (p[lidx].revents & POLLIN)
                                keeper_answer(k);
                        else {
                                close(k->listener); /* POLLHUP: nothing left under the filter */
                                k->listener = -1;
                        }
                }
                if (p[0].revents && waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid)
                        return exit_status(&si);
        }
}

static int stop_experiment(struct cli *c, const char *id)
{
        char path[128];
        struct error ign = { 0 };

        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        return cli_call(c, "DELETE", path, NULL, 0, NULL, NULL, &ign);
}

static void kill_child(pid_t child, int pidfd)
{
        siginfo_t si;

        (void)kill(child, SIGKILL);
        (void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
}

int verb_exec(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = {
                CLI_COMMON_LONGOPTS,
                { "spec", required_argument, NULL, 'f' },
                { NULL, 0, NULL, 0 },
        };
        const char *file = NULL;
        _cleanup_free_ char *buf = NULL, *body = NULL;
        _cleanup_close_ int gate = -1, pidfd = -1;
        struct spec s = { 0 };
        struct launch l = { 0 };
        struct keeper k = { .conn = -1, .listener = -1 };
        struct sigaction sa = { .sa_handler = on_sig };
        char cmd[4096], id[64] = "";
        int opt, r, sv[2], status, exec_err = 0;
        pid_t child;
        size_t len;
        ssize_t n;

        while ((opt = cli_getopt(c, argc, argv, "+:f:", longopts, e)) != -1) {
                if (opt < 0)
                        return opt;
                if (opt == 'f')
                        file = optarg;
        }
        if (!file || optind >= argc)
                return cli_usage_error("exec", e);
        r = spec_file_read(file, &buf, &len, e);
        if (r < 0)
                return r;
        r = spec_parse(buf, len, SPEC_TARGET_OPTIONAL, 0, &s, e);
        if (r < 0)
                return error_wrap(e, "%s", spec_file_name(file));
        if (s.has_target) {
                spec_free(&s);
                return error_set(e, EINVAL, "%s: $.target: an exec spec has no target (the command is the target)",
                                 spec_file_name(file));
        }
        r = plan(&s, &l, e);
        if (r < 0)
                goto out;
        r = resolve_cmd(argv[optind], cmd, sizeof(cmd), e);
        if (r < 0) {
                r = error_set(e, EINVAL, "%s", e->msg);
                goto out;
        }
        l.path = cmd;
        l.argv = argv + optind;

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                r = error_sys(e, errno, "socketpair");
                goto out;
        }
        fflush(NULL);
        child = fork();
        if (child < 0) {
                r = error_sys(e, errno, "fork");
                close(sv[0]);
                close(sv[1]);
                goto out;
        }
        if (child == 0) {
                close(sv[0]);
                child_main(&l, sv[1]);
        }
        close(sv[1]);
        gate = sv[0];
        pidfd = (int)syscall(SYS_pidfd_open, child, 0);
        if (pidfd < 0) {
                r = error_sys(e, errno, "pidfd_open");
                (void)kill(child, SIGKILL);
                (void)waitpid(child, &status, 0);
                goto out;
        }

        if (l.n_routed && !l.kernel) {
                r = grab_listener(child, pidfd, &k.listener, e);
                if (r >= 0)
                        r = hand_over(c, child, k.listener, "creating", &k.conn, e);
                if (r < 0) {
                        kill_child(child, pidfd);
                        goto out;
                }
        }
        if (!l.kernel) {
                _cleanup_(cJSON_Deletep) cJSON *exp = NULL;
                const cJSON *jid;

                body = with_target(&s, child);
                if (!body) {
                        r = error_set(e, ENOMEM, "out of memory");
                        kill_child(child, pidfd);
                        goto out;
                }
                r = cli_call(c, "POST", "/v1/experiments", body, strlen(body), NULL, &exp, e);
                if (r < 0) {
                        kill_child(child, pidfd);
                        goto out;
                }
                jid = cJSON_GetObjectItemCaseSensitive(exp, "id");
                if (cJSON_IsString(jid))
                        snprintf(id, sizeof(id), "%s", jid->valuestring);
        }
        /* Go: the experiment runs; CMD may start. */
        if (write(gate, "g", 1) != 1) {
                r = error_sys(e, errno, "starting the command");
                kill_child(child, pidfd);
                goto out;
        }
        n = read(gate, &exec_err, sizeof(exec_err));
        if (n == (ssize_t)sizeof(exec_err)) {
                siginfo_t si;

                (void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
                if (id[0])
                        (void)stop_experiment(c, id);
                r = error_sys(e, exec_err, "cannot execute %s", cmd);
                goto out;
        }
        r = supervise(c, child, pidfd, &k);
        /* CMD is gone; end its experiment now rather than at its deadline
         * (chaosd would notice the exit too; this one is just quicker). */
        if (id[0] && k.conn >= 0)
                (void)stop_experiment(c, id);
out:
        if (k.conn >= 0)
                close(k.conn);
        if (k.listener >= 0)
                close(k.listener);
        spec_free(&s);
        return r;
}
