/* What the core's unit tests (test_journal, test_api) share: a temp dir
 * holding a state dir and the fake module's "kernel" files, a live process
 * to name as the target, and the daemon's core objects (loop, events,
 * journal) put together as chaosd's main() does, without its root-only
 * parts (the host's cgroup namespace, the warden, the seccomp agent). */
#pragma once
#include <sys/types.h>

#include "daemon.h"

struct harness {
        char dir[256];    /* mkdtemp, removed by harness_cleanup */
        char state[320];  /* DIR/state: the journal */
        char kernel[320]; /* DIR/kernel: the fake module's files a, b, calls */
        pid_t target;     /* a child that sleeps: the experiment's pid target */
        char boot_id[64]; /* this boot's */
};

/* Make the dirs, the files a and b (both "off"), the target process, and
 * register the fake module. */
void harness_init(struct harness *h);
/* Kill the target, remove the temp dir. */
void harness_cleanup(struct harness *h);

/* A daemon on STATE_DIR that believes it runs in boot BOOT_ID. */
void harness_daemon_up(struct daemon *d, const char *state_dir, const char *boot_id);
/* Commit, free every experiment, close the journal. Reverts nothing. */
void harness_daemon_down(struct daemon *d);

/* POST /v1/experiments without the HTTP: experiment_create on SPEC's
 * text. The one place the tests call it. */
int harness_create(struct daemon *d, const char *spec, struct experiment **ret, struct error *e);
/* Wall-clock milliseconds, as the journal keeps deadlines. */
int64_t harness_wall_ms(void);

/* A spec that sets the fake's files to VALUE on the harness's target;
 * malloc'ed. */
char *harness_spec(const struct harness *h, const char *name, const char *duration, const char *value);
/* The content of the fake kernel file NAME ("a", "b", "calls"; "" when
 * absent) into BUF. */
void harness_read(const struct harness *h, const char *name, char *buf, size_t len);
/* The journal's one experiment (there must be exactly one): its state and
 * reason into the buffers, its id into ID (32 bytes) if not NULL. */
void harness_journal_experiment(struct daemon *d, char *state, size_t slen, char *reason, size_t rlen, char *id);
/* The journal's state name of that experiment's fault IDX. */
void harness_journal_fault(struct daemon *d, const char *id, int idx, char *state, size_t len);
