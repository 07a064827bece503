/* JUnit XML for CI systems: one <testsuite> per experiment, a testcase per
 * probe, step and fault, plus the user's command. The shape is the common
 * denominator that Jenkins, GitLab, GitHub test reporters and junitparser
 * read: testsuites > testsuite > testcase > failure|skipped. */
#include "ci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"

static void xml_text(FILE *f, const char *s)
{
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                switch (c) {
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '&':
                        fputs("&amp;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                case '\'':
                        fputs("&apos;", f);
                        break;
                default:
                        /* XML 1.0 allows no other control characters. */
                        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                                fputc(' ', f);
                        else
                                fputc(c, f);
                }
        }
}

struct tc {
        char classname[64];
        char name[256];
        double time;
        const char *kind; /* "pass", "failure", "skipped" */
        char message[1200];
};

static void put_case(FILE *f, const struct tc *t)
{
        fputs("    <testcase classname=\"", f);
        xml_text(f, t->classname);
        fputs("\" name=\"", f);
        xml_text(f, t->name);
        fprintf(f, "\" time=\"%.3f\"", t->time);
        if (strcmp(t->kind, "pass") == 0) {
                fputs("/>\n", f);
                return;
        }
        fputs(">\n      <", f);
        fputs(strcmp(t->kind, "failure") == 0 ? "failure type=\"chaos\" message=\"" : "skipped message=\"", f);
        xml_text(f, t->message);
        fputs("\">", f);
        xml_text(f, t->message);
        fputs(strcmp(t->kind, "failure") == 0 ? "</failure>\n" : "</skipped>\n", f);
        fputs("    </testcase>\n", f);
}

const char *ci_fault_failure(const cJSON *fault, char *buf, size_t len)
{
        const char *st = fmt_str(fault, "state"), *err = fmt_str(fault, "error");

        buf[0] = '\0';
        if (strcmp(st, "failed") == 0 || *err)
                snprintf(buf, len, "fault %s: %s", st, *err ? err : "failed");
        return buf;
}

/* A probe's verdict over its phases. */
static void probe_case(const cJSON *p, const char *side, struct tc *t)
{
        const cJSON *ph;
        int failed = 0, ran = 0;

        memset(t, 0, sizeof(*t));
        snprintf(t->classname, sizeof(t->classname), "chaos.probe");
        snprintf(t->name, sizeof(t->name), "%s (%s, %s)", fmt_str(p, "name"), fmt_str(p, "kind"), side);
        t->kind = "pass";
        t->message[0] = '\0';
        cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(p, "phases")) {
                const char *v = cJSON_IsString(ph) ? ph->valuestring : "";

                if (strcmp(v, "failed") == 0) {
                        failed = 1;
                        size_t n = strlen(t->message);
                        snprintf(t->message + n, sizeof(t->message) - n, "%s%s phase failed", n ? "; " : "",
                                 ph->string);
                }
                if (strcmp(v, "passed") == 0 || strcmp(v, "failed") == 0)
                        ran = 1;
        }
        if (failed) {
                size_t n = strlen(t->message);

                t->kind = "failure";
                snprintf(t->message + n, sizeof(t->message) - n, ": %s", fmt_str(p, "evidence"));
        } else if (!ran) {
                t->kind = "skipped";
                snprintf(t->message, sizeof(t->message), "the probe did not run (experiment %s)", "ended early");
        }
}

int junit_write(const char *file, const struct ci_result *r, struct error *e)
{
        struct tc cases[256];
        int n = 0, failures = 0, skipped = 0;
        const cJSON *p, *fa, *st;
        char tmp[4096], ts[32], host[128] = "localhost";
        double total = r->ended_unix - r->started_unix;
        time_t t0 = (time_t)r->started_unix;
        struct tm tm;
        FILE *f;

        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r->exp, "probes")) {
                if (n < 250 && strcmp(fmt_str(p, "kind"), "exec") != 0)
                        probe_case(p, "chaosd", &cases[n++]);
        }
        cJSON_ArrayForEach(p, r->client_probes) {
                if (n < 250)
                        probe_case(p, "chaosctl", &cases[n++]);
        }
        /* Steps: passed when none of their faults failed. */
        cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(r->spec, "steps")) {
                struct tc *t = &cases[n];
                int ran = 0;

                if (n >= 250)
                        break;
                n++;
                snprintf(t->classname, sizeof(t->classname), "chaos.step");
                snprintf(t->name, sizeof(t->name), "%s", fmt_str(st, "name"));
                t->time = 0;
                t->kind = "pass";
                t->message[0] = '\0';
                cJSON_ArrayForEach(fa, cJSON_GetObjectItemCaseSensitive(r->exp, "faults")) {
                        char why[700];

                        if (strcmp(fmt_str(fa, "step"), fmt_str(st, "name")) != 0)
                                continue;
                        if (strcmp(fmt_str(fa, "state"), "pending") != 0)
                                ran = 1;
                        if (*ci_fault_failure(fa, why, sizeof(why))) {
                                t->kind = "failure";
                                snprintf(t->message, sizeof(t->message), "fault %d (%s): %s",
                                         (int)fmt_int(fa, "index", -1), fmt_str(fa, "type"), why);
                        }
                }
                if (!ran && strcmp(t->kind, "pass") == 0) {
                        t->kind = "skipped";
                        snprintf(t->message, sizeof(t->message), "the step never started (experiment %s)",
                                 fmt_str(r->exp, "state"));
                }
        }
        cJSON_ArrayForEach(fa, cJSON_GetObjectItemCaseSensitive(r->exp, "faults")) {
                struct tc *t = &cases[n];
                char why[700];

                if (n >= 250)
                        break;
                n++;
                snprintf(t->classname, sizeof(t->classname), "chaos.fault");
                snprintf(t->name, sizeof(t->name), "fault %d: %s on target %d", (int)fmt_int(fa, "index", -1),
                         fmt_str(fa, "type"), (int)fmt_int(fa, "target", 0));
                t->time = 0;
                t->kind = "pass";
                t->message[0] = '\0';
                if (*ci_fault_failure(fa, why, sizeof(why))) {
                        t->kind = "failure";
                        snprintf(t->message, sizeof(t->message), "%s", why);
                } else if (strcmp(fmt_str(fa, "state"), "pending") == 0) {
                        t->kind = "skipped";
                        snprintf(t->message, sizeof(t->message), "never injected: %s", fmt_str(r->exp, "reason"));
                }
        }
        if (!r->exp && r->error[0]) {
                struct tc *t = &cases[n++];

                snprintf(t->classname, sizeof(t->classname), "chaos.experiment");
                snprintf(t->name, sizeof(t->name), "%s", fmt_str(r->spec, "name"));
                t->time = 0;
                t->kind = "failure";
                snprintf(t->message, sizeof(t->message), "%s", r->error);
        }
        if (r->cmd) {
                struct tc *t = &cases[n++];
                size_t k = 0;

                snprintf(t->classname, sizeof(t->classname), "chaos.command");
                for (char **a = r->cmd; *a && k < sizeof(t->name) - 2; a++)
                        k += (size_t)snprintf(t->name + k, sizeof(t->name) - k, "%s%s", k ? " " : "", *a);
                t->time = r->cmd_seconds;
                t->kind = "pass";
                t->message[0] = '\0';
                if (!r->cmd_ran) {
                        t->kind = "skipped";
                        snprintf(t->message, sizeof(t->message), "not run: %s",
                                 r->error[0] ? r->error : "the experiment ended before it could start");
                } else if (r->cmd_status != 0) {
                        t->kind = "failure";
                        snprintf(t->message, sizeof(t->message), "exit status %d", r->cmd_status);
                }
        }
        for (int i = 0; i < n; i++) {
                failures += strcmp(cases[i].kind, "failure") == 0;
                skipped += strcmp(cases[i].kind, "skipped") == 0;
        }
        gmtime_r(&t0, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        (void)gethostname(host, sizeof(host) - 1);
        snprintf(tmp, sizeof(tmp), "%s.tmp", file);
        f = fopen(tmp, "we");
        if (!f)
                return error_sys(e, errno, "cannot write JUnit report %s", file);
        fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        fprintf(f,
                "<testsuites name=\"chaosctl\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
                n, failures, skipped, total);
        fputs("  <testsuite name=\"", f);
        xml_text(f, r->exp ? fmt_str(r->exp, "name") : fmt_str(r->spec, "name"));
        fprintf(f,
                "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\" hostname=\"",
                n, failures, skipped, total, ts);
        xml_text(f, host);
        fputs("\">\n    <properties>\n", f);
        fputs("      <property name=\"experiment\" value=\"", f);
        xml_text(f, fmt_str(r->exp, "id"));
        fputs("\"/>\n      <property name=\"state\" value=\"", f);
        xml_text(f, fmt_str(r->exp, "state"));
        fputs("\"/>\n      <property name=\"reason\" value=\"", f);
        xml_text(f, r->exp ? fmt_str(r->exp, "reason") : r->error);
        fputs("\"/>\n      <property name=\"spec\" value=\"", f);
        xml_text(f, r->spec_file);
        fputs("\"/>\n    </properties>\n", f);
        for (int i = 0; i < n; i++)
                put_case(f, &cases[i]);
        fputs("  </testsuite>\n</testsuites>\n", f);
        if (fflush(f) == EOF || ferror(f)) {
                fclose(f);
                unlink(tmp);
                return error_sys(e, EIO, "cannot write JUnit report %s", file);
        }
        fclose(f);
        if (rename(tmp, file) < 0)
                return error_sys(e, errno, "cannot write JUnit report %s", file);
        return 0;
}
