#include "httpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>

#include "cleanup.h"

struct parse_state {
        struct httpc_reply *r;
        int complete, overflow;
};

static int on_body(http_parser *p, const char *at, size_t len)
{
        struct parse_state *s = p->data;
        char *nb;

        if (s->r->len + len > HTTPC_MAX_BODY) {
                s->overflow = 1;
                return 1;
        }
        nb = realloc(s->r->body, s->r->len + len + 1);
        if (!nb)
                return 1;
        memcpy(nb + s->r->len, at, len);
        s->r->body = nb;
        s->r->len += len;
        nb[s->r->len] = '\0';
        return 0;
}

static int on_complete(http_parser *p)
{
        struct parse_state *s = p->data;

        s->complete = 1;
        return 0;
}

static long ms_left(const struct timespec *deadline)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int send_all(int fd, const char *buf, size_t len, struct error *e)
{
        while (len) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_sys(e, errno, "send");
                }
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int httpc_request(const char *socket_path, const char *method, const char *path, const char *body,
                  int timeout_ms, struct httpc_reply *ret, struct error *e)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *req = NULL;
        http_parser_settings settings = { .on_body = on_body, .on_message_complete = on_complete };
        struct parse_state st = { .r = ret };
        struct timespec deadline;
        http_parser parser;
        char buf[16384];
        int n;

        memset(ret, 0, sizeof(*ret));
        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return error_set(e, ENAMETOOLONG, "socket path too long: %s", socket_path);
        strcpy(sa.sun_path, socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_sys(e, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_sys(e, errno, "connect %s", socket_path);
        n = asprintf(&req,
                     "%s %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: chaosd\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, body ? strlen(body) : 0, body ? body : "");
        if (n < 0) {
                req = NULL;
                return error_set(e, ENOMEM, "out of memory");
        }
        if (send_all(fd, req, (size_t)n, e) < 0)
                return error_wrap(e, "%s", socket_path);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000;
        }
        http_parser_init(&parser, HTTP_RESPONSE);
        parser.data = &st;
        while (!st.complete) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                long left = ms_left(&deadline);
                ssize_t got;
                size_t used;

                if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
                        httpc_reply_free(ret);
                        return error_set(e, ETIMEDOUT, "%s: no complete answer within %d ms", socket_path, timeout_ms);
                }
                got = recv(fd, buf, sizeof(buf), 0);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        httpc_reply_free(ret);
                        return error_sys(e, errno, "recv from %s", socket_path);
                }
                used = http_parser_execute(&parser, &settings, buf, (size_t)got);
                if (st.overflow || (got > 0 && used != (size_t)got && !st.complete) ||
                    HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
                        httpc_reply_free(ret);
                        return error_set(e, EPROTO, "%s: %s", socket_path,
                                         st.overflow ? "answer too large"
                                                     : http_errno_description(HTTP_PARSER_ERRNO(&parser)));
                }
                if (got == 0 && !st.complete) {
                        httpc_reply_free(ret);
                        return error_set(e, EPROTO, "%s: connection closed mid-answer", socket_path);
                }
        }
        ret->status = (int)parser.status_code;
        if (!ret->body) {
                ret->body = strdup("");
                if (!ret->body)
                        return error_set(e, ENOMEM, "out of memory");
        }
        return 0;
}

int httpc_parse(const char *buf, size_t len, struct httpc_reply *ret, struct error *e)
{
        http_parser_settings settings = { .on_body = on_body, .on_message_complete = on_complete };
        struct parse_state st = { .r = ret };
        http_parser parser;
        size_t used;

        memset(ret, 0, sizeof(*ret));
        http_parser_init(&parser, HTTP_RESPONSE);
        parser.data = &st;
        used = http_parser_execute(&parser, &settings, buf, len);
        if (!st.complete && HTTP_PARSER_ERRNO(&parser) == HPE_OK && used == len)
                (void)http_parser_execute(&parser, &settings, buf, 0); /* EOF ends a body without length */
        if (st.overflow || !st.complete || HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
                httpc_reply_free(ret);
                return error_set(e, EPROTO, "%s", st.overflow ? "answer too large"
                                 : !st.complete && HTTP_PARSER_ERRNO(&parser) == HPE_OK
                                         ? "incomplete answer"
                                         : http_errno_description(HTTP_PARSER_ERRNO(&parser)));
        }
        ret->status = (int)parser.status_code;
        if (!ret->body) {
                ret->body = strdup("");
                if (!ret->body)
                        return error_set(e, ENOMEM, "out of memory");
        }
        return 0;
}

void httpc_reply_free(struct httpc_reply *r)
{
        free(r->body);
        r->body = NULL;
        r->len = 0;
}
