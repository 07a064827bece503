/* cpu: CPU limits (quota, weight, cpuset) and CPU stressors whose load is a
 * share of the container's own allowance.
 *
 *   v1: cpu.cfs_quota_us + cpu.cfs_period_us, cpu.shares, cpuset.cpus
 *   v2: cpu.max ("QUOTA PERIOD"), cpu.weight, cpuset.cpus
 *
 * Every file is saved before it is written (cgsave) and restored byte for
 * byte at revert; stressors are killed first so the restored limits never
 * meet our own load. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgsave.h"
#include "cleanup.h"
#include "fault.h"
#include "jsonv.h"
#include "stressor.h"
#include "target.h"

#define CPU_MAX_WORKERS 256
#define CPULIST_MAX 1024 /* CPUs a "cpus" list may name */

struct cpu_params {
        double quota;       /* CPUs; 0 = leave alone */
        uint64_t period_us; /* 0 = keep the current period */
        int64_t weight;     /* 1..10000 (v2 scale); 0 = leave alone */
        char cpus[256];     /* cpuset list; "" = leave alone */
        double load;        /* percent of the allowance; 0 = no stressors */
        int64_t workers;    /* 0 = as many as the load needs */
};

static const char *const cpu_keys[] = { "type", "quota", "period", "weight", "cpus", "load", "workers", NULL };

/* Parse a cpu list ("0-3,6") into a bitmap. Returns the CPU count or
 * -EINVAL. */
static int cpulist_parse(const char *s, uint64_t bits[CPULIST_MAX / 64])
{
        int count = 0;

        memset(bits, 0, CPULIST_MAX / 8);
        if (!*s)
                return 0;
        for (const char *p = s;;) {
                char *end;
                unsigned long a, b;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                a = strtoul(p, &end, 10);
                b = a;
                if (*end == '-') {
                        if (end[1] < '0' || end[1] > '9')
                                return -EINVAL;
                        b = strtoul(end + 1, &end, 10);
                }
                if (a > b || b >= CPULIST_MAX)
                        return -EINVAL;
                for (unsigned long c = a; c <= b; c++)
                        if (!(bits[c / 64] & (1ULL << (c % 64)))) {
                                bits[c / 64] |= 1ULL << (c % 64);
                                count++;
                        }
                if (*end == '\0')
                        return count;
                if (*end != ',')
                        return -EINVAL;
                p = end + 1;
        }
}

/* v2 cpu.weight (1..10000, default 100) to v1 cpu.shares (2..262144,
 * default 1024). Both are relative: scaling keeps the defaults equal and
 * the ratios between siblings the same (weight 50 = 512 shares = half
 * the default). */
static uint64_t weight_to_shares(int64_t w)
{
        uint64_t s = (uint64_t)w * 1024 / 100;

        return s < 2 ? 2 : s;
}

static int cpu_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct cpu_params *p = calloc(1, sizeof(*p));
        char path[JV_PATH_MAX];
        const cJSON *q;
        const char *cpus = NULL;
        int r, any = 0;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, cpu_keys, e);
        if (r < 0)
                return r;
        q = cJSON_GetObjectItemCaseSensitive(json, "quota");
        if (q) {
                jv_path(path, f->path, "quota");
                if (!cJSON_IsNumber(q) || !isfinite(q->valuedouble))
                        return error_path(e, path, "must be a number of CPUs such as 0.5");
                if (q->valuedouble < 0.01 || q->valuedouble > 1024)
                        return error_path(e, path, "%g CPUs is out of range 0.01..1024", q->valuedouble);
                p->quota = q->valuedouble;
                any = 1;
        }
        r = jv_duration(json, f->path, "period", 0, 1000, 1000000, &p->period_us, e);
        if (r < 0)
                return r;
        if (r > 0 && !q) {
                jv_path(path, f->path, "period");
                return error_path(e, path, "only applies together with \"quota\"");
        }
        if (q && p->period_us && p->quota * (double)p->period_us < 1000) {
                jv_path(path, f->path, "quota");
                return error_path(e, path, "%g CPUs of a %lluus period is below the kernel's 1ms minimum", p->quota,
                                  (unsigned long long)p->period_us);
        }
        r = jv_int(json, f->path, "weight", 0, 1, 10000, &p->weight, e);
        if (r < 0)
                return r;
        any |= r;
        r = jv_string(json, f->path, "cpus", 0, &cpus, e);
        if (r < 0)
                return r;
        if (r > 0) {
                uint64_t bits[CPULIST_MAX / 64];

                jv_path(path, f->path, "cpus");
                if (strlen(cpus) >= sizeof(p->cpus) || cpulist_parse(cpus, bits) <= 0)
                        return error_path(e, path, "\"%.64s\" is not a CPU list such as \"0-1,3\"", cpus);
                snprintf(p->cpus, sizeof(p->cpus), "%s", cpus);
                any = 1;
        }
        r = jv_percent(json, f->path, "load", 0, &p->load, e);
        if (r < 0)
                return r;
        if (r > 0 && p->load <= 0) {
                jv_path(path, f->path, "load");
                return error_path(e, path, "must be above 0%%");
        }
        any |= r;
        r = jv_int(json, f->path, "workers", 0, 1, CPU_MAX_WORKERS, &p->workers, e);
        if (r < 0)
                return r;
        if (r > 0 && p->load <= 0) {
                jv_path(path, f->path, "workers");
                return error_path(e, path, "only applies together with \"load\"");
        }
        if (!any)
                return error_path(e, f->path,
                                  "cpu fault needs at least one of \"quota\", \"weight\", \"cpus\" or \"load\"");
        f->priv = TAKE_PTR(p);
        return 0;
}

struct cpu_dirs {
        char cpu[4096];    /* v1 cpu hierarchy, or the v2 directory */
        char cpuset[4096]; /* v1 cpuset hierarchy, or the v2 directory */
};

static int cpu_dirs(const struct target *t, struct cpu_dirs *d, struct error *e)
{
        int r = target_cgroup_dir(t, "cpu", d->cpu, sizeof(d->cpu), e);

        if (r < 0)
                return r;
        return target_cgroup_dir(t, "cpuset", d->cpuset, sizeof(d->cpuset), e);
}

/* The current quota and period; *quota_us = CGSAVE_UNLIMITED when none. */
static int read_quota(const struct target *t, const struct cpu_dirs *d, uint64_t *quota_us, uint64_t *period_us,
                      struct error *e)
{
        char buf[64], q[32];
        unsigned long long per;
        int r;

        if (t->cgv == CG_V1) {
                r = cgsave_read_u64(d->cpu, "cpu.cfs_quota_us", quota_us, e);
                return r < 0 ? r : cgsave_read_u64(d->cpu, "cpu.cfs_period_us", period_us, e);
        }
        r = (int)cg_read(d->cpu, "cpu.max", buf, sizeof(buf), e);
        if (r < 0)
                return r;
        if (sscanf(buf, "%31s %llu", q, &per) != 2)
                return error_set(e, EIO, "%s/cpu.max: unexpected content \"%s\"", d->cpu, buf);
        *period_us = per;
        *quota_us = strcmp(q, "max") == 0 ? CGSAVE_UNLIMITED : strtoull(q, NULL, 10);
        return 0;
}

/* What "100% load" means for this target: its quota, else the CPUs of its
 * cpuset, else the host's online CPUs. A quota above the cpuset's CPU count
 * cannot be used in full, so the smaller of the two counts. */
static int cpu_allowance(const struct target *t, const struct cpu_dirs *d, double *ret, const char **from,
                         struct error *e)
{
        uint64_t quota, period, bits[CPULIST_MAX / 64];
        long host = sysconf(_SC_NPROCESSORS_ONLN);
        double cpus = host > 0 ? (double)host : 1;
        char buf[4096];
        struct error ign;
        int r, n;

        *from = "host";
        if (cg_read(d->cpuset, t->cgv == CG_V1 ? "cpuset.effective_cpus" : "cpuset.cpus.effective", buf, sizeof(buf),
                    &ign) >= 0 &&
            (n = cpulist_parse(buf, bits)) > 0 && n < cpus) {
                cpus = n;
                *from = "cpuset";
        }
        r = read_quota(t, d, &quota, &period, e);
        if (r < 0)
                return r;
        if (quota != CGSAVE_UNLIMITED && period > 0 && (double)quota / (double)period < cpus) {
                cpus = (double)quota / (double)period;
                *from = "quota";
        }
        *ret = cpus;
        return 0;
}

/* An empty v2 cpuset.cpus means "my parent's CPUs". Once set, the kernel
 * refuses (ENOSPC) to empty it again while the cgroup has processes, so
 * the prior could never be restored: refuse before touching anything. */
static int v2_cpuset_restorable(const struct fault *f, const struct target *t, const struct cpu_dirs *d,
                                struct error *e)
{
        char cpus[4096], events[512];
        struct error ign;

        if (t->cgv != CG_V2)
                return 0;
        if (cg_read(d->cpuset, "cpuset.cpus", cpus, sizeof(cpus), e) < 0)
                return error_wrap(e, "cpuset controller not enabled for %s", t->cgroup);
        if (cpus[0] || cg_read(d->cpuset, "cgroup.events", events, sizeof(events), &ign) < 0 ||
            !strstr(events, "populated 1"))
                return 0;
        return error_set(e, EOPNOTSUPP,
                         "%s.cpus: cpuset.cpus of %s is empty (it inherits its parent's CPUs) and the kernel cannot "
                         "empty it again while it has processes, so it could not be restored; give the cgroup "
                         "an explicit cpuset.cpus first",
                         f->path, t->cgroup);
}

static int cpu_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct cpu_params *p = f->priv;
        struct cpu_dirs d;
        char val[64];
        int r;

        r = cpu_dirs(t, &d, e);
        if (r < 0)
                return r;
        if (p->cpus[0]) {
                r = v2_cpuset_restorable(f, t, &d, e);
                if (r < 0)
                        return r;
                r = cgsave_write(fault_cgsave(f), d.cpuset, "cpuset.cpus", p->cpus, e);
                if (r < 0)
                        return error_wrap(e, "set cpus");
        }
        if (p->weight) {
                if (t->cgv == CG_V1) {
                        snprintf(val, sizeof(val), "%llu", (unsigned long long)weight_to_shares(p->weight));
                        r = cgsave_write(fault_cgsave(f), d.cpu, "cpu.shares", val, e);
                } else {
                        snprintf(val, sizeof(val), "%lld", (long long)p->weight);
                        r = cgsave_write(fault_cgsave(f), d.cpu, "cpu.weight", val, e);
                }
                if (r < 0)
                        return error_wrap(e, "set weight");
        }
        if (p->quota > 0) {
                uint64_t quota, period;

                r = read_quota(t, &d, &quota, &period, e);
                if (r < 0)
                        return r;
                if (p->period_us)
                        period = p->period_us;
                quota = (uint64_t)llround(p->quota * (double)period);
                if (quota < 1000)
                        return error_path(e, f->path, "quota %g of a %lluus period is below the kernel's 1ms minimum",
                                          p->quota, (unsigned long long)period);
                if (t->cgv == CG_V1) {
                        /* Period first, quota second; revert goes the
                         * other way round. */
                        if (p->period_us) {
                                snprintf(val, sizeof(val), "%llu", (unsigned long long)period);
                                r = cgsave_write(fault_cgsave(f), d.cpu, "cpu.cfs_period_us", val, e);
                                if (r < 0)
                                        return error_wrap(e, "set period");
                        }
                        snprintf(val, sizeof(val), "%llu", (unsigned long long)quota);
                        r = cgsave_write(fault_cgsave(f), d.cpu, "cpu.cfs_quota_us", val, e);
                } else {
                        snprintf(val, sizeof(val), "%llu %llu", (unsigned long long)quota,
                                 (unsigned long long)period);
                        r = cgsave_write(fault_cgsave(f), d.cpu, "cpu.max", val, e);
                }
                if (r < 0)
                        return error_wrap(e, "set quota");
        }
        if (p->load > 0) {
                struct stressor_dirs sd;
                struct stressor_params sp = { .kind = STRESSOR_CPU, .watch_fd = t->pidfd };
                const char *from;
                double allowance, total;
                int64_t workers;
                cJSON *info;

                /* After our own limits: "load 50" with "quota 0.5" is 0.25 CPU. */
                r = cpu_allowance(t, &d, &allowance, &from, e);
                if (r < 0)
                        return r;
                total = allowance * p->load / 100.0;
                workers = p->workers ? p->workers : (int64_t)ceil(total - 1e-9);
                if (workers < 1)
                        workers = 1;
                sp.cpu_fraction = total / (double)workers;
                if (sp.cpu_fraction > 1.0 + 1e-9)
                        return error_path(e, f->path, "load %g%% of %g CPUs needs at least %d workers, not %lld",
                                          p->load, allowance, (int)ceil(total - 1e-9), (long long)p->workers);
                info = cJSON_AddObjectToObject(fault_saved(f), "load");
                if (!info || !cJSON_AddNumberToObject(info, "allowance_cpus", allowance) ||
                    !cJSON_AddStringToObject(info, "allowance_from", from) ||
                    !cJSON_AddNumberToObject(info, "load_cpus", total) ||
                    !cJSON_AddNumberToObject(info, "workers", (double)workers))
                        return error_set(e, ENOMEM, "out of memory");
                r = stressor_target_dirs(t, &sd, e);
                if (r < 0)
                        return r;
                for (int64_t i = 0; i < workers; i++) {
                        r = stressor_spawn(f, &sd, &sp, e);
                        if (r < 0)
                                return error_wrap(e, "cpu stressor %lld of %lld", (long long)i + 1,
                                                  (long long)workers);
                }
        }
        return 0;
}

/* Compare one file with what apply meant to write; add it to RB. */
static int expect(cJSON *rb, const char *dir, const char *file, const char *want, struct error *e)
{
        char got[4096];
        ssize_t n = cg_read(dir, file, got, sizeof(got), e);

        if (n < 0)
                return (int)n;
        cJSON_AddStringToObject(rb, file, got);
        if (strcmp(got, want) != 0)
                return error_set(e, EIO, "%s/%s reads \"%s\", expected \"%s\"", dir, file, got, want);
        return 0;
}

static int cpu_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct cpu_params *p = f->priv;
        _cleanup_json_ cJSON *rb = cJSON_CreateObject();
        const cJSON *load = cJSON_GetObjectItemCaseSensitive(f->saved, "load");
        struct cpu_dirs d;
        char val[64];
        int r;

        if (!rb)
                return error_set(e, ENOMEM, "out of memory");
        r = cpu_dirs(t, &d, e);
        if (r < 0)
                return r;
        if (p->cpus[0]) {
                uint64_t want[CPULIST_MAX / 64], got[CPULIST_MAX / 64];
                char buf[4096];

                /* The kernel rewrites the list ("0,1" reads "0-1"). */
                r = (int)cg_read(d.cpuset, "cpuset.cpus", buf, sizeof(buf), e);
                if (r < 0)
                        return r;
                cJSON_AddStringToObject(rb, "cpuset.cpus", buf);
                if (cpulist_parse(p->cpus, want) < 0 || cpulist_parse(buf, got) < 0 ||
                    memcmp(want, got, sizeof(want)) != 0)
                        return error_set(e, EIO, "cpuset.cpus reads \"%s\", expected \"%s\"", buf, p->cpus);
        }
        if (p->weight) {
                if (t->cgv == CG_V1)
                        snprintf(val, sizeof(val), "%llu", (unsigned long long)weight_to_shares(p->weight));
                else
                        snprintf(val, sizeof(val), "%lld", (long long)p->weight);
                r = expect(rb, d.cpu, t->cgv == CG_V1 ? "cpu.shares" : "cpu.weight", val, e);
                if (r < 0)
                        return r;
        }
        if (p->quota > 0) {
                uint64_t quota, period;

                r = read_quota(t, &d, &quota, &period, e);
                if (r < 0)
                        return r;
                if (p->period_us && period != p->period_us)
                        return error_set(e, EIO, "cpu period reads %lluus, expected %lluus",
                                         (unsigned long long)period, (unsigned long long)p->period_us);
                if (quota != (uint64_t)llround(p->quota * (double)period))
                        return error_set(e, EIO, "cpu quota reads %lld, expected %lld",
                                         quota == CGSAVE_UNLIMITED ? -1LL : (long long)quota,
                                         (long long)llround(p->quota * (double)period));
                if (t->cgv == CG_V1) {
                        snprintf(val, sizeof(val), "%llu", (unsigned long long)quota);
                        cJSON_AddStringToObject(rb, "cpu.cfs_quota_us", val);
                        snprintf(val, sizeof(val), "%llu", (unsigned long long)period);
                        cJSON_AddStringToObject(rb, "cpu.cfs_period_us", val);
                } else {
                        snprintf(val, sizeof(val), "%llu %llu", (unsigned long long)quota,
                                 (unsigned long long)period);
                        cJSON_AddStringToObject(rb, "cpu.max", val);
                }
                cJSON_AddNumberToObject(rb, "quota_cpus", (double)quota / (double)period);
        }
        if (p->load > 0) {
                const cJSON *w = cJSON_GetObjectItemCaseSensitive(load, "workers");
                int alive = stressor_count_alive(f);

                cJSON_AddItemToObject(rb, "load", cJSON_Duplicate(load, 1));
                cJSON_AddNumberToObject(rb, "stressors_running", alive);
                if (!cJSON_IsNumber(w) || alive != (int)w->valuedouble)
                        return error_set(e, ESRCH, "%d of %d cpu stressors running", alive,
                                         cJSON_IsNumber(w) ? (int)w->valuedouble : 0);
        }
        fault_set_readback(f, TAKE_PTR(rb));
        return 0;
}

static int cpu_revert(struct fault *f, struct target *t, struct error *e)
{
        struct error se = { 0 };
        int rs = stressor_stop_all(f, &se);
        int rf = cgsave_restore(f->saved, e);

        if (rf < 0)
                return rf;
        if (rs < 0)
                *e = se;
        return rs;
}

static int cpu_child_exited(struct fault *f, int pid, int status)
{
        return stressor_owns(f, pid);
}

const struct fault_ops fault_cpu_ops = {
        .type = "cpu",
        .parse = cpu_parse,
        .apply = cpu_apply,
        .verify = cpu_verify,
        .revert = cpu_revert,
        .child_exited = cpu_child_exited,
};
