/* Probe and step specs: defaults, URL parsing, every rejection with its
 * JSON path, and step windows (sequence / parallel / start offsets). */
#include <string.h>

#include "spec.h"
#include "testutil.h"

#define HEAD "{\"name\":\"n\",\"target\":{\"pid\":42},\"duration\":\"1m\",\"faults\":[{\"type\":\"pause\"}],"

static void parse_ok(const char *json, struct spec *s)
{
        struct error e = { 0 };

        ck_assert_msg(spec_parse(json, strlen(json), 0, 0, s, &e) == 0, "%s: %s", json, e.msg);
}

static void expect_error(const char *json, const char *path)
{
        struct spec s;
        struct error e = { 0 };

        ck_assert_msg(spec_parse(json, strlen(json), 0, 0, &s, &e) < 0, "accepted %s", json);
        ck_assert_msg(strcmp(e.path, path) == 0, "%s: path \"%s\" (%s), expected %s", json, e.path, e.msg, path);
}

START_TEST(probe_defaults_and_url)
{
        struct spec s;

        parse_ok(HEAD "\"probes\":[{\"name\":\"web\",\"http\":{\"url\":\"http://127.0.0.1:8080/health?x=1\","
                      "\"timeout\":\"500ms\",\"body_contains\":\"ok\"},\"failure_threshold\":2,\"abort_on_failure\":true},"
                      "{\"name\":\"db\",\"tcp\":{\"address\":\"[::1]:5432\"},\"phase\":[\"before\",\"after\"]},"
                      "{\"name\":\"v6\",\"http\":{\"url\":\"http://[fd00::1]/\"},\"phase\":\"before\",\"interval\":\"2s\"},"
                      "{\"name\":\"cmd\",\"exec\":{\"command\":[\"curl\",\"-f\",\"x\"],\"timeout\":\"3s\"},\"phase\":\"after\"}]}",
                 &s);
        ck_assert_int_eq(s.n_probes, 4);
        ck_assert_int_eq(s.probes[0].kind, PROBE_HTTP);
        ck_assert_str_eq(s.probes[0].host, "127.0.0.1");
        ck_assert_str_eq(s.probes[0].port, "8080");
        ck_assert_str_eq(s.probes[0].path, "/health?x=1");
        ck_assert_int_eq(s.probes[0].expect_status, 200);
        ck_assert_uint_eq(s.probes[0].timeout_us, 500000);
        ck_assert_uint_eq(s.probes[0].interval_us, 1000000);
        ck_assert_int_eq(s.probes[0].phases, PROBE_DURING);
        ck_assert_int_eq(s.probes[0].failure_threshold, 2);
        ck_assert(s.probes[0].abort_on_failure);
        ck_assert_str_eq(s.probes[1].host, "::1");
        ck_assert_str_eq(s.probes[1].port, "5432");
        ck_assert_int_eq(s.probes[1].phases, PROBE_BEFORE | PROBE_AFTER);
        ck_assert_int_eq(s.probes[1].failure_threshold, 1);
        ck_assert_str_eq(s.probes[2].host, "fd00::1");
        ck_assert_str_eq(s.probes[2].port, "80");
        ck_assert_int_eq(s.probes[3].kind, PROBE_EXEC);
        /* An exec timeout above 1 s raises the default interval with it. */
        ck_assert_uint_eq(s.probes[3].interval_us, 3000000);
        spec_free(&s);
}
END_TEST

START_TEST(probe_errors)
{
        expect_error(HEAD "\"probes\":{}}", "$.probes");
        expect_error(HEAD "\"probes\":[{\"http\":{\"url\":\"http://a/\"}}]}", "$.probes[0].name");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\"}]}", "$.probes[0]");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a/\"},\"tcp\":{\"address\":\"a:1\"}}]}",
                     "$.probes[0]");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"https://a/\"}}]}", "$.probes[0].http.url");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a:99999/\"}}]}", "$.probes[0].http.url");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a b/\"}}]}", "$.probes[0].http.url");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a/x y\"}}]}", "$.probes[0].http.url");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a/\",\"expect_status\":99}}]}",
                     "$.probes[0].http.expect_status");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a/\",\"method\":\"POST\"}}]}",
                     "$.probes[0].http.method");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"http\":{\"url\":\"http://a/\",\"body_contains\":\"\"}}]}",
                     "$.probes[0].http.body_contains");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"nohost\"}}]}", "$.probes[0].tcp.address");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"exec\":{\"command\":[]}}]}", "$.probes[0].exec.command");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"interval\":\"10ms\"}]}",
                     "$.probes[0].interval");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\",\"timeout\":\"2s\"},\"interval\":\"1s\"}]}",
                     "$.probes[0].interval");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"failure_threshold\":0}]}",
                     "$.probes[0].failure_threshold");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"phase\":\"sometimes\"}]}",
                     "$.probes[0].phase");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"phase\":[\"before\",7]}]}",
                     "$.probes[0].phase[1]");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"phase\":\"after\",\"abort_on_failure\":true}]}",
                     "$.probes[0].abort_on_failure");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"}},{\"name\":\"a\",\"tcp\":{\"address\":\"a:2\"}}]}",
                     "$.probes[1].name");
        expect_error(HEAD "\"probes\":[{\"name\":\"a\",\"tcp\":{\"address\":\"a:1\"},\"retries\":3}]}", "$.probes[0].retries");
}
END_TEST

#define SHEAD "{\"name\":\"n\",\"target\":{\"pid\":42},"

START_TEST(step_windows)
{
        struct spec s;

        parse_ok(SHEAD "\"steps\":["
                       "{\"name\":\"latency\",\"duration\":\"10s\",\"faults\":[{\"type\":\"pause\"}]},"
                       "{\"name\":\"cpu\",\"start\":\"5s\",\"duration\":\"20s\",\"faults\":[{\"type\":\"cpu\",\"quota\":0.5}]},"
                       "{\"name\":\"kill\",\"parallel\":true,\"start\":\"2s\",\"duration\":\"1s\","
                       " \"faults\":[{\"type\":\"kill\",\"signal\":\"SIGTERM\"}]}]}",
                 &s);
        ck_assert_int_eq(s.n_steps, 3);
        ck_assert_int_eq(s.n_faults, 3);
        /* latency [0,10); cpu 5 s after latency ends: [15,35); kill runs
         * alongside cpu, 2 s after it starts: [17,18). */
        ck_assert_uint_eq(s.fault_list[0].start_us, 0);
        ck_assert_uint_eq(s.fault_list[0].end_us, 10000000);
        ck_assert_uint_eq(s.fault_list[1].start_us, 15000000);
        ck_assert_uint_eq(s.fault_list[1].end_us, 35000000);
        ck_assert_uint_eq(s.fault_list[2].start_us, 17000000);
        ck_assert_uint_eq(s.fault_list[2].end_us, 18000000);
        ck_assert_str_eq(s.fault_list[1].path, "$.steps[1].faults[0]");
        /* No "duration": the scenario's length. */
        ck_assert_uint_eq(s.duration_us, 35000000);
        spec_free(&s);
}
END_TEST

START_TEST(step_errors)
{
        expect_error(SHEAD "\"steps\":[]}", "$.steps");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"faults\":[{\"type\":\"pause\"}]}]}", "$.steps[0].duration");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"faults\":[]}]}", "$.steps[0].faults");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\",\"x\":1}]}]}",
                     "$.steps[0].faults[0].x");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"faults\":[{\"type\":\"nope\"}]}]}",
                     "$.steps[0].faults[0].type");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"parallel\":true,\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.steps[0].parallel");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"5s\",\"faults\":[{\"type\":\"pause\"}]},"
                           "{\"name\":\"b\",\"parallel\":true,\"start\":\"1s\",\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.steps[1].faults[0]");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]},"
                           "{\"name\":\"a\",\"duration\":\"1s\",\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.steps[1].name");
        expect_error(SHEAD "\"duration\":\"1s\",\"steps\":[{\"name\":\"a\",\"duration\":\"2s\",\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.duration");
        expect_error(SHEAD "\"faults\":[{\"type\":\"pause\"}],\"steps\":[{\"name\":\"a\",\"duration\":\"2s\",\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.faults");
        expect_error(SHEAD "\"steps\":[{\"name\":\"a\",\"duration\":\"1s\",\"start\":\"soon\",\"faults\":[{\"type\":\"pause\"}]}]}",
                     "$.steps[0].start");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("probe_spec");
        TCase *tc = tcase_create("probes");

        tcase_add_test(tc, probe_defaults_and_url);
        tcase_add_test(tc, probe_errors);
        tcase_add_test(tc, step_windows);
        tcase_add_test(tc, step_errors);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
