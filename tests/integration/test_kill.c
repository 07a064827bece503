/* Integration tests of the kill fault (root, real Docker containers from
 * chaosd-busybox:latest), through the daemon-less path: target_resolve +
 * fault_new + apply/tick.
 *
 * Effects are observed from outside: the container's cgroup.procs (found
 * from /proc/PID/cgroup), /proc/PID/stat of each process, docker inspect
 * for the container's exit. Containers are named
 * chaosd-test-kill-<runner pid>-<tag> and removed by the runner's teardown
 * even when a test fails. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "target.h"
#include "freezer_obs.h"
#include "testutil.h"

#define PREFIX "chaosd-test-kill"
#include "docker_util.h"

static struct fault *new_fault(const char *json)
{
        cJSON *j = cJSON_Parse(json);
        struct fault *f = NULL;
        struct error e;

        ck_assert_ptr_nonnull(j);
        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "%s: %s", json, e.msg);
        f->json = NULL;
        cJSON_Delete(j);
        return f;
}

static void resolve_ctr(const char *name, struct target *t)
{
        char spec[256];
        struct error e;

        snprintf(spec, sizeof(spec), "{\"container\":\"%s\"}", name);
        ck_assert_msg(resolve(spec, t, &e) == 0, "%s", e.msg);
}

/* Live (not zombie) processes of DIR whose comm is COMM; their PIDs in
 * PIDS (up to 16). */
static int live(const char *dir, const char *comm, pid_t *pids)
{
        char path[PATH_MAX], procs[8192], c[64], *line, *save = NULL;
        int n = 0;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        if (read_file(path, procs, sizeof(procs)) < 0)
                return -1;
        for (line = strtok_r(procs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                pid_t pid = atoi(line);
                char st = pstate(pid, NULL);

                snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
                if (!st || st == 'Z' || read_file(path, c, sizeof(c)) < 0 || strcmp(c, comm) != 0)
                        continue;
                if (pids && n < 16)
                        pids[n] = pid;
                n++;
        }
        return n;
}

/* Wait up to MS for live(DIR, COMM) to equal WANT. */
static int wait_live(const char *dir, const char *comm, int want, long ms)
{
        double end = now_ms() + ms;
        int n;

        while ((n = live(dir, comm, NULL)) != want && now_ms() < end)
                sleep_ms(20);
        return n;
}

static int alive(pid_t pid)
{
        char st = pstate(pid, NULL);

        return st && st != 'Z';
}

static int readback_count(const struct fault *f)
{
        const cJSON *c = cJSON_GetObjectItem(f->readback, "count");

        return cJSON_IsNumber(c) ? c->valueint : -1;
}

#define SLEEPERS_2 "sh -c 'sleep 1000 & sleep 1000 & exec sleep 1001'"
#define SLEEPERS_3 "sh -c 'sleep 1000 & sleep 1000 & sleep 1000 & exec sleep 1001'"

START_TEST(kill_by_name_count_one)
{
        char name[128], dir[PATH_MAX];
        pid_t main_pid, before[16], after[16], gone = 0;
        const cJSON *it;
        struct target t;
        struct fault *f;
        struct error e;
        int n;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        main_pid = ctr_start("name", SLEEPERS_2, name, sizeof(name));
        ck_assert_int_eq(observed_dir(main_pid, dir, sizeof(dir)), 0);
        ck_assert_int_eq(wait_live(dir, "sleep", 3, 5000), 3);
        ck_assert_int_eq(live(dir, "sleep", before), 3);
        resolve_ctr(name, &t);

        f = new_fault("{\"type\":\"kill\",\"process\":\"sleep\",\"count\":1}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_int_eq(f->done, 1);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        ck_assert_int_eq(cJSON_GetObjectItem(f->readback, "exited")->valueint, 1);
        ck_assert_int_eq(wait_live(dir, "sleep", 2, 3000), 2);
        /* Give a second signal a chance to show up: still exactly two. */
        sleep_ms(300);
        ck_assert_int_eq(live(dir, "sleep", after), 2);
        ck_assert_msg(alive(main_pid), "the main process was chosen with count 1");
        for (int i = 0; i < 3; i++) {
                int found = 0;

                for (int j = 0; j < 2; j++)
                        found |= before[i] == after[j];
                if (!found)
                        gone = before[i];
        }
        ck_assert_int_gt(gone, 0);
        ck_assert_int_eq(readback_count(f), 1);
        it = cJSON_GetArrayItem(cJSON_GetObjectItem(f->readback, "signalled"), 0);
        ck_assert_int_eq(cJSON_GetObjectItem(it, "pid")->valueint, gone);
        ck_assert_str_eq(cJSON_GetObjectItem(it, "comm")->valuestring, "sleep");
        ck_assert_str_eq(cJSON_GetObjectItem(it, "signal")->valuestring, "KILL");
        /* The intent was journalled with the identity that was hit. */
        it = cJSON_GetArrayItem(cJSON_GetObjectItem(f->saved, "intent"), 0);
        ck_assert_int_eq(cJSON_GetObjectItem(it, "pid")->valueint, gone);
        ck_assert(cJSON_GetObjectItem(it, "start_time")->valuedouble > 0);
        n = f->ops->revert(f, &t, &e);
        ck_assert_int_eq(n, 0);
        fault_free(f);

        /* No such process: an error, nothing signalled. */
        f = new_fault("{\"type\":\"kill\",\"process\":\"nginx\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        ck_assert_int_eq(live(dir, "sleep", NULL), 2);
        fault_free(f);
        target_release(&t);
}
END_TEST

START_TEST(kill_by_regex)
{
        char name[128], dir[PATH_MAX];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t main_pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        main_pid = ctr_start("regex", SLEEPERS_2, name, sizeof(name));
        ck_assert_int_eq(observed_dir(main_pid, dir, sizeof(dir)), 0);
        ck_assert_int_eq(wait_live(dir, "sleep", 3, 5000), 3);
        resolve_ctr(name, &t);
        f = new_fault("{\"type\":\"kill\",\"regex\":\"^sleep 1000$\",\"signal\":\"SIGKILL\"}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_int_eq(wait_live(dir, "sleep", 1, 3000), 1);
        ck_assert_msg(alive(main_pid), "\"sleep 1001\" does not match ^sleep 1000$ but was killed");
        ck_assert_int_eq(readback_count(f), 2);
        fault_free(f);
        target_release(&t);
}
END_TEST

START_TEST(kill_interval_ticks)
{
        char name[128], dir[PATH_MAX];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t main_pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        main_pid = ctr_start("tick", SLEEPERS_3, name, sizeof(name));
        ck_assert_int_eq(observed_dir(main_pid, dir, sizeof(dir)), 0);
        ck_assert_int_eq(wait_live(dir, "sleep", 4, 5000), 4);
        resolve_ctr(name, &t);
        f = new_fault("{\"type\":\"kill\",\"regex\":\"^sleep 1000$\",\"count\":1,\"interval\":\"100ms\"}");
        ck_assert_uint_eq(f->tick_us, 100000);
        ck_assert_ptr_nonnull(f->ops->tick);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_int_eq(f->done, 0); /* repeats until the experiment ends */
        ck_assert_int_eq(wait_live(dir, "sleep", 3, 3000), 3);
        ck_assert_msg(f->ops->tick(f, &t, &e) == 0, "tick 1: %s", e.msg);
        ck_assert_int_eq(wait_live(dir, "sleep", 2, 3000), 2);
        ck_assert_msg(f->ops->tick(f, &t, &e) == 0, "tick 2: %s", e.msg);
        ck_assert_int_eq(wait_live(dir, "sleep", 1, 3000), 1);
        /* Nothing left to match: a later round is not an error. */
        ck_assert_msg(f->ops->tick(f, &t, &e) == 0, "tick 3: %s", e.msg);
        ck_assert(alive(main_pid));
        ck_assert_int_eq(readback_count(f), 3);
        ck_assert_int_eq(cJSON_GetObjectItem(f->readback, "rounds")->valueint, 4);
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(f->readback, "signalled")), 3);
        fault_free(f);
        target_release(&t);
}
END_TEST

static int ctr_exit_code(const char *name, long ms)
{
        double end = now_ms() + ms;
        char out[64];

        while (now_ms() < end) {
                if (run_out(out, sizeof(out), "docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' %s",
                            name) == 0 &&
                    strncmp(out, "false ", 6) == 0)
                        return atoi(out + 6);
                sleep_ms(50);
        }
        return -1;
}

/* Without process/regex only the main process is signalled; the signal
 * named is the one delivered (the shell's TERM trap exits 7). */
START_TEST(kill_main_process_by_default)
{
        char name[128];
        struct target t;
        struct fault *f;
        struct error e;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        ctr_start("main", "sh -c 'trap \"exit 7\" TERM; sleep 1000 & wait'", name, sizeof(name));
        sleep_ms(300); /* let the shell install its trap */
        resolve_ctr(name, &t);
        f = new_fault("{\"type\":\"kill\",\"signal\":\"TERM\"}");
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_int_eq(ctr_exit_code(name, 5000), 7);
        ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(f->readback, "signalled"), 0),
                                             "comm")->valuestring, "sh");
        fault_free(f);
        target_release(&t);
}
END_TEST

/* The target was bound to a main process that has since been replaced
 * (docker restart: same container, new process): never signal the new
 * one. */
START_TEST(kill_stale_identity_never_signalled)
{
        char name[128], out[64];
        struct target t;
        struct fault *f;
        struct error e;
        pid_t old_pid, new_pid;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or image " IMAGE " not available");
        old_pid = ctr_start("stale", "sleep 1000", name, sizeof(name));
        resolve_ctr(name, &t);
        ck_assert_int_eq(t.pid, old_pid);
        ck_assert_int_eq(run("docker restart -t 0 %s >/dev/null", name), 0);
        ck_assert_int_eq(run_out(out, sizeof(out), "docker inspect -f '{{.State.Pid}}' %s", name), 0);
        new_pid = atoi(out);
        ck_assert_int_gt(new_pid, 0);
        ck_assert_int_ne(new_pid, old_pid);

        f = new_fault("{\"type\":\"kill\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        sleep_ms(300);
        ck_assert_msg(alive(new_pid), "the new main process was killed through a stale identity");
        fault_free(f);

        /* Same PID, other start time: the journal's identity of a process
         * that no longer exists. */
        t.pid = new_pid;
        t.start_time += 1;
        f = new_fault("{\"type\":\"kill\"}");
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -ESRCH);
        sleep_ms(300);
        ck_assert_msg(alive(new_pid), "a process with the same PID but another start time was killed");
        fault_free(f);
        target_release(&t);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("kill");
        TCase *d = tcase_create("docker");

        tcase_add_unchecked_fixture(d, NULL, teardown_containers);
        tcase_add_test(d, kill_by_name_count_one);
        tcase_add_test(d, kill_by_regex);
        tcase_add_test(d, kill_interval_ticks);
        tcase_add_test(d, kill_main_process_by_default);
        tcase_add_test(d, kill_stale_identity_never_signalled);
        tcase_set_timeout(d, 120);
        suite_add_tcase(s, d);
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
