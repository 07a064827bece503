/* Structured logs on stderr, one key=value line per event, readable by
 * journald (which adds its own timestamp) and by grep. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

void log_event(const char *level, const char *exp_id, const char *event, const char *fmt, ...)
{
        char msg[1200];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        for (char *p = msg; *p; p++)
                if (*p == '"' || *p == '\n')
                        *p = *p == '"' ? '\'' : ' ';
        fprintf(stderr, "level=%s%s%s event=%s msg=\"%s\"\n", level, exp_id ? " experiment=" : "",
                exp_id ? exp_id : "", event, msg);
}
