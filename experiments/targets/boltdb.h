/* A read-only reader of bbolt files (containerd's metadata database),
 * enough to walk nested buckets and read their keys. Bounds are checked on
 * every access: the file is being written by its owner while we read it,
 * so a torn read is an error (-EIO), never a crash. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct bolt_db {
        const uint8_t *map;
        size_t size;
        uint32_t page_size;
        int mapped; /* map is ours to munmap */
};

/* A bucket: either a root page id or an inline page inside its parent. */
struct bolt_bucket {
        uint64_t root;
        const uint8_t *inline_page; /* when root == 0 */
        size_t inline_len;
};

int bolt_open(const char *path, struct bolt_db *db);
/* The same over a buffer the caller keeps alive (fuzzing, tests). */
int bolt_open_mem(const void *data, size_t size, struct bolt_db *db);
void bolt_close(struct bolt_db *db);
/* The top-level bucket set. */
int bolt_root(const struct bolt_db *db, struct bolt_bucket *ret);
/* The sub-bucket NAME of B. -ENOENT when none. */
int bolt_bucket(const struct bolt_db *db, const struct bolt_bucket *b, const char *name, struct bolt_bucket *ret);
/* The value of plain key KEY in B (pointing into the map). -ENOENT if none. */
int bolt_get(const struct bolt_db *db, const struct bolt_bucket *b, const char *key, const char **ret,
             size_t *ret_len);
/* Call FN for each sub-bucket of B. */
int bolt_foreach_bucket(const struct bolt_db *db, const struct bolt_bucket *b,
                        void (*fn)(const char *name, size_t len, const struct bolt_bucket *child, void *ud),
                        void *ud);
/* Call FN for each plain key/value of B (sub-buckets are skipped). */
int bolt_foreach(const struct bolt_db *db, const struct bolt_bucket *b,
                 void (*fn)(const char *k, size_t klen, const char *v, size_t vlen, void *ud), void *ud);
