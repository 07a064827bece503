/* Saved cgroup file values: the resource modules' "remember, then write;
 * later put back exactly what was there" helper.
 *
 * Every change goes through cgsave_write*(), which appends the file's
 * current content to the "files" array of the caller's state object and
 * calls the caller's checkpoint before the write, so a crash between the
 * two still leaves the prior value in the journal. This file knows
 * nothing of faults: a fault passes fault_cgsave(f) (its f->saved and
 * fault_checkpoint).
 *
 * cgsave_restore() writes the priors back in reverse order: pairs whose
 * kernel checks depend on each other (v1 memory.limit_in_bytes vs
 * memory.memsw.limit_in_bytes, cpu.cfs_period_us vs cpu.cfs_quota_us) are
 * restored in the opposite order to the one they were changed in.
 *
 * Entry shapes in STATE["files"]:
 *   {"path": "/sys/fs/cgroup/pids/docker/ID/pids.max", "prior": "max"}
 *   {"path": ".../io.max", "key": "8:0", "prior": "rbps=max wbps=max riops=max wiops=max"}
 * A keyed entry stands for one line of a per-device table; restoring it
 * writes "KEY PRIOR". */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

/* Where the priors are kept and how they are made durable. */
struct cgsave {
        /* The JSON object that holds "files" (created on first use). */
        cJSON *(*state)(void *arg);
        /* Persist the state now; called before every write. */
        int (*checkpoint)(void *arg, struct error *e);
        void *arg;
};

/* Save DIR/FILE's current content (first time only: a second change to
 * the same file keeps the original prior), checkpoint, then write VALUE. */
int cgsave_write(struct cgsave s, const char *dir, const char *file, const char *value, struct error *e);
/* The same for one device line of a table file. The prior is the rest of
 * the line that starts with KEY, or ABSENT when there is none (the value
 * whose write removes the line: "0" for v1 blkio.throttle.*, all "max" for
 * v2 io.max). Writes "KEY VALUE". */
int cgsave_write_keyed(struct cgsave s, const char *dir, const char *file, const char *key, const char *absent,
                       const char *value, struct error *e);
/* Put every prior saved in STATE (may be NULL) back, newest first. A
 * file whose cgroup is gone counts as restored. Writes the kernel refuses
 * because of an ordering constraint (EINVAL, EBUSY) are retried once after
 * all the others. Idempotent. Returns the first error that survived the
 * retry. */
int cgsave_restore(const cJSON *state, struct error *e);
/* The line of table BUF (NUL-terminated) that starts with "KEY ": the rest
 * is copied to OUT. Returns 1 found, 0 absent, -ENAMETOOLONG if OUT is short. */
int cgsave_table_lookup(const char *buf, const char *key, char *out, size_t len);

#define CGSAVE_UNLIMITED UINT64_MAX
/* Read DIR/FILE as an unsigned number; "max" (v2) and "-1" (v1 quota)
 * read as CGSAVE_UNLIMITED. */
int cgsave_read_u64(const char *dir, const char *file, uint64_t *ret, struct error *e);

static inline void cgsave_json_freep(cJSON **p)
{
        cJSON_Delete(*p);
}
#define _cleanup_json_ __attribute__((cleanup(cgsave_json_freep)))
