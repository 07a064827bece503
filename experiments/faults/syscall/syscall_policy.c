/* The per-call decision of a syscall fault, shared by the seccomp agent and
 * the ptrace tracer so both modes behave the same. */
#include "syscall_fault.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int syscall_policy_index(const struct syscall_policy *p, int nr)
{
        for (int i = 0; i < p->n; i++)
                if (p->nr[i] == nr)
                        return i;
        return -1;
}

/* Calls whose path argument can be matched; the index of that argument. */
static const struct {
        long nr;
        int arg;
} path_calls[] = {
#ifdef SYS_open
        { SYS_open, 0 },
#endif
#ifdef SYS_creat
        { SYS_creat, 0 },
#endif
#ifdef SYS_stat
        { SYS_stat, 0 },
#endif
#ifdef SYS_lstat
        { SYS_lstat, 0 },
#endif
#ifdef SYS_access
        { SYS_access, 0 },
#endif
#ifdef SYS_mkdir
        { SYS_mkdir, 0 },
#endif
#ifdef SYS_rmdir
        { SYS_rmdir, 0 },
#endif
#ifdef SYS_unlink
        { SYS_unlink, 0 },
#endif
#ifdef SYS_rename
        { SYS_rename, 0 },
#endif
#ifdef SYS_readlink
        { SYS_readlink, 0 },
#endif
#ifdef SYS_chmod
        { SYS_chmod, 0 },
#endif
#ifdef SYS_chown
        { SYS_chown, 0 },
#endif
        { SYS_truncate, 0 },   { SYS_chdir, 0 },    { SYS_execve, 0 },    { SYS_openat, 1 },
#ifdef SYS_openat2
        { SYS_openat2, 1 },
#endif
        { SYS_newfstatat, 1 }, { SYS_statx, 1 },    { SYS_faccessat, 1 },
#ifdef SYS_faccessat2
        { SYS_faccessat2, 1 },
#endif
        { SYS_mkdirat, 1 },    { SYS_unlinkat, 1 }, { SYS_renameat, 1 },  { SYS_renameat2, 1 }, { SYS_readlinkat, 1 },
        { SYS_fchmodat, 1 },   { SYS_fchownat, 1 }, { SYS_utimensat, 1 }, { SYS_execveat, 1 },
};

int syscall_path_arg(int nr)
{
        for (size_t i = 0; i < sizeof(path_calls) / sizeof(path_calls[0]); i++)
                if (path_calls[i].nr == nr)
                        return path_calls[i].arg;
        return -1;
}

int syscall_policy_path_match(const struct syscall_policy *p, const char *path)
{
        /* No FNM_PATHNAME: a glob "/data/" + "*" also covers "/data/a/b", which is what
         * someone failing a data directory means. */
        return !p->path[0] || fnmatch(p->path, path, 0) == 0;
}

void syscall_policy_decide(const struct syscall_policy *p, uint64_t matches_so_far, double rnd,
                           struct syscall_verdict *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (p->count >= 0 && matches_so_far >= (uint64_t)p->count)
                return;
        /* The probability gates the call before it counts: "count": 5 means
         * five injected failures, not five coin tosses. */
        if (rnd * 100.0 >= p->probability)
                return;
        ret->matched = 1;
        ret->err = p->err;
        ret->delay_us = p->delay_us;
}

void syscall_judge(struct syscall_judge *j, pid_t pid, int nr, const __u64 *args, struct syscall_verdict *ret)
{
        const struct syscall_policy *p = j->p;
        int arg = syscall_path_arg(nr);

        *ret = (struct syscall_verdict){ 0 };
        j->stats->seen++;
        if (p->path[0] && arg >= 0) {
                char path[4096];

                /* Another thread sharing the caller's memory can still
                 * change the string before the kernel reads it
                 * (docs/syscall.md: TOCTOU): the path is a filter, not a
                 * security boundary. */
                if (syscall_read_string(pid, args[arg], path, sizeof(path)) < 0 ||
                    (j->still_waiting && !j->still_waiting(j->arg)) || !syscall_policy_path_match(p, path))
                        return;
        }
        syscall_policy_decide(p, j->matches, j->rnd(j->arg), ret);
        if (!ret->matched)
                return;
        j->matches++;
        j->stats->matched++;
        if (ret->err)
                j->stats->injected++;
        if (ret->delay_us)
                j->stats->delayed++;
}

int syscall_policy_kernel_ok(const struct syscall_policy *p)
{
        return p->err && p->probability >= 100.0 && p->count < 0 && !p->delay_us && !p->path[0];
}

int syscall_read_string(pid_t pid, uint64_t addr, char *buf, size_t len)
{
        size_t got = 0;

        if (!len)
                return -EINVAL;
        while (got + 1 < len) {
                uint64_t a = addr + got;
                size_t room = 4096 - (size_t)(a & 4095);
                struct iovec local, remote;
                ssize_t n;

                if (room > len - 1 - got)
                        room = len - 1 - got;
                local.iov_base = buf + got;
                local.iov_len = room;
                remote.iov_base = (void *)(uintptr_t)a;
                remote.iov_len = room;
                n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
                if (n <= 0)
                        return n < 0 ? -errno : -EFAULT;
                if (memchr(buf + got, '\0', (size_t)n))
                        return 0;
                got += (size_t)n;
        }
        buf[len - 1] = '\0';
        return -ENAMETOOLONG;
}

static const struct syscall_agent_ops *agent_ops;

void syscall_agent_register(const struct syscall_agent_ops *ops)
{
        agent_ops = ops;
}

const struct syscall_agent_ops *syscall_agent(void)
{
        return agent_ops;
}
