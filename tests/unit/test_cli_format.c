/* chaosctl's pure parts: time-left and progress formatting, event lines,
 * state → exit code, and the errno → exit code mapping of DESIGN.md. */
#include <errno.h>
#include <string.h>

#include "testutil.h"

/* The unit under test is compiled in: the CLI's objects are not part of
 * the library that test binaries link. */
#include "../../cli/format.c"

static cJSON *parse(const char *s)
{
        cJSON *j = cJSON_Parse(s);

        ck_assert_ptr_nonnull(j);
        return j;
}

START_TEST(left_formats)
{
        static const struct {
                int64_t ms;
                const char *want;
        } cases[] = {
                { -5, "0.0s" },      { 0, "0.0s" },         { 99, "0.0s" },        { 12345, "12.3s" },
                { 12399, "12.3s" },  { 59999, "59.9s" },    { 60000, "1m00s" },    { 245000, "4m05s" },
                { 3599999, "59m59s" }, { 3600000, "1h00m" }, { 7380000, "2h03m" }, { 90000000, "25h00m" },
        };
        char buf[32];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                ck_assert_str_eq(fmt_left(cases[i].ms, buf, sizeof(buf)), cases[i].want);
}
END_TEST

/* The object of docs/api.md, trimmed to what the progress line reads. */
static const char *running_exp =
        "{\"id\":\"e1f0c2a9b3d4\",\"name\":\"checkout-pause\",\"state\":\"running\",\"reason\":\"\","
        "\"remaining_ms\":12345,\"faults\":[{\"index\":0,\"type\":\"pause\",\"state\":\"active\"},"
        "{\"index\":1,\"type\":\"kill\",\"state\":\"done\"}]}";

START_TEST(progress_line)
{
        cJSON *x = parse(running_exp);
        char buf[256];

        fmt_progress(x, buf, sizeof(buf));
        ck_assert_str_eq(buf, "checkout-pause  running  12.3s left  1 fault active");

        /* Plural, and a summary's faults_active wins over counting. */
        cJSON_AddNumberToObject(x, "faults_active", 2);
        fmt_progress(x, buf, sizeof(buf));
        ck_assert_str_eq(buf, "checkout-pause  running  12.3s left  2 faults active");
        cJSON_Delete(x);

        /* An ended experiment has no time left to show. */
        x = parse("{\"name\":\"n\",\"state\":\"completed\",\"remaining_ms\":0,\"faults\":[]}");
        fmt_progress(x, buf, sizeof(buf));
        ck_assert_str_eq(buf, "n  completed  0 faults active");
        cJSON_Delete(x);

        /* Truncation into a small buffer stays NUL-terminated. */
        x = parse(running_exp);
        fmt_progress(x, buf, 10);
        ck_assert_uint_eq(strlen(buf), 9);
        cJSON_Delete(x);
}
END_TEST

START_TEST(state_lines)
{
        cJSON *x = parse("{\"name\":\"db-kill\",\"state\":\"target-gone\",\"reason\":\"container exited\"}");
        char buf[256];

        fmt_state_line(x, buf, sizeof(buf));
        ck_assert_str_eq(buf, "db-kill  target-gone: container exited");
        cJSON_Delete(x);
        x = parse(running_exp);
        fmt_state_line(x, buf, sizeof(buf));
        ck_assert_str_eq(buf, "checkout-pause  running");
        cJSON_Delete(x);
}
END_TEST

START_TEST(states_and_exit_codes)
{
        static const char *const live[] = { "injecting", "running", "reverting", "", "bogus" };
        static const char *const good[] = { "completed", "stopped" };
        static const char *const bad[] = { "halted", "failed", "target-gone", "aborted" };

        for (size_t i = 0; i < ARRAY_SIZE(live); i++)
                ck_assert_int_eq(fmt_state_is_end(live[i]), 0);
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                ck_assert_int_eq(fmt_state_is_end(good[i]), 1);
                ck_assert_int_eq(fmt_state_exit_code(good[i]), EXIT_OK);
        }
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                ck_assert_int_eq(fmt_state_is_end(bad[i]), 1);
                ck_assert_int_eq(fmt_state_exit_code(bad[i]), EXIT_FAIL);
        }
}
END_TEST

START_TEST(errno_to_exit_code)
{
        ck_assert_int_eq(cli_exit_code(0), 0);
        ck_assert_int_eq(cli_exit_code(1), 1);
        ck_assert_int_eq(cli_exit_code(-EINVAL), EXIT_USAGE);
        ck_assert_int_eq(cli_exit_code(-HTTP_EUNREACHABLE), EXIT_UNREACHABLE);
        ck_assert_int_eq(cli_exit_code(-ENOENT), EXIT_FAIL);
        ck_assert_int_eq(cli_exit_code(-EACCES), EXIT_FAIL);
        ck_assert_int_eq(cli_exit_code(-ECANCELED), EXIT_FAIL);
        ck_assert_int_eq(cli_exit_code(-EPROTO), EXIT_FAIL);
        ck_assert_int_eq(cli_exit_code(-EIO), EXIT_FAIL);
}
END_TEST

START_TEST(event_lines)
{
        cJSON *ev = parse("{\"seq\":12,\"time\":\"2026-11-25T12:00:00.200Z\",\"experiment\":\"e1f0c2a9b3d4\","
                          "\"event\":\"running\",\"message\":\"1 fault active\"}");
        char buf[256];

        fmt_event(ev, buf, sizeof(buf));
        ck_assert_str_eq(buf, "2026-11-25T12:00:00.200Z  e1f0c2a9b3d4  running    1 fault active");
        cJSON_Delete(ev);

        /* Daemon-wide events have no experiment; no trailing blanks. */
        ev = parse("{\"seq\":1,\"time\":\"2026-11-25T12:00:00.000Z\",\"event\":\"recovered\",\"message\":\"\"}");
        fmt_event(ev, buf, sizeof(buf));
        ck_assert_str_eq(buf, "2026-11-25T12:00:00.000Z  -             recovered");
        cJSON_Delete(ev);
}
END_TEST

START_TEST(readback_pairs)
{
        cJSON *rb = parse("{\"freezer.state\":\"FROZEN\",\"tasks\":3,\"ok\":true}");
        char buf[256];

        fmt_readback(rb, buf, sizeof(buf));
        ck_assert_str_eq(buf, "freezer.state=FROZEN tasks=3 ok=true");
        cJSON_Delete(rb);
        fmt_readback(NULL, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_format");
        TCase *tc = tcase_create("format");

        tcase_add_test(tc, left_formats);
        tcase_add_test(tc, progress_line);
        tcase_add_test(tc, state_lines);
        tcase_add_test(tc, states_and_exit_codes);
        tcase_add_test(tc, errno_to_exit_code);
        tcase_add_test(tc, event_lines);
        tcase_add_test(tc, readback_pairs);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
