/* Unit tests of the pause and kill fault modules without root: spec parsing
 * (every rejection names its JSON path), pause against a fake cgroupfs tree
 * (CHAOSD_CGROUP_ROOT), and kill against children of this test process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "faultwait.h"
#include "fsutil.h"
#include "proc.h"
#include "target.h"
#include "testutil.h"

/* Parse TEXT as the fault at INDEX; returns fault_new's result. */
static int parse_at(const char *text, int index, struct fault **f, struct error *e)
{
        cJSON *j = cJSON_Parse(text);
        int r;

        ck_assert_msg(j, "test JSON does not parse: %s", text);
        error_clear(e);
        *f = NULL;
        r = fault_new(j, index, f, e);
        /* f->json is borrowed; the tests below do not use it after this. */
        if (*f)
                (*f)->json = NULL;
        cJSON_Delete(j);
        return r;
}

static struct fault *parse_ok(const char *text)
{
        struct fault *f;
        struct error e;
        int r = parse_at(text, 0, &f, &e);

        ck_assert_msg(r == 0, "%s: rejected: %s", text, e.msg);
        return f;
}

static void expect_bad(const char *text, int index, const char *path)
{
        struct fault *f;
        struct error e;
        int r = parse_at(text, index, &f, &e);

        ck_assert_msg(r == -EINVAL, "%s: accepted (r=%d)", text, r);
        ck_assert_msg(strcmp(e.path, path) == 0, "%s: error path \"%s\", expected \"%s\" (%s)", text, e.path,
                      path, e.msg);
        ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0 && e.msg[strlen(path)] == ':',
                      "%s: message does not start with the path: %s", text, e.msg);
        ck_assert_ptr_null(f);
}

START_TEST(pause_parse_valid)
{
        struct fault *f = parse_ok("{\"type\":\"pause\"}");

        ck_assert_str_eq(f->ops->type, "pause");
        ck_assert(!(f->ops->flags & FAULT_ONESHOT));
        ck_assert_uint_eq(f->tick_us, 0);
        fault_free(f);
}
END_TEST

START_TEST(pause_parse_invalid)
{
        expect_bad("{\"type\":\"pause\",\"duration\":\"5s\"}", 0, "$.faults[0].duration");
        expect_bad("{\"type\":\"pause\",\"signal\":\"KILL\"}", 2, "$.faults[2].signal");
        expect_bad("{\"type\":\"pause\",\"type\":\"pause\"}", 0, "$.faults[0].type");
        expect_bad("{\"type\":\"pasue\"}", 1, "$.faults[1].type");
        expect_bad("{\"type\":5}", 0, "$.faults[0].type");
        expect_bad("{}", 0, "$.faults[0].type");
}
END_TEST

START_TEST(kill_parse_valid)
{
        static const char *const ok[] = {
                "{\"type\":\"kill\"}",
                "{\"type\":\"kill\",\"signal\":\"SIGKILL\"}",
                "{\"type\":\"kill\",\"signal\":\"TERM\",\"process\":\"nginx\"}",
                "{\"type\":\"kill\",\"signal\":9,\"regex\":\"^nginx: worker\",\"count\":2}",
                "{\"type\":\"kill\",\"signal\":\"sigusr1\",\"process\":\"a-very-long-process-name\"}",
                "{\"type\":\"kill\",\"signal\":64,\"count\":100000,\"interval\":\"24h\"}",
        };

        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                struct fault *f = parse_ok(ok[i]);

                ck_assert_str_eq(f->ops->type, "kill");
                ck_assert(f->ops->flags & FAULT_ONESHOT);
                fault_free(f);
        }
}
END_TEST

START_TEST(kill_parse_interval_sets_tick)
{
        struct fault *f = parse_ok("{\"type\":\"kill\",\"process\":\"sleep\",\"interval\":\"1.5s\"}");

        ck_assert_uint_eq(f->tick_us, 1500000);
        fault_free(f);
        f = parse_ok("{\"type\":\"kill\",\"process\":\"sleep\",\"interval\":\"100ms\"}");
        ck_assert_uint_eq(f->tick_us, 100000);
        fault_free(f);
        f = parse_ok("{\"type\":\"kill\",\"process\":\"sleep\"}");
        ck_assert_uint_eq(f->tick_us, 0);
        fault_free(f);
}
END_TEST

START_TEST(kill_parse_invalid)
{
        expect_bad("{\"type\":\"kill\",\"signal\":\"SIGFOO\"}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":\"\"}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":0}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":65}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":9.5}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":true}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":[9]}", 3, "$.faults[3].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":\"SIGSTOP\"}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":19}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"signal\":\"TSTP\"}", 0, "$.faults[0].signal");
        expect_bad("{\"type\":\"kill\",\"process\":\"\"}", 0, "$.faults[0].process");
        expect_bad("{\"type\":\"kill\",\"process\":7}", 0, "$.faults[0].process");
        expect_bad("{\"type\":\"kill\",\"regex\":\"(\"}", 0, "$.faults[0].regex");
        expect_bad("{\"type\":\"kill\",\"regex\":\"a{2,1}\"}", 0, "$.faults[0].regex");
        expect_bad("{\"type\":\"kill\",\"process\":\"a\",\"regex\":\"b\"}", 0, "$.faults[0].regex");
        expect_bad("{\"type\":\"kill\",\"count\":0}", 0, "$.faults[0].count");
        expect_bad("{\"type\":\"kill\",\"count\":-1}", 0, "$.faults[0].count");
        expect_bad("{\"type\":\"kill\",\"count\":1.5}", 0, "$.faults[0].count");
        expect_bad("{\"type\":\"kill\",\"count\":\"3\"}", 0, "$.faults[0].count");
        expect_bad("{\"type\":\"kill\",\"count\":100001}", 0, "$.faults[0].count");
        expect_bad("{\"type\":\"kill\",\"interval\":\"5\"}", 0, "$.faults[0].interval");
        expect_bad("{\"type\":\"kill\",\"interval\":5}", 0, "$.faults[0].interval");
        expect_bad("{\"type\":\"kill\",\"interval\":\"10ms\"}", 0, "$.faults[0].interval");
        expect_bad("{\"type\":\"kill\",\"interval\":\"25h\"}", 0, "$.faults[0].interval");
        expect_bad("{\"type\":\"kill\",\"interval\":\"-1s\"}", 0, "$.faults[0].interval");
        expect_bad("{\"type\":\"kill\",\"pids\":[1]}", 0, "$.faults[0].pids");
        expect_bad("{\"type\":\"kill\",\"count\":1,\"count\":2}", 0, "$.faults[0].count");
}
END_TEST

/* ---- pause against a fake cgroupfs tree ---- */

static pid_t runner; /* the Check runner: names scratch paths its teardown can find */
static char fake_root[256];

static void fake_tree(const char *version)
{
        snprintf(fake_root, sizeof(fake_root), "/tmp/chaosd-unit-cg-%d", (int)runner);
        setenv("CHAOSD_CGROUP_ROOT", fake_root, 1);
        setenv("CHAOSD_CGROUP_VERSION", version, 1);
}

static void fake_file(const char *rel, const char *content)
{
        char path[512], dir[512];
        struct error e;
        FILE *fp;

        snprintf(path, sizeof(path), "%s%s", fake_root, rel);
        snprintf(dir, sizeof(dir), "%s", path);
        *strrchr(dir, '/') = '\0';
        ck_assert_msg(fs_mkdir_p(dir, 0755, &e) == 0, "%s", e.msg);
        fp = fopen(path, "we");
        ck_assert_ptr_nonnull(fp);
        fputs(content, fp);
        fclose(fp);
}

static const char *fake_read(const char *rel)
{
        static char buf[256];
        char path[512];
        struct error e;

        snprintf(path, sizeof(path), "%s%s", fake_root, rel);
        if (fs_read(path, buf, sizeof(buf), &e) < 0)
                return "(missing)";
        return buf;
}

static void fake_cleanup(void)
{
        char cmd[512];

        /* Our own scratch directory under /tmp, named by our PID. */
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
        ck_assert_int_eq(system(cmd), 0);
}

/* Unchecked teardown (in the runner, also after a failed assertion). */
static void scratch_cleanup(void)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf /tmp/chaosd-unit-cg-%d /tmp/chaosd-unit-comm-%d", (int)runner,
                 (int)runner);
        (void)!system(cmd);
}

static void cgroup_target(struct target *t, enum cg_version v, const char *rel)
{
        char dir[512];
        struct error e;

        target_init(t);
        t->kind = TARGET_CGROUP;
        t->cgv = v;
        snprintf(t->cgroup, sizeof(t->cgroup), "%s", rel);
        ck_assert_int_eq(target_cgroup_dir(t, "freezer", dir, sizeof(dir), &e), 0);
        ck_assert_msg(cg_inode(dir, &t->cgroup_ino, &e) == 0, "%s", e.msg);
}

/* The checkpoint hook records what the kernel file said when it ran: the
 * journal must be written before the change. */
static char at_checkpoint[64];
static const char *checkpoint_file;
static int record_checkpoint(struct fault *f, struct error *e)
{
        snprintf(at_checkpoint, sizeof(at_checkpoint), "%s", fake_read(checkpoint_file));
        return 0;
}

START_TEST(pause_v1_fake_apply_verify_revert)
{
        struct fault *f;
        struct target t;
        struct error e;
        const cJSON *prior;

        fake_tree("1");
        fake_file("/freezer/ctr/freezer.state", "THAWED\n");
        cgroup_target(&t, CG_V1, "/ctr");
        f = parse_ok("{\"type\":\"pause\"}");
        f->checkpoint = record_checkpoint;
        checkpoint_file = "/freezer/ctr/freezer.state";

        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(at_checkpoint, "THAWED");
        ck_assert_str_eq(fake_read("/freezer/ctr/freezer.state"), "FROZEN");
        prior = cJSON_GetObjectItem(f->saved, "prior");
        ck_assert_str_eq(prior->valuestring, "THAWED");
        ck_assert_int_eq(cJSON_GetObjectItem(f->saved, "cgroup_version")->valueint, 1);

        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(cJSON_GetObjectItem(f->readback, "freezer.state")->valuestring, "FROZEN");

        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(fake_read("/freezer/ctr/freezer.state"), "THAWED");
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "second revert: %s", e.msg);
        ck_assert_str_eq(fake_read("/freezer/ctr/freezer.state"), "THAWED");

        /* Someone else thawed it meanwhile: verify says so. */
        fake_file("/freezer/ctr/freezer.state", "THAWED\n");
        ck_assert_int_lt(f->ops->verify(f, &t, &e), 0);
        fault_free(f);
        fake_cleanup();
}
END_TEST

START_TEST(pause_v1_fake_refuses_frozen)
{
        struct fault *f;
        struct target t;
        struct error e;

        fake_tree("1");
        fake_file("/freezer/ctr/freezer.state", "FROZEN\n");
        cgroup_target(&t, CG_V1, "/ctr");
        f = parse_ok("{\"type\":\"pause\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -EBUSY);
        ck_assert_msg(strstr(e.msg, "already FROZEN"), "%s", e.msg);
        /* The core reverts after a failed apply: that must not thaw it. */
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(fake_read("/freezer/ctr/freezer.state"), "FROZEN");
        fault_free(f);

        /* A journal saying it was FROZEN before: revert leaves it frozen. */
        f = parse_ok("{\"type\":\"pause\"}");
        cJSON_AddStringToObject(fault_saved(f), "dir", "/nonexistent-is-not-read");
        cJSON_AddNumberToObject(f->saved, "cgroup_version", 1);
        cJSON_AddNumberToObject(f->saved, "inode", 0);
        cJSON_AddStringToObject(f->saved, "prior", "FROZEN");
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        fault_free(f);
        fake_cleanup();
}
END_TEST

START_TEST(pause_revert_gone_or_replaced)
{
        char dir[512];
        struct fault *f;
        struct target t;
        struct error e;

        fake_tree("1");
        fake_file("/freezer/ctr/freezer.state", "THAWED\n");
        cgroup_target(&t, CG_V1, "/ctr");
        f = parse_ok("{\"type\":\"pause\"}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);

        /* Replaced: same path, new directory (another inode, made while
         * the old one still exists so the number cannot be recycled). */
        fake_file("/freezer/new/freezer.state", "FROZEN\n");
        snprintf(dir, sizeof(dir), "rm -rf '%s/freezer/ctr' && mv '%s/freezer/new' '%s/freezer/ctr'", fake_root,
                 fake_root, fake_root);
        ck_assert_int_eq(system(dir), 0);
        snprintf(dir, sizeof(dir), "rm -rf '%s/freezer/ctr'", fake_root);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(fake_read("/freezer/ctr/freezer.state"), "FROZEN");

        /* Gone. */
        ck_assert_int_eq(system(dir), 0);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_int_eq(f->ops->verify(f, &t, &e), -ESRCH);
        fault_free(f);

        /* Revert of a fault never applied (no saved state). */
        f = parse_ok("{\"type\":\"pause\"}");
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        fault_free(f);
        fake_cleanup();
}
END_TEST

START_TEST(pause_v2_fake)
{
        struct fault *f;
        struct target t;
        struct error e;

        fake_tree("2");
        fake_file("/ctr/cgroup.freeze", "0\n");
        fake_file("/ctr/cgroup.events", "populated 1\nfrozen 1\n");
        cgroup_target(&t, CG_V2, "/ctr");
        f = parse_ok("{\"type\":\"pause\"}");
        /* Frozen by an ancestor (events frozen, own freeze 0): refused. */
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -EBUSY);
        ck_assert_str_eq(fake_read("/ctr/cgroup.freeze"), "0");
        fault_free(f);

        /* Not frozen at the first look: apply asks for the freeze (after
         * the checkpoint) and answers "pending" at once instead of waiting;
         * settle looks again and sees the kernel finish. */
        fake_file("/ctr/cgroup.events", "populated 1\nfrozen 0\n");
        f = parse_ok("{\"type\":\"pause\"}");
        f->checkpoint = record_checkpoint;
        checkpoint_file = "/ctr/cgroup.freeze";
        ck_assert_int_eq(f->ops->apply(f, &t, &e), FAULT_PENDING);
        ck_assert_str_eq(at_checkpoint, "0");
        ck_assert_str_eq(fake_read("/ctr/cgroup.freeze"), "1");
        ck_assert_msg(f->settle_us > 0 && f->settle_us <= 1000, "settle_us %llu", (unsigned long long)f->settle_us);
        ck_assert_int_eq(f->ops->settle(f, &t, &e), FAULT_PENDING);
        fake_file("/ctr/cgroup.events", "populated 1\nfrozen 1\n");
        ck_assert_msg(f->ops->settle(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(fake_read("/ctr/cgroup.freeze"), "0");
        fault_free(f);

        /* A plain file never reports "frozen 1" by itself: settle gives up
         * at the bound and thaws back rather than leave cgroup.freeze at 1. */
        fake_file("/ctr/cgroup.events", "populated 1\nfrozen 0\n");
        f = parse_ok("{\"type\":\"pause\"}");
        ck_assert_int_eq(fault_apply_settled(f, &t, NULL, &e), -ETIMEDOUT);
        ck_assert_msg(strstr(e.msg, "not frozen"), "%s", e.msg);
        ck_assert_str_eq(fake_read("/ctr/cgroup.freeze"), "0");
        ck_assert_str_eq(cJSON_GetObjectItem(f->saved, "prior")->valuestring, "THAWED");
        ck_assert_int_eq(cJSON_GetObjectItem(f->saved, "cgroup_version")->valueint, 2);

        /* As if the kernel had frozen it: verify reads both files, revert
         * writes 0. */
        fake_file("/ctr/cgroup.freeze", "1\n");
        fake_file("/ctr/cgroup.events", "populated 1\nfrozen 1\n");
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(cJSON_GetObjectItem(f->readback, "frozen")->valueint, 1);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(fake_read("/ctr/cgroup.freeze"), "0");
        fault_free(f);
        fake_cleanup();
}
END_TEST

/* ---- kill against our own children (no root needed) ---- */

static pid_t child_sleeping(void)
{
        int p[2];
        char c;
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* Check's SIGTERM handler (kill the process group) is
                 * inherited: a victim needs the default action. */
                signal(SIGTERM, SIG_DFL);
                alarm(30); /* never outlive the test */
                (void)!write(p[1], "r", 1);
                for (;;)
                        pause();
        }
        close(p[1]);
        ck_assert_int_eq(read(p[0], &c, 1), 1); /* ready */
        close(p[0]);
        return pid;
}

static void pid_target(struct target *t, pid_t pid)
{
        struct error e;

        target_init(t);
        t->kind = TARGET_PID;
        t->pid = pid;
        ck_assert_msg(proc_start_time(pid, &t->start_time, &e) == 0, "%s", e.msg);
}

START_TEST(kill_main_process_signal)
{
        pid_t pid = child_sleeping();
        struct fault *f = parse_ok("{\"type\":\"kill\",\"signal\":\"TERM\"}");
        struct target t;
        struct error e;
        int status;
        cJSON *it;

        pid_target(&t, pid);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        ck_assert_int_eq(f->done, 1);
        ck_assert_int_eq(cJSON_GetObjectItem(f->readback, "count")->valueint, 1);
        it = cJSON_GetArrayItem(cJSON_GetObjectItem(f->readback, "signalled"), 0);
        ck_assert_int_eq(cJSON_GetObjectItem(it, "pid")->valueint, pid);
        ck_assert_str_eq(cJSON_GetObjectItem(it, "signal")->valuestring, "TERM");
        it = cJSON_GetArrayItem(cJSON_GetObjectItem(f->saved, "intent"), 0);
        ck_assert_int_eq(cJSON_GetObjectItem(it, "pid")->valueint, pid);
        ck_assert_int_eq(cJSON_GetObjectItem(it, "signal")->valueint, SIGTERM);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        fault_free(f);
}
END_TEST

START_TEST(kill_numeric_signal)
{
        pid_t pid = child_sleeping();
        struct fault *f = parse_ok("{\"type\":\"kill\",\"signal\":10}");
        struct target t;
        struct error e;
        int status;

        pid_target(&t, pid);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
        fault_free(f);
}
END_TEST

/* A journalled identity whose process was replaced must never be hit: same
 * PID, another start time. */
START_TEST(kill_stale_identity_not_signalled)
{
        pid_t pid = child_sleeping();
        struct fault *f = parse_ok("{\"type\":\"kill\"}");
        struct target t;
        struct error e;
        char state;

        pid_target(&t, pid);
        t.start_time += 1;
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        ck_assert_msg(strstr(e.msg, "gone or was replaced"), "%s", e.msg);
        usleep(100000);
        ck_assert_int_eq(proc_state(pid, &state, &e), 0);
        ck_assert_msg(state == 'S', "child state %c", state);
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fault_free(f);
}
END_TEST

/* A pid target with "process" picks among the process and its children. */
START_TEST(kill_pid_target_descendants_by_name)
{
        pid_t parent = fork();
        struct fault *f;
        struct target t;
        struct error e;
        cJSON *list;
        int status;

        ck_assert_int_ge(parent, 0);
        if (parent == 0) {
                signal(SIGTERM, SIG_DFL);
                /* Two children that rename themselves, then wait. */
                for (int i = 0; i < 2; i++)
                        if (fork() == 0) {
                                alarm(30);
                                prctl(PR_SET_NAME, "chaosd-victim");
                                for (;;)
                                        pause();
                        }
                alarm(30);
                while (wait(NULL) > 0)
                        ;
                _exit(0);
        }
        usleep(200000);
        pid_target(&t, parent);
        f = parse_ok("{\"type\":\"kill\",\"process\":\"chaosd-victim\",\"count\":1}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        list = cJSON_GetObjectItem(f->readback, "signalled");
        ck_assert_int_eq(cJSON_GetArraySize(list), 1);
        ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "comm")->valuestring, "chaosd-victim");
        fault_free(f);

        /* No match: an error naming the process, nothing signalled. */
        f = parse_ok("{\"type\":\"kill\",\"process\":\"no-such-proc\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        ck_assert_msg(strstr(e.msg, "no-such-proc"), "%s", e.msg);
        fault_free(f);

        /* The rest: the remaining child, then the parent exits. */
        f = parse_ok("{\"type\":\"kill\",\"regex\":\"test_faults\",\"signal\":\"KILL\"}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(waitpid(parent, &status, 0), parent);
        fault_free(f);
}
END_TEST

/* comm holds 15 bytes: a longer "process" matches on argv[0]'s basename,
 * and a name sharing only the first 15 bytes does not. */
START_TEST(kill_long_process_name)
{
        char dir[128], link[192];
        struct fault *f;
        struct target t;
        struct error e;
        int p[2], status;
        char c;
        pid_t pid;

        if (access("/bin/sleep", X_OK) < 0)
                SKIP_TEST("no /bin/sleep to exec under a long name");
        snprintf(dir, sizeof(dir), "/tmp/chaosd-unit-comm-%d", (int)runner);
        snprintf(link, sizeof(link), "%s/a-very-long-process-name", dir);
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        ck_assert_int_eq(symlink("/bin/sleep", link), 0);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                signal(SIGTERM, SIG_DFL);
                execl(link, link, "30", (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        ck_assert_int_eq(read(p[0], &c, 1), 0); /* EOF: the exec happened */
        close(p[0]);
        pid_target(&t, pid);
        ck_assert_int_eq(proc_start_time(pid, &t.start_time, &e), 0);

        f = parse_ok("{\"type\":\"kill\",\"process\":\"a-very-long-process-XXX\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        fault_free(f);
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);

        f = parse_ok("{\"type\":\"kill\",\"process\":\"a-very-long-process-name\"}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(f->readback, "signalled"), 0),
                                             "comm")->valuestring, "a-very-long-pro");
        fault_free(f);
        unlink(link);
        rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("faults");
        TCase *p = tcase_create("parse"), *fk = tcase_create("fake-cgroupfs"), *k = tcase_create("kill-children");

        tcase_add_test(p, pause_parse_valid);
        tcase_add_test(p, pause_parse_invalid);
        tcase_add_test(p, kill_parse_valid);
        tcase_add_test(p, kill_parse_interval_sets_tick);
        tcase_add_test(p, kill_parse_invalid);
        tcase_add_test(fk, pause_v1_fake_apply_verify_revert);
        tcase_add_test(fk, pause_v1_fake_refuses_frozen);
        tcase_add_test(fk, pause_revert_gone_or_replaced);
        tcase_add_test(fk, pause_v2_fake);
        tcase_add_unchecked_fixture(fk, NULL, scratch_cleanup);
        tcase_set_timeout(fk, 30);
        tcase_add_test(k, kill_main_process_signal);
        tcase_add_test(k, kill_numeric_signal);
        tcase_add_test(k, kill_stale_identity_not_signalled);
        tcase_add_test(k, kill_pid_target_descendants_by_name);
        tcase_add_test(k, kill_long_process_name);
        tcase_add_unchecked_fixture(k, NULL, scratch_cleanup);
        tcase_set_timeout(k, 30);
        suite_add_tcase(s, p);
        suite_add_tcase(s, fk);
        suite_add_tcase(s, k);
        return s;
}

int main(void)
{
        runner = getpid();
        return run_suite(suite());
}
