/* Short random identifiers for experiments and schedules. */
#pragma once
#include <stddef.h>

/* PREFIX (may be "") then 12 hex digits from getrandom(), into BUF. */
void randid_new(const char *prefix, char *buf, size_t len);
