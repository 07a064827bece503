/* victim: a static test program that fault tests aim at. It runs inside
 * busybox containers (bind-mount it in) and in the kernel-lane VM.
 *
 *   victim spin [SECONDS]       busy loop (CPU-bound; utime rises), for
 *                               SECONDS (default: until killed)
 *   victim sleep SECONDS        sleep, then exit 0
 *   victim ticker [SECONDS]     print "tick N" every 100 ms (flushed), so a
 *                               freeze shows as a gap in its output
 *   victim syscalls --calls openat,getpid,read [--n N] [--path P]
 *                               call each listed syscall N times (default
 *                               10000) and print one JSON object of counts:
 *                               {"openat":{"ok":9000,"EIO":1000},...}
 *                               supported: openat getpid getppid getuid read
 *                               write uname socket nanosleep
 *                               extra options:
 *                                 --timing       add "min_us"/"max_us" per call
 *                                 --elapsed      add "elapsed_us": the round's
 *                                                wall time (first key)
 *                                 --window K     also print the counts of every
 *                                                K iterations as they happen:
 *                                                {"window":W,"openat":{...}}
 *                                 --sleep-us U   pause U us after each iteration
 *                                 --threads T    T threads make the calls (each
 *                                                N times); counts are summed,
 *                                                windows/timing are the main
 *                                                thread's
 *                                 --rounds R --wait-file F
 *                                                R rounds of N iterations, one
 *                                                JSON line each; before each
 *                                                round after the first, wait
 *                                                (up to 120 s) until F exists,
 *                                                and remove it
 *   victim pingpong [N]         N (default 100000) 1-byte round trips through
 *                               two pipes between two processes; prints
 *                               {"pingpong_us": per round trip}: the floor of
 *                               any out-of-process decision on this machine
 *   victim forks N [--hold S] [--rounds R] [--wait-file F]
 *                               try N forks, each child holding on (pause)
 *                               until all N were tried; print one JSON line
 *                               of the fork results it saw itself:
 *                               {"forks":{"ok":2,"EAGAIN":3}}, then end the
 *                               children (after S seconds with --hold). R
 *                               rounds; with F, each round first waits (up
 *                               to 120 s) for F to exist and removes it, so
 *                               a test can change a limit between rounds
 *                               without starting a process in the cgroup
 *   victim memhog SIZE [SECONDS] allocate SIZE bytes (suffix K/M/G, KiB/MiB/
 *                               GiB), touch every page, print "ready BYTES",
 *                               then hold it for SECONDS (default: forever)
 *
 * Exit status: 0 on success, 2 on bad usage, 1 when a resource (memory, a
 * file) could not be had. Only libc; threads only with --threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
        fprintf(stderr, "usage: victim spin [S] | sleep S | ticker [S] | syscalls --calls a,b [--n N] [--path P] | "
                        "memhog SIZE [S] | pingpong [N] | forks N [--hold S] [--rounds R --wait-file F]\n");
        return 2;
}

static int parse_seconds(const char *s, double *ret)
{
        char *end;

        errno = 0;
        *ret = strtod(s, &end);
        return errno || end == s || *end || *ret < 0 ? -1 : 0;
}

static int do_spin(int argc, char **argv)
{
        volatile uint64_t x = 0;
        double secs = 0, end;

        if (argc > 2 && parse_seconds(argv[2], &secs) < 0)
                return usage();
        end = now_s() + secs;
        for (;;) {
                for (int i = 0; i < 1000000; i++)
                        x++;
                if (secs > 0 && now_s() >= end)
                        return 0;
        }
}

static void sleep_s(double s)
{
        struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int do_sleep(int argc, char **argv)
{
        double secs;

        if (argc < 3 || parse_seconds(argv[2], &secs) < 0)
                return usage();
        sleep_s(secs);
        return 0;
}

static int do_ticker(int argc, char **argv)
{
        double secs = 0, start = now_s();

        if (argc > 2 && parse_seconds(argv[2], &secs) < 0)
                return usage();
        setvbuf(stdout, NULL, _IOLBF, 0);
        for (unsigned long n = 0; secs == 0 || now_s() - start < secs; n++) {
                printf("tick %lu\n", n);
                fflush(stdout);
                sleep_s(0.1);
        }
        return 0;
}

static const char *errno_name(int err, char *buf, size_t len);

/* Counts for one syscall: successes and failures per errno. */
struct counts {
        const char *name;
        unsigned long ok;
        unsigned long err[4096];
        double min_s, max_s;
};

static void print_counts(const struct counts *c, int nc, int timing, long window, double elapsed)
{
        printf("{");
        if (window >= 0)
                printf("\"window\":%ld,", window);
        if (elapsed >= 0)
                printf("\"elapsed_us\":%.0f,", elapsed * 1e6);
        for (int k = 0; k < nc; k++) {
                char b[16];

                printf("%s\"%s\":{\"ok\":%lu", k ? "," : "", c[k].name, c[k].ok);
                for (int err = 0; err < 4096; err++)
                        if (c[k].err[err])
                                printf(",\"%s\":%lu", errno_name(err, b, sizeof(b)), c[k].err[err]);
                if (timing)
                        printf(",\"min_us\":%.0f,\"max_us\":%.0f", c[k].min_s * 1e6, c[k].max_s * 1e6);
                printf("}");
        }
        printf("}\n");
        fflush(stdout);
}

static void reset_counts(struct counts *c, int nc)
{
        for (int k = 0; k < nc; k++) {
                const char *name = c[k].name;

                memset(&c[k], 0, sizeof(c[k]));
                c[k].name = name;
                c[k].min_s = 1e9;
        }
}

static int wait_file(const char *f)
{
        for (int i = 0; i < 12000; i++) {
                if (unlink(f) == 0)
                        return 0; /* consumed: the next round waits for a new one */
                usleep(10000);
        }
        return -1;
}

static long call_once(const char *name, const char *path, int rfd, int wfd)
{
        char c;

        if (strcmp(name, "openat") == 0) {
                long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

                if (fd >= 0)
                        close((int)fd);
                return fd;
        }
        if (strcmp(name, "getpid") == 0)
                return syscall(SYS_getpid);
        if (strcmp(name, "getppid") == 0)
                return syscall(SYS_getppid);
        if (strcmp(name, "getuid") == 0)
                return syscall(SYS_getuid);
        if (strcmp(name, "read") == 0)
                return syscall(SYS_read, rfd, &c, 1);
        if (strcmp(name, "write") == 0)
                return syscall(SYS_write, wfd, "x", 1);
        if (strcmp(name, "uname") == 0) {
                struct utsname u;

                return syscall(SYS_uname, &u);
        }
        if (strcmp(name, "socket") == 0) {
                long fd = syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

                if (fd >= 0)
                        close((int)fd);
                return fd;
        }
        if (strcmp(name, "nanosleep") == 0) {
                struct timespec ts = { 0, 1000 };

                return syscall(SYS_nanosleep, &ts, NULL);
        }
        errno = ENOSYS;
        return -2; /* unknown name: caught before the loop */
}

static const char *const known_calls[] = { "openat", "getpid", "getppid", "getuid", "read",
                                           "write", "uname", "socket", "nanosleep", NULL };

static int known(const char *name)
{
        for (const char *const *k = known_calls; *k; k++)
                if (strcmp(*k, name) == 0)
                        return 1;
        return 0;
}

static const char *errno_name(int err, char *buf, size_t len)
{
        const char *n = strerrorname_np(err);

        if (n)
                return n;
        snprintf(buf, len, "E%d", err);
        return buf;
}

/* Our own files are opened with open(2), not openat(2) (glibc's open()
 * is openat), so that a fault on openat hits only the counted calls. */
static int setup_open(const char *path, int flags)
{
#ifdef SYS_open
        return (int)syscall(SYS_open, path, flags);
#else
        return open(path, flags);
#endif
}

/* A helper thread of --threads: the same calls, its own counts. */
struct helper {
        pthread_t tid;
        struct counts *c;
        int nc;
        unsigned long n;
        const char *path;
        int rfd, wfd;
        unsigned long sleep_us;
};

static void *helper_loop(void *arg)
{
        struct helper *h = arg;

        for (unsigned long i = 0; i < h->n; i++) {
                for (int k = 0; k < h->nc; k++) {
                        long r = call_once(h->c[k].name, h->path, h->rfd, h->wfd);
                        int err = errno;

                        if (r >= 0)
                                h->c[k].ok++;
                        else
                                h->c[k].err[err > 0 && err < 4096 ? err : 0]++;
                }
                if (h->sleep_us)
                        usleep(h->sleep_us);
        }
        return NULL;
}

static int do_syscalls(int argc, char **argv)
{
        char *calls = NULL, *save = NULL;
        const char *path = "/";
        unsigned long n = 10000, window = 0, rounds = 1, sleep_us = 0, threads = 1;
        struct helper *helpers = NULL;
        const char *wait_file_path = NULL;
        struct counts *c, *wc;
        int nc = 0, rfd, wfd, timing = 0, elapsed = 0;
        double round_start;

        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc)
                        calls = argv[++i];
                else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
                        n = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
                        path = argv[++i];
                else if (strcmp(argv[i], "--timing") == 0)
                        timing = 1;
                else if (strcmp(argv[i], "--elapsed") == 0)
                        elapsed = 1;
                else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
                        threads = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
                        window = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--sleep-us") == 0 && i + 1 < argc)
                        sleep_us = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
                        rounds = strtoul(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--wait-file") == 0 && i + 1 < argc)
                        wait_file_path = argv[++i];
                else
                        return usage();
        }
        if (!calls)
                return usage();
        c = calloc(32, sizeof(*c));
        if (!c)
                return 1;
        for (char *t = strtok_r(calls, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (!known(t)) {
                        fprintf(stderr, "victim: unknown syscall \"%s\"\n", t);
                        return 2;
                }
                if (nc == 32)
                        return usage();
                c[nc++].name = t;
        }
        /* Sources that always work, in a container or a bare initramfs:
         * /dev/zero may be missing, so fall back to our own binary. */
        rfd = setup_open("/dev/zero", O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
                rfd = setup_open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        wfd = setup_open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (wfd < 0)
                wfd = memfd_create("victim", MFD_CLOEXEC); /* grows; never blocks */
        if (rfd < 0 || wfd < 0) {
                perror("victim: no file to read or write");
                return 1;
        }
        wc = calloc(32, sizeof(*wc));
        if (!wc)
                return 1;
        for (int k = 0; k < nc; k++)
                wc[k].name = c[k].name;
        for (unsigned long round = 0; round < rounds; round++) {
                if (round > 0 && wait_file_path && wait_file(wait_file_path) < 0) {
                        fprintf(stderr, "victim: %s never appeared\n", wait_file_path);
                        return 1;
                }
                reset_counts(c, nc);
                reset_counts(wc, nc);
                round_start = now_s();
                if (threads > 1) {
                        helpers = calloc(threads - 1, sizeof(*helpers));
                        if (!helpers)
                                return 1;
                        for (unsigned long t = 0; t < threads - 1; t++) {
                                struct helper *h = &helpers[t];

                                h->c = calloc((size_t)nc, sizeof(*h->c));
                                if (!h->c)
                                        return 1;
                                for (int k = 0; k < nc; k++)
                                        h->c[k].name = c[k].name;
                                h->nc = nc;
                                h->n = n;
                                h->path = path;
                                h->rfd = rfd;
                                h->wfd = wfd;
                                h->sleep_us = sleep_us;
                                if (pthread_create(&h->tid, NULL, helper_loop, h) != 0)
                                        return 1;
                        }
                }
                for (unsigned long i = 0; i < n; i++) {
                        for (int k = 0; k < nc; k++) {
                                double t0 = timing ? now_s() : 0, dt;
                                long r = call_once(c[k].name, path, rfd, wfd);
                                int err = errno;

                                if (timing) {
                                        dt = now_s() - t0;
                                        if (dt < c[k].min_s)
                                                c[k].min_s = dt;
                                        if (dt > c[k].max_s)
                                                c[k].max_s = dt;
                                }
                                if (r >= 0) {
                                        c[k].ok++;
                                        wc[k].ok++;
                                } else {
                                        c[k].err[err > 0 && err < 4096 ? err : 0]++;
                                        wc[k].err[err > 0 && err < 4096 ? err : 0]++;
                                }
                        }
                        if (window > 0 && (i + 1) % window == 0) {
                                print_counts(wc, nc, 0, (long)((i + 1) / window - 1), -1);
                                reset_counts(wc, nc);
                        }
                        if (sleep_us)
                                usleep(sleep_us);
                }
                for (unsigned long t = 0; helpers && t < threads - 1; t++) {
                        struct helper *h = &helpers[t];

                        pthread_join(h->tid, NULL);
                        for (int k = 0; k < nc; k++) {
                                c[k].ok += h->c[k].ok;
                                for (int err = 0; err < 4096; err++)
                                        c[k].err[err] += h->c[k].err[err];
                        }
                        free(h->c);
                }
                free(helpers);
                helpers = NULL;
                print_counts(c, nc, timing, -1, elapsed ? now_s() - round_start : -1);
        }
        return 0;
}

static int do_pingpong(int argc, char **argv)
{
        unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
        int a[2], b[2];
        double t;
        pid_t pid;
        char c = 'x';

        if (!n || pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
                return 1;
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                for (unsigned long i = 0; i < n; i++)
                        if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
                                _exit(1);
                _exit(0);
        }
        t = now_s();
        for (unsigned long i = 0; i < n; i++)
                if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
                        return 1;
        t = now_s() - t;
        kill(pid, SIGKILL);
        printf("{\"pingpong_us\":%.3f}\n", t / (double)n * 1e6);
        return 0;
}

/* A pids limit seen from inside: every fork beyond it must fail with
 * EAGAIN, every one under it must succeed. The children stay alive until
 * all N were tried, so each attempt counts against the limit. */
static int forks_round(unsigned long n, double hold)
{
        static unsigned long err[4096];
        unsigned long ok = 0;
        pid_t *kids = calloc(n, sizeof(*kids));

        if (!kids)
                return 1;
        memset(err, 0, sizeof(err));
        for (unsigned long i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid == 0) {
                        for (;;)
                                pause();
                }
                if (pid > 0)
                        kids[ok++] = pid;
                else
                        err[errno > 0 && errno < 4096 ? errno : 0]++;
        }
        printf("{\"forks\":{\"ok\":%lu", ok);
        for (int e = 0; e < 4096; e++)
                if (err[e]) {
                        char b[16];

                        printf(",\"%s\":%lu", errno_name(e, b, sizeof(b)), err[e]);
                }
        printf("}}\n");
        fflush(stdout);
        if (hold > 0)
                sleep_s(hold);
        for (unsigned long i = 0; i < ok; i++)
                kill(kids[i], SIGKILL);
        for (unsigned long i = 0; i < ok; i++)
                while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
                        ;
        free(kids);
        return 0;
}

static int do_forks(int argc, char **argv)
{
        unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 0, rounds = 1;
        const char *go = NULL;
        double hold = 0;

        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc) {
                        if (parse_seconds(argv[++i], &hold) < 0)
                                return usage();
                } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
                        rounds = strtoul(argv[++i], NULL, 10);
                } else if (strcmp(argv[i], "--wait-file") == 0 && i + 1 < argc) {
                        go = argv[++i];
                } else {
                        return usage();
                }
        }
        if (!n || n > 4096 || !rounds)
                return usage();
        for (unsigned long r = 0; r < rounds; r++) {
                if (go && wait_file(go) < 0) {
                        fprintf(stderr, "victim: %s never appeared\n", go);
                        return 1;
                }
                if (forks_round(n, hold) != 0)
                        return 1;
        }
        return 0;
}

static int parse_size(const char *s, size_t *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -1;
        if (*end == 'K' || *end == 'k')
                v *= 1024, end++;
        else if (*end == 'M' || *end == 'm')
                v *= 1024 * 1024, end++;
        else if (*end == 'G' || *end == 'g')
                v *= 1024.0 * 1024 * 1024, end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 || *end == '\0') {
                *ret = (size_t)v;
                return 0;
        }
        return -1;
}

static int do_memhog(int argc, char **argv)
{
        volatile char *p;
        double secs = 0;
        size_t size;
        long pg = sysconf(_SC_PAGESIZE);

        if (argc < 3 || parse_size(argv[2], &size) < 0 || size == 0)
                return usage();
        if (argc > 3 && parse_seconds(argv[3], &secs) < 0)
                return usage();
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("victim: mmap");
                return 1;
        }
        /* Writes through volatile are kept by the compiler: every page is
         * really touched and charged to our memory cgroup. */
        for (size_t off = 0; off < size; off += (size_t)pg)
                p[off] = 1;
        printf("ready %zu\n", size);
        fflush(stdout);
        if (secs > 0)
                sleep_s(secs);
        else
                for (;;)
                        pause();
        return 0;
}

int main(int argc, char **argv)
{
        /* A SIGPIPE on a closed stdout must not look like a fault effect. */
        signal(SIGPIPE, SIG_IGN);
        if (argc < 2)
                return usage();
        if (strcmp(argv[1], "spin") == 0)
                return do_spin(argc, argv);
        if (strcmp(argv[1], "sleep") == 0)
                return do_sleep(argc, argv);
        if (strcmp(argv[1], "ticker") == 0)
                return do_ticker(argc, argv);
        if (strcmp(argv[1], "syscalls") == 0)
                return do_syscalls(argc, argv);
        if (strcmp(argv[1], "memhog") == 0)
                return do_memhog(argc, argv);
        if (strcmp(argv[1], "pingpong") == 0)
                return do_pingpong(argc, argv);
        if (strcmp(argv[1], "forks") == 0)
                return do_forks(argc, argv);
        return usage();
}
