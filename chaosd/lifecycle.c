#include "lifecycle.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cleanup.h"

/* Tables hold next + 1, so that an absent entry (0) means "illegal". */
#define TO(s) ((s) + 1)

static const unsigned char exp_next[EXP_STATE_MAX][EXP_EVENT_MAX] = {
        [EXP_INJECTING] = {
                [EXP_EV_INJECTED] = TO(EXP_RUNNING),
                [EXP_EV_REVERT] = TO(EXP_REVERTING),
        },
        [EXP_RUNNING] = {
                [EXP_EV_REVERT] = TO(EXP_REVERTING),
        },
        /* Reverting again: a daemon killed half-way through a stop
         * finishes it at restart. */
        [EXP_REVERTING] = {
                [EXP_EV_REVERT] = TO(EXP_REVERTING),
                [EXP_EV_COMPLETE] = TO(EXP_COMPLETED),
                [EXP_EV_STOP] = TO(EXP_STOPPED),
                [EXP_EV_HALT] = TO(EXP_HALTED),
                [EXP_EV_FAIL] = TO(EXP_FAILED),
                [EXP_EV_TARGET_GONE] = TO(EXP_TARGET_GONE),
                [EXP_EV_ABORT] = TO(EXP_ABORTED),
        },
        /* End states are final. */
};

static const unsigned char fault_next[FAULT_STATE_MAX][FAULT_EVENT_MAX] = {
        [FI_PENDING] = {
                [FI_EV_APPLY] = TO(FI_APPLYING),
                /* refused before anything was touched (another experiment holds the target) */
                [FI_EV_APPLY_FAILED] = TO(FI_FAILED),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_APPLYING] = {
                [FI_EV_APPLY] = TO(FI_APPLYING), /* each checkpoint, a re-apply at resume */
                [FI_EV_VERIFIED] = TO(FI_ACTIVE),
                [FI_EV_FINISHED] = TO(FI_DONE),
                [FI_EV_APPLY_FAILED] = TO(FI_FAILED),
                [FI_EV_REVERTED] = TO(FI_REVERTED), /* given up while settling */
                [FI_EV_REVERTED_ONESHOT] = TO(FI_DONE),
                [FI_EV_REVERT_FAILED] = TO(FI_REVERT_PENDING),
                [FI_EV_TARGET_EXITED] = TO(FI_RESTARTING),
                [FI_EV_RESUMED] = TO(FI_ACTIVE),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_ACTIVE] = {
                [FI_EV_APPLY] = TO(FI_APPLYING), /* undone behind our back: re-applied at resume */
                [FI_EV_FINISHED] = TO(FI_DONE),
                [FI_EV_REVERTED] = TO(FI_REVERTED),
                [FI_EV_REVERTED_ONESHOT] = TO(FI_DONE),
                [FI_EV_REVERT_FAILED] = TO(FI_REVERT_PENDING),
                [FI_EV_TARGET_EXITED] = TO(FI_RESTARTING),
                [FI_EV_RESUMED] = TO(FI_ACTIVE),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_DONE] = {
                [FI_EV_REVERTED] = TO(FI_REVERTED), /* a tick fault that finished its work */
                [FI_EV_REVERTED_ONESHOT] = TO(FI_DONE),
                [FI_EV_REVERT_FAILED] = TO(FI_REVERT_PENDING),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_REVERTED] = {
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        /* A failed fault is still reverted (it may be half applied); it
         * stays failed, so that the error is not lost. */
        [FI_FAILED] = {
                [FI_EV_APPLY] = TO(FI_APPLYING), /* a step's fault whose revert failed, re-applied at resume */
                [FI_EV_REVERTED] = TO(FI_FAILED),
                [FI_EV_REVERTED_ONESHOT] = TO(FI_FAILED),
                [FI_EV_REVERT_FAILED] = TO(FI_REVERT_PENDING),
                [FI_EV_RESUMED] = TO(FI_ACTIVE),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_GONE] = {
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        [FI_RESTARTING] = {
                [FI_EV_APPLY] = TO(FI_APPLYING),
                [FI_EV_APPLY_FAILED] = TO(FI_FAILED),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
        /* Retried until it succeeds; never applied again over a change
         * that may still be in the kernel (its saved prior would be ours). */
        [FI_REVERT_PENDING] = {
                [FI_EV_REVERTED] = TO(FI_REVERTED),
                [FI_EV_REVERTED_ONESHOT] = TO(FI_DONE),
                [FI_EV_REVERT_FAILED] = TO(FI_REVERT_PENDING),
                [FI_EV_HOST_REBOOTED] = TO(FI_GONE),
        },
};

int lifecycle_exp_next(enum exp_state cur, enum exp_event ev)
{
        if ((unsigned)cur >= EXP_STATE_MAX || (unsigned)ev >= EXP_EVENT_MAX || !exp_next[cur][ev])
                return -EINVAL;
        return exp_next[cur][ev] - 1;
}

int lifecycle_fault_next(enum fault_state cur, enum fault_event ev)
{
        if ((unsigned)cur >= FAULT_STATE_MAX || (unsigned)ev >= FAULT_EVENT_MAX || !fault_next[cur][ev])
                return -EINVAL;
        return fault_next[cur][ev] - 1;
}

int lifecycle_exp_end_event(enum exp_state end)
{
        switch (end) {
        case EXP_COMPLETED:
                return EXP_EV_COMPLETE;
        case EXP_STOPPED:
                return EXP_EV_STOP;
        case EXP_HALTED:
                return EXP_EV_HALT;
        case EXP_FAILED:
                return EXP_EV_FAIL;
        case EXP_TARGET_GONE:
                return EXP_EV_TARGET_GONE;
        case EXP_ABORTED:
                return EXP_EV_ABORT;
        default:
                return -EINVAL;
        }
}

int exp_state_is_end(enum exp_state s)
{
        return s >= EXP_COMPLETED;
}

int fault_state_needs_revert(enum fault_state s)
{
        return s == FI_APPLYING || s == FI_ACTIVE || s == FI_DONE || s == FI_FAILED || s == FI_REVERT_PENDING;
}

int fault_state_is_applied(enum fault_state s)
{
        return s == FI_APPLYING || s == FI_ACTIVE || s == FI_REVERT_PENDING;
}

/* --- the boundary ------------------------------------------------------ */

static const char *const exp_state_names[EXP_STATE_MAX] = {
        [EXP_INJECTING] = "injecting", [EXP_RUNNING] = "running",         [EXP_REVERTING] = "reverting",
        [EXP_COMPLETED] = "completed", [EXP_STOPPED] = "stopped",         [EXP_HALTED] = "halted",
        [EXP_FAILED] = "failed",       [EXP_TARGET_GONE] = "target-gone", [EXP_ABORTED] = "aborted",
};

static const char *const exp_event_names[EXP_EVENT_MAX] = {
        [EXP_EV_INJECTED] = "injected",
        [EXP_EV_REVERT] = "revert",
        [EXP_EV_COMPLETE] = "complete",
        [EXP_EV_STOP] = "stop",
        [EXP_EV_HALT] = "halt",
        [EXP_EV_FAIL] = "fail",
        [EXP_EV_TARGET_GONE] = "target-gone",
        [EXP_EV_ABORT] = "abort",
};

static const char *const fault_state_names[FAULT_STATE_MAX] = {
        [FI_PENDING] = "pending", [FI_APPLYING] = "applying",     [FI_ACTIVE] = "active",
        [FI_DONE] = "done",       [FI_REVERTED] = "reverted",     [FI_FAILED] = "failed",
        [FI_GONE] = "gone",       [FI_RESTARTING] = "restarting", [FI_REVERT_PENDING] = "revert-pending",
};

static const char *const fault_event_names[FAULT_EVENT_MAX] = {
        [FI_EV_APPLY] = "apply",
        [FI_EV_VERIFIED] = "verified",
        [FI_EV_FINISHED] = "finished",
        [FI_EV_APPLY_FAILED] = "apply-failed",
        [FI_EV_REVERTED] = "reverted",
        [FI_EV_REVERTED_ONESHOT] = "reverted-oneshot",
        [FI_EV_REVERT_FAILED] = "revert-failed",
        [FI_EV_TARGET_EXITED] = "target-exited",
        [FI_EV_RESUMED] = "resumed",
        [FI_EV_HOST_REBOOTED] = "host-rebooted",
};

static const char *name_of(const char *const *names, size_t n, unsigned i)
{
        return i < n && names[i] ? names[i] : "?";
}

static int lookup(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; s && i < n; i++)
                if (names[i] && strcmp(s, names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

const char *exp_state_name(enum exp_state s)
{
        return name_of(exp_state_names, ARRAY_SIZE(exp_state_names), s);
}

const char *exp_event_name(enum exp_event ev)
{
        return name_of(exp_event_names, ARRAY_SIZE(exp_event_names), ev);
}

const char *fault_state_name(enum fault_state s)
{
        return name_of(fault_state_names, ARRAY_SIZE(fault_state_names), s);
}

const char *fault_event_name(enum fault_event ev)
{
        return name_of(fault_event_names, ARRAY_SIZE(fault_event_names), ev);
}

int exp_state_parse(const char *s, enum exp_state *ret)
{
        int i = lookup(exp_state_names, ARRAY_SIZE(exp_state_names), s);

        if (i < 0)
                return i;
        *ret = (enum exp_state)i;
        return 0;
}

enum fault_state fault_state_from_journal(const char *s)
{
        int i = lookup(fault_state_names, ARRAY_SIZE(fault_state_names), s);

        if (i == FI_RESTARTING)
                return FI_REVERTED;
        return i < 0 ? FI_APPLYING : (enum fault_state)i;
}
