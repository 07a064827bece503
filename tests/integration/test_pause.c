/* Integration tests of the pause fault (root, real cgroups, real Docker
 * containers from chaosd-busybox:latest), through the daemon-less path:
 * target_resolve + fault_new + apply/verify/revert.
 *
 * Effects are observed from outside with our own reads: the cgroup found
 * from /proc/PID/cgroup, its freezer.state (v1) or cgroup.events (v2), the
 * process state and utime in /proc/PID/stat of a CPU-bound victim.
 *
 * Every container is named chaosd-test-pause-<runner pid>-<tag>; the
 * tcase teardown (run in the runner, even when a test fails) thaws and
 * removes all of them. The "cgroup" case runs on v1 and v2 and is what the
 * kernel lane (tests/kernel/pause_v2.sh) runs inside its VM:
 * CK_RUN_CASE=cgroup. A fault that answers FAULT_PENDING is settled as the
 * daemon's loop would (tests/faultwait.h); test_pause_settle covers the
 * same through chaosd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "faultwait.h"
#include "freezer_obs.h"
#include "target.h"
#include "testutil.h"

#define PREFIX "chaosd-test-pause"
#include "docker_util.h"

static struct fault *new_pause(void)
{
        cJSON *j = cJSON_Parse("{\"type\":\"pause\"}");
        struct fault *f = NULL;
        struct error e;

        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "%s", e.msg);
        f->json = NULL;
        cJSON_Delete(j);
        return f;
}

/* Every process of DIR is stopped (D on v1, S on v2: never R) and the
 * CPU-bound SPIN makes no progress. */
static void assert_frozen(const char *dir, pid_t spin)
{
        char path[PATH_MAX], procs[8192], *line, *save = NULL;
        unsigned long long u0 = 0, u1 = 0;
        int n = 0;

        ck_assert_str_eq(observed_state(dir), "FROZEN");
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        ck_assert_int_eq(read_file(path, procs, sizeof(procs)), 0);
        for (line = strtok_r(procs, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
                char st = pstate(atoi(line), NULL);

                ck_assert_msg(st == 'D' || st == 'S', "pid %s is in state %c while frozen", line, st);
        }
        ck_assert_int_gt(n, 0);
        pstate(spin, &u0);
        sleep_ms(500);
        pstate(spin, &u1);
        ck_assert_msg(u1 == u0, "frozen victim still ran: utime %llu -> %llu", u0, u1);
}

START_TEST(pause_container)
{
        char name[128], dir[PATH_MAX], spec[256];
        struct target t;
        struct fault *f;
        struct error e;
        double t0, t1, t2;
        pid_t pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        pid = ctr_start("ctr", "/v/victim spin", name, sizeof(name));
        ck_assert_msg(progresses(pid, 3000), "victim does not spin before the pause");
        ck_assert_int_eq(observed_dir(pid, dir, sizeof(dir)), 0);
        ck_assert_str_eq(observed_state(dir), "THAWED");

        snprintf(spec, sizeof(spec), "{\"container\":\"%s\"}", name);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(t.pid, pid);
        f = new_pause();
        t0 = now_ms();
        ck_assert_msg(fault_apply_settled(f, &t, NULL, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        t1 = now_ms();
        assert_frozen(dir, pid);
        ck_assert_str_eq(cJSON_GetObjectItem(f->saved, "prior")->valuestring, "THAWED");
        ck_assert_str_eq(cJSON_GetObjectItem(f->saved, "dir")->valuestring, dir);

        t2 = now_ms();
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
        printf("pause_container: apply+verify %.2f ms, revert %.2f ms\n", t1 - t0, now_ms() - t2);
        ck_assert_str_eq(observed_state(dir), "THAWED");
        ck_assert_msg(progresses(pid, 3000), "victim does not run again after revert");
        /* Idempotent. */
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "second revert: %s", e.msg);
        ck_assert_str_eq(observed_state(dir), "THAWED");
        /* verify now reports the truth: not frozen. */
        ck_assert_int_lt(f->ops->verify(f, &t, &e), 0);
        fault_free(f);
        target_release(&t);
}
END_TEST

/* More busy tasks than CPUs: some are not running when FROZEN is written
 * and reach the freezer only at a later scheduler tick. runc's tight retry
 * loop (thaw after 50 back-to-back writes) never froze this here. */
START_TEST(pause_busy_container)
{
        char name[128], dir[PATH_MAX], spec[256], cmd[512];
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        struct target t;
        struct fault *f;
        struct error e;
        double t0, worst = 0;
        int steps, settled = 0;
        pid_t pid;
        size_t off;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        off = (size_t)snprintf(cmd, sizeof(cmd), "sh -c '");
        for (long i = 0; i < cpus + 1 && off < sizeof(cmd) - 64; i++)
                off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "/v/victim spin 600 & ");
        snprintf(cmd + off, sizeof(cmd) - off, "exec /v/victim spin 600'");
        pid = ctr_start("busy", cmd, name, sizeof(name));
        ck_assert_msg(progresses(pid, 3000), "victim does not spin");
        ck_assert_int_eq(observed_dir(pid, dir, sizeof(dir)), 0);
        snprintf(spec, sizeof(spec), "{\"container\":\"%s\"}", name);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        for (int round = 0; round < 10; round++) {
                f = new_pause();
                t0 = now_ms();
                ck_assert_msg(fault_apply_settled(f, &t, &steps, &e) == 0, "round %d: apply: %s", round, e.msg);
                settled += steps > 0;
                if (now_ms() - t0 > worst)
                        worst = now_ms() - t0;
                ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "round %d: verify: %s", round, e.msg);
                if (round == 0)
                        assert_frozen(dir, pid);
                else
                        ck_assert_str_eq(observed_state(dir), "FROZEN");
                ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "round %d: revert: %s", round, e.msg);
                ck_assert_str_eq(observed_state(dir), "THAWED");
                fault_free(f);
                sleep_ms(20);
        }
        printf("pause_busy_container: %ld spinners on %ld CPUs, 10 freezes (%d not frozen at apply's first look), "
               "slowest apply+settle %.2f ms\n", cpus + 2, cpus, settled, worst);
        ck_assert(progresses(pid, 3000));
        target_release(&t);
}
END_TEST

START_TEST(pause_revert_after_container_removed)
{
        char name[128], dir[PATH_MAX], spec[256];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        pid = ctr_start("gone", "sleep 1000", name, sizeof(name));
        ck_assert_int_eq(observed_dir(pid, dir, sizeof(dir)), 0);
        snprintf(spec, sizeof(spec), "{\"container\":\"%s\"}", name);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        f = new_pause();
        ck_assert_msg(fault_apply_settled(f, &t, NULL, &e) == 0, "apply: %s", e.msg);
        ck_assert_str_eq(observed_state(dir), "FROZEN");
        ck_assert_int_eq(run("docker rm -f %s >/dev/null", name), 0);
        ck_assert_msg(access(dir, F_OK) < 0, "cgroup %s still exists", dir);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert on a removed container: %s", e.msg);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "second revert: %s", e.msg);
        ck_assert_int_eq(f->ops->verify(f, &t, &e), -ESRCH);
        fault_free(f);
        target_release(&t);
}
END_TEST

START_TEST(pause_pid_target)
{
        char name[128], dir[PATH_MAX], spec[256];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        pid = ctr_start("pid", "/v/victim spin", name, sizeof(name));
        ck_assert_int_eq(observed_dir(pid, dir, sizeof(dir)), 0);
        snprintf(spec, sizeof(spec), "{\"pid\":%d}", (int)pid);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        f = new_pause();
        ck_assert_msg(fault_apply_settled(f, &t, NULL, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        assert_frozen(dir, pid);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
        ck_assert_str_eq(observed_state(dir), "THAWED");
        ck_assert(progresses(pid, 3000));
        fault_free(f);
        target_release(&t);
}
END_TEST

/* docker pause first: ours is refused, and its revert leaves Docker's
 * freeze alone. */
START_TEST(pause_refuses_already_paused)
{
        char name[128], dir[PATH_MAX], spec[256];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        pid = ctr_start("dpause", "sleep 1000", name, sizeof(name));
        ck_assert_int_eq(observed_dir(pid, dir, sizeof(dir)), 0);
        ck_assert_int_eq(run("docker pause %s >/dev/null", name), 0);
        ck_assert_str_eq(observed_state(dir), "FROZEN");
        snprintf(spec, sizeof(spec), "{\"container\":\"%s\"}", name);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        f = new_pause();
        ck_assert_int_eq(fault_apply_settled(f, &t, NULL, &e), -EBUSY);
        ck_assert_msg(strstr(e.msg, "already FROZEN"), "%s", e.msg);
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(observed_state(dir), "FROZEN");
        ck_assert_int_eq(run("docker unpause %s >/dev/null", name), 0);
        ck_assert_str_eq(observed_state(dir), "THAWED");
        fault_free(f);
        target_release(&t);
}
END_TEST

/* ---- a bare cgroup made by the test (v1 freezer hierarchy or v2) ---- */

static char test_cg_rel[64], test_cg_dir[PATH_MAX];
static pid_t cg_child = -1;

static void cg_setup(void)
{
        snprintf(test_cg_rel, sizeof(test_cg_rel), "/chaosd-test-pause-%d", (int)runner);
        snprintf(test_cg_dir, sizeof(test_cg_dir), "%s%s", freezer_base(), test_cg_rel);
}

/* Thaw, kill what is inside (only ever our victim) and remove the test
 * cgroup. Called by the test and again by the runner's unchecked teardown,
 * which also runs after a failed assertion. */
static void cg_cleanup(void)
{
        cg_setup();
        if (access(test_cg_dir, F_OK) == 0)
                cg_thaw(test_cg_dir);
        if (cg_child > 0) {
                kill(cg_child, SIGKILL);
                waitpid(cg_child, NULL, 0);
                cg_child = -1;
        }
        cg_remove(test_cg_dir);
}

/* The journal's checkpoint, seen by the kernel: at the first one (the
 * intent, which must come before any change) the freezer must still be
 * THAWED and the saved state must already say what to restore. */
static int intent_calls, intent_had_prior;
static char intent_state[32];

static int intent_checkpoint(struct fault *f, struct error *e)
{
        if (intent_calls++ == 0) {
                snprintf(intent_state, sizeof(intent_state), "%s", observed_state(test_cg_dir));
                intent_had_prior = f->saved && cJSON_GetObjectItemCaseSensitive(f->saved, "prior") != NULL;
        }
        return 0;
}

static pid_t spawn_victim_in(const char *dir)
{
        pid_t pid = spawn_in(dir, victim, "spin", "120");

        ck_assert_int_ge(pid, 0);
        return pid;
}

START_TEST(pause_cgroup_target)
{
        char spec[256], obs[PATH_MAX];
        struct target t;
        struct fault *f;
        struct error e;
        int ok;

        REQUIRE_ROOT();
        if (!have_freezer())
                SKIP_TEST("no v1 freezer hierarchy and no cgroup v2");
        cg_setup();
        ck_assert_msg(mkdir(test_cg_dir, 0755) == 0, "mkdir %s: %s", test_cg_dir, strerror(errno));
        cg_child = spawn_victim_in(test_cg_dir);
        ok = progresses(cg_child, 3000) && observed_dir(cg_child, obs, sizeof(obs)) == 0 &&
             strcmp(obs, test_cg_dir) == 0;
        if (!ok)
                cg_cleanup();
        ck_assert_msg(ok, "victim did not start in %s", test_cg_dir);

        snprintf(spec, sizeof(spec), "{\"cgroup\":\"%s\"}", test_cg_rel);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(t.cgv, cgroup_is_v2() ? CG_V2 : CG_V1);
        f = new_pause();
        intent_calls = 0;
        f->checkpoint = intent_checkpoint;
        ck_assert_msg(fault_apply_settled(f, &t, NULL, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(intent_calls >= 1, "apply changed the freezer without journalling its intent first");
        ck_assert_msg(strcmp(intent_state, "THAWED") == 0 && intent_had_prior,
                      "the intent was journalled with the freezer %s and %s saved prior state", intent_state,
                      intent_had_prior ? "a" : "no");
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        {
                char *rb = cJSON_PrintUnformatted(f->readback);

                printf("pause_cgroup_target: cgroup v%d, readback %s\n", t.cgv, rb);
                free(rb);
        }
        assert_frozen(test_cg_dir, cg_child);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
        ck_assert_str_eq(observed_state(test_cg_dir), "THAWED");
        ck_assert(progresses(cg_child, 3000));
        /* verify reads the kernel, not its own memory of apply: thawed
         * now, it must say so (a verify that always answers 0 is caught
         * here; tests/mutants/pause_verify_always_ok.patch). */
        ck_assert_msg(f->ops->verify(f, &t, &e) < 0, "verify reports FROZEN after the revert thawed %s",
                      test_cg_dir);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "second revert: %s", e.msg);

        fault_free(f);

        /* Frozen again, then the cgroup is emptied and removed behind our
         * back (thawed from outside first: v1 tasks cannot die frozen):
         * revert succeeds with nothing to do. */
        f = new_pause();
        ck_assert_msg(fault_apply_settled(f, &t, NULL, &e) == 0, "apply: %s", e.msg);
        cg_cleanup();
        ck_assert_msg(access(test_cg_dir, F_OK) < 0, "cgroup %s not removed", test_cg_dir);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert on a removed cgroup: %s", e.msg);
        ck_assert_int_eq(f->ops->verify(f, &t, &e), -ESRCH);
        fault_free(f);
        target_release(&t);
}
END_TEST

/* Never the host's init, never ourselves, never a cgroup we are in. */
START_TEST(pause_refuses_unsafe_targets)
{
        char spec[256], rel[64], dir[PATH_MAX], pidbuf[32], orig[PATH_MAX], path[PATH_MAX + 16];
        struct target t;
        struct error e;
        int r;

        REQUIRE_ROOT();
        ck_assert_int_eq(resolve("{\"pid\":1}", &t, &e), -EPERM);
        ck_assert_msg(strstr(e.msg, "PID 1"), "%s", e.msg);
        snprintf(spec, sizeof(spec), "{\"pid\":%d}", (int)getpid());
        ck_assert_int_eq(resolve(spec, &t, &e), -EPERM);
        ck_assert_msg(strstr(e.msg, "itself"), "%s", e.msg);

        /* A cgroup holding this test process. */
        if (!have_freezer())
                SKIP_TEST("no freezer hierarchy");
        ck_assert_int_eq(observed_dir(getpid(), orig, sizeof(orig)), 0);
        snprintf(rel, sizeof(rel), "/chaosd-test-self-%d", (int)getpid());
        snprintf(dir, sizeof(dir), "%s%s", freezer_base(), rel);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
        /* Moved with our own writes: a shell would sit in the cgroup too. */
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        ck_assert_int_eq(write_file(path, pidbuf), 0);
        snprintf(spec, sizeof(spec), "{\"cgroup\":\"%s\"}", rel);
        r = resolve(spec, &t, &e);
        /* Move back out before asserting, so the directory can go. */
        snprintf(path, sizeof(path), "%s/cgroup.procs", orig);
        (void)write_file(path, pidbuf);
        (void)rmdir(dir);
        ck_assert_int_eq(r, -EPERM);
        ck_assert_msg(strstr(e.msg, "contains chaosd"), "%s", e.msg);
        ck_assert_msg(access(dir, F_OK) < 0, "%s left behind", dir);
}
END_TEST

/* ---- stuck in FREEZING (freezer_obs.h's FUSE victim) ---- */

static struct stuck stuck;

/* Runner teardown: whatever a failed test left. */
static void stuck_cleanup(void)
{
        stuck_mnt(&stuck, (int)runner);
        stuck.fuse_fd = -1;
        stuck.pid = -1;
        stuck_release(&stuck);
        cg_cleanup();
}

START_TEST(pause_stuck_freezing_thaws_back)
{
        char spec[256], path[PATH_MAX + 16], why[256];
        struct target t;
        struct fault *f;
        struct error e;
        double t0, took, first, longest;
        int r, calls = 0, pending_seen, pending_state = 0;

        REQUIRE_ROOT();
        if (!have_freezer())
                SKIP_TEST("no v1 freezer hierarchy and no cgroup v2");
        cg_setup();
        ck_assert_msg(mkdir(test_cg_dir, 0755) == 0, "mkdir %s: %s", test_cg_dir, strerror(errno));
        r = stuck_start(&stuck, (int)runner, test_cg_dir, why, sizeof(why));
        if (r > 0) {
                cg_cleanup();
                SKIP_TEST("%s", why);
        }
        ck_assert_msg(r == 0, "%s", why);

        snprintf(spec, sizeof(spec), "{\"cgroup\":\"%s\"}", test_cg_rel);
        ck_assert_msg(resolve(spec, &t, &e) == 0, "%s", e.msg);
        f = new_pause();
        /* Driven by hand as chaosd's loop drives it: apply, then settle
         * every f->settle_us. No single call may block (the loop would
         * stall); the whole is bounded. */
        t0 = now_ms();
        r = f->ops->apply(f, &t, &e);
        first = longest = now_ms() - t0;
        pending_seen = r == FAULT_PENDING;
        if (pending_seen)
                pending_state = observed_pending(test_cg_dir);
        while (r == FAULT_PENDING) {
                double c0;

                sleep_us_(f->settle_us);
                c0 = now_ms();
                r = f->ops->settle(f, &t, &e);
                if (now_ms() - c0 > longest)
                        longest = now_ms() - c0;
                calls++;
        }
        took = now_ms() - t0;
        if (r == 0) {
                /* Newer kernels (6.18 here) freeze tasks waiting on FUSE.
                 * Only a freeze the kernel confirms makes this a SKIP: an
                 * apply that answers 0 without freezing is a failure, and
                 * so is a revert that does not thaw. */
                const char *seen = observed_state(test_cg_dir);

                ck_assert_msg(strcmp(seen, "FROZEN") == 0,
                              "apply answered 0 but the kernel reports %s for %s (victim state %c)", seen,
                              test_cg_dir, pstate(stuck.pid, NULL));
                ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
                ck_assert_str_eq(observed_state(test_cg_dir), "THAWED");
                stuck_release(&stuck);
                cg_cleanup();
                fault_free(f);
                target_release(&t);
                SKIP_TEST("this kernel froze a task blocked on FUSE in %.2f ms (%d settle calls): no way to stay "
                          "FREEZING here (the kernel lane's 6.1 kernel has one)", took, calls);
        }
        printf("pause_stuck_freezing_thaws_back: apply answered %s in %.2f ms; %d settle calls, the longest "
               "%.2f ms; gave up after %.0f ms: %s\n", pending_seen ? "pending" : "at once", first, calls, longest,
               took, e.msg);
        ck_assert_int_eq(r, -ETIMEDOUT);
        /* apply did not wait for the freeze: it asked, looked once and
         * handed back, with the cgroup seen freezing from outside. */
        ck_assert_msg(pending_seen, "apply did not answer FAULT_PENDING");
        ck_assert_msg(pending_state, "while pending, the cgroup was not seen freezing from outside");
        ck_assert_msg(longest < 100, "one apply/settle call took %.2f ms", longest);
        ck_assert_msg(strstr(e.msg, cgroup_is_v2() ? "not frozen" : "FREEZING"), "%s", e.msg);
        /* Bounded, generously: the limit is 5 s plus the thaw back-offs. */
        ck_assert_msg(took < 20000, "apply took %.0f ms", took);
        /* Never left half frozen: thawed back, as it was before. */
        ck_assert_str_eq(observed_state(test_cg_dir), "THAWED");
        if (!cgroup_is_v2()) {
                char self[16];

                snprintf(path, sizeof(path), "%s/freezer.self_freezing", test_cg_dir);
                ck_assert_int_eq(read_file(path, self, sizeof(self)), 0);
                ck_assert_str_eq(self, "0");
        } else {
                char fr[16];

                snprintf(path, sizeof(path), "%s/cgroup.freeze", test_cg_dir);
                ck_assert_int_eq(read_file(path, fr, sizeof(fr)), 0);
                ck_assert_str_eq(fr, "0");
        }
        /* The core reverts after a failed apply: harmless. */
        ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
        ck_assert_str_eq(observed_state(test_cg_dir), "THAWED");

        /* Release the victim: abort the connection. */
        stuck_release(&stuck);
        cg_cleanup();
        ck_assert_msg(access(test_cg_dir, F_OK) < 0, "%s left behind", test_cg_dir);
        fault_free(f);
        target_release(&t);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("pause");
        TCase *d = tcase_create("docker"), *c = tcase_create("cgroup"), *u = tcase_create("unsafe"),
              *k = tcase_create("stuck");

        tcase_add_unchecked_fixture(d, NULL, teardown_containers);
        tcase_add_test(d, pause_container);
        tcase_add_test(d, pause_busy_container);
        tcase_add_test(d, pause_revert_after_container_removed);
        tcase_add_test(d, pause_pid_target);
        tcase_add_test(d, pause_refuses_already_paused);
        tcase_set_timeout(d, 120);
        tcase_add_unchecked_fixture(c, NULL, cg_cleanup);
        tcase_add_test(c, pause_cgroup_target);
        tcase_set_timeout(c, 60);
        tcase_add_test(u, pause_refuses_unsafe_targets);
        tcase_set_timeout(u, 30);
        suite_add_tcase(s, d);
        suite_add_tcase(s, c);
        tcase_add_unchecked_fixture(k, NULL, stuck_cleanup);
        tcase_add_test(k, pause_stuck_freezing_thaws_back);
        tcase_set_timeout(k, 60);
        suite_add_tcase(s, u);
        suite_add_tcase(s, k);
        return s;
}

int main(int argc, char **argv)
{
        runner = getpid();
        /* The static victim is built next to us: BUILD/tests/helpers/victim. */
        if (built_path("../helpers/victim", "VICTIM", victim, sizeof(victim)) < 0) {
                fprintf(stderr, "victim not found at %s (build it: make tests)\n", victim);
                return 1;
        }
        return run_suite(suite());
}
