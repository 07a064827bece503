/* Reading a spec file (or stdin) and validating it locally with the same
 * parser the daemon uses, so an invalid spec never reaches the daemon. */
#pragma once
#include <stddef.h>

#include "error.h"

/* Display name of FILE in messages: "<stdin>" for "-". */
const char *spec_file_name(const char *file);

/* Read FILE ("-": stdin) into a malloc'ed NUL-terminated buffer. A file
 * over the spec size limit is an invalid spec (-EINVAL, path "$"); an
 * unreadable one -EINVAL as well (usage: exit 2). */
int spec_file_read(const char *file, char **ret_buf, size_t *ret_len, struct error *e);

/* Read and validate FILE; FLAGS are spec_parse()'s (SPEC_TARGET_OPTIONAL
 * for a `chaosctl exec` spec). On success *ret_buf and *ret_len hold the spec as
 * read (the caller frees it) when they are not NULL. Errors read
 * "FILE: $.path: reason" (-EINVAL). */
int spec_file_check(const char *file, unsigned flags, char **ret_buf, size_t *ret_len, struct error *e);
