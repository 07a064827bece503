/* Helpers for Check-based tests.
 *
 * run_suite() prints the suite's results as TAP, one line per test case,
 * which tests/run-all.sh (and the kernel lane's t_check_bin) count:
 *   ok N - CASE                  passed
 *   not ok N - CASE: FILE:LINE: MESSAGE
 *   ok N - CASE # SKIP REASON    the case called SKIP_TEST: counted as a
 *                                skip only, never as a pass too
 * and the plan "1..N" before them. Check has no skip of its own: a skipped
 * case returns early and Check calls it passed. So each case, in the forked
 * child that runs it, writes "start" to a file shared with the runner (a
 * checked fixture that tcase_create below adds to every TCase), and
 * SKIP_TEST writes "skip REASON" after it; the runner pairs those records
 * with Check's results, which come in the same order. The cases' names
 * come from Check's own TAP log (srunner_set_tap), also in that order.
 *
 * A test prints what it measured as a TAP comment, NOTE("..."): never as a
 * PASS line, which would be a second count of the same case. */
#pragma once
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

/* The record file: inherited by Check's forked children (MFD_CLOEXEC: not by
 * programs a test execs). -1 outside run_suite. */
static int tu_results_fd = -1;

static inline void tu_record(const char *kind, const char *fmt, va_list ap)
{
        char buf[1024];
        int n, m;

        if (tu_results_fd < 0)
                return;
        n = snprintf(buf, sizeof(buf), "%s ", kind);
        m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
        n = m < 0 ? n : (size_t)(n + m) >= sizeof(buf) - 1 ? (int)sizeof(buf) - 2 : n + m;
        for (int i = 0; i < n; i++)
                if (buf[i] == '\n' || buf[i] == '\r')
                        buf[i] = ' ';
        buf[n++] = '\n';
        /* One write: a record is never split, whatever the child does next. */
        (void)!write(tu_results_fd, buf, n);
}

static inline __attribute__((format(printf, 2, 3))) void tu_recordf(const char *kind, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        tu_record(kind, fmt, ap);
        va_end(ap);
}

static inline void tu_mark_start(void)
{
        tu_recordf("start", "case");
}

/* Every TCase gets the start marker as its first checked fixture. */
static inline TCase *tu_tcase_create(const char *name)
{
        TCase *tc = tcase_create(name);

        tcase_add_checked_fixture(tc, tu_mark_start, NULL);
        return tc;
}
#define tcase_create(name) tu_tcase_create(name)

/* What a case measured, as a TAP comment (not counted). */
#define NOTE(...)                                                       \
        do {                                                            \
                printf("# ");                                           \
                printf(__VA_ARGS__);                                    \
                fflush(stdout);                                         \
        } while (0)

/* The running case cannot be judged here: recorded as a skip with its
 * reason (Check will call the case passed; run_suite reports SKIP). The
 * caller returns from the case; SKIP_TEST does both. */
#define SKIP_CASE(...)                                                  \
        do {                                                            \
                tu_recordf("skip", __VA_ARGS__);                        \
                printf("# skipped %s: ", tcase_name());                 \
                printf(__VA_ARGS__);                                    \
                printf("\n");                                           \
                fflush(stdout);                                         \
        } while (0)
#define SKIP_TEST(...)                                                  \
        do {                                                            \
                SKIP_CASE(__VA_ARGS__);                                 \
                return;                                                 \
        } while (0)

#define REQUIRE_ROOT()                                                  \
        do {                                                            \
                if (geteuid() != 0)                                     \
                        SKIP_TEST("needs root");                        \
        } while (0)

/* A test program that cannot run here at all: TAP's "1..0 # SKIP WHY",
 * which the runner counts as one skip. Return its value from main. */
static inline __attribute__((format(printf, 1, 2))) int skip_suite(const char *fmt, ...)
{
        va_list ap;

        printf("1..0 # SKIP ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        return EXIT_SUCCESS;
}

/* TEXT on one TAP line: no newline, and '#' escaped (an unescaped "# SKIP"
 * in a failure message would make it a skip). */
static inline void tu_tap_text(const char *text)
{
        for (const char *p = text ? text : ""; *p; p++) {
                if (*p == '\n' || *p == '\r')
                        putchar(' ');
                else if (*p == '#')
                        fputs("\\#", stdout);
                else
                        putchar(*p);
        }
}

struct tu_case {
        const char *skip;
};

/* Split the records (modified in place) into one entry per case that
 * started, with its reason when it skipped. */
static inline struct tu_case *tu_parse_records(char *log, int *ret_n)
{
        struct tu_case *c = NULL;
        int n = 0;

        for (char *rec = log, *next; rec && *rec; rec = next) {
                next = strchr(rec, '\n');
                if (next)
                        *next++ = '\0';
                if (!strncmp(rec, "start ", 6)) {
                        c = realloc(c, (n + 1) * sizeof(*c));
                        if (!c)
                                abort();
                        c[n++] = (struct tu_case){ 0 };
                } else if (!strncmp(rec, "skip ", 5) && n > 0) {
                        c[n - 1].skip = rec + 5;
                }
        }
        *ret_n = n;
        return c;
}

/* The records file's whole content, NUL-terminated. */
static inline char *tu_read_all(int fd)
{
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        ssize_t n;

        if (!buf || lseek(fd, 0, SEEK_SET) < 0)
                abort();
        while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
                len += n;
                if (cap - len < 2 && !(buf = realloc(buf, cap *= 2)))
                        abort();
        }
        buf[len] = '\0';
        return buf;
}

/* The case's name in line I of Check's TAP log
 * ("ok 3 - FILE:TCASE:NAME: MESSAGE"), or NULL. Modifies TAP in place. */
static inline char **tu_check_names(char *tap, int want)
{
        char **names = calloc(want + 1, sizeof(*names));
        int i = 0;

        if (!names)
                abort();
        for (char *line = tap, *next, *p; line && *line && i < want; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strncmp(line, "ok ", 3) && strncmp(line, "not ok ", 7))
                        continue;
                p = strstr(line, " - ");
                p = p ? strchr(p + 3, ':') : NULL; /* after FILE */
                p = p ? strchr(p + 1, ':') : NULL; /* after TCASE */
                if (p && strstr(p + 1, ": ")) {
                        *strstr(p + 1, ": ") = '\0';
                        names[i] = p + 1;
                }
                i++;
        }
        return names;
}

/* Run a suite, print its results as TAP (see the top of this file) and exit
 * with the verdict; CK_FORK stays on so that one crashing test does not
 * hide the others. */
static inline int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        struct tu_case *cases;
        TestResult **res;
        char *log, *tap, tap_path[64], **names;
        int ntests, ncases, j = 0, failed = 0, skipped = 0, tap_fd;

        tu_results_fd = memfd_create("check-results", MFD_CLOEXEC);
        tap_fd = memfd_create("check-tap", MFD_CLOEXEC);
        if (tu_results_fd < 0 || tap_fd < 0) {
                perror("memfd_create");
                return EXIT_FAILURE;
        }
        snprintf(tap_path, sizeof(tap_path), "/proc/self/fd/%d", tap_fd);
        srunner_set_tap(sr, tap_path);
        fflush(stdout); /* or each forked child prints it again */
        srunner_run_all(sr, CK_SILENT);
        ntests = srunner_ntests_run(sr);
        res = srunner_results(sr);
        log = tu_read_all(tu_results_fd);
        tap = tu_read_all(tap_fd);
        close(tu_results_fd);
        close(tap_fd);
        tu_results_fd = -1;
        cases = tu_parse_records(log, &ncases);
        names = tu_check_names(tap, ntests);

        printf("1..%d\n", ntests);
        for (int i = 0; i < ntests; i++) {
                TestResult *tr = res[i];
                const char *name = names[i] ? names[i] : tr_tcname(tr), *skip = NULL;

                /* A fixture that runs in this process (unchecked) and failed
                 * has a result of its own but started no case. */
                if (j < ncases && !(ntests - i > ncases - j && tr_ctx(tr) != CK_CTX_TEST)) {
                        skip = cases[j].skip;
                        j++;
                }
                if (tr_rtype(tr) != CK_PASS) {
                        failed++;
                        printf("not ok %d - ", i + 1);
                        tu_tap_text(name);
                        printf(": %s:%d: ", tr_lfile(tr) ? tr_lfile(tr) : "?", tr_lno(tr));
                        tu_tap_text(tr_msg(tr));
                } else if (skip) {
                        skipped++;
                        printf("ok %d - ", i + 1);
                        tu_tap_text(name);
                        printf(" # SKIP ");
                        tu_tap_text(skip);
                } else {
                        printf("ok %d - ", i + 1);
                        tu_tap_text(name);
                }
                putchar('\n');
        }
        printf("# %d cases: %d passed, %d failed, %d skipped\n", ntests, ntests - failed - skipped, failed,
               skipped);
        fflush(stdout);
        free(cases);
        free(names);
        free(tap);
        free(log);
        free(res);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A file built next to this test binary (REL, from the binary's own
 * directory), or ENV's value when that is set; resolved by realpath into
 * OUT. 0, or -1 when it is not there (OUT then says where it was looked
 * for). */
static inline int built_path(const char *rel, const char *env, char *out, size_t len)
{
        char self[PATH_MAX], want[PATH_MAX + 256];
        ssize_t n;

        if (getenv(env)) {
                snprintf(want, sizeof(want), "%s", getenv(env));
        } else {
                n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                if (n <= 0)
                        return -1;
                self[n] = '\0';
                *strrchr(self, '/') = '\0';
                snprintf(want, sizeof(want), "%s/%s", self, rel);
        }
        if (!realpath(want, self)) {
                snprintf(out, len, "%s", want);
                return -1;
        }
        snprintf(out, len, "%s", self);
        return 0;
}
