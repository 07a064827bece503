/* The event timeline: a ring of the last EVENTS_KEEP events as JSON lines,
 * plus waiters (followers of GET /v1/events?follow=1) woken on each new one. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define EVENTS_KEEP 1024

struct events;
struct daemon;

int events_new(struct events **ret);
void events_free(struct events *ev);
/* Record an event and log it; wakes every waiter. */
void events_emit(struct daemon *d, const char *exp_id, const char *event, const char *state, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* Sequence number of the oldest kept event and of the next one to come. */
uint64_t events_oldest(const struct events *ev);
uint64_t events_next(const struct events *ev);
/* Copy whole lines from *seq on into buf (at most max bytes); advances *seq.
 * Returns bytes copied (0: nothing new). A *seq older than the ring starts
 * at the oldest kept event. */
size_t events_read(const struct events *ev, uint64_t *seq, char *buf, size_t max);

typedef void (*events_wake_cb)(void *userdata);
void *events_wait(struct events *ev, events_wake_cb cb, void *userdata);
void events_unwait(struct events *ev, void *handle);
