/* The daemon's one event loop (after redis' ae.c): epoll over file
 * descriptors and timerfds. Callbacks run on the loop's thread; signal
 * handling goes through a signalfd registered like any other fd, so the
 * loop never polls and sleeps while idle. */
#pragma once
#include <stdint.h>

#include "error.h"

struct loop;
struct loop_source;

typedef void (*loop_cb)(struct loop_source *src, uint32_t events, void *userdata);

int loop_new(struct loop **ret, struct error *e);
void loop_free(struct loop *l);
/* Watch FD for EVENTS (EPOLLIN...). The loop does not own FD. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_cb cb, void *userdata, struct loop_source **ret,
                struct error *e);
/* A timer (CLOCK_BOOTTIME timerfd): fires once after first_us, then every
 * interval_us if non-zero. The loop owns the timerfd. */
int loop_add_timer(struct loop *l, uint64_t first_us, uint64_t interval_us, loop_cb cb, void *userdata,
                   struct loop_source **ret, struct error *e);
int loop_timer_rearm(struct loop_source *src, uint64_t first_us, uint64_t interval_us);
/* Stop watching and free; safe from within the source's own callback. */
void loop_remove(struct loop *l, struct loop_source *src);
/* Run until loop_quit(). */
int loop_run(struct loop *l, struct error *e);
/* FN(UD) runs after every round of callbacks (the journal's group commit). */
void loop_set_after_round(struct loop *l, void (*fn)(void *ud), void *ud);
void loop_quit(struct loop *l);
