/* The daemon's state: one loop, one journal, the experiments it runs. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <cJSON.h>

#include "error.h"
#include "fault.h"
#include "journal.h"
#include "lifecycle.h"
#include "loop.h"
#include "spec.h"
#include "target.h"
#include "version.h"

struct experiment;

struct fault_inst {
        struct fault *f;
        struct experiment *x;
        int target_idx;
        enum fault_state state;
        char error[512];
        struct loop_source *tick;
        /* Scenario steps (scenario.c): the window in which the fault is
         * active, from the experiment's start; [0, duration) without steps. */
        int step;
        uint64_t start_us, end_us;
        struct loop_source *step_timer;
        /* A fault whose apply answered FAULT_PENDING: the timer that calls
         * its settle op, and what to do once it is verified. */
        struct loop_source *settle;
        void (*settled)(struct fault_inst *fi);
};

struct probe_set;

struct experiment {
        struct experiment *next;
        struct daemon *d;
        char id[32];
        char name[160];
        struct spec spec; /* parsed, owns the JSON (absent for archived ones) */
        char *spec_text;
        cJSON *archive; /* an ended experiment loaded from the journal */
        enum exp_state state;
        char reason[1024];
        int64_t created_ms, deadline_ms, ended_ms;
        uint64_t duration_us;
        int n_targets;
        struct target *targets;
        struct loop_source **target_watch; /* pidfd watch, or the re-resolve timer of a restart */
        int64_t *restart_since_ms;         /* per target: waiting for its restart since (monotonic ms; 0: not) */
        int n_faults;
        struct fault_inst *faults;
        struct loop_source *deadline_timer;
        struct probe_set *probes; /* probes.c */
        char schedule_id[32];     /* started by this schedule (schedules.c) */
        uint64_t inject_t0_us;    /* when injection began (the inject histogram) */
        /* Called once when the experiment leaves "injecting" (running or
         * ended): the API answers a POST it kept waiting (api.c). */
        void (*on_injected)(struct experiment *x, void *ud);
        void *on_injected_ud;
        /* Where scenario.c and restart.c hand their requests: the
         * lifecycle (experiment.c) sets these when it arms them. */
        void (*step_cb)(struct fault_inst *fi, int step_end);
        void (*restart_cb)(struct experiment *x, int idx, int back, const char *why);
        /* Faults in "revert-pending" are retried from this timer, with a
         * backoff that doubles from 100 ms to 30 s (experiment.c). While
         * one is pending, an ending experiment stays "reverting" and
         * remembers the end it was asked for. */
        struct loop_source *revert_retry;
        /* Loaded by reconcile without its spec (it no longer parses): its
         * faults know their saved state alone; it is only ever reverted. */
        int unparsed;
        uint64_t retry_us;
        int retried;
        enum exp_state end_wanted;
        char end_reason[1024];
};

#define METRIC_BUCKETS 12
struct histogram {
        uint64_t count;
        double sum;
        uint64_t buckets[METRIC_BUCKETS];
};

struct metrics {
        uint64_t ended[EXP_STATE_MAX];
        uint64_t created;
        struct histogram inject, revert;
        uint64_t errors_spec, errors_target, errors_inject, errors_revert, errors_auth;
        uint64_t probe_failures, probe_aborts, schedule_runs, schedule_skipped;
        uint64_t http_requests;
};

struct events;
struct api;
struct schedules;

struct daemon {
        struct api *api;
        struct loop *loop;
        struct journal *journal;
        struct events *events;
        struct experiment *experiments; /* newest first */
        struct schedules *schedules;    /* schedules.c */
        uint64_t max_duration_us;
        /* Caps (chaosd --max-*; 0: none): active experiments, targets of
         * one experiment, open API connections. Over one: 429. */
        int max_experiments, max_targets, max_connections;
        int n_connections; /* open on every API listener (api.c) */
        char boot_id[64];
        char state_dir[1024];
        struct metrics metrics;
        int64_t started_mono_ms; /* for uptime */
        int quitting;
        /* Non-empty: the journal on disk could not be opened (corrupt,
         * unreadable); d->journal is an in-memory stand-in and new
         * experiments are refused with this reason. */
        char journal_error[512];
};

/* Build X's fault instances from x->spec for its x->n_targets targets
 * (instance k is spec fault k % n_spec on target k / n_spec), all pending,
 * wired to the journal. The one construction of create and of reconcile. */
int experiment_instantiate(struct experiment *x, struct error *e);

/* Resolve, journal, inject and verify a new experiment from SPEC (parsed
 * from TEXT; taken over, also on failure). On success it is running, or
 * still "injecting" while its before probes run or a fault settles
 * (experiment_settling). On failure a negative errno: -EPERM the target
 * is refused, -ESRCH it cannot be resolved, -EINVAL a fault is invalid,
 * -EBUSY another experiment holds the target, -EUSERS a cap of the daemon
 * (max_experiments, max_targets) is reached, other codes are internal;
 * when *ret is set the experiment exists and has ended failed, reverted. */
int experiment_create(struct daemon *d, struct spec *spec, const char *text, size_t len, struct experiment **ret,
                      struct error *e);
/* Revert everything and move to the end state END. Safe on an ended one. */
void experiment_end(struct experiment *x, enum exp_state end, const char *reason);
struct experiment *experiment_find(struct daemon *d, const char *id);
int experiment_active_faults(const struct experiment *x);
cJSON *experiment_to_json(const struct experiment *x, int full);
/* Experiments not ended yet (those reverting included). */
int experiments_active(const struct daemon *d);
/* End every active experiment with END; returns how many. */
int experiments_end_all(struct daemon *d, enum exp_state end, const char *reason, cJSON *ids);
void experiments_child_exited(struct daemon *d, pid_t pid, int status);
/* Drop ended experiments beyond the in-memory history limit. */
void experiments_trim(struct daemon *d);
void experiment_free(struct experiment *x);

/* Wire an experiment's timers and watchers into the loop (used by create and
 * by reconcile). */
int experiment_arm(struct experiment *x, struct error *e);
/* Journal a fault's current state. */
void experiment_journal_fault(struct fault_inst *fi);
/* One fault: apply + verify + journal. Returns 0 when it is active and
 * verified; FAULT_PENDING when the module is still settling it on the
 * loop (it stays FI_APPLYING; THEN(fi), if not NULL, runs once it is
 * verified); negative when it failed — then, also when settling fails
 * later, the experiment has ended failed with everything reverted. */
int experiment_apply_fault(struct fault_inst *fi, void (*then)(struct fault_inst *fi), struct error *e);
/* 1 while one of X's faults is settling. */
int experiment_settling(const struct experiment *x);
/* Revert one fault (returns -1 when the revert failed, recorded in fi,
 * which is then "revert-pending" and retried from a timer). */
int experiment_revert_fault(struct fault_inst *fi);
/* Faults of X whose revert is pending. */
int experiment_reverts_pending(const struct experiment *x);
/* The same over every experiment of D. */
int experiments_reverts_pending(const struct daemon *d);
int experiment_arm_tick(struct fault_inst *fi, struct error *e);
/* The journal hook given to fault modules as f->checkpoint. */
int experiment_checkpoint(struct fault *f, struct error *e);
/* Move a fault or an experiment by EV (lifecycle.h); an illegal event is
 * refused (-EINVAL, logged) and the state stays. */
int experiment_fault_event(struct fault_inst *fi, enum fault_event ev);
/* The verdict of X's during probes (probes_start's callback): a failed
 * abort_on_failure probe ends the experiment as aborted. */
void experiment_probe_verdict(struct experiment *x, int ok, const char *why);

/* Start-up reconcile of the journal: expired -> revert; unexpired -> verify
 * and resume. With only_revert (chaosd --recover) everything is reverted. */
int reconcile(struct daemon *d, int only_revert, int *ret_reverted, int *ret_resumed, struct error *e);
/* Load recent ended experiments from the journal for `ls`/`get`. */
void load_history(struct daemon *d);

void metrics_observe(struct histogram *h, double seconds);
char *metrics_render(struct daemon *d, int n_schedules);

/* The HTTP API on a Unix socket; members of GROUP (and root) may use it. */
int api_start(struct daemon *d, const char *socket_path, gid_t group, struct error *e);
/* The same API on TCP HOST:PORT with TLS 1.3 and mandatory client
 * certificates signed by CA (chaosd/tls.c). Call after api_start. */
int api_listen_tls(struct daemon *d, const char *hostport, const char *cert, const char *key, const char *ca,
                   struct error *e);
void api_stop(struct daemon *d);

/* Structured log line on stderr (journald-friendly key=value). */
void log_event(const char *level, const char *exp_id, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
