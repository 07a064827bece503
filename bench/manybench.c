/* manybench: N experiments at once on one daemon, one target each.
 * usage: manybench CHAOSD_SOCKET CGROUP_PREFIX N CHAOSD_PID
 * POSTs a pause on CGROUP_PREFIX-0 .. -(N-1) (each answered 201), reads the
 * daemon's VmRSS with all of them active and prints "inject_total_ns
 * rss_kib"; then waits for a line on stdin (the caller reads the N
 * freezers meanwhile, from outside), POSTs /v1/halt and prints "halt_ns".
 * Exit status 1 at the first failed request. */
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

int main(int argc, char **argv)
{
        struct httpc_reply r;
        struct error e;
        char spec[1024];
        long long t0, inject, halt;
        int n;

        if (argc != 5) {
                fprintf(stderr, "usage: manybench CHAOSD_SOCKET CGROUP_PREFIX N CHAOSD_PID\n");
                return 2;
        }
        n = atoi(argv[3]);
        t0 = now_ns();
        for (int i = 0; i < n; i++) {
                snprintf(spec, sizeof(spec),
                         "{\"name\":\"many-%d\",\"target\":{\"cgroup\":\"%s-%d\"},\"duration\":\"10m\","
                         "\"faults\":[{\"type\":\"pause\"}]}",
                         i, argv[2], i);
                if (httpc_request(argv[1], "POST", "/v1/experiments", spec, 30000, &r, &e) < 0) {
                        fprintf(stderr, "manybench: experiment %d: %s\n", i, e.msg);
                        return 1;
                }
                if (r.status != 201) {
                        fprintf(stderr, "manybench: experiment %d: HTTP %d: %s\n", i, r.status, r.body);
                        return 1;
                }
                httpc_reply_free(&r);
        }
        inject = now_ns() - t0;
        {
                char path[64], line[256];
                long rss = -1;
                FILE *f;

                snprintf(path, sizeof(path), "/proc/%s/status", argv[4]);
                f = fopen(path, "re");
                while (f && fgets(line, sizeof(line), f))
                        if (sscanf(line, "VmRSS: %ld", &rss) == 1)
                                break;
                if (f)
                        fclose(f);
                printf("%lld %ld\n", inject, rss);
                fflush(stdout);
                if (!fgets(line, sizeof(line), stdin))
                        return 1;
        }
        t0 = now_ns();
        if (httpc_request(argv[1], "POST", "/v1/halt", NULL, 60000, &r, &e) < 0) {
                fprintf(stderr, "manybench: halt: %s\n", e.msg);
                return 1;
        }
        if (r.status != 200) {
                fprintf(stderr, "manybench: halt: HTTP %d: %s\n", r.status, r.body);
                return 1;
        }
        httpc_reply_free(&r);
        halt = now_ns() - t0;
        printf("%lld\n", halt);
        return 0;
}
