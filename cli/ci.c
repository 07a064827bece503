/* chaosctl run ... -- CMD: the CI mode. The order is what a CI job
 * needs: steady state first (the daemon's before probes, then our exec
 * ones), faults in place, the user's test suite, faults out, after
 * probes, then the reports, whatever happened on the way. */
#include "ci.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "format.h"
#include "spec.h"
#include "specfile.h"

#define POLL_MS 200
#define PROBES_DONE_WAIT_MS 120000
#define UNREACHABLE_GRACE_MS 15000

static double now_unix(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

        (void)nanosleep(&ts, NULL);
}

void ci_result_free(struct ci_result *r)
{
        cJSON_Delete(r->spec);
        cJSON_Delete(r->exp);
        cJSON_Delete(r->timeline);
        cJSON_Delete(r->client_probes);
        cJSON_Delete(r->kernel_readback);
        memset(r, 0, sizeof(*r));
}

/* --- exec probes (client side) ------------------------------------------ */

struct exec_probe {
        const struct probe_spec *ps;
        cJSON *json; /* its entry in r->client_probes */
        int attempts, failures, consecutive;
        long long next_ms;
        int failed_during;
};

/* Run the probe's command once: 1 passed, 0 failed (EVIDENCE says why). */
static int exec_once(const struct probe_spec *ps, char *evidence, size_t len)
{
        int n = cJSON_GetArraySize(ps->command), pfd[2], status = 0;
        char **argv = calloc((size_t)n + 1, sizeof(*argv));
        char out[400] = "";
        size_t got = 0;
        long long deadline;
        pid_t pid;

        if (!argv || pipe2(pfd, O_CLOEXEC) < 0) {
                free(argv);
                snprintf(evidence, len, "cannot start: %s", strerror(errno));
                return 0;
        }
        for (int i = 0; i < n; i++)
                argv[i] = cJSON_GetArrayItem(ps->command, i)->valuestring;
        pid = fork();
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                setpgid(0, 0);
                if (devnull >= 0)
                        dup2(devnull, STDIN_FILENO);
                dup2(pfd[1], STDOUT_FILENO);
                dup2(pfd[1], STDERR_FILENO);
                execvp(argv[0], argv);
                dprintf(STDERR_FILENO, "exec %s: %s", argv[0], strerror(errno));
                _exit(127);
        }
        free(argv);
        close(pfd[1]);
        if (pid < 0) {
                close(pfd[0]);
                snprintf(evidence, len, "fork: %s", strerror(errno));
                return 0;
        }
        deadline = clock_mono_ms() + (long long)(ps->timeout_us / 1000);
        for (;;) {
                struct pollfd p = { .fd = pfd[0], .events = POLLIN };
                long long left = deadline - clock_mono_ms();

                if (left <= 0) {
                        kill(-pid, SIGKILL);
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        close(pfd[0]);
                        snprintf(evidence, len, "%s: timed out after %llu ms", ps->name,
                                 (unsigned long long)(ps->timeout_us / 1000));
                        return 0;
                }
                if (poll(&p, 1, (int)(left > 100 ? 100 : left)) > 0) {
                        char tmp[256];
                        ssize_t k = read(pfd[0], tmp, sizeof(tmp));

                        /* Keep the tail: the last words are the useful ones. */
                        for (ssize_t i = 0; i < k; i++) {
                                if (got == sizeof(out) - 1) {
                                        memmove(out, out + 1, got - 1);
                                        got--;
                                }
                                out[got++] = tmp[i] == '\n' ? ' ' : tmp[i];
                        }
                        out[got] = '\0';
                        if (k > 0)
                                continue;
                }
                if (waitpid(pid, &status, WNOHANG) == pid)
                        break;
        }
        close(pfd[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 1;
        snprintf(evidence, len, "%s exited %s%d%s%s", ps->name, WIFSIGNALED(status) ? "on signal " : "with status ",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), got ? ": " : "", out);
        return 0;
}

static int exec_attempt(struct exec_probe *p, const char *phase)
{
        char ev[512] = "";
        int ok = exec_once(p->ps, ev, sizeof(ev));

        p->attempts++;
        if (ok) {
                p->consecutive = 0;
        } else {
                p->failures++;
                p->consecutive++;
                cJSON_DeleteItemFromObject(p->json, "evidence");
                cJSON_AddStringToObject(p->json, "evidence", ev);
                cJSON_DeleteItemFromObject(p->json, "evidence_phase");
                cJSON_AddStringToObject(p->json, "evidence_phase", phase);
        }
        cJSON_ReplaceItemInObject(p->json, "attempts", cJSON_CreateNumber(p->attempts));
        cJSON_ReplaceItemInObject(p->json, "failures", cJSON_CreateNumber(p->failures));
        return ok;
}

static void set_phase(struct exec_probe *p, const char *phase, const char *verdict)
{
        cJSON *ph = cJSON_GetObjectItemCaseSensitive(p->json, "phases");

        cJSON_DeleteItemFromObject(ph, phase);
        cJSON_AddStringToObject(ph, phase, verdict);
}

/* before/after: until one attempt passes or failure_threshold fail in a row. */
static int exec_phase(struct exec_probe *ps, int n, unsigned phase, char *why, size_t len)
{
        int all_ok = 1;

        for (int i = 0; i < n; i++) {
                struct exec_probe *p = &ps[i];
                int ok = 0;

                if (!(p->ps->phases & phase))
                        continue;
                p->consecutive = 0;
                while (!cli_interrupted) {
                        ok = exec_attempt(p, probe_phase_name(phase));
                        if (ok || p->consecutive >= p->ps->failure_threshold)
                                break;
                        sleep_ms((long)(p->ps->interval_us / 1000));
                }
                set_phase(p, probe_phase_name(phase), ok ? "passed" : "failed");
                if (!ok && all_ok)
                        snprintf(why, len, "%s probe \"%s\" (exec, client side) failed: %s", probe_phase_name(phase),
                                 p->ps->name, fmt_str(p->json, "evidence"));
                all_ok &= ok;
        }
        return all_ok;
}

/* --- the experiment ------------------------------------------------------ */

static int get_exp(struct cli *c, const char *id, cJSON **io, struct error *e)
{
        char path[128];
        cJSON *next = NULL;
        int r;

        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        r = cli_call(c, "GET", path, NULL, 0, NULL, &next, e);
        if (r < 0)
                return r;
        cJSON_Delete(*io);
        *io = next;
        return 0;
}

/* DELETE the experiment; with ABORT (a client-side probe's evidence) the
 * daemon ends it "aborted" with that reason rather than "stopped". */
static int end_exp(struct cli *c, const char *id, const char *abort, cJSON **io, struct error *e)
{
        char path[1900];
        cJSON *next = NULL;
        size_t n;
        int r;

        n = (size_t)snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        if (abort) {
                static const char hex[] = "0123456789ABCDEF";

                n += (size_t)snprintf(path + n, sizeof(path) - n, "?abort=");
                for (const unsigned char *p = (const unsigned char *)abort; *p && n + 4 < sizeof(path); p++) {
                        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            strchr("-_.~", *p)) {
                                path[n++] = (char)*p;
                        } else {
                                path[n++] = '%';
                                path[n++] = hex[*p >> 4];
                                path[n++] = hex[*p & 15];
                        }
                }
                path[n] = '\0';
        }
        r = cli_call(c, "DELETE", path, NULL, 0, NULL, &next, e);
        if (r < 0)
                return r;
        cJSON_Delete(*io);
        *io = next;
        return 0;
}

static int stop_exp(struct cli *c, const char *id, cJSON **io, struct error *e)
{
        return end_exp(c, id, NULL, io, e);
}

static cJSON *failed_experiment(const struct http_response *resp)
{
        cJSON *j = cJSON_ParseWithLength(resp->body ? resp->body : "", resp->len);
        cJSON *exp = cJSON_DetachItemFromObjectCaseSensitive(j, "experiment");

        cJSON_Delete(j);
        return exp;
}

/* The experiment's events, in order, from the daemon's ring. */
static cJSON *timeline(struct cli *c, const char *id)
{
        struct http_response resp = { 0 };
        struct error e = { 0 };
        cJSON *arr = cJSON_CreateArray();
        char *p, *nl;

        if (cli_http_request(&c->http, "GET", "/v1/events", NULL, 0, &resp, &e) < 0 || resp.status != 200) {
                cli_http_response_free(&resp);
                return arr;
        }
        for (p = resp.body; p && *p; p = nl ? nl + 1 : NULL) {
                cJSON *ev;

                nl = strchr(p, '\n');
                ev = cJSON_ParseWithLength(p, nl ? (size_t)(nl - p) : strlen(p));
                if (ev && strcmp(fmt_str(ev, "experiment"), id) == 0)
                        cJSON_AddItemToArray(arr, ev);
                else
                        cJSON_Delete(ev);
        }
        cli_http_response_free(&resp);
        return arr;
}

static cJSON *snapshot_readback(const cJSON *exp)
{
        cJSON *arr = cJSON_CreateArray(), *f;

        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(exp, "faults")) {
                cJSON *o = cJSON_CreateObject();

                cJSON_AddNumberToObject(o, "index", fmt_int(f, "index", -1));
                cJSON_AddStringToObject(o, "type", fmt_str(f, "type"));
                cJSON_AddNumberToObject(o, "target", fmt_int(f, "target", 0));
                cJSON_AddStringToObject(o, "state", fmt_str(f, "state"));
                cJSON_AddItemToObject(o, "readback",
                                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(f, "readback"), 1));
                cJSON_AddItemToArray(arr, o);
        }
        return arr;
}

static pid_t start_cmd(char **cmd, struct error *e)
{
        pid_t pid;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return error_sys(e, errno, "fork");
        if (pid == 0) {
                sigset_t none;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execvp(cmd[0], cmd);
                dprintf(STDERR_FILENO, "chaosctl: cannot run %s: %s\n", cmd[0], strerror(errno));
                _exit(127);
        }
        return pid;
}

static int status_code(int status)
{
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run CMD while the faults are active; keep the experiment's record fresh,
 * run exec "during" probes, stop CMD on Ctrl-C. Without CMD, the same
 * watch lasts until the experiment ends. */
static int run_cmd(struct cli *c, struct ci_result *r, const char *id, struct exec_probe *xp, int nxp,
                   struct error *e)
{
        long long t0 = clock_mono_ms(), next_poll = 0;
        int status = 0, killed = 0;
        pid_t pid = r->cmd ? start_cmd(r->cmd, e) : 0;

        if (pid < 0)
                return pid;
        r->cmd_ran = !!r->cmd;
        for (int i = 0; i < nxp; i++)
                xp[i].next_ms = t0;
        for (;;) {
                long long now = clock_mono_ms();

                if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
                        break;
                if (pid == 0 && fmt_state_is_end(fmt_str(r->exp, "state")))
                        break;
                if (cli_interrupted && !killed) {
                        if (pid > 0)
                                kill(pid, SIGTERM);
                        else
                                (void)stop_exp(c, id, &r->exp, &(struct error){ 0 });
                        killed = 1;
                }
                if (now >= next_poll) {
                        (void)get_exp(c, id, &r->exp, &(struct error){ 0 });
                        next_poll = now + POLL_MS;
                }
                for (int i = 0; i < nxp && !fmt_state_is_end(fmt_str(r->exp, "state")); i++) {
                        struct exec_probe *p = &xp[i];

                        if (!(p->ps->phases & PROBE_DURING) || now < p->next_ms || p->failed_during)
                                continue;
                        p->next_ms = now + (long long)(p->ps->interval_us / 1000);
                        if (exec_attempt(p, "during") || p->consecutive < p->ps->failure_threshold)
                                continue;
                        p->failed_during = 1;
                        set_phase(p, "during", "failed");
                        if (p->ps->abort_on_failure) {
                                r->aborted = 1;
                                snprintf(r->error, sizeof(r->error),
                                         "probe \"%s\" (exec, client side) failed %d time%s in a row: %s",
                                         p->ps->name, p->consecutive, p->consecutive == 1 ? "" : "s",
                                         fmt_str(p->json, "evidence"));
                                (void)end_exp(c, id, r->error, &r->exp, &(struct error){ 0 });
                        }
                }
                sleep_ms(50);
        }
        r->cmd_status = status_code(status);
        /* The faults were gone before CMD finished: its result covers
         * a stretch without them (the report says so). */
        r->ended_before_cmd = r->cmd && fmt_state_is_end(fmt_str(r->exp, "state"));
        r->cmd_seconds = (double)(clock_mono_ms() - t0) / 1000.0;
        for (int i = 0; i < nxp; i++)
                if ((xp[i].ps->phases & PROBE_DURING) && !xp[i].failed_during)
                        set_phase(&xp[i], "during", "passed");
        return 0;
}

static int wait_state(struct cli *c, struct ci_result *r, const char *id, int (*done)(const cJSON *exp),
                      long long max_ms, struct error *e)
{
        long long until = clock_mono_ms() + max_ms, unreachable_since = 0;
        int stop_sent = 0;

        while (!done(r->exp)) {
                int rc;

                if (cli_interrupted && !stop_sent) {
                        stop_sent = 1;
                        rc = stop_exp(c, id, &r->exp, e);
                } else {
                        sleep_ms(POLL_MS / 2);
                        rc = get_exp(c, id, &r->exp, e);
                }
                /* A daemon restart resumes the experiment from its journal:
                 * ride it out like `run --wait` does. */
                if (rc == -HTTP_EUNREACHABLE) {
                        if (!unreachable_since)
                                unreachable_since = clock_mono_ms();
                        if (clock_mono_ms() - unreachable_since <= UNREACHABLE_GRACE_MS) {
                                stop_sent = 0;
                                continue;
                        }
                }
                if (rc < 0)
                        return rc;
                unreachable_since = 0;
                if (clock_mono_ms() > until)
                        return error_set(e, ETIMEDOUT, "experiment %s: gave up waiting", id);
        }
        return 0;
}

static int not_injecting(const cJSON *exp)
{
        return strcmp(fmt_str(exp, "state"), "injecting") != 0;
}

static int final(const cJSON *exp)
{
        const cJSON *pd = cJSON_GetObjectItemCaseSensitive(exp, "probes_done");

        return fmt_state_is_end(fmt_str(exp, "state")) && (!pd || cJSON_IsTrue(pd));
}

static int write_reports(const struct ci_opts *o, struct ci_result *r, struct error *e)
{
        int rc = 0;

        r->ended_unix = now_unix();
        if (o->junit)
                rc = junit_write(o->junit, r, e);
        if (rc >= 0 && o->report)
                rc = report_write(o->report, r, e);
        return rc;
}

int ci_spec_has_exec_probes(const char *buf, size_t len)
{
        struct spec s;
        int found = 0;

        if (spec_parse(buf, len, 0, 0, &s, NULL) < 0)
                return 0;
        for (int i = 0; i < s.n_probes; i++)
                found |= s.probes[i].kind == PROBE_EXEC;
        spec_free(&s);
        return found;
}

int ci_run(struct cli *c, const struct ci_opts *o, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ struct exec_probe *xp = NULL;
        struct ci_result r = { 0 };
        struct http_response resp = { 0 };
        struct spec s = { 0 };
        const char *state;
        char id[64] = "", why_after[1024];
        size_t len;
        int nxp = 0, rc, code;

        if (o->spec_buf) {
                buf = strndup(o->spec_buf, o->spec_len);
                len = o->spec_len;
                if (!buf)
                        return error_set(e, ENOMEM, "out of memory");
        } else {
                rc = spec_file_check(o->spec_file, 0, &buf, &len, e);
                if (rc < 0)
                        return rc;
        }
        rc = spec_parse(buf, len, 0, 0, &s, e);
        if (rc < 0)
                return rc;
        if (s.has_schedule) {
                spec_free(&s);
                return error_set(e, EINVAL, "%s: a spec with \"schedule\" cannot run in CI mode (drop the schedule)",
                                 spec_file_name(o->spec_file));
        }
        r.spec_file = o->spec_file;
        r.cmd = o->cmd;
        r.spec = cJSON_ParseWithLength(buf, len);
        r.client_probes = cJSON_CreateArray();
        r.started_unix = now_unix();
        xp = calloc((size_t)s.n_probes + 1, sizeof(*xp));
        if (!xp || !r.spec || !r.client_probes) {
                spec_free(&s);
                ci_result_free(&r);
                return error_set(e, ENOMEM, "out of memory");
        }
        for (int i = 0; i < s.n_probes; i++) {
                struct exec_probe *p;
                cJSON *ph;

                if (s.probes[i].kind != PROBE_EXEC)
                        continue;
                p = &xp[nxp++];
                p->ps = &s.probes[i];
                p->json = cJSON_CreateObject();
                cJSON_AddStringToObject(p->json, "name", p->ps->name);
                cJSON_AddStringToObject(p->json, "kind", "exec");
                ph = cJSON_AddObjectToObject(p->json, "phases");
                for (unsigned b = PROBE_BEFORE; b <= PROBE_AFTER; b <<= 1)
                        if (p->ps->phases & b)
                                cJSON_AddStringToObject(ph, probe_phase_name(b), "pending");
                cJSON_AddNumberToObject(p->json, "attempts", 0);
                cJSON_AddNumberToObject(p->json, "failures", 0);
                cJSON_AddItemToArray(r.client_probes, p->json);
        }
        rc = cli_catch_signals(e);
        if (rc < 0)
                goto out;

        /* 1. Steady state, client side: nothing is submitted if it fails. */
        if (!exec_phase(xp, nxp, PROBE_BEFORE, r.error, sizeof(r.error))) {
                r.aborted = 1;
                goto reports;
        }
        /* 2. Submit; a 422 carries the experiment as it failed. */
        rc = cli_call(c, "POST", "/v1/experiments", buf, len, &resp, &r.exp, e);
        if (rc < 0) {
                r.exp = resp.status == 422 ? failed_experiment(&resp) : NULL;
                cli_http_response_free(&resp);
                if (!r.exp)
                        goto out;
                r.injection_failed = 1;
                snprintf(r.error, sizeof(r.error), "injection failed: %s", e->msg);
                snprintf(id, sizeof(id), "%s", fmt_str(r.exp, "id"));
                goto after;
        }
        cli_http_response_free(&resp);
        snprintf(id, sizeof(id), "%s", fmt_str(r.exp, "id"));
        rc = cli_check_id(id, e);
        if (rc < 0)
                goto out;
        if (!c->json) {
                printf("%s\n", id);
                fflush(stdout);
        }
        /* 3. The daemon's before probes decide whether anything goes in. */
        rc = wait_state(c, &r, id, not_injecting, 24LL * 3600 * 1000, e);
        if (rc < 0)
                goto out;
        r.kernel_readback = snapshot_readback(r.exp);
        /* 4. The user's command, while the faults are active. */
        if (!fmt_state_is_end(fmt_str(r.exp, "state")) && (o->cmd || nxp)) {
                rc = run_cmd(c, &r, id, xp, nxp, e);
                if (rc < 0)
                        goto out;
                if (!fmt_state_is_end(fmt_str(r.exp, "state")))
                        (void)stop_exp(c, id, &r.exp, &(struct error){ 0 });
        }
after:
        /* 5. Faults out, the daemon's after probes done. */
        if (id[0]) {
                rc = wait_state(c, &r, id, final, o->cmd ? PROBES_DONE_WAIT_MS : 24LL * 3600 * 1000, e);
                if (rc < 0)
                        goto out;
        }
        /* A failing after probe is recorded in its verdict (and the JUnit
         * file); the faults are already out, so it aborts nothing. */
        if (!r.injection_failed)
                (void)exec_phase(xp, nxp, PROBE_AFTER, why_after, sizeof(why_after));
        if (id[0])
                r.timeline = timeline(c, id);
reports:
        state = fmt_str(r.exp, "state");
        if (strcmp(state, "aborted") == 0)
                r.aborted = 1;
        if (strcmp(state, "failed") == 0)
                r.injection_failed = 1;
        if (!r.error[0] && (r.aborted || r.injection_failed))
                snprintf(r.error, sizeof(r.error), "experiment %s ended %s: %s", id, state, fmt_str(r.exp, "reason"));
        if (!r.timeline)
                r.timeline = cJSON_CreateArray();
        if (!r.kernel_readback)
                r.kernel_readback = r.exp ? snapshot_readback(r.exp) : cJSON_CreateArray();
        rc = write_reports(o, &r, e);
        if (rc < 0)
                goto out;
        if (r.aborted || r.injection_failed) {
                rc = error_set(e, ECANCELED, "%s", r.error);
                goto out;
        }
        if (cli_interrupted) {
                rc = error_set(e, EINTR, "interrupted: experiment %s ended %s", id, state);
                goto out;
        }
        code = r.cmd_ran ? r.cmd_status : fmt_state_exit_code(state);
        rc = code;
out:
        spec_free(&s);
        ci_result_free(&r);
        return rc;
}
