/* The lifecycle without root: the real experiment code, journal and event
 * loop drive a fake fault module (fake_fault.c) on a child process of the
 * test, with the journal in a temporary directory. Checks each path of a
 * fault (apply, settle, verify, revert and their failures), that the
 * journal says the same as memory, and that the transition function
 * refuses every illegal event. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "daemon.h"
#include "events.h"
#include "fake_fault.h"
#include "fdreserve.h"
#include "clock.h"
#include "warden.h"
#include "proc.h"
#include "testutil.h"

static struct daemon d;
static char dir[] = "/tmp/chaosd-lifecycle.XXXXXX";
static pid_t victim;

static void setup(void)
{
        struct error e = { 0 };

        fake_fault_setup();
        memset(&d, 0, sizeof(d));
        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_eq(events_new(&d.events), 0);
        ck_assert_msg(loop_new(&d.loop, &e) == 0, "%s", e.msg);
        ck_assert_msg(journal_open(dir, &d.journal, &e) == 0, "%s", e.msg);
        ck_assert_msg(proc_boot_id(d.boot_id, sizeof(d.boot_id), &e) == 0, "%s", e.msg);
        victim = fork();
        ck_assert_int_ge(victim, 0);
        if (victim == 0) {
                for (;;)
                        pause();
        }
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
        return remove(p);
}

static void teardown(void)
{
        d.quitting = 1;
        (void)experiments_end_all(&d, EXP_HALTED, "test over", NULL);
        while (d.experiments) {
                struct experiment *x = d.experiments;

                d.experiments = x->next;
                experiment_free(x);
        }
        journal_close(d.journal);
        loop_free(d.loop);
        events_free(d.events);
        kill(victim, SIGKILL);
        waitpid(victim, NULL, 0);
        nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Create an experiment with N fake faults on the victim. */
static int create_on(pid_t pid, const char *duration, int n, struct experiment **ret, struct error *e)
{
        char text[1024];
        struct spec spec;
        int len, r;

        len = snprintf(text, sizeof(text), "{\"name\":\"lc\",\"duration\":\"%s\",\"target\":{\"pid\":%d},\"faults\":[%s%s]}",
                       duration, (int)pid, "{\"type\":\"fake\"}", n > 1 ? ",{\"type\":\"fake\"}" : "");
        r = spec_parse(text, (size_t)len, 0, 0, &spec, e);
        ck_assert_msg(r == 0, "spec: %s", e->msg);
        return experiment_create(&d, &spec, text, (size_t)len, ret, e);
}

static int create(const char *duration, struct experiment **ret, struct error *e)
{
        return create_on(victim, duration, 1, ret, e);
}

struct wait_for {
        int (*done)(const struct experiment *x);
        const struct experiment *x;
        int timed_out;
};

static void on_check(struct loop_source *src, uint32_t ev, void *ud)
{
        struct wait_for *w = ud;

        if (w->done(w->x))
                loop_quit(d.loop);
}

static void on_give_up(struct loop_source *src, uint32_t ev, void *ud)
{
        struct wait_for *w = ud;

        w->timed_out = 1;
        loop_quit(d.loop);
}

/* Run the loop until DONE(x) or MS milliseconds; 0 when DONE came. */
static int run_until(const struct experiment *x, int (*done)(const struct experiment *), int ms)
{
        struct wait_for w = { .done = done, .x = x };
        struct loop_source *check = NULL, *limit = NULL;
        struct error e = { 0 };

        if (done(x))
                return 0;
        ck_assert_int_eq(loop_add_timer(d.loop, 2000, 2000, on_check, &w, &check, &e), 0);
        ck_assert_int_eq(loop_add_timer(d.loop, (uint64_t)ms * 1000, 0, on_give_up, &w, &limit, &e), 0);
        ck_assert_int_eq(loop_run(d.loop, &e), 0);
        loop_remove(d.loop, check);
        loop_remove(d.loop, limit);
        return w.timed_out ? -1 : 0;
}

static int ended(const struct experiment *x)
{
        return exp_state_is_end(x->state);
}

static int running(const struct experiment *x)
{
        return x->state != EXP_INJECTING;
}

/* What the journal holds for fault 0 of X. */
static void journal_fault_state(const struct experiment *x, char *buf, size_t len)
{
        struct journal_fault *rows = NULL;
        struct error e = { 0 };
        int n = 0;

        ck_assert_msg(journal_list_faults(d.journal, x->id, &rows, &n, &e) == 0, "%s", e.msg);
        ck_assert_int_ge(n, 1);
        snprintf(buf, len, "%s", rows[0].state ? rows[0].state : "(null)");
        journal_faults_free(rows, n);
}

/* GETTER's answer for X (a journal state name) must be WANT. */
#define ASSERT_JOURNAL(getter, x, want)                                                         \
        do {                                                                                    \
                char got_[32];                                                                  \
                getter((x), got_, sizeof(got_));                                                \
                ck_assert_str_eq(got_, (want));                                                 \
        } while (0)
#define ASSERT_JOURNAL_FAULT(x, want) ASSERT_JOURNAL(journal_fault_state, x, want)

START_TEST(apply_verify_active_deadline_revert)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        ck_assert_msg(create("300ms", &x, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(x->state, EXP_RUNNING);
        ck_assert_int_eq(x->faults[0].state, FI_ACTIVE);
        ck_assert_str_eq(fake_calls.trace, "av");
        ASSERT_JOURNAL_FAULT(x, "active");
        ck_assert_int_eq(experiment_active_faults(x), 1);

        ck_assert_msg(run_until(x, ended, 5000) == 0, "the deadline never ended it");
        ck_assert_int_eq(x->state, EXP_COMPLETED);
        ck_assert_str_eq(x->reason, "duration elapsed");
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ck_assert_str_eq(fake_calls.trace, "avr");
        ASSERT_JOURNAL_FAULT(x, "reverted");
        ck_assert_int_eq(d.metrics.ended[EXP_COMPLETED], 1);
}
END_TEST

START_TEST(settle_pending_then_verified)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        fake_plan.apply_rc = FAULT_PENDING;
        fake_plan.settle_pending = 2;
        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        /* Still injecting: the answer waits, the fault is journaled as
         * "applying" so a crash now is reverted. */
        ck_assert_int_eq(x->state, EXP_INJECTING);
        ck_assert_int_eq(experiment_settling(x), 1);
        ck_assert_int_eq(x->faults[0].state, FI_APPLYING);
        ASSERT_JOURNAL_FAULT(x, "applying");

        ck_assert_msg(run_until(x, running, 5000) == 0, "never settled");
        ck_assert_int_eq(x->state, EXP_RUNNING);
        ck_assert_int_eq(x->faults[0].state, FI_ACTIVE);
        ck_assert_int_eq(experiment_settling(x), 0);
        ck_assert_str_eq(fake_calls.trace, "asssv");
        ASSERT_JOURNAL_FAULT(x, "active");
}
END_TEST

START_TEST(settle_fails_rolls_back)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        fake_plan.apply_rc = FAULT_PENDING;
        fake_plan.settle_rc = -ETIMEDOUT;
        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        ck_assert_msg(run_until(x, ended, 5000) == 0, "never ended");
        ck_assert_int_eq(x->state, EXP_FAILED);
        ck_assert_int_eq(x->faults[0].state, FI_FAILED);
        ck_assert_str_eq(fake_calls.trace, "asr");
}
END_TEST

START_TEST(failed_apply_rolls_back)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        int r;

        fake_plan.apply_rc = -EIO;
        r = create("10s", &x, &e);
        ck_assert_int_lt(r, 0);
        /* The experiment exists (the API answers 422 with it), ended. */
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, EXP_FAILED);
        ck_assert_int_eq(x->faults[0].state, FI_FAILED);
        ck_assert_str_eq(fake_calls.trace, "ar");
        ck_assert_msg(strstr(x->faults[0].error, "apply: fake apply told to fail"), "%s", x->faults[0].error);
        ck_assert_msg(strstr(x->reason, "fault 0 (fake) apply"), "%s", x->reason);
        ASSERT_JOURNAL_FAULT(x, "failed");
        ck_assert_int_eq(d.metrics.errors_inject, 1);
}
END_TEST

START_TEST(failed_apply_leaves_later_faults_untouched)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        fake_plan.apply_rc = -EIO;
        ck_assert_int_lt(create_on(victim, "10s", 2, &x, &e), 0);
        ck_assert_int_eq(x->faults[0].state, FI_FAILED);
        ck_assert_int_eq(x->faults[1].state, FI_PENDING);
        ck_assert_int_eq(fake_calls.apply, 1);
        ck_assert_int_eq(fake_calls.revert, 1);
}
END_TEST

START_TEST(failed_verify_rolls_back)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        fake_plan.verify_rc = -EPROTO;
        ck_assert_int_lt(create("10s", &x, &e), 0);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, EXP_FAILED);
        ck_assert_int_eq(x->faults[0].state, FI_FAILED);
        ck_assert_str_eq(fake_calls.trace, "avr");
        ck_assert_msg(strncmp(x->faults[0].error, "verify: ", 8) == 0, "%s", x->faults[0].error);
}
END_TEST

/* The fault and the experiment (memory and journal) at one moment. */
static void check_revert_pending(struct experiment *x, int pending)
{
        _cleanup_free_ char *m = metrics_render(&d, 0);
        char want[64];

        snprintf(want, sizeof(want), "\nchaosd_reverts_pending %d\n", pending);
        ck_assert_msg(m && strstr(m, want), "metrics lack \"%s\"", want + 1);
        ck_assert_int_eq(experiment_reverts_pending(x), pending);
        ck_assert_int_eq(experiments_reverts_pending(&d), pending);
}

static void journal_exp_state(const struct experiment *x, char *buf, size_t len)
{
        struct journal_experiment *v = NULL;
        struct error e = { 0 };
        int n = 0;

        buf[0] = '\0';
        ck_assert_int_eq(journal_list_active(d.journal, &v, &n, &e), 0);
        for (int i = 0; i < n; i++)
                if (strcmp(v[i].id, x->id) == 0)
                        snprintf(buf, len, "%s", v[i].state);
        journal_experiments_free(v, n);
        if (buf[0])
                return;
        ck_assert_int_eq(journal_list_recent(d.journal, 50, &v, &n, &e), 0);
        for (int i = 0; i < n; i++)
                if (strcmp(v[i].id, x->id) == 0)
                        snprintf(buf, len, "%s", v[i].state);
        journal_experiments_free(v, n);
}

#define ASSERT_JOURNAL_EXP(x, want) ASSERT_JOURNAL(journal_exp_state, x, want)

/* A revert that fails three times: the fault is "revert-pending" (memory,
 * journal, JSON, metrics), the experiment stays "reverting", and the
 * retries (100, 200, 400 ms) end it as it was asked to end. */
START_TEST(failed_revert_retried_until_it_succeeds)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        cJSON *j, *f;

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        fake_plan.revert_failures = 3;
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        ck_assert_int_eq(x->state, EXP_REVERTING);
        ck_assert_int_eq(x->faults[0].state, FI_REVERT_PENDING);
        ck_assert_msg(strncmp(x->faults[0].error, "revert: ", 8) == 0, "%s", x->faults[0].error);
        ck_assert_msg(strstr(x->reason, "1 fault failed to revert, retrying"), "%s", x->reason);
        ASSERT_JOURNAL_FAULT(x, "revert-pending");
        ASSERT_JOURNAL_EXP(x, "reverting");
        check_revert_pending(x, 1);
        j = experiment_to_json(x, 1);
        f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "faults"), 0);
        ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(f, "state")), "revert-pending");
        ck_assert_int_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "reverts_pending")), 1);
        ck_assert_int_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "faults_active")), 1);
        cJSON_Delete(j);
        /* Not ended: a second experiment on the target is still refused. */
        ck_assert_int_eq(experiments_active(&d), 1);

        ck_assert_msg(run_until(x, ended, 10000) == 0, "the retries never reverted it");
        ck_assert_int_eq(x->state, EXP_STOPPED);
        ck_assert_msg(strstr(x->reason, "stopped through the API (reverted after retrying)"), "%s", x->reason);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ck_assert_int_eq(fake_calls.revert, 4);
        ck_assert_str_eq(fake_calls.trace, "avrrrr");
        ASSERT_JOURNAL_FAULT(x, "reverted");
        ASSERT_JOURNAL_EXP(x, "stopped");
        check_revert_pending(x, 0);
        ck_assert_int_eq(d.metrics.errors_revert, 1);
        ck_assert_int_eq(d.metrics.ended[EXP_STOPPED], 1);
        ck_assert_int_eq(d.metrics.ended[EXP_FAILED], 0);
        /* Ending again does nothing: an end state is final. */
        experiment_end(x, EXP_COMPLETED, "again");
        ck_assert_int_eq(fake_calls.revert, 4);
}
END_TEST

/* A halt while a revert is pending retries it at once. */
START_TEST(halt_retries_a_pending_revert)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        fake_plan.revert_rc = -EBUSY;
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        ck_assert_int_eq(x->faults[0].state, FI_REVERT_PENDING);
        ck_assert_int_eq(fake_calls.revert, 1);
        fake_plan.revert_rc = 0;
        ck_assert_int_eq(experiments_end_all(&d, EXP_HALTED, "halted through the API", NULL), 1);
        ck_assert_int_eq(fake_calls.revert, 2);
        ck_assert_int_eq(x->state, EXP_HALTED);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ASSERT_JOURNAL_FAULT(x, "reverted");
        ASSERT_JOURNAL_EXP(x, "halted");
}
END_TEST

/* A revert that keeps failing is never dropped: still pending after
 * several retries, the halt of a shutting-down daemon included. */
START_TEST(revert_that_keeps_failing_stays_pending)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        fake_plan.revert_rc = -EIO;
        experiment_end(x, EXP_COMPLETED, "duration elapsed");
        ck_assert_int_ne(run_until(x, ended, 1000), 0);
        ck_assert_int_ge(fake_calls.revert, 3); /* 0, +100, +200, +400 ms */
        ck_assert_int_eq(x->state, EXP_REVERTING);
        ck_assert_int_eq(x->faults[0].state, FI_REVERT_PENDING);
        ASSERT_JOURNAL_FAULT(x, "revert-pending");
        ck_assert_int_eq(d.metrics.errors_revert, 1); /* counted once, not per retry */
        (void)experiments_end_all(&d, EXP_HALTED, "chaosd exiting", NULL);
        ck_assert_int_eq(x->state, EXP_REVERTING);
        ASSERT_JOURNAL_EXP(x, "reverting");
}
END_TEST

START_TEST(stop_reverts_once)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        ck_assert_int_eq(x->state, EXP_STOPPED);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        experiment_end(x, EXP_HALTED, "again");
        ck_assert_int_eq(x->state, EXP_STOPPED);
        ck_assert_str_eq(fake_calls.trace, "avr");
}
END_TEST

/* experiment_create speaks errno; api.c turns these into 403/422/409. */
START_TEST(create_errors_are_errno)
{
        struct experiment *x = NULL, *y = NULL;
        struct error e = { 0 };
        pid_t gone = fork();

        ck_assert_int_ge(gone, 0);
        if (gone == 0)
                _exit(0);
        waitpid(gone, NULL, 0);
        ck_assert_int_eq(create_on(gone, "10s", 1, &x, &e), -ESRCH);
        ck_assert_ptr_null(x);
        ck_assert_int_eq(create_on(1, "10s", 1, &x, &e), -EPERM);
        ck_assert_ptr_null(x);
        ck_assert_int_eq(create("10s", &x, &e), 0);
        ck_assert_int_eq(create("10s", &y, &e), -EBUSY);
        ck_assert_ptr_null(y);
        ck_assert_msg(strstr(e.msg, "$.faults[0]: experiment "), "%s", e.msg);
        ck_assert_int_eq(d.metrics.errors_target, 2);
}
END_TEST

/* A daemon killed while an experiment ran: memory and loop are gone, the
 * (fake) kernel change and the journal stay. ID gets the experiment's. */
static void crash_while_running(char *id, size_t len)
{
        struct experiment *x = NULL;
        struct error e = { 0 };

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        snprintf(id, len, "%s", x->id);
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        d.experiments = NULL;
        experiment_free(x);
        loop_free(d.loop);
        ck_assert_int_eq(loop_new(&d.loop, &e), 0);
}

/* The next daemon loads the journal (state names as every version wrote
 * them) and reverts. */
START_TEST(reconcile_reverts_after_a_crash)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        char id[32];
        int reverted = -1, resumed = -1;

        crash_while_running(id, sizeof(id));

        ck_assert_msg(reconcile(&d, 1, &reverted, &resumed, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(reverted, 1);
        ck_assert_int_eq(resumed, 0);
        x = experiment_find(&d, id);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, EXP_HALTED);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ck_assert_str_eq(fake_calls.trace, "avr");
        ASSERT_JOURNAL_FAULT(x, "reverted");
}
END_TEST

START_TEST(reconcile_resumes_a_running_one)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        char id[32];
        int reverted = -1, resumed = -1;

        crash_while_running(id, sizeof(id));

        ck_assert_msg(reconcile(&d, 0, &reverted, &resumed, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(resumed, 1);
        x = experiment_find(&d, id);
        ck_assert_int_eq(x->state, EXP_RUNNING);
        ck_assert_int_eq(x->faults[0].state, FI_ACTIVE);
        /* Verified in place, not applied again. */
        ck_assert_str_eq(fake_calls.trace, "avv");
}
END_TEST

/* At EMFILE a revert that must open a file (a cgroup file, a netlink
 * socket) still runs: the daemon's reserve of descriptors is handed back
 * for it. In a child with a low RLIMIT_NOFILE whose descriptors are all
 * used up; the child's exit status is the verdict. */
static int emfile_child(int with_reserve)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        struct rlimit rl;
        int fd, n = 0;

        /* More than the descriptors experiment_end frees itself (its
         * timers), fewer than the reserve's 8. */
        fake_plan.revert_opens = 6;
        if (create("10s", &x, &e) < 0)
                return 10;
        if (with_reserve && fdreserve_init(0) < 1)
                return 11;
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        rl.rlim_cur = rl.rlim_max = (rlim_t)fd + 16;
        close(fd);
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 12;
        while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0)
                n++;
        if (errno != EMFILE || n < 1)
                return 13;
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        if (x->state == EXP_STOPPED && x->faults[0].state == FI_REVERTED)
                return 0;
        if (x->faults[0].state == FI_REVERT_PENDING && strstr(x->faults[0].error, "Too many open files"))
                return 1;
        return 14;
}

static int emfile_run(int with_reserve)
{
        int status;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(emfile_child(with_reserve));
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status), "status 0x%x", status);
        return WEXITSTATUS(status);
}

START_TEST(revert_at_emfile_uses_the_fd_reserve)
{
        /* Without the reserve the same revert fails at EMFILE (the
         * exhaustion is real), and is left pending... */
        ck_assert_int_eq(emfile_run(0), 1);
        /* ...with it, it succeeds at once. */
        ck_assert_int_eq(emfile_run(1), 0);
}
END_TEST

/* A daemon killed while a revert was pending: the next one finds the
 * "reverting" experiment and its "revert-pending" fault in the journal
 * and retries until the revert succeeds. */
START_TEST(reconcile_retries_a_pending_revert)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        char id[32];
        int reverted = -1, resumed = -1;

        ck_assert_msg(create("10s", &x, &e) == 0, "%s", e.msg);
        snprintf(id, sizeof(id), "%s", x->id);
        fake_plan.revert_rc = -EBUSY;
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        ck_assert_int_eq(x->faults[0].state, FI_REVERT_PENDING);
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        /* The crash: memory and loop gone, the journal stays. */
        d.experiments = NULL;
        experiment_free(x);
        loop_free(d.loop);
        ck_assert_int_eq(loop_new(&d.loop, &e), 0);

        fake_plan.revert_rc = 0;
        fake_plan.revert_failures = 2;
        ck_assert_msg(reconcile(&d, 0, &reverted, &resumed, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(resumed, 0);
        x = experiment_find(&d, id);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->state, EXP_REVERTING);
        ck_assert_int_eq(x->faults[0].state, FI_REVERT_PENDING);
        ck_assert_msg(run_until(x, ended, 10000) == 0, "the retries never reverted it");
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ck_assert_int_eq(x->state, EXP_FAILED); /* the stop's own end died with the process */
        ck_assert_msg(strstr(x->reason, "daemon stopped while reverting"), "%s", x->reason);
        ck_assert_str_eq(fake_calls.revert_saved, "{\"prior\":\"untouched\"}");
        ASSERT_JOURNAL_FAULT(x, "reverted");
        ASSERT_JOURNAL_EXP(x, "failed");
}
END_TEST

/* The warden (chaosd SIGKILLed, no new daemon): a revert left pending is
 * due at once, whatever the deadline, and swept again a second later
 * while it keeps failing. */
START_TEST(warden_retries_a_pending_revert)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        char id[32];
        int64_t next = 0, now;
        int reverted = -1;

        ck_assert_msg(create("60s", &x, &e) == 0, "%s", e.msg);
        snprintf(id, sizeof(id), "%s", x->id);
        fake_plan.revert_rc = -EBUSY;
        experiment_end(x, EXP_STOPPED, "stopped through the API");
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        d.experiments = NULL;
        experiment_free(x);
        loop_free(d.loop);
        ck_assert_int_eq(loop_new(&d.loop, &e), 0);

        now = clock_wall_ms();
        ck_assert_msg(reconcile_expired(&d, &next, &reverted, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(reverted, 1);
        ck_assert_int_eq(fake_calls.revert, 2);
        ck_assert_msg(next > now && next <= now + 5000, "next sweep in %lld ms", (long long)(next - now));
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        {
                struct experiment shadow = { .d = &d };

                snprintf(shadow.id, sizeof(shadow.id), "%s", id);
                ASSERT_JOURNAL_FAULT(&shadow, "revert-pending");
                ASSERT_JOURNAL_EXP(&shadow, "reverting");
                fake_plan.revert_rc = 0;
                ck_assert_msg(reconcile_expired(&d, &next, &reverted, &e) == 0, "%s", e.msg);
                ck_assert_int_eq(journal_flush(d.journal, &e), 0);
                ck_assert_int_eq(fake_calls.revert, 3);
                ASSERT_JOURNAL_FAULT(&shadow, "reverted");
                ASSERT_JOURNAL_EXP(&shadow, "failed");
                ck_assert_int_eq(next, 0);
        }
}
END_TEST

/* Rewrite the journaled spec of ID to SPEC, as a journal written by a
 * version whose specs this one no longer accepts. */
static void journal_replace_spec(const char *id, const char *spec)
{
        struct journal_experiment *v = NULL;
        struct error e = { 0 };
        int n = 0, found = 0;

        ck_assert_int_eq(journal_list_active(d.journal, &v, &n, &e), 0);
        for (int i = 0; i < n; i++)
                if (strcmp(v[i].id, id) == 0) {
                        free(v[i].spec);
                        v[i].spec = strdup(spec);
                        ck_assert_msg(journal_put_experiment(d.journal, &v[i], &e) == 0, "%s", e.msg);
                        found = 1;
                }
        journal_experiments_free(v, n);
        ck_assert(found);
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
}

/* Today's validator refuses SPEC; reconcile (--recover) still reverts the
 * fault from its journaled saved state, then marks the experiment. */
static struct experiment *reconcile_unparsable(const char *spec, int only_revert)
{
        struct experiment *x = NULL;
        struct error e = { 0 };
        struct spec sp;
        char id[32];
        int reverted = -1, resumed = -1;

        ck_assert_int_lt(spec_parse(spec, strlen(spec), 0, 0, &sp, &e), 0);
        crash_while_running(id, sizeof(id));
        journal_replace_spec(id, spec);
        memset(&fake_calls, 0, sizeof(fake_calls));
        ck_assert_msg(reconcile(&d, only_revert, &reverted, &resumed, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(reverted, 1);
        ck_assert_int_eq(resumed, 0);
        x = experiment_find(&d, id);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(fake_calls.revert, 1);
        ck_assert_str_eq(fake_calls.revert_saved, "{\"prior\":\"untouched\"}");
        ck_assert_int_eq(x->state, EXP_FAILED);
        ck_assert_msg(strstr(x->reason, "journaled spec no longer loads"), "%s", x->reason);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ASSERT_JOURNAL_FAULT(x, "reverted");
        ASSERT_JOURNAL_EXP(x, "failed");
        return x;
}

START_TEST(reconcile_reverts_a_spec_with_an_unknown_key)
{
        char spec[512];
        struct experiment *x;

        snprintf(spec, sizeof(spec), "{\"name\":\"lc\",\"duration\":\"10s\",\"target\":{\"pid\":%d},"
                 "\"faults\":[{\"type\":\"fake\"}],\"added_in_a_later_version\":1}", (int)victim);
        x = reconcile_unparsable(spec, 0);
        ck_assert_msg(strstr(x->reason, "added_in_a_later_version"), "%s", x->reason);
        /* The fault's own object still parsed: its parameters were there. */
        ck_assert_int_eq(fake_calls.revert_had_priv, 1);
}
END_TEST

START_TEST(reconcile_reverts_a_spec_over_64k)
{
        _cleanup_free_ char *spec = malloc(80 * 1024), *pad = malloc(70 * 1024);

        memset(pad, 'x', 70 * 1024 - 1);
        pad[70 * 1024 - 1] = '\0';
        snprintf(spec, 80 * 1024, "{\"name\":\"lc\",\"description\":\"%s\",\"duration\":\"10s\","
                 "\"target\":{\"pid\":%d},\"faults\":[{\"type\":\"fake\"}]}", pad, (int)victim);
        (void)reconcile_unparsable(spec, 1);
}
END_TEST

/* Not even JSON, plus a fault row of a type no module knows: the fake is
 * reverted from its saved state alone (no parameters), the other named. */
START_TEST(reconcile_reverts_from_saved_state_alone)
{
        struct error e = { 0 };
        struct experiment *x;
        char id[32];
        int reverted = -1, resumed = -1;

        crash_while_running(id, sizeof(id));
        journal_replace_spec(id, "{\"name\": truncated");
        ck_assert_int_eq(journal_put_fault(d.journal, id, 1, 0, "retired-type", "active", "{\"was\":1}", NULL, NULL,
                                           &e), 0);
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        memset(&fake_calls, 0, sizeof(fake_calls));
        ck_assert_msg(reconcile(&d, 0, &reverted, &resumed, &e) == 0, "%s", e.msg);
        x = experiment_find(&d, id);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(fake_calls.revert, 1);
        ck_assert_int_eq(fake_calls.revert_had_priv, 0);
        ck_assert_str_eq(fake_calls.revert_saved, "{\"prior\":\"untouched\"}");
        ck_assert_int_eq(x->state, EXP_FAILED);
        ck_assert_int_eq(x->faults[0].state, FI_REVERTED);
        ck_assert_msg(strstr(x->reason, "fault 1 not reverted (no module for its type)"), "%s", x->reason);
}
END_TEST

/* The table written out independently of lifecycle.c: every pair not
 * listed must be refused. */
struct legal {
        int from, ev, to;
};

static const struct legal exp_legal[] = {
        { EXP_INJECTING, EXP_EV_INJECTED, EXP_RUNNING },   { EXP_INJECTING, EXP_EV_REVERT, EXP_REVERTING },
        { EXP_RUNNING, EXP_EV_REVERT, EXP_REVERTING },     { EXP_REVERTING, EXP_EV_REVERT, EXP_REVERTING },
        { EXP_REVERTING, EXP_EV_COMPLETE, EXP_COMPLETED }, { EXP_REVERTING, EXP_EV_STOP, EXP_STOPPED },
        { EXP_REVERTING, EXP_EV_HALT, EXP_HALTED },        { EXP_REVERTING, EXP_EV_FAIL, EXP_FAILED },
        { EXP_REVERTING, EXP_EV_TARGET_GONE, EXP_TARGET_GONE }, { EXP_REVERTING, EXP_EV_ABORT, EXP_ABORTED },
};

static const struct legal fault_legal[] = {
        { FI_PENDING, FI_EV_APPLY, FI_APPLYING },
        { FI_PENDING, FI_EV_APPLY_FAILED, FI_FAILED },
        { FI_APPLYING, FI_EV_APPLY, FI_APPLYING },
        { FI_APPLYING, FI_EV_VERIFIED, FI_ACTIVE },
        { FI_APPLYING, FI_EV_FINISHED, FI_DONE },
        { FI_APPLYING, FI_EV_APPLY_FAILED, FI_FAILED },
        { FI_APPLYING, FI_EV_REVERTED, FI_REVERTED },
        { FI_APPLYING, FI_EV_REVERTED_ONESHOT, FI_DONE },
        { FI_APPLYING, FI_EV_REVERT_FAILED, FI_REVERT_PENDING },
        { FI_APPLYING, FI_EV_TARGET_EXITED, FI_RESTARTING },
        { FI_APPLYING, FI_EV_RESUMED, FI_ACTIVE },
        { FI_ACTIVE, FI_EV_APPLY, FI_APPLYING },
        { FI_ACTIVE, FI_EV_FINISHED, FI_DONE },
        { FI_ACTIVE, FI_EV_REVERTED, FI_REVERTED },
        { FI_ACTIVE, FI_EV_REVERTED_ONESHOT, FI_DONE },
        { FI_ACTIVE, FI_EV_REVERT_FAILED, FI_REVERT_PENDING },
        { FI_ACTIVE, FI_EV_TARGET_EXITED, FI_RESTARTING },
        { FI_ACTIVE, FI_EV_RESUMED, FI_ACTIVE },
        { FI_DONE, FI_EV_REVERTED, FI_REVERTED },
        { FI_DONE, FI_EV_REVERTED_ONESHOT, FI_DONE },
        { FI_DONE, FI_EV_REVERT_FAILED, FI_REVERT_PENDING },
        { FI_FAILED, FI_EV_APPLY, FI_APPLYING },
        { FI_FAILED, FI_EV_REVERTED, FI_FAILED },
        { FI_FAILED, FI_EV_REVERTED_ONESHOT, FI_FAILED },
        { FI_FAILED, FI_EV_REVERT_FAILED, FI_REVERT_PENDING },
        { FI_FAILED, FI_EV_RESUMED, FI_ACTIVE },
        { FI_RESTARTING, FI_EV_APPLY, FI_APPLYING },
        { FI_RESTARTING, FI_EV_APPLY_FAILED, FI_FAILED },
        { FI_REVERT_PENDING, FI_EV_REVERTED, FI_REVERTED },
        { FI_REVERT_PENDING, FI_EV_REVERTED_ONESHOT, FI_DONE },
        { FI_REVERT_PENDING, FI_EV_REVERT_FAILED, FI_REVERT_PENDING },
        /* host-rebooted from every state */
        { FI_PENDING, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_APPLYING, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_ACTIVE, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_DONE, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_REVERTED, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_FAILED, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_GONE, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_RESTARTING, FI_EV_HOST_REBOOTED, FI_GONE },
        { FI_REVERT_PENDING, FI_EV_HOST_REBOOTED, FI_GONE },
};

static int expected(const struct legal *t, size_t n, int from, int ev)
{
        for (size_t i = 0; i < n; i++)
                if (t[i].from == from && t[i].ev == ev)
                        return t[i].to;
        return -EINVAL;
}

START_TEST(every_illegal_transition_refused)
{
        int refused = 0;

        for (int s = 0; s < EXP_STATE_MAX; s++)
                for (int ev = 0; ev < EXP_EVENT_MAX; ev++) {
                        int want = expected(exp_legal, ARRAY_SIZE(exp_legal), s, ev);

                        ck_assert_msg(lifecycle_exp_next(s, ev) == want, "experiment %s + %s: %d, want %d",
                                      exp_state_name(s), exp_event_name(ev), lifecycle_exp_next(s, ev), want);
                        refused += want < 0;
                }
        for (int s = 0; s < FAULT_STATE_MAX; s++)
                for (int ev = 0; ev < FAULT_EVENT_MAX; ev++) {
                        int want = expected(fault_legal, ARRAY_SIZE(fault_legal), s, ev);

                        ck_assert_msg(lifecycle_fault_next(s, ev) == want, "fault %s + %s: %d, want %d",
                                      fault_state_name(s), fault_event_name(ev), lifecycle_fault_next(s, ev), want);
                        refused += want < 0;
                }
        ck_assert_int_eq(refused, EXP_STATE_MAX * EXP_EVENT_MAX - (int)ARRAY_SIZE(exp_legal) +
                                          FAULT_STATE_MAX * FAULT_EVENT_MAX - (int)ARRAY_SIZE(fault_legal));
        /* Out of range is refused too, never read past a table. */
        ck_assert_int_eq(lifecycle_exp_next(EXP_STATE_MAX, EXP_EV_REVERT), -EINVAL);
        ck_assert_int_eq(lifecycle_exp_next(EXP_RUNNING, EXP_EVENT_MAX), -EINVAL);
        ck_assert_int_eq(lifecycle_fault_next(FAULT_STATE_MAX, FI_EV_APPLY), -EINVAL);
        ck_assert_int_eq(lifecycle_fault_next(FI_PENDING, (enum fault_event)-1), -EINVAL);
        ck_assert_int_eq(lifecycle_exp_end_event(EXP_RUNNING), -EINVAL);
        for (int s = EXP_COMPLETED; s < EXP_STATE_MAX; s++)
                ck_assert_int_eq(lifecycle_exp_next(EXP_REVERTING, lifecycle_exp_end_event(s)), s);
}
END_TEST

/* The wire and journal names are those of earlier versions. */
START_TEST(names_at_the_boundary)
{
        static const char *const exp_names[] = { "injecting", "running", "reverting",   "completed", "stopped",
                                                 "halted",    "failed",  "target-gone", "aborted" };
        static const char *const fault_names[] = { "pending", "applying", "active", "done",
                                                   "reverted", "failed",  "gone",   "restarting",
                                                   "revert-pending" };
        enum exp_state es;

        ck_assert_int_eq(ARRAY_SIZE(exp_names), EXP_STATE_MAX);
        ck_assert_int_eq(ARRAY_SIZE(fault_names), FAULT_STATE_MAX);
        for (int s = 0; s < EXP_STATE_MAX; s++) {
                ck_assert_str_eq(exp_state_name(s), exp_names[s]);
                ck_assert_int_eq(exp_state_parse(exp_names[s], &es), 0);
                ck_assert_int_eq(es, s);
        }
        ck_assert_int_eq(exp_state_parse("bogus", &es), -EINVAL);
        for (int s = 0; s < FAULT_STATE_MAX; s++) {
                ck_assert_str_eq(fault_state_name(s), fault_names[s]);
                ck_assert_int_eq(fault_state_from_journal(fault_names[s]), s == FI_RESTARTING ? FI_REVERTED : s);
        }
        ck_assert_int_eq(fault_state_from_journal("bogus"), FI_APPLYING);
        ck_assert_int_eq(fault_state_from_journal(NULL), FI_APPLYING);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("lifecycle");
        TCase *pure = tcase_create("transitions"), *core = tcase_create("core");

        tcase_add_test(pure, every_illegal_transition_refused);
        tcase_add_test(pure, names_at_the_boundary);
        suite_add_tcase(s, pure);
        tcase_add_checked_fixture(core, setup, teardown);
        tcase_set_timeout(core, 30);
        tcase_add_test(core, apply_verify_active_deadline_revert);
        tcase_add_test(core, settle_pending_then_verified);
        tcase_add_test(core, settle_fails_rolls_back);
        tcase_add_test(core, failed_apply_rolls_back);
        tcase_add_test(core, failed_apply_leaves_later_faults_untouched);
        tcase_add_test(core, failed_verify_rolls_back);
        tcase_add_test(core, failed_revert_retried_until_it_succeeds);
        tcase_add_test(core, halt_retries_a_pending_revert);
        tcase_add_test(core, revert_that_keeps_failing_stays_pending);
        tcase_add_test(core, stop_reverts_once);
        tcase_add_test(core, create_errors_are_errno);
        tcase_add_test(core, reconcile_reverts_after_a_crash);
        tcase_add_test(core, reconcile_resumes_a_running_one);
        tcase_add_test(core, reconcile_retries_a_pending_revert);
        tcase_add_test(core, revert_at_emfile_uses_the_fd_reserve);
        tcase_add_test(core, warden_retries_a_pending_revert);
        tcase_add_test(core, reconcile_reverts_a_spec_with_an_unknown_key);
        tcase_add_test(core, reconcile_reverts_a_spec_over_64k);
        tcase_add_test(core, reconcile_reverts_from_saved_state_alone);
        suite_add_tcase(s, core);
        return s;
}

int main(void)
{
        return run_suite(suite());
}
