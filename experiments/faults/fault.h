/* The fault module interface. One module per fault type (<type>.c here,
 * or in a family's sub-folder: network/, syscall/), registered in
 * registry.c. A module knows nothing about HTTP or the
 * journal: it records the prior state it is about to change in f->saved and
 * calls fault_checkpoint() *before* touching the kernel; the core persists
 * that so revert can run after a crash, in a new process, from f->saved
 * and the parsed parameters alone. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "cgsave.h"
#include "error.h"

struct target;
struct fault;

enum fault_flags {
        FAULT_ONESHOT = 1 << 0, /* an action (kill): nothing to revert or verify as held */
};

/* apply's and settle's answer for "the change is made, the kernel has not
 * finished carrying it out yet" (a cgroup freezing task by task). Positive,
 * so that every "r < 0" error check stays right. */
#define FAULT_PENDING 1

struct fault_ops {
        const char *type; /* the spec's "type" */
        unsigned flags;
        /* Pure: validate JSON (the fault object) and fill f->priv. Errors
         * carry the JSON path (f->path is "$.faults[N]"). */
        int (*parse)(struct fault *f, const cJSON *json, struct error *e);
        /* Change the kernel. Saves prior state into f->saved and calls
         * fault_checkpoint() before each change. On failure, the core calls
         * revert, which must cope with the half-applied state.
         * Returns 0 when the change is in effect, or FAULT_PENDING (only a
         * module with settle) when it is made but still settling. */
        int (*apply)(struct fault *f, struct target *t, struct error *e);
        /* Optional; for changes the kernel completes asynchronously. After
         * apply (or settle) returned FAULT_PENDING, the core calls settle
         * again f->settle_us later, from a timer of its event loop, until
         * it returns 0 (settled: the core verifies, as after apply) or a
         * negative error (the core reverts, as after a failed apply).
         * settle never sleeps or blocks: it checks, nudges the kernel if
         * need be, sets the next f->settle_us and returns. It enforces its
         * own time bound (the module knows what is reasonable) and fails
         * with -ETIMEDOUT past it, having undone its change where it can.
         * The core may instead give up at any time (stop, halt, deadline,
         * shutdown) and call revert without another settle: revert must
         * cope with a fault that never settled. */
        int (*settle)(struct fault *f, struct target *t, struct error *e);
        /* Read the effect back from the kernel into f->readback (a JSON
         * object shown by `get`); fail if it does not match the spec. May be
         * NULL for FAULT_ONESHOT. */
        int (*verify)(struct fault *f, struct target *t, struct error *e);
        /* Restore exactly what f->saved says was there. Idempotent; must
         * succeed on a half-applied fault and on a dead target (return 0
         * when there is nothing left to restore). Works from f->saved
         * alone: after a restart whose journaled spec no longer parses
         * (fault_new_saved), f->priv and f->json are NULL. A failure is
         * retried by the core, with backoff, until it succeeds. */
        int (*revert)(struct fault *f, struct target *t, struct error *e);
        /* Optional: called every f->tick_us while the fault is active. */
        int (*tick)(struct fault *f, struct target *t, struct error *e);
        /* Optional: a child process of ours exited (pid, wait status).
         * Returns 1 if the module owned it. */
        int (*child_exited)(struct fault *f, int pid, int status);
        /* Free f->priv. May be NULL when priv is a plain malloc block. */
        void (*free_priv)(void *priv);
};

struct fault {
        const struct fault_ops *ops;
        int index;          /* position in the spec's faults array */
        char path[64];      /* "$.faults[N]" */
        cJSON *json;        /* the fault's spec object (borrowed) */
        void *priv;         /* parsed parameters, owned by the module */
        cJSON *saved;       /* prior state, persisted by the core (owned) */
        cJSON *readback;    /* verify's read-back (owned) */
        uint64_t tick_us;   /* >0: ops->tick runs at this interval */
        int done;           /* a ONESHOT/tick fault that has finished its work */
        uint64_t settle_us; /* FAULT_PENDING: call ops->settle this much later */
        /* Set by the core: persists f->saved. NULL in unit tests. */
        int (*checkpoint)(struct fault *f, struct error *e);
        void *core;
};

const struct fault_ops *fault_lookup(const char *type);
/* NULL-terminated list of the product's modules (registry.c). */
const struct fault_ops *const *fault_registry(void);
/* Add a module at run time, for tests only (a fake module driving the real
 * core without root). fault_lookup() finds it after the product's own. */
int fault_register(const struct fault_ops *ops);

/* Parse the fault object at index I into a new fault. */
int fault_new(const cJSON *json, int index, struct fault **ret, struct error *e);
/* The same for a fault found at PATH ("$.steps[2].faults[0]"): every
 * error the parse reports names that path. */
int fault_new_at(const cJSON *json, int index, const char *path, struct fault **ret, struct error *e);
/* A fault of TYPE that only knows what the journal saved for it (SAVED,
 * taken over): no parameters, for revert alone. -ENOENT: no module of
 * that type. */
int fault_new_saved(const char *type, int index, cJSON *saved, struct fault **ret, struct error *e);
void fault_free(struct fault *f);
/* f->saved, created as an empty object on first use. */
cJSON *fault_saved(struct fault *f);
/* Persist f->saved now (no-op when the core set no hook). */
int fault_checkpoint(struct fault *f, struct error *e);
/* The cgroup-file saver (lib/cgroup/cgsave.h) over f->saved and
 * fault_checkpoint(). */
struct cgsave fault_cgsave(struct fault *f);
/* Replace f->readback with R (takes ownership). */
void fault_set_readback(struct fault *f, cJSON *r);
