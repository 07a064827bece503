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

/* How long freezer_freeze() tries before it gives up and thaws back. */
#define FREEZER_TIMEOUT_MS 5000

/* The effective state (*ret_state: frozen by us or by an ancestor) and
 * whether this cgroup itself asked to be frozen (*ret_self; NULL allowed). */
int freezer_get(enum cg_version v, const char *dir, enum freezer_state *ret_state, int *ret_self,
                struct error *e);
/* Freeze DIR and wait until the kernel reports it frozen, at most
 * TIMEOUT_MS. On failure the cgroup is thawed again (never left half
 * frozen) and the first error is returned: -ETIMEDOUT when it stayed in
 * FREEZING. Only for a cgroup found thawed: that thaw restores its state. */
int freezer_freeze(enum cg_version v, const char *dir, unsigned timeout_ms, struct error *e);
/* Ask for DIR to be thawed (v1 "THAWED", v2 cgroup.freeze=0). Returns at
 * once: thawing is not waited for (it cannot get stuck). */
int freezer_thaw(enum cg_version v, const char *dir, struct error *e);
const char *freezer_state_name(enum freezer_state s);
/* Parse "THAWED"/"FREEZING"/"FROZEN"; -EINVAL otherwise. */
int freezer_state_parse(const char *s, enum freezer_state *ret);
/* 1 when R (a negative errno from these helpers) means the cgroup is gone. */
int freezer_gone(int r);
