/* A device's egress qdisc tree, saved from netlink dumps and re-created
 * exactly: every qdisc with a handle (kind + raw TCA_OPTIONS), the classes
 * of qdiscs whose classes are user-made (htb, hfsc, drr, qfq) and the
 * filters attached to any of them. The saved form is JSON with hex
 * payloads, so a new process can restore it after a crash. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <netlink/netlink.h>

#include "error.h"

struct qinfo {
        uint32_t handle;
        uint32_t parent;
        char kind[32];
};

/* The qdisc attached at PARENT (TC_H_ROOT, TC_H_INGRESS for the
 * ingress/clsact hook, or a class id). Returns 1 and fills RET when there is
 * one, 0 when none. */
int qtree_at(struct nl_sock *sk, int ifindex, uint32_t parent, struct qinfo *ret, struct error *e);
/* The qdisc with HANDLE on the device: 1 found, 0 not. OPTS (if not NULL)
 * receives a malloc'ed copy of its TCA_OPTIONS payload. */
int qtree_get(struct nl_sock *sk, int ifindex, uint32_t handle, struct qinfo *ret, void **opts, size_t *opts_len,
              struct error *e);
/* Number of filters (u32 key nodes and other classifiers' entries, not
 * hash tables) at PARENT with filter priority PRIO (0: any). */
int qtree_count_filters(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio, int *ret, struct error *e);
/* The u32 selectors (TCA_U32_SEL payloads, hex) of the key nodes at PARENT
 * with priority in [PRIO_LO, PRIO_HI]: a JSON array of strings in *RET. */
int qtree_u32_sels(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio_lo, uint16_t prio_hi, cJSON **ret,
                   struct error *e);
/* Save the egress tree (RET: {"root": {...}|null, "qdiscs": [...],
 * "classes": [...], "filters": [...]}). */
int qtree_save(struct nl_sock *sk, int ifindex, cJSON **ret, struct error *e);
/* Put SAVED back in place of whatever root qdisc is there now (replace, so
 * there is no instant without a root), then its classes, inner qdiscs and
 * filters. A saved default root (handle 0) is restored by deleting the
 * current root: the kernel attaches its default again. */
int qtree_restore(struct nl_sock *sk, int ifindex, const cJSON *saved, struct error *e);
/* The same tree re-created below PARENT (a class of chaosd's root) instead
 * of at the root, so that it keeps shaping the traffic passing there. A
 * saved default root is nothing to re-create (returns 0). */
int qtree_restore_under(struct nl_sock *sk, int ifindex, const cJSON *saved, uint32_t parent, struct error *e);
/* Handle (0: a kernel default or none) and kind of the saved root. */
uint32_t qtree_saved_root(const cJSON *saved, char *kind, size_t len);
