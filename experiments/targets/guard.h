/* What chaosd refuses to touch, decided by identity (cgroup inodes, the
 * process tree), never by how a spec spells a path. */
#pragma once
#include <sys/types.h>

#include "cgroupfs.h"
#include "error.h"

/* -EPERM with a message naming what DIR is, when changing cgroup DIR (of
 * CONTROLLER's hierarchy on v1) could disarm chaosd or the host: the
 * hierarchy root (unless ALLOW_ROOT), chaosd's own cgroup or an ancestor,
 * PID 1's cgroup or an ancestor. SPELLED is how the spec wrote it. */
int guard_cgroup(enum cg_version v, const char *controller, const char *dir, const char *spelled, int allow_root,
                 struct error *e);
/* 1 if PID is the calling process, or chaosd or one of its helpers
 * (warden, stressors, tracers: every descendant of the daemon set with
 * guard_set_daemon()), found through the parent links of the process tree. */
int guard_is_own(pid_t pid);
/* The daemon calls this once at start with its own PID. A test driving the
 * modules in-process does not: its forked victims are its children. */
void guard_set_daemon(pid_t pid);
