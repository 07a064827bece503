/* chaosctl's HTTP client against a scripted fake daemon on a Unix socket
 * (a forked child): what goes on the wire, how answers and errors map to
 * errno + message, line streaming across arbitrary chunk borders, and
 * stopping a followed stream. No root needed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

#include "../../cli/http.c"

#include "../../cli/http_sink.c"

#include "../../cli/http_unix.c"

/* The remote transport (libcurl, loaded at run time) is for a remote
 * host, which these tests never set up: http.c names only the Unix one,
 * so this binary holds the Unix-socket client alone. */

struct chunk {
        const char *data;
        int delay_ms; /* before sending */
};

static char dir[64], sock_path[128], req_path[128];
static pid_t server = -1;

static void sleep_ms(int ms)
{
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

/* Read one request (headers + Content-Length body) and save it to req_path. */
static void serve_request(int c)
{
        char buf[65536];
        size_t n = 0;
        char *hdr_end = NULL, *cl;
        size_t want = 0;
        FILE *f;

        while (n < sizeof(buf) - 1) {
                ssize_t r = read(c, buf + n, sizeof(buf) - 1 - n);

                if (r <= 0)
                        break;
                n += (size_t)r;
                buf[n] = '\0';
                if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
                        cl = strcasestr(buf, "Content-Length:");
                        want = (size_t)(hdr_end + 4 - buf) + (cl && cl < hdr_end ? strtoul(cl + 15, NULL, 10) : 0);
                }
                if (hdr_end && n >= want)
                        break;
        }
        f = fopen(req_path, "w");
        if (f) {
                fwrite(buf, 1, n, f);
                fclose(f);
        }
}

/* A listening socket at sock_path and the forked server child that will
 * serve it (server is 0 in the child). */
static int listen_and_fork(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(l, 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
        unlink(sock_path);
        ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(l, 4), 0);
        server = fork();
        ck_assert_int_ge(server, 0);
        return l;
}

/* Serve one connection with the given chunks; hold_ms > 0 keeps it open. */
static void start_server(const struct chunk *chunks, int hold_ms)
{
        int l = listen_and_fork();

        if (server == 0) {
                int c;

                /* A failed test exits without its teardown: die with it. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                c = accept4(l, NULL, NULL, SOCK_CLOEXEC);

                if (c < 0)
                        _exit(1);
                serve_request(c);
                for (const struct chunk *k = chunks; k->data; k++) {
                        sleep_ms(k->delay_ms);
                        if (write(c, k->data, strlen(k->data)) < 0)
                                _exit(1);
                }
                if (hold_ms)
                        sleep_ms(hold_ms);
                _exit(0);
        }
        close(l);
}

/* Answer NREQ requests with ANSWER: all on one connection (the listener
 * is closed after the first accept, so a client that reconnects is
 * refused), or, with RECONNECT, each on a connection of its own that the
 * server closes after answering — as chaosd does with an idle kept one. */
static void start_keepalive_server(const char *answer, int nreq, int reconnect)
{
        int l = listen_and_fork();

        if (server == 0) {
                int c = -1;

                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (int i = 0; i < nreq; i++) {
                        if (c < 0 && (c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
                                _exit(1);
                        if (!reconnect)
                                close(l);
                        serve_request(c);
                        if (write(c, answer, strlen(answer)) < 0)
                                _exit(1);
                        if (reconnect) {
                                close(c);
                                c = -1;
                        }
                }
                sleep_ms(5000);
                _exit(0);
        }
        close(l);
}

/* The directory lives in the runner process (unchecked fixture), so it is
 * removed even when a test fails in its forked child. */
static void make_dir(void)
{
        snprintf(dir, sizeof(dir), "/tmp/chaosctl-http-XXXXXX");
        if (!mkdtemp(dir))
                abort();
        snprintf(sock_path, sizeof(sock_path), "%s/chaosd.sock", dir);
        snprintf(req_path, sizeof(req_path), "%s/request", dir);
}

static void remove_dir(void)
{
        unlink(sock_path);
        unlink(req_path);
        rmdir(dir);
}

static void setup(void)
{
        unlink(req_path);
}

static void teardown(void)
{
        if (server > 0) {
                kill(server, SIGKILL);
                waitpid(server, NULL, 0);
                server = -1;
        }
}

static char *slurp(const char *path)
{
        static char buf[65536];
        FILE *f = fopen(path, "r");
        size_t n;

        ck_assert_ptr_nonnull(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

START_TEST(missing_socket_is_unreachable)
{
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };

        ck_assert_int_eq(cli_http_request(&h, "GET", "/v1/health", NULL, 0, &r, &e), -HTTP_EUNREACHABLE);
        ck_assert_ptr_nonnull(strstr(e.msg, sock_path));
        ck_assert_ptr_nonnull(strstr(e.msg, "No such file or directory"));
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

START_TEST(post_sends_body_and_reads_answer)
{
        static const char body[] = "{\"name\":\"x\",\"duration\":\"1s\"}";
        static const struct chunk answer[] = {
                { "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n", 0 },
                { "{\"id\":\"abc123\"}\n", 50 },
                { NULL, 0 },
        };
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };
        char *req;

        start_server(answer, 0);
        ck_assert_int_eq(cli_http_request(&h, "POST", "/v1/experiments", body, strlen(body), &r, &e), 0);
        ck_assert_int_eq(r.status, 201);
        ck_assert_str_eq(r.body, "{\"id\":\"abc123\"}\n");
        ck_assert_int_eq(cli_http_error(&r, &e), 0);
        req = slurp(req_path);
        ck_assert_msg(strncmp(req, "POST /v1/experiments HTTP/1.1\r\n", 31) == 0, "request line: %s", req);
        ck_assert_ptr_nonnull(strcasestr(req, "Content-Type: application/json\r\n"));
        ck_assert_ptr_null(strcasestr(req, "Expect:"));
        ck_assert_str_eq(strstr(req, "\r\n\r\n") + 4, body);
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

START_TEST(delete_uses_method)
{
        static const struct chunk answer[] = {
                { "HTTP/1.1 404 Not Found\r\nContent-Length: 37\r\n\r\n{\"error\":\"no experiment 'deadbeef'\"}\n", 0 },
                { NULL, 0 },
        };
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };

        start_server(answer, 0);
        ck_assert_int_eq(cli_http_request(&h, "DELETE", "/v1/experiments/deadbeef", NULL, 0, &r, &e), 0);
        ck_assert_int_eq(r.status, 404);
        ck_assert_int_eq(cli_http_error(&r, &e), -ENOENT);
        ck_assert_str_eq(e.msg, "no experiment 'deadbeef'");
        ck_assert_msg(strncmp(slurp(req_path), "DELETE /v1/experiments/deadbeef HTTP/1.1\r\n", 42) == 0, "%s",
                      slurp(req_path));
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

static void check_error(long status, const char *body, int want_r, const char *want_msg, const char *want_path)
{
        struct http_response r = { .status = status, .body = (char *)body, .len = strlen(body) };
        struct error e = { 0 };

        ck_assert_int_eq(cli_http_error(&r, &e), want_r);
        ck_assert_str_eq(e.msg, want_msg);
        ck_assert_str_eq(e.path, want_path);
}

START_TEST(error_answers_map_to_errno)
{
        check_error(400, "{\"error\":\"$.faults[0].delay: \\\"10 parsecs\\\" is not a duration\",\"path\":\"$.faults[0].delay\"}",
                    -EINVAL, "$.faults[0].delay: \"10 parsecs\" is not a duration", "$.faults[0].delay");
        /* A message without its path gets the path in front. */
        check_error(400, "{\"error\":\"unknown key\",\"path\":\"$.bogus\"}", -EINVAL, "$.bogus: unknown key", "$.bogus");
        check_error(413, "{\"error\":\"body larger than 65536 bytes\"}", -EINVAL, "body larger than 65536 bytes", "");
        check_error(403, "{\"error\":\"forbidden\"}", -EACCES, "forbidden", "");
        check_error(409, "{\"error\":\"conflicts with e1\"}", -EBUSY, "conflicts with e1", "");
        check_error(422, "{\"error\":\"freeze failed\",\"experiment\":{}}", -EIO, "freeze failed", "");
        check_error(500, "oops", -EIO, "chaosd answered HTTP 500", "");
        check_error(200, "{}", 0, "", "");
}
END_TEST

struct lines {
        char got[16][128];
        int n;
        int stop_after; /* set *stop after this many lines (0: never) */
        volatile sig_atomic_t *stop;
};

static int collect(const char *s, size_t len, void *ud)
{
        struct lines *l = ud;

        ck_assert_int_lt(l->n, 16);
        snprintf(l->got[l->n++], sizeof(l->got[0]), "%.*s", (int)len, s);
        if (l->stop_after && l->n >= l->stop_after)
                *l->stop = 1;
        return 0;
}

START_TEST(stream_splits_lines_across_chunks)
{
        static const struct chunk answer[] = {
                { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", 0 },
                { "{\"seq\":1}\n{\"se", 30 },
                { "q\":2}", 30 },
                { "\n\n{\"seq\":3}", 30 }, /* an empty line, then a last line without newline */
                { NULL, 0 },
        };
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };
        struct lines l = { 0 };

        start_server(answer, 0);
        ck_assert_int_eq(cli_http_stream(&h, "/v1/events", collect, &l, NULL, &r, &e), 0);
        ck_assert_int_eq(r.status, 200);
        ck_assert_int_eq(l.n, 4);
        ck_assert_str_eq(l.got[0], "{\"seq\":1}");
        ck_assert_str_eq(l.got[1], "{\"seq\":2}");
        ck_assert_str_eq(l.got[2], "");
        ck_assert_str_eq(l.got[3], "{\"seq\":3}");
        ck_assert_msg(strncmp(slurp(req_path), "GET /v1/events HTTP/1.1\r\n", 25) == 0, "%s", slurp(req_path));
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

/* A followed stream never ends by itself: the stop flag (set by SIGINT in
 * chaosctl) must end it. The server holds the connection for a minute; the
 * tcase timeout fails the test if the flag is not honoured. */
START_TEST(stream_stops_on_flag)
{
        static const struct chunk answer[] = {
                { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"seq\":1}\n", 0 },
                { NULL, 0 },
        };
        static volatile sig_atomic_t stop;
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };
        struct lines l = { .stop_after = 1, .stop = &stop };

        stop = 0;
        start_server(answer, 60000);
        ck_assert_int_eq(cli_http_stream(&h, "/v1/events?follow=1", collect, &l, &stop, &r, &e), 0);
        ck_assert_int_eq(l.n, 1);
        ck_assert_int_eq(stop, 1);
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

/* Lines are only for 200 answers; an error answer stays whole in the body. */
START_TEST(stream_error_is_not_lines)
{
        static const struct chunk answer[] = {
                { "HTTP/1.1 403 Forbidden\r\nContent-Length: 24\r\n\r\n{\"error\":\"not allowed\"}\n", 0 },
                { NULL, 0 },
        };
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };
        struct lines l = { 0 };

        start_server(answer, 0);
        ck_assert_int_eq(cli_http_stream(&h, "/v1/events", collect, &l, NULL, &r, &e), 0);
        ck_assert_int_eq(l.n, 0);
        ck_assert_int_eq(cli_http_error(&r, &e), -EACCES);
        ck_assert_str_eq(e.msg, "not allowed");
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

START_TEST(closed_without_answer)
{
        static const struct chunk answer[] = { { NULL, 0 } };
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };

        start_server(answer, 0);
        ck_assert_int_eq(cli_http_request(&h, "GET", "/v1/health", NULL, 0, &r, &e), -EPROTO);
        ck_assert_ptr_nonnull(strstr(e.msg, "closed the connection"));
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

static const char ok_answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}\n";

/* run --wait polls every few hundred ms: one connection for all of them. */
START_TEST(consecutive_requests_reuse_the_connection)
{
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };

        start_keepalive_server(ok_answer, 3, 0);
        for (int i = 0; i < 3; i++) {
                ck_assert_msg(cli_http_request(&h, "GET", "/v1/experiments", NULL, 0, &r, &e) == 0, "request %d: %s",
                              i, e.msg);
                ck_assert_int_eq(r.status, 200);
                ck_assert_str_eq(r.body, "{}\n");
        }
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

/* A kept connection that chaosd closed while idle is not an error: the
 * request goes out again on a new one. */
START_TEST(closed_kept_connection_is_reopened)
{
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };

        start_keepalive_server(ok_answer, 2, 1);
        for (int i = 0; i < 2; i++) {
                sleep_ms(50); /* let the server close the first one */
                ck_assert_msg(cli_http_request(&h, "DELETE", "/v1/experiments/x", NULL, 0, &r, &e) == 0,
                              "request %d: %s", i, e.msg);
                ck_assert_int_eq(r.status, 200);
        }
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

/* The body bound holds for a chunked answer without a length too. */
START_TEST(oversized_answer_is_refused)
{
        static char big[64 << 10];
        struct http_client h = { .socket = sock_path };
        struct http_response r = { 0 };
        struct error e = { 0 };
        struct chunk answer[300] = { { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 0 } };

        memset(big, 'x', sizeof(big) - 1);
        for (int i = 1; i < 299; i++)
                answer[i].data = big; /* 298 x 64 KiB > 16 MiB */
        start_server(answer, 0);
        ck_assert_int_eq(cli_http_request(&h, "GET", "/v1/events", NULL, 0, &r, &e), -EFBIG);
        ck_assert_ptr_nonnull(strstr(e.msg, "larger than"));
        cli_http_response_free(&r);
        cli_http_client_free(&h);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_http");
        TCase *tc = tcase_create("http");

        tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, missing_socket_is_unreachable);
        tcase_add_test(tc, post_sends_body_and_reads_answer);
        tcase_add_test(tc, delete_uses_method);
        tcase_add_test(tc, error_answers_map_to_errno);
        tcase_add_test(tc, stream_splits_lines_across_chunks);
        tcase_add_test(tc, stream_stops_on_flag);
        tcase_add_test(tc, stream_error_is_not_lines);
        tcase_add_test(tc, closed_without_answer);
        tcase_add_test(tc, consecutive_requests_reuse_the_connection);
        tcase_add_test(tc, closed_kept_connection_is_reopened);
        tcase_add_test(tc, oversized_answer_is_refused);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
