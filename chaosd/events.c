#include "events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "clock.h"
#include "daemon.h"

struct waiter {
        struct waiter *next;
        events_wake_cb cb;
        void *userdata;
};

struct events {
        char *lines[EVENTS_KEEP];
        uint64_t next_seq; /* seq of the next event; lines[seq % KEEP] */
        struct waiter *waiters;
};

int events_new(struct events **ret)
{
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -1;
}

void events_free(struct events *ev)
{
        if (!ev)
                return;
        for (int i = 0; i < EVENTS_KEEP; i++)
                free(ev->lines[i]);
        while (ev->waiters) {
                struct waiter *w = ev->waiters;

                ev->waiters = w->next;
                free(w);
        }
        free(ev);
}

void events_emit(struct daemon *d, const char *exp_id, const char *event, const char *state, const char *fmt, ...)
{
        struct events *ev = d->events;
        char msg[1024], ts[40];
        cJSON *j = cJSON_CreateObject();
        char *line;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        clock_wall_iso(clock_wall_ms(), ts, sizeof(ts));
        cJSON_AddNumberToObject(j, "seq", (double)ev->next_seq);
        cJSON_AddStringToObject(j, "time", ts);
        cJSON_AddStringToObject(j, "experiment", exp_id ? exp_id : "");
        cJSON_AddStringToObject(j, "event", event);
        if (state)
                cJSON_AddStringToObject(j, "state", state);
        cJSON_AddStringToObject(j, "message", msg);
        line = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        log_event(strcmp(event, "error") == 0 ? "error" : "info", exp_id, event, "%s", msg);
        if (!line)
                return;
        free(ev->lines[ev->next_seq % EVENTS_KEEP]);
        ev->lines[ev->next_seq % EVENTS_KEEP] = line;
        ev->next_seq++;
        /* A waiter may unwait itself from its callback: walk a snapshot. */
        for (struct waiter *w = ev->waiters, *n; w; w = n) {
                n = w->next;
                w->cb(w->userdata);
        }
}

uint64_t events_oldest(const struct events *ev)
{
        return ev->next_seq > EVENTS_KEEP ? ev->next_seq - EVENTS_KEEP : 0;
}

uint64_t events_next(const struct events *ev)
{
        return ev->next_seq;
}

size_t events_read(const struct events *ev, uint64_t *seq, char *buf, size_t max)
{
        size_t off = 0;

        if (*seq < events_oldest(ev))
                *seq = events_oldest(ev);
        while (*seq < ev->next_seq) {
                const char *l = ev->lines[*seq % EVENTS_KEEP];
                size_t n = strlen(l);

                if (off + n + 1 > max)
                        break;
                memcpy(buf + off, l, n);
                buf[off + n] = '\n';
                off += n + 1;
                (*seq)++;
        }
        return off;
}

void *events_wait(struct events *ev, events_wake_cb cb, void *userdata)
{
        struct waiter *w = calloc(1, sizeof(*w));

        if (!w)
                return NULL;
        w->cb = cb;
        w->userdata = userdata;
        w->next = ev->waiters;
        ev->waiters = w;
        return w;
}

void events_unwait(struct events *ev, void *handle)
{
        for (struct waiter **p = &ev->waiters; *p; p = &(*p)->next)
                if (*p == handle) {
                        *p = (*p)->next;
                        free(handle);
                        return;
                }
}
