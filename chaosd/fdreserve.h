/* A reserve of file descriptors for reverts. A daemon at its RLIMIT_NOFILE
 * (EMFILE) could apply a fault but not undo it: a revert must open a cgroup
 * file or a netlink socket. A few descriptors are held open on /dev/null
 * from start-up; a revert that fails at EMFILE gets them handed back to the
 * process, runs again, and the reserve is taken again afterwards. */
#pragma once

/* Hold N descriptors (0 or less: the default, 8). Returns how many are
 * held; fewer than asked when the process is already near its limit. */
int fdreserve_init(int n);
/* Close the reserve: its descriptors are free for the next open(). Returns
 * how many were released (0: none held). */
int fdreserve_release(void);
/* Take the reserve again, as far as descriptors are free. */
void fdreserve_retake(void);
/* Close it for good (tests, shutdown). */
void fdreserve_free(void);
