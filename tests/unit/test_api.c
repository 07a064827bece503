/* The HTTP API over a temporary Unix socket: every route with its status
 * codes for good and bad requests, unknown routes (404), wrong methods
 * (405), and authorisation by SO_PEERCRED.
 *
 * The daemon is the real core (api.c on libmicrohttpd, the loop, the
 * journal, experiment.c) linked into this binary and run in a forked
 * child; the experiments use the fake module of journal_fake.c on a
 * sleeping child process, so nothing of the kernel is touched. The client
 * is a few lines of plain HTTP/1.1 over the socket, independent of the
 * code under test.
 *
 * The socket is chowned to root, so its server must be root: without
 * root, the whole suite runs inside a user namespace of its own where it
 * is (uid 0 mapped to the caller). There only one uid exists, so the cases
 * that need a second identity (a refused uid, a group member) SKIP. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "core_harness.h"
#include "daemon.h"
#include "fsutil.h"
#include "testutil.h"

/* Not root in the initial user namespace: one uid only (see above). */
static int one_uid_only;

static struct harness h;
static char sock[400];
static pid_t daemon_pid;
/* The daemon's caps (chaosd --max-*) for the next daemon_start; 0: none. */
static int cap_experiments, cap_targets, cap_connections;

/* The daemon's loop commits the journal after each round, as main() has
 * it do. */
static void flush_round(void *ud)
{
        struct error e;

        (void)journal_flush(ud, &e);
}

/* Start the daemon core on DIR/chaosd.sock with the API open to root and
 * group GROUP (0: root only); return once it listens. */
static void daemon_start(gid_t group)
{
        int p[2];
        char msg[600] = "";
        ssize_t n;

        snprintf(sock, sizeof(sock), "%s/chaosd.sock", h.dir);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        daemon_pid = fork();
        ck_assert_int_ge(daemon_pid, 0);
        if (daemon_pid == 0) {
                struct daemon d;
                struct error e = { 0 };

                close(p[0]);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                signal(SIGPIPE, SIG_IGN);
                harness_daemon_up(&d, h.state, h.boot_id);
                d.max_experiments = cap_experiments;
                d.max_targets = cap_targets;
                d.max_connections = cap_connections;
                if (api_start(&d, sock, group, &e) < 0) {
                        (void)!write(p[1], e.msg, strlen(e.msg));
                        _exit(1);
                }
                loop_set_after_round(d.loop, flush_round, d.journal);
                (void)!write(p[1], "ok", 2);
                close(p[1]);
                (void)loop_run(d.loop, &e);
                _exit(0);
        }
        close(p[1]);
        n = read(p[0], msg, sizeof(msg) - 1);
        close(p[0]);
        msg[n > 0 ? n : 0] = '\0';
        ck_assert_msg(strcmp(msg, "ok") == 0, "the API did not start: %s", msg);
}

static void setup(void)
{
        signal(SIGPIPE, SIG_IGN);
        harness_init(&h);
        daemon_pid = 0;
        cap_experiments = cap_targets = cap_connections = 0;
}

static void teardown(void)
{
        if (daemon_pid > 0) {
                kill(daemon_pid, SIGKILL);
                (void)waitpid(daemon_pid, NULL, 0);
        }
        harness_cleanup(&h);
}

struct resp {
        int status;
        char head[4096];
        char body[65536];
};

/* One request on a new connection; -1 when the exchange failed. Plain
 * returns, no assertions: forked children with other uids use it too. */
static int http_raw(const char *method, const char *path, const char *body, size_t body_len, struct resp *r)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = 20 };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        _cleanup_free_ char *req = NULL;
        static char buf[sizeof(r->head) + sizeof(r->body)];
        size_t got = 0;
        char *split;
        int n;

        memset(r, 0, sizeof(*r));
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -1;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: chaosd\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
                     method, path, body ? body_len : 0);
        if (n < 0 || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
                return -1;
        /* The server may answer (413) before it has read a long body. */
        for (size_t off = 0; body && off < body_len;) {
                ssize_t w = send(fd, body + off, body_len - off, MSG_NOSIGNAL);

                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        for (;;) {
                ssize_t k = read(fd, buf + got, sizeof(buf) - 1 - got);

                if (k <= 0)
                        break;
                got += (size_t)k;
        }
        buf[got] = '\0';
        if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
                return -1;
        split = strstr(buf, "\r\n\r\n");
        if (!split)
                return -1;
        snprintf(r->head, sizeof(r->head), "%.*s", (int)(split - buf), buf);
        snprintf(r->body, sizeof(r->body), "%s", split + 4);
        return 0;
}

static void http(const char *method, const char *path, const char *body, struct resp *r)
{
        ck_assert_msg(http_raw(method, path, body, body ? strlen(body) : 0, r) == 0, "%s %s: no HTTP answer",
                      method, path);
}

/* BODY's JSON, which must parse. */
static cJSON *json_of(const struct resp *r)
{
        cJSON *j = cJSON_Parse(r->body);

        ck_assert_msg(j != NULL, "not JSON: %s", r->body);
        return j;
}

static const char *jstr(const cJSON *j, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

static void expect(const char *method, const char *path, const char *body, int status)
{
        struct resp r;

        http(method, path, body, &r);
        ck_assert_msg(r.status == status, "%s %s: %d, expected %d: %s", method, path, r.status, status, r.body);
}

/* POST a spec that sets the fake's files to "on"; the new experiment's id
 * into ID (32 bytes). */
static void create_running(char *id)
{
        _cleanup_free_ char *spec = harness_spec(&h, "api", "60s", "on");
        struct resp r;
        cJSON *j;

        http("POST", "/v1/experiments", spec, &r);
        ck_assert_msg(r.status == 201, "%d: %s", r.status, r.body);
        j = json_of(&r);
        ck_assert_str_eq(jstr(j, "state"), "running");
        snprintf(id, 32, "%s", jstr(j, "id"));
        cJSON_Delete(j);
}

static void expect_files(const char *want)
{
        char a[64], b[64];

        harness_read(&h, "a", a, sizeof(a));
        harness_read(&h, "b", b, sizeof(b));
        ck_assert_str_eq(a, want);
        ck_assert_str_eq(b, want);
}

START_TEST(health)
{
        struct resp r;
        cJSON *j;

        daemon_start(0);
        http("GET", "/v1/health", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: application/json"));
        j = json_of(&r);
        ck_assert_str_eq(jstr(j, "status"), "ok");
        ck_assert_str_eq(jstr(j, "version"), CHAOSD_VERSION);
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "active_experiments")->valueint, 0);
        cJSON_Delete(j);
}
END_TEST

START_TEST(metrics)
{
        struct resp r;
        char id[32];

        daemon_start(0);
        create_running(id);
        http("GET", "/metrics", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: text/plain; version=0.0.4"));
        ck_assert_msg(strstr(r.body, "chaosd_experiments{state=\"running\"} 1\n"), "%s", r.body);
        ck_assert_msg(strstr(r.body, "chaosd_experiments_created_total 1\n"), "%s", r.body);
        ck_assert_msg(strstr(r.body, "chaosd_errors_total{cause=\"unauthorized\"} 0\n"), "%s", r.body);
}
END_TEST

/* POST, list, get, DELETE: the codes and the effect on the fake's files. */
START_TEST(experiment_routes)
{
        struct resp r;
        char id[32], path[64];
        cJSON *j, *list;

        daemon_start(0);
        http("GET", "/v1/experiments", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "experiments")), 0);
        cJSON_Delete(j);

        create_running(id);
        expect_files("on");
        http("GET", "/v1/experiments", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        list = cJSON_GetObjectItemCaseSensitive(j, "experiments");
        ck_assert_int_eq(cJSON_GetArraySize(list), 1);
        ck_assert_str_eq(jstr(cJSON_GetArrayItem(list, 0), "id"), id);
        cJSON_Delete(j);

        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        http("GET", path, NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_str_eq(jstr(j, "state"), "running");
        ck_assert_str_eq(jstr(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
                                       cJSON_GetObjectItemCaseSensitive(j, "faults"), 0), "readback"), "a"),
                         "on");
        cJSON_Delete(j);

        http("DELETE", path, NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_str_eq(jstr(j, "state"), "stopped");
        cJSON_Delete(j);
        expect_files("off");
        /* An ended one answers as it was. */
        http("DELETE", path, NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_str_eq(jstr(j, "state"), "stopped");
        cJSON_Delete(j);

        expect("GET", "/v1/experiments/000000000000", NULL, 404);
        expect("DELETE", "/v1/experiments/000000000000", NULL, 404);
}
END_TEST

/* Each refusal: its code, its JSON path where it has one, nothing applied
 * (the module was never asked to apply). */
START_TEST(create_refusals)
{
        static const struct {
                const char *body, *path;
                int status;
        } bad[] = {
                { "{", NULL, 400 },
                { "{\"target\":{\"pid\":PID},\"duration\":\"1s\",\"faults\":[]}", "$.name", 400 },
                { "{\"name\":\"x\",\"target\":{\"pid\":PID},\"duration\":\"1s\",\"faults\":[{\"type\":\"nope\"}]}",
                  "$.faults[0].type", 400 },
                { "{\"name\":\"x\",\"target\":{\"pid\":PID},\"duration\":\"10 parsecs\",\"faults\":[{\"type\":"
                  "\"journal-fake\",\"dir\":\"/x\",\"value\":\"on\"}]}",
                  "$.duration", 400 },
        };
        struct resp r;
        char body[512], calls[256];
        cJSON *j;

        daemon_start(0);
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                const char *pid = strstr(bad[i].body, "PID");

                /* The harness's target where the body says PID. */
                if (pid)
                        snprintf(body, sizeof(body), "%.*s%d%s", (int)(pid - bad[i].body), bad[i].body,
                                 (int)h.target, pid + 3);
                else
                        snprintf(body, sizeof(body), "%s", bad[i].body);
                http("POST", "/v1/experiments", body, &r);
                ck_assert_msg(r.status == bad[i].status, "%s: %d %s", body, r.status, r.body);
                j = json_of(&r);
                ck_assert_msg(*jstr(j, "error"), "no error message: %s", r.body);
                if (bad[i].path)
                        ck_assert_str_eq(jstr(j, "path"), bad[i].path);
                cJSON_Delete(j);
        }
        /* A body over 64 KiB. */
        {
                size_t n = 70000;
                _cleanup_free_ char *big = malloc(n);

                ck_assert_ptr_nonnull(big);
                memset(big, ' ', n);
                ck_assert_int_eq(http_raw("POST", "/v1/experiments", big, n, &r), 0);
                ck_assert_int_eq(r.status, 413);
        }
        /* The host's PID 1: refused as a target. */
        expect("POST", "/v1/experiments",
               "{\"name\":\"x\",\"target\":{\"pid\":1},\"duration\":\"1s\",\"faults\":[{\"type\":\"journal-fake\","
               "\"dir\":\"/x\",\"value\":\"on\"}]}",
               403);
        harness_read(&h, "calls", calls, sizeof(calls));
        ck_assert_str_eq(calls, "");
        expect_files("off");
}
END_TEST

/* A target that is not there: 422, nothing asked of the module. */
START_TEST(create_dead_target)
{
        pid_t dead = fork();
        char body[512], calls[256];

        if (dead == 0)
                _exit(0);
        ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
        daemon_start(0);
        snprintf(body, sizeof(body),
                 "{\"name\":\"x\",\"target\":{\"pid\":%d},\"duration\":\"1s\",\"faults\":[{\"type\":\"journal-fake\","
                 "\"dir\":\"%s\",\"value\":\"on\"}]}",
                 (int)dead, h.kernel);
        expect("POST", "/v1/experiments", body, 422);
        harness_read(&h, "calls", calls, sizeof(calls));
        ck_assert_str_eq(calls, "");
}
END_TEST

/* The module fails to apply: 422 with the experiment, ended failed,
 * revert called on the half-applied fault. */
START_TEST(create_apply_fails)
{
        char body[512], calls[256], missing[400];
        struct resp r;
        cJSON *j;

        daemon_start(0);
        snprintf(missing, sizeof(missing), "%s/missing", h.dir);
        ck_assert_int_eq(mkdir(missing, 0700), 0);
        snprintf(body, sizeof(body),
                 "{\"name\":\"x\",\"target\":{\"pid\":%d},\"duration\":\"1s\",\"faults\":[{\"type\":\"journal-fake\","
                 "\"dir\":\"%s\",\"value\":\"on\"}]}",
                 (int)h.target, missing); /* no files a and b there */
        http("POST", "/v1/experiments", body, &r);
        ck_assert_msg(r.status == 422, "%d %s", r.status, r.body);
        j = json_of(&r);
        ck_assert_msg(strstr(jstr(j, "error"), "apply"), "%s", r.body);
        ck_assert_str_eq(jstr(cJSON_GetObjectItemCaseSensitive(j, "experiment"), "state"), "failed");
        cJSON_Delete(j);
        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "/calls");
        {
                struct error e;

                ck_assert_int_gt(fs_read(missing, calls, sizeof(calls), &e), 0);
        }
        ck_assert_str_eq(calls, "apply\nrevert");
}
END_TEST

/* The same fault type on the same target twice: 409, the first holds. */
START_TEST(create_conflict)
{
        _cleanup_free_ char *spec = harness_spec(&h, "again", "60s", "other");
        char id[32];

        daemon_start(0);
        create_running(id);
        expect("POST", "/v1/experiments", spec, 409);
        expect_files("on");
}
END_TEST

/* R is a 429 whose error says WANT. */
static void expect_429(const struct resp *r, const char *want)
{
        cJSON *j;

        ck_assert_msg(r->status == 429, "%d: %s", r->status, r->body);
        j = json_of(r);
        ck_assert_msg(strstr(jstr(j, "error"), want), "%s", r->body);
        cJSON_Delete(j);
}

/* --max-experiments: one more is answered 429 with the cap named, and
 * nothing of it is touched; once one has ended there is room again. */
START_TEST(cap_experiments_429)
{
        _cleanup_free_ char *spec = harness_spec(&h, "second", "60s", "other");
        struct resp r;
        char id[32], path[64];

        cap_experiments = 1;
        daemon_start(0);
        create_running(id);
        http("POST", "/v1/experiments", spec, &r);
        expect_429(&r, "too many experiments: 1 are active, the limit is 1 (chaosd --max-experiments)");
        expect_files("on");
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        expect("DELETE", path, NULL, 200);
        expect_files("off");
        expect("POST", "/v1/experiments", spec, 201);
        expect_files("other");
}
END_TEST

static void write_new(const char *path, const char *text)
{
        FILE *fp = fopen(path, "we");

        ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
        fputs(text, fp);
        fclose(fp);
}

/* A fake CRI-O store under the harness's dir with N containers labelled
 * app=capped, each a sleeping child; their pids into PIDS. */
static void fake_crio(int n, pid_t *pids)
{
        char dir[600], path[700], text[600];

        for (int i = 0; i < n; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        for (;;)
                                pause();
                }
                snprintf(dir, sizeof(dir), "%s/crio/c%d", h.dir, i);
                ck_assert_int_eq(fs_mkdir_p(dir, 0700, &(struct error){ 0 }), 0);
                snprintf(dir, sizeof(dir), "%s/crio/c%d/userdata", h.dir, i);
                ck_assert_int_eq(fs_mkdir_p(dir, 0700, &(struct error){ 0 }), 0);
                snprintf(path, sizeof(path), "%s/pidfile", dir);
                snprintf(text, sizeof(text), "%d\n", (int)pids[i]);
                write_new(path, text);
                snprintf(path, sizeof(path), "%s/config.json", dir);
                snprintf(text, sizeof(text),
                         "{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
                         "\"io.kubernetes.container.name\":\"capped-%d\","
                         "\"io.kubernetes.cri-o.Labels\":\"{\\\"app\\\":\\\"capped\\\"}\"}}", i);
                write_new(path, text);
        }
        snprintf(dir, sizeof(dir), "%s/crio", h.dir);
        setenv("CHAOSD_CRIO_STATE", dir, 1);
        setenv("CHAOSD_CRIO_STATIC", dir, 1);
}

/* Where fake_crio puts its containers when it may (root on a cgroup v1
 * host): a freezer cgroup of their own, so that the target guard, which
 * refuses a cgroup holding chaosd, lets them through to the cap. */
static char crio_cg[300];

static void kill_all(const pid_t *pids, int n)
{
        for (int i = 0; i < n; i++) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], NULL, 0);
        }
        if (crio_cg[0])
                (void)rmdir(crio_cg);
        crio_cg[0] = '\0';
}

static void own_cgroup(const pid_t *pids, int n)
{
        char path[400], text[32];

        crio_cg[0] = '\0';
        if (one_uid_only || access("/sys/fs/cgroup/freezer/cgroup.procs", W_OK) < 0)
                return;
        snprintf(crio_cg, sizeof(crio_cg), "/sys/fs/cgroup/freezer/chaosd-reverts-cap-%d", (int)getpid());
        if (mkdir(crio_cg, 0755) < 0) {
                crio_cg[0] = '\0';
                return;
        }
        snprintf(path, sizeof(path), "%s/cgroup.procs", crio_cg);
        for (int i = 0; i < n; i++) {
                snprintf(text, sizeof(text), "%d", (int)pids[i]);
                ck_assert_int_eq(fs_write(path, text, &(struct error){ 0 }), 0);
        }
}

/* --max-targets: a selector resolving to more targets than the cap is
 * answered 429 before anything is touched. */
START_TEST(cap_targets_429)
{
        _cleanup_free_ char *spec = NULL;
        struct resp r;
        pid_t pids[3];

        fake_crio(3, pids);
        own_cgroup(pids, 3);
        ck_assert_int_ge(asprintf(&spec,
                                  "{\"name\":\"wide\",\"duration\":\"60s\",\"target\":{\"selector\":{\"runtime\":"
                                  "\"crio\",\"labels\":{\"app\":\"capped\"},\"mode\":\"all\"}},\"faults\":[{\"type\":"
                                  "\"journal-fake\",\"dir\":\"%s\",\"value\":\"on\"}]}",
                                  h.kernel),
                         0);
        cap_targets = 2;
        daemon_start(0);
        http("POST", "/v1/experiments", spec, &r);
        if (r.status == 403 && strstr(r.body, "contains chaosd itself")) {
                kill_all(pids, 3);
                /* The guard resolves each target before the count is known. */
                SKIP_TEST("the fake containers share this test's cgroup, which the target guard refuses "
                          "before the cap is checked");
        }
        expect_429(&r, "resolves to 3 targets, the limit is 2 per experiment (chaosd --max-targets)");
        expect_files("off");
        kill_all(pids, 3);
}
END_TEST

/* Open a connection to the API and leave it idle; its fd. */
static int idle_connection(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

/* --max-connections: with the cap's worth of connections open, the next
 * is answered 429; once one closes there is room again. */
START_TEST(cap_connections_429)
{
        struct resp r;
        int fds[3];

        cap_connections = 3;
        daemon_start(0);
        for (int i = 0; i < 3; i++)
                fds[i] = idle_connection();
        /* Served: MHD accepts them while it serves the next request. */
        http("GET", "/v1/health", NULL, &r);
        ck_assert_msg(r.status == 429, "%d: %s", r.status, r.body);
        ck_assert_msg(strstr(r.body, "too many connections: chaosd serves at most 3 at once "
                                     "(chaosd --max-connections)"), "%s", r.body);
        close(fds[0]);
        /* The daemon notices the close on its next round. */
        for (int i = 0; i < 50; i++) {
                http("GET", "/v1/health", NULL, &r);
                if (r.status == 200)
                        break;
                usleep(20000);
        }
        ck_assert_int_eq(r.status, 200);
        close(fds[1]);
        close(fds[2]);
}
END_TEST

START_TEST(halt)
{
        struct resp r;
        char id[32];
        cJSON *j, *ids;

        daemon_start(0);
        create_running(id);
        http("POST", "/v1/halt", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "halted")->valueint, 1);
        ids = cJSON_GetObjectItemCaseSensitive(j, "experiments");
        ck_assert_int_eq(cJSON_GetArraySize(ids), 1);
        ck_assert_str_eq(cJSON_GetArrayItem(ids, 0)->valuestring, id);
        cJSON_Delete(j);
        expect_files("off");
        http("POST", "/v1/halt", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(j, "halted")->valueint, 0);
        cJSON_Delete(j);
}
END_TEST

START_TEST(events)
{
        struct resp r;
        char id[32], path[64], want[128];

        daemon_start(0);
        create_running(id);
        snprintf(path, sizeof(path), "/v1/experiments/%s", id);
        expect("DELETE", path, NULL, 200);
        /* Without follow the stream ends after what is there. */
        http("GET", "/v1/events", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: application/x-ndjson"));
        snprintf(want, sizeof(want), "\"experiment\":\"%s\",\"event\":\"created\"", id);
        ck_assert_msg(strstr(r.body, want), "%s", r.body);
        snprintf(want, sizeof(want), "\"experiment\":\"%s\",\"event\":\"ended\",\"state\":\"stopped\"", id);
        ck_assert_msg(strstr(r.body, want), "%s", r.body);
}
END_TEST

START_TEST(schedules_routes)
{
        struct resp r;
        cJSON *j;

        daemon_start(0);
        http("GET", "/v1/schedules", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        j = json_of(&r);
        ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "schedules")));
        cJSON_Delete(j);
        expect("GET", "/v1/schedules/000000000000", NULL, 404);
        expect("DELETE", "/v1/schedules/000000000000", NULL, 404);
}
END_TEST

START_TEST(unknown_routes_404)
{
        static const char *const routes[][2] = {
                { "GET", "/" },
                { "GET", "/v2/experiments" },
                { "GET", "/v1/experimentsX" },
                { "GET", "/v1/health/" },
                { "POST", "/v1/nothing" },
                { "GET", "/metrics/extra" },
        };
        struct resp r;

        daemon_start(0);
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                http(routes[i][0], routes[i][1], NULL, &r);
                ck_assert_msg(r.status == 404, "%s %s: %d", routes[i][0], routes[i][1], r.status);
                ck_assert_msg(strstr(r.body, "no such endpoint"), "%s", r.body);
        }
}
END_TEST

/* A known path with a method it does not take: 405, nothing done (an
 * experiment that runs keeps running). */
START_TEST(wrong_methods_405)
{
        static const char *const routes[][2] = {
                { "DELETE", "/v1/health" },  { "POST", "/v1/health" },      { "POST", "/metrics" },
                { "PUT", "/v1/experiments" }, { "DELETE", "/v1/experiments" }, { "GET", "/v1/halt" },
                { "DELETE", "/v1/halt" },    { "POST", "/v1/events" },
        };
        struct resp r;
        char id[32];

        daemon_start(0);
        create_running(id);
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                http(routes[i][0], routes[i][1], NULL, &r);
                ck_assert_msg(r.status == 405, "%s %s: %d", routes[i][0], routes[i][1], r.status);
        }
        expect_files("on");
}
END_TEST

/* In a child with UID, GID and the supplementary GROUPS (N of them),
 * connected after the drop (SO_PEERCRED is taken at connect time): the
 * status of METHOD PATH, or -1. */
static int status_as(uid_t uid, gid_t gid, const gid_t *groups, size_t n, const char *method, const char *path)
{
        int p[2], status = -1;
        pid_t pid;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct resp r;
                int code = -1;

                close(p[0]);
                if (setgroups(n, groups) == 0 && setresgid(gid, gid, gid) == 0 && setresuid(uid, uid, uid) == 0 &&
                    http_raw(method, path, NULL, 0, &r) == 0)
                        code = r.status;
                (void)!write(p[1], &code, sizeof(code));
                _exit(0);
        }
        close(p[1]);
        ck_assert_int_eq(read(p[0], &status, sizeof(status)), (ssize_t)sizeof(status));
        close(p[0]);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        return status;
}

/* Let the filesystem through so that the daemon's check is what decides. */
static void open_socket_to_all(void)
{
        ck_assert_int_eq(chmod(h.dir, 0711), 0);
        ck_assert_int_eq(chmod(sock, 0666), 0);
}

START_TEST(peercred_root_allowed_other_uid_refused)
{
        struct resp r;
        char id[32];

        if (one_uid_only)
                SKIP_TEST("needs root: in this test's user namespace only uid 0 exists, no other to refuse");
        daemon_start(0);
        open_socket_to_all();
        create_running(id); /* as root */
        ck_assert_int_eq(status_as(65534, 65534, NULL, 0, "GET", "/v1/health"), 403);
        ck_assert_int_eq(status_as(65534, 65534, NULL, 0, "GET", "/v1/experiments"), 403);
        ck_assert_int_eq(status_as(65534, 65534, NULL, 0, "POST", "/v1/halt"), 403);
        ck_assert_int_eq(status_as(65534, 0, NULL, 0, "POST", "/v1/halt"), 403); /* gid 0 is not root */
        expect_files("on"); /* the refused halt did nothing */
        http("GET", "/metrics", NULL, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_msg(strstr(r.body, "chaosd_errors_total{cause=\"unauthorized\"} 4\n"), "%s", r.body);
}
END_TEST

/* --socket-group: a member (primary or supplementary) is allowed, anyone
 * else refused. */
START_TEST(peercred_group)
{
        const gid_t group = 65534, other = 65533;

        if (one_uid_only)
                SKIP_TEST("needs root: in this test's user namespace only uid 0 exists, no other to refuse");
        daemon_start(group);
        open_socket_to_all();
        ck_assert_int_eq(status_as(65534, group, NULL, 0, "GET", "/v1/health"), 200);
        ck_assert_int_eq(status_as(65534, other, &group, 1, "GET", "/v1/health"), 200);
        ck_assert_int_eq(status_as(65534, other, &other, 1, "GET", "/v1/health"), 403);
}
END_TEST

/* Without root: become uid 0 of a user namespace of our own, so that the
 * daemon core can chown its socket as it does in production. */
static void enter_userns_if_needed(void)
{
        char map[64];
        uid_t uid = getuid();
        gid_t gid = getgid();
        int fd;

        if (geteuid() == 0)
                return;
        one_uid_only = 1;
        if (unshare(CLONE_NEWUSER) < 0)
                return;
        fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "deny", 4);
                close(fd);
        }
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
        fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, map, strlen(map));
                close(fd);
        }
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
        fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, map, strlen(map));
                close(fd);
        }
}

int main(void)
{
        Suite *s = suite_create("api");
        TCase *routes = tcase_create("routes"), *auth = tcase_create("auth");

        enter_userns_if_needed();
        if (geteuid() != 0) {
                return skip_suite("api: not root, and no user namespace to be root in (%s)", strerror(errno));
        }
        tcase_add_checked_fixture(routes, setup, teardown);
        tcase_add_checked_fixture(auth, setup, teardown);
        tcase_set_timeout(routes, 30);
        tcase_set_timeout(auth, 30);
        tcase_add_test(routes, health);
        tcase_add_test(routes, metrics);
        tcase_add_test(routes, experiment_routes);
        tcase_add_test(routes, create_refusals);
        tcase_add_test(routes, create_dead_target);
        tcase_add_test(routes, create_apply_fails);
        tcase_add_test(routes, create_conflict);
        tcase_add_test(routes, halt);
        tcase_add_test(routes, cap_experiments_429);
        tcase_add_test(routes, cap_targets_429);
        tcase_add_test(routes, cap_connections_429);
        tcase_add_test(routes, events);
        tcase_add_test(routes, schedules_routes);
        tcase_add_test(routes, unknown_routes_404);
        tcase_add_test(routes, wrong_methods_405);
        tcase_add_test(auth, peercred_root_allowed_other_uid_refused);
        tcase_add_test(auth, peercred_group);
        suite_add_tcase(s, routes);
        suite_add_tcase(s, auth);
        return run_suite(s);
}
