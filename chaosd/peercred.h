#pragma once
#include <sys/types.h>

/* 1: allowed, 0: refused, negative errno on error. GROUP 0 means root only. */
int peer_allowed(int fd, gid_t group, uid_t *ret_uid);
