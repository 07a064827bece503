/* chaosctl: the command-line client of chaosd. One file per verb, dispatched
 * from the verb table in main.c. A verb returns an exit code (>= 0) when it
 * has nothing to complain about, or a negative errno with a filled struct
 * error; main() prints the error and maps it to an exit code
 * (cli_exit_code() in format.c). Verbs print their results on stdout;
 * nothing but main() writes to stderr. */
#pragma once
#include <getopt.h>
#include <signal.h>

#include <cJSON.h>

#include "cleanup.h"
#include "error.h"
#include "http.h"
#include "version.h"

#define CHAOSD_DEFAULT_SOCKET "/run/chaosd/chaosd.sock"

/* Exit codes of DESIGN.md. */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,        /* experiment failed/aborted/..., or any other error */
        EXIT_USAGE = 2,       /* usage error or invalid spec (also the daemon's 400) */
        EXIT_UNREACHABLE = 3, /* daemon unreachable */
};

struct cli {
        const char *socket; /* --socket, $CHAOSD_SOCKET or the default */
        int json;           /* --json */
        struct http_client http;
};

struct verb {
        const char *name;
        int (*run)(struct cli *c, int argc, char **argv, struct error *e);
        const char *args;    /* usage after the verb name */
        const char *summary; /* one line for --help */
};

/* Options every verb accepts after its name, so that `chaosctl ls --json`
 * and `chaosctl --json ls` mean the same. (--help after a verb is handled
 * by main before the verb runs.) */
enum { CLI_OPT_SOCKET = 0x100, CLI_OPT_JSON };
#define CLI_COMMON_LONGOPTS                                    \
        { "socket", required_argument, NULL, CLI_OPT_SOCKET }, \
        {                                                      \
                "json", no_argument, NULL, CLI_OPT_JSON        \
        }

/* getopt_long over a verb's argv (argv[0] is the verb; main resets optind).
 * SHORTOPTS starts with ':' (or "+:" to stop at the first operand). Handles
 * the common options itself; returns the next verb-specific option, -1 at
 * the end, or -EINVAL (usage) with e filled. */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts, const struct option *longopts,
               struct error *e);
/* -EINVAL "VERB: usage: chaosctl VERB ARGS" for wrong operands. */
int cli_usage_error(const char *verb, struct error *e);

/* Experiment IDs go into URL paths: only [A-Za-z0-9._-], 1..64 chars,
 * else -EINVAL (usage). */
int cli_check_id(const char *id, struct error *e);
/* METHOD /v1/experiments/ID, where ID may also be a unique prefix of an
 * ID (as with docker): on a 404 the list is searched and the call repeated
 * with the full ID. An ambiguous prefix is -EINVAL, none -ENOENT; messages
 * name the ID. RET and RET_JSON as for cli_call(). */
int cli_experiment_call(struct cli *c, const char *method, const char *id, struct http_response *ret,
                        cJSON **ret_json, struct error *e);

/* Set by SIGINT/SIGTERM once cli_catch_signals() ran (run --wait, events
 * --follow): those verbs end in order instead of dying mid-output. */
extern volatile sig_atomic_t cli_interrupted;
int cli_catch_signals(struct error *e);

/* A request to the daemon with the status checked: a non-2xx answer becomes
 * a negative errno and a message (cli_http_error()). RET (optional) receives the
 * answer even on an HTTP error (a 422 carries the experiment); RET_JSON
 * (optional) the parsed body of a successful answer. */
int cli_call(struct cli *c, const char *method, const char *path, const char *body, size_t body_len,
             struct http_response *ret, cJSON **ret_json, struct error *e);

/* Print an answer's body as the daemon sent it (--json), newline-terminated. */
void cli_print_raw(const struct http_response *r);

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

int verb_validate(struct cli *c, int argc, char **argv, struct error *e);
int verb_run(struct cli *c, int argc, char **argv, struct error *e);
int verb_ls(struct cli *c, int argc, char **argv, struct error *e);
int verb_get(struct cli *c, int argc, char **argv, struct error *e);
int verb_stop(struct cli *c, int argc, char **argv, struct error *e);
int verb_halt(struct cli *c, int argc, char **argv, struct error *e);
int verb_events(struct cli *c, int argc, char **argv, struct error *e);
int verb_exec(struct cli *c, int argc, char **argv, struct error *e);
int verb_schedules(struct cli *c, int argc, char **argv, struct error *e);
