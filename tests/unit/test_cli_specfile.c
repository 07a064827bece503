/* chaosctl's local validation: reading a spec file or stdin, the size
 * limit, and errors that read "FILE: $.path: reason" with -EINVAL (exit 2)
 * for every way a spec can be unusable. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "../../cli/specfile.c"

static char dir[64];

static const char *const files[] = { "ok.json", "bad.json", "limit.json", "over.json", "in.json" };

/* Unchecked fixture: runs in the runner process, so the directory goes
 * even when a test fails in its forked child. */
static void make_dir(void)
{
        snprintf(dir, sizeof(dir), "/tmp/chaosctl-spec-XXXXXX");
        if (!mkdtemp(dir))
                abort();
}

static void remove_dir(void)
{
        char path[128];

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                unlink(path);
        }
        rmdir(dir);
}

static const char *write_file(const char *name, const char *text, size_t len)
{
        static char path[128];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(text, 1, len, f), len);
        fclose(f);
        return path;
}

static const char good[] = "{\"name\":\"n\",\"target\":{\"pid\":42},\"duration\":\"5s\",\"faults\":[{\"type\":\"pause\"}]}";

START_TEST(valid_spec_is_returned_as_read)
{
        const char *p = write_file("ok.json", good, strlen(good));
        struct error e = { 0 };
        char *buf = NULL;
        size_t len = 0;

        ck_assert_int_eq(spec_file_check(p, 0, &buf, &len, &e), 0);
        ck_assert_uint_eq(len, strlen(good));
        ck_assert_str_eq(buf, good);
        free(buf);
        /* Callers that only validate pass no buffer. */
        ck_assert_int_eq(spec_file_check(p, 0, NULL, NULL, &e), 0);
}
END_TEST

START_TEST(invalid_spec_names_file_and_path)
{
        static const char bad[] = "{\"name\":\"n\",\"target\":{\"pid\":42},\"duration\":\"10 parsecs\",\"faults\":[{\"type\":\"pause\"}]}";
        const char *p = write_file("bad.json", bad, strlen(bad));
        struct error e = { 0 };
        char want[256];

        ck_assert_int_eq(spec_file_check(p, 0, NULL, NULL, &e), -EINVAL);
        snprintf(want, sizeof(want), "%s: $.duration: \"10 parsecs\" is not a duration", p);
        ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "got: %s", e.msg);
}
END_TEST

START_TEST(missing_file_is_usage_error)
{
        struct error e = { 0 };
        char p[128];

        snprintf(p, sizeof(p), "%s/nope.json", dir);
        ck_assert_int_eq(spec_file_check(p, 0, NULL, NULL, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, p));
        ck_assert_ptr_nonnull(strstr(e.msg, "No such file or directory"));
}
END_TEST

START_TEST(size_limit)
{
        static char big[SPEC_MAX_BYTES + 2];
        struct error e = { 0 };
        const char *p;
        size_t pad = sizeof(big) - 1 - strlen(good);

        /* Exactly the limit: whitespace after a valid document is fine. */
        memcpy(big, good, strlen(good));
        memset(big + strlen(good), ' ', pad - 1);
        p = write_file("limit.json", big, SPEC_MAX_BYTES);
        ck_assert_int_eq(spec_file_check(p, 0, NULL, NULL, &e), 0);
        /* One byte more is refused before parsing. */
        big[SPEC_MAX_BYTES] = ' ';
        p = write_file("over.json", big, SPEC_MAX_BYTES + 1);
        ck_assert_int_eq(spec_file_check(p, 0, NULL, NULL, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "larger than the limit of 65536 bytes"));
}
END_TEST

START_TEST(stdin_is_dash)
{
        const char *p = write_file("in.json", good, strlen(good));
        struct error e = { 0 };
        char *buf = NULL;
        size_t len = 0;
        int fd = open(p, O_RDONLY | O_CLOEXEC);

        /* CK_FORK: this test's process may have its stdin replaced. */
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
        close(fd);
        ck_assert_int_eq(spec_file_check("-", 0, &buf, &len, &e), 0);
        ck_assert_str_eq(buf, good);
        free(buf);
        ck_assert_str_eq(spec_file_name("-"), "<stdin>");
        ck_assert_str_eq(spec_file_name("a.json"), "a.json");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_specfile");
        TCase *tc = tcase_create("specfile");

        tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
        tcase_add_test(tc, valid_spec_is_returned_as_read);
        tcase_add_test(tc, invalid_spec_names_file_and_path);
        tcase_add_test(tc, missing_file_is_usage_error);
        tcase_add_test(tc, size_limit);
        tcase_add_test(tc, stdin_is_dash);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
