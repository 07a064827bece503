#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

ssize_t fs_read(const char *path, char *buf, size_t len, struct error *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t off = 0;

        if (fd < 0)
                return error_sys(e, errno, "open %s", path);
        while (off + 1 < len) {
                ssize_t n = read(fd, buf + off, len - 1 - off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_sys(e, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                off += (size_t)n;
        }
        buf[off] = '\0';
        while (off > 0 && buf[off - 1] == '\n')
                buf[--off] = '\0';
        return (ssize_t)off;
}

ssize_t fs_read_alloc(const char *path, size_t max, char **ret, struct error *e)
{
        _cleanup_free_ char *buf = malloc(max + 1);
        ssize_t n;

        if (!buf)
                return error_set(e, ENOMEM, "out of memory reading %s", path);
        n = fs_read(path, buf, max + 1, e);
        if (n < 0)
                return n;
        *ret = TAKE_PTR(buf);
        return n;
}

int fs_write(const char *path, const char *value, struct error *e)
{
        /* O_TRUNC changes nothing on cgroupfs but keeps a fake cgroupfs of
         * plain files (unit tests) truthful when a value is shorter than
         * the one it replaces. */
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        size_t len = strlen(value);
        ssize_t n;

        if (fd < 0)
                return error_sys(e, errno, "open %s", path);
        n = write(fd, value, len);
        if (n < 0)
                return error_sys(e, errno, "write \"%s\" to %s", value, path);
        if ((size_t)n != len)
                return error_set(e, EIO, "short write to %s", path);
        return 0;
}

int fs_mkdir_p(const char *path, unsigned mode, struct error *e)
{
        char tmp[4096];
        size_t len = strlen(path);

        if (len >= sizeof(tmp))
                return error_set(e, ENAMETOOLONG, "path too long: %s", path);
        memcpy(tmp, path, len + 1);
        for (char *p = tmp + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(tmp, mode) < 0 && errno != EEXIST)
                        return error_sys(e, errno, "mkdir %s", tmp);
                *p = '/';
        }
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
                return error_sys(e, errno, "mkdir %s", tmp);
        return 0;
}
