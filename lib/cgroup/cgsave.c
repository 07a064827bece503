#include "cgsave.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "cleanup.h"
#include "fsutil.h"

#define CGSAVE_MAX 65536 /* table files (io.max) can hold a line per device */

static cJSON *files_array(struct cgsave s)
{
        cJSON *saved = s.state(s.arg);
        cJSON *a = cJSON_GetObjectItemCaseSensitive(saved, "files");

        if (!a)
                a = cJSON_AddArrayToObject(saved, "files");
        return a;
}

static const char *jstr(const cJSON *o, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Already saved? Then the first prior stays: it is what was there before
 * this fault, the later content is our own. */
static int already_saved(cJSON *files, const char *path, const char *key)
{
        const cJSON *it;

        cJSON_ArrayForEach(it, files) {
                const char *p = jstr(it, "path"), *k = jstr(it, "key");

                if (p && strcmp(p, path) == 0 && ((!key && !k) || (key && k && strcmp(key, k) == 0)))
                        return 1;
        }
        return 0;
}

static int save_entry(struct cgsave s, const char *dir, const char *path, const char *key, const char *prior,
                      struct error *e)
{
        cJSON *files = files_array(s), *o;
        uint64_t ino;
        int r;

        if (!files)
                return error_set(e, ENOMEM, "out of memory");
        if (already_saved(files, path, key))
                return 0;
        /* The cgroup's identity goes with its values: a cgroup removed and
         * made again at the same path is another one, and must never
         * receive this one's old limits. */
        r = cg_inode(dir, &ino, e);
        if (r < 0)
                return r;
        o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "path", path) || (key && !cJSON_AddStringToObject(o, "key", key)) ||
            !cJSON_AddStringToObject(o, "prior", prior) || !cJSON_AddNumberToObject(o, "dir_ino", (double)ino)) {
                cJSON_Delete(o);
                return error_set(e, ENOMEM, "out of memory");
        }
        cJSON_AddItemToArray(files, o);
        return s.checkpoint(s.arg, e);
}

int cgsave_write(struct cgsave s, const char *dir, const char *file, const char *value, struct error *e)
{
        char path[4096];
        _cleanup_free_ char *prior = NULL;
        ssize_t n;
        int r;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        n = fs_read_alloc(path, CGSAVE_MAX, &prior, e);
        if (n < 0)
                return (int)n;
        r = save_entry(s, dir, path, NULL, prior, e);
        if (r < 0)
                return r;
        return fs_write(path, value, e);
}

int cgsave_table_lookup(const char *buf, const char *key, char *out, size_t len)
{
        size_t kl = strlen(key);

        for (const char *line = buf; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t ll = nl ? (size_t)(nl - line) : strlen(line);

                if (ll > kl && strncmp(line, key, kl) == 0 && line[kl] == ' ') {
                        size_t vl = ll - kl - 1;

                        if (vl >= len)
                                return -ENAMETOOLONG;
                        memcpy(out, line + kl + 1, vl);
                        out[vl] = '\0';
                        return 1;
                }
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

int cgsave_write_keyed(struct cgsave s, const char *dir, const char *file, const char *key, const char *absent,
                       const char *value, struct error *e)
{
        char path[4096], prior[1024], line[1200];
        _cleanup_free_ char *buf = NULL;
        ssize_t n;
        int r;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
                return error_set(e, ENAMETOOLONG, "cgroup path too long");
        n = fs_read_alloc(path, CGSAVE_MAX, &buf, e);
        if (n < 0)
                return (int)n;
        r = cgsave_table_lookup(buf, key, prior, sizeof(prior));
        if (r < 0)
                return error_set(e, ENAMETOOLONG, "%s: line for %s too long", path, key);
        if (r == 0)
                snprintf(prior, sizeof(prior), "%s", absent);
        r = save_entry(s, dir, path, key, prior, e);
        if (r < 0)
                return r;
        snprintf(line, sizeof(line), "%s %s", key, value);
        return fs_write(path, line, e);
}

/* The cgroup (or its whole hierarchy) went away: nothing left to restore. */
static int gone(int r)
{
        return r == -ENOENT || r == -ENODEV || r == -ESRCH;
}

/* Is the cgroup holding PATH still the one whose inode was saved? 1 yes,
 * 0 gone or replaced (the reason is recorded in the entry), negative on a
 * read error. Entries from before inodes were saved are taken as they are. */
static int same_cgroup(cJSON *it, const char *path, struct error *e)
{
        const cJSON *ino = cJSON_GetObjectItemCaseSensitive(it, "dir_ino");
        char dir[4096], *slash, why[256];
        uint64_t now;
        struct error ie;
        int r;

        if (!cJSON_IsNumber(ino))
                return 1;
        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        r = cg_inode(dir, &now, &ie);
        if (r == -ENOENT) {
                snprintf(why, sizeof(why), "gone: the cgroup %s was removed", dir);
        } else if (r < 0) {
                *e = ie;
                return r;
        } else if (now != (uint64_t)ino->valuedouble) {
                snprintf(why, sizeof(why),
                         "gone: the cgroup %s was removed and made again (inode %llu, now %llu); "
                         "its values were left alone",
                         dir, (unsigned long long)ino->valuedouble, (unsigned long long)now);
        } else {
                return 1;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(it, "restored");
        cJSON_AddStringToObject(it, "restored", why);
        return 0;
}

static int restore_one(cJSON *it, struct error *e)
{
        const char *path = jstr(it, "path"), *key = jstr(it, "key"), *prior = jstr(it, "prior");
        char line[1200];
        int r;

        if (!path || !prior)
                return error_set(e, EINVAL, "saved cgroup file entry without path or prior");
        r = same_cgroup(it, path, e);
        if (r <= 0)
                return r;
        if (key)
                snprintf(line, sizeof(line), "%s %s", key, prior);
        else
                /* An empty value (v2 cpuset.cpus: inherit) still needs a
                 * write: the kernel strips the newline. */
                snprintf(line, sizeof(line), "%s", prior[0] ? prior : "\n");
        r = fs_write(path, line, e);
        return gone(r) ? 0 : r;
}

int cgsave_restore(const cJSON *state, struct error *e)
{
        const cJSON *files = state ? cJSON_GetObjectItemCaseSensitive(state, "files") : NULL;
        int n = cJSON_GetArraySize(files), ret = 0;
        _cleanup_free_ char *retry = NULL;
        struct error first = { 0 };

        if (!cJSON_IsArray(files) || n == 0)
                return 0;
        retry = calloc((size_t)n, 1);
        if (!retry)
                return error_set(e, ENOMEM, "out of memory");
        for (int i = n - 1; i >= 0; i--) {
                struct error ie = { 0 };
                int r = restore_one(cJSON_GetArrayItem(files, i), &ie);

                if (r == -EINVAL || r == -EBUSY)
                        retry[i] = 1;
                else if (r < 0 && ret == 0) {
                        ret = r;
                        first = ie;
                }
        }
        for (int i = n - 1; i >= 0; i--) {
                struct error ie = { 0 };
                int r;

                if (!retry[i])
                        continue;
                r = restore_one(cJSON_GetArrayItem(files, i), &ie);
                if (r < 0 && ret == 0) {
                        ret = r;
                        first = ie;
                }
        }
        if (ret < 0)
                *e = first;
        return ret;
}

int cgsave_read_u64(const char *dir, const char *file, uint64_t *ret, struct error *e)
{
        char buf[64], *end;
        ssize_t n = cg_read(dir, file, buf, sizeof(buf), e);

        if (n < 0)
                return (int)n;
        if (strcmp(buf, "max") == 0 || strcmp(buf, "-1") == 0) {
                *ret = CGSAVE_UNLIMITED;
                return 0;
        }
        errno = 0;
        *ret = strtoull(buf, &end, 10);
        if (errno || end == buf || (*end && *end != ' '))
                return error_set(e, EIO, "%s/%s: unexpected content \"%s\"", dir, file, buf);
        return 0;
}
