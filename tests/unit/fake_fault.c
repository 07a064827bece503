#include "fake_fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

struct fake_fault_plan fake_plan;
struct fake_fault_calls fake_calls;

static void trace(char c)
{
        size_t n = strlen(fake_calls.trace);

        if (n + 1 < sizeof(fake_calls.trace))
                fake_calls.trace[n] = c;
}

static int fake_parse(struct fault *f, const cJSON *json, struct error *e)
{
        fake_calls.parse++;
        /* Parameters exist (revert_had_priv tells a parsed fault from one
         * rebuilt from the journal's saved state alone). */
        f->priv = strdup("fake");
        return f->priv ? 0 : error_set(e, ENOMEM, "out of memory");
}

static int fake_apply(struct fault *f, struct target *t, struct error *e)
{
        int r;

        fake_calls.apply++;
        trace('a');
        if (fake_plan.checkpoint) {
                cJSON_AddStringToObject(fault_saved(f), "prior", "untouched");
                r = fault_checkpoint(f, e);
                if (r < 0)
                        return r;
        }
        if (fake_plan.apply_rc == FAULT_PENDING)
                f->settle_us = 1000;
        if (fake_plan.apply_rc < 0)
                return error_set(e, -fake_plan.apply_rc, "fake apply told to fail");
        return fake_plan.apply_rc;
}

static int fake_settle(struct fault *f, struct target *t, struct error *e)
{
        fake_calls.settle++;
        trace('s');
        if (fake_plan.settle_pending > 0) {
                fake_plan.settle_pending--;
                f->settle_us = 1000;
                return FAULT_PENDING;
        }
        if (fake_plan.settle_rc < 0)
                return error_set(e, -fake_plan.settle_rc, "fake settle told to fail");
        return 0;
}

static int fake_verify(struct fault *f, struct target *t, struct error *e)
{
        fake_calls.verify++;
        trace('v');
        if (fake_plan.verify_rc < 0)
                return error_set(e, -fake_plan.verify_rc, "fake verify told to fail");
        fault_set_readback(f, cJSON_CreateObject());
        return 0;
}

static int fake_revert(struct fault *f, struct target *t, struct error *e)
{
        char *saved = f->saved ? cJSON_PrintUnformatted(f->saved) : NULL;

        fake_calls.revert++;
        trace('r');
        snprintf(fake_calls.revert_saved, sizeof(fake_calls.revert_saved), "%s", saved ? saved : "");
        free(saved);
        fake_calls.revert_had_priv = f->priv != NULL;
        if (fake_plan.revert_opens > 0) {
                int fds[16], n = 0, err = 0;

                while (n < fake_plan.revert_opens && n < 16) {
                        fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        if (fds[n] < 0) {
                                err = errno;
                                break;
                        }
                        n++;
                }
                while (n > 0)
                        close(fds[--n]);
                if (err)
                        return error_sys(e, err, "fake revert: open /dev/null");
        }
        if (fake_plan.revert_failures > 0) {
                fake_plan.revert_failures--;
                return error_set(e, EBUSY, "fake revert told to fail (%d more)", fake_plan.revert_failures);
        }
        if (fake_plan.revert_rc < 0)
                return error_set(e, -fake_plan.revert_rc, "fake revert told to fail");
        return 0;
}

static const struct fault_ops fake_ops = {
        .type = "fake",
        .parse = fake_parse,
        .apply = fake_apply,
        .settle = fake_settle,
        .verify = fake_verify,
        .revert = fake_revert,
};

void fake_fault_setup(void)
{
        (void)fault_register(&fake_ops);
        memset(&fake_calls, 0, sizeof(fake_calls));
        memset(&fake_plan, 0, sizeof(fake_plan));
        fake_plan.checkpoint = 1;
}
