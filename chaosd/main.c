/* chaosd: the fault-injection daemon. See docs/chaosd.8. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "events.h"
#include "fsutil.h"
#include "guard.h"
#include "hostns.h"
#include "proc.h"
#include "seccomp_agent.h"
#include "schedules.h"
#include "units.h"
#include "warden.h"
#include "fdreserve.h"

struct options {
        const char *socket;
        const char *state_dir;
        const char *group;
        uint64_t max_duration_us;
        int recover;
        int max_experiments, max_targets, max_connections;
        const char *listen, *tls_cert, *tls_key, *tls_ca;
};

static void usage(FILE *f)
{
        fprintf(f, "usage: chaosd [--socket PATH] [--state-dir DIR] [--socket-group GROUP]\n"
                   "              [--max-duration DURATION] [--max-experiments N] [--max-targets N]\n"
                   "              [--max-connections N] [--recover]\n"
                   "  --socket PATH        API socket (default /run/chaosd/chaosd.sock)\n"
                   "  --state-dir DIR      journal directory (default /var/lib/chaosd)\n"
                   "  --socket-group GROUP group allowed to use the API besides root (default: root only)\n"
                   "  --max-duration D     longest experiment accepted (default 1h)\n"
                   "  --max-experiments N  active experiments at once; more are answered 429 (default 1024)\n"
                   "  --max-targets N      targets one experiment may resolve to; more: 429 (default 256)\n"
                   "  --max-connections N  open API connections, Unix socket and TLS together; more: 429\n"
                   "                       (default 128)\n"
                   "  --recover            revert everything the journal says is applied, then exit\n"
                   "  --listen HOST:PORT   also serve the API on TCP with TLS 1.3 and client certificates,\n"
                   "                       with --tls-cert F --tls-key F --tls-client-ca F (docs/remote.md)\n");
}

static int parse_args(int argc, char **argv, struct options *o, struct error *e)
{
        static const struct option longopts[] = {
                { "socket", required_argument, NULL, 's' },
                { "state-dir", required_argument, NULL, 'd' },
                { "socket-group", required_argument, NULL, 'g' },
                { "max-duration", required_argument, NULL, 'm' },
                { "recover", no_argument, NULL, 'r' },
                { "listen", required_argument, NULL, 'l' },
                { "tls-cert", required_argument, NULL, 'C' },
                { "tls-key", required_argument, NULL, 'K' },
                { "tls-client-ca", required_argument, NULL, 'A' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "max-experiments", required_argument, NULL, 'E' },
                { "max-targets", required_argument, NULL, 'T' },
                { "max-connections", required_argument, NULL, 'N' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        o->socket = getenv("CHAOSD_SOCKET") ? getenv("CHAOSD_SOCKET") : "/run/chaosd/chaosd.sock";
        o->state_dir = "/var/lib/chaosd";
        o->max_duration_us = 3600ULL * 1000000;
        o->max_experiments = 1024;
        o->max_targets = 256;
        o->max_connections = 128;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 's':
                        o->socket = optarg;
                        break;
                case 'd':
                        o->state_dir = optarg;
                        break;
                case 'g':
                        o->group = optarg;
                        break;
                case 'm':
                        if (units_parse_duration_us(optarg, &o->max_duration_us) < 0 || o->max_duration_us < 1000)
                                return error_set(e, EINVAL, "--max-duration: \"%s\" is not a duration", optarg);
                        break;
                case 'r':
                        o->recover = 1;
                        break;
                case 'E':
                case 'T':
                case 'N': {
                        int *cap = c == 'E' ? &o->max_experiments : c == 'T' ? &o->max_targets : &o->max_connections;
                        char *end = NULL;
                        long v = strtol(optarg, &end, 10);

                        if (!end || *end || end == optarg || v < 1 || v > 1000000)
                                return error_set(e, EINVAL, "--%s: \"%s\" is not a number from 1 to 1000000",
                                                 c == 'E'   ? "max-experiments"
                                                 : c == 'T' ? "max-targets"
                                                            : "max-connections",
                                                 optarg);
                        *cap = (int)v;
                        break;
                }
                case 'l':
                        o->listen = optarg;
                        break;
                case 'C':
                        o->tls_cert = optarg;
                        break;
                case 'K':
                        o->tls_key = optarg;
                        break;
                case 'A':
                        o->tls_ca = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                case 'V':
                        printf("chaosd %s\n", CHAOSD_VERSION);
                        exit(0);
                default:
                        usage(stderr);
                        exit(2);
                }
        }
        if (optind < argc)
                return error_set(e, EINVAL, "unexpected argument \"%s\"", argv[optind]);
        /* TCP only ever with mutual TLS: no flag turns either half off. */
        if (o->listen && (!o->tls_cert || !o->tls_key || !o->tls_ca))
                return error_set(e, EINVAL, "--listen needs --tls-cert, --tls-key and --tls-client-ca");
        if (!o->listen && (o->tls_cert || o->tls_key || o->tls_ca))
                return error_set(e, EINVAL, "--tls-* options only apply with --listen");
        return 0;
}

static int signal_fd = -1;

static void on_signal(struct loop_source *src, uint32_t ev, void *ud)
{
        struct daemon *d = ud;
        struct signalfd_siginfo si;

        while (read(signal_fd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGCHLD) {
                        int status;
                        pid_t pid;

                        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                                experiments_child_exited(d, pid, status);
                        continue;
                }
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
                        char why[64];
                        int n;

                        snprintf(why, sizeof(why), "chaosd received SIG%s", proc_signal_name((int)si.ssi_signo));
                        d->quitting = 1;
                        n = experiments_end_all(d, EXP_HALTED, why, NULL);
                        log_event("info", NULL, "shutdown", "%s: reverted %d experiment%s", why, n,
                                  n == 1 ? "" : "s");
                        loop_quit(d->loop);
                }
        }
}

static int setup_signals(struct daemon *d, struct error *e)
{
        sigset_t set;

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return error_sys(e, errno, "sigprocmask");
        signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (signal_fd < 0)
                return error_sys(e, errno, "signalfd");
        return loop_add_fd(d->loop, signal_fd, EPOLLIN, on_signal, d, NULL, e);
}

/* One daemon per state dir: a second one (or --recover while a daemon runs)
 * would revert what the first still holds. */
static int lock_state_dir(const char *dir, struct error *e)
{
        char path[4096];
        int fd;

        if (fs_mkdir_p(dir, 0700, e) < 0 || journal_own_dir(dir, e) < 0)
                return error_wrap(e, "state dir");
        snprintf(path, sizeof(path), "%s/lock", dir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_sys(e, errno, "open %s", path);
        /* A warden of a previous daemon may hold it for a moment while it
         * reverts: wait a little before concluding another daemon runs. */
        for (int i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
                if (i == 50) {
                        close(fd);
                        return error_set(e, EBUSY, "another chaosd is using state dir %s", dir);
                }
                usleep(100 * 1000);
        }
        return fd; /* held until exit */
}

/* The group commit of each loop round (see journal_flush). */
static void flush_journal(void *ud)
{
        struct error e;

        if (journal_flush(ud, &e) < 0)
                log_event("error", NULL, "journal", "%s", e.msg);
}

#define RECOVER_RETRY_S 30

static void on_recover_check(struct loop_source *src, uint32_t ev, void *ud)
{
        struct daemon *d = ud;

        if (!experiments_reverts_pending(d))
                loop_quit(d->loop);
}

static void on_recover_give_up(struct loop_source *src, uint32_t ev, void *ud)
{
        loop_quit(((struct daemon *)ud)->loop);
}

/* chaosd --recover: reverts that failed are retried (the experiment's
 * backoff timers) for up to RECOVER_RETRY_S seconds; what is still
 * pending then is named, journaled as such for the next daemon, and the
 * exit status says so. */
static int recover_pending(struct daemon *d, struct error *e)
{
        struct loop_source *check = NULL, *limit = NULL;
        char names[2048] = "";
        size_t n = 0;
        int left;

        if (experiments_reverts_pending(d) &&
            loop_add_timer(d->loop, 50000, 50000, on_recover_check, d, &check, e) == 0 &&
            loop_add_timer(d->loop, RECOVER_RETRY_S * 1000000ULL, 0, on_recover_give_up, d, &limit, e) == 0)
                (void)loop_run(d->loop, e);
        loop_remove(d->loop, check);
        loop_remove(d->loop, limit);
        left = experiments_reverts_pending(d);
        if (!left)
                return 0;
        for (struct experiment *x = d->experiments; x && n < sizeof(names); x = x->next)
                for (int i = 0; i < x->n_faults && n < sizeof(names); i++)
                        if (x->faults[i].state == FI_REVERT_PENDING) {
                                snprintf(names + n, sizeof(names) - n, "%sexperiment %s fault %d (%s): %s",
                                         n ? "; " : "", x->id, i, x->faults[i].f->ops->type, x->faults[i].error);
                                n = strlen(names);
                        }
        return error_set(e, EAGAIN, "%d revert%s still pending after %d s (journaled; the next chaosd retries): %s",
                         left, left == 1 ? "" : "s", RECOVER_RETRY_S, names);
}

static int run(const struct options *o, struct error *e)
{
        struct daemon d = { 0 };
        gid_t group = 0;
        char lost[1024] = "";
        int reverted = 0, resumed = 0, r;

        if (geteuid() != 0)
                return error_set(e, EPERM, "chaosd must run as root");
        /* Every process forked from here on (warden, stressors, tracers)
         * is ours and never a target. */
        guard_set_daemon(getpid());
        r = hostns_join_cgroup(e);
        if (r < 0)
                return r;
        if (r > 0)
                log_event("info", NULL, "start", "joined the host's cgroup namespace (PID 1's)");
        if (o->group) {
                struct group *g = getgrnam(o->group);

                if (!g)
                        return error_set(e, EINVAL, "--socket-group: no group \"%s\"", o->group);
                group = g->gr_gid;
        }
        r = lock_state_dir(o->state_dir, e);
        if (r < 0)
                return r;
        if (!o->recover) {
                int w = warden_start(o->state_dir, r, e);

                if (w < 0)
                        return error_wrap(e, "warden");
        }
        snprintf(d.state_dir, sizeof(d.state_dir), "%s", o->state_dir);
        d.max_duration_us = o->max_duration_us;
        d.max_experiments = o->max_experiments;
        d.max_targets = o->max_targets;
        d.max_connections = o->max_connections;
        /* Before anything else opens: a revert at EMFILE gets these back. */
        fdreserve_init(0);
        d.started_mono_ms = clock_mono_ms();
        r = proc_boot_id(d.boot_id, sizeof(d.boot_id), e);
        if (r < 0)
                return r;
        if (events_new(&d.events) < 0)
                return error_set(e, ENOMEM, "out of memory");
        r = loop_new(&d.loop, e);
        if (r < 0)
                goto out;
        r = journal_open(o->state_dir, &d.journal, e);
        if (r < 0 && o->recover) {
                /* Revert whatever can still be read, and name the rest. */
                printf("chaosd: recover: the journal in %s cannot be opened as it is: %s\n", o->state_dir, e->msg);
                error_clear(e);
                r = journal_salvage(o->state_dir, &d.journal, lost, sizeof(lost), e);
                if (r < 0)
                        goto out;
        }
        if (r < 0) {
                /* Keep running (health, halt, the warden) but accept no
                 * experiment whose revert could not be journalled. */
                snprintf(d.journal_error, sizeof(d.journal_error), "%s", e->msg);
                log_event("error", NULL, "journal", "%s: refusing new experiments until it is repaired or moved away",
                          e->msg);
                error_clear(e);
                r = journal_open_memory(&d.journal, e);
                if (r < 0)
                        goto out;
        }
        r = setup_signals(&d, e);
        if (r < 0)
                goto out;
        r = reconcile(&d, o->recover, &reverted, &resumed, e);
        if (r < 0 && o->recover && !lost[0]) {
                /* The file opened but its rows cannot all be read (a damaged
                 * index or page): recover from the rows that can. */
                printf("chaosd: recover: the journal cannot be read as it is: %s\n", e->msg);
                error_clear(e);
                journal_close(d.journal);
                d.journal = NULL;
                r = journal_salvage(o->state_dir, &d.journal, lost, sizeof(lost), e);
                if (r >= 0)
                        r = reconcile(&d, o->recover, &reverted, &resumed, e);
        }
        if (r >= 0)
                r = journal_flush(d.journal, e);
        if (r < 0)
                goto out;
        loop_set_after_round(d.loop, flush_journal, d.journal);
        if (o->recover) {
                r = recover_pending(&d, e);
                log_event("info", NULL, "recover", "reverted %d experiment%s", reverted, reverted == 1 ? "" : "s");
                printf("chaosd: recovered: %d experiment%s reverted\n", reverted, reverted == 1 ? "" : "s");
                if (lost[0]) {
                        /* Exit 1: what the unreadable part described must
                         * be checked by hand. */
                        printf("chaosd: recover: could not read: %s\n", lost);
                        r = error_set(e, EIO, "recover: part of the journal could not be read: %s", lost);
                }
                goto out;
        }
        if (reverted || resumed)
                log_event("info", NULL, "reconcile", "reverted %d, resumed %d experiment%s", reverted, resumed,
                          resumed == 1 ? "" : "s");
        load_history(&d);
        if (schedules_load(&d, e) < 0)
                log_event("error", NULL, "schedule", "%s", e->msg);
        {
                char dir[4096], *slash;

                snprintf(dir, sizeof(dir), "%s", o->socket);
                slash = strrchr(dir, '/');
                if (slash && slash != dir) {
                        *slash = '\0';
                        (void)fs_mkdir_p(dir, 0755, e);
                }
        }
        r = api_start(&d, o->socket, group, e);
        if (r < 0)
                goto out;
        if (o->listen) {
                r = api_listen_tls(&d, o->listen, o->tls_cert, o->tls_key, o->tls_ca, e);
                if (r < 0)
                        goto out;
                log_event("info", NULL, "start", "remote API on %s (TLS 1.3, client certificates required)",
                          o->listen);
        }
        r = seccomp_agent_start(&d, o->socket, e);
        if (r < 0)
                goto out;
        log_event("info", NULL, "start", "chaosd %s listening on %s (state %s)", CHAOSD_VERSION, o->socket,
                  o->state_dir);
        r = loop_run(d.loop, e);
        api_stop(&d);
out:
        /* Whatever made us leave, nothing we applied stays behind. */
        if (d.loop && d.journal)
                experiments_end_all(&d, EXP_HALTED, "chaosd exiting", NULL);
        seccomp_agent_stop();
        while (d.experiments) {
                struct experiment *x = d.experiments;

                d.experiments = x->next;
                experiment_free(x);
        }
        schedules_free(&d);
        journal_close(d.journal);
        events_free(d.events);
        loop_free(d.loop);
        return r;
}

int main(int argc, char **argv)
{
        struct options o = { 0 };
        struct error e = { 0 };
        int r;

        setvbuf(stderr, NULL, _IOLBF, 0);
        r = parse_args(argc, argv, &o, &e);
        if (r < 0) {
                fprintf(stderr, "chaosd: %s\n", e.msg);
                return 2;
        }
        r = run(&o, &e);
        if (r < 0) {
                fprintf(stderr, "chaosd: %s\n", e.msg);
                return 1;
        }
        return 0;
}
