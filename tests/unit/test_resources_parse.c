/* Parsing of the resource faults (cpu, memory, pids, io): what is
 * accepted, and that every rejection names its JSON path. Pure: nothing is
 * touched. */
#include <string.h>

#include "cleanup.h"
#include "fault.h"
#include "testutil.h"

static struct fault *parse_ok(const char *s)
{
        cJSON *j = cJSON_Parse(s);
        struct fault *f = NULL;
        struct error e = { 0 };
        int r;

        ck_assert_msg(j != NULL, "bad JSON in test: %s", s);
        r = fault_new(j, 0, &f, &e);
        ck_assert_msg(r == 0, "%s rejected: %s", s, e.msg);
        f->json = NULL; /* borrowed: freed below */
        cJSON_Delete(j);
        return f;
}

/* The spec must be rejected and the message must start with PATH. */
static void parse_bad(const char *s, const char *path, const char *words)
{
        cJSON *j = cJSON_Parse(s);
        struct fault *f = NULL;
        struct error e = { 0 };
        int r;

        ck_assert_msg(j != NULL, "bad JSON in test: %s", s);
        r = fault_new(j, 0, &f, &e);
        ck_assert_msg(r < 0, "%s was accepted", s);
        ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "%s: message \"%s\" lacks path %s", s, e.msg, path);
        if (words)
                ck_assert_msg(strstr(e.msg, words), "%s: message \"%s\" lacks \"%s\"", s, e.msg, words);
        cJSON_Delete(j);
}

START_TEST(cpu_accepts)
{
        static const char *const ok[] = {
                "{\"type\":\"cpu\",\"quota\":0.2}",
                "{\"type\":\"cpu\",\"quota\":1.5,\"period\":\"50ms\"}",
                "{\"type\":\"cpu\",\"weight\":10000}",
                "{\"type\":\"cpu\",\"cpus\":\"0-1,3\"}",
                "{\"type\":\"cpu\",\"load\":50}",
                "{\"type\":\"cpu\",\"load\":\"75%\",\"workers\":2}",
                "{\"type\":\"cpu\",\"quota\":0.5,\"weight\":50,\"cpus\":\"0\",\"load\":100,\"workers\":1}",
        };

        for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
                fault_free(parse_ok(ok[i]));
}
END_TEST

START_TEST(cpu_rejects)
{
        parse_bad("{\"type\":\"cpu\"}", "$.faults[0]", "at least one");
        parse_bad("{\"type\":\"cpu\",\"quota\":0.2,\"burst\":1}", "$.faults[0].burst", NULL);
        parse_bad("{\"type\":\"cpu\",\"quota\":\"0.2\"}", "$.faults[0].quota", "number");
        parse_bad("{\"type\":\"cpu\",\"quota\":0}", "$.faults[0].quota", "range");
        parse_bad("{\"type\":\"cpu\",\"quota\":2000}", "$.faults[0].quota", "range");
        parse_bad("{\"type\":\"cpu\",\"quota\":0.01,\"period\":\"10ms\"}", "$.faults[0].quota", "1ms minimum");
        parse_bad("{\"type\":\"cpu\",\"quota\":0.5,\"period\":\"2s\"}", "$.faults[0].period", "range");
        parse_bad("{\"type\":\"cpu\",\"quota\":0.5,\"period\":100}", "$.faults[0].period", NULL);
        parse_bad("{\"type\":\"cpu\",\"period\":\"100ms\",\"weight\":5}", "$.faults[0].period", "quota");
        parse_bad("{\"type\":\"cpu\",\"weight\":0}", "$.faults[0].weight", "range");
        parse_bad("{\"type\":\"cpu\",\"weight\":1.5}", "$.faults[0].weight", "whole");
        parse_bad("{\"type\":\"cpu\",\"cpus\":\"1-0\"}", "$.faults[0].cpus", "CPU list");
        parse_bad("{\"type\":\"cpu\",\"cpus\":\"0,,1\"}", "$.faults[0].cpus", "CPU list");
        parse_bad("{\"type\":\"cpu\",\"cpus\":\"\"}", "$.faults[0].cpus", NULL);
        parse_bad("{\"type\":\"cpu\",\"cpus\":\"a\"}", "$.faults[0].cpus", "CPU list");
        parse_bad("{\"type\":\"cpu\",\"load\":0}", "$.faults[0].load", "above 0");
        parse_bad("{\"type\":\"cpu\",\"load\":150}", "$.faults[0].load", NULL);
        parse_bad("{\"type\":\"cpu\",\"load\":\"lots\"}", "$.faults[0].load", NULL);
        parse_bad("{\"type\":\"cpu\",\"quota\":0.5,\"workers\":2}", "$.faults[0].workers", "load");
        parse_bad("{\"type\":\"cpu\",\"load\":50,\"workers\":0}", "$.faults[0].workers", "range");
}
END_TEST

START_TEST(memory_accepts)
{
        static const char *const ok[] = {
                "{\"type\":\"memory\",\"limit\":\"256MiB\"}",
                "{\"type\":\"memory\",\"limit\":268435456,\"allow_oom\":true}",
                "{\"type\":\"memory\",\"high\":\"128MiB\"}",
                "{\"type\":\"memory\",\"consume\":\"50%\"}",
                "{\"type\":\"memory\",\"consume\":\"64MiB\",\"ramp\":\"5s\"}",
                "{\"type\":\"memory\",\"limit\":\"1GiB\",\"high\":\"512MiB\",\"consume\":\"12.5%\",\"ramp\":\"0s\"}",
        };

        for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
                fault_free(parse_ok(ok[i]));
}
END_TEST

START_TEST(memory_rejects)
{
        parse_bad("{\"type\":\"memory\"}", "$.faults[0]", "at least one");
        parse_bad("{\"type\":\"memory\",\"allow_oom\":true}", "$.faults[0]", "at least one");
        parse_bad("{\"type\":\"memory\",\"limit\":\"256MiB\",\"swap\":0}", "$.faults[0].swap", NULL);
        parse_bad("{\"type\":\"memory\",\"limit\":\"lots\"}", "$.faults[0].limit", "size");
        parse_bad("{\"type\":\"memory\",\"limit\":\"100KiB\"}", "$.faults[0].limit", "1MiB");
        parse_bad("{\"type\":\"memory\",\"limit\":-1}", "$.faults[0].limit", NULL);
        parse_bad("{\"type\":\"memory\",\"high\":1000}", "$.faults[0].high", "1MiB");
        parse_bad("{\"type\":\"memory\",\"limit\":\"1GiB\",\"allow_oom\":\"yes\"}", "$.faults[0].allow_oom", NULL);
        parse_bad("{\"type\":\"memory\",\"consume\":\"150%\"}", "$.faults[0].consume", NULL);
        parse_bad("{\"type\":\"memory\",\"consume\":\"0%\"}", "$.faults[0].consume", "above 0");
        parse_bad("{\"type\":\"memory\",\"consume\":0}", "$.faults[0].consume", "above 0");
        parse_bad("{\"type\":\"memory\",\"consume\":\"64 parsecs\"}", "$.faults[0].consume", "size");
        parse_bad("{\"type\":\"memory\",\"consume\":\"64MiB\",\"ramp\":\"soon\"}", "$.faults[0].ramp", "duration");
        parse_bad("{\"type\":\"memory\",\"limit\":\"1GiB\",\"ramp\":\"5s\"}", "$.faults[0].ramp", "consume");
}
END_TEST

START_TEST(pids_and_io)
{
        fault_free(parse_ok("{\"type\":\"pids\",\"max\":10}"));
        fault_free(parse_ok("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":\"1MiB\"}"));
        fault_free(parse_ok("{\"type\":\"io\",\"device\":\"/dev/vda\",\"wbps\":1048576,\"riops\":100,\"wiops\":50}"));

        parse_bad("{\"type\":\"pids\"}", "$.faults[0].max", NULL);
        parse_bad("{\"type\":\"pids\",\"max\":0}", "$.faults[0].max", "range");
        parse_bad("{\"type\":\"pids\",\"max\":\"max\"}", "$.faults[0].max", "number");
        parse_bad("{\"type\":\"pids\",\"max\":5,\"min\":1}", "$.faults[0].min", NULL);
        parse_bad("{\"type\":\"io\",\"rbps\":\"1MiB\"}", "$.faults[0].device", NULL);
        parse_bad("{\"type\":\"io\",\"device\":\"8:0\"}", "$.faults[0]", "at least one");
        parse_bad("{\"type\":\"io\",\"device\":\"sda\",\"rbps\":1}", "$.faults[0].device", "MAJOR:MINOR");
        parse_bad("{\"type\":\"io\",\"device\":\"8:0:1\",\"rbps\":1}", "$.faults[0].device", NULL);
        parse_bad("{\"type\":\"io\",\"device\":\"/dev/../etc/passwd\",\"rbps\":1}", "$.faults[0].device", NULL);
        parse_bad("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":0}", "$.faults[0].rbps", "above 0");
        parse_bad("{\"type\":\"io\",\"device\":\"8:0\",\"riops\":1.5}", "$.faults[0].riops", "whole");
        parse_bad("{\"type\":\"io\",\"device\":\"8:0\",\"wbps\":\"fast\"}", "$.faults[0].wbps", "size");
        parse_bad("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":1,\"weight\":5}", "$.faults[0].weight", NULL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("resources_parse");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, cpu_accepts);
        tcase_add_test(tc, cpu_rejects);
        tcase_add_test(tc, memory_accepts);
        tcase_add_test(tc, memory_rejects);
        tcase_add_test(tc, pids_and_io);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
