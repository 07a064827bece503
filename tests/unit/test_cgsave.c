/* The resource faults against a fake cgroupfs (plain files under a temp
 * dir, CHAOSD_CGROUP_ROOT + CHAOSD_CGROUP_VERSION): what apply writes, what
 * it saves first, what verify reads back, that revert restores every file
 * byte for byte and is idempotent, and the stressor lifecycle (recorded
 * before work, killed and reaped at revert, dead when its parent dies).
 * No root: stressors join the fake cgroups by writing a plain file. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgsave.h"
#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "proc.h"
#include "stressor.h"
#include "target.h"
#include "testutil.h"

static char root[256];

static void put_file(const char *rel, const char *content)
{
        char path[1024], dir[1024];
        struct error e;
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        snprintf(dir, sizeof(dir), "%s", path);
        *strrchr(dir, '/') = '\0';
        strcat(dir, "/");
        ck_assert_int_eq(fs_mkdir_p(dir, 0755, &e), 0);
        fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fputs(content, fp);
        fclose(fp);
}

static void get_file(const char *rel, char *buf, size_t len)
{
        char path[1024];
        struct error e;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        ck_assert_msg(fs_read(path, buf, len, &e) >= 0, "%s", e.msg);
}

#define ck_file_eq(rel, want)                                   \
        do {                                                    \
                char _b[4096];                                  \
                get_file(rel, _b, sizeof(_b));                  \
                ck_assert_str_eq(_b, want);                     \
        } while (0)

static void fake_v1(void)
{
        snprintf(root, sizeof(root), "/tmp/chaosd-cgsave-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        setenv("CHAOSD_CGROUP_ROOT", root, 1);
        setenv("CHAOSD_CGROUP_VERSION", "1", 1);
        put_file("cpu/docker/abc/cpu.cfs_quota_us", "-1");
        put_file("cpu/docker/abc/cpu.cfs_period_us", "100000");
        put_file("cpu/docker/abc/cpu.shares", "1024");
        put_file("cpu/docker/abc/cgroup.procs", "");
        put_file("cpuacct/docker/abc/cgroup.procs", "");
        put_file("cpuset/docker/abc/cpuset.cpus", "0-1");
        put_file("cpuset/docker/abc/cpuset.effective_cpus", "0-1");
        put_file("cpuset/docker/abc/cgroup.procs", "");
        put_file("memory/docker/abc/memory.limit_in_bytes", "268435456");
        put_file("memory/docker/abc/memory.memsw.limit_in_bytes", "536870912");
        put_file("memory/docker/abc/memory.soft_limit_in_bytes", "9223372036854771712");
        put_file("memory/docker/abc/memory.usage_in_bytes", "10485760");
        put_file("memory/docker/abc/cgroup.procs", "");
        put_file("pids/docker/abc/pids.max", "max");
        put_file("pids/docker/abc/cgroup.procs", "");
        put_file("blkio/docker/abc/blkio.throttle.read_bps_device", "8:16 100");
        put_file("blkio/docker/abc/blkio.throttle.write_bps_device", "");
        put_file("blkio/docker/abc/cgroup.procs", "");
}

static void fake_v2(void)
{
        snprintf(root, sizeof(root), "/tmp/chaosd-cgsave-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        setenv("CHAOSD_CGROUP_ROOT", root, 1);
        setenv("CHAOSD_CGROUP_VERSION", "2", 1);
        put_file("victim/cpu.max", "max 100000");
        put_file("victim/cpu.weight", "100");
        put_file("victim/cpuset.cpus", "");
        put_file("victim/cpuset.cpus.effective", "0-1");
        put_file("victim/memory.max", "max");
        put_file("victim/memory.high", "max");
        put_file("victim/memory.current", "4096");
        put_file("victim/pids.max", "max");
        put_file("victim/io.max", "");
        put_file("victim/cgroup.procs", "");
}

static void cleanup_root(void)
{
        char cmd[512];

        /* Only the mkdtemp directory made above. */
        if (strncmp(root, "/tmp/chaosd-cgsave-", 19) == 0) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                ck_assert_int_eq(system(cmd), 0);
        }
}

static void target_of(struct target *t, const char *cg)
{
        enum cg_version v;
        struct error e;

        target_init(t);
        t->kind = TARGET_CGROUP;
        ck_assert_int_eq(cg_detect(&v, &e), 0);
        t->cgv = v;
        snprintf(t->cgroup, sizeof(t->cgroup), "%s", cg);
}

static struct fault *new_fault(const char *spec, cJSON **json)
{
        struct fault *f = NULL;
        struct error e = { 0 };

        *json = cJSON_Parse(spec);
        ck_assert_ptr_nonnull(*json);
        ck_assert_msg(fault_new(*json, 0, &f, &e) == 0, "%s", e.msg);
        return f;
}

/* Counts checkpoints and snapshots how many files were saved each time, so
 * the test can see that a prior was journalled before its write. */
static int checkpoints;
static int count_checkpoint(struct fault *f, struct error *e)
{
        checkpoints++;
        return 0;
}

static int n_saved_files(struct fault *f)
{
        return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f->saved, "files"));
}

static const char *saved_file(struct fault *f, int i, const char *key)
{
        const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f->saved, "files"), i);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

static void run(struct fault *f, struct target *t, int (*op)(struct fault *, struct target *, struct error *))
{
        struct error e = { 0 };

        ck_assert_msg(op(f, t, &e) == 0, "%s", e.msg);
}

START_TEST(v1_cpu_quota_restored)
{
        struct target t;
        cJSON *j;
        struct fault *f;
        const cJSON *q;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"cpu\",\"quota\":0.2,\"weight\":50}", &j);
        f->checkpoint = count_checkpoint;
        checkpoints = 0;
        run(f, &t, f->ops->apply);
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "20000");
        ck_file_eq("cpu/docker/abc/cpu.cfs_period_us", "100000"); /* untouched */
        ck_file_eq("cpu/docker/abc/cpu.shares", "512");
        ck_assert_int_eq(n_saved_files(f), 2);
        ck_assert_int_eq(checkpoints, 2);
        ck_assert_str_eq(saved_file(f, 1, "prior"), "-1");
        run(f, &t, f->ops->verify);
        q = cJSON_GetObjectItemCaseSensitive(f->readback, "quota_cpus");
        ck_assert(cJSON_IsNumber(q) && q->valuedouble > 0.199 && q->valuedouble < 0.201);
        run(f, &t, f->ops->revert);
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "-1");
        ck_file_eq("cpu/docker/abc/cpu.shares", "1024");
        run(f, &t, f->ops->revert); /* idempotent */
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "-1");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* Period is written before quota and so restored after it. */
START_TEST(v1_cpu_period_order)
{
        struct target t;
        cJSON *j;
        struct fault *f;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"cpu\",\"quota\":0.5,\"period\":\"50ms\",\"cpus\":\"1\"}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("cpu/docker/abc/cpu.cfs_period_us", "50000");
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "25000");
        ck_file_eq("cpuset/docker/abc/cpuset.cpus", "1");
        ck_assert_int_eq(n_saved_files(f), 3);
        ck_assert_ptr_nonnull(strstr(saved_file(f, 1, "path"), "cpu.cfs_period_us"));
        ck_assert_ptr_nonnull(strstr(saved_file(f, 2, "path"), "cpu.cfs_quota_us"));
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("cpu/docker/abc/cpu.cfs_period_us", "100000");
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "-1");
        ck_file_eq("cpuset/docker/abc/cpuset.cpus", "0-1");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* Raising the v1 limit above memory+swap: memsw goes first, back last. */
START_TEST(v1_memory_memsw_order)
{
        struct target t;
        cJSON *j;
        struct fault *f;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"memory\",\"limit\":\"1GiB\",\"high\":\"512MiB\"}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("memory/docker/abc/memory.memsw.limit_in_bytes", "1073741824");
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "1073741824");
        ck_file_eq("memory/docker/abc/memory.soft_limit_in_bytes", "536870912");
        ck_assert_int_eq(n_saved_files(f), 3);
        ck_assert_ptr_nonnull(strstr(saved_file(f, 0, "path"), "memory.memsw.limit_in_bytes"));
        ck_assert_ptr_nonnull(strstr(saved_file(f, 1, "path"), "memory.limit_in_bytes"));
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("memory/docker/abc/memory.memsw.limit_in_bytes", "536870912");
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "268435456");
        ck_file_eq("memory/docker/abc/memory.soft_limit_in_bytes", "9223372036854771712");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* Lowering keeps memsw alone (it already is above the new limit). */
START_TEST(v1_memory_below_usage_refused)
{
        struct target t;
        struct error e = { 0 };
        cJSON *j;
        struct fault *f;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"memory\",\"limit\":\"5MiB\"}", &j);
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -EBUSY);
        ck_assert_ptr_nonnull(strstr(e.msg, "allow_oom"));
        ck_assert_ptr_nonnull(strstr(e.msg, "$.faults[0].limit"));
        ck_assert_int_eq(n_saved_files(f), 0);
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "268435456");
        fault_free(f);
        cJSON_Delete(j);

        f = new_fault("{\"type\":\"memory\",\"limit\":\"5MiB\",\"allow_oom\":true}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "5242880");
        ck_file_eq("memory/docker/abc/memory.memsw.limit_in_bytes", "536870912");
        ck_assert_int_eq(n_saved_files(f), 1);
        run(f, &t, f->ops->revert);
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "268435456");
        fault_free(f);
        cJSON_Delete(j);

        /* consume that cannot fit under the limit */
        f = new_fault("{\"type\":\"memory\",\"consume\":\"300MiB\"}", &j);
        ck_assert_int_eq(f->ops->apply(f, &t, &e), -EBUSY);
        ck_assert_ptr_nonnull(strstr(e.msg, "$.faults[0].consume"));
        ck_assert_int_eq(stressor_count_alive(f), 0);
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

START_TEST(v1_pids_and_io)
{
        struct target t;
        cJSON *j;
        struct fault *f;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"pids\",\"max\":7}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("pids/docker/abc/pids.max", "7");
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("pids/docker/abc/pids.max", "max");
        fault_free(f);
        cJSON_Delete(j);

        f = new_fault("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":\"1MiB\",\"wbps\":2048}", &j);
        /* Plain files do not merge lines as the kernel does: start empty. */
        put_file("blkio/docker/abc/blkio.throttle.read_bps_device", "");
        run(f, &t, f->ops->apply);
        ck_file_eq("blkio/docker/abc/blkio.throttle.read_bps_device", "8:0 1048576");
        ck_file_eq("blkio/docker/abc/blkio.throttle.write_bps_device", "8:0 2048");
        run(f, &t, f->ops->verify);
        ck_assert_str_eq(saved_file(f, 0, "key"), "8:0");
        ck_assert_str_eq(saved_file(f, 0, "prior"), "0"); /* absent: "0" removes the rule */
        run(f, &t, f->ops->revert);
        ck_file_eq("blkio/docker/abc/blkio.throttle.read_bps_device", "8:0 0");
        fault_free(f);
        cJSON_Delete(j);

        /* An existing rule for the device is the prior. */
        put_file("blkio/docker/abc/blkio.throttle.read_bps_device", "8:16 100\n8:0 777");
        f = new_fault("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":\"1MiB\"}", &j);
        run(f, &t, f->ops->apply);
        ck_assert_str_eq(saved_file(f, 0, "prior"), "777");
        run(f, &t, f->ops->revert);
        ck_file_eq("blkio/docker/abc/blkio.throttle.read_bps_device", "8:0 777");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

START_TEST(v2_files_restored)
{
        struct target t;
        cJSON *j;
        struct fault *f;

        fake_v2();
        target_of(&t, "/victim");
        f = new_fault("{\"type\":\"cpu\",\"quota\":0.2,\"weight\":50,\"cpus\":\"0\"}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("victim/cpu.max", "20000 100000");
        ck_file_eq("victim/cpu.weight", "50");
        ck_file_eq("victim/cpuset.cpus", "0");
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("victim/cpu.max", "max 100000");
        ck_file_eq("victim/cpu.weight", "100");
        ck_file_eq("victim/cpuset.cpus", ""); /* "inherit", written as a newline */
        fault_free(f);
        cJSON_Delete(j);

        f = new_fault("{\"type\":\"memory\",\"limit\":\"256MiB\",\"high\":\"200MiB\"}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("victim/memory.max", "268435456");
        ck_file_eq("victim/memory.high", "209715200");
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("victim/memory.max", "max");
        ck_file_eq("victim/memory.high", "max");
        fault_free(f);
        cJSON_Delete(j);

        f = new_fault("{\"type\":\"io\",\"device\":\"8:0\",\"rbps\":\"1MiB\",\"wiops\":10}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("victim/io.max", "8:0 rbps=1048576 wiops=10");
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_file_eq("victim/io.max", "8:0 rbps=max wbps=max riops=max wiops=max");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* The target's cgroup was removed mid-experiment: revert has nothing to
 * restore and succeeds. */
START_TEST(revert_when_cgroup_gone)
{
        struct target t;
        cJSON *j;
        struct fault *f;
        char cmd[512];

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"pids\",\"max\":3}", &j);
        run(f, &t, f->ops->apply);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/pids/docker/abc'", root);
        ck_assert_int_eq(system(cmd), 0);
        run(f, &t, f->ops->revert);
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* The target's cgroup was removed and made again at the same path (a new
 * inode) with a value of its own: revert leaves the newcomer alone and
 * records why in f->saved. */
START_TEST(revert_when_cgroup_replaced)
{
        struct target t;
        cJSON *j;
        struct fault *f;
        char cmd[512], *p;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"pids\",\"max\":3}", &j);
        run(f, &t, f->ops->apply);
        ck_file_eq("pids/docker/abc/pids.max", "3");
        snprintf(cmd, sizeof(cmd), "mv '%s/pids/docker/abc' '%s/pids/docker/old'", root, root);
        ck_assert_int_eq(system(cmd), 0);
        put_file("pids/docker/abc/pids.max", "77");
        run(f, &t, f->ops->revert);
        ck_file_eq("pids/docker/abc/pids.max", "77");
        ck_file_eq("pids/docker/old/pids.max", "3");
        p = cJSON_PrintUnformatted(f->saved);
        ck_assert_msg(strstr(p, "removed and made again"), "%s", p);
        free(p);
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* The revert of a journalled fault runs in a new process from f->saved. */
START_TEST(revert_from_saved_only)
{
        struct target t;
        cJSON *j, *j2;
        struct fault *f, *g;
        char *journal;

        fake_v1();
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"memory\",\"limit\":\"1GiB\"}", &j);
        run(f, &t, f->ops->apply);
        g = new_fault("{\"type\":\"memory\",\"limit\":\"1GiB\"}", &j2);
        journal = cJSON_PrintUnformatted(f->saved); /* what the journal would hold */
        g->saved = cJSON_Parse(journal);
        free(journal);
        run(g, &t, g->ops->revert);
        ck_file_eq("memory/docker/abc/memory.limit_in_bytes", "268435456");
        ck_file_eq("memory/docker/abc/memory.memsw.limit_in_bytes", "536870912");
        fault_free(f);
        fault_free(g);
        cJSON_Delete(j);
        cJSON_Delete(j2);
        cleanup_root();
}
END_TEST

static long rss_kib(pid_t pid)
{
        char path[64], buf[4096], *p;
        struct error e;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (fs_read(path, buf, sizeof(buf), &e) < 0)
                return -1;
        p = strstr(buf, "VmRSS:");
        return p ? atol(p + 6) : -1;
}

static int alive(pid_t pid, uint64_t start)
{
        struct error e;
        uint64_t now;
        char st;

        return proc_start_time(pid, &now, &e) == 0 && now == start && proc_state(pid, &st, &e) == 0 && st != 'Z';
}

static void first_stressor(struct fault *f, pid_t *pid, uint64_t *start)
{
        const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f->saved, "stressors"), 0);

        ck_assert_ptr_nonnull(s);
        *pid = (pid_t)cJSON_GetObjectItemCaseSensitive(s, "pid")->valuedouble;
        *start = (uint64_t)cJSON_GetObjectItemCaseSensitive(s, "start_time")->valuedouble;
}

/* load 50 of a 0.5-CPU quota: one worker at 0.25 CPU, joined into every
 * resource hierarchy, killed and reaped at revert. */
START_TEST(cpu_stressor_lifecycle)
{
        struct target t;
        cJSON *j;
        struct fault *f;
        const cJSON *load;
        pid_t pid;
        uint64_t start;
        int status;

        fake_v1();
        put_file("cpu/docker/abc/cpu.cfs_quota_us", "50000");
        target_of(&t, "/docker/abc");
        f = new_fault("{\"type\":\"cpu\",\"load\":50}", &j);
        f->checkpoint = count_checkpoint;
        checkpoints = 0;
        run(f, &t, f->ops->apply);
        ck_assert_int_eq(checkpoints, 1); /* recorded before it started */
        load = cJSON_GetObjectItemCaseSensitive(f->saved, "load");
        ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(load, "allowance_cpus")->valuedouble, 0.5, 1e-9);
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(load, "allowance_from")->valuestring, "quota");
        ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(load, "load_cpus")->valuedouble, 0.25, 1e-9);
        first_stressor(f, &pid, &start);
        ck_assert(alive(pid, start));
        /* It joined every v1 resource hierarchy ("0" = the writer). */
        ck_file_eq("cpu/docker/abc/cgroup.procs", "0");
        ck_file_eq("cpuacct/docker/abc/cgroup.procs", "0");
        ck_file_eq("memory/docker/abc/cgroup.procs", "0");
        run(f, &t, f->ops->verify);
        ck_assert_int_eq(f->ops->child_exited(f, pid, 0), 1);
        ck_assert_int_eq(f->ops->child_exited(f, pid + 100000, 0), 0);
        run(f, &t, f->ops->revert);
        ck_assert(!alive(pid, start));
        ck_assert_int_eq(waitpid(pid, &status, WNOHANG), -1); /* already reaped */
        ck_assert_int_eq(errno, ECHILD);
        run(f, &t, f->ops->revert);
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

START_TEST(cpu_allowance_sources)
{
        struct target t;
        struct error e = { 0 };
        cJSON *j;
        struct fault *f;
        long host = sysconf(_SC_NPROCESSORS_ONLN);
        const cJSON *load;

        fake_v1();
        target_of(&t, "/docker/abc");
        /* No quota, cpuset of one CPU: load 100 is one CPU. */
        put_file("cpuset/docker/abc/cpuset.effective_cpus", "0");
        f = new_fault("{\"type\":\"cpu\",\"load\":2}", &j);
        run(f, &t, f->ops->apply);
        load = cJSON_GetObjectItemCaseSensitive(f->saved, "load");
        if (host > 1)
                ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(load, "allowance_from")->valuestring, "cpuset");
        ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(load, "allowance_cpus")->valuedouble, 1, 1e-9);
        run(f, &t, f->ops->revert);
        fault_free(f);
        cJSON_Delete(j);

        /* Nothing set: the host's CPUs. */
        put_file("cpuset/docker/abc/cpuset.effective_cpus", "0-4095");
        f = new_fault("{\"type\":\"cpu\",\"load\":1}", &j);
        run(f, &t, f->ops->apply);
        load = cJSON_GetObjectItemCaseSensitive(f->saved, "load");
        ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(load, "allowance_from")->valuestring, "host");
        ck_assert_double_eq_tol(cJSON_GetObjectItemCaseSensitive(load, "allowance_cpus")->valuedouble, (double)host,
                                1e-9);
        run(f, &t, f->ops->revert);
        fault_free(f);
        cJSON_Delete(j);

        /* Our own quota counts: load 100 of quota 2.0 needs 2 workers. */
        f = new_fault("{\"type\":\"cpu\",\"quota\":2,\"load\":100,\"workers\":1}", &j);
        put_file("cpuset/docker/abc/cpuset.effective_cpus", "0-3");
        ck_assert_int_lt(f->ops->apply(f, &t, &e), 0);
        ck_assert_ptr_nonnull(strstr(e.msg, "at least 2 workers"));
        run(f, &t, f->ops->revert);
        ck_file_eq("cpu/docker/abc/cpu.cfs_quota_us", "-1");
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* consume keeps the bytes resident in the stressor. */
START_TEST(memory_stressor_resident)
{
        struct target t;
        cJSON *j;
        struct fault *f;
        pid_t pid;
        uint64_t start;
        long rss = 0;

        fake_v1();
        target_of(&t, "/docker/abc");
        /* 10% of the 256 MiB limit = 25.6 MiB */
        f = new_fault("{\"type\":\"memory\",\"consume\":\"10%\"}", &j);
        run(f, &t, f->ops->apply);
        first_stressor(f, &pid, &start);
        for (int i = 0; i < 100 && (rss = rss_kib(pid)) < 25 * 1024; i++)
                usleep(20000);
        ck_assert_msg(rss >= 25 * 1024, "stressor RSS %ld KiB", rss);
        run(f, &t, f->ops->verify);
        run(f, &t, f->ops->revert);
        ck_assert(!alive(pid, start));
        fault_free(f);
        cJSON_Delete(j);
        cleanup_root();
}
END_TEST

/* A stressor dies with the process that forked it (PR_SET_PDEATHSIG), as
 * when chaosd is SIGKILLed. */
START_TEST(stressor_dies_with_parent)
{
        int pfd[2];
        pid_t mid, pid = 0;
        uint64_t start = 0;
        int status, i;

        fake_v1();
        ck_assert_int_eq(pipe(pfd), 0);
        mid = fork();
        ck_assert_int_ge(mid, 0);
        if (mid == 0) {
                struct target t;
                cJSON *j;
                struct fault *f;
                struct error e;
                pid_t p;
                uint64_t s;

                close(pfd[0]);
                target_of(&t, "/docker/abc");
                f = new_fault("{\"type\":\"cpu\",\"load\":1}", &j);
                if (f->ops->apply(f, &t, &e) < 0)
                        _exit(1);
                first_stressor(f, &p, &s);
                if (write(pfd[1], &p, sizeof(p)) != sizeof(p) || write(pfd[1], &s, sizeof(s)) != sizeof(s))
                        _exit(1);
                pause();
                _exit(0);
        }
        close(pfd[1]);
        ck_assert_int_eq(read(pfd[0], &pid, sizeof(pid)), sizeof(pid));
        ck_assert_int_eq(read(pfd[0], &start, sizeof(start)), sizeof(start));
        ck_assert(alive(pid, start));
        kill(mid, SIGKILL);
        waitpid(mid, &status, 0);
        for (i = 0; i < 200 && alive(pid, start); i++)
                usleep(10000);
        ck_assert_msg(!alive(pid, start), "stressor %d survived its parent", (int)pid);
        cleanup_root();
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cgsave");
        TCase *tc = tcase_create("fake-cgroupfs");

        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, v1_cpu_quota_restored);
        tcase_add_test(tc, v1_cpu_period_order);
        tcase_add_test(tc, v1_memory_memsw_order);
        tcase_add_test(tc, v1_memory_below_usage_refused);
        tcase_add_test(tc, v1_pids_and_io);
        tcase_add_test(tc, v2_files_restored);
        tcase_add_test(tc, revert_when_cgroup_gone);
        tcase_add_test(tc, revert_when_cgroup_replaced);
        tcase_add_test(tc, revert_from_saved_only);
        tcase_add_test(tc, cpu_stressor_lifecycle);
        tcase_add_test(tc, cpu_allowance_sources);
        tcase_add_test(tc, memory_stressor_resident);
        tcase_add_test(tc, stressor_dies_with_parent);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
