/* chaosctl run FILE [--wait] [--report F.json]: validate locally, submit,
 * and with --wait follow the experiment to its end state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ci.h"
#include "cleanup.h"
#include "cli.h"
#include "clock.h"
#include "format.h"
#include "specfile.h"

/* Polls of GET /v1/experiments/ID while waiting. The daemon has no push
 * channel per experiment; 5 requests a second over one kept-alive
 * connection are cheap and keep the progress line's tenths honest. */
#define POLL_MS 200
/* A daemon restart (SIGKILL + start, journal recovery) resumes the
 * experiment; tolerate that long an outage before giving up. */
#define UNREACHABLE_GRACE_MS 15000

enum { OPT_WAIT = 'w', OPT_REPORT = 'r', OPT_JUNIT = 0x200 };

static int write_report(const char *file, const cJSON *exp, struct error *e)
{
        _cleanup_free_ char *text = cJSON_Print(exp);
        _cleanup_fclose_ FILE *f = NULL;

        if (!text)
                return error_set(e, ENOMEM, "out of memory");
        f = fopen(file, "we");
        if (!f)
                return error_sys(e, errno, "cannot write report %s", file);
        if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
                return error_sys(e, errno, "cannot write report %s", file);
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

        /* EINTR (Ctrl-C) ends the sleep early, which is what we want. */
        (void)nanosleep(&ts, NULL);
}

static int terminal_columns(void)
{
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
                return ws.ws_col;
        return 80;
}

struct view {
        int tty;   /* rewrite one progress line with \r */
        int quiet; /* --json: only the final object goes to stdout */
        char last_state[64];
};

static void show(struct view *v, const cJSON *exp, const char *note)
{
        char line[512];
        const char *state = fmt_str(exp, "state");
        int end = fmt_state_is_end(state);

        if (v->quiet)
                return;
        if (v->tty) {
                if (end)
                        fmt_state_line(exp, line, sizeof(line));
                else
                        fmt_progress(exp, line, sizeof(line));
                if (note)
                        snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s", note);
                /* A line that wraps cannot be rewritten with \r: cut it to the
                 * terminal's width. \033[K clears what a longer previous line
                 * left behind. */
                printf("\r%.*s\033[K%s", terminal_columns() - 1, line, end ? "\n" : "");
        } else if (strcmp(state, v->last_state) != 0) {
                fmt_state_line(exp, line, sizeof(line));
                printf("%s\n", line);
        }
        snprintf(v->last_state, sizeof(v->last_state), "%s", state);
        fflush(stdout);
}

/* Follow *io_exp until an end state; *io_exp is replaced by each newer
 * object. Ctrl-C stops the experiment (its faults are reverted) rather
 * than leaving it running unwatched. */
static int follow(struct cli *c, struct view *v, cJSON **io_exp, int *ret_interrupted, struct error *e)
{
        char path[128];
        long long unreachable_since = 0;
        int stop_sent = 0, r;

        snprintf(path, sizeof(path), "/v1/experiments/%s", fmt_str(*io_exp, "id"));
        r = cli_catch_signals(e);
        if (r < 0)
                return r;
        for (;;) {
                cJSON *next = NULL;

                show(v, *io_exp, unreachable_since ? "  (chaosd unreachable, retrying)" : NULL);
                if (fmt_state_is_end(fmt_str(*io_exp, "state")))
                        break;
                if (cli_interrupted && !stop_sent) {
                        stop_sent = 1;
                        *ret_interrupted = 1;
                        r = cli_call(c, "DELETE", path, NULL, 0, NULL, &next, e);
                } else {
                        sleep_ms(POLL_MS);
                        r = cli_call(c, "GET", path, NULL, 0, NULL, &next, e);
                }
                if (r == -HTTP_EUNREACHABLE && unreachable_since == 0)
                        unreachable_since = clock_mono_ms();
                if (r == -HTTP_EUNREACHABLE && clock_mono_ms() - unreachable_since <= UNREACHABLE_GRACE_MS) {
                        stop_sent = 0; /* a stop that did not arrive is sent again */
                        sleep_ms(POLL_MS);
                        continue;
                }
                if (r < 0) {
                        /* End the progress line so the error starts on its own. */
                        if (v->tty && !v->quiet)
                                printf("\n");
                        return error_wrap(e, "while waiting for %s", fmt_str(*io_exp, "id"));
                }
                unreachable_since = 0;
                cJSON_Delete(*io_exp);
                *io_exp = next;
        }
        if (v->tty && !v->quiet)
                fflush(stdout);
        return 0;
}

/* The body of a 422 carries the experiment as it ended. */
static cJSON *failed_experiment(const struct http_response *resp)
{
        cJSON *j = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->len);
        cJSON *exp = cJSON_DetachItemFromObjectCaseSensitive(j, "experiment");

        cJSON_Delete(j);
        return exp;
}

int verb_run(struct cli *c, int argc, char **argv, struct error *e)
{
        static const struct option longopts[] = {
                CLI_COMMON_LONGOPTS,
                { "wait", no_argument, NULL, OPT_WAIT },
                { "report", required_argument, NULL, OPT_REPORT },
                { "junit", required_argument, NULL, OPT_JUNIT },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_free_ char *spec = NULL;
        _cleanup_(cJSON_Deletep) cJSON *exp = NULL;
        struct http_response resp = { 0 };
        struct view v = { 0 };
        const char *report = NULL, *junit = NULL, *name, *state;
        int wait = 0, interrupted = 0, n_cmd = 0, opt, r;
        size_t len;

        /* CI mode: `run SPEC --wait ... -- CMD...` (cli/ci.c). getopt stops
         * at "--"; what follows it is the command, counted before getopt
         * permutes argv. */
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--") == 0) {
                        n_cmd = argc - i - 1;
                        break;
                }

        while ((opt = cli_getopt(c, argc, argv, ":w", longopts, e)) != -1) {
                switch (opt) {
                case OPT_WAIT:
                        wait = 1;
                        break;
                case OPT_REPORT:
                        report = optarg;
                        break;
                case OPT_JUNIT:
                        junit = optarg;
                        break;
                default:
                        return opt;
                }
        }
        if (argc - optind != 1 + n_cmd)
                return cli_usage_error("run", e);
        if (junit || n_cmd) {
                if (!wait)
                        return error_set(e, EINVAL, "run: --junit and -- CMD need --wait");
                if (n_cmd && argc - n_cmd - 1 != optind)
                        return cli_usage_error("run", e);
                return ci_run(c,
                              &(struct ci_opts){ .spec_file = argv[optind],
                                                 .junit = junit,
                                                 .report = report,
                                                 .cmd = n_cmd ? &argv[optind + 1] : NULL },
                              e);
        }

        name = spec_file_name(argv[optind]);
        /* An invalid spec stops here: the daemon is not even contacted. */
        r = spec_file_check(argv[optind], 0, &spec, &len, e);
        if (r < 0)
                return r;
        /* exec probes are ours to run (the daemon never runs commands):
         * with --wait, CI mode runs them around the experiment. */
        if (wait && ci_spec_has_exec_probes(spec, len))
                return ci_run(c,
                              &(struct ci_opts){
                                      .spec_file = argv[optind], .spec_buf = spec, .spec_len = len, .report = report },
                              e);

        r = cli_call(c, "POST", "/v1/experiments", spec, len, &resp, &exp, e);
        if (r < 0) {
                _cleanup_(cJSON_Deletep) cJSON *failed = resp.status == 422 ? failed_experiment(&resp) : NULL;

                cli_http_response_free(&resp);
                if (failed && report)
                        (void)write_report(report, failed, &(struct error){ 0 });
                if (failed && c->json) {
                        _cleanup_free_ char *text = cJSON_Print(failed);

                        if (text)
                                printf("%s\n", text);
                }
                if (failed)
                        return error_wrap(e, "%s: experiment %s could not be injected", name, fmt_str(failed, "id"));
                if (r == -EINVAL) /* the daemon's own checks (its duration cap, ...) */
                        return error_wrap(e, "%s: rejected by chaosd", name);
                if (r != -HTTP_EUNREACHABLE)
                        return error_wrap(e, "%s: not started", name);
                return r;
        }
        cli_http_response_free(&resp);
        /* The ID goes into the URL of every poll. */
        if (cli_check_id(fmt_str(exp, "id"), e) < 0)
                return error_set(e, EPROTO, "chaosd answered without a usable experiment ID");
        /* A spec with "schedule" created a schedule, not a run: nothing to
         * follow (`chaosctl schedules` lists it). */
        if (cJSON_GetObjectItemCaseSensitive(exp, "cron")) {
                if (c->json) {
                        _cleanup_free_ char *text = cJSON_Print(exp);

                        if (text)
                                printf("%s\n", text);
                } else {
                        printf("%s\nschedule \"%s\" (%s, %s): next run %s\n", fmt_str(exp, "id"),
                               fmt_str(exp, "name"), fmt_str(exp, "cron"), fmt_str(exp, "timezone"),
                               fmt_str(exp, "next_run"));
                }
                return EXIT_OK;
        }

        v.quiet = c->json;
        v.tty = isatty(STDOUT_FILENO);
        if (!c->json)
                printf("%s\n", fmt_str(exp, "id"));
        fflush(stdout);
        if (wait) {
                r = follow(c, &v, &exp, &interrupted, e);
                if (r < 0)
                        return r;
        }
        if (report) {
                r = write_report(report, exp, e);
                if (r < 0)
                        return r;
        }
        if (c->json) {
                _cleanup_free_ char *text = cJSON_Print(exp);

                if (!text)
                        return error_set(e, ENOMEM, "out of memory");
                printf("%s\n", text);
        }
        if (!wait)
                return EXIT_OK;
        state = fmt_str(exp, "state");
        if (interrupted)
                return error_set(e, EINTR, "interrupted: experiment %s ended %s", fmt_str(exp, "id"), state);
        if (fmt_state_exit_code(state) != EXIT_OK) {
                const char *reason = fmt_str(exp, "reason");

                return error_set(e, ECANCELED, "experiment %s ended %s%s%s", fmt_str(exp, "id"), state,
                                 *reason ? ": " : "", reason);
        }
        return EXIT_OK;
}
