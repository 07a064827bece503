/* The fake fault module of the core's unit tests (journal_fake.c). Only
 * tests register it, with fault_register(&journal_fake_ops). */
#pragma once
#include "fault.h"

/* Where a process running the module SIGKILLs itself, in the order an
 * experiment's journal history passes them. */
enum journal_fake_point {
        JF_NEVER,
        JF_INTENT,         /* a's prior journaled (checkpoint flushed), a untouched */
        JF_CHANGED,        /* a changed, b not yet saved */
        JF_CHECKPOINT,     /* b's prior journaled too, b untouched */
        JF_APPLIED,        /* a and b changed, apply not yet returned */
        JF_REVERT_STARTED, /* revert called, nothing restored yet */
        JF_REVERT_DONE,    /* a and b restored, revert not yet returned */
};

extern enum journal_fake_point journal_fake_crash;
extern const struct fault_ops journal_fake_ops;
