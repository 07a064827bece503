/* The pause fault through chaosd (the real binary, started here) while its
 * freeze is still settling: the cgroup stays FREEZING (v1) / never reports
 * "frozen 1" (v2) because a task waits on a FUSE connection that never
 * answers (tests/freezer_obs.h). The daemon must not wait for it on its one
 * event loop:
 *   - loop: GET /v1/health answers at once, and another experiment (a 1 s
 *     pause of another cgroup) is injected and reverted at its deadline, on
 *     time, all while the stuck pause is pending; the held POST of the
 *     stuck pause is answered 422 failed once the freeze is given up (5 s),
 *     its cgroup thawed back;
 *   - stop: a DELETE while it settles thaws at once, and nothing freezes it
 *     again afterwards (the settle timer is gone);
 *   - sigterm: SIGTERM while it settles thaws, chaosd exits;
 *   - crash: SIGKILL while it settles leaves it freezing; the next chaosd
 *     reconciles the journal and thaws it.
 * Effects are read from outside: freezer.state, freezer.self_freezing /
 * cgroup.freeze + cgroup.events, /proc/PID/stat of the victims.
 *
 * Needs a kernel whose freezer cannot stop a FUSE waiter: the kernel
 * lane's 6.1 (tests/kernel/pause_v2.sh runs it on v2 and on a v1 freezer
 * hierarchy). On 6.18 every case SKIPs with that reason. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "freezer_obs.h"
#include "httpc.h"
#include "testutil.h"

static pid_t runner;
static char chaosd_bin[PATH_MAX], victim[PATH_MAX];

/* Everything one case sets up; torn down by the runner too. */
static struct {
        char stuck_rel[64], stuck_dir[PATH_MAX], other_rel[64], other_dir[PATH_MAX];
        char dir[128], sock[160];
        struct stuck stuck;
        pid_t daemon, other_victim;
} T;

static void paths(void)
{
        snprintf(T.stuck_rel, sizeof(T.stuck_rel), "/chaosd-test-settle-%d-s", (int)runner);
        snprintf(T.other_rel, sizeof(T.other_rel), "/chaosd-test-settle-%d-o", (int)runner);
        snprintf(T.stuck_dir, sizeof(T.stuck_dir), "%s%s", freezer_base(), T.stuck_rel);
        snprintf(T.other_dir, sizeof(T.other_dir), "%s%s", freezer_base(), T.other_rel);
        snprintf(T.dir, sizeof(T.dir), "/tmp/chaosd-test-settle-%d", (int)runner);
        snprintf(T.sock, sizeof(T.sock), "%s/chaosd.sock", T.dir);
        stuck_mnt(&T.stuck, (int)runner);
}

/* The daemon of a test that failed half-way runs on in the runner's
 * teardown, which knows it only from this file. */
static void pid_file(char *out, size_t len)
{
        snprintf(out, len, "%s/test-daemon.pid", T.dir);
}

static void daemon_stop(void)
{
        char file[192], buf[64], comm[64];

        if (T.daemon <= 0) {
                pid_file(file, sizeof(file));
                if (read_file(file, buf, sizeof(buf)) < 0 || atoi(buf) <= 0)
                        return;
                T.daemon = atoi(buf);
                snprintf(file, sizeof(file), "/proc/%d/comm", (int)T.daemon);
                if (read_file(file, comm, sizeof(comm)) < 0 || strcmp(comm, "chaosd") != 0) {
                        T.daemon = -1;
                        return;
                }
        }
        kill(T.daemon, SIGTERM);
        for (int i = 0; i < 100 && kill(T.daemon, 0) == 0; i++) {
                (void)waitpid(T.daemon, NULL, WNOHANG);
                sleep_ms(50);
        }
        kill(T.daemon, SIGKILL);
        (void)waitpid(T.daemon, NULL, 0);
        T.daemon = -1;
}

/* Unchecked teardown, in the runner (also after a failed assertion). */
static void teardown(void)
{
        paths();
        daemon_stop();
        stuck_release(&T.stuck);
        if (T.other_victim > 0) {
                kill(T.other_victim, SIGKILL);
                (void)waitpid(T.other_victim, NULL, 0);
                T.other_victim = -1;
        }
        cg_remove(T.stuck_dir);
        cg_remove(T.other_dir);
        (void)run("rm -rf %s", T.dir);
}

static int call(const char *method, const char *path, const char *body, struct httpc_reply *r)
{
        struct error e;

        return httpc_request(T.sock, method, path, body, 20000, r, &e);
}

static int daemon_start(void)
{
        char state[192], log[192];
        struct httpc_reply r;

        (void)mkdir(T.dir, 0700);
        snprintf(state, sizeof(state), "%s/state", T.dir);
        snprintf(log, sizeof(log), "%s/chaosd.log", T.dir);
        T.daemon = fork();
        if (T.daemon == 0) {
                FILE *f = freopen(log, "a", stderr);

                (void)f;
                execl(chaosd_bin, "chaosd", "--socket", T.sock, "--state-dir", state, (char *)NULL);
                _exit(127);
        }
        {
                char file[192], pid[32];

                pid_file(file, sizeof(file));
                snprintf(pid, sizeof(pid), "%d", (int)T.daemon);
                (void)run("echo %s > %s", pid, file);
        }
        for (int i = 0; i < 200; i++) {
                if (call("GET", "/v1/health", NULL, &r) == 0) {
                        httpc_reply_free(&r);
                        return 0;
                }
                sleep_ms(50);
        }
        return -1;
}

/* Where the first case that found this kernel freezing FUSE waiters
 * leaves its reason, so the later cases (each in its own fork) skip at
 * once instead of each spending three attempts to learn the same. */
static void verdict_file(char *out, size_t len)
{
        snprintf(out, len, "/tmp/chaosd-test-settle-%d.cannot", (int)runner);
}

/* The stuck cgroup, its FUSE victim, and a check that this kernel really
 * cannot freeze it. 0 ready; 1 cannot here (WHY); -1 failed (WHY). */
static int stuck_setup(char *why, size_t len)
{
        char file[PATH_MAX + 32];
        int r;

        paths();
        verdict_file(file, sizeof(file));
        if (read_file(file, why, len) == 0)
                return 1;
        if (mkdir(T.stuck_dir, 0755) < 0) {
                snprintf(why, len, "mkdir %s: %s", T.stuck_dir, strerror(errno));
                return -1;
        }
        snprintf(file, sizeof(file), "%s/%s", T.stuck_dir, cgroup_is_v2() ? "cgroup.freeze" : "freezer.state");
        /* Ask the kernel ourselves first: some kernels (6.18) freeze a
         * FUSE waiter at once, and then nothing here can be pending. Seen
         * once in the lane on 6.1 too: a fresh victim that froze; so a few
         * attempts before concluding. */
        for (int attempt = 1; attempt <= 3; attempt++) {
                char st;
                int pending;

                r = stuck_start(&T.stuck, (int)runner, T.stuck_dir, why, len);
                if (r != 0)
                        return r;
                (void)write_file(file, cgroup_is_v2() ? "1" : "FROZEN");
                sleep_ms(300);
                pending = observed_pending(T.stuck_dir);
                st = pstate(T.stuck.pid, NULL);
                snprintf(why, len, "this kernel froze a task blocked on FUSE (%s 300 ms after the freeze, victim "
                         "state %c, %d attempts): nothing stays FREEZING here (the kernel lane's 6.1 kernel runs "
                         "this)", observed_state(T.stuck_dir), st ? st : '-', attempt);
                (void)write_file(file, cgroup_is_v2() ? "0" : "THAWED");
                if (pending)
                        break;
                stuck_release(&T.stuck);
                if (attempt == 3) {
                        FILE *f;

                        verdict_file(file, sizeof(file));
                        if ((f = fopen(file, "w"))) {
                                fputs(why, f);
                                fclose(f);
                        }
                        return 1;
                }
        }
        for (int i = 0; i < 40 && strcmp(observed_state(T.stuck_dir), "THAWED") != 0; i++)
                sleep_ms(25);
        return 0;
}

#define SETUP()                                                                          \
        do {                                                                             \
                char why_[256];                                                          \
                int r_;                                                                  \
                REQUIRE_ROOT();                                                          \
                if (!have_freezer())                                                     \
                        SKIP_TEST("no v1 freezer hierarchy and no cgroup v2");           \
                teardown(); /* what an earlier case that failed left */                  \
                r_ = stuck_setup(why_, sizeof(why_));                                    \
                if (r_ > 0) {                                                            \
                        teardown();                                                      \
                        SKIP_TEST("%s", why_);                                           \
                }                                                                        \
                ck_assert_msg(r_ == 0, "%s", why_);                                      \
                ck_assert_msg(daemon_start() == 0, "chaosd %s did not answer", chaosd_bin); \
        } while (0)

static void pause_spec(char *out, size_t len, const char *rel, const char *duration)
{
        snprintf(out, len, "{\"name\":\"settle-test\",\"target\":{\"cgroup\":\"%s\"},\"duration\":\"%s\","
                 "\"faults\":[{\"type\":\"pause\"}]}", rel, duration);
}

/* A POST sent from a child process, whose answer is read later: chaosd
 * holds it until the experiment leaves "injecting". */
struct held {
        pid_t pid;
        int fd;
};

static void held_post(struct held *h, const char *spec)
{
        int p[2];

        ck_assert_int_eq(pipe(p), 0);
        h->pid = fork();
        ck_assert_int_ge(h->pid, 0);
        if (h->pid == 0) {
                struct httpc_reply r = { 0 };
                double t0 = now_ms();
                FILE *out;
                int rc;

                close(p[0]);
                out = fdopen(p[1], "w");
                rc = call("POST", "/v1/experiments", spec, &r);
                fprintf(out, "%d %.0f\n%s", rc < 0 ? rc : r.status, now_ms() - t0, r.body ? r.body : "");
                fclose(out);
                _exit(0);
        }
        close(p[1]);
        h->fd = p[0];
}

/* The held answer: status (or a negative error), how long it took, body. */
static int held_answer(struct held *h, double *ret_ms, char *body, size_t len)
{
        char buf[16384];
        size_t n = 0;
        ssize_t k;
        int status = 0;
        char *nl;

        while (n < sizeof(buf) - 1 && (k = read(h->fd, buf + n, sizeof(buf) - 1 - n)) > 0)
                n += (size_t)k;
        buf[n] = '\0';
        close(h->fd);
        (void)waitpid(h->pid, NULL, 0);
        *ret_ms = 0;
        if (sscanf(buf, "%d %lf", &status, ret_ms) != 2)
                return -1;
        nl = strchr(buf, '\n');
        snprintf(body, len, "%s", nl ? nl + 1 : "");
        return status;
}

/* The ID of the one experiment in STATE, or "" (GET /v1/experiments). */
static void find_experiment(const char *state, char *id, size_t len)
{
        struct httpc_reply r;
        cJSON *j, *x;

        *id = '\0';
        if (call("GET", "/v1/experiments", NULL, &r) < 0)
                return;
        j = cJSON_Parse(r.body);
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(j, "experiments"))
                if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "state")) ?: "", state) == 0)
                        snprintf(id, len, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(x, "id")));
        cJSON_Delete(j);
        httpc_reply_free(&r);
}

/* Wait up to MS for the stuck pause to be injecting and seen pending from
 * outside; its ID in ID. */
static int wait_pending(char *id, size_t len, long ms)
{
        for (double end = now_ms() + ms; now_ms() < end; sleep_ms(20)) {
                if (!*id)
                        find_experiment("injecting", id, len);
                if (*id && observed_pending(T.stuck_dir))
                        return 1;
        }
        return 0;
}

/* Thawed, and not asked to freeze (v1 self_freezing 0, v2 cgroup.freeze 0). */
static int thawed_back(const char *dir)
{
        char path[PATH_MAX + 32], buf[16];

        snprintf(path, sizeof(path), "%s/%s", dir, cgroup_is_v2() ? "cgroup.freeze" : "freezer.self_freezing");
        return strcmp(observed_state(dir), "THAWED") == 0 && read_file(path, buf, sizeof(buf)) == 0 &&
               strcmp(buf, "0") == 0;
}

static int wait_thawed_back(const char *dir, long ms)
{
        for (double end = now_ms() + ms; now_ms() < end; sleep_ms(10))
                if (thawed_back(dir))
                        return 1;
        return thawed_back(dir);
}

/* Still thawed MS later: no timer of ours froze it again. */
static int stays_thawed(const char *dir, long ms)
{
        for (double end = now_ms() + ms; now_ms() < end; sleep_ms(10))
                if (!thawed_back(dir))
                        return 0;
        return 1;
}

START_TEST(settle_loop_responsive)
{
        char spec[512], id[32] = "", body[16384];
        double t0, c0, worst = 0, post_ms, thawed_ms, held_ms;
        struct httpc_reply r;
        struct held h;
        int status, overlap;
        cJSON *j;

        SETUP();
        pause_spec(spec, sizeof(spec), T.stuck_rel, "30s");
        t0 = now_ms();
        held_post(&h, spec);
        ck_assert_msg(wait_pending(id, sizeof(id), 3000), "the stuck pause never showed as pending (state %s)",
                      observed_state(T.stuck_dir));

        /* The API answers while the freeze settles. */
        for (int i = 0; i < 5; i++) {
                c0 = now_ms();
                ck_assert_int_eq(call("GET", "/v1/health", NULL, &r), 0);
                ck_assert_int_eq(r.status, 200);
                httpc_reply_free(&r);
                if (now_ms() - c0 > worst)
                        worst = now_ms() - c0;
                sleep_ms(50);
        }
        ck_assert_msg(worst < 1500, "GET /v1/health took %.1f ms while a pause settled", worst);

        /* Another experiment: injected, verified and reverted at its 1 s
         * deadline while the stuck one is still pending. */
        ck_assert_int_eq(mkdir(T.other_dir, 0755), 0);
        T.other_victim = spawn_in(T.other_dir, victim, "spin", "120");
        ck_assert_msg(progresses(T.other_victim, 3000), "the other victim does not run");
        pause_spec(spec, sizeof(spec), T.other_rel, "1s");
        c0 = now_ms();
        ck_assert_int_eq(call("POST", "/v1/experiments", spec, &r), 0);
        post_ms = now_ms() - c0;
        ck_assert_msg(r.status == 201 && strstr(r.body, "\"state\":\"running\""), "%d %s", r.status, r.body);
        httpc_reply_free(&r);
        ck_assert_str_eq(observed_state(T.other_dir), "FROZEN");
        ck_assert_msg(wait_thawed_back(T.other_dir, 3000), "the 1 s pause was not reverted within 3 s");
        thawed_ms = now_ms() - c0;
        overlap = wait_pending(id, sizeof(id), 100);
        ck_assert_msg(progresses(T.other_victim, 3000), "the other victim does not run after its revert");
        ck_assert_msg(post_ms < 2000, "POST of the other pause took %.0f ms", post_ms);
        /* 1 s from verified, plus slack for a slow VM (qemu/TCG); a loop
         * blocked by the stuck freeze would take 5 s more. */
        ck_assert_msg(thawed_ms < 2500, "the 1 s pause was reverted %.0f ms after its POST", thawed_ms);
        ck_assert_msg(overlap, "the stuck pause was no longer pending when the other one ended: no overlap shown");

        /* The stuck one, seen through the API: injecting, its fault applying. */
        {
                char path[64];

                snprintf(path, sizeof(path), "/v1/experiments/%s", id);
                ck_assert_int_eq(call("GET", path, NULL, &r), 0);
                j = cJSON_Parse(r.body);
                ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")), "injecting");
                ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                                         cJSON_GetArrayItem(cJSON_GetObjectItem(j, "faults"), 0), "state")),
                                 "applying");
                cJSON_Delete(j);
                httpc_reply_free(&r);
        }

        /* The held POST is answered when the freeze is given up. */
        status = held_answer(&h, &held_ms, body, sizeof(body));
        printf("settle_loop_responsive: cgroup v%d; while the pause settled: health worst %.1f ms, other pause "
               "POST %.1f ms, reverted %.0f ms after its POST (1 s duration); the stuck POST answered %d after "
               "%.0f ms\n", cgroup_is_v2() ? 2 : 1, worst, post_ms, thawed_ms, status, held_ms);
        ck_assert_msg(status == 422, "held POST: %d %s", status, body);
        ck_assert_msg(strstr(body, "\"state\":\"failed\""), "%s", body);
        ck_assert_msg(strstr(body, cgroup_is_v2() ? "not frozen" : "FREEZING"), "%s", body);
        ck_assert_msg(held_ms > 4000 && held_ms < 15000, "answered after %.0f ms", held_ms);
        ck_assert_msg(wait_thawed_back(T.stuck_dir, 500), "stuck cgroup not thawed back: %s",
                      observed_state(T.stuck_dir));
        ck_assert_msg(stays_thawed(T.stuck_dir, 300), "stuck cgroup frozen again after the failure");
        ck_assert_msg(now_ms() - t0 < 20000, "took %.0f ms", now_ms() - t0);
        teardown();
}
END_TEST

START_TEST(settle_stop_thaws)
{
        char spec[512], id[32] = "", path[64], body[16384];
        double c0, del_ms, held_ms;
        struct httpc_reply r;
        struct held h;
        int status;

        SETUP();
        pause_spec(spec, sizeof(spec), T.stuck_rel, "30s");
        held_post(&h, spec);
        ck_assert_msg(wait_pending(id, sizeof(id), 3000), "the stuck pause never showed as pending");
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        c0 = now_ms();
        ck_assert_int_eq(call("DELETE", path, NULL, &r), 0);
        del_ms = now_ms() - c0;
        ck_assert_msg(r.status == 200 && strstr(r.body, "\"state\":\"stopped\""), "%d %s", r.status, r.body);
        httpc_reply_free(&r);
        ck_assert_msg(wait_thawed_back(T.stuck_dir, 200), "not thawed after the stop: %s", observed_state(T.stuck_dir));
        /* v1's settle re-writes FROZEN at every step: a timer left behind
         * would freeze it again. */
        ck_assert_msg(stays_thawed(T.stuck_dir, 1500), "frozen again after the stop");
        status = held_answer(&h, &held_ms, body, sizeof(body));
        printf("settle_stop_thaws: DELETE %.1f ms, held POST answered %d: %.120s\n", del_ms, status, body);
        ck_assert_msg(status == 422 && strstr(body, "stopped while injecting"), "%d %s", status, body);
        teardown();
}
END_TEST

START_TEST(settle_sigterm_thaws)
{
        char spec[512], id[32] = "", body[16384];
        double held_ms;
        struct held h;
        int status, st = 0;

        SETUP();
        pause_spec(spec, sizeof(spec), T.stuck_rel, "30s");
        held_post(&h, spec);
        ck_assert_msg(wait_pending(id, sizeof(id), 3000), "the stuck pause never showed as pending");
        ck_assert_int_eq(kill(T.daemon, SIGTERM), 0);
        for (int i = 0; i < 100 && waitpid(T.daemon, &st, WNOHANG) == 0; i++)
                sleep_ms(50);
        ck_assert_msg(kill(T.daemon, 0) < 0, "chaosd did not exit on SIGTERM");
        T.daemon = -1;
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chaosd exit status %#x", st);
        ck_assert_msg(thawed_back(T.stuck_dir), "not thawed after SIGTERM: %s", observed_state(T.stuck_dir));
        ck_assert_msg(stays_thawed(T.stuck_dir, 500), "frozen again after SIGTERM");
        status = held_answer(&h, &held_ms, body, sizeof(body));
        printf("settle_sigterm_thaws: held POST answered %d: %.120s\n", status, body);
        ck_assert_msg(status == 422 && strstr(body, "halted while injecting"), "%d %s", status, body);
        teardown();
}
END_TEST

START_TEST(settle_crash_reconciled)
{
        char spec[512], id[32] = "", path[64], body[16384];
        double held_ms, c0;
        struct httpc_reply r;
        struct held h;

        SETUP();
        pause_spec(spec, sizeof(spec), T.stuck_rel, "30s");
        held_post(&h, spec);
        ck_assert_msg(wait_pending(id, sizeof(id), 3000), "the stuck pause never showed as pending");
        ck_assert_int_eq(kill(T.daemon, SIGKILL), 0);
        (void)waitpid(T.daemon, NULL, 0);
        T.daemon = -1;
        (void)held_answer(&h, &held_ms, body, sizeof(body));
        /* Killed mid-settle: still asked to freeze (nobody thawed it) —
         * unless the kill landed in one of v1's 10 ms thaw pauses. */
        sleep_ms(200);
        if (thawed_back(T.stuck_dir))
                printf("settle_crash_reconciled: killed during a thaw pause; the restart must still end it\n");
        c0 = now_ms();
        ck_assert_msg(daemon_start() == 0, "chaosd did not restart");
        ck_assert_msg(wait_thawed_back(T.stuck_dir, 2000), "not thawed after the restart: %s",
                      observed_state(T.stuck_dir));
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        ck_assert_int_eq(call("GET", path, NULL, &r), 0);
        printf("settle_crash_reconciled: thawed %.0f ms after the restart: %.200s\n", now_ms() - c0, r.body);
        ck_assert_msg(strstr(r.body, "\"state\":\"failed\"") && strstr(r.body, "while injecting"), "%s", r.body);
        httpc_reply_free(&r);
        ck_assert_msg(stays_thawed(T.stuck_dir, 500), "frozen again after the restart");
        teardown();
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("pause_settle");
        TCase *c = tcase_create("settle");

        tcase_add_unchecked_fixture(c, NULL, teardown);
        tcase_add_test(c, settle_loop_responsive);
        tcase_add_test(c, settle_stop_thaws);
        tcase_add_test(c, settle_sigterm_thaws);
        tcase_add_test(c, settle_crash_reconciled);
        tcase_set_timeout(c, 60);
        suite_add_tcase(s, c);
        return s;
}

int main(int argc, char **argv)
{
        runner = getpid();
        T.daemon = T.other_victim = -1;
        T.stuck.fuse_fd = T.stuck.pid = -1;
        /* BUILD/tests/integration/../../chaosd, BUILD/tests/helpers/victim. */
        if (built_path("../../chaosd", "CHAOSD", chaosd_bin, sizeof(chaosd_bin)) < 0) {
                fprintf(stderr, "chaosd not found at %s (make)\n", chaosd_bin);
                return 1;
        }
        if (built_path("../helpers/victim", "VICTIM", victim, sizeof(victim)) < 0) {
                fprintf(stderr, "victim not found at %s (make tests)\n", victim);
                return 1;
        }
        {
                char file[128];
                int rc;

                /* Not one left by an earlier run that had this PID. */
                verdict_file(file, sizeof(file));
                (void)unlink(file);
                rc = run_suite(suite());
                (void)unlink(file);
                return rc;
        }
}
