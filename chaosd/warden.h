/* The warden: a process forked from chaosd at start-up (no exec) that
 * outlives it. While chaosd runs it only waits. If chaosd dies without
 * reverting (SIGKILL, a crash), the warden reverts each experiment in the
 * journal as its deadline passes, so that a fault never outlives its
 * deadline even when no daemon is restarted. It steps aside as soon as a
 * new chaosd holds the state directory's lock, and exits when nothing is
 * left to revert. */
#pragma once

#include <stdint.h>

#include "error.h"

struct daemon;

/* Revert every journaled experiment of this boot whose deadline has passed
 * (chaosd/recover.c); leaves the others alone and returns the earliest of
 * their deadlines (0: none). */
int reconcile_expired(struct daemon *d, int64_t *ret_next_deadline_ms, int *ret_reverted, struct error *e);

/* Fork the warden. LOCK_FD is the daemon's state-dir lock (the warden must
 * not keep it). Returns the warden's pid. */
int warden_start(const char *state_dir, int lock_fd, struct error *e);
