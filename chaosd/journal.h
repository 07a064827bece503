/* The journal: SQLite in WAL mode under --state-dir. It records an
 * experiment and each fault's prior state *before* the kernel is changed, so
 * a daemon that is SIGKILLed can be followed by one that reverts exactly
 * what was done. synchronous=NORMAL: in WAL mode a commit survives the
 * process being killed; only a power loss can drop the last commits, and
 * that reboot also drops every kernel object we could have left behind. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

struct journal;

struct journal_experiment {
        char id[32];
        char *name, *spec, *state, *reason, *boot_id, *targets; /* malloc'ed */
        int64_t created_ms, deadline_ms, ended_ms;
};

struct journal_fault {
        int idx, target_idx;
        char *type, *state, *saved, *readback, *error; /* malloc'ed, may be NULL */
};

int journal_open(const char *state_dir, struct journal **ret, struct error *e);
/* An empty journal in memory: the stand-in that lets a daemon whose journal
 * cannot be read keep answering (health, halt, reads) while it refuses new
 * experiments. */
int journal_open_memory(struct journal **ret, struct error *e);
/* For `--recover` over a damaged journal: an in-memory journal holding
 * every row of STATE_DIR/journal.db that can still be read (each table
 * scanned in full, row by row, to the first unreadable one). LOST says
 * what could not be read ("" when nothing was lost). */
int journal_salvage(const char *state_dir, struct journal **ret, char *lost, size_t lost_len, struct error *e);
/* chmod 0700 the state dir, whatever it was (journal_open does it too). */
int journal_own_dir(const char *state_dir, struct error *e);
/* The database handle, for modules with a table of their own in the same
 * file (chaosd/schedules.c). */
struct sqlite3 *journal_db(struct journal *j);
/* Flushes, then closes. */
void journal_close(struct journal *j);
/* Writes are grouped in one transaction until this commits them: the
 * intent before any kernel change (experiment_checkpoint), the "reverting"
 * mark before a revert begins, and the end of each event-loop round. What a
 * SIGKILL loses between two flushes is only ever a record of something the
 * next reconcile re-checks anyway (a verified apply, a finished revert). */
int journal_flush(struct journal *j, struct error *e);

int journal_put_experiment(struct journal *j, const struct journal_experiment *x, struct error *e);
int journal_set_state(struct journal *j, const char *id, const char *state, const char *reason, int64_t ended_ms,
                      struct error *e);
int journal_set_deadline(struct journal *j, const char *id, int64_t deadline_ms, struct error *e);
/* Insert or update one fault row. NULL strings leave the column as it is. */
int journal_put_fault(struct journal *j, const char *exp_id, int idx, int target_idx, const char *type,
                      const char *state, const char *saved, const char *readback, const char *error, struct error *e);

/* Experiments whose state is not an end state (the ones to reconcile). */
int journal_list_active(struct journal *j, struct journal_experiment **ret, int *ret_n, struct error *e);
/* The newest LIMIT ended experiments, newest first. */
int journal_list_recent(struct journal *j, int limit, struct journal_experiment **ret, int *ret_n, struct error *e);
int journal_list_faults(struct journal *j, const char *exp_id, struct journal_fault **ret, int *ret_n,
                        struct error *e);
void journal_experiments_free(struct journal_experiment *x, int n);
void journal_faults_free(struct journal_fault *f, int n);
