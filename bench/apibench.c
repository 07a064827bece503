/* apibench: the same HTTP client (lib/http/httpc.c) drives two APIs in
 * one run, so the client's cost is identical on both sides:
 *   chaosd:  POST /v1/experiments (pause, verified) + DELETE /v1/experiments/ID
 *   docker:  POST /containers/NAME/pause + POST /containers/NAME/unpause
 * usage: apibench CHAOSD_SOCKET DOCKER_SOCKET CONTAINER N
 * prints: chaosd_ns docker_ns (mean per pause+unpause pair)
 *
 * And any spec's inject+revert, what a program driving chaosd pays:
 * usage: apibench spec CHAOSD_SOCKET SPEC_FILE N
 * prints: chaosd_ns (mean per POST "running" + DELETE pair) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpc.h"

static long long now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int call(const char *sock, const char *method, const char *path, const char *body, int want,
                struct httpc_reply *r)
{
        struct error e;

        if (httpc_request(sock, method, path, body, 10000, r, &e) < 0) {
                fprintf(stderr, "apibench: %s %s: %s\n", method, path, e.msg);
                return -1;
        }
        if (r->status != want) {
                fprintf(stderr, "apibench: %s %s: HTTP %d: %s\n", method, path, r->status, r->body);
                httpc_reply_free(r);
                return -1;
        }
        return 0;
}

/* POST SPEC (must answer 201 "running"), then DELETE it; 0 on success. */
static int inject_revert(const char *sock, const char *spec)
{
        char path[256], id[32];
        struct httpc_reply r;
        const char *p;

        if (call(sock, "POST", "/v1/experiments", spec, 201, &r) < 0)
                return -1;
        p = strstr(r.body, "\"id\":\"");
        if (!p || sscanf(p + 6, "%31[0-9a-f]", id) != 1 || !strstr(r.body, "\"state\":\"running\"")) {
                fprintf(stderr, "apibench: not running: %s\n", r.body);
                httpc_reply_free(&r);
                return -1;
        }
        httpc_reply_free(&r);
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        if (call(sock, "DELETE", path, NULL, 200, &r) < 0)
                return -1;
        httpc_reply_free(&r);
        return 0;
}

static int spec_mode(const char *sock, const char *file, int n)
{
        char spec[8192];
        FILE *f = fopen(file, "r");
        size_t len;
        long long t0;

        if (!f) {
                perror(file);
                return 1;
        }
        len = fread(spec, 1, sizeof(spec) - 1, f);
        fclose(f);
        spec[len] = '\0';
        if (inject_revert(sock, spec) < 0) /* warm-up */
                return 1;
        t0 = now_ns();
        for (int i = 0; i < n; i++)
                if (inject_revert(sock, spec) < 0)
                        return 1;
        printf("%lld\n", (now_ns() - t0) / n);
        return 0;
}

int main(int argc, char **argv)
{
        char spec[512], path[256];
        struct httpc_reply r;
        long long t0, chaosd_ns, docker_ns;
        int n;

        if (argc == 5 && strcmp(argv[1], "spec") == 0)
                return spec_mode(argv[2], argv[3], atoi(argv[4]));
        if (argc != 5) {
                fprintf(stderr, "usage: apibench CHAOSD_SOCKET DOCKER_SOCKET CONTAINER N\n"
                                "       apibench spec CHAOSD_SOCKET SPEC_FILE N\n");
                return 2;
        }
        n = atoi(argv[4]);
        snprintf(spec, sizeof(spec),
                 "{\"name\":\"apibench\",\"target\":{\"container\":\"%s\"},\"duration\":\"1m\","
                 "\"faults\":[{\"type\":\"pause\"}]}",
                 argv[3]);
        t0 = now_ns();
        for (int i = 0; i < n; i++)
                if (inject_revert(argv[1], spec) < 0)
                        return 1;
        chaosd_ns = (now_ns() - t0) / n;
        t0 = now_ns();
        for (int i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "/v1.41/containers/%s/pause", argv[3]);
                if (call(argv[2], "POST", path, NULL, 204, &r) < 0)
                        return 1;
                httpc_reply_free(&r);
                snprintf(path, sizeof(path), "/v1.41/containers/%s/unpause", argv[3]);
                if (call(argv[2], "POST", path, NULL, 204, &r) < 0)
                        return 1;
                httpc_reply_free(&r);
        }
        docker_ns = (now_ns() - t0) / n;
        printf("%lld %lld\n", chaosd_ns, docker_ns);
        return 0;
}
