/* Selectors and the on-disk runtimes, without root: spec parsing with JSON
 * paths, the seeded choice over a synthetic container list, and containerd
 * / CRI-O state read from fake state directories whose "containers" are
 * children of this test. */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boltdb.h"
#include "runtime.h"
#include "runtime_state.h"
#include "selector.h"
#include "spec.h"
#include "testutil.h"

static int parse_target(const char *target_json, struct spec *s, struct error *e)
{
        char buf[2048];

        snprintf(buf, sizeof(buf), "{\"name\":\"t\",\"target\":%s,\"duration\":\"5s\",\"faults\":[{\"type\":\"pause\"}]}",
                 target_json);
        memset(s, 0, sizeof(*s));
        return spec_parse(buf, strlen(buf), 0, 0, s, e);
}

START_TEST(parse_valid)
{
        struct spec s;
        struct error e = { 0 };

        ck_assert_int_eq(parse_target("{\"selector\":{\"runtime\":\"containerd\",\"labels\":{\"app\":\"web\"},"
                                      "\"namespace\":\"shop\",\"pod\":\"web-0\",\"mode\":\"percent\",\"value\":50,"
                                      "\"seed\":42},\"on_restart\":\"reapply\"}",
                                      &s, &e),
                         0);
        ck_assert(s.target.sel.active);
        ck_assert_int_eq(s.target.kind, TARGET_CONTAINER);
        ck_assert_str_eq(s.target.sel.runtime, "containerd");
        ck_assert_str_eq(s.target.sel.namespace_, "shop");
        ck_assert_str_eq(s.target.sel.pod, "web-0");
        ck_assert_int_eq(s.target.sel.mode, SEL_PERCENT);
        ck_assert_int_eq(s.target.sel.value, 50);
        ck_assert(s.target.sel.has_seed);
        ck_assert_uint_eq(s.target.sel.seed, 42);
        ck_assert_int_eq(s.target.on_restart, ON_RESTART_REAPPLY);
        spec_free(&s);
        /* Defaults: mode all, runtime auto, no seed, on_restart end. */
        ck_assert_int_eq(parse_target("{\"selector\":{\"labels\":{\"app\":\"web\"}}}", &s, &e), 0);
        ck_assert_int_eq(s.target.sel.mode, SEL_ALL);
        ck_assert_str_eq(s.target.sel.runtime, "auto");
        ck_assert(!s.target.sel.has_seed);
        ck_assert_int_eq(s.target.on_restart, ON_RESTART_END);
        spec_free(&s);
        ck_assert_int_eq(parse_target("{\"container\":\"web\",\"runtime\":\"podman\",\"on_restart\":\"end\"}", &s, &e),
                         0);
        ck_assert_str_eq(s.target.runtime, "podman");
        spec_free(&s);
}
END_TEST

static const struct {
        const char *target, *path;
} bad[] = {
        { "{\"selector\":{}}", "$.target.selector" },
        { "{\"selector\":{\"labels\":{\"app\":1}}}", "$.target.selector.labels.app" },
        { "{\"selector\":{\"labels\":[]}}", "$.target.selector.labels" },
        { "{\"selector\":{\"pod\":\"a\",\"mode\":\"some\"}}", "$.target.selector.mode" },
        { "{\"selector\":{\"pod\":\"a\",\"mode\":\"percent\"}}", "$.target.selector.value" },
        { "{\"selector\":{\"pod\":\"a\",\"mode\":\"percent\",\"value\":101}}", "$.target.selector.value" },
        { "{\"selector\":{\"pod\":\"a\",\"mode\":\"fixed\",\"value\":0}}", "$.target.selector.value" },
        { "{\"selector\":{\"pod\":\"a\",\"mode\":\"all\",\"value\":3}}", "$.target.selector.value" },
        { "{\"selector\":{\"pod\":\"a\",\"seed\":-1}}", "$.target.selector.seed" },
        { "{\"selector\":{\"pod\":\"a\",\"runtime\":\"lxc\"}}", "$.target.selector.runtime" },
        { "{\"selector\":{\"pod\":\"a\",\"colour\":\"red\"}}", "$.target.selector.colour" },
        { "{\"selector\":{\"pod\":\"a\"},\"runtime\":\"docker\"}", "$.target.runtime" },
        { "{\"selector\":{\"pod\":\"a\"},\"container\":\"x\"}", "$.target" },
        { "{\"container\":\"x\",\"on_restart\":\"retry\"}", "$.target.on_restart" },
        { "{\"pid\":42,\"on_restart\":\"reapply\"}", "$.target.on_restart" },
        { "{\"container\":\"x\",\"runtime\":\"rkt\"}", "$.target.runtime" },
};

START_TEST(parse_invalid)
{
        struct spec s;
        struct error e = { 0 };

        ck_assert_int_lt(parse_target(bad[_i].target, &s, &e), 0);
        ck_assert_msg(strcmp(e.path, bad[_i].path) == 0, "%s: path \"%s\" (%s), wanted %s", bad[_i].target, e.path,
                      e.msg, bad[_i].path);
        spec_free(&s);
}
END_TEST

/* 10 matching containers in shop (app=web) and three decoys. */
static void make_list(struct container_list *l, int reverse)
{
        for (int k = 0; k < 13; k++) {
                int i = reverse ? 12 - k : k;
                struct container_entry *ce = container_list_add(l);

                ck_assert_ptr_nonnull(ce);
                snprintf(ce->ci.id, sizeof(ce->ci.id), "id%02d", i);
                snprintf(ce->ci.name, sizeof(ce->ci.name), "web-%d", i);
                ce->ci.pid = 1000 + i;
                snprintf(ce->runtime, sizeof(ce->runtime), "containerd");
                snprintf(ce->pod, sizeof(ce->pod), "web-%d", i);
                snprintf(ce->pod_namespace, sizeof(ce->pod_namespace), "%s", i == 10 ? "other" : "shop");
                cJSON_AddStringToObject(ce->labels, "app", i == 11 ? "db" : "web");
                if (i != 12)
                        cJSON_AddStringToObject(ce->labels, "tier", "front");
        }
}

static void chosen_ids(const struct container_list *l, const int *idx, int n, char *out, size_t len)
{
        char ids[13][8];

        /* Sorted, so that two choices compare as sets. */
        for (int i = 0; i < n; i++)
                snprintf(ids[i], sizeof(ids[i]), "%s", l->v[idx[i]].ci.id);
        qsort(ids, (size_t)n, sizeof(ids[0]), (int (*)(const void *, const void *))strcmp);
        out[0] = '\0';
        for (int i = 0; i < n; i++)
                snprintf(out + strlen(out), len - strlen(out), "%s ", ids[i]);
}

static struct selector_spec web_selector(enum selector_mode mode, int64_t value, uint64_t seed)
{
        static cJSON *labels;
        struct selector_spec s = { .active = 1, .mode = mode, .value = value, .seed = seed, .has_seed = 1 };

        if (!labels) {
                labels = cJSON_CreateObject();
                cJSON_AddStringToObject(labels, "app", "web");
                cJSON_AddStringToObject(labels, "tier", "front");
        }
        s.labels = labels;
        snprintf(s.namespace_, sizeof(s.namespace_), "shop");
        return s;
}

START_TEST(choose_percent_and_seed)
{
        struct container_list l = { 0 }, r = { 0 };
        struct selector_spec sel = web_selector(SEL_PERCENT, 50, 42);
        struct error e;
        int idx[13], n = 0, idx2[13], n2 = 0;
        char a[128], b[128];

        make_list(&l, 0);
        make_list(&r, 1);
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 5);
        for (int i = 0; i < n; i++) {
                const struct container_entry *ce = &l.v[idx[i]];

                ck_assert_str_eq(ce->pod_namespace, "shop");
                ck_assert_str_eq(cJSON_GetObjectItem(ce->labels, "app")->valuestring, "web");
                ck_assert_ptr_nonnull(cJSON_GetObjectItem(ce->labels, "tier"));
        }
        chosen_ids(&l, idx, n, a, sizeof(a));
        /* The same seed over the same containers listed in another order. */
        ck_assert_int_eq(selector_choose(&sel, &r, idx2, &n2, &e), 0);
        chosen_ids(&r, idx2, n2, b, sizeof(b));
        printf("seed 42, percent 50 of 10: %s(reversed listing: %s)\n", a, b);
        ck_assert_str_eq(a, b);
        /* Another seed: still 5, some seed in 1..8 picks another set. */
        {
                int differs = 0;

                for (uint64_t s = 1; s <= 8; s++) {
                        sel.seed = s;
                        ck_assert_int_eq(selector_choose(&sel, &l, idx2, &n2, &e), 0);
                        ck_assert_int_eq(n2, 5);
                        chosen_ids(&l, idx2, n2, b, sizeof(b));
                        differs |= strcmp(a, b) != 0;
                }
                ck_assert(differs);
        }
        container_list_free(&l);
        container_list_free(&r);
}
END_TEST

START_TEST(choose_modes)
{
        struct container_list l = { 0 };
        struct selector_spec sel;
        struct error e;
        int idx[13], n = 0;

        make_list(&l, 0);
        sel = web_selector(SEL_ALL, 0, 1);
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 10);
        sel = web_selector(SEL_ONE, 0, 1);
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        sel = web_selector(SEL_FIXED, 3, 1);
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 3);
        sel = web_selector(SEL_FIXED, 11, 1);
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), -ERANGE);
        sel = web_selector(SEL_PERCENT, 1, 1); /* 1% of 10: at least one */
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        sel = web_selector(SEL_ALL, 0, 1);
        snprintf(sel.pod, sizeof(sel.pod), "web-4");
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(l.v[idx[0]].ci.name, "web-4");
        snprintf(sel.pod, sizeof(sel.pod), "web-10"); /* in namespace other */
        ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), -ENOENT);
        /* The same process seen by two runtimes is one candidate. */
        {
                struct container_entry *twin = container_list_add(&l);

                cJSON_Delete(twin->labels); /* replaced by the copy below */
                *twin = l.v[3];
                twin->labels = cJSON_Duplicate(l.v[3].labels, 1);
                snprintf(twin->runtime, sizeof(twin->runtime), "docker");
                snprintf(twin->ci.id, sizeof(twin->ci.id), "twin");
                sel = web_selector(SEL_ALL, 0, 1);
                ck_assert_int_eq(selector_choose(&sel, &l, idx, &n, &e), 0);
                ck_assert_int_eq(n, 10);
        }
        container_list_free(&l);
}
END_TEST

static char tmpdir[] = "/tmp/chaosd-test-selector.XXXXXX";

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

static pid_t sleeper(void)
{
        pid_t p = fork();

        if (p == 0) {
                pause();
                _exit(0);
        }
        ck_assert_int_gt(p, 0);
        return p;
}

static void mkdirs(const char *path)
{
        char cmd[4096], *s;

        snprintf(cmd, sizeof(cmd), "%s", path);
        for (s = cmd + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void)mkdir(cmd, 0755);
                        *s = '/';
                }
        (void)mkdir(cmd, 0755);
}

/* A containerd task: <root>/<ns>/<id>/{init.pid,config.json}. */
static void ctd_task(const char *ns, const char *id, pid_t pid, const char *annotations)
{
        char dir[4096], path[4200], text[2048];

        snprintf(dir, sizeof(dir), "%s/ctd/%s/%s", tmpdir, ns, id);
        mkdirs(dir);
        snprintf(path, sizeof(path), "%s/init.pid", dir);
        snprintf(text, sizeof(text), "%d", (int)pid);
        write_file(path, text);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        snprintf(text, sizeof(text), "{\"ociVersion\":\"1.0.2\",\"annotations\":%s}", annotations);
        write_file(path, text);
}

START_TEST(containerd_state)
{
        struct container_list l = { 0 };
        struct container_info ci;
        struct error e = { 0 };
        char root[4096], meta[4096];
        pid_t a = sleeper(), b = sleeper(), dead = sleeper();
        int status, found = 0;

        kill(dead, SIGKILL);
        waitpid(dead, &status, 0);
        snprintf(root, sizeof(root), "%s/ctd", tmpdir);
        snprintf(meta, sizeof(meta), "%s/no-meta.db", tmpdir);
        setenv("CHAOSD_CONTAINERD_STATE", root, 1);
        setenv("CHAOSD_CONTAINERD_META", meta, 1);
        ctd_task("k8s.io", "aaaa1111", a,
                 "{\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.sandbox-name\":\"web-0\","
                 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\",\"app\":\"web\"}");
        ctd_task("k8s.io", "bbbb2222", b, "{\"io.kubernetes.cri.container-type\":\"sandbox\"}");
        ctd_task("default", "cccc3333", dead, "{}");
        ck_assert_int_eq(runtime_containerd_list(&l, &e), 0);
        for (int i = 0; i < l.n; i++) {
                ck_assert_str_ne(l.v[i].ci.id, "bbbb2222"); /* a pod sandbox */
                ck_assert_str_ne(l.v[i].ci.id, "cccc3333"); /* not running */
                if (strcmp(l.v[i].ci.id, "aaaa1111") == 0) {
                        found = 1;
                        ck_assert_int_eq(l.v[i].ci.pid, a);
                        ck_assert_str_eq(l.v[i].ns, "k8s.io");
                        ck_assert_str_eq(l.v[i].pod, "web-0");
                        ck_assert_str_eq(l.v[i].pod_namespace, "shop");
                        ck_assert_str_eq(cJSON_GetObjectItem(l.v[i].labels, "app")->valuestring, "web");
                }
        }
        ck_assert(found);
        container_list_free(&l);
        ck_assert_int_eq(runtime_containerd_inspect("aaaa", &ci, &e), 0); /* ID prefix */
        ck_assert_int_eq(ci.pid, a);
        ck_assert_int_eq(runtime_containerd_inspect("cccc3333", &ci, &e), -ENOENT);
        setenv("CHAOSD_CONTAINERD_STATE", "/nonexistent/chaosd", 1);
        ck_assert_int_eq(runtime_containerd_inspect("aaaa1111", &ci, &e), -EHOSTUNREACH);
        kill(a, SIGKILL);
        kill(b, SIGKILL);
        waitpid(a, &status, 0);
        waitpid(b, &status, 0);
}
END_TEST

START_TEST(crio_state)
{
        struct container_list l = { 0 };
        struct container_info ci;
        struct error e = { 0 };
        char dir[4096], path[4200], text[2048];
        pid_t a = sleeper(), p = sleeper();
        int status;

        /* A CRI-O container and a Podman one in the same store. */
        snprintf(dir, sizeof(dir), "%s/crio/dddd4444/userdata", tmpdir);
        mkdirs(dir);
        snprintf(path, sizeof(path), "%s/pidfile", dir);
        snprintf(text, sizeof(text), "%d\n", (int)a);
        write_file(path, text);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        write_file(path, "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
                         "\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.pod.name\":\"api-7\","
                         "\"io.kubernetes.pod.namespace\":\"prod\","
                         "\"io.kubernetes.cri-o.Labels\":\"{\\\"app\\\":\\\"api\\\",\\\"io.kubernetes.pod.name\\\":\\\"api-7\\\"}\"}}");
        snprintf(dir, sizeof(dir), "%s/crio/eeee5555/userdata", tmpdir);
        mkdirs(dir);
        snprintf(path, sizeof(path), "%s/pidfile", dir);
        snprintf(text, sizeof(text), "%d\n", (int)p);
        write_file(path, text);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        write_file(path, "{\"annotations\":{\"io.container.manager\":\"libpod\"}}");
        /* One whose spec lives on the static side only. */
        snprintf(dir, sizeof(dir), "%s/crio/ffff6666/userdata", tmpdir);
        mkdirs(dir);
        snprintf(path, sizeof(path), "%s/pidfile", dir);
        snprintf(text, sizeof(text), "%d\n", (int)p);
        write_file(path, text);
        snprintf(dir, sizeof(dir), "%s/crio-static/ffff6666/userdata", tmpdir);
        mkdirs(dir);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        write_file(path, "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
                         "\"io.kubernetes.container.name\":\"side\"}}");
        snprintf(dir, sizeof(dir), "%s/crio-static", tmpdir);
        setenv("CHAOSD_CRIO_STATIC", dir, 1);
        snprintf(dir, sizeof(dir), "%s/crio", tmpdir);
        setenv("CHAOSD_CRIO_STATE", dir, 1);
        ck_assert_int_eq(runtime_crio_list(&l, &e), 0);
        ck_assert_int_eq(l.n, 2);
        if (strcmp(l.v[0].ci.id, "dddd4444") != 0) {
                struct container_entry t = l.v[0];

                l.v[0] = l.v[1];
                l.v[1] = t;
        }
        ck_assert_str_eq(l.v[1].ci.name, "side");
        ck_assert_str_eq(l.v[0].ci.id, "dddd4444");
        ck_assert_str_eq(l.v[0].ci.name, "api");
        ck_assert_int_eq(l.v[0].ci.pid, a);
        ck_assert_str_eq(l.v[0].pod, "api-7");
        ck_assert_str_eq(l.v[0].pod_namespace, "prod");
        ck_assert_str_eq(cJSON_GetObjectItem(l.v[0].labels, "app")->valuestring, "api");
        container_list_free(&l);
        ck_assert_int_eq(runtime_crio_inspect("api", &ci, &e), 0); /* by name */
        ck_assert_int_eq(ci.pid, a);
        ck_assert_int_eq(runtime_crio_inspect("eeee5555", &ci, &e), -ENOENT);
        kill(a, SIGKILL);
        kill(p, SIGKILL);
        waitpid(a, &status, 0);
        waitpid(p, &status, 0);
}
END_TEST

START_TEST(bolt_garbage)
{
        struct bolt_db db;
        char path[4096], junk[3 * 4096];
        FILE *f;

        /* A torn or foreign file is an error, never a crash. */
        snprintf(path, sizeof(path), "%s/meta.db", tmpdir);
        memset(junk, 0x5a, sizeof(junk));
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fwrite(junk, 1, sizeof(junk), f);
        fclose(f);
        ck_assert_int_lt(bolt_open(path, &db), 0);
        ck_assert_int_lt(runtime_containerd_labels("k8s.io", "x", NULL), 0);
}
END_TEST

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)remove(path);
        return 0;
}

int main(void)
{
        Suite *s = suite_create("selector");
        TCase *tc = tcase_create("selector");
        int r;

        if (!mkdtemp(tmpdir))
                return 1;
        setenv("CHAOSD_CONTAINERD_META", "/nonexistent/meta.db", 1);
        tcase_add_test(tc, parse_valid);
        tcase_add_loop_test(tc, parse_invalid, 0, (int)(sizeof(bad) / sizeof(bad[0])));
        tcase_add_test(tc, choose_percent_and_seed);
        tcase_add_test(tc, choose_modes);
        tcase_add_test(tc, containerd_state);
        tcase_add_test(tc, crio_state);
        tcase_add_test(tc, bolt_garbage);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        /* Only the directory this test made. */
        (void)nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return r;
}
