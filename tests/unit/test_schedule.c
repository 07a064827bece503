/* Cron parsing and next-firing computation, in explicit time zones (DST
 * included), and the "schedule" object of a spec with its JSON paths. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedule.h"
#include "spec.h"
#include "testutil.h"

/* 2026-03-01T00:00:00Z, a Sunday. */
#define T_MAR1 1772323200LL

static int64_t utc(int y, int mo, int d, int h, int mi)
{
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };

        return (int64_t)timegm(&tm);
}

static struct schedule sched(const char *expr, const char *tz)
{
        struct schedule s = { 0 };
        struct error e = { 0 };

        ck_assert_msg(cron_parse(expr, "$.schedule.cron", &s.cron, &e) == 0, "%s: %s", expr, e.msg);
        snprintf(s.expr, sizeof(s.expr), "%s", expr);
        snprintf(s.timezone, sizeof(s.timezone), "%s", tz);
        return s;
}

START_TEST(epoch_constant)
{
        ck_assert_int_eq(utc(2026, 3, 1, 0, 0), T_MAR1);
}
END_TEST

START_TEST(every_five_minutes)
{
        struct schedule s = sched("*/5 * * * *", "UTC");

        ck_assert_int_eq(schedule_next(&s, T_MAR1), T_MAR1 + 300);
        ck_assert_int_eq(schedule_next(&s, T_MAR1 + 1), T_MAR1 + 300);
        ck_assert_int_eq(schedule_next(&s, T_MAR1 + 299), T_MAR1 + 300);
        /* Strictly after: a firing instant itself is not "next". */
        ck_assert_int_eq(schedule_next(&s, T_MAR1 + 300), T_MAR1 + 600);
}
END_TEST

START_TEST(weekdays_at_nine_berlin)
{
        struct schedule s = sched("0 9 * * mon-fri", "Europe/Berlin");

        /* Sunday 1 March -> Monday 2 March 09:00 CET = 08:00Z. */
        ck_assert_int_eq(schedule_next(&s, T_MAR1), utc(2026, 3, 2, 8, 0));
        /* Friday 27 March 09:00 CET = 08:00Z; then DST starts on Sunday
         * 29 March: Monday 30 March 09:00 CEST = 07:00Z. */
        ck_assert_int_eq(schedule_next(&s, utc(2026, 3, 27, 7, 0)), utc(2026, 3, 27, 8, 0));
        ck_assert_int_eq(schedule_next(&s, utc(2026, 3, 27, 8, 0)), utc(2026, 3, 30, 7, 0));
}
END_TEST

START_TEST(new_york_and_utc_differ)
{
        struct schedule ny = sched("30 2 * * *", "America/New_York"), u = sched("30 2 * * *", "UTC");

        ck_assert_int_eq(schedule_next(&u, T_MAR1), utc(2026, 3, 1, 2, 30));
        ck_assert_int_eq(schedule_next(&ny, T_MAR1), utc(2026, 3, 1, 7, 30)); /* EST = UTC-5 */
        /* 8 March 2026: 02:30 does not exist in New York (clocks jump from
         * 02:00 to 03:00); that day has no 02:30 firing. */
        ck_assert_int_gt(schedule_next(&ny, utc(2026, 3, 7, 8, 0)), utc(2026, 3, 8, 6, 0));
        /* And TZ is left as it was. */
        ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

START_TEST(lists_ranges_steps_names)
{
        struct schedule s = sched("15,45 8-10/2 1 jan,jul *", "UTC");

        ck_assert_int_eq(schedule_next(&s, T_MAR1), utc(2026, 7, 1, 8, 15));
        ck_assert_int_eq(schedule_next(&s, utc(2026, 7, 1, 8, 15)), utc(2026, 7, 1, 8, 45));
        ck_assert_int_eq(schedule_next(&s, utc(2026, 7, 1, 8, 45)), utc(2026, 7, 1, 10, 15));
        ck_assert_int_eq(schedule_next(&s, utc(2026, 7, 1, 10, 45)), utc(2027, 1, 1, 8, 15));
}
END_TEST

START_TEST(dom_or_dow)
{
        /* Both day fields restricted: either matches (Vixie cron). */
        struct schedule s = sched("0 0 13 * fri", "UTC");

        /* After 1 March 2026 (Sunday): Friday 6 March comes before the 13th. */
        ck_assert_int_eq(schedule_next(&s, T_MAR1), utc(2026, 3, 6, 0, 0));
        ck_assert_int_eq(schedule_next(&s, utc(2026, 3, 6, 0, 0)), utc(2026, 3, 13, 0, 0));
        /* Sunday as 7 and as 0. */
        struct schedule a = sched("0 12 * * 7", "UTC"), b = sched("0 12 * * 0", "UTC");
        ck_assert_int_eq(schedule_next(&a, T_MAR1), schedule_next(&b, T_MAR1));
        ck_assert_int_eq(schedule_next(&a, T_MAR1), utc(2026, 3, 1, 12, 0));
}
END_TEST

START_TEST(never_fires)
{
        struct schedule s = sched("0 0 31 2 *", "UTC");

        ck_assert_int_eq(schedule_next(&s, T_MAR1), -1);
}
END_TEST

START_TEST(bad_expressions)
{
        static const char *const bad[] = { "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
                                           "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *",
                                           "* * * foo *", "1,,2 * * * *", "", "*/5x * * * *", NULL };
        for (int i = 0; bad[i]; i++) {
                struct cron c;
                struct error e = { 0 };

                ck_assert_msg(cron_parse(bad[i], "$.schedule.cron", &c, &e) < 0, "accepted \"%s\"", bad[i]);
                ck_assert_str_eq(e.path, "$.schedule.cron");
        }
}
END_TEST

static void expect_spec_error(const char *json, const char *path)
{
        struct spec s;
        struct error e = { 0 };

        ck_assert_msg(spec_parse(json, strlen(json), 0, 0, &s, &e) < 0, "accepted %s", json);
        ck_assert_msg(strcmp(e.path, path) == 0, "%s: path %s (%s), expected %s", json, e.path, e.msg, path);
}

#define HEAD "{\"name\":\"n\",\"target\":{\"pid\":42},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}],"

START_TEST(spec_schedule)
{
        struct spec s;
        struct error e = { 0 };
        const char *ok = HEAD "\"schedule\":{\"cron\":\"*/5 * * * *\",\"timezone\":\"Europe/Berlin\"}}";

        ck_assert_msg(spec_parse(ok, strlen(ok), 0, 0, &s, &e) == 0, "%s", e.msg);
        ck_assert(s.has_schedule);
        ck_assert_str_eq(s.schedule.timezone, "Europe/Berlin");
        spec_free(&s);
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"*/5 * * * *\"}}", "$.schedule.timezone");
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"*/5 * * *\",\"timezone\":\"UTC\"}}", "$.schedule.cron");
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"* * * * *\",\"timezone\":\"Mars/Olympus\"}}",
                          "$.schedule.timezone");
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"* * * * *\",\"timezone\":\"../../etc/passwd\"}}",
                          "$.schedule.timezone");
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"* * * * *\",\"timezone\":\"UTC\",\"at\":1}}", "$.schedule.at");
        expect_spec_error(HEAD "\"schedule\":\"* * * * *\"}", "$.schedule");
        expect_spec_error(HEAD "\"schedule\":{\"cron\":\"0 0 30 2 *\",\"timezone\":\"UTC\"}}", "$.schedule.cron");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("schedule");
        TCase *tc = tcase_create("cron");

        unsetenv("TZ");
        tcase_add_test(tc, epoch_constant);
        tcase_add_test(tc, every_five_minutes);
        tcase_add_test(tc, weekdays_at_nine_berlin);
        tcase_add_test(tc, new_york_and_utc_differ);
        tcase_add_test(tc, lists_ranges_steps_names);
        tcase_add_test(tc, dom_or_dow);
        tcase_add_test(tc, never_fires);
        tcase_add_test(tc, bad_expressions);
        tcase_add_test(tc, spec_schedule);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
