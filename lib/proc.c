#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* /proc/PID/stat: the comm field may hold spaces and parentheses, so the
 * fields after it are found from the last ')'. */
static int stat_fields(pid_t pid, char *buf, size_t len, char **ret_after, struct error *e)
{
        char path[64];
        ssize_t n;
        char *rp;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        n = fs_read(path, buf, len, e);
        if (n < 0)
                return n == -ENOENT || n == -ESRCH ? error_set(e, ESRCH, "process %d is gone", (int)pid) : (int)n;
        rp = strrchr(buf, ')');
        if (!rp || rp[1] != ' ')
                return error_set(e, EIO, "unparsable %s", path);
        *ret_after = rp + 2; /* field 3 */
        return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret, struct error *e)
{
        char buf[1024], *p;
        int r = stat_fields(pid, buf, sizeof(buf), &p, e);

        if (r < 0)
                return r;
        /* field 3 is at p; field 22 is 19 spaces further. */
        for (int i = 0; i < 19; i++) {
                p = strchr(p, ' ');
                if (!p)
                        return error_set(e, EIO, "short /proc/%d/stat", (int)pid);
                p++;
        }
        *ret = strtoull(p, NULL, 10);
        return 0;
}

int proc_state(pid_t pid, char *ret, struct error *e)
{
        char buf[1024], *p;
        int r = stat_fields(pid, buf, sizeof(buf), &p, e);

        if (r < 0)
                return r;
        *ret = *p;
        return 0;
}

int proc_comm(pid_t pid, char *buf, size_t len, struct error *e)
{
        char path[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        n = fs_read(path, buf, len, e);
        if (n < 0)
                return n == -ENOENT ? error_set(e, ESRCH, "process %d is gone", (int)pid) : (int)n;
        return 0;
}

int proc_cmdline(pid_t pid, char *buf, size_t len, struct error *e)
{
        char path[64];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set(e, ESRCH, "process %d is gone", (int)pid);
        n = read(fd, buf, len - 1);
        if (n < 0)
                return error_sys(e, errno, "read %s", path);
        while (n > 0 && buf[n - 1] == '\0')
                n--;
        buf[n] = '\0';
        for (ssize_t i = 0; i < n; i++)
                if (buf[i] == '\0')
                        buf[i] = ' ';
        return 0;
}

int proc_ns_inode(pid_t pid, const char *ns, uint64_t *ret, struct error *e)
{
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
        if (stat(path, &st) < 0)
                return errno == ENOENT ? error_set(e, ESRCH, "process %d is gone", (int)pid)
                                       : error_sys(e, errno, "stat %s", path);
        *ret = (uint64_t)st.st_ino;
        return 0;
}

int proc_pidfd_open(pid_t pid, uint64_t *start_time, int *ret_fd, struct error *e)
{
        _cleanup_close_ int fd = -1;
        uint64_t st;
        int r;

        if (pid <= 0)
                return error_set(e, EINVAL, "invalid pid %d", (int)pid);
        fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return errno == ESRCH ? error_set(e, ESRCH, "process %d is gone", (int)pid)
                                      : error_sys(e, errno, "pidfd_open %d", (int)pid);
        /* The pidfd pins the process now; checking the start time after
         * opening it closes the window in which the PID could be reused. */
        r = proc_start_time(pid, &st, e);
        if (r < 0)
                return r;
        if (*start_time && *start_time != st)
                return error_set(e, ESRCH, "process %d was replaced (start time %llu, expected %llu)", (int)pid,
                                 (unsigned long long)st, (unsigned long long)*start_time);
        *start_time = st;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int proc_pidfd_signal(int pidfd, int sig, struct error *e)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return errno == ESRCH ? error_set(e, ESRCH, "process is gone")
                                      : error_sys(e, errno, "pidfd_send_signal %d", sig);
        return 0;
}

int proc_boot_id(char *buf, size_t len, struct error *e)
{
        ssize_t n = fs_read("/proc/sys/kernel/random/boot_id", buf, len, e);

        return n < 0 ? (int)n : 0;
}

static const struct {
        const char *name;
        int sig;
} signals[] = {
        { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },   { "TRAP", SIGTRAP },
        { "ABRT", SIGABRT }, { "BUS", SIGBUS },     { "FPE", SIGFPE },   { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
        { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
        { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
        { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "PWR", SIGPWR },   { "SYS", SIGSYS },
};

int proc_signal_parse(const char *s, int *ret)
{
        char *end;
        long v;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '9') {
                v = strtol(s, &end, 10);
                if (*end || v < 1 || v > SIGRTMAX)
                        return -EINVAL;
                *ret = (int)v;
                return 0;
        }
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (strcasecmp(s, signals[i].name) == 0) {
                        *ret = signals[i].sig;
                        return 0;
                }
        return -EINVAL;
}

const char *proc_signal_name(int sig)
{
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (signals[i].sig == sig)
                        return signals[i].name;
        return "?";
}
