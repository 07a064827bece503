/* libFuzzer target: the read-only bbolt reader (containerd's metadata and
 * libpod's state) on arbitrary bytes: every bucket reachable from the root,
 * down to a few levels, with its keys, values and sub-buckets. Torn or hostile
 * files must be an error, never a crash or an endless walk. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boltdb.h"

static const struct bolt_db *db;
static int depth;
static size_t sink;

static void on_kv(const char *k, size_t klen, const char *v, size_t vlen, void *ud)
{
        sink += klen + vlen + (klen ? (unsigned char)k[0] : 0) + (vlen ? (unsigned char)v[vlen - 1] : 0);
}

static void on_bucket(const char *name, size_t len, const struct bolt_bucket *b, void *ud)
{
        const char *v;
        size_t vlen;

        if (depth >= 4)
                return;
        depth++;
        (void)bolt_foreach(db, b, on_kv, NULL);
        (void)bolt_get(db, b, "config", &v, &vlen);
        (void)bolt_foreach_bucket(db, b, on_bucket, NULL);
        depth--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct bolt_db d;
        struct bolt_bucket root, b;

        if (bolt_open_mem(data, size, &d) < 0 || bolt_root(&d, &root) < 0)
                return 0;
        db = &d;
        depth = 0;
        (void)bolt_bucket(&d, &root, "v1", &b);
        (void)bolt_foreach_bucket(&d, &root, on_bucket, NULL);
        bolt_close(&d);
        return 0;
}
