/* docs/hacking.md's worked example (docs/examples/fault_example.c), built
 * and exercised here against a fake cgroupfs of plain files in a temp dir
 * (CHAOSD_CGROUP_ROOT): registered with fault_register() as a test would
 * register any module, then parse, apply, verify, revert — and the
 * promises the guide makes: the prior is journaled before the write, the
 * revert works from the saved state alone, twice, and on a cgroup that is
 * gone. The fake's values keep one length: plain files, unlike cgroupfs,
 * keep the tail of a longer old value under a shorter write. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"
#include "target.h"
#include "testutil.h"

extern const struct fault_ops fault_example_ops;

static char root[256], dir[512];

/* REL of the target in a fake cgroupfs of VERSION, holding FILE=VALUE:
 * on v1 under the cpu controller's hierarchy, on v2 in the unified one. */
static void fake_cgroupfs(const char *version, const char *rel, const char *file, const char *value)
{
        char path[1024];
        struct error e = { 0 };

        snprintf(root, sizeof(root), "/tmp/chaosd-coretests-example-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        setenv("CHAOSD_CGROUP_ROOT", root, 1);
        setenv("CHAOSD_CGROUP_VERSION", version, 1);
        snprintf(dir, sizeof(dir), "%s%s%s", root, strcmp(version, "1") == 0 ? "/cpu" : "", rel);
        ck_assert_msg(fs_mkdir_p(dir, 0755, &e) == 0, "%s", e.msg);
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        ck_assert_int_eq(fs_write(path, value, &e), -ENOENT); /* fs_write never creates */
        {
                FILE *fp = fopen(path, "we");

                ck_assert_ptr_nonnull(fp);
                fputs(value, fp);
                fclose(fp);
        }
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void teardown(void)
{
        if (strncmp(root, "/tmp/chaosd-coretests-example-", 30) == 0)
                (void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void read_file(const char *file, char *buf, size_t len)
{
        char path[1024];
        struct error e = { 0 };

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        ck_assert_msg(fs_read(path, buf, len, &e) >= 0, "%s", e.msg);
}

static void target_at(struct target *t, enum cg_version v, const char *rel)
{
        target_init(t);
        t->kind = TARGET_CGROUP;
        t->cgv = v;
        snprintf(t->cgroup, sizeof(t->cgroup), "%s", rel);
}

static struct fault *parse(const char *spec, cJSON **json, struct error *e)
{
        struct fault *f = NULL;

        *json = cJSON_Parse(spec);
        ck_assert_ptr_nonnull(*json);
        ck_assert_int_eq(fault_register(&fault_example_ops), 0);
        if (fault_new(*json, 0, &f, e) < 0)
                return NULL;
        return f;
}

/* The checkpoint hook, as the core's: sees what is saved and, in the
 * same moment, what the file still holds. */
static char file_at_checkpoint[64], prior_at_checkpoint[64];
static const char *checkpoint_file;
static int record_checkpoint(struct fault *f, struct error *e)
{
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(f->saved, "prior");

        read_file(checkpoint_file, file_at_checkpoint, sizeof(file_at_checkpoint));
        snprintf(prior_at_checkpoint, sizeof(prior_at_checkpoint), "%s", cJSON_IsString(p) ? p->valuestring : "");
        return 0;
}

static void run(int (*op)(struct fault *, struct target *, struct error *), struct fault *f, struct target *t)
{
        struct error e = { 0 };

        ck_assert_msg(op(f, t, &e) == 0, "%s", e.msg);
}

static void apply_verify_revert(const char *version, enum cg_version v, const char *file, const char *prior,
                                const char *spec, const char *marker)
{
        struct target t;
        struct fault *f, *again;
        struct error e = { 0 };
        cJSON *json, *json2;
        char now[64];

        fake_cgroupfs(version, "/coretests-example", file, prior);
        target_at(&t, v, "/coretests-example");
        f = parse(spec, &json, &e);
        ck_assert_msg(f != NULL, "%s", e.msg);
        ck_assert_str_eq(f->ops->type, "example");
        f->checkpoint = record_checkpoint;
        checkpoint_file = file;

        run(f->ops->apply, f, &t);
        read_file(file, now, sizeof(now));
        ck_assert_str_eq(now, marker);
        /* The prior was saved and checkpointed while the file still held it. */
        ck_assert_str_eq(prior_at_checkpoint, prior);
        ck_assert_str_eq(file_at_checkpoint, prior);

        run(f->ops->verify, f, &t);
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(f->readback, file)->valuestring, marker);

        /* A restarted daemon has only the journal: a fresh instance with
         * the saved state copied in reverts it. */
        again = parse(spec, &json2, &e);
        again->saved = cJSON_Duplicate(f->saved, 1);
        run(again->ops->revert, again, &t);
        read_file(file, now, sizeof(now));
        ck_assert_str_eq(now, prior);
        /* Idempotent. */
        run(f->ops->revert, f, &t);
        run(again->ops->revert, again, &t);
        read_file(file, now, sizeof(now));
        ck_assert_str_eq(now, prior);
        /* verify now sees the difference. */
        ck_assert_int_lt(f->ops->verify(f, &t, &e), 0);
        ck_assert_msg(strstr(e.msg, "expected"), "%s", e.msg);

        fault_free(f);
        fault_free(again);
        cJSON_Delete(json);
        cJSON_Delete(json2);
}

START_TEST(v1_cpu_shares)
{
        apply_verify_revert("1", CG_V1, "cpu.shares", "1024", "{\"type\":\"example\",\"weight\":2048}", "2048");
}
END_TEST

START_TEST(v2_cpu_weight)
{
        apply_verify_revert("2", CG_V2, "cpu.weight", "100", "{\"type\":\"example\",\"weight\":250}", "250");
}
END_TEST

START_TEST(parse_errors_name_the_path)
{
        static const char *const bad[][2] = {
                { "{\"type\":\"example\"}", "$.faults[0].weight" },
                { "{\"type\":\"example\",\"weight\":1}", "$.faults[0].weight" },
                { "{\"type\":\"example\",\"weight\":\"50\"}", "$.faults[0].weight" },
                { "{\"type\":\"example\",\"weight\":50,\"wieght\":5}", "$.faults[0].wieght" },
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct error e = { 0 };
                cJSON *json;

                ck_assert_ptr_null(parse(bad[i][0], &json, &e));
                ck_assert_msg(strcmp(e.path, bad[i][1]) == 0, "%s: path %s, expected %s (%s)", bad[i][0], e.path,
                              bad[i][1], e.msg);
                cJSON_Delete(json);
        }
}
END_TEST

/* Revert on a fault whose apply never reached the checkpoint, and on a
 * cgroup that is gone: nothing to do, success. */
START_TEST(revert_with_nothing_left)
{
        struct target t;
        struct fault *f;
        struct error e = { 0 };
        cJSON *json;
        char path[1024];

        fake_cgroupfs("1", "/coretests-example", "cpu.shares", "1024");
        target_at(&t, CG_V1, "/coretests-example");
        f = parse("{\"type\":\"example\",\"weight\":2048}", &json, &e);
        run(f->ops->revert, f, &t); /* never applied */
        run(f->ops->apply, f, &t);
        snprintf(path, sizeof(path), "%s/cpu.shares", dir);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        run(f->ops->revert, f, &t); /* the cgroup is gone */
        fault_free(f);
        cJSON_Delete(json);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fault_example");
        TCase *tc = tcase_create("example");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, v1_cpu_shares);
        tcase_add_test(tc, v2_cpu_weight);
        tcase_add_test(tc, parse_errors_name_the_path);
        tcase_add_test(tc, revert_with_nothing_left);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
