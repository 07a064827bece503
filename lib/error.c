#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int finish(struct error *e, int code)
{
        e->code = code > 0 ? code : EIO;
        return -e->code;
}

int error_set(struct error *e, int code, const char *fmt, ...)
{
        va_list ap;

        if (!e)
                return -(code > 0 ? code : EIO);
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        e->path[0] = '\0';
        return finish(e, code);
}

int error_sys(struct error *e, int code, const char *fmt, ...)
{
        va_list ap;
        size_t n;

        if (!e)
                return -(code > 0 ? code : EIO);
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        n = strlen(e->msg);
        snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(code > 0 ? code : EIO));
        e->path[0] = '\0';
        return finish(e, code);
}

int error_path(struct error *e, const char *path, const char *fmt, ...)
{
        char reason[ERROR_MSG_MAX];
        va_list ap;

        if (!e)
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        snprintf(e->path, sizeof(e->path), "%s", path);
        snprintf(e->msg, sizeof(e->msg), "%s: %s", path, reason);
        return finish(e, EINVAL);
}

int error_wrap(struct error *e, const char *fmt, ...)
{
        char ctx[ERROR_MSG_MAX], old[ERROR_MSG_MAX];
        va_list ap;

        if (!e)
                return -EIO;
        va_start(ap, fmt);
        vsnprintf(ctx, sizeof(ctx), fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof(old));
        snprintf(e->msg, sizeof(e->msg), "%s: %s", ctx, old);
        return finish(e, e->code);
}

void error_clear(struct error *e)
{
        e->code = 0;
        e->path[0] = '\0';
        e->msg[0] = '\0';
}
