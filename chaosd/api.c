/* The HTTP/1.1 JSON API (docs/api.md) on libmicrohttpd, driven by our own
 * epoll loop: MHD runs in MHD_USE_EPOLL mode without threads, we watch its
 * epoll fd and call MHD_run when it is ready, and arm a timer only when MHD
 * asks for one, so an idle daemon sleeps. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "events.h"
#include "peercred.h"
#include "schedules.h"
#include "tls.h"

#define BODY_MAX SPEC_MAX_BYTES
/* MHD's per-connection pool (request line, headers, read buffer): bodies
 * are copied out to our own buffer as they arrive, so MHD's default size
 * is enough; MHD maps and clears the whole pool for every connection, and
 * 128 KiB of it was a tenth of a request's cost. */
#define POOL_BYTES (32 * 1024)

struct follower;

struct api {
        struct api *next; /* the Unix socket's first, then the TLS listener */
        struct daemon *d;
        struct MHD_Daemon *mhd;
        struct loop_source *mhd_src, *timer, *kick;
        int listen_fd;
        gid_t group;
        char path[108]; /* "" for TCP */
        int tls;        /* TCP with mutual TLS (chaosd/tls.c) */
        struct tls_files tlsf;
        struct follower *followers;
        struct request *waiting; /* POSTs held until their faults settled */
};

struct request {
        char *body;
        size_t len;
        int too_big;
        int allowed; /* -1 unknown, 0 refused, 1 allowed */
        /* A POST /v1/experiments held (suspended) while a fault settles:
         * the experiment it waits for, then the answer to give. */
        struct request *next_waiting;
        struct api *api;
        struct MHD_Connection *conn;
        struct experiment *waiting;
        cJSON *answer;
        unsigned answer_status;
        int answered; /* resumed: send answer, never route again */
};

struct follower {
        struct follower *next;
        struct api *api;
        struct MHD_Connection *conn;
        uint64_t seq;
        int follow, suspended;
        void *wait;
};

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, char *text, const char *ctype)
{
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (!text)
                return MHD_NO;
        r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(r, "Content-Type", ctype);
        ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, cJSON *j)
{
        char *s = cJSON_PrintUnformatted(j);
        size_t n;

        cJSON_Delete(j);
        if (!s)
                return MHD_NO;
        /* A trailing newline makes curl output and JSON-lines tools happy. */
        n = strlen(s);
        char *t = realloc(s, n + 2);
        if (!t) {
                free(s);
                return MHD_NO;
        }
        t[n] = '\n';
        t[n + 1] = '\0';
        return reply_text(c, status, t, "application/json");
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const struct error *e, const char *msg)
{
        cJSON *j = cJSON_CreateObject();

        cJSON_AddStringToObject(j, "error", e ? e->msg : msg);
        if (e && e->path[0])
                cJSON_AddStringToObject(j, "path", e->path);
        return reply_json(c, status, j);
}

static void api_defer_kick(struct api *a);

/* --- /v1/events ---------------------------------------------------------- */

static void follower_wake(void *ud)
{
        struct follower *f = ud;

        /* Resume, then have the loop run MHD on its next turn: with an
         * external event loop MHD does not wake itself, and running it from
         * here would re-enter it from inside a request handler (events are
         * emitted while one is being handled). */
        if (f->suspended) {
                f->suspended = 0;
                MHD_resume_connection(f->conn);
                api_defer_kick(f->api);
        }
}

static ssize_t events_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct follower *f = cls;
        size_t n = events_read(f->api->d->events, &f->seq, buf, max);

        if (n > 0)
                return (ssize_t)n;
        if (!f->follow || f->api->d->quitting)
                return MHD_CONTENT_READER_END_OF_STREAM;
        if (!f->wait)
                f->wait = events_wait(f->api->d->events, follower_wake, f);
        /* Nothing to send: park the connection until the next event rather
         * than returning 0 to a spinning MHD. */
        f->suspended = 1;
        MHD_suspend_connection(f->conn);
        return 0;
}

static void events_free_cb(void *cls)
{
        struct follower *f = cls;

        if (f->wait)
                events_unwait(f->api->d->events, f->wait);
        for (struct follower **p = &f->api->followers; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        break;
                }
        free(f);
}

static enum MHD_Result serve_events(struct api *a, struct MHD_Connection *c)
{
        const char *fv = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "follow");
        struct follower *f = calloc(1, sizeof(*f));
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (!f)
                return MHD_NO;
        f->api = a;
        f->conn = c;
        f->follow = fv && (strcmp(fv, "1") == 0 || strcmp(fv, "true") == 0);
        f->seq = events_oldest(a->d->events);
        f->next = a->followers;
        a->followers = f;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, events_reader, f, events_free_cb);
        MHD_add_response_header(r, "Content-Type", "application/x-ndjson");
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

/* --- POST /v1/experiments held while a fault settles ----------------------
 * A fault may be applied but not yet in effect (a pause whose cgroup is
 * still FREEZING: up to 5 s). Answering 201 "injecting" at once, as for
 * before probes, would make `chaosctl run` without --wait report success
 * for a fault that may yet fail to go in — exactly the "success while
 * nothing was injected" this project exists to avoid. So the request is
 * suspended (MHD's suspend/resume, as for event followers) and answered
 * once the experiment leaves "injecting": 201 running (verified) or 422
 * with the experiment as it ended. The loop keeps serving everything else
 * meanwhile; the wait is bounded by the modules' settle bounds. */

static void waiting_unlink(struct request *rq)
{
        for (struct request **p = &rq->api->waiting; *p; p = &(*p)->next_waiting)
                if (*p == rq) {
                        *p = rq->next_waiting;
                        break;
                }
        rq->waiting = NULL;
}

static void waiting_resume(struct request *rq, unsigned status, cJSON *answer)
{
        waiting_unlink(rq);
        rq->answered = 1;
        rq->answer = answer;
        rq->answer_status = status;
        /* The handler runs again on MHD's next turn and sends the answer;
         * as for followers, never run MHD from inside a callback. */
        MHD_resume_connection(rq->conn);
        api_defer_kick(rq->api);
}

static void create_answered(struct experiment *x, void *ud)
{
        struct request *rq = ud;
        cJSON *j;
        char msg[1200];

        if (x->state == EXP_RUNNING) {
                waiting_resume(rq, MHD_HTTP_CREATED, experiment_to_json(x, 1));
                return;
        }
        /* Ended before it ran (failed to settle, stopped, halted...). */
        if (x->state == EXP_FAILED)
                snprintf(msg, sizeof(msg), "%s", x->reason);
        else
                snprintf(msg, sizeof(msg), "%s while injecting: %s", exp_state_name(x->state), x->reason);
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "error", msg);
        cJSON_AddItemToObject(j, "experiment", experiment_to_json(x, 1));
        waiting_resume(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, j);
}

static enum MHD_Result create_wait(struct api *a, struct MHD_Connection *c, struct request *rq, struct experiment *x)
{
        rq->api = a;
        rq->conn = c;
        rq->waiting = x;
        rq->next_waiting = a->waiting;
        a->waiting = rq;
        x->on_injected = create_answered;
        x->on_injected_ud = rq;
        MHD_suspend_connection(c);
        return MHD_YES;
}

/* --- routes -------------------------------------------------------------- */

static enum MHD_Result serve_list(struct api *a, struct MHD_Connection *c)
{
        cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "experiments");

        for (struct experiment *x = a->d->experiments; x; x = x->next)
                cJSON_AddItemToArray(arr, experiment_to_json(x, 0));
        return reply_json(c, MHD_HTTP_OK, j);
}

/* The status of a failed creation: errno-style codes inside, HTTP here. */
static unsigned create_status(int r, const struct experiment *x)
{
        if (x)
                return MHD_HTTP_UNPROCESSABLE_CONTENT; /* it exists and ended failed */
        switch (r) {
        case -EINVAL:
                return MHD_HTTP_BAD_REQUEST;
        case -EPERM:
                return MHD_HTTP_FORBIDDEN;
        case -ESRCH:
                return MHD_HTTP_UNPROCESSABLE_CONTENT;
        case -EBUSY:
                return MHD_HTTP_CONFLICT;
        case -EUSERS: /* a cap of chaosd --max-experiments / --max-targets */
                return MHD_HTTP_TOO_MANY_REQUESTS;
        default:
                return MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
}

static enum MHD_Result serve_create(struct api *a, struct MHD_Connection *c, struct request *rq)
{
        const char *body = rq->body ? rq->body : "";
        struct experiment *x = NULL;
        struct error e = { 0 };
        struct spec spec;
        int r;

        if (a->d->journal_error[0]) {
                char msg[700];

                snprintf(msg, sizeof(msg),
                         "the journal cannot be used (%s): no experiment is started until it is "
                         "repaired or moved away (see docs/operations.md)",
                         a->d->journal_error);
                return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, msg);
        }
        if (rq->too_big) {
                a->d->metrics.errors_spec++;
                return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "$: request body larger than 65536 bytes");
        }
        /* Parsed once, here; the schedule or the experiment takes it. */
        if (spec_parse(body, rq->len, 0, a->d->max_duration_us, &spec, &e) < 0) {
                a->d->metrics.errors_spec++;
                return reply_error(c, MHD_HTTP_BAD_REQUEST, &e, NULL);
        }
        /* A spec with "schedule" becomes a schedule, not a run (schedules.c). */
        if (spec.has_schedule) {
                cJSON *sj = NULL;

                if (schedules_create(a->d, &spec, &sj, &e) < 0)
                        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, &e, NULL);
                return reply_json(c, MHD_HTTP_CREATED, sj);
        }
        r = experiment_create(a->d, &spec, body, rq->len, &x, &e);
        if (r == 0 && x->state == EXP_INJECTING && experiment_settling(x))
                return create_wait(a, c, rq, x);
        if (r == 0)
                return reply_json(c, MHD_HTTP_CREATED, experiment_to_json(x, 1));
        if (x) {
                cJSON *j = cJSON_CreateObject();

                cJSON_AddStringToObject(j, "error", e.msg);
                cJSON_AddItemToObject(j, "experiment", experiment_to_json(x, 1));
                experiments_trim(a->d);
                return reply_json(c, create_status(r, x), j);
        }
        return reply_error(c, create_status(r, x), &e, NULL);
}

static enum MHD_Result serve_halt(struct api *a, struct MHD_Connection *c)
{
        cJSON *j = cJSON_CreateObject(), *ids = cJSON_CreateArray();
        int n = experiments_end_all(a->d, EXP_HALTED, "halted through the API", ids);

        cJSON_AddNumberToObject(j, "halted", n);
        cJSON_AddItemToObject(j, "experiments", ids);
        experiments_trim(a->d);
        return reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result serve_health(struct api *a, struct MHD_Connection *c)
{
        cJSON *j = cJSON_CreateObject();
        int active = 0;

        for (struct experiment *x = a->d->experiments; x; x = x->next)
                active += !exp_state_is_end(x->state);
        /* 200 either way: a liveness probe must not restart a daemon that a
         * restart would not mend; "status" tells a human or a monitor. */
        cJSON_AddStringToObject(j, "status", a->d->journal_error[0] ? "degraded" : "ok");
        if (a->d->journal_error[0])
                cJSON_AddStringToObject(j, "journal_error", a->d->journal_error);
        cJSON_AddStringToObject(j, "version", CHAOSD_VERSION);
        cJSON_AddNumberToObject(j, "active_experiments", active);
        cJSON_AddNumberToObject(j, "uptime_s", (double)((clock_mono_ms() - a->d->started_mono_ms) / 1000));
        return reply_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result route(struct api *a, struct MHD_Connection *c, const char *url, const char *method,
                             struct request *rq)
{
        int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
        const char *prefix = "/v1/experiments/";

        a->d->metrics.http_requests++;
        if (strcmp(url, "/v1/health") == 0 && get)
                return serve_health(a, c);
        if (strcmp(url, "/metrics") == 0 && get)
                return reply_text(c, MHD_HTTP_OK, metrics_render(a->d, schedules_count(a->d)),
                                  "text/plain; version=0.0.4");
        if (strcmp(url, "/v1/experiments") == 0 && get)
                return serve_list(a, c);
        if (strcmp(url, "/v1/experiments") == 0 && post)
                return serve_create(a, c, rq);
        if (strcmp(url, "/v1/halt") == 0 && post)
                return serve_halt(a, c);
        if (strcmp(url, "/v1/events") == 0 && get)
                return serve_events(a, c);
        if (strcmp(url, "/v1/schedules") == 0 && get) {
                cJSON *j = cJSON_CreateObject();

                cJSON_AddItemToObject(j, "schedules", schedules_to_json(a->d));
                return reply_json(c, MHD_HTTP_OK, j);
        }
        if (strncmp(url, "/v1/schedules/", 14) == 0 && (get || del)) {
                cJSON *j = schedule_get_json(a->d, url + 14);
                struct error e = { 0 };

                if (!j)
                        return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "no such schedule");
                if (del && schedule_delete(a->d, url + 14, &e) < 0) {
                        cJSON_Delete(j);
                        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, &e, NULL);
                }
                return reply_json(c, MHD_HTTP_OK, j);
        }
        if (strncmp(url, prefix, strlen(prefix)) == 0 && (get || del)) {
                struct experiment *x = experiment_find(a->d, url + strlen(prefix));

                if (!x)
                        return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "no such experiment");
                if (del && !exp_state_is_end(x->state)) {
                        /* ?abort=EVIDENCE: a client-side probe (chaosctl's
                         * exec probes) failed; the record says so. */
                        const char *ab = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "abort");
                        char why[600];

                        if (ab && *ab) {
                                snprintf(why, sizeof(why), "%.590s", ab);
                                a->d->metrics.probe_aborts++;
                                experiment_end(x, EXP_ABORTED, why);
                        } else {
                                experiment_end(x, EXP_STOPPED, "stopped through the API");
                        }
                }
                return reply_json(c, MHD_HTTP_OK, experiment_to_json(x, 1));
        }
        if (strcmp(url, "/v1/health") == 0 || strcmp(url, "/metrics") == 0 || strcmp(url, "/v1/experiments") == 0 ||
            strcmp(url, "/v1/halt") == 0 || strcmp(url, "/v1/events") == 0)
                return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "method not allowed");
        return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "no such endpoint (see docs/api.md)");
}

static int authorize(struct api *a, struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        uid_t uid = (uid_t)-1;
        int r;

        /* Over TLS the handshake already required a client certificate
         * signed by the client CA; check the session once more rather than
         * trust that a TCP connection got here some other way. */
        if (a->tls) {
                const union MHD_ConnectionInfo *ti = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

                r = ti && tls_session_verified(ti->tls_session);
                if (!r) {
                        a->d->metrics.errors_auth++;
                        log_event("warning", NULL, "auth", "refused TLS client without a verified certificate");
                }
                return r;
        }

        if (!ci)
                return 0;
        r = peer_allowed(ci->connect_fd, a->group, &uid);
        if (r <= 0) {
                a->d->metrics.errors_auth++;
                log_event("warning", NULL, "auth", "refused API client uid %d", (int)uid);
        }
        return r > 0;
}

/* Every connection of every listener counts towards --max-connections; one
 * over it is marked (its socket context) and answered 429 at its first
 * request. MHD's own hard limit sits a little above, for those. */
#define CONN_OVER ((void *)1)
#define CONN_SURPLUS 16

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
        struct api *a = cls;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                a->d->n_connections++;
                *socket_context = a->d->max_connections > 0 && a->d->n_connections > a->d->max_connections ? CONN_OVER
                                                                                                           : NULL;
        } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && a->d->n_connections > 0) {
                a->d->n_connections--;
        }
}

static int connection_over_cap(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci && ci->socket_context == CONN_OVER;
}

static unsigned mhd_connection_limit(const struct daemon *d)
{
        return d->max_connections > 0 ? (unsigned)d->max_connections + CONN_SURPLUS : 256;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
        struct api *a = cls;
        struct request *rq = *con_cls;

        if (!rq) {
                rq = calloc(1, sizeof(*rq));
                if (!rq)
                        return MHD_NO;
                rq->allowed = authorize(a, c);
                *con_cls = rq;
                return MHD_YES;
        }
        if (*upload_size) {
                if (rq->allowed && !rq->too_big) {
                        if (rq->len + *upload_size > BODY_MAX) {
                                rq->too_big = 1;
                                free(rq->body);
                                rq->body = NULL;
                                rq->len = 0;
                        } else {
                                char *nb = realloc(rq->body, rq->len + *upload_size + 1);

                                if (!nb)
                                        return MHD_NO;
                                memcpy(nb + rq->len, upload, *upload_size);
                                rq->body = nb;
                                rq->len += *upload_size;
                                rq->body[rq->len] = '\0';
                        }
                }
                *upload_size = 0;
                return MHD_YES;
        }
        if (!rq->allowed)
                return reply_error(c, MHD_HTTP_FORBIDDEN, NULL,
                                   "forbidden: the API is for root and the socket's group");
        if (connection_over_cap(c)) {
                char msg[160];

                snprintf(msg, sizeof(msg),
                         "too many connections: chaosd serves at most %d at once "
                         "(chaosd --max-connections); retry later",
                         a->d->max_connections);
                return reply_error(c, MHD_HTTP_TOO_MANY_REQUESTS, NULL, msg);
        }
        /* Resumed after its faults settled (create_answered). */
        if (rq->answered) {
                cJSON *j = rq->answer;

                rq->answer = NULL;
                return reply_json(c, rq->answer_status, j);
        }
        return route(a, c, url, method, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
        struct request *rq = *con_cls;

        if (rq) {
                /* Not reached while suspended; kept safe regardless. */
                if (rq->waiting) {
                        rq->waiting->on_injected = NULL;
                        waiting_unlink(rq);
                }
                cJSON_Delete(rq->answer);
                free(rq->body);
                free(rq);
                *con_cls = NULL;
        }
}

/* --- loop integration ---------------------------------------------------- */

static void on_timer(struct loop_source *src, uint32_t ev, void *ud);

static void api_kick(struct api *a)
{
        MHD_UNSIGNED_LONG_LONG ms = 0;

        (void)MHD_run(a->mhd);
        if (MHD_get_timeout(a->mhd, &ms) == MHD_YES) {
                if (a->timer)
                        (void)loop_timer_rearm(a->timer, ms * 1000 + 1, 0);
                else
                        (void)loop_add_timer(a->d->loop, ms * 1000 + 1, 0, on_timer, a, &a->timer, NULL);
        } else if (a->timer) {
                loop_remove(a->d->loop, a->timer);
                a->timer = NULL;
        }
}

static void on_timer(struct loop_source *src, uint32_t ev, void *ud)
{
        api_kick(ud);
}

static void on_kick(struct loop_source *src, uint32_t ev, void *ud)
{
        struct api *a = ud;

        loop_remove(a->d->loop, a->kick);
        a->kick = NULL;
        api_kick(a);
}

static void api_defer_kick(struct api *a)
{
        if (!a->kick)
                (void)loop_add_timer(a->d->loop, 1, 0, on_kick, a, &a->kick, NULL);
}

static void on_mhd(struct loop_source *src, uint32_t ev, void *ud)
{
        api_kick(ud);
}

static int make_socket(const char *path, gid_t group, struct error *e)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (strlen(path) >= sizeof(sa.sun_path))
                return error_set(e, ENAMETOOLONG, "socket path too long: %s", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return error_sys(e, errno, "socket");
        if (lstat(path, &st) == 0) {
                int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;

                if (probe >= 0)
                        close(probe);
                if (live)
                        return error_set(e, EADDRINUSE, "%s: another chaosd is already listening there", path);
                if (!S_ISSOCK(st.st_mode))
                        return error_set(e, EEXIST, "%s exists and is not a socket", path);
                (void)unlink(path);
        }
        /* Create it private, then open it up to the group: no window in
         * which anyone else could connect. */
        {
                mode_t old = umask(0177);
                int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));

                umask(old);
                if (r < 0)
                        return error_sys(e, errno, "bind %s", path);
        }
        if (chown(path, 0, group) < 0 || chmod(path, 0660) < 0)
                return error_sys(e, errno, "chown/chmod %s", path);
        if (listen(fd, 64) < 0)
                return error_sys(e, errno, "listen %s", path);
        return TAKE_FD(fd);
}

/* Start A's MHD instance on a->listen_fd, wire it into the loop and link
 * it into the daemon's list of listeners; both share every route. */
static int api_start_mhd(struct daemon *d, struct api *a, struct error *e)
{
        unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
        const union MHD_DaemonInfo *info;
        int r;

        if (a->tls)
                a->mhd = MHD_start_daemon(flags | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, a,
                                          MHD_OPTION_EXTERNAL_LOGGER, tls_mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET,
                                          a->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, completed, a,
                                          MHD_OPTION_NOTIFY_CONNECTION, on_connection, a, MHD_OPTION_CONNECTION_LIMIT,
                                          mhd_connection_limit(d), MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)POOL_BYTES,
                                          MHD_OPTION_HTTPS_MEM_TRUST, a->tlsf.ca, MHD_OPTION_HTTPS_CERT_CALLBACK,
                                          tls_cert_callback(), MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
                                          MHD_OPTION_END);
        else
                a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handler, a, MHD_OPTION_LISTEN_SOCKET, a->listen_fd,
                                          MHD_OPTION_NOTIFY_COMPLETED, completed, a, MHD_OPTION_NOTIFY_CONNECTION,
                                          on_connection, a, MHD_OPTION_CONNECTION_LIMIT, mhd_connection_limit(d),
                                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                          MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)POOL_BYTES, MHD_OPTION_END);
        if (!a->mhd)
                return error_set(e, EIO, "libmicrohttpd failed to start on %s", a->path[0] ? a->path : "TCP");
        info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        r = loop_add_fd(d->loop, info->epoll_fd, EPOLLIN, on_mhd, a, &a->mhd_src, e);
        if (r < 0) {
                MHD_stop_daemon(a->mhd);
                return r;
        }
        a->next = d->api;
        d->api = a;
        return 0;
}

int api_start(struct daemon *d, const char *socket_path, gid_t group, struct error *e)
{
        struct api *a = calloc(1, sizeof(*a));
        int r;

        if (!a)
                return error_set(e, ENOMEM, "out of memory");
        a->d = d;
        a->group = group;
        snprintf(a->path, sizeof(a->path), "%s", socket_path);
        a->listen_fd = make_socket(socket_path, group, e);
        if (a->listen_fd < 0) {
                r = a->listen_fd;
                free(a);
                return r;
        }
        r = api_start_mhd(d, a, e);
        if (r < 0) {
                close(a->listen_fd);
                unlink(socket_path);
                free(a);
                return r;
        }
        return 0;
}

int api_listen_tls(struct daemon *d, const char *hostport, const char *cert, const char *key, const char *ca,
                   struct error *e)
{
        struct api *a = calloc(1, sizeof(*a));
        int r;

        if (!a)
                return error_set(e, ENOMEM, "out of memory");
        a->d = d;
        a->tls = 1;
        r = tls_load(cert, key, ca, &a->tlsf, e);
        if (r < 0) {
                free(a);
                return r;
        }
        a->listen_fd = tls_listen_socket(hostport, e);
        if (a->listen_fd < 0) {
                r = a->listen_fd;
                tls_files_free(&a->tlsf);
                free(a);
                return r;
        }
        r = api_start_mhd(d, a, e);
        if (r < 0) {
                close(a->listen_fd);
                tls_files_free(&a->tlsf);
                free(a);
                return r;
        }
        return 0;
}

static void api_stop_one(struct daemon *d, struct api *a)
{
        /* Suspended followers must be resumed before MHD may stop; with
         * d->quitting set their readers end the stream. */
        for (struct follower *f = a->followers; f; f = f->next)
                if (f->suspended) {
                        f->suspended = 0;
                        MHD_resume_connection(f->conn);
                }
        /* So must held POSTs (normally answered already: a shutdown ends
         * every experiment first). */
        while (a->waiting) {
                struct request *rq = a->waiting;
                cJSON *j = cJSON_CreateObject();

                cJSON_AddStringToObject(j, "error", "chaosd is shutting down");
                rq->waiting->on_injected = NULL;
                waiting_resume(rq, MHD_HTTP_SERVICE_UNAVAILABLE, j);
        }
        for (int i = 0; i < 3; i++)
                (void)MHD_run(a->mhd);
        loop_remove(d->loop, a->mhd_src);
        loop_remove(d->loop, a->timer);
        loop_remove(d->loop, a->kick);
        MHD_stop_daemon(a->mhd);
        close(a->listen_fd);
        if (a->path[0])
                (void)unlink(a->path);
        tls_files_free(&a->tlsf);
        free(a);
}

void api_stop(struct daemon *d)
{
        while (d->api) {
                struct api *a = d->api;

                d->api = a->next;
                api_stop_one(d, a);
        }
}
