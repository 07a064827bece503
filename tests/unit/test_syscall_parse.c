/* Unit tests of the syscall fault without root: spec parsing (every
 * rejection names its JSON path), the per-call decision (probability, count,
 * path), a SECCOMP_RET_ERRNO filter loaded in a forked child, and the ptrace
 * tracer on a child of this test (same uid: no privilege needed), and the
 * daemon's seccomp agent fed a listener over its socket by a child. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cleanup.h"
#include "daemon.h"
#include "fault.h"
#include "seccomp_agent.h"
#include "proc.h"
#include "syscall_fault.h"
#include "syscall_ptrace.h"
#include "testutil.h"

static int parse_at(const char *text, struct fault **f, struct error *e)
{
        cJSON *j = cJSON_Parse(text);
        int r;

        ck_assert_msg(j, "test JSON does not parse: %s", text);
        error_clear(e);
        *f = NULL;
        r = fault_new(j, 0, f, e);
        if (*f)
                (*f)->json = NULL;
        cJSON_Delete(j);
        return r;
}

static const struct syscall_policy *parse_ok(const char *text, struct fault **f)
{
        struct error e;
        int r = parse_at(text, f, &e);

        ck_assert_msg(r == 0, "%s: rejected: %s", text, e.msg);
        ck_assert_ptr_nonnull(fault_syscall_policy(*f));
        return fault_syscall_policy(*f);
}

static void expect_bad(const char *text, const char *path)
{
        struct fault *f;
        struct error e;
        int r = parse_at(text, &f, &e);

        ck_assert_msg(r == -EINVAL, "%s: accepted (r=%d)", text, r);
        ck_assert_msg(strcmp(e.path, path) == 0, "%s: error path \"%s\", expected \"%s\" (%s)", text, e.path, path,
                      e.msg);
        ck_assert_ptr_null(f);
}

START_TEST(parse_full)
{
        struct fault *f;
        const struct syscall_policy *p =
                parse_ok("{\"type\":\"syscall\",\"syscalls\":[\"openat\",\"unlinkat\"],\"errno\":\"EIO\","
                         "\"probability\":\"30%\",\"count\":5,\"delay\":\"50ms\",\"path\":\"/data/*\","
                         "\"mode\":\"notify\",\"allow_enosys_on_crash\":true}",
                         &f);

        ck_assert_int_eq(p->n, 2);
        ck_assert_int_eq(p->nr[0], SYS_openat);
        ck_assert_int_eq(p->nr[1], SYS_unlinkat);
        ck_assert_int_eq(p->err, EIO);
        ck_assert(p->probability > 29.99 && p->probability < 30.01);
        ck_assert_int_eq(p->count, 5);
        ck_assert_int_eq(p->delay_us, 50000);
        ck_assert_str_eq(p->path, "/data/*");
        ck_assert_int_eq(p->mode, SYSCALL_MODE_NOTIFY);
        ck_assert_int_eq(p->allow_enosys_on_crash, 1);
        fault_free(f);
}
END_TEST

START_TEST(parse_defaults)
{
        struct fault *f;
        const struct syscall_policy *p = parse_ok("{\"type\":\"syscall\",\"syscalls\":[\"getpid\"],\"errno\":13}", &f);

        ck_assert_int_eq(p->err, EACCES);
        ck_assert(p->probability >= 100.0);
        ck_assert_int_eq(p->count, -1);
        ck_assert_int_eq(p->delay_us, 0);
        ck_assert_int_eq(p->mode, SYSCALL_MODE_AUTO);
        ck_assert(syscall_policy_kernel_ok(p));
        fault_free(f);
        /* a delay alone is a fault too: hold, then run */
        p = parse_ok("{\"type\":\"syscall\",\"syscalls\":[\"fsync\"],\"delay\":\"1s\"}", &f);
        ck_assert_int_eq(p->err, 0);
        ck_assert(!syscall_policy_kernel_ok(p));
        fault_free(f);
        p = parse_ok("{\"type\":\"syscall\",\"syscalls\":[\"io_uring_setup\"],\"errno\":\"ENOSYS\",\"mode\":\"kernel\"}",
                     &f);
        ck_assert_int_eq(p->mode, SYSCALL_MODE_KERNEL);
        fault_free(f);
}
END_TEST

START_TEST(parse_rejects)
{
        expect_bad("{\"type\":\"syscall\",\"errno\":\"EIO\"}", "$.faults[0].syscalls");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[],\"errno\":\"EIO\"}", "$.faults[0].syscalls");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":\"openat\",\"errno\":\"EIO\"}", "$.faults[0].syscalls");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\",\"no_such_call\"],\"errno\":\"EIO\"}",
                   "$.faults[0].syscalls[1]");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\",\"openat\"],\"errno\":\"EIO\"}",
                   "$.faults[0].syscalls[1]");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EWHATEVER\"}", "$.faults[0].errno");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":0}", "$.faults[0].errno");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":4096}", "$.faults[0].errno");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":true}", "$.faults[0].errno");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"]}", "$.faults[0]");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"probability\":\"130%\"}",
                   "$.faults[0].probability");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"count\":0}",
                   "$.faults[0].count");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"count\":1.5}",
                   "$.faults[0].count");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"delay\":\"10 parsecs\"}", "$.faults[0].delay");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"delay\":\"2m\"}", "$.faults[0].delay");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\",\"getpid\"],\"errno\":\"EIO\",\"path\":\"/x\"}",
                   "$.faults[0].path");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"path\":\"\"}",
                   "$.faults[0].path");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"mode\":\"magic\"}",
                   "$.faults[0].mode");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"probability\":30,"
                   "\"mode\":\"kernel\"}",
                   "$.faults[0]");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"allow_enosys_on_crash\":1}",
                   "$.faults[0].allow_enosys_on_crash");
        expect_bad("{\"type\":\"syscall\",\"syscalls\":[\"openat\"],\"errno\":\"EIO\",\"eror\":1}",
                   "$.faults[0].eror");
}
END_TEST

START_TEST(decide_probability_and_count)
{
        struct syscall_policy p = { .n = 1, .nr = { SYS_openat }, .err = EIO, .probability = 30, .count = -1 };
        struct syscall_verdict v;
        uint64_t hit = 0, matches = 0;

        /* A uniform grid of "random" numbers: exactly 30% below 0.3. */
        for (int i = 0; i < 10000; i++) {
                syscall_policy_decide(&p, matches, (i + 0.5) / 10000.0, &v);
                if (v.matched) {
                        matches++;
                        ck_assert_int_eq(v.err, EIO);
                        hit++;
                }
        }
        ck_assert_int_eq(hit, 3000);
        /* count: the first 5 hits, then nothing */
        p.probability = 100;
        p.count = 5;
        matches = hit = 0;
        for (int i = 0; i < 100; i++) {
                syscall_policy_decide(&p, matches, 0.5, &v);
                if (v.matched) {
                        matches++;
                        hit++;
                }
        }
        ck_assert_int_eq(hit, 5);
        ck_assert_int_eq(syscall_policy_index(&p, SYS_openat), 0);
        ck_assert_int_eq(syscall_policy_index(&p, SYS_getpid), -1);
}
END_TEST

START_TEST(path_args_and_match)
{
        struct syscall_policy p = { .path = "/data/*" };
        char buf[64];
        static const char str[] = "/data/a/b";

        ck_assert_int_eq(syscall_path_arg(SYS_openat), 1);
        ck_assert_int_eq(syscall_path_arg(SYS_unlinkat), 1);
        ck_assert_int_eq(syscall_path_arg(SYS_execve), 0);
        ck_assert_int_eq(syscall_path_arg(SYS_getpid), -1);
        ck_assert(syscall_policy_path_match(&p, "/data/x"));
        ck_assert(syscall_policy_path_match(&p, "/data/a/b"));
        ck_assert(!syscall_policy_path_match(&p, "/etc/passwd"));
        ck_assert(!syscall_policy_path_match(&p, "data/x"));
        /* reading a string from a process: our own memory */
        ck_assert_int_eq(syscall_read_string(getpid(), (uint64_t)(uintptr_t)str, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, str);
        ck_assert_int_eq(syscall_read_string(getpid(), (uint64_t)(uintptr_t)str, buf, 4), -ENAMETOOLONG);
}
END_TEST

/* Count openat results of N calls in this process: ok and EIO. */
static void count_opens(int n, int *ok, int *eio)
{
        *ok = *eio = 0;
        for (int i = 0; i < n; i++) {
                long fd = syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC);

                if (fd >= 0) {
                        close((int)fd);
                        (*ok)++;
                } else if (errno == EIO) {
                        (*eio)++;
                }
        }
}

START_TEST(kernel_errno_filter_in_child)
{
        int fds[2], res[2] = { -1, -1 }, status;
        pid_t pid;

        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
                int ok, eio;

                if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EIO), SCMP_SYS(openat), 0) < 0 ||
                    seccomp_load(ctx) < 0)
                        _exit(3);
                count_opens(100, &ok, &eio);
                res[0] = ok;
                res[1] = eio;
                _exit(write(fds[1], res, sizeof(res)) == sizeof(res) && getpid() > 0 ? 0 : 4);
        }
        close(fds[1]);
        ck_assert_int_eq(read(fds[0], res, sizeof(res)), (ssize_t)sizeof(res));
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ck_assert_int_eq(res[0], 0);
        ck_assert_int_eq(res[1], 100);
        close(fds[0]);
}
END_TEST

START_TEST(ptrace_tracer_on_child)
{
        struct syscall_policy p = { .n = 1, .nr = { SYS_openat }, .err = EIO, .probability = 100, .count = 7 };
        struct syscall_tracer t;
        struct error e = { 0 };
        int go[2], out[2], res[4], status, r;
        uint64_t st = 0;
        pid_t pid;

        ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char c;

                if (read(go[0], &c, 1) != 1)
                        _exit(3);
                count_opens(100, &res[0], &res[1]);
                /* second round after the tracer is gone */
                if (write(out[1], res, 2 * sizeof(int)) < 0 || read(go[0], &c, 1) != 1)
                        _exit(3);
                count_opens(100, &res[2], &res[3]);
                _exit(write(out[1], res + 2, 2 * sizeof(int)) < 0 ? 4 : 0);
        }
        ck_assert_int_eq(proc_start_time(pid, &st, NULL), 0);
        r = syscall_tracer_start(pid, st, &p, &t, &e);
        if (r == -EPERM) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                SKIP_TEST("ptrace not permitted here: %s", e.msg);
        }
        ck_assert_msg(r == 0, "tracer: %s", e.msg);
        ck_assert(syscall_tracer_check(&t, pid));
        ck_assert_int_eq(write(go[1], "g", 1), 1);
        ck_assert_int_eq(read(out[0], res, 2 * sizeof(int)), 2 * (ssize_t)sizeof(int));
        ck_assert_int_eq(res[0], 93);
        ck_assert_int_eq(res[1], 7);
        ck_assert_int_eq(t.stats->injected, 7);
        syscall_tracer_stop(&t);
        ck_assert(!syscall_tracer_check(&t, pid));
        ck_assert_int_eq(write(go[1], "g", 1), 1);
        ck_assert_int_eq(read(out[0], res, 2 * sizeof(int)), 2 * (ssize_t)sizeof(int));
        ck_assert_int_eq(res[0], 100);
        ck_assert_int_eq(res[1], 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST


/* The agent, fed like chaosctl exec feeds it: a child loads a filter that
 * routes getppid to a listener, passes the listener to us (sendmsg is not
 * routed), we hand it to the agent's socket with the OCI message, attach a
 * 30% EIO policy through the agent ops and run the daemon's loop until the
 * child reports its counts. */
struct agent_run {
        struct loop *loop;
        pid_t pid;
        uint64_t start;
        int conn, go, res;
        struct syscall_policy *p;
        struct syscall_stats live;
        struct loop_source *conn_src, *res_src;
};

/* One loop run (loop_quit cannot be undone): the agent's answer on our
 * connection -> attach the policy and let the child go; its result -> quit. */
static void on_child_result(struct loop_source *src, uint32_t ev, void *ud)
{
        struct agent_run *ar = ud;

        loop_quit(ar->loop);
}

static void on_agent_ok(struct loop_source *src, uint32_t ev, void *ud)
{
        struct agent_run *ar = ud;
        struct error e = { 0 };
        int keeper = -1;
        char ok[8];

        loop_remove(ar->loop, ar->conn_src);
        ck_assert_int_eq(recv(ar->conn, ok, sizeof(ok), 0), 3);
        ck_assert(memcmp(ok, "ok\n", 3) == 0);
        ck_assert_ptr_nonnull(syscall_agent());
        ck_assert_int_eq(syscall_agent()->attach(ar->pid, ar->start + 1, ar->p, ar->p, NULL, &keeper, &e), -ENOENT);
        ck_assert_msg(syscall_agent()->attach(ar->pid, ar->start, ar->p, ar->p, &ar->live, &keeper, &e) == 0, "attach: %s", e.msg);
        ck_assert_int_eq(keeper, 1);
        ck_assert_int_eq(syscall_agent()->attach(ar->pid, ar->start, &e, ar->p, NULL, &keeper, &e), -EBUSY);
        ck_assert_int_eq(loop_add_fd(ar->loop, ar->res, EPOLLIN, on_child_result, ar, &ar->res_src, &e), 0);
        ck_assert_int_eq(write(ar->go, "g", 1), 1);
}

static int send_fd(int sock, int fd, const char *msg)
{
        char cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &m, 0) == (ssize_t)strlen(msg) ? 0 : -errno;
}

static int recv_fd(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))], b[8];
        struct iovec iov = { .iov_base = b, .iov_len = sizeof(b) };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c;
        int fd = -1;

        if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0)
                return -1;
        c = CMSG_FIRSTHDR(&m);
        if (c && c->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

START_TEST(agent_protocol_and_policy)
{
        char tmpl[] = "/tmp/chaosd-agent-test.XXXXXX", api[256], path[256], state[512];
        struct daemon d = { 0 };
        struct agent_run ar = { 0 };
        struct error e = { 0 };
        struct syscall_policy p = { .n = 1, .nr = { SYS_getppid }, .err = EIO, .probability = 30, .count = -1 };
        struct syscall_stats st;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int sv[2], res[2], listener, conn, counts[2] = { -1, -1 }, status;
        uint64_t start = 0;
        pid_t pid;

        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        snprintf(api, sizeof(api), "%s/chaosd.sock", tmpl);
        snprintf(path, sizeof(path), "%s/seccomp.sock", tmpl);
        ck_assert_int_eq(loop_new(&d.loop, &e), 0);
        ck_assert_msg(seccomp_agent_start(&d, api, &e) == 0, "agent: %s", e.msg);
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(pipe2(res, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
                int c[2] = { 0, 0 };
                char go;

                close(sv[0]);
                if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(getppid), 0) < 0 || seccomp_load(ctx) < 0)
                        _exit(3);
                if (send_fd(sv[1], seccomp_notify_fd(ctx), "l") < 0 || read(sv[1], &go, 1) != 1)
                        _exit(4);
                for (int i = 0; i < 10000; i++) {
                        if (syscall(SYS_getppid) > 0)
                                c[0]++;
                        else if (errno == EIO)
                                c[1]++;
                }
                if (write(res[1], c, sizeof(c)) != sizeof(c))
                        _exit(5);
                /* Stay (under the filter) until the parent read the stats. */
                _exit(read(sv[1], &go, 1) == 0 ? 0 : 6);
        }
        close(res[1]);
        listener = recv_fd(sv[0]);
        ck_assert_int_ge(listener, 0);
        ck_assert_int_eq(proc_start_time(pid, &start, NULL), 0);

        /* The OCI seccomp-agent message, as chaosctl exec sends it after a
         * restart ("running": the pre-exec grace is over). */
        memcpy(sa.sun_path, path, strlen(path) + 1);
        conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(connect(conn, (struct sockaddr *)&sa, sizeof(sa)), 0);
        snprintf(state, sizeof(state),
                 "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":\"chaosctl-exec\","
                 "\"state\":{\"id\":\"t\",\"status\":\"running\",\"pid\":%d}}",
                 (int)pid, (int)pid);
        ck_assert_int_eq(send_fd(conn, listener, state), 0);
        ar.loop = d.loop;
        ar.pid = pid;
        ar.start = start;
        ar.conn = conn;
        ar.go = sv[0];
        ar.res = res[0];
        ar.p = &p;
        ck_assert_int_eq(loop_add_fd(d.loop, conn, EPOLLIN, on_agent_ok, &ar, &ar.conn_src, &e), 0);
        ck_assert_int_eq(loop_run(d.loop, &e), 0);
        loop_remove(d.loop, ar.res_src);
        ck_assert_int_eq(read(res[0], counts, sizeof(counts)), (ssize_t)sizeof(counts));
        ck_assert_int_eq(counts[0] + counts[1], 10000);
        ck_assert_msg(counts[1] >= 2700 && counts[1] <= 3300, "EIO %d of 10000", counts[1]);
        ck_assert_int_eq(syscall_agent()->stats(pid, start, &p, &st), 0);
        ck_assert_int_eq(st.injected, (uint64_t)counts[1]);
        ck_assert_int_eq(st.seen, 10000);
        /* the caller's live copy, updated by the agent on every call */
        ck_assert_int_eq(ar.live.injected, (uint64_t)counts[1]);
        ck_assert_int_eq(ar.live.seen, 10000);
        ck_assert_int_eq(syscall_agent()->detach(pid, start, &p), 0);
        ck_assert_int_eq(syscall_agent()->stats(pid, start, &p, &st), -ENOENT);
        close(sv[0]);
        close(sv[1]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        seccomp_agent_stop();
        ck_assert_ptr_null(syscall_agent());
        close(conn);
        loop_free(d.loop);
        unlink(path);
        rmdir(tmpl);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("syscall");
        TCase *tc = tcase_create("syscall");

        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, parse_full);
        tcase_add_test(tc, parse_defaults);
        tcase_add_test(tc, parse_rejects);
        tcase_add_test(tc, decide_probability_and_count);
        tcase_add_test(tc, path_args_and_match);
        tcase_add_test(tc, kernel_errno_filter_in_child);
        tcase_add_test(tc, ptrace_tracer_on_child);
        tcase_add_test(tc, agent_protocol_and_policy);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
