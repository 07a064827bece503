/* The journal and the start-up reconcile, without root.
 *
 * A crash at every step of an experiment's journal history: a forked child
 * runs the real core (experiment_create, the loop's group commit,
 * experiment_end) with the fake module of journal_fake.c, which SIGKILLs
 * the child at a chosen point; the journal on disk is then exactly what a
 * chaosd killed there leaves. The parent runs the start-up reconcile, as a
 * new daemon does, and checks from the outside what it did: the fake's
 * "kernel" files (restored or still changed), the calls the module got
 * (its record survives the kill), and the journal's rows.
 *
 * Then the journal itself (rows, the group commit a SIGKILL may lose), and
 * a journal.db written by the previous version (tests/data/journal-v1). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "core_harness.h"
#include "daemon.h"
#include "fsutil.h"
#include "journal_fake.h"
#include "testutil.h"

/* Where the crashing child stops driving the core after creating the
 * experiment, when no crash point of the module was hit first. */
enum stage {
        ST_CREATED,  /* experiment_create returned; the round not committed */
        ST_RUNNING,  /* the loop's end-of-round commit done */
        ST_STOPPING, /* experiment_end(stopped) called (the module crashes inside) */
        ST_ENDED,    /* ended and committed */
};

static struct harness h;

static void setup(void)
{
        harness_init(&h);
}

static void teardown(void)
{
        harness_cleanup(&h);
}

/* In a child: start an experiment (60 s) on the harness's target through
 * the real core, with the module set to crash at POINT, and go on to
 * STAGE; then SIGKILL. The parent checks that the child died of it. */
static void crash_at(enum journal_fake_point point, enum stage stage)
{
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct daemon d;
                struct experiment *x = NULL;
                struct error e = { 0 };
                _cleanup_free_ char *spec = harness_spec(&h, "crash", "60s", "on");

                journal_fake_crash = point;
                harness_daemon_up(&d, h.state, h.boot_id);
                if (harness_create(&d, spec, &x, &e) < 0) {
                        fprintf(stderr, "experiment_create: %s\n", e.msg);
                        _exit(3);
                }
                if (stage >= ST_RUNNING && journal_flush(d.journal, &e) < 0)
                        _exit(4);
                if (stage >= ST_STOPPING)
                        experiment_end(x, EXP_STOPPED, "stopped through the API");
                if (stage >= ST_ENDED && journal_flush(d.journal, &e) < 0)
                        _exit(4);
                raise(SIGKILL);
                _exit(5);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "the child was to die of SIGKILL; status 0x%x", status);
}

/* What the module was asked since the last call of this function. */
static size_t calls_seen;
static void new_calls(char *buf, size_t len)
{
        char all[4096];
        size_t n;

        harness_read(&h, "calls", all, sizeof(all));
        n = strlen(all);
        /* fs_read strips the trailing newline; keep the lines' shape. */
        snprintf(buf, len, "%s", n > calls_seen ? all + calls_seen + (calls_seen ? 1 : 0) : "");
        calls_seen = n;
}

struct outcome {
        int reverted, resumed;
        char calls[256];           /* the module's calls during reconcile, one a line */
        char a[64], b[64];         /* the fake kernel's files afterwards */
        char state[32], reason[1024], fault[32], id[32];
};

/* A new daemon's start-up: reconcile (ONLY_REVERT as --recover) in boot
 * BOOT_ID, commit, and what came of it. D stays up for the caller. */
static void reconcile_as(struct daemon *d, const char *boot_id, int only_revert, struct outcome *o)
{
        struct error e = { 0 };
        char before[256];

        memset(o, 0, sizeof(*o));
        new_calls(before, sizeof(before));
        harness_daemon_up(d, h.state, boot_id);
        ck_assert_msg(reconcile(d, only_revert, &o->reverted, &o->resumed, &e) == 0, "%s", e.msg);
        ck_assert_msg(journal_flush(d->journal, &e) == 0, "%s", e.msg);
        new_calls(o->calls, sizeof(o->calls));
        harness_read(&h, "a", o->a, sizeof(o->a));
        harness_read(&h, "b", o->b, sizeof(o->b));
        harness_journal_experiment(d, o->state, sizeof(o->state), o->reason, sizeof(o->reason), o->id);
        harness_journal_fault(d, o->id, 0, o->fault, sizeof(o->fault));
}

static void reconcile_now(struct daemon *d, struct outcome *o)
{
        reconcile_as(d, h.boot_id, 0, o);
}

/* What a reconcile must have come to. */
struct want {
        int reverted, resumed;
        const char *calls;  /* the module's calls, one a line */
        const char *a, *b;  /* the fake's files */
        const char *state;  /* the experiment's, in the journal */
        const char *reason; /* a part of its reason; NULL: any */
        const char *fault;  /* the fault's, in the journal */
};

static void check(const struct outcome *o, const struct want *w)
{
        ck_assert_int_eq(o->reverted, w->reverted);
        ck_assert_int_eq(o->resumed, w->resumed);
        ck_assert_str_eq(o->calls, w->calls);
        ck_assert_str_eq(o->a, w->a);
        ck_assert_str_eq(o->b, w->b);
        ck_assert_str_eq(o->state, w->state);
        if (w->reason)
                ck_assert_msg(strstr(o->reason, w->reason), "reason \"%s\", expected a \"%s\"", o->reason, w->reason);
        ck_assert_str_eq(o->fault, w->fault);
}

/* The fake's files as the crash left them. */
static void check_files(const char *a, const char *b)
{
        char now[64];

        harness_read(&h, "a", now, sizeof(now));
        ck_assert_str_eq(now, a);
        harness_read(&h, "b", now, sizeof(now));
        ck_assert_str_eq(now, b);
}

/* Crash at POINT/STAGE leaving the files A_B ("a b"), reconcile in this
 * boot, expect W. */
static void crash_and_reconcile(enum journal_fake_point point, enum stage stage, const char *a, const char *b,
                                const struct want *w)
{
        struct daemon d;
        struct outcome o;

        crash_at(point, stage);
        check_files(a, b);
        reconcile_now(&d, &o);
        check(&o, w);
        harness_daemon_down(&d);
}

/* Killed while injecting: the journal says "injecting", so the new daemon
 * reverts from what was checkpointed and ends it failed. */
static const struct want injecting_reverted = {
        .reverted = 1, .calls = "revert", .a = "off", .b = "off", .state = "failed",
        .reason = "daemon stopped while injecting", .fault = "reverted",
};

START_TEST(crash_after_intent_reverted)
{
        /* a's prior is journaled, a not yet changed: revert finds only a
         * saved and writes back what a already holds. */
        crash_and_reconcile(JF_INTENT, ST_CREATED, "off", "off", &injecting_reverted);
}
END_TEST

START_TEST(crash_after_change_reverted)
{
        crash_and_reconcile(JF_CHANGED, ST_CREATED, "on", "off", &injecting_reverted);
}
END_TEST

START_TEST(crash_after_checkpoint_reverted)
{
        /* b's prior journaled too, b untouched: both restored. */
        crash_and_reconcile(JF_CHECKPOINT, ST_CREATED, "on", "off", &injecting_reverted);
}
END_TEST

START_TEST(crash_at_end_of_apply_reverted)
{
        crash_and_reconcile(JF_APPLIED, ST_CREATED, "on", "on", &injecting_reverted);
}
END_TEST

/* Applied and verified, but the round's commit never happened: the
 * journal still says "injecting"/"applying" — what a SIGKILL between two
 * flushes loses is only what reconcile re-checks. */
START_TEST(crash_before_round_commit_reverted)
{
        char calls[256];

        crash_and_reconcile(JF_NEVER, ST_CREATED, "on", "on", &injecting_reverted);
        harness_read(&h, "calls", calls, sizeof(calls));
        ck_assert_str_eq(calls, "apply\nverify\nrevert");
}
END_TEST

/* Running, committed, deadline ahead: verified and resumed, not reverted;
 * the experiment then ends as any other. */
START_TEST(crash_while_running_resumed)
{
        struct daemon d;
        struct outcome o;
        struct error e = { 0 };

        crash_at(JF_NEVER, ST_RUNNING);
        reconcile_now(&d, &o);
        check(&o, &(struct want){ .resumed = 1, .calls = "verify", .a = "on", .b = "on", .state = "running",
                                  .fault = "active" });
        ck_assert_ptr_nonnull(experiment_find(&d, o.id));
        experiment_end(experiment_find(&d, o.id), EXP_STOPPED, "stopped by the test");
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        new_calls(o.calls, sizeof(o.calls));
        harness_read(&h, "a", o.a, sizeof(o.a));
        harness_read(&h, "b", o.b, sizeof(o.b));
        harness_journal_experiment(&d, o.state, sizeof(o.state), o.reason, sizeof(o.reason), NULL);
        harness_journal_fault(&d, o.id, 0, o.fault, sizeof(o.fault));
        check(&o, &(struct want){ .resumed = 1, .calls = "revert", .a = "off", .b = "off", .state = "stopped",
                                  .fault = "reverted" });
        harness_daemon_down(&d);
}
END_TEST

/* Running, but someone put a back: verify fails, so the recorded change
 * is reverted and the fault applied afresh. */
START_TEST(crash_while_running_undone_reapplied)
{
        struct daemon d;
        struct outcome o;
        struct error e = { 0 };
        char path[600];

        crash_at(JF_NEVER, ST_RUNNING);
        snprintf(path, sizeof(path), "%s/a", h.kernel);
        ck_assert_int_eq(fs_write(path, "of", &e), 0); /* fs_write does not truncate */
        reconcile_now(&d, &o);
        check(&o, &(struct want){ .resumed = 1, .calls = "verify\nrevert\napply\nverify", .a = "on", .b = "on",
                                  .state = "running", .fault = "active" });
        harness_daemon_down(&d);
}
END_TEST

/* Running when killed; the deadline passed while no daemon ran. */
START_TEST(crash_while_running_expired_reverted)
{
        struct daemon d;
        struct outcome o;
        struct error e = { 0 };

        crash_at(JF_NEVER, ST_RUNNING);
        /* The clock moves on: the journal's deadline is now in the past. */
        harness_daemon_up(&d, h.state, h.boot_id);
        harness_journal_experiment(&d, o.state, sizeof(o.state), o.reason, sizeof(o.reason), o.id);
        ck_assert_int_eq(journal_set_deadline(d.journal, o.id, harness_wall_ms() - 1000, &e), 0);
        harness_daemon_down(&d);
        reconcile_now(&d, &o);
        check(&o, &(struct want){ .reverted = 1, .calls = "revert", .a = "off", .b = "off", .state = "completed",
                                  .reason = "duration elapsed", .fault = "reverted" });
        harness_daemon_down(&d);
}
END_TEST

/* Running when killed; the target exited meanwhile. The revert still runs
 * (a module's undo must not depend on its target living). */
START_TEST(crash_while_running_target_gone)
{
        struct daemon d;
        struct outcome o;

        crash_at(JF_NEVER, ST_RUNNING);
        kill(h.target, SIGKILL);
        ck_assert_int_eq(waitpid(h.target, NULL, 0), h.target);
        h.target = 0;
        reconcile_now(&d, &o);
        check(&o, &(struct want){ .reverted = 1, .calls = "revert", .a = "off", .b = "off",
                                  .state = "target-gone", .reason = "target gone", .fault = "reverted" });
        harness_daemon_down(&d);
}
END_TEST

/* Another boot id: nothing survives a reboot, and a pid of the old boot
 * may now be someone else: nothing is touched, not even revert called. */
START_TEST(crash_then_reboot_touches_nothing)
{
        struct daemon d;
        struct outcome o;

        crash_at(JF_NEVER, ST_RUNNING);
        reconcile_as(&d, "00000000-0000-0000-0000-000000000000", 0, &o);
        check(&o, &(struct want){ .calls = "", .a = "on", .b = "on", .state = "halted", .reason = "rebooted",
                                  .fault = "gone" });
        harness_daemon_down(&d);
}
END_TEST

/* chaosd --recover: everything reverted, even what could resume. */
START_TEST(crash_then_recover_reverts_running)
{
        struct daemon d;
        struct outcome o;

        crash_at(JF_NEVER, ST_RUNNING);
        reconcile_as(&d, h.boot_id, 1, &o);
        check(&o, &(struct want){ .reverted = 1, .calls = "revert", .a = "off", .b = "off", .state = "halted",
                                  .reason = "chaosd --recover", .fault = "reverted" });
        harness_daemon_down(&d);
}
END_TEST

/* Killed inside a stop's revert, before (STARTED) or after (DONE) the
 * module restored anything: "reverting" was committed before the first
 * revert, so the new daemon finishes the stop — it never resumes — and
 * reverts again, which the interface makes idempotent. The stop's own end
 * state died with the process: the experiment ends failed. */
static const struct want reverting_reverted = {
        .reverted = 1, .calls = "revert", .a = "off", .b = "off", .state = "failed", .fault = "reverted",
};

START_TEST(crash_when_revert_started_reverted)
{
        crash_and_reconcile(JF_REVERT_STARTED, ST_STOPPING, "on", "on", &reverting_reverted);
}
END_TEST

START_TEST(crash_when_revert_done_reverted_again)
{
        crash_and_reconcile(JF_REVERT_DONE, ST_STOPPING, "off", "off", &reverting_reverted);
}
END_TEST

/* Ended and committed: nothing to reconcile, the module is not called. */
START_TEST(crash_after_end_left_alone)
{
        crash_and_reconcile(JF_NEVER, ST_ENDED, "off", "off",
                            &(struct want){ .calls = "", .a = "off", .b = "off", .state = "stopped",
                                            .reason = "stopped through the API", .fault = "reverted" });
}
END_TEST

/* --- the journal itself ------------------------------------------------ */

static void put_experiment(struct journal *j, const char *id, const char *state, int64_t created)
{
        struct journal_experiment x = {
                .name = "n", .spec = "{}", .state = (char *)state, .boot_id = "b", .targets = "[]",
                .created_ms = created, .deadline_ms = created + 1000,
        };
        struct error e = { 0 };

        snprintf(x.id, sizeof(x.id), "%s", id);
        ck_assert_msg(journal_put_experiment(j, &x, &e) == 0, "%s", e.msg);
}

START_TEST(journal_rows_round_trip)
{
        struct journal *j = NULL;
        struct journal_experiment *v = NULL;
        struct journal_fault *f = NULL;
        struct error e = { 0 };
        int n = 0;

        ck_assert_msg(journal_open(h.state, &j, &e) == 0, "%s", e.msg);
        put_experiment(j, "e1", "running", 100);
        put_experiment(j, "e2", "completed", 200);
        put_experiment(j, "e3", "reverting", 300);
        put_experiment(j, "e4", "stopped", 400);
        ck_assert_int_eq(journal_put_fault(j, "e1", 0, 0, "pause", "applying", "{\"prior\":\"THAWED\"}", NULL, NULL, &e), 0);
        /* NULL columns keep what was there: a later state change must not
         * drop the saved prior state. */
        ck_assert_int_eq(journal_put_fault(j, "e1", 0, 0, "pause", "active", NULL, "{\"rb\":1}", NULL, &e), 0);
        ck_assert_int_eq(journal_set_state(j, "e1", "stopped", "why", 150, &e), 0);
        ck_assert_int_eq(journal_flush(j, &e), 0);

        ck_assert_int_eq(journal_list_active(j, &v, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(v[0].id, "e3");
        journal_experiments_free(v, n);
        ck_assert_int_eq(journal_list_recent(j, 2, &v, &n, &e), 0);
        ck_assert_int_eq(n, 2); /* the limit holds; newest first */
        ck_assert_str_eq(v[0].id, "e4");
        ck_assert_str_eq(v[1].id, "e2");
        journal_experiments_free(v, n);
        ck_assert_int_eq(journal_list_recent(j, 10, &v, &n, &e), 0);
        ck_assert_int_eq(n, 3);
        ck_assert_str_eq(v[2].id, "e1");
        ck_assert_str_eq(v[2].reason, "why");
        ck_assert_int_eq(v[2].ended_ms, 150);
        journal_experiments_free(v, n);
        ck_assert_int_eq(journal_list_faults(j, "e1", &f, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(f[0].state, "active");
        ck_assert_str_eq(f[0].saved, "{\"prior\":\"THAWED\"}");
        ck_assert_str_eq(f[0].readback, "{\"rb\":1}");
        ck_assert_ptr_null(f[0].error);
        journal_faults_free(f, n);
        journal_close(j);
}
END_TEST

/* journal.h's promise: writes are grouped until journal_flush; a SIGKILL
 * loses the uncommitted ones and keeps the committed ones whole. */
START_TEST(journal_sigkill_keeps_only_flushed)
{
        struct journal *j = NULL;
        struct journal_experiment *v = NULL;
        struct error e = { 0 };
        int n = 0, status;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (journal_open(h.state, &j, &e) < 0)
                        _exit(3);
                put_experiment(j, "flushed", "running", 100);
                if (journal_flush(j, &e) < 0)
                        _exit(4);
                put_experiment(j, "lost", "running", 200);
                (void)journal_set_state(j, "flushed", "stopped", "never committed", 300, &e);
                raise(SIGKILL);
                _exit(5);
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ck_assert_msg(journal_open(h.state, &j, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(journal_list_active(j, &v, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(v[0].id, "flushed");
        ck_assert_str_eq(v[0].state, "running");
        journal_experiments_free(v, n);
        ck_assert_int_eq(journal_list_recent(j, 10, &v, &n, &e), 0);
        ck_assert_int_eq(n, 0);
        journal_experiments_free(v, n);
        journal_close(j);
}
END_TEST

START_TEST(journal_unwritable_dir_is_an_error)
{
        struct journal *j = NULL;
        struct error e = { 0 };
        char path[600];

        /* A file where the state dir should be. */
        snprintf(path, sizeof(path), "%s/a", h.kernel);
        ck_assert_int_lt(journal_open(path, &j, &e), 0);
        /* The error names the file it could not open. */
        ck_assert_msg(strstr(e.msg, path), "%s", e.msg);
        ck_assert_ptr_null(j);
}
END_TEST

/* --- a journal written by the previous version ------------------------- */

#define V1_ID "17838f31a0e7"
#define V1_BOOT "735b26d4-94f8-4dfb-94bc-d5633f3739ec"

/* Copy tests/data/journal-v1/journal.db into the harness's state dir. */
static void copy_v1_journal(void)
{
        char src[PATH_MAX], dst[600];
        _cleanup_free_ char *data = NULL;
        ssize_t n;
        struct error e = { 0 };
        FILE *fp;

        /* Next to the build tree (build/tests/unit/..), else from the
         * source tree's root, where run-all.sh runs. */
        if (built_path("../../../tests/data/journal-v1/journal.db", "CHAOSD_JOURNAL_V1", src, sizeof(src)) < 0 &&
            !realpath("tests/data/journal-v1/journal.db", src))
                ck_abort_msg("no tests/data/journal-v1/journal.db (set CHAOSD_JOURNAL_V1)");
        n = fs_read_alloc(src, 1 << 20, &data, &e);
        ck_assert_msg(n > 0, "%s", e.msg);
        ck_assert_int_eq(mkdir(h.state, 0700), 0);
        snprintf(dst, sizeof(dst), "%s/journal.db", h.state);
        fp = fopen(dst, "we");
        ck_assert_ptr_nonnull(fp);
        ck_assert_int_eq(fwrite(data, 1, (size_t)n, fp), (size_t)n);
        fclose(fp);
}

START_TEST(v1_journal_loads)
{
        struct journal *j = NULL;
        struct journal_experiment *v = NULL;
        struct journal_fault *f = NULL;
        struct error e = { 0 };
        int n = 0;

        copy_v1_journal();
        ck_assert_msg(journal_open(h.state, &j, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(journal_list_active(j, &v, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(v[0].id, V1_ID);
        ck_assert_str_eq(v[0].state, "running");
        ck_assert_str_eq(v[0].boot_id, V1_BOOT);
        ck_assert_ptr_nonnull(strstr(v[0].targets, "\"cgroup\":\"/chaosd-coretests-fixture\""));
        journal_experiments_free(v, n);
        ck_assert_int_eq(journal_list_faults(j, V1_ID, &f, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(f[0].type, "pause");
        ck_assert_str_eq(f[0].state, "active");
        ck_assert_ptr_nonnull(strstr(f[0].saved, "\"prior\":\"THAWED\""));
        journal_faults_free(f, n);
        journal_close(j);
}
END_TEST

/* Reconcile the copy of the old file as a daemon in boot BOOT; the
 * experiment's and its fault's states afterwards. */
static void v1_reconcile(const char *boot, int *reverted, int *resumed, char *state, char *fault)
{
        struct daemon d;
        struct error e = { 0 };
        char reason[1024];

        harness_daemon_up(&d, h.state, boot);
        ck_assert_msg(reconcile(&d, 0, reverted, resumed, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(journal_flush(d.journal, &e), 0);
        harness_journal_experiment(&d, state, 32, reason, sizeof(reason), NULL);
        harness_journal_fault(&d, V1_ID, 0, fault, 32);
        harness_daemon_down(&d);
}

/* The whole reconcile of the old file, in the boot it names: its cgroup is
 * not there (an empty fake cgroupfs), so it ends target-gone with its
 * pause reverted as far as anything is left — the old rows went through
 * the new load, parse and revert paths. */
START_TEST(v1_journal_reconciled)
{
        char state[32], fault[32], root[600];
        int reverted = -1, resumed = -1;

        copy_v1_journal();
        snprintf(root, sizeof(root), "%s/cgroupfs", h.dir);
        ck_assert_int_eq(mkdir(root, 0700), 0);
        setenv("CHAOSD_CGROUP_ROOT", root, 1);
        setenv("CHAOSD_CGROUP_VERSION", "1", 1);
        v1_reconcile(V1_BOOT, &reverted, &resumed, state, fault);
        ck_assert_int_eq(reverted, 1);
        ck_assert_int_eq(resumed, 0);
        ck_assert_str_eq(state, "target-gone");
        ck_assert_str_eq(fault, "reverted");
}
END_TEST

/* The same file on another boot (any machine but the one that wrote it):
 * nothing touched, ended halted. */
START_TEST(v1_journal_other_boot_halted)
{
        char state[32], fault[32];
        int reverted = -1, resumed = -1;

        copy_v1_journal();
        v1_reconcile("00000000-0000-0000-0000-000000000000", &reverted, &resumed, state, fault);
        ck_assert_int_eq(resumed, 0);
        ck_assert_str_eq(state, "halted");
        ck_assert_str_eq(fault, "gone");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("journal");
        TCase *crash = tcase_create("crash"), *journal = tcase_create("journal"), *v1 = tcase_create("v1");

        tcase_add_checked_fixture(crash, setup, teardown);
        tcase_add_checked_fixture(journal, setup, teardown);
        tcase_add_checked_fixture(v1, setup, teardown);
        tcase_set_timeout(crash, 30);
        tcase_set_timeout(journal, 30);
        tcase_set_timeout(v1, 30);
        tcase_add_test(crash, crash_after_intent_reverted);
        tcase_add_test(crash, crash_after_change_reverted);
        tcase_add_test(crash, crash_after_checkpoint_reverted);
        tcase_add_test(crash, crash_at_end_of_apply_reverted);
        tcase_add_test(crash, crash_before_round_commit_reverted);
        tcase_add_test(crash, crash_while_running_resumed);
        tcase_add_test(crash, crash_while_running_undone_reapplied);
        tcase_add_test(crash, crash_while_running_expired_reverted);
        tcase_add_test(crash, crash_while_running_target_gone);
        tcase_add_test(crash, crash_then_reboot_touches_nothing);
        tcase_add_test(crash, crash_then_recover_reverts_running);
        tcase_add_test(crash, crash_when_revert_started_reverted);
        tcase_add_test(crash, crash_when_revert_done_reverted_again);
        tcase_add_test(crash, crash_after_end_left_alone);
        tcase_add_test(journal, journal_rows_round_trip);
        tcase_add_test(journal, journal_sigkill_keeps_only_flushed);
        tcase_add_test(journal, journal_unwritable_dir_is_an_error);
        tcase_add_test(v1, v1_journal_loads);
        tcase_add_test(v1, v1_journal_reconciled);
        tcase_add_test(v1, v1_journal_other_boot_halted);
        suite_add_tcase(s, crash);
        suite_add_tcase(s, journal);
        suite_add_tcase(s, v1);
        return run_suite(s);
}
