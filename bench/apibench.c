/* apibench: the same HTTP client (lib/http/httpc.c) drives two APIs in
 * one interleaved loop, so the client's cost is identical on both sides:
 *   chaosd:  POST /v1/experiments (pause, verified) + DELETE /v1/experiments/ID
 *   docker:  POST /containers/NAME/pause + POST /containers/NAME/unpause
 * usage: apibench pair CHAOSD_SOCKET DOCKER_SOCKET CONTAINER FREEZER_STATE_FILE N
 * One warm-up of each, then N pairs, the order flipped every pair (chaosd
 * first, then docker first, ...). After each inject and each revert, and
 * outside the timed part, FREEZER_STATE_FILE is read: FROZEN, then THAWED,
 * or the run fails. prints one line per pair: chaosd_ns docker_ns
 *
 * And any spec's inject+revert, what a program driving chaosd pays:
 * usage: apibench spec CHAOSD_SOCKET SPEC_FILE N
 * prints one line per run: chaosd_ns (POST answered "running" + DELETE)
 *
 * Exit status 1 at the first failed iteration (reason on stderr): a
 * benchmark row is not printed from a run that failed. */
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

/* POST SPEC (must answer 201 "running"): ID of the experiment. */
static int inject(const char *sock, const char *spec, char id[32])
{
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
        return 0;
}

static int revert(const char *sock, const char *id)
{
        struct httpc_reply r;
        char path[256];

        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        if (call(sock, "DELETE", path, NULL, 200, &r) < 0)
                return -1;
        httpc_reply_free(&r);
        return 0;
}

static int docker_post(const char *sock, const char *container, const char *verb)
{
        struct httpc_reply r;
        char path[256];

        snprintf(path, sizeof(path), "/v1.41/containers/%s/%s", container, verb);
        if (call(sock, "POST", path, NULL, 204, &r) < 0)
                return -1;
        httpc_reply_free(&r);
        return 0;
}

/* The freezer's state as the kernel reports it: the observer, not chaosd. */
static int freezer_is(const char *file, const char *want)
{
        char buf[32] = "";
        FILE *f = fopen(file, "re");

        if (!f || !fgets(buf, sizeof(buf), f)) {
                fprintf(stderr, "apibench: %s: cannot read\n", file);
                if (f)
                        fclose(f);
                return -1;
        }
        fclose(f);
        buf[strcspn(buf, "\n")] = '\0';
        if (strcmp(buf, want) != 0) {
                fprintf(stderr, "apibench: %s is %s, want %s\n", file, buf, want);
                return -1;
        }
        return 0;
}

struct pair_args {
        const char *chaosd, *docker, *container, *freezer;
        char spec[512];
};

/* One pause+unpause through chaosd's API; time of the two requests only. */
static long long chaosd_once(const struct pair_args *a)
{
        long long t0, t;
        char id[32];

        t0 = now_ns();
        if (inject(a->chaosd, a->spec, id) < 0)
                return -1;
        t = now_ns() - t0;
        if (freezer_is(a->freezer, "FROZEN") < 0)
                return -1;
        t0 = now_ns();
        if (revert(a->chaosd, id) < 0)
                return -1;
        t += now_ns() - t0;
        if (freezer_is(a->freezer, "THAWED") < 0)
                return -1;
        return t;
}

/* The same through the Docker Engine API. */
static long long docker_once(const struct pair_args *a)
{
        long long t0, t;

        t0 = now_ns();
        if (docker_post(a->docker, a->container, "pause") < 0)
                return -1;
        t = now_ns() - t0;
        if (freezer_is(a->freezer, "FROZEN") < 0)
                return -1;
        t0 = now_ns();
        if (docker_post(a->docker, a->container, "unpause") < 0)
                return -1;
        t += now_ns() - t0;
        if (freezer_is(a->freezer, "THAWED") < 0)
                return -1;
        return t;
}

static int pair_mode(char **argv)
{
        struct pair_args a = { argv[2], argv[3], argv[4], argv[5], "" };
        int n = atoi(argv[6]);
        long long c, d;

        snprintf(a.spec, sizeof(a.spec),
                 "{\"name\":\"apibench\",\"target\":{\"container\":\"%s\"},\"duration\":\"1m\","
                 "\"faults\":[{\"type\":\"pause\"}]}",
                 a.container);
        if (chaosd_once(&a) < 0 || docker_once(&a) < 0) /* warm-up */
                return 1;
        for (int i = 0; i < n; i++) {
                if (i % 2 == 0) {
                        c = chaosd_once(&a);
                        d = c < 0 ? -1 : docker_once(&a);
                } else {
                        d = docker_once(&a);
                        c = d < 0 ? -1 : chaosd_once(&a);
                }
                if (c < 0 || d < 0) {
                        fprintf(stderr, "apibench: pair %d of %d failed\n", i + 1, n);
                        return 1;
                }
                printf("%lld %lld\n", c, d);
                fflush(stdout);
        }
        return 0;
}

static int spec_mode(const char *sock, const char *file, int n)
{
        char spec[8192], id[32];
        FILE *f = fopen(file, "re");
        size_t len;
        long long t0;

        if (!f) {
                perror(file);
                return 1;
        }
        len = fread(spec, 1, sizeof(spec) - 1, f);
        fclose(f);
        spec[len] = '\0';
        for (int i = -1; i < n; i++) { /* -1: the warm-up */
                t0 = now_ns();
                if (inject(sock, spec, id) < 0 || revert(sock, id) < 0) {
                        fprintf(stderr, "apibench: run %d of %d failed\n", i + 1, n);
                        return 1;
                }
                if (i >= 0) {
                        printf("%lld\n", now_ns() - t0);
                        fflush(stdout);
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 7 && strcmp(argv[1], "pair") == 0)
                return pair_mode(argv);
        if (argc == 5 && strcmp(argv[1], "spec") == 0)
                return spec_mode(argv[2], argv[3], atoi(argv[4]));
        fprintf(stderr, "usage: apibench pair CHAOSD_SOCKET DOCKER_SOCKET CONTAINER FREEZER_STATE_FILE N\n"
                        "       apibench spec CHAOSD_SOCKET SPEC_FILE N\n");
        return 2;
}
