/* Helpers for Check-based tests. A test that cannot run here prints
 * "SKIP: <test>: <reason>" (counted by tests/run-all.sh) and returns. */
#pragma once
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SKIP_TEST(...)                                                  \
        do {                                                            \
                printf("SKIP: %s: ", __func__);                         \
                printf(__VA_ARGS__);                                    \
                printf("\n");                                           \
                fflush(stdout);                                         \
                return;                                                 \
        } while (0)

#define REQUIRE_ROOT()                                                  \
        do {                                                            \
                if (geteuid() != 0)                                     \
                        SKIP_TEST("needs root");                        \
        } while (0)

/* Run a suite and exit with Check's verdict; CK_FORK stays on so that one
 * crashing test does not hide the others. */
static inline int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
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
