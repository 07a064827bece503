/* A fake fault module for the core's unit tests (journal, reconcile, API):
 * its "kernel" is two plain files, DIR/a and DIR/b, and every call of its
 * ops is appended to DIR/calls, a file that outlives a process the test
 * SIGKILLs. The spec names DIR, so a reconcile in a new process finds the
 * same files through the journaled spec alone, as a real module finds its
 * cgroup or namespace.
 *
 *   {"type": "journal-fake", "dir": "/tmp/...", "value": "on"}
 *
 * apply changes a, then b, each after saving its prior value and
 * checkpointing, as the interface demands; JOURNAL_FAKE_CRASH names the
 * point (journal_fake.h) at which the calling process SIGKILLs itself, so
 * the journal is left exactly as the daemon leaves it when killed there.
 * No root, nothing of the kernel touched. */
#include "journal_fake.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "jsonv.h"

enum journal_fake_point journal_fake_crash = JF_NEVER;

struct jf_params {
        char dir[512];
        char value[64];
};

static const char *const jf_keys[] = { "type", "dir", "value", NULL };

static void crash_point(enum journal_fake_point p)
{
        /* SIGKILL, not exit: no atexit, no flush, no destructor runs, so
         * an open journal transaction is lost as it is in a real crash. */
        if (journal_fake_crash == p)
                raise(SIGKILL);
}

/* Append "OP" to DIR/calls: the record of what the core asked, kept in a
 * file so that the calls of a killed process are still there. */
static void note(const struct jf_params *p, const char *op)
{
        char path[600];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "%s/calls", p->dir);
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0)
                (void)!write(fd, op, strlen(op)), (void)!write(fd, "\n", 1);
}

static int file_read(const struct jf_params *p, const char *name, char *buf, size_t len, struct error *e)
{
        char path[600];

        snprintf(path, sizeof(path), "%s/%s", p->dir, name);
        return fs_read(path, buf, len, e) < 0 ? error_wrap(e, "journal-fake") : 0;
}

/* Plain files, unlike cgroupfs, keep the tail of a longer old value:
 * truncate. */
static int file_write(const struct jf_params *p, const char *name, const char *value, struct error *e)
{
        char path[600];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof(path), "%s/%s", p->dir, name);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return error_sys(e, errno, "journal-fake: open %s", path);
        if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
                return error_sys(e, errno, "journal-fake: write %s", path);
        return 0;
}

static int jf_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct jf_params *p = calloc(1, sizeof(*p));
        const char *dir, *value;
        int r;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, jf_keys, e);
        if (r < 0)
                return r;
        r = jv_string(json, f->path, "dir", 1, &dir, e);
        if (r < 0)
                return r;
        r = jv_string(json, f->path, "value", 1, &value, e);
        if (r < 0)
                return r;
        snprintf(p->dir, sizeof(p->dir), "%s", dir);
        snprintf(p->value, sizeof(p->value), "%s", value);
        f->priv = TAKE_PTR(p);
        return 0;
}

/* Save NAME's prior value (first time only), checkpoint, then write. */
static int change(struct fault *f, const char *name, enum journal_fake_point after_intent, struct error *e)
{
        const struct jf_params *p = f->priv;
        cJSON *saved = fault_saved(f);
        char prior[64];
        int r;

        if (!saved)
                return error_set(e, ENOMEM, "out of memory");
        if (!cJSON_GetObjectItemCaseSensitive(saved, name)) {
                r = file_read(p, name, prior, sizeof(prior), e);
                if (r < 0)
                        return r;
                cJSON_AddStringToObject(saved, name, prior);
        }
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r;
        crash_point(after_intent);
        return file_write(p, name, p->value, e);
}

static int jf_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct jf_params *p = f->priv;
        int r;

        note(p, "apply");
        r = change(f, "a", JF_INTENT, e);
        if (r < 0)
                return r;
        crash_point(JF_CHANGED);
        r = change(f, "b", JF_CHECKPOINT, e);
        if (r < 0)
                return r;
        crash_point(JF_APPLIED);
        return 0;
}

static int jf_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct jf_params *p = f->priv;
        char a[64], b[64];
        cJSON *rb;

        note(p, "verify");
        if (file_read(p, "a", a, sizeof(a), e) < 0 || file_read(p, "b", b, sizeof(b), e) < 0)
                return -EIO;
        if (strcmp(a, p->value) != 0 || strcmp(b, p->value) != 0)
                return error_set(e, EIO, "journal-fake: a=\"%s\" b=\"%s\", expected \"%s\"", a, b, p->value);
        rb = cJSON_CreateObject();
        cJSON_AddStringToObject(rb, "a", a);
        cJSON_AddStringToObject(rb, "b", b);
        fault_set_readback(f, rb);
        return 0;
}

/* From f->saved alone, newest change first. Nothing saved (apply never
 * got that far): nothing to restore. */
static int jf_revert(struct fault *f, struct target *t, struct error *e)
{
        const struct jf_params *p = f->priv;
        static const char *const names[] = { "b", "a" };

        note(p, "revert");
        crash_point(JF_REVERT_STARTED);
        for (size_t i = 0; i < 2; i++) {
                const cJSON *prior = cJSON_GetObjectItemCaseSensitive(f->saved, names[i]);

                if (cJSON_IsString(prior) && file_write(p, names[i], prior->valuestring, e) < 0)
                        return -EIO;
        }
        crash_point(JF_REVERT_DONE);
        return 0;
}

const struct fault_ops journal_fake_ops = {
        .type = "journal-fake",
        .parse = jf_parse,
        .apply = jf_apply,
        .verify = jf_verify,
        .revert = jf_revert,
};
