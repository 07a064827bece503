/* io: per-device throttling of the target's block I/O.
 *
 *   v1 blkio.throttle.{read,write}_{bps,iops}_device: one "MAJ:MIN VALUE"
 *      line per device; writing "MAJ:MIN 0" removes it.
 *   v2 io.max: "MAJ:MIN rbps=N wbps=N riops=N wiops=N"; a line with every
 *      field "max" is removed.
 * The prior line of the device (or its absence) is saved per file and
 * written back at revert. The kernel throttles whole disks only, not
 * partitions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgsave.h"
#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "jsonv.h"
#include "target.h"

enum { IO_RBPS, IO_WBPS, IO_RIOPS, IO_WIOPS, IO_N };

static const char *const io_v2_names[IO_N] = { "rbps", "wbps", "riops", "wiops" };
static const char *const io_v1_files[IO_N] = {
        "blkio.throttle.read_bps_device",
        "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device",
        "blkio.throttle.write_iops_device",
};

struct io_params {
        char device[256];   /* "MAJ:MIN" or a /dev path, resolved at apply */
        uint64_t lim[IO_N]; /* 0 = leave alone */
};

static const char *const io_keys[] = { "type", "device", "rbps", "wbps", "riops", "wiops", NULL };

static int parse_majmin(const char *s, unsigned *maj, unsigned *min)
{
        char tail;

        return sscanf(s, "%u:%u%c", maj, min, &tail) == 2 ? 0 : -EINVAL;
}

static int io_parse(struct fault *f, const cJSON *json, struct error *e)
{
        _cleanup_free_ struct io_params *p = calloc(1, sizeof(*p));
        char path[JV_PATH_MAX];
        const char *dev;
        unsigned ma, mi;
        int r, any = 0;

        if (!p)
                return error_set(e, ENOMEM, "out of memory");
        r = jv_check_object(json, f->path, io_keys, e);
        if (r < 0)
                return r;
        r = jv_string(json, f->path, "device", 1, &dev, e);
        if (r < 0)
                return r;
        jv_path(path, f->path, "device");
        if (strlen(dev) >= sizeof(p->device) ||
            !(parse_majmin(dev, &ma, &mi) == 0 || (strncmp(dev, "/dev/", 5) == 0 && !strstr(dev, ".."))))
                return error_path(e, path, "\"%.64s\" is neither \"MAJOR:MINOR\" nor a /dev/ path", dev);
        snprintf(p->device, sizeof(p->device), "%s", dev);
        for (int i = 0; i < IO_N; i++) {
                int64_t v;

                if (i == IO_RBPS || i == IO_WBPS)
                        r = jv_size(json, f->path, io_v2_names[i], 0, &p->lim[i], e);
                else {
                        r = jv_int(json, f->path, io_v2_names[i], 0, 1, INT64_MAX / 2, &v, e);
                        p->lim[i] = r > 0 ? (uint64_t)v : 0;
                }
                if (r < 0)
                        return r;
                if (r > 0 && p->lim[i] == 0) {
                        jv_path(path, f->path, io_v2_names[i]);
                        return error_path(e, path, "must be above 0");
                }
                any |= r;
        }
        if (!any)
                return error_path(e, f->path,
                                  "io fault needs at least one of \"rbps\", \"wbps\", \"riops\" or \"wiops\"");
        f->priv = TAKE_PTR(p);
        return 0;
}

static int io_device(const struct io_params *p, char *key, size_t len, struct error *e)
{
        unsigned ma, mi;
        struct stat st;

        if (parse_majmin(p->device, &ma, &mi) == 0) {
                snprintf(key, len, "%u:%u", ma, mi);
                return 0;
        }
        if (stat(p->device, &st) < 0)
                return error_sys(e, errno, "device %s", p->device);
        if (!S_ISBLK(st.st_mode))
                return error_set(e, ENOTBLK, "%s is not a block device", p->device);
        snprintf(key, len, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
        return 0;
}

static int io_apply(struct fault *f, struct target *t, struct error *e)
{
        const struct io_params *p = f->priv;
        char dir[4096], key[32], val[256];
        int r;

        r = io_device(p, key, sizeof(key), e);
        if (r < 0)
                return r;
        r = target_cgroup_dir(t, t->cgv == CG_V1 ? "blkio" : "io", dir, sizeof(dir), e);
        if (r < 0)
                return r;
        if (t->cgv == CG_V2) {
                size_t n = 0;

                val[0] = '\0';
                for (int i = 0; i < IO_N; i++)
                        if (p->lim[i])
                                n += (size_t)snprintf(val + n, sizeof(val) - n, "%s%s=%llu", n ? " " : "",
                                                      io_v2_names[i], (unsigned long long)p->lim[i]);
                r = cgsave_write_keyed(fault_cgsave(f), dir, "io.max", key, "rbps=max wbps=max riops=max wiops=max",
                                       val, e);
                return r < 0 ? error_wrap(e, "set io.max for %s", key) : 0;
        }
        for (int i = 0; i < IO_N; i++) {
                if (!p->lim[i])
                        continue;
                snprintf(val, sizeof(val), "%llu", (unsigned long long)p->lim[i]);
                r = cgsave_write_keyed(fault_cgsave(f), dir, io_v1_files[i], key, "0", val, e);
                if (r < 0)
                        return error_wrap(e, "set %s for %s", io_v1_files[i], key);
        }
        return 0;
}

static int io_verify(struct fault *f, struct target *t, struct error *e)
{
        const struct io_params *p = f->priv;
        _cleanup_json_ cJSON *rb = cJSON_CreateObject();
        _cleanup_free_ char *buf = NULL;
        char dir[4096], key[32], line[1024], path[4200];
        int r;

        if (!rb)
                return error_set(e, ENOMEM, "out of memory");
        r = io_device(p, key, sizeof(key), e);
        if (r < 0)
                return r;
        r = target_cgroup_dir(t, t->cgv == CG_V1 ? "blkio" : "io", dir, sizeof(dir), e);
        if (r < 0)
                return r;
        cJSON_AddStringToObject(rb, "device", key);
        for (int i = 0; i < IO_N; i++) {
                const char *file = t->cgv == CG_V1 ? io_v1_files[i] : "io.max";
                char want[64], got[64] = "";

                if (!p->lim[i])
                        continue;
                free(TAKE_PTR(buf));
                snprintf(path, sizeof(path), "%s/%s", dir, file);
                r = (int)fs_read_alloc(path, 65536, &buf, e);
                if (r < 0)
                        return r;
                r = cgsave_table_lookup(buf, key, line, sizeof(line));
                if (r <= 0)
                        return error_set(e, EIO, "%s has no line for %s", path, key);
                snprintf(want, sizeof(want), "%llu", (unsigned long long)p->lim[i]);
                if (t->cgv == CG_V1) {
                        snprintf(got, sizeof(got), "%s", line);
                } else {
                        /* "rbps=1048576 wbps=max ..." */
                        char needle[16];
                        const char *s;

                        snprintf(needle, sizeof(needle), "%s=", io_v2_names[i]);
                        s = strstr(line, needle);
                        if (s)
                                sscanf(s + strlen(needle), "%63[^ ]", got);
                }
                cJSON_AddStringToObject(rb, io_v2_names[i], got);
                if (strcmp(got, want) != 0)
                        return error_set(e, EIO, "%s: %s for %s reads \"%s\", expected %s", path, io_v2_names[i], key,
                                         got, want);
        }
        fault_set_readback(f, TAKE_PTR(rb));
        return 0;
}

static int io_revert(struct fault *f, struct target *t, struct error *e)
{
        return cgsave_restore(f->saved, e);
}

const struct fault_ops fault_io_ops = {
        .type = "io",
        .parse = io_parse,
        .apply = io_apply,
        .verify = io_verify,
        .revert = io_revert,
};
