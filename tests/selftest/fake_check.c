/* A Check program for the runner's own tests (tests/unit/runner_totals.sh):
 * FAKE_MODE picks its cases, each of which does one known thing, so that the
 * totals the runner prints can be compared with what was done.
 *   pass3  three cases that pass
 *   skip1  two that pass and one that skips (must count as a skip only)
 *   fail1  two that pass and one that fails
 *   die    one that passes, then one that SIGKILLs this runner (Check's
 *          parent process) half-way: nothing is reported, the run is broken
 * Each mode makes three cases. */
#include <signal.h>

#include "testutil.h"

START_TEST(passes)
{
        ck_assert_int_eq(1 + 1, 2);
}
END_TEST

START_TEST(skips)
{
        SKIP_TEST("a reason with a # SKIP inside it");
        ck_abort_msg("SKIP_TEST did not return");
}
END_TEST

START_TEST(fails)
{
        ck_assert_msg(0, "failed on purpose # SKIP must not hide it");
}
END_TEST

START_TEST(kills_runner)
{
        kill(getppid(), SIGKILL);
        usleep(200 * 1000); /* the kill lands first */
}
END_TEST

int main(void)
{
        const char *mode = getenv("FAKE_MODE") ? getenv("FAKE_MODE") : "pass3";
        Suite *s = suite_create("fake");
        TCase *tc = tcase_create("fake");

        tcase_add_test(tc, passes);
        if (!strcmp(mode, "skip1"))
                tcase_add_test(tc, skips);
        else if (!strcmp(mode, "fail1"))
                tcase_add_test(tc, fails);
        else if (!strcmp(mode, "die"))
                tcase_add_test(tc, kills_runner);
        else
                tcase_add_test(tc, passes);
        tcase_add_test(tc, passes);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
