/* The lifecycle state machine of experiments and of their fault instances.
 *
 * States are enums everywhere inside the daemon; their names exist only at
 * the JSON and journal boundary (lifecycle_*_name, lifecycle_*_parse), and
 * they are the names earlier versions wrote, so old journals load.
 *
 * What may follow what is said in one place: lifecycle_exp_next() and
 * lifecycle_fault_next() take the current state and an event and answer
 * the next state, or -EINVAL when the event is not legal there. The code
 * that drives experiments (experiment.c) moves a state only through them.
 * Pure: no I/O, no daemon state; the unit lane checks every pair. */
#pragma once

enum exp_state {
        EXP_INJECTING, /* journaled; before probes, applying, settling */
        EXP_RUNNING,   /* every start fault verified; the deadline runs */
        EXP_REVERTING, /* stop decided and journaled; reverting */
        /* End states, from here on. */
        EXP_COMPLETED,
        EXP_STOPPED,
        EXP_HALTED,
        EXP_FAILED,
        EXP_TARGET_GONE,
        EXP_ABORTED,
        EXP_STATE_MAX,
};

enum exp_event {
        EXP_EV_INJECTED, /* injecting -> running */
        EXP_EV_REVERT,   /* injecting|running|reverting -> reverting */
        /* reverting -> the end state of the same name */
        EXP_EV_COMPLETE,
        EXP_EV_STOP,
        EXP_EV_HALT,
        EXP_EV_FAIL,
        EXP_EV_TARGET_GONE,
        EXP_EV_ABORT,
        EXP_EVENT_MAX,
};

enum fault_state {
        FI_PENDING,        /* not applied yet (a later step's fault waits here) */
        FI_APPLYING,       /* intent journaled; the kernel may be half changed */
        FI_ACTIVE,         /* applied and verified */
        FI_DONE,           /* a one-shot action carried out, or a tick fault finished */
        FI_REVERTED,       /* prior state restored */
        FI_FAILED,         /* apply/verify failed (the error says which); still reverted */
        FI_GONE,           /* the host rebooted under it: nothing left to revert */
        FI_RESTARTING,     /* reverted because its container exited; reapplied when it is back */
        FI_REVERT_PENDING, /* a revert failed: the kernel may still hold the change; the
                            * daemon retries it with backoff until it succeeds (or the
                            * module finds nothing left to restore). Journaled, so a
                            * restarted daemon, the warden and --recover retry it too. */
        FAULT_STATE_MAX,
};

enum fault_event {
        FI_EV_APPLY,            /* apply starts (and each checkpoint) -> applying */
        FI_EV_VERIFIED,         /* apply/settle then verify succeeded -> active */
        FI_EV_FINISHED,         /* one-shot verified, or a tick fault's work done -> done */
        FI_EV_APPLY_FAILED,     /* apply, settle or verify failed -> failed */
        FI_EV_REVERTED,         /* revert succeeded -> reverted (failed stays failed) */
        FI_EV_REVERTED_ONESHOT, /* the same for a one-shot fault -> done */
        FI_EV_REVERT_FAILED,    /* revert failed -> revert-pending (retried) */
        FI_EV_TARGET_EXITED,    /* reverted for a container restart -> restarting */
        FI_EV_RESUMED,          /* a restarted daemon found it still in effect -> active */
        FI_EV_HOST_REBOOTED,    /* -> gone */
        FAULT_EVENT_MAX,
};

/* The next state, or -EINVAL when EV is illegal in CUR. */
int lifecycle_exp_next(enum exp_state cur, enum exp_event ev);
int lifecycle_fault_next(enum fault_state cur, enum fault_event ev);
/* The event that ends an experiment in END (an end state); -EINVAL if END
 * is not one. */
int lifecycle_exp_end_event(enum exp_state end);

int exp_state_is_end(enum exp_state s);
/* May the kernel hold a change of this fault (so that revert has work)? */
int fault_state_needs_revert(enum fault_state s);
/* Counted as applied (faults_active, conflicts between experiments): a
 * fault whose revert is pending counts, the kernel may still hold it. */
int fault_state_is_applied(enum fault_state s);

/* The boundary: names on the wire and in the journal. */
const char *exp_state_name(enum exp_state s);
int exp_state_parse(const char *s, enum exp_state *ret);
const char *exp_event_name(enum exp_event ev);
const char *fault_state_name(enum fault_state s);
const char *fault_event_name(enum fault_event ev);
/* A fault state read back from the journal. "restarting" loads as
 * reverted (its revert happened before it was journaled so), an unknown
 * or missing name as applying: assume the kernel may have been changed. */
enum fault_state fault_state_from_journal(const char *s);
