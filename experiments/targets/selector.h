/* Selectors: a target given as a set of containers (by runtime, labels,
 * Kubernetes namespace and pod) and how many of them to hit. A random
 * choice is drawn from a seeded generator over the candidates in a stable
 * order, so the same seed over the same containers picks the same ones. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "error.h"
#include "runtime.h"
#include "target.h"

/* 15 digits: cJSON prints numbers with "%1.15g" whenever that reads back
 * within DBL_EPSILON, so a 16-digit seed could come back rounded and replay
 * a different choice. */
#define SELECTOR_SEED_MAX 999999999999999LL

/* Filter L by the selector, then choose. Fills ret_idx (indices into L, in
 * the stable order) and *ret_n. Uses sel->seed; the caller generates one
 * first when sel->has_seed is 0. */
int selector_choose(const struct selector_spec *sel, const struct container_list *l, int *ret_idx, int *ret_n,
                    struct error *e);
/* Resolve TS to live targets: one for pid/cgroup/container, N for a
 * selector (generating and recording a seed in ts when absent). *ret is
 * malloc'ed; each element is bound like target_resolve's. */
int target_resolve_all(struct target_spec *ts, struct target **ret, int *ret_n, struct error *e);
/* A fresh random seed in [0, SELECTOR_SEED_MAX]. */
uint64_t selector_new_seed(void);
