/* bbolt on-disk format (go.etcd.io/bbolt, page.go / node.go):
 *   page header: id u64, flags u16, count u16, overflow u32 (16 bytes)
 *   meta page (0 and 1): magic, version, page size, flags, root bucket
 *     {root pgid, sequence}, freelist, pgid, txid, checksum
 *   branch element: pos u32, ksize u32, pgid u64 (key at elem + pos)
 *   leaf element: flags u32, pos u32, ksize u32, vsize u32 (value after key)
 *   a bucket value: {root pgid, sequence}, followed by an inline page when
 *   root == 0. Little-endian, as the file is written on this machine. */
#include "boltdb.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_HDR 16
#define ELEM_SIZE 16
#define FLAG_BRANCH 0x01
#define FLAG_LEAF 0x02
#define LEAF_BUCKET 0x01
#define BOLT_MAGIC 0xED0CDAEDu
#define MAX_DEPTH 32
#define WALK_BUDGET (1u << 20) /* elements visited per bucket walk */

static uint16_t rd16(const uint8_t *p)
{
        uint16_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

static uint32_t rd32(const uint8_t *p)
{
        uint32_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

static uint64_t rd64(const uint8_t *p)
{
        uint64_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

/* FNV-1a 64 over the meta fields before the checksum (bbolt's meta.sum64). */
static uint64_t fnv64a(const uint8_t *p, size_t n)
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

int bolt_open(const char *path, struct bolt_db *db)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC), r;
        void *m;

        memset(db, 0, sizeof(*db));
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || st.st_size < 2 * 4096) {
                close(fd);
                return -EIO;
        }
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED)
                return -errno;
        r = bolt_open_mem(m, (size_t)st.st_size, db);
        if (r < 0) {
                munmap(m, (size_t)st.st_size);
                return r;
        }
        db->mapped = 1;
        return 0;
}

int bolt_open_mem(const void *data, size_t size, struct bolt_db *db)
{
        memset(db, 0, sizeof(*db));
        if (size < 2 * 512)
                return -EIO;
        db->map = data;
        db->size = size;
        db->page_size = rd32(db->map + PAGE_HDR + 8);
        if (rd32(db->map + PAGE_HDR) != BOLT_MAGIC || db->page_size < 512 || db->page_size > 65536 ||
            2 * (size_t)db->page_size > size) {
                memset(db, 0, sizeof(*db));
                return -EIO;
        }
        return 0;
}

void bolt_close(struct bolt_db *db)
{
        if (db->map && db->mapped)
                munmap((void *)db->map, db->size);
        memset(db, 0, sizeof(*db));
}

int bolt_root(const struct bolt_db *db, struct bolt_bucket *ret)
{
        uint64_t best_tx = 0;
        int found = 0;

        /* Two meta pages; the valid one with the higher txid is current. */
        for (int i = 0; i < 2; i++) {
                const uint8_t *m = db->map + (size_t)i * db->page_size + PAGE_HDR;

                if ((size_t)(i + 1) * db->page_size > db->size || rd32(m) != BOLT_MAGIC)
                        continue;
                if (fnv64a(m, 56) != rd64(m + 56))
                        continue;
                if (!found || rd64(m + 48) > best_tx) {
                        best_tx = rd64(m + 48);
                        memset(ret, 0, sizeof(*ret));
                        ret->root = rd64(m + 16);
                        found = 1;
                }
        }
        return found ? 0 : -EIO;
}

/* The page of bucket B with id PGID (B's inline page when root == 0). */
static const uint8_t *page_at(const struct bolt_db *db, const struct bolt_bucket *b, uint64_t pgid, size_t *ret_len)
{
        size_t off, len;
        const uint8_t *p;

        if (b && b->root == 0) {
                *ret_len = b->inline_len;
                return b->inline_len >= PAGE_HDR ? b->inline_page : NULL;
        }
        if (pgid > db->size / db->page_size)
                return NULL;
        off = (size_t)pgid * db->page_size;
        if (off + PAGE_HDR > db->size)
                return NULL;
        p = db->map + off;
        len = (size_t)(rd32(p + 12) + 1) * db->page_size;
        if (off + len > db->size)
                return NULL;
        *ret_len = len;
        return p;
}

typedef int (*leaf_fn)(const uint8_t *k, uint32_t klen, const uint8_t *v, uint32_t vlen, uint32_t flags, void *ud);

/* Walk every leaf element under page P. A callback returning 1 stops. */
static int walk(const struct bolt_db *db, const struct bolt_bucket *b, const uint8_t *p, size_t len, int depth,
                size_t *budget, leaf_fn fn, void *ud)
{
        uint16_t flags, count;
        int r;

        if (!p || depth > MAX_DEPTH)
                return -EIO;
        flags = rd16(p + 8);
        count = rd16(p + 10);
        if (PAGE_HDR + (size_t)count * ELEM_SIZE > len)
                return -EIO;
        for (uint16_t i = 0; i < count; i++) {
                const uint8_t *el = p + PAGE_HDR + (size_t)i * ELEM_SIZE;

                /* Branches pointing at the same pages again and again are
                 * not a tree: bound the work, not just the depth. */
                if ((*budget)-- == 0)
                        return -EIO;
                if (flags & FLAG_BRANCH) {
                        size_t clen = 0;
                        const uint8_t *child = page_at(db, NULL, rd64(el + 8), &clen);

                        r = walk(db, b, child, clen, depth + 1, budget, fn, ud);
                } else if (flags & FLAG_LEAF) {
                        uint32_t pos = rd32(el + 4), ks = rd32(el + 8), vs = rd32(el + 12);
                        size_t start = (size_t)(el - p) + pos;

                        if (start + (size_t)ks + vs > len)
                                return -EIO;
                        r = fn(el + pos, ks, el + pos + ks, vs, rd32(el), ud);
                } else {
                        return -EIO;
                }
                if (r != 0)
                        return r;
        }
        return 0;
}

static int walk_bucket(const struct bolt_db *db, const struct bolt_bucket *b, leaf_fn fn, void *ud)
{
        size_t len = 0, budget = WALK_BUDGET;
        const uint8_t *p = page_at(db, b, b->root, &len);

        return walk(db, b, p, len, 0, &budget, fn, ud);
}

struct find {
        const char *name;
        struct bolt_bucket *ret;
};

static int find_fn(const uint8_t *k, uint32_t klen, const uint8_t *v, uint32_t vlen, uint32_t flags, void *ud)
{
        struct find *f = ud;

        if (!(flags & LEAF_BUCKET) || klen != strlen(f->name) || memcmp(k, f->name, klen) != 0 || vlen < 16)
                return 0;
        memset(f->ret, 0, sizeof(*f->ret));
        f->ret->root = rd64(v);
        if (f->ret->root == 0) {
                f->ret->inline_page = v + 16;
                f->ret->inline_len = vlen - 16;
        }
        return 1;
}

int bolt_bucket(const struct bolt_db *db, const struct bolt_bucket *b, const char *name, struct bolt_bucket *ret)
{
        struct find f = { name, ret };
        int r = walk_bucket(db, b, find_fn, &f);

        return r == 1 ? 0 : r < 0 ? r : -ENOENT;
}

struct each {
        void (*fn)(const char *, size_t, const char *, size_t, void *);
        void *ud;
};

static int each_fn(const uint8_t *k, uint32_t klen, const uint8_t *v, uint32_t vlen, uint32_t flags, void *ud)
{
        struct each *x = ud;

        if (!(flags & LEAF_BUCKET))
                x->fn((const char *)k, klen, (const char *)v, vlen, x->ud);
        return 0;
}

int bolt_foreach(const struct bolt_db *db, const struct bolt_bucket *b,
                 void (*fn)(const char *k, size_t klen, const char *v, size_t vlen, void *ud), void *ud)
{
        struct each x = { fn, ud };

        return walk_bucket(db, b, each_fn, &x);
}

struct get {
        const char *key;
        const char **ret;
        size_t *ret_len;
};

static int get_fn(const uint8_t *k, uint32_t klen, const uint8_t *v, uint32_t vlen, uint32_t flags, void *ud)
{
        struct get *g = ud;

        if ((flags & LEAF_BUCKET) || klen != strlen(g->key) || memcmp(k, g->key, klen) != 0)
                return 0;
        *g->ret = (const char *)v;
        *g->ret_len = vlen;
        return 1;
}

int bolt_get(const struct bolt_db *db, const struct bolt_bucket *b, const char *key, const char **ret,
             size_t *ret_len)
{
        struct get g = { key, ret, ret_len };
        int r = walk_bucket(db, b, get_fn, &g);

        return r == 1 ? 0 : r < 0 ? r : -ENOENT;
}

struct each_bucket {
        void (*fn)(const char *, size_t, const struct bolt_bucket *, void *);
        void *ud;
};

static int each_bucket_fn(const uint8_t *k, uint32_t klen, const uint8_t *v, uint32_t vlen, uint32_t flags, void *ud)
{
        struct each_bucket *x = ud;
        struct bolt_bucket child = { 0 };

        if (!(flags & LEAF_BUCKET) || vlen < 16)
                return 0;
        child.root = rd64(v);
        if (child.root == 0) {
                child.inline_page = v + 16;
                child.inline_len = vlen - 16;
        }
        x->fn((const char *)k, klen, &child, x->ud);
        return 0;
}

int bolt_foreach_bucket(const struct bolt_db *db, const struct bolt_bucket *b,
                        void (*fn)(const char *name, size_t len, const struct bolt_bucket *child, void *ud), void *ud)
{
        struct each_bucket x = { fn, ud };

        return walk_bucket(db, b, each_bucket_fn, &x);
}
