/* The cgroup freezer, both generations:
 *   v1: freezer.state (THAWED / FREEZING / FROZEN), freezer.self_freezing;
 *   v2: cgroup.freeze (0/1, what was asked) and cgroup.events "frozen 0/1"
 *       (what the kernel reached).
 * DIR is a cgroup directory as target_cgroup_dir() gives it (on v1 in the
 * freezer hierarchy). A cgroup that was removed reads as -ENOENT or -ENODEV;
 * freezer_gone() tells those apart from real failures. */
#pragma once
#include "cgroupfs.h"
#include "error.h"

enum freezer_state { FREEZER_THAWED, FREEZER_FREEZING, FREEZER_FROZEN };

/* How long freezing may take before it is given up and thawed back. */
#define FREEZER_TIMEOUT_MS 5000
/* freezer_start/freezer_progress: not frozen yet, ask again later. */
#define FREEZER_PENDING 1

/* One freeze in progress, driven by the caller's event loop: no call here
 * sleeps or polls, so a cgroup that stays FREEZING for seconds never holds
 * up the caller. Plain data, owned by the caller; nothing to free. */
struct freezer_job {
        enum cg_version v;
        char dir[4096];
        uint64_t start_ms, deadline_ms, last_thaw_ms;
        unsigned attempts;
        long backoff_us; /* the next wait while it stays FREEZING */
        long delay_us;   /* after FREEZER_PENDING: call freezer_progress this much later */
};

/* The effective state (*ret_state: frozen by us or by an ancestor) and
 * whether this cgroup itself asked to be frozen (*ret_self; NULL allowed). */
int freezer_get(enum cg_version v, const char *dir, enum freezer_state *ret_state, int *ret_self, struct error *e);
/* Ask the kernel to freeze DIR and check once. Returns 0 when it is frozen
 * already (the common case, well under a millisecond), FREEZER_PENDING when
 * it is still freezing: call freezer_progress j->delay_us later. Only for a
 * cgroup found thawed: on failure here or in freezer_progress the cgroup is
 * thawed again (never left half frozen) and the first error is returned;
 * -ETIMEDOUT when it stayed FREEZING for TIMEOUT_MS. */
int freezer_start(struct freezer_job *j, enum cg_version v, const char *dir, unsigned timeout_ms, struct error *e);
/* One more look (v1: and one more FROZEN write, with a brief thaw once a
 * second); 0 frozen, FREEZER_PENDING, or negative as freezer_start. */
int freezer_progress(struct freezer_job *j, struct error *e);
/* Ask for DIR to be thawed (v1 "THAWED", v2 cgroup.freeze=0). Returns at
 * once: thawing is not waited for (it cannot get stuck). */
int freezer_thaw(enum cg_version v, const char *dir, struct error *e);
const char *freezer_state_name(enum freezer_state s);
/* Parse "THAWED"/"FREEZING"/"FROZEN"; -EINVAL otherwise. */
int freezer_state_parse(const char *s, enum freezer_state *ret);
/* 1 when R (a negative errno from these helpers) means the cgroup is gone. */
int freezer_gone(int r);
