/* Observer helpers for integration tests: tests may run docker, ip and tc
 * as independent observers of what chaosd did (the product never does). */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Run a shell command; its exit status, -1 if it did not exit. */
static inline int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int run(const char *fmt, ...)
{
        char cmd[4096];
        va_list ap;
        int st;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        st = system(cmd);
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run a command and capture its stdout (trailing newlines cut); 0 on exit 0. */
static inline int run_out(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int run_out(char *out, size_t len, const char *fmt, ...)
{
        char cmd[4096];
        va_list ap;
        FILE *p;
        size_t n;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        p = popen(cmd, "re");
        if (!p)
                return -1;
        n = fread(out, 1, len - 1, p);
        out[n] = '\0';
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
                out[--n] = '\0';
        return pclose(p) == 0 ? 0 : -1;
}

/* A small file, trailing newlines cut; negative errno on error. */
static inline int read_file(const char *path, char *buf, size_t len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, len - 1);
        close(fd);
        if (n < 0)
                return -1;
        buf[n] = '\0';
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        return 0;
}

static inline void sleep_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

        nanosleep(&ts, NULL);
}

static inline double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Field 3 (state) and 14 (utime) of /proc/PID/stat; 0 / -1 when gone. */
static inline char pstate(pid_t pid, unsigned long long *utime)
{
        char path[64], buf[1024], st;
        unsigned long long ut = 0;
        char *p;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
                return 0;
        if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu", &st, &ut) != 2)
                return 0;
        if (utime)
                *utime = ut;
        return st;
}
