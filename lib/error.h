/* Error objects: functions return a negative errno and fill a struct error
 * with the errno and a message; callers prefix context with error_wrap().
 * Only main() prints. Modelled on crun's libcrun_error_t. Every function
 * accepts a NULL error object, for callers that only want the code. */
#pragma once
#include <stdarg.h>

#define ERROR_MSG_MAX 1024

struct error {
        int code;       /* positive errno, 0 when unset */
        char path[128]; /* JSON path for spec errors, "" otherwise */
        char msg[ERROR_MSG_MAX];
};

/* Set an error; returns -code (code defaults to EIO when 0). */
int error_set(struct error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like error_set, appending ": strerror(code)". */
int error_sys(struct error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Spec error at a JSON path: message reads "PATH: reason"; code EINVAL. */
int error_path(struct error *e, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix existing message with context ("ctx: old"); returns -code. */
int error_wrap(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *e);
