/* memory: memory limits and a memory stressor that holds resident memory
 * inside the container's cgroup.
 *
 *   limit  v1 memory.limit_in_bytes (raising memory.memsw.limit_in_bytes
 *          first when the new limit is above it)   v2 memory.max
 *   high   v1 memory.soft_limit_in_bytes            v2 memory.high
 *
 * A limit below what the container uses now would make the kernel reclaim
 * hard and then OOM-kill (v2) or refuse (v1): it is refused unless
 * "allow_oom" is true. So is a "consume" that would not fit under the
 * limit. */
#include <errno.h>
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

#define MEM_MIN_LIMIT (1ULL << 20)

struct memory_params {
        uint64_t limit; /* 0 = leave alone */
        uint64_t high;  /* 0 = leave alone */
        int allow_oom;
        uint64_t consume;   /* bytes; 0 = no stressor or see consume_pct */
        double consume_pct; /* percent of the limit; 0 = bytes given */
        uint64_t ramp_us;
};

static const char *const memory_keys[] = { "type", "limit", "high", "allow_oom", "consume", "ramp", NULL };

static int memory_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct memory_params *p = calloc(1, sizeof(*p));
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(json, "consume");
        char path[JV_PATH_MAX];
        int r, any = 0;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, memory_keys, e);
        if (r < 0)
                return r;
        r = jv_size(json, f->path, "limit", 0, &p->limit, e);
        if (r < 0)
                return r;
        if (r > 0 && p->limit < MEM_MIN_LIMIT) {
                jv_path(path, f->path, "limit");
                return error_path(e, path, "%llu bytes is below the 1MiB minimum", (unsigned long long)p->limit);
        }
        any |= r;
        r = jv_size(json, f->path, "high", 0, &p->high, e);
        if (r < 0)
                return r;
        if (r > 0 && p->high < MEM_MIN_LIMIT) {
                jv_path(path, f->path, "high");
                return error_path(e, path, "%llu bytes is below the 1MiB minimum", (unsigned long long)p->high);
        }
        any |= r;
        r = jv_bool(json, f->path, "allow_oom", 0, &p->allow_oom, e);
        if (r < 0)
                return r;
        if (c) {
                size_t l = cJSON_IsString(c) ? strlen(c->valuestring) : 0;

                jv_path(path, f->path, "consume");
                if (l > 0 && c->valuestring[l - 1] == '%') {
                        r = jv_percent(json, f->path, "consume", 1, &p->consume_pct, e);
                        if (r < 0)
                                return r;
                        if (p->consume_pct <= 0)
                                return error_path(e, path, "must be above 0%%");
                } else {
                        r = jv_size(json, f->path, "consume", 1, &p->consume, e);
                        if (r < 0)
                                return r;
                        if (p->consume == 0)
                                return error_path(e, path, "must be above 0 bytes");
                }
                any = 1;
        }
        r = jv_duration(json, f->path, "ramp", 0, 0, 3600ULL * 1000000, &p->ramp_us, e);
        if (r < 0)
                return r;
        if (r > 0 && !c) {
                jv_path(path, f->path, "ramp");
                return error_path(e, path, "only applies together with \"consume\"");
        }
        if (!any)
                return error_path(e, f->path,
                                  "memory fault needs at least one of \"limit\", \"high\" or \"consume\"");
        f->priv = TAKE_PTR(p);
        return 0;
}

static uint64_t page_size(void)
{
        long p = sysconf(_SC_PAGESIZE);

        return p > 0 ? (uint64_t)p : 4096;
}

/* v1 reads "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 with
 * 4 KiB pages); anything that large is unlimited for our purposes. */
static int read_limit(const struct target *t, const char *dir, const char *file, uint64_t *ret, struct error *e)
{
        int r = cgsave_read_u64(dir, file, ret, e);

        if (r >= 0 && *ret >= (1ULL << 62))
                *ret = CGSAVE_UNLIMITED;
        return r;
}

static const char *fmt_size(uint64_t b, char *buf, size_t len)
{
        if (b == CGSAVE_UNLIMITED)
                snprintf(buf, len, "unlimited");
        else if (b >= (1ULL << 20))
                snprintf(buf, len, "%.1fMiB", (double)b / (1 << 20));
        else
                snprintf(buf, len, "%lluB", (unsigned long long)b);
        return buf;
}

static int memory_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct memory_params *p = f->priv;
        const int v1 = t->cgv == CG_V1;
        const char *limit_file = v1 ? "memory.limit_in_bytes" : "memory.max";
        char dir[4096], val[32], a[32], b[32];
        uint64_t usage;
        int r;

        r = target_cgroup_dir(t, "memory", dir, sizeof(dir), e);
        if (r < 0)
                return r;
        r = cgsave_read_u64(dir, v1 ? "memory.usage_in_bytes" : "memory.current", &usage, e);
        if (r < 0)
                return r;
        if (p->limit) {
                uint64_t memsw;
                struct error ign;

                if (p->limit < usage && !p->allow_oom)
                        return error_set(
                                e, EBUSY,
                                "%s.limit: %s is below the %s the target uses now; set \"allow_oom\": true to allow it",
                                f->path, fmt_size(p->limit, a, sizeof(a)), fmt_size(usage, b, sizeof(b)));
                snprintf(val, sizeof(val), "%llu", (unsigned long long)p->limit);
                /* v1 refuses a memory limit above memory+swap: raise that
                 * first (revert lowers it again after the limit). */
                if (v1 && read_limit(t, dir, "memory.memsw.limit_in_bytes", &memsw, &ign) == 0 && memsw < p->limit) {
                        r = cgsave_write(fault_cgsave(f), dir, "memory.memsw.limit_in_bytes", val, e);
                        if (r < 0)
                                return error_wrap(e, "raise memory+swap limit");
                }
                r = cgsave_write(fault_cgsave(f), dir, limit_file, val, e);
                if (r < 0)
                        return error_wrap(e, "set memory limit");
        }
        if (p->high) {
                snprintf(val, sizeof(val), "%llu", (unsigned long long)p->high);
                r = cgsave_write(fault_cgsave(f), dir, v1 ? "memory.soft_limit_in_bytes" : "memory.high", val, e);
                if (r < 0)
                        return error_wrap(e, "set memory high");
        }
        if (p->consume || p->consume_pct > 0) {
                struct stressor_params sp = { .kind = STRESSOR_MEMORY, .ramp_us = p->ramp_us, .watch_fd = t->pidfd };
                struct stressor_dirs sd;
                uint64_t limit, base, bytes, ps = page_size();
                const char *from = "limit";
                cJSON *info;

                r = read_limit(t, dir, limit_file, &limit, e);
                if (r < 0)
                        return r;
                base = limit;
                if (limit == CGSAVE_UNLIMITED) {
                        long pages = sysconf(_SC_PHYS_PAGES);

                        base = (uint64_t)(pages > 0 ? pages : 0) * ps;
                        from = "host";
                }
                bytes = p->consume ? p->consume : (uint64_t)((double)base * p->consume_pct / 100.0);
                bytes = (bytes + ps - 1) / ps * ps;
                if (limit != CGSAVE_UNLIMITED && usage + bytes > limit && !p->allow_oom)
                        return error_set(
                                e, EBUSY,
                                "%s.consume: %s more would exceed the limit %s (in use: %s); set \"allow_oom\": true to allow it",
                                f->path, fmt_size(bytes, a, sizeof(a)), fmt_size(limit, b, sizeof(b)),
                                fmt_size(usage, val, sizeof(val)));
                sp.bytes = bytes;
                info = cJSON_AddObjectToObject(fault_saved(f), "consume");
                if (!info || !cJSON_AddNumberToObject(info, "bytes", (double)bytes) ||
                    !cJSON_AddNumberToObject(info, "of_bytes", (double)base) ||
                    !cJSON_AddStringToObject(info, "of", from))
                        return error_set(e, ENOMEM, "out of memory");
                r = stressor_target_dirs(t, &sd, e);
                if (r < 0)
                        return r;
                r = stressor_spawn(f, &sd, &sp, e);
                if (r < 0)
                        return error_wrap(e, "memory stressor");
        }
        return 0;
}

/* The kernel keeps limits in pages: a value reads back rounded down. */
static int expect_bytes(cJSON *rb, const struct target *t, const char *dir, const char *file, uint64_t want,
                        struct error *e)
{
        uint64_t got, ps = page_size();
        char buf[32];
        int r = read_limit(t, dir, file, &got, e);

        if (r < 0)
                return r;
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)got);
        cJSON_AddStringToObject(rb, file, buf);
        if (got != want / ps * ps)
                return error_set(e, EIO, "%s/%s reads %s, expected %llu", dir, file, buf, (unsigned long long)want);
        return 0;
}

static int memory_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct memory_params *p = f->priv;
        const int v1 = t->cgv == CG_V1;
        _cleanup_json_ cJSON *rb = cJSON_CreateObject();
        char dir[4096];
        uint64_t usage;
        int r;

        if (!rb)
                return error_set(e, ENOMEM, "out of memory");
        r = target_cgroup_dir(t, "memory", dir, sizeof(dir), e);
        if (r < 0)
                return r;
        if (p->limit) {
                r = expect_bytes(rb, t, dir, v1 ? "memory.limit_in_bytes" : "memory.max", p->limit, e);
                if (r < 0)
                        return r;
        }
        if (p->high) {
                r = expect_bytes(rb, t, dir, v1 ? "memory.soft_limit_in_bytes" : "memory.high", p->high, e);
                if (r < 0)
                        return r;
        }
        r = cgsave_read_u64(dir, v1 ? "memory.usage_in_bytes" : "memory.current", &usage, e);
        if (r < 0)
                return r;
        cJSON_AddNumberToObject(rb, "usage_bytes", (double)usage);
        if (p->consume || p->consume_pct > 0) {
                const cJSON *info = cJSON_GetObjectItemCaseSensitive(f->saved, "consume");
                int alive = stressor_count_alive(f);

                cJSON_AddItemToObject(rb, "consume", cJSON_Duplicate(info, 1));
                cJSON_AddNumberToObject(rb, "stressors_running", alive);
                if (alive != 1)
                        return error_set(e, ESRCH, "the memory stressor is not running (OOM-killed?)");
        }
        fault_set_readback(f, TAKE_PTR(rb));
        return 0;
}

static int memory_revert(struct fault *f, struct target *t, struct error *e)
{
        struct error se = { 0 };
        /* Stressors go first: their memory must be gone before a lower
         * prior limit is written back. */
        int rs = stressor_stop_all(f, &se);
        int rf = cgsave_restore(f->saved, e);

        if (rf < 0)
                return rf;
        if (rs < 0)
                *e = se;
        return rs;
}

static int memory_child_exited(struct fault *f, int pid, int status)
{
        return stressor_owns(f, pid);
}

const struct fault_ops fault_memory_ops = {
        .type = "memory",
        .parse = memory_parse,
        .apply = memory_apply,
        .verify = memory_verify,
        .revert = memory_revert,
        .child_exited = memory_child_exited,
};
