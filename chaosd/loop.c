#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct loop_source {
        int fd;
        int owns_fd;
        int dead;
        loop_cb cb;
        void *userdata;
        struct loop_source *next_dead;
        struct loop_source *prev, *next; /* live sources, for loop_free */
};

struct loop {
        int epfd;
        int quit;
        struct loop_source *dead; /* freed after the current dispatch round */
        struct loop_source *live;
        void (*after_round)(void *ud);
        void *after_round_ud;
};

int loop_new(struct loop **ret, struct error *e)
{
        struct loop *l = calloc(1, sizeof(*l));

        if (!l)
                return error_set(e, ENOMEM, "out of memory");
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
                free(l);
                return error_sys(e, errno, "epoll_create1");
        }
        *ret = l;
        return 0;
}

static void reap_dead(struct loop *l)
{
        while (l->dead) {
                struct loop_source *s = l->dead;

                l->dead = s->next_dead;
                free(s);
        }
}

void loop_free(struct loop *l)
{
        if (!l)
                return;
        while (l->live)
                loop_remove(l, l->live);
        reap_dead(l);
        close(l->epfd);
        free(l);
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_cb cb, void *userdata, struct loop_source **ret,
                struct error *e)
{
        struct loop_source *s = calloc(1, sizeof(*s));
        struct epoll_event ev = { .events = events };

        if (!s)
                return error_set(e, ENOMEM, "out of memory");
        s->fd = fd;
        s->cb = cb;
        s->userdata = userdata;
        ev.data.ptr = s;
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int err = errno;

                free(s);
                return error_sys(e, err, "epoll_ctl add fd %d", fd);
        }
        s->next = l->live;
        if (l->live)
                l->live->prev = s;
        l->live = s;
        if (ret)
                *ret = s;
        return 0;
}

static void to_its(uint64_t us, struct timespec *ts)
{
        ts->tv_sec = (time_t)(us / 1000000);
        ts->tv_nsec = (long)(us % 1000000) * 1000;
}

int loop_timer_rearm(struct loop_source *src, uint64_t first_us, uint64_t interval_us)
{
        struct itimerspec its = { 0 };

        /* 0 would disarm the timer: fire "now" as 1us instead. */
        to_its(first_us ? first_us : 1, &its.it_value);
        to_its(interval_us, &its.it_interval);
        return timerfd_settime(src->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

int loop_add_timer(struct loop *l, uint64_t first_us, uint64_t interval_us, loop_cb cb, void *userdata,
                   struct loop_source **ret, struct error *e)
{
        struct loop_source *s;
        int fd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK), r;

        if (fd < 0)
                return error_sys(e, errno, "timerfd_create");
        r = loop_add_fd(l, fd, EPOLLIN, cb, userdata, &s, e);
        if (r < 0) {
                close(fd);
                return r;
        }
        s->owns_fd = 1;
        r = loop_timer_rearm(s, first_us, interval_us);
        if (r < 0) {
                loop_remove(l, s);
                return error_sys(e, -r, "timerfd_settime");
        }
        if (ret)
                *ret = s;
        return 0;
}

void loop_remove(struct loop *l, struct loop_source *s)
{
        if (!s || s->dead)
                return;
        (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
        if (s->owns_fd)
                close(s->fd);
        s->dead = 1;
        if (s->prev)
                s->prev->next = s->next;
        else
                l->live = s->next;
        if (s->next)
                s->next->prev = s->prev;
        /* Another event for S may still sit in this round's batch: defer the
         * free until the round is over. */
        s->next_dead = l->dead;
        l->dead = s;
}

int loop_run(struct loop *l, struct error *e)
{
        struct epoll_event evs[32];

        while (!l->quit) {
                int n = epoll_wait(l->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_sys(e, errno, "epoll_wait");
                }
                for (int i = 0; i < n; i++) {
                        struct loop_source *s = evs[i].data.ptr;

                        if (s->dead)
                                continue;
                        if (s->owns_fd) {
                                uint64_t ticks;

                                /* Drain the timerfd so it does not fire again. */
                                if (read(s->fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
                                        continue;
                        }
                        s->cb(s, evs[i].events, s->userdata);
                }
                reap_dead(l);
                if (l->after_round)
                        l->after_round(l->after_round_ud);
        }
        return 0;
}

void loop_set_after_round(struct loop *l, void (*fn)(void *ud), void *ud)
{
        l->after_round = fn;
        l->after_round_ud = ud;
}

void loop_quit(struct loop *l)
{
        l->quit = 1;
}
