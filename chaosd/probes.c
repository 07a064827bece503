/* Probes on the event loop. Nothing here may block: sockets are
 * non-blocking, a connect in progress is watched for EPOLLOUT, the answer
 * for EPOLLIN, and a timer bounds every attempt. Host names are resolved
 * once when the experiment is created, never while it runs. */
#include "probes.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "events.h"

#define ANSWER_MAX (64 * 1024)
#define N_PHASES 3

enum io_state { IO_IDLE, IO_CONNECTING, IO_SENDING, IO_READING };

struct probe_run {
        struct probe_set *set;
        const struct probe_spec *ps;
        int idx;
        struct sockaddr_storage addr;
        socklen_t alen;
        char addr_text[80];
        unsigned phase; /* the phase this probe is running, 0 when idle */
        enum io_state io_state;
        int fd;
        struct loop_source *io, *deadline, *next;
        char req[1200];
        size_t req_len, sent;
        char *buf;
        size_t len;
        uint64_t t0;
        int consecutive, attempts, failures, successes;
        int failing; /* during: the threshold was reached and not yet cleared */
        const char *result[N_PHASES];
        char evidence[512]; /* the last failure */
        int64_t evidence_ms;
        int last_status;
        double last_latency_s;
};

struct probe_set {
        struct experiment *x;
        int n;
        struct probe_run *runs;
        unsigned phase;
        int pending; /* before/after: probes without a verdict yet */
        probes_done_cb done;
        int after_started, after_over;
        char why[700];
};

static int phase_slot(unsigned phase)
{
        return phase == PROBE_BEFORE ? 0 : phase == PROBE_DURING ? 1 : 2;
}

static int daemon_run(const struct probe_spec *ps)
{
        return ps->kind != PROBE_EXEC;
}

static int resolve(struct probe_run *r, struct error *e)
{
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        char host[64];
        int rc;

        rc = getaddrinfo(r->ps->host, r->ps->port, &hints, &ai);
        if (rc == EAI_NONAME) {
                /* A name: the resolver may block, so it runs here, once,
                 * while the experiment is being created. */
                hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
                rc = getaddrinfo(r->ps->host, r->ps->port, &hints, &ai);
        }
        if (rc != 0 || !ai)
                return error_set(e, EHOSTUNREACH, "probe \"%s\": cannot resolve %s: %s", r->ps->name, r->ps->host,
                                 gai_strerror(rc));
        memcpy(&r->addr, ai->ai_addr, ai->ai_addrlen);
        r->alen = ai->ai_addrlen;
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
                snprintf(host, sizeof(host), "?");
        snprintf(r->addr_text, sizeof(r->addr_text), ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
                 r->ps->port);
        freeaddrinfo(ai);
        if (r->ps->kind == PROBE_HTTP) {
                int v6 = strchr(r->ps->host, ':') != NULL;

                r->req_len = (size_t)
                        snprintf(r->req, sizeof(r->req),
                                 "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: chaosd-probe/" CHAOSD_VERSION
                                 "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                                 r->ps->path, v6 ? "[" : "", r->ps->host, v6 ? "]" : "",
                                 strcmp(r->ps->port, "80") ? ":" : "", strcmp(r->ps->port, "80") ? r->ps->port : "");
                if (r->req_len >= sizeof(r->req))
                        return error_set(e, E2BIG, "probe \"%s\": request too long", r->ps->name);
        }
        return 0;
}

int probes_new(struct experiment *x, struct error *e)
{
        struct probe_set *s;
        int r;

        x->probes = NULL;
        if (x->spec.n_probes == 0)
                return 0;
        s = calloc(1, sizeof(*s));
        if (!s)
                return error_set(e, ENOMEM, "out of memory");
        s->runs = calloc((size_t)x->spec.n_probes, sizeof(*s->runs));
        if (!s->runs) {
                free(s);
                return error_set(e, ENOMEM, "out of memory");
        }
        s->x = x;
        s->n = x->spec.n_probes;
        x->probes = s;
        for (int i = 0; i < s->n; i++) {
                struct probe_run *run = &s->runs[i];

                run->set = s;
                run->ps = &x->spec.probes[i];
                run->idx = i;
                run->fd = -1;
                for (int p = 0; p < N_PHASES; p++)
                        run->result[p] = (run->ps->phases & (1U << p))
                                                 ? (daemon_run(run->ps) ? "pending" : "client-side")
                                                 : NULL;
                if (!daemon_run(run->ps))
                        continue;
                r = resolve(run, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void attempt_reset(struct probe_run *r)
{
        struct loop *l = r->set->x->d->loop;

        loop_remove(l, r->io);
        r->io = NULL;
        loop_remove(l, r->deadline);
        r->deadline = NULL;
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        free(r->buf);
        r->buf = NULL;
        r->len = 0;
        r->sent = 0;
        r->io_state = IO_IDLE;
}

void probes_stop(struct experiment *x)
{
        struct probe_set *s = x->probes;

        if (!s)
                return;
        for (int i = 0; i < s->n; i++) {
                struct probe_run *r = &s->runs[i];

                attempt_reset(r);
                loop_remove(x->d->loop, r->next);
                r->next = NULL;
                /* A during probe that never crossed its threshold passed. */
                if (r->phase == PROBE_DURING && r->result[1] && strcmp(r->result[1], "running") == 0)
                        r->result[1] = "passed";
                else if (r->phase && r->result[phase_slot(r->phase)] &&
                         strcmp(r->result[phase_slot(r->phase)], "running") == 0)
                        r->result[phase_slot(r->phase)] = "cancelled";
                r->phase = 0;
        }
        s->phase = 0;
        s->pending = 0;
}

void probes_free(struct experiment *x)
{
        if (!x->probes)
                return;
        if (x->d && x->d->loop)
                probes_stop(x);
        free(x->probes->runs);
        free(x->probes);
        x->probes = NULL;
}

int probes_have_phase(const struct experiment *x, unsigned phase)
{
        const struct probe_set *s = x->probes;

        for (int i = 0; s && i < s->n; i++)
                if ((s->runs[i].ps->phases & phase) && daemon_run(s->runs[i].ps))
                        return 1;
        return 0;
}

int probes_done(const struct experiment *x)
{
        const struct probe_set *s = x->probes;

        if (!s || !probes_have_phase(x, PROBE_AFTER))
                return exp_state_is_end(x->state);
        /* Ended without the after phase (nothing was injected, or the
         * daemon is shutting down): nothing more will come. */
        return s->after_over || (exp_state_is_end(x->state) && !s->after_started);
}

static void start_attempt(struct probe_run *r);

static void on_next(struct loop_source *src, uint32_t ev, void *ud)
{
        struct probe_run *r = ud;

        /* before/after retries are one-shot timers; during is periodic. */
        if (r->phase != PROBE_DURING) {
                loop_remove(r->set->x->d->loop, r->next);
                r->next = NULL;
        }
        if (r->io_state != IO_IDLE)
                return; /* the previous attempt is still out: never two at once */
        start_attempt(r);
}

/* A before/after probe has its verdict. */
static void phase_verdict(struct probe_set *s, struct probe_run *r, int ok)
{
        struct experiment *x = s->x;
        unsigned phase = r->phase;
        probes_done_cb done;

        r->result[phase_slot(phase)] = ok ? "passed" : "failed";
        r->phase = 0;
        events_emit(x->d, x->id, "probe", NULL, "%s probe \"%s\" %s%s%s", probe_phase_name(phase), r->ps->name,
                    ok ? "passed" : "failed", ok ? "" : ": ", ok ? "" : r->evidence);
        if (!ok && !s->why[0])
                snprintf(s->why, sizeof(s->why), "%s probe \"%s\" failed %d time%s in a row: %s",
                         probe_phase_name(phase), r->ps->name, r->consecutive, r->consecutive == 1 ? "" : "s",
                         r->evidence);
        if (--s->pending > 0)
                return;
        done = s->done;
        s->done = NULL;
        s->phase = 0;
        if (phase == PROBE_AFTER)
                s->after_over = 1;
        /* Last action: DONE may inject (before) or free nothing we hold. */
        if (done)
                done(x, s->why[0] == 0, s->why);
}

static void finish(struct probe_run *r, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void finish(struct probe_run *r, int ok, const char *fmt, ...)
{
        struct probe_set *s = r->set;
        struct experiment *x = s->x;

        r->last_latency_s = (double)(clock_mono_us() - r->t0) / 1e6;
        attempt_reset(r);
        r->attempts++;
        if (ok) {
                r->successes++;
                r->consecutive = 0;
        } else {
                va_list ap;

                va_start(ap, fmt);
                vsnprintf(r->evidence, sizeof(r->evidence), fmt, ap);
                va_end(ap);
                r->evidence_ms = clock_wall_ms();
                r->failures++;
                r->consecutive++;
                x->d->metrics.probe_failures++;
        }
        if (r->phase == PROBE_DURING) {
                if (ok && r->failing) {
                        r->failing = 0;
                        events_emit(x->d, x->id, "probe", NULL, "probe \"%s\" passes again", r->ps->name);
                }
                if (ok || r->consecutive < r->ps->failure_threshold || r->failing)
                        return;
                r->failing = 1;
                r->result[1] = "failed";
                if (r->ps->abort_on_failure && s->done) {
                        char why[900];

                        snprintf(why, sizeof(why), "probe \"%s\" failed %d time%s in a row: %s", r->ps->name,
                                 r->consecutive, r->consecutive == 1 ? "" : "s", r->evidence);
                        /* The verdict goes to the lifecycle, which ends
                         * the experiment (and stops us): the last thing
                         * we do. */
                        s->done(x, 0, why);
                        return;
                }
                events_emit(x->d, x->id, "probe", NULL, "probe \"%s\" failed %d times in a row: %s", r->ps->name,
                            r->consecutive, r->evidence);
                return;
        }
        if (ok || r->consecutive >= r->ps->failure_threshold) {
                phase_verdict(s, r, ok);
                return;
        }
        (void)loop_add_timer(x->d->loop, r->ps->interval_us, 0, on_next, r, &r->next, NULL);
}

static void on_deadline(struct loop_source *src, uint32_t ev, void *ud)
{
        struct probe_run *r = ud;
        const char *what = r->io_state == IO_CONNECTING ? "connect to"
                           : r->io_state == IO_SENDING  ? "sending to"
                                                        : "no answer from";

        finish(r, 0, "%s %s: timed out after %llu ms", what, r->addr_text,
               (unsigned long long)(r->ps->timeout_us / 1000));
}

/* Is there enough of the answer to judge without waiting for EOF? The
 * headers when only the status matters; the substring once it is seen;
 * the whole body by Content-Length or the last chunk otherwise. */
static int answer_complete(struct probe_run *r)
{
        const char *hdr_end, *cl;
        size_t body_off;

        r->buf[r->len] = '\0';
        hdr_end = memmem(r->buf, r->len, "\r\n\r\n", 4);
        if (!hdr_end)
                return 0;
        body_off = (size_t)(hdr_end + 4 - r->buf);
        if (!r->ps->body_contains)
                return 1;
        if (memmem(r->buf + body_off, r->len - body_off, r->ps->body_contains, strlen(r->ps->body_contains)))
                return 1;
        cl = strcasestr(r->buf, "\r\ncontent-length:");
        if (cl && cl < hdr_end) {
                unsigned long long want = strtoull(cl + 17, NULL, 10);

                return r->len - body_off >= want;
        }
        return r->len - body_off >= 5 && memcmp(r->buf + r->len - 5, "0\r\n\r\n", 5) == 0;
}

static void judge_http(struct probe_run *r)
{
        const char *hdr_end;
        int major, minor, status;

        if (r->len == 0) {
                finish(r, 0, "%s closed the connection without an answer", r->addr_text);
                return;
        }
        r->buf[r->len] = '\0';
        if (sscanf(r->buf, "HTTP/%d.%d %3d", &major, &minor, &status) != 3) {
                finish(r, 0, "%s: not an HTTP answer: \"%.40s\"", r->addr_text, r->buf);
                return;
        }
        r->last_status = status;
        if (status != r->ps->expect_status) {
                finish(r, 0, "GET %s: HTTP %d, expected %d", r->ps->url, status, r->ps->expect_status);
                return;
        }
        if (r->ps->body_contains) {
                hdr_end = memmem(r->buf, r->len, "\r\n\r\n", 4);
                if (!hdr_end || !memmem(hdr_end + 4, r->len - (size_t)(hdr_end + 4 - r->buf), r->ps->body_contains,
                                        strlen(r->ps->body_contains))) {
                        finish(r, 0, "GET %s: HTTP %d but the body lacks \"%s\"", r->ps->url, status,
                               r->ps->body_contains);
                        return;
                }
        }
        finish(r, 1, NULL);
}

static void on_io(struct loop_source *src, uint32_t ev, void *ud);

static int watch(struct probe_run *r, uint32_t events)
{
        loop_remove(r->set->x->d->loop, r->io);
        r->io = NULL;
        return loop_add_fd(r->set->x->d->loop, r->fd, events, on_io, r, &r->io, NULL);
}

static void on_io(struct loop_source *src, uint32_t ev, void *ud)
{
        struct probe_run *r = ud;

        if (r->io_state == IO_CONNECTING) {
                int err = 0;
                socklen_t el = sizeof(err);

                if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                        err = errno;
                if (err) {
                        finish(r, 0, "connect to %s: %s", r->addr_text, strerror(err));
                        return;
                }
                if (r->ps->kind == PROBE_TCP) {
                        finish(r, 1, NULL);
                        return;
                }
                r->io_state = IO_SENDING;
        }
        if (r->io_state == IO_SENDING) {
                ssize_t n = send(r->fd, r->req + r->sent, r->req_len - r->sent, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        finish(r, 0, "send to %s: %s", r->addr_text, strerror(errno));
                        return;
                }
                if (n > 0)
                        r->sent += (size_t)n;
                if (r->sent < r->req_len) {
                        if (watch(r, EPOLLOUT) < 0)
                                finish(r, 0, "cannot watch the socket");
                        return;
                }
                r->io_state = IO_READING;
                r->buf = malloc(ANSWER_MAX + 1);
                if (!r->buf || watch(r, EPOLLIN | EPOLLRDHUP) < 0)
                        finish(r, 0, "out of memory");
                return;
        }
        if (r->io_state == IO_READING) {
                for (;;) {
                        ssize_t n = recv(r->fd, r->buf + r->len, ANSWER_MAX - r->len, MSG_DONTWAIT);

                        if (n > 0) {
                                r->len += (size_t)n;
                                if (r->len == ANSWER_MAX)
                                        break; /* enough to judge */
                                continue;
                        }
                        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                                /* A keep-alive server may never close. */
                                if (answer_complete(r))
                                        break;
                                return;
                        }
                        if (n < 0) {
                                finish(r, 0, "receive from %s: %s", r->addr_text, strerror(errno));
                                return;
                        }
                        break; /* EOF */
                }
                judge_http(r);
        }
}

static void start_attempt(struct probe_run *r)
{
        struct loop *l = r->set->x->d->loop;
        int rc;

        r->t0 = clock_mono_us();
        r->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->fd < 0) {
                finish(r, 0, "socket: %s", strerror(errno));
                return;
        }
        r->io_state = IO_CONNECTING;
        if (loop_add_timer(l, r->ps->timeout_us, 0, on_deadline, r, &r->deadline, NULL) < 0) {
                finish(r, 0, "cannot arm the timeout");
                return;
        }
        rc = connect(r->fd, (struct sockaddr *)&r->addr, r->alen);
        if (rc < 0 && errno != EINPROGRESS) {
                finish(r, 0, "connect to %s: %s", r->addr_text, strerror(errno));
                return;
        }
        if (watch(r, EPOLLOUT) < 0)
                finish(r, 0, "cannot watch the socket");
}

void probes_start(struct experiment *x, unsigned phase, probes_done_cb done)
{
        struct probe_set *s = x->probes;
        int n = 0;

        if (!s)
                return;
        s->phase = phase;
        s->done = done;
        s->why[0] = '\0';
        if (phase == PROBE_AFTER)
                s->after_started = 1;
        for (int i = 0; i < s->n; i++)
                n += (s->runs[i].ps->phases & phase) && daemon_run(s->runs[i].ps);
        s->pending = n;
        if (n == 0) {
                if (phase == PROBE_AFTER)
                        s->after_over = 1;
                s->done = NULL;
                if (done)
                        done(x, 1, "");
                return;
        }
        for (int i = 0; i < s->n; i++) {
                struct probe_run *r = &s->runs[i];

                if (!(r->ps->phases & phase) || !daemon_run(r->ps))
                        continue;
                r->phase = phase;
                r->consecutive = 0;
                r->failing = 0;
                r->result[phase_slot(phase)] = "running";
                if (phase == PROBE_DURING)
                        (void)loop_add_timer(x->d->loop, r->ps->interval_us, r->ps->interval_us, on_next, r, &r->next,
                                             NULL);
        }
        /* First attempts right away; a verdict may complete the phase (and
         * call DONE) inside this loop, so walk by index and re-check. */
        for (int i = 0; i < s->n && s->phase == phase; i++) {
                struct probe_run *r = &s->runs[i];

                if (r->phase == phase && r->io_state == IO_IDLE)
                        start_attempt(r);
        }
}

static void add_ms_time(cJSON *j, const char *key, int64_t ms)
{
        char buf[40];

        clock_wall_iso(ms, buf, sizeof(buf));
        cJSON_AddStringToObject(j, key, buf);
}

cJSON *probes_to_json(const struct experiment *x)
{
        const struct probe_set *s = x->probes;
        cJSON *arr = cJSON_CreateArray();

        for (int i = 0; s && i < s->n; i++) {
                const struct probe_run *r = &s->runs[i];
                cJSON *j = cJSON_CreateObject(), *res = cJSON_CreateObject();

                cJSON_AddStringToObject(j, "name", r->ps->name);
                cJSON_AddStringToObject(j, "kind", probe_kind_name(r->ps->kind));
                cJSON_AddStringToObject(j, "target", r->ps->kind == PROBE_EXEC ? "" : r->ps->url);
                if (r->addr_text[0])
                        cJSON_AddStringToObject(j, "address", r->addr_text);
                for (int p = 0; p < N_PHASES; p++) {
                        const char *v = r->result[p];

                        /* A phase the experiment ended without reaching. */
                        if (v && strcmp(v, "pending") == 0 && exp_state_is_end(x->state) &&
                            (p != 2 || !s->after_started))
                                v = "skipped";
                        if (v)
                                cJSON_AddStringToObject(res, probe_phase_name(1U << p), v);
                }
                cJSON_AddItemToObject(j, "phases", res);
                cJSON_AddNumberToObject(j, "interval_ms", (double)(r->ps->interval_us / 1000));
                cJSON_AddNumberToObject(j, "failure_threshold", r->ps->failure_threshold);
                cJSON_AddBoolToObject(j, "abort_on_failure", r->ps->abort_on_failure);
                cJSON_AddNumberToObject(j, "attempts", r->attempts);
                cJSON_AddNumberToObject(j, "failures", r->failures);
                cJSON_AddNumberToObject(j, "consecutive_failures", r->consecutive);
                if (r->last_status)
                        cJSON_AddNumberToObject(j, "last_http_status", r->last_status);
                if (r->attempts)
                        cJSON_AddNumberToObject(j, "last_latency_s", r->last_latency_s);
                if (r->evidence[0]) {
                        cJSON_AddStringToObject(j, "evidence", r->evidence);
                        add_ms_time(j, "evidence_at", r->evidence_ms);
                } else {
                        cJSON_AddNullToObject(j, "evidence");
                }
                cJSON_AddItemToArray(arr, j);
        }
        return arr;
}
