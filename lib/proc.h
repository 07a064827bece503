/* Process identity: a PID is only trusted together with its start time, and
 * signals go through a pidfd opened and then checked against that start time,
 * so a recycled PID is never signalled. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Field 22 of /proc/PID/stat (clock ticks since boot). -ESRCH when gone. */
int proc_start_time(pid_t pid, uint64_t *ret, struct error *e);
/* Field 3 of /proc/PID/stat: R, S, D, T, t, Z, ... */
int proc_state(pid_t pid, char *ret, struct error *e);
/* /proc/PID/comm without the newline. */
int proc_comm(pid_t pid, char *buf, size_t len, struct error *e);
/* /proc/PID/cmdline with NULs turned into spaces. */
int proc_cmdline(pid_t pid, char *buf, size_t len, struct error *e);
/* Inode of /proc/PID/ns/NAME. */
int proc_ns_inode(pid_t pid, const char *ns, uint64_t *ret, struct error *e);
/* Open a pidfd for PID and check that it is still the process that started
 * at START_TIME (0: take whatever it is now and return its start time in
 * *ret_start). -ESRCH when the process is gone or was replaced. */
int proc_pidfd_open(pid_t pid, uint64_t *start_time, int *ret_fd, struct error *e);
int proc_pidfd_signal(int pidfd, int sig, struct error *e);
/* This boot's id (/proc/sys/kernel/random/boot_id). */
int proc_boot_id(char *buf, size_t len, struct error *e);
/* Signal name ("SIGKILL", "KILL", "9") to number; -EINVAL if unknown. */
int proc_signal_parse(const char *s, int *ret);
const char *proc_signal_name(int sig);
