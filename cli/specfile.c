#include "specfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "spec.h"

const char *spec_file_name(const char *file)
{
        return strcmp(file, "-") == 0 ? "<stdin>" : file;
}

static int read_fd(int fd, const char *name, char *buf, size_t cap, size_t *ret_len, struct error *e)
{
        size_t off = 0;

        while (off < cap) {
                ssize_t n = read(fd, buf + off, cap - off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        error_sys(e, errno, "%s: cannot read", name);
                        e->code = EINVAL;
                        return -EINVAL;
                }
                if (n == 0)
                        break;
                off += (size_t)n;
        }
        *ret_len = off;
        return 0;
}

int spec_file_read(const char *file, char **ret_buf, size_t *ret_len, struct error *e)
{
        const char *name = spec_file_name(file);
        /* One byte over the limit is enough to tell that it is over. */
        const size_t cap = SPEC_MAX_BYTES + 1;
        _cleanup_free_ char *buf = malloc(cap + 1);
        _cleanup_close_ int fd = -1;
        size_t len = 0;
        int r;

        if (!buf)
                return error_set(e, ENOMEM, "out of memory");
        if (strcmp(file, "-") == 0) {
                r = read_fd(STDIN_FILENO, name, buf, cap, &len, e);
        } else {
                fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0) {
                        error_sys(e, errno, "%s: cannot open", name);
                        e->code = EINVAL;
                        return -EINVAL;
                }
                r = read_fd(fd, name, buf, cap, &len, e);
        }
        if (r < 0)
                return r;
        if (len > SPEC_MAX_BYTES)
                return error_set(e, EINVAL, "%s: $: spec is larger than the limit of %d bytes", name, SPEC_MAX_BYTES);
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int spec_file_check(const char *file, unsigned flags, char **ret_buf, size_t *ret_len, struct error *e)
{
        _cleanup_free_ char *buf = NULL;
        struct spec s;
        size_t len;
        int r;

        r = spec_file_read(file, &buf, &len, e);
        if (r < 0)
                return r;
        r = spec_parse(buf, len, flags, 0, &s, e);
        if (r < 0) {
                error_wrap(e, "%s", spec_file_name(file));
                e->code = EINVAL; /* whatever the parser said: an invalid spec */
                return -EINVAL;
        }
        spec_free(&s);
        if (ret_buf)
                *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}
