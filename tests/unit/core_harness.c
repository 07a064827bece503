#include "core_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "events.h"
#include "fsutil.h"
#include "journal_fake.h"
#include "proc.h"
#include "testutil.h"

static void put(const char *dir, const char *name, const char *content)
{
        char path[600];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "we");
        ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
        fputs(content, fp);
        fclose(fp);
}

void harness_init(struct harness *h)
{
        struct error e = { 0 };
        pid_t parent = getpid();

        memset(h, 0, sizeof(*h));
        snprintf(h->dir, sizeof(h->dir), "/tmp/chaosd-coretests-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(h->dir));
        snprintf(h->state, sizeof(h->state), "%s/state", h->dir);
        snprintf(h->kernel, sizeof(h->kernel), "%s/kernel", h->dir);
        ck_assert_int_eq(mkdir(h->kernel, 0700), 0);
        put(h->kernel, "a", "off");
        put(h->kernel, "b", "off");
        ck_assert_msg(proc_boot_id(h->boot_id, sizeof(h->boot_id), &e) == 0, "%s", e.msg);
        ck_assert_int_eq(fault_register(&journal_fake_ops), 0);
        h->target = fork();
        ck_assert_int_ge(h->target, 0);
        if (h->target == 0) {
                /* Dies with the test, whatever way the test ends. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(0);
                for (;;)
                        pause();
        }
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

void harness_cleanup(struct harness *h)
{
        if (h->target > 0) {
                kill(h->target, SIGKILL);
                (void)waitpid(h->target, NULL, 0);
                h->target = 0;
        }
        /* Only the mkdtemp directory made above. */
        if (strncmp(h->dir, "/tmp/chaosd-coretests-", 22) == 0)
                (void)nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void harness_daemon_up(struct daemon *d, const char *state_dir, const char *boot_id)
{
        struct error e = { 0 };

        memset(d, 0, sizeof(*d));
        snprintf(d->state_dir, sizeof(d->state_dir), "%s", state_dir);
        snprintf(d->boot_id, sizeof(d->boot_id), "%s", boot_id);
        d->max_duration_us = 3600ULL * 1000000;
        d->started_ms = harness_wall_ms();
        ck_assert_int_eq(events_new(&d->events), 0);
        ck_assert_msg(loop_new(&d->loop, &e) == 0, "%s", e.msg);
        ck_assert_msg(journal_open(state_dir, &d->journal, &e) == 0, "%s", e.msg);
}

void harness_daemon_down(struct daemon *d)
{
        while (d->experiments) {
                struct experiment *x = d->experiments;

                d->experiments = x->next;
                experiment_free(x);
        }
        journal_close(d->journal);
        events_free(d->events);
        loop_free(d->loop);
        memset(d, 0, sizeof(*d));
}

int harness_create(struct daemon *d, const char *spec, struct experiment **ret, struct error *e)
{
        int http;

        return experiment_create(d, spec, strlen(spec), ret, &http, e);
}

int64_t harness_wall_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *harness_spec(const struct harness *h, const char *name, const char *duration, const char *value)
{
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s,
                                  "{\"name\":\"%s\",\"target\":{\"pid\":%d},\"duration\":\"%s\","
                                  "\"faults\":[{\"type\":\"journal-fake\",\"dir\":\"%s\",\"value\":\"%s\"}]}",
                                  name, (int)h->target, duration, h->kernel, value),
                         0);
        return s;
}

void harness_read(const struct harness *h, const char *name, char *buf, size_t len)
{
        char path[600];
        struct error e;

        snprintf(path, sizeof(path), "%s/%s", h->kernel, name);
        if (fs_read(path, buf, len, &e) < 0)
                buf[0] = '\0';
}

void harness_journal_experiment(struct daemon *d, char *state, size_t slen, char *reason, size_t rlen, char *id)
{
        struct journal_experiment *a = NULL, *r = NULL, *x;
        int na = 0, nr = 0;
        struct error e = { 0 };

        ck_assert_msg(journal_list_active(d->journal, &a, &na, &e) == 0, "%s", e.msg);
        ck_assert_msg(journal_list_recent(d->journal, 50, &r, &nr, &e) == 0, "%s", e.msg);
        ck_assert_msg(na + nr == 1, "the journal holds %d active and %d ended experiments, expected one", na, nr);
        x = na ? &a[0] : &r[0];
        snprintf(state, slen, "%s", x->state ? x->state : "");
        snprintf(reason, rlen, "%s", x->reason ? x->reason : "");
        if (id)
                snprintf(id, 32, "%s", x->id);
        journal_experiments_free(a, na);
        journal_experiments_free(r, nr);
}

void harness_journal_fault(struct daemon *d, const char *id, int idx, char *state, size_t len)
{
        struct journal_fault *f = NULL;
        struct error e = { 0 };
        int n = 0;

        ck_assert_msg(journal_list_faults(d->journal, id, &f, &n, &e) == 0, "%s", e.msg);
        snprintf(state, len, "%s", "(none)");
        for (int i = 0; i < n; i++)
                if (f[i].idx == idx)
                        snprintf(state, len, "%s", f[i].state ? f[i].state : "");
        journal_faults_free(f, n);
}
