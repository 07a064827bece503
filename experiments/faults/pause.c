/* pause: freeze every process of the target's cgroup with the cgroup
 * freezer until the experiment ends, then thaw it.
 *
 * Spec: {"type": "pause"} and nothing else.
 *
 * The freezer works on whole cgroups: a pid target freezes the cgroup the
 * process is in (on v1 its freezer cgroup), a container target its
 * container's cgroup.
 *
 * Saved state (journalled before the freeze): {"dir": cgroup directory,
 * "cgroup_version": 1|2, "inode": of dir, "prior": "THAWED"}. Revert uses it
 * alone, so it works in a new process after a crash; a directory that is gone
 * or was recreated (another inode) is not ours any more and is left alone.
 *
 * A cgroup that is already frozen or freezing (docker pause, a frozen
 * ancestor, another experiment) is refused with EBUSY rather than "paused"
 * again: that pause would be reported as injected while nothing changed, and
 * its revert would have to leave the cgroup frozen anyway. Never thaw what
 * we did not freeze: a saved prior of FROZEN (from any source) makes revert
 * a no-op.
 *
 * Freezing is asynchronous and on v1 can stay FREEZING for seconds (tasks
 * in uninterruptible sleep on FUSE or NFS). apply writes the freeze and
 * checks once — almost always frozen already — and otherwise answers
 * FAULT_PENDING; settle then looks again from the daemon's loop, so a
 * stubborn cgroup never blocks it, until FROZEN or FREEZER_TIMEOUT_MS
 * (then thawed back and failed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fault.h"
#include "freezer.h"
#include "jsonv.h"
#include "target.h"

static const char *const pause_keys[] = { "type", NULL };

/* f->priv: the freeze in progress between apply and the last settle. */
struct pause_run {
        struct freezer_job job;
};

static int pause_parse(struct fault *f, const cJSON *json, struct error *e)
{
        int r;

        /* No parameters: the duration belongs to the experiment. */
        r = jv_check_object(json, f->path, pause_keys, e);
        if (r < 0)
                return r;
        f->priv = calloc(1, sizeof(struct pause_run));
        return f->priv ? 0 : error_set(e, ENOMEM, "out of memory");
}

/* freezer_start/_progress's answer, as apply/settle give it. */
static int freeze_result(struct fault *f, struct target *t, int r, struct error *e)
{
        struct pause_run *p = f->priv;

        if (r < 0)
                return freezer_gone(r) ? error_set(e, ESRCH, "pause: cgroup %s went away while freezing", t->cgroup)
                                       : error_wrap(e, "pause: cannot freeze %s", t->cgroup);
        if (r == FREEZER_PENDING) {
                f->settle_us = (uint64_t)p->job.delay_us;
                return FAULT_PENDING;
        }
        return 0;
}

/* 1 when DIR still exists and is the incarnation with inode INO. */
static int same_cgroup(const char *dir, uint64_t ino)
{
        struct error ign;
        uint64_t now;

        return cg_inode(dir, &now, &ign) == 0 && (!ino || now == ino);
}

static int pause_apply(struct fault *f, struct target *t, struct error *e)
{
        char dir[4096];
        enum freezer_state prior;
        uint64_t ino;
        cJSON *saved;
        int r;

        if (!t->cgroup[0] || strcmp(t->cgroup, "/") == 0)
                return error_set(e, EPERM, "pause: refusing to freeze the root cgroup");
        r = target_cgroup_dir(t, "freezer", dir, sizeof(dir), e);
        if (r < 0)
                return error_wrap(e, "pause");
        r = cg_inode(dir, &ino, e);
        if (r < 0)
                return r == -ENOENT ? error_set(e, ESRCH, "pause: cgroup %s is gone", t->cgroup)
                                    : error_wrap(e, "pause");
        if (t->cgroup_ino && ino != t->cgroup_ino)
                return error_set(e, ESRCH, "pause: cgroup %s was replaced", t->cgroup);
        r = freezer_get(t->cgv, dir, &prior, NULL, e);
        if (r < 0)
                return freezer_gone(r) ? error_set(e, ESRCH, "pause: cgroup %s is gone", t->cgroup)
                                       : error_wrap(e, "pause");
        if (prior != FREEZER_THAWED)
                return error_set(e, EBUSY,
                                 "pause: cgroup %s is already %s (paused by someone else?); "
                                 "refusing to take it over",
                                 t->cgroup, freezer_state_name(prior));

        saved = fault_saved(f);
        cJSON_AddStringToObject(saved, "dir", dir);
        cJSON_AddNumberToObject(saved, "cgroup_version", t->cgv);
        cJSON_AddNumberToObject(saved, "inode", (double)ino);
        cJSON_AddStringToObject(saved, "prior", freezer_state_name(prior));
        r = fault_checkpoint(f, e);
        if (r < 0)
                return r;

        r = freezer_start(&((struct pause_run *)f->priv)->job, t->cgv, dir, FREEZER_TIMEOUT_MS, e);
        return freeze_result(f, t, r, e);
}

static int pause_settle(struct fault *f, struct target *t, struct error *e)
{
        struct pause_run *p = f->priv;

        return freeze_result(f, t, freezer_progress(&p->job, e), e);
}

/* The saved state; 0 when nothing was saved (apply never got that far). */
static int saved_state(struct fault *f, const char **dir, enum cg_version *v, uint64_t *ino,
                       enum freezer_state *prior, struct error *e)
{
        const cJSON *jd, *jv, *ji, *jp;

        if (!f->saved)
                return 0;
        jd = cJSON_GetObjectItemCaseSensitive(f->saved, "dir");
        jv = cJSON_GetObjectItemCaseSensitive(f->saved, "cgroup_version");
        ji = cJSON_GetObjectItemCaseSensitive(f->saved, "inode");
        jp = cJSON_GetObjectItemCaseSensitive(f->saved, "prior");
        if (!jd)
                return 0;
        if (!cJSON_IsString(jd) || !cJSON_IsNumber(jv) || !cJSON_IsNumber(ji) || !cJSON_IsString(jp) ||
            freezer_state_parse(jp->valuestring, prior) < 0)
                return error_set(e, EINVAL, "pause: corrupt saved state");
        *dir = jd->valuestring;
        *v = jv->valueint == 2 ? CG_V2 : CG_V1;
        *ino = (uint64_t)ji->valuedouble;
        return 1;
}

static int pause_verify(struct fault *f, struct target *t, struct error *e)
{
        const char *dir;
        enum cg_version v;
        enum freezer_state prior, now;
        uint64_t ino;
        cJSON *rb;
        int r, self;

        r = saved_state(f, &dir, &v, &ino, &prior, e);
        if (r <= 0)
                return r < 0 ? r : error_set(e, EINVAL, "pause: verify before apply");
        if (!same_cgroup(dir, ino))
                return error_set(e, ESRCH, "pause: cgroup %s is gone or was replaced", dir);
        r = freezer_get(v, dir, &now, &self, e);
        if (r < 0)
                return freezer_gone(r) ? error_set(e, ESRCH, "pause: cgroup %s is gone", dir)
                                       : error_wrap(e, "pause: verify");
        rb = cJSON_CreateObject();
        if (v == CG_V1) {
                cJSON_AddStringToObject(rb, "freezer.state", freezer_state_name(now));
        } else {
                cJSON_AddNumberToObject(rb, "cgroup.freeze", self);
                cJSON_AddNumberToObject(rb, "frozen", now == FREEZER_FROZEN);
        }
        fault_set_readback(f, rb);
        if (now != FREEZER_FROZEN || !self)
                return error_set(e, EIO, "pause: %s is %s%s, expected FROZEN", dir, freezer_state_name(now),
                                 self ? "" : " and no longer asked to freeze");
        return 0;
}

static int pause_revert(struct fault *f, struct target *t, struct error *e)
{
        const char *dir;
        enum cg_version v;
        enum freezer_state prior;
        uint64_t ino;
        int r;

        r = saved_state(f, &dir, &v, &ino, &prior, e);
        if (r <= 0)
                return r;
        /* Frozen before us: leave it as we found it. */
        if (prior != FREEZER_THAWED)
                return 0;
        /* The container is gone, or a new cgroup took the path: nothing of
         * ours is left to restore. */
        if (!same_cgroup(dir, ino))
                return 0;
        r = freezer_thaw(v, dir, e);
        if (r < 0 && freezer_gone(r))
                return 0;
        return r < 0 ? error_wrap(e, "pause: thaw") : 0;
}

const struct fault_ops fault_pause_ops = {
        .type = "pause",
        .parse = pause_parse,
        .apply = pause_apply,
        .settle = pause_settle,
        .verify = pause_verify,
        .revert = pause_revert,
};
