/* Targets: what a fault acts on, bound by identity so that a target that
 * exits or is replaced is noticed and never confused with a newcomer: a
 * pidfd plus the process start time, and the cgroup directory's inode. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include <cJSON.h>

#include "cgroupfs.h"
#include "error.h"

enum target_kind { TARGET_PID, TARGET_CGROUP, TARGET_CONTAINER, TARGET_EXEC };

enum selector_mode { SEL_ONE, SEL_ALL, SEL_FIXED, SEL_PERCENT };

/* The spec's "selector" object (target_parse.c; chosen by selector.c). */
struct selector_spec {
        int active;
        char runtime[16];
        const cJSON *labels; /* borrowed from the spec's JSON; NULL: any */
        char namespace_[256];
        char pod[256];
        enum selector_mode mode;
        int64_t value;
        uint64_t seed;
        int has_seed;
};

/* What to do when a container target is restarted mid-experiment (new PID,
 * same container): end the experiment as target-gone, or re-resolve it and
 * apply the faults again. */
enum on_restart { ON_RESTART_END, ON_RESTART_REAPPLY };

/* The spec's "target" object, parsed. */
struct target_spec {
        enum target_kind kind;
        pid_t pid;
        char cgroup[1024];
        char container[256];
        char runtime[16]; /* "docker" | "auto" | ... */
        struct selector_spec sel;
        enum on_restart on_restart;
};

struct target {
        enum target_kind kind;
        pid_t pid;           /* main process; 0 for a bare cgroup */
        uint64_t start_time; /* of pid, in clock ticks since boot */
        int pidfd;           /* -1 when none */
        enum cg_version cgv;
        char cgroup[1024];   /* relative path (v1: of the freezer hierarchy) */
        uint64_t cgroup_ino; /* inode of that cgroup directory */
        uint64_t netns_ino;  /* 0 when unknown */
        char container_id[80];
        char container_name[256];
        char runtime[16];
};

/* Parse the spec's target object at PATH (target_parse.c). */
int target_spec_parse(const cJSON *json, const char *path, struct target_spec *ret, struct error *e);
/* Resolve a spec to a live target and bind its identity. Refuses the host's
 * PID 1, the calling process and any cgroup that contains it. */
int target_resolve(const struct target_spec *ts, struct target *t, struct error *e);
/* Re-bind a target loaded from the journal: -ESRCH if it is gone or was
 * replaced (different start time or cgroup inode). */
int target_rebind(struct target *t, struct error *e);
/* 1 while the bound identity still exists. */
int target_alive(const struct target *t);
/* Directory of the target's cgroup for CONTROLLER ("freezer", "cpu", ...;
 * ignored on v2). */
int target_cgroup_dir(const struct target *t, const char *controller, char *out, unsigned long len, struct error *e);
cJSON *target_to_json(const struct target *t);
int target_from_json(const cJSON *j, struct target *t, struct error *e);
void target_init(struct target *t);
void target_release(struct target *t);
