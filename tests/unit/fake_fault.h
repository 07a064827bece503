/* A fault module for the core's unit tests only: type "fake". It touches
 * nothing; each op answers what the test told it to and counts its calls,
 * so the real lifecycle (experiment.c, the journal, the loop) can be
 * driven without root, Docker or a kernel change. */
#pragma once

struct fake_fault_plan {
        int apply_rc;        /* 0, FAULT_PENDING (1) or a negative errno */
        int settle_pending;  /* settle answers FAULT_PENDING this many times, then settle_rc */
        int settle_rc;
        int verify_rc;
        int revert_rc;
        int revert_failures; /* revert fails (-EBUSY) this many times first, then answers revert_rc */
        int revert_opens;    /* revert holds this many files open at once (up to 16), as a real
                              * one opens cgroup files and sockets: EMFILE shows */
        int checkpoint;      /* apply journals its intent first (default 1) */
};

struct fake_fault_calls {
        int parse, apply, settle, verify, revert;
        /* Order of the calls, one letter each: a s v r. */
        char trace[64];
        /* f->saved as the last revert saw it (JSON; "" when none). */
        char revert_saved[256];
        int revert_had_priv; /* that revert's f->priv was set */
};

extern struct fake_fault_plan fake_plan;
extern struct fake_fault_calls fake_calls;

/* Register "fake" with fault_register() (once) and reset plan and calls:
 * everything succeeds at once. */
void fake_fault_setup(void);
