/* Unit tests of the syscall fault without root: spec parsing (every
 * rejection names its JSON path), the per-call decision (probability, count,
 * path), a SECCOMP_RET_ERRNO filter loaded in a forked child, and the ptrace
 * tracer on a child of this test (same uid: no privilege needed). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "cleanup.h"
#include "fault.h"
#include "proc.h"
#include "syscall_policy.h"
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
        suite_add_tcase(s, tc);
        return run_suite(s);
}
