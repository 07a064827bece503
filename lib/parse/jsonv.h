/* Strict JSON validation helpers for spec parsing. Each getter reports a
 * missing/ill-typed/out-of-range value as "$.path.key: reason" (EINVAL).
 * Getters return 1 when the key was present, 0 when absent (and not
 * required), negative errno on error. */
#pragma once
#include <stdint.h>

#include <cJSON.h>

#include "error.h"

#define JV_PATH_MAX 128

/* Join "$.faults[0]" + "delay" -> "$.faults[0].delay". */
void jv_path(char *out, const char *parent, const char *key);
void jv_path_index(char *out, const char *parent, int index);
/* Reject keys of OBJ not in ALLOWED (NULL-terminated); OBJ must be an object. */
int jv_check_object(const cJSON *obj, const char *path, const char *const *allowed, struct error *e);
int jv_string(const cJSON *obj, const char *path, const char *key, int required, const char **ret, struct error *e);
int jv_bool(const cJSON *obj, const char *path, const char *key, int required, int *ret, struct error *e);
/* Integer in [min, max]; JSON numbers only, no fractions. */
int jv_int(const cJSON *obj, const char *path, const char *key, int required, int64_t min, int64_t max, int64_t *ret,
           struct error *e);
/* Duration string with unit ("100ms") in [min_us, max_us]. */
int jv_duration(const cJSON *obj, const char *path, const char *key, int required, uint64_t min_us, uint64_t max_us,
                uint64_t *ret_us, struct error *e);
/* "5%" or a number 0..100. */
int jv_percent(const cJSON *obj, const char *path, const char *key, int required, double *ret, struct error *e);
/* "64MiB" or a non-negative integer count of bytes. */
int jv_size(const cJSON *obj, const char *path, const char *key, int required, uint64_t *ret, struct error *e);
/* Array of strings (may be empty unless min_items); *ret points into OBJ. */
int jv_string_array(const cJSON *obj, const char *path, const char *key, int required, int min_items,
                    const cJSON **ret, struct error *e);
/* Depth of nesting of a parsed value (a scalar is 0). */
int jv_depth(const cJSON *v);
