/* Spec parsing: every example parses, every bad spec is rejected with the
 * exact JSON path recorded beside it, and the unit parsers are strict. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "spec.h"
#include "testutil.h"
#include "units.h"

static const char *srcdir(void)
{
        const char *s = getenv("SRCDIR");

        return s && *s ? s : ".";
}

static char *slurp(const char *path, size_t *len)
{
        struct error e;
        char *buf = NULL;
        ssize_t n = fs_read_alloc(path, 1 << 20, &buf, &e);

        ck_assert_msg(n >= 0, "read %s: %s", path, e.msg);
        *len = (size_t)n;
        return buf;
}

static int has_suffix(const char *s, const char *suf)
{
        size_t a = strlen(s), b = strlen(suf);

        return a > b && strcmp(s + a - b, suf) == 0;
}

START_TEST(examples_parse)
{
        char dir[4096], path[4096];
        struct dirent *de;
        DIR *d;
        int n = 0;

        snprintf(dir, sizeof(dir), "%s/examples", srcdir());
        d = opendir(dir);
        ck_assert_msg(d, "opendir %s", dir);
        while ((de = readdir(d))) {
                struct spec s;
                struct error e = { 0 };
                size_t len;
                char *buf;
                int r;

                if (!has_suffix(de->d_name, ".json"))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                buf = slurp(path, &len);
                /* exec-mode specs have no target: the launched command is it. */
                r = spec_parse(buf, len, SPEC_TARGET_OPTIONAL, 0, &s, &e);
                ck_assert_msg(r == 0, "%s: %s", de->d_name, e.msg);
                ck_assert_int_ge(s.n_faults, 1);
                spec_free(&s);
                free(buf);
                n++;
        }
        closedir(d);
        ck_assert_int_ge(n, 2);
}
END_TEST

START_TEST(bad_specs_rejected_with_path)
{
        char dir[4096], path[4096], want[256];
        struct dirent *de;
        DIR *d;
        int n = 0;

        snprintf(dir, sizeof(dir), "%s/tests/data/bad-specs", srcdir());
        d = opendir(dir);
        ck_assert_msg(d, "opendir %s", dir);
        while ((de = readdir(d))) {
                struct spec s;
                struct error e = { 0 };
                size_t len;
                char *buf;
                int r;

                if (!has_suffix(de->d_name, ".json"))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                buf = slurp(path, &len);
                snprintf(path + strlen(path) - 5, 6, ".path");
                ck_assert_msg(fs_read(path, want, sizeof(want), &e) > 0, "%s: %s", path, e.msg);
                r = spec_parse(buf, len, 0, 0, &s, &e);
                ck_assert_msg(r == -EINVAL, "%s: accepted (r=%d)", de->d_name, r);
                ck_assert_msg(strcmp(e.path, want) == 0, "%s: path \"%s\", want \"%s\" (%s)", de->d_name, e.path,
                              want, e.msg);
                ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s: message lacks path: %s", de->d_name,
                              e.msg);
                free(buf);
                n++;
        }
        closedir(d);
        ck_assert_int_ge(n, 30);
}
END_TEST

START_TEST(oversized_body)
{
        size_t len = SPEC_MAX_BYTES + 10;
        char *buf = malloc(len);
        struct spec s;
        struct error e;

        memset(buf, ' ', len);
        buf[0] = '{';
        buf[len - 1] = '}';
        ck_assert_int_eq(spec_parse(buf, len, 0, 0, &s, &e), -EINVAL);
        ck_assert_str_eq(e.path, "$");
        free(buf);
}
END_TEST

START_TEST(duration_cap)
{
        const char *b = "{\"name\":\"x\",\"target\":{\"pid\":42},\"duration\":\"2h\",\"faults\":[{\"type\":\"pause\"}]}";
        struct spec s;
        struct error e;

        ck_assert_int_eq(spec_parse(b, strlen(b), 0, 3600ULL * 1000000, &s, &e), -EINVAL);
        ck_assert_str_eq(e.path, "$.duration");
        ck_assert_int_eq(spec_parse(b, strlen(b), 0, 0, &s, &e), 0);
        ck_assert_uint_eq(s.duration_us, 7200ULL * 1000000);
        spec_free(&s);
}
END_TEST

START_TEST(units_strict)
{
        uint64_t v;
        double p;

        ck_assert_int_eq(units_parse_duration_us("100ms", &v), 0);
        ck_assert_uint_eq(v, 100000);
        ck_assert_int_eq(units_parse_duration_us("1.5s", &v), 0);
        ck_assert_uint_eq(v, 1500000);
        ck_assert_int_eq(units_parse_duration_us("250us", &v), 0);
        ck_assert_uint_eq(v, 250);
        ck_assert_int_eq(units_parse_duration_us("2h", &v), 0);
        ck_assert_uint_eq(v, 7200000000ULL);
        ck_assert_int_lt(units_parse_duration_us("10", &v), 0);
        ck_assert_int_lt(units_parse_duration_us("1e3s", &v), 0);
        ck_assert_int_lt(units_parse_duration_us("-1s", &v), 0);
        ck_assert_int_lt(units_parse_duration_us("5 s", &v), 0);
        ck_assert_int_lt(units_parse_duration_us("", &v), 0);
        ck_assert_int_eq(units_parse_percent("5%", &p), 0);
        ck_assert_double_eq(p, 5.0);
        ck_assert_int_lt(units_parse_percent("101%", &p), 0);
        ck_assert_int_lt(units_parse_percent("5", &p), 0);
        ck_assert_int_eq(units_parse_size("64MiB", &v), 0);
        ck_assert_uint_eq(v, 64ULL << 20);
        ck_assert_int_eq(units_parse_size("4096", &v), 0);
        ck_assert_uint_eq(v, 4096);
        ck_assert_int_eq(units_parse_size("1.5GiB", &v), 0);
        ck_assert_uint_eq(v, 3ULL << 29);
        ck_assert_int_lt(units_parse_size("12 parsecs", &v), 0);
        ck_assert_int_eq(units_parse_rate("1mbit", &v), 0);
        ck_assert_uint_eq(v, 125000);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("spec");
        TCase *tc = tcase_create("spec");

        tcase_add_test(tc, examples_parse);
        tcase_add_test(tc, bad_specs_rejected_with_path);
        tcase_add_test(tc, oversized_body);
        tcase_add_test(tc, duration_cap);
        tcase_add_test(tc, units_strict);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
