/* Small file helpers; every fd is O_CLOEXEC. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole (small) file into buf, NUL-terminated, trailing newlines
 * stripped. Returns bytes kept or negative errno. */
ssize_t fs_read(const char *path, char *buf, size_t len, struct error *e);
/* Read a whole file into a malloc'ed NUL-terminated buffer (max bytes). */
ssize_t fs_read_alloc(const char *path, size_t max, char **ret, struct error *e);
/* Write a value with one write(2), as cgroupfs and procfs require. */
int fs_write(const char *path, const char *value, struct error *e);
/* mkdir -p with the given mode. */
int fs_mkdir_p(const char *path, unsigned mode, struct error *e);
