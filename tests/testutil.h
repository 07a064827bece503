/* Helpers for Check-based tests. A test that cannot run here prints
 * "SKIP: <test>: <reason>" (counted by tests/run-all.sh) and returns. */
#pragma once
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
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
