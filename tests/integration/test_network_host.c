/* Network faults on the host kernel, and the fault-module driver the
 * kernel lane uses.
 *
 * As a Check suite (no arguments; root): the host kernel here has no
 * sch_netem (nor sch_prio, nor act_gact). A network fault must then fail
 * with an error naming what is missing, and the core's revert must leave
 * nothing behind: the tbf root qdisc installed beforehand in a namespace
 * the test made is compared, as `tc -j qdisc show` prints it, before and
 * after; no ifb device and no clsact may remain. Where the host does have
 * the module, the case is skipped (the kernel lane covers it).
 *
 * As a driver ("drive apply|verify|revert ..."): the fault module run
 * directly, the way the daemon runs it, so tests/kernel/network.sh can
 * inject and revert from the shell. "revert" starts from the saved state
 * file alone, as a new process after a crash would:
 *   drive apply  PID FAULT_JSON STATE_FILE   apply + verify; prints readback
 *   drive revert PID STATE_FILE              revert from the saved state
 *   drive bench  PID FAULT_JSON N            N x (apply+verify, revert) in
 *                                            this process; prints mean ns */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "fsutil.h"
#include "netns.h"
#include "qtree.h"
#include "target.h"
#include "testutil.h"

#define PREFIX "chaosd-t-net"
#include "docker_util.h"

/* ---- the driver ---- */

static int load_fault(const char *json, struct fault **ret, cJSON **owner, struct error *e)
{
        *owner = cJSON_Parse(json);
        if (!*owner)
                return error_set(e, EINVAL, "fault is not JSON");
        return fault_new(*owner, 0, ret, e);
}

static int save_state(struct fault *f, const char *path, struct error *e)
{
        cJSON *st = cJSON_CreateObject();
        char *s;
        int r;

        cJSON_AddItemToObject(st, "fault", cJSON_Duplicate(f->json, 1));
        cJSON_AddItemToObject(st, "saved", f->saved ? cJSON_Duplicate(f->saved, 1) : cJSON_CreateNull());
        s = cJSON_PrintUnformatted(st);
        {
                FILE *fp = fopen(path, "we");

                r = fp && fputs(s, fp) >= 0 ? 0 : error_sys(e, errno, "write %s", path);
                if (fp && fclose(fp) != 0 && r == 0)
                        r = error_sys(e, errno, "write %s", path);
        }
        free(s);
        cJSON_Delete(st);
        return r;
}

/* The journal hook: persist f->saved before every kernel change. */
static const char *state_path;
static int checkpoint_to_file(struct fault *f, struct error *e)
{
        return save_state(f, state_path, e);
}

static int drive(int argc, char **argv)
{
        struct target_spec ts = { .kind = TARGET_PID };
        struct target t;
        struct fault *f = NULL;
        cJSON *owner = NULL;
        struct error e = { 0 };
        int r;

        if (argc < 4)
                goto usage;
        ts.pid = atoi(argv[3]);
        r = target_resolve(&ts, &t, &e);
        if (strcmp(argv[2], "apply") == 0 && argc == 6) {
                if (r < 0)
                        goto fail;
                state_path = argv[5];
                r = load_fault(argv[4], &f, &owner, &e);
                if (r < 0)
                        goto fail;
                f->checkpoint = checkpoint_to_file;
                r = f->ops->apply(f, &t, &e);
                if (r >= 0)
                        r = f->ops->verify(f, &t, &e);
                if (r < 0) {
                        struct error e2 = { 0 };

                        /* What the core does on a failed injection. */
                        fprintf(stderr, "apply: %s\n", e.msg);
                        (void)save_state(f, argv[5], &e2);
                        if (f->ops->revert(f, &t, &e2) < 0)
                                fprintf(stderr, "revert after failed apply: %s\n", e2.msg);
                        fault_free(f);
                        cJSON_Delete(owner);
                        return 1;
                }
                r = save_state(f, argv[5], &e);
                if (r < 0)
                        goto fail;
                {
                        char *s = cJSON_PrintUnformatted(f->readback);

                        printf("%s\n", s);
                        free(s);
                }
                fault_free(f);
                cJSON_Delete(owner);
                return 0;
        }
        if (strcmp(argv[2], "revert") == 0 && argc == 5) {
                _cleanup_free_ char *buf = NULL, *fault_text = NULL;
                cJSON *st, *saved;

                /* A dead target is what revert must cope with: bind what is
                 * there and let the module find the namespace gone. */
                if (r < 0) {
                        target_init(&t);
                        t.pid = ts.pid;
                }
                if (fs_read_alloc(argv[4], 1 << 20, &buf, &e) < 0)
                        goto fail;
                st = cJSON_Parse(buf);
                if (st)
                        fault_text = cJSON_PrintUnformatted(cJSON_GetObjectItem(st, "fault"));
                if (!fault_text || load_fault(fault_text, &f, &owner, &e) < 0)
                        goto fail;
                saved = cJSON_GetObjectItem(st, "saved");
                if (cJSON_IsObject(saved))
                        f->saved = cJSON_Duplicate(saved, 1);
                r = f->ops->revert(f, &t, &e);
                if (r < 0)
                        goto fail;
                r = f->ops->revert(f, &t, &e); /* idempotent */
                if (r < 0)
                        goto fail;
                fault_free(f);
                cJSON_Delete(owner);
                cJSON_Delete(st);
                return 0;
        }
        if (strcmp(argv[2], "bench") == 0 && argc == 6) {
                int n = atoi(argv[5]);
                struct timespec t0, t1;

                if (r < 0 || n <= 0)
                        goto fail;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                for (int i = 0; i < n; i++) {
                        r = load_fault(argv[4], &f, &owner, &e);
                        if (r >= 0)
                                r = f->ops->apply(f, &t, &e);
                        if (r >= 0)
                                r = f->ops->verify(f, &t, &e);
                        if (r >= 0)
                                r = f->ops->revert(f, &t, &e);
                        if (r < 0)
                                goto fail;
                        fault_free(f);
                        cJSON_Delete(owner);
                }
                clock_gettime(CLOCK_MONOTONIC, &t1);
                printf("%lld\n", ((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)) / n);
                return 0;
        }
usage:
        fprintf(stderr, "usage: %s drive apply PID FAULT_JSON STATE | drive revert PID STATE | "
                        "drive bench PID FAULT_JSON N\n",
                argv[0]);
        return 2;
fail:
        fprintf(stderr, "%s: %s\n", argv[2], e.msg);
        return 1;
}

/* ---- the host-kernel suite ---- */

static char ns[64];
static pid_t holder = -1;

/* A namespace with a veth pair and a tbf root on v0, and a process in it. */
static void setup(void)
{
        char path[128];

        snprintf(ns, sizeof(ns), "chaosd-t-net-%d", (int)getpid());
        if (geteuid() != 0)
                return;
        /* v0 (10.77.0.1) in the target's namespace NS, its peer v1
         * (10.77.0.2) in NS-b: traffic between them crosses v0. */
        if (run("ip netns add %s && ip netns add %s-b && ip -n %s link add v0 type veth peer name v1 netns %s-b && "
                "ip -n %s addr add 10.77.0.1/24 dev v0 && ip -n %s-b addr add 10.77.0.2/24 dev v1 && "
                "ip -n %s link set v0 up && ip -n %s-b link set v1 up && ip -n %s link set lo up && "
                "tc -n %s qdisc add dev v0 root handle 1: tbf rate 1mbit burst 32kb latency 400ms",
                ns, ns, ns, ns, ns, ns, ns, ns, ns, ns) != 0)
                return;
        snprintf(path, sizeof(path), "/run/netns/%s", ns);
        holder = fork();
        if (holder == 0) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);

                if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                        _exit(1);
                for (;;)
                        pause();
        }
        /* chaosd refuses targets in its own cgroup: give the holder one. */
        (void)run("d=$( [ -d /sys/fs/cgroup/freezer ] && echo /sys/fs/cgroup/freezer || echo /sys/fs/cgroup )/%s; "
                  "mkdir -p $d && echo %d > $d/cgroup.procs",
                  ns, (int)holder);
        usleep(200 * 1000);
}

static void teardown(void)
{
        if (holder > 0) {
                kill(holder, SIGKILL);
                waitpid(holder, NULL, 0);
                holder = -1;
        }
        (void)run("ip netns del %s-b 2>/dev/null; ip netns del %s 2>/dev/null; rmdir /sys/fs/cgroup/freezer/%s /sys/fs/cgroup/%s 2>/dev/null", ns, ns, ns,
                  ns);
}

/* Every test starts from the same state: a tbf root, no hook, no ifb. The
 * fixture is unchecked (run in the runner) so that the namespace goes away
 * even when a test fails. */
static void reset(void)
{
        (void)run("tc -n %s qdisc del dev v0 root 2>/dev/null; tc -n %s qdisc del dev v0 clsact 2>/dev/null; "
                  "tc -n %s qdisc add dev v0 root handle 1: tbf rate 1mbit burst 32kb latency 400ms",
                  ns, ns, ns);
}

static void snapshot(char *out, size_t len)
{
        run_out(out, len, "tc -j -n %s qdisc show dev v0; tc -j -n %s filter show dev v0 ingress 2>/dev/null; "
                          "ip -n %s -br link show type ifb",
                ns, ns, ns);
}

/* Apply a fault that the host cannot take; returns the apply error. */
static int try_fault(const char *json, char *msg, size_t len, int *applied)
{
        struct target_spec ts = { .kind = TARGET_PID, .pid = holder };
        struct target t;
        struct fault *f = NULL;
        struct error e = { 0 }, e2 = { 0 };
        cJSON *j = cJSON_Parse(json);
        int r;

        ck_assert_msg(target_resolve(&ts, &t, &e) == 0, "resolve: %s", e.msg);
        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "parse: %s", e.msg);
        r = f->ops->apply(f, &t, &e);
        *applied = r == 0;
        snprintf(msg, len, "%s", e.msg);
        ck_assert_msg(f->ops->revert(f, &t, &e2) == 0, "revert: %s", e2.msg);
        ck_assert_msg(f->ops->revert(f, &t, &e2) == 0, "second revert: %s", e2.msg);
        fault_free(f);
        cJSON_Delete(j);
        target_release(&t);
        return r;
}

static void check_missing(const char *json, const char *needle1, const char *needle2)
{
        char before[8192], after[8192], msg[1024];
        int applied;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        snapshot(before, sizeof(before));
        ck_assert_msg(strstr(before, "\"tbf\""), "no tbf before: %s", before);
        (void)try_fault(json, msg, sizeof(msg), &applied);
        if (applied)
                SKIP_TEST("this kernel has the module (%s); the kernel lane covers it", needle2);
        snapshot(after, sizeof(after));
        printf("%s: error: %s\n", __func__, msg);
        ck_assert_msg(strstr(msg, needle1) && strstr(msg, needle2), "error does not name %s/%s: %s", needle1,
                      needle2, msg);
        ck_assert_msg(strcmp(before, after) == 0, "left something behind:\nbefore: %s\nafter:  %s", before, after);
        NOTE("%s: failed cleanly naming %s; tc -j qdisc/filter/ifb unchanged: %s\n", json, needle1, after);
}

START_TEST(test_netem_missing_egress)
{
        check_missing("{\"type\":\"network\",\"delay\":\"100ms\",\"interface\":\"v0\"}", "CONFIG_NET_SCH_NETEM",
                      "sch_netem");
}
END_TEST

START_TEST(test_netem_missing_ingress)
{
        /* The ifb is created before netem is tried on it: revert removes it. */
        check_missing("{\"type\":\"network\",\"delay\":\"100ms\",\"direction\":\"ingress\"}", "CONFIG_NET_SCH_NETEM",
                      "sch_netem");
}
END_TEST

START_TEST(test_netem_missing_filtered)
{
        /* With peers the prio root comes first: sch_prio is missing here too. */
        check_missing("{\"type\":\"network\",\"delay\":\"100ms\",\"peers\":[\"10.9.0.0/16\",\"fd00::/8\"]}",
                      "CONFIG_NET_SCH_", "sch_");
}
END_TEST

START_TEST(test_partition_missing_gact)
{
        check_missing("{\"type\":\"partition\",\"peers\":[\"10.9.0.1\"]}", "CONFIG_NET_ACT_GACT", "gact");
}
END_TEST

/* The user's tree chaosd must give back: htb with two classes, a tbf leaf
 * and u32 filters (IPv4 and IPv6) — all of which this host kernel has. */
static int make_tree(void)
{
        return run("tc -n %s qdisc del dev v0 root && tc -n %s qdisc add dev v0 root handle 1: htb default 10 r2q 5 && "
                   "tc -n %s class add dev v0 parent 1: classid 1:1 htb rate 500mbit && "
                   "tc -n %s class add dev v0 parent 1:1 classid 1:10 htb rate 200mbit ceil 500mbit prio 2 && "
                   "tc -n %s class add dev v0 parent 1:1 classid 1:20 htb rate 1mbit ceil 2mbit burst 20k && "
                   "tc -n %s qdisc add dev v0 parent 1:20 handle 20: tbf rate 1mbit burst 32kb latency 100ms && "
                   "tc -n %s filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.9.0.0/16 "
                   "match ip dport 5432 0xffff flowid 1:20 && "
                   "tc -n %s filter add dev v0 parent 1: protocol ipv6 prio 2 u32 match ip6 dst fd00::/8 flowid 1:20",
                   ns, ns, ns, ns, ns, ns, ns, ns);
}

static void tree(char *out, size_t len)
{
        run_out(out, len,
                "tc -j -n %s qdisc show dev v0 | sed 's/\"direct_packets_stat\":[0-9]*,//'; "
                "tc -j -n %s class show dev v0; tc -j -n %s filter show dev v0; tc -j -n %s filter show dev v0 parent 1:",
                ns, ns, ns, ns);
}

/* qtree_save, a foreign root put in place as chaosd's would be, then
 * qtree_restore: the tree must read back identical through tc -j. */
START_TEST(test_restore_tree)
{
        _cleanup_free_ char *before = malloc(65536), *after = malloc(65536);
        struct nl_sock *sk = NULL;
        struct error e = { 0 };
        cJSON *saved = NULL;
        char idx[32];
        int ifindex;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        ck_assert_int_eq(make_tree(), 0);
        tree(before, 65536);
        ck_assert_msg(strstr(before, "\"tbf\"") && strstr(before, "1:20"), "tree not built: %s", before);
        ck_assert_int_eq(run_out(idx, sizeof(idx), "ip -n %s -o link show v0 | cut -d: -f1", ns), 0);
        ifindex = atoi(idx);
        ck_assert_msg(netns_route_socket(holder, -1, 0, &sk, &e) == 0, "%s", e.msg);
        ck_assert_msg(qtree_save(sk, ifindex, &saved, &e) == 0, "save: %s", e.msg);
        ck_assert_int_eq(run("tc -n %s qdisc replace dev v0 root handle c4a0: tbf rate 10mbit burst 10k latency 10ms", ns),
                         0);
        tree(after, 65536);
        ck_assert_ptr_null(strstr(after, "htb"));
        ck_assert_msg(qtree_restore(sk, ifindex, saved, &e) == 0, "restore: %s", e.msg);
        tree(after, 65536);
        ck_assert_msg(strcmp(before, after) == 0, "differs:\nbefore: %s\nafter:  %s", before, after);
        NOTE("htb tree (2 classes, tbf leaf, IPv4+IPv6 u32 filters) saved from netlink, replaced, restored: "
               "tc -j qdisc/class/filter identical (%zu bytes)\n",
               strlen(after));
        cJSON_Delete(saved);
        nl_socket_free(sk);
}
END_TEST

/* A second experiment on an interface that carries chaosd's root is
 * refused before anything changes; revert of that refused fault leaves
 * the other experiment's root alone. */
START_TEST(test_refuse_second)
{
        char before[8192], after[8192], msg[1024];
        int applied;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        ck_assert_int_eq(run("tc -n %s qdisc replace dev v0 root handle c4a0: tbf rate 10mbit burst 10k latency 10ms", ns),
                         0);
        snapshot(before, sizeof(before));
        (void)try_fault("{\"type\":\"network\",\"delay\":\"10ms\",\"interface\":\"v0\"}", msg, sizeof(msg),
                        &applied);
        snapshot(after, sizeof(after));
        ck_assert(!applied);
        ck_assert_msg(strstr(msg, "already carries a chaosd network fault"), "%s", msg);
        ck_assert_msg(strcmp(before, after) == 0, "changed:\n%s\n%s", before, after);
        NOTE("second experiment refused: \"%s\"; the existing c4a0: root untouched, also by revert\n", msg);
}
END_TEST

/* Bytes per second over v0, from NS to NS-b (egress of v0) or, with
 * INBOUND, from NS-b to NS (ingress of v0). The receiver times the stream
 * from its first byte to EOF (so the bucket's first burst does not count
 * much); python3 is an independent observer here. */
static double throughput_to(long bytes, int inbound, const char *peer)
{
        const char *rx_ns = inbound ? "" : "-b", *tx_ns = inbound ? "-b" : "";
        const char *rx_ip = inbound ? "10.77.0.1" : peer;
        char out[256];
        double bps = -1;

        (void)run("rm -f /tmp/%s.rx; ip netns exec %s%s python3 -c '"
                  "import socket,time\n"
                  "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                  "s.bind((\"%s\", 5001)); s.listen(1); s.settimeout(20); c,_=s.accept(); c.settimeout(20)\n"
                  "n=0; t0=None\n"
                  "while True:\n"
                  "    b=c.recv(65536)\n"
                  "    if not b: break\n"
                  "    if t0 is None: t0=time.monotonic(); first=len(b)\n"
                  "    n+=len(b)\n"
                  "print(\"%%.0f\" %% ((n-first)/(time.monotonic()-t0)))' >/tmp/%s.rx 2>&1 &",
                  ns, ns, rx_ns, rx_ip, ns);
        /* The receiver may take longer than that to listen on a loaded
         * machine: the sender retries a refused connect for 5 s. */
        usleep(300 * 1000);
        if (run("ip netns exec %s%s python3 -c '"
                "import socket,time\n"
                "for i in range(50):\n"
                "    try: s=socket.create_connection((\"%s\", 5001), 5); break\n"
                "    except ConnectionRefusedError: time.sleep(0.1)\n"
                "s.sendall(bytes(%ld)); s.close()'",
                ns, tx_ns, rx_ip, bytes) != 0)
                return -1;
        for (int i = 0; i < 100; i++) {
                if (run_out(out, sizeof(out), "cat /tmp/%s.rx 2>/dev/null", ns) == 0 && out[0]) {
                        bps = atof(out);
                        break;
                }
                usleep(100 * 1000);
        }
        (void)run("rm -f /tmp/%s.rx", ns);
        return bps;
}

static double throughput_dir(long bytes, int inbound)
{
        return throughput_to(bytes, inbound, "10.77.0.2");
}

static double throughput(long bytes)
{
        return throughput_dir(bytes, 0);
}

/* Ingress on this kernel: ifb + clsact + u32 + mirred + tbf are all here.
 * Traffic into v0 is limited, traffic out of it is not; revert removes the
 * ifb and the clsact chaosd made. */
START_TEST(test_bandwidth_ingress)
{
        char before[8192], after[8192];
        struct target_spec ts = { .kind = TARGET_PID, .pid = holder };
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"8mbit\",\"direction\":\"ingress\","
                               "\"peers\":[\"10.77.0.2\"]}");
        struct fault *f = NULL;
        struct error e = { 0 };
        struct target t;
        double in, out;
        char *rb;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        ck_assert_int_eq(run("tc -n %s qdisc replace dev v0 root handle 1: tbf rate 2gbit burst 1mb latency 50ms", ns), 0);
        snapshot(before, sizeof(before));
        ck_assert_msg(target_resolve(&ts, &t, &e) == 0, "resolve: %s", e.msg);
        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "parse: %s", e.msg);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        rb = cJSON_PrintUnformatted(f->readback);
        in = throughput_dir(2000000, 1);
        out = throughput_dir(4000000, 0);
        NOTE("bandwidth 8mbit ingress from 10.77.0.2 (ifb + mirred): into v0 %.0f B/s (%.1f%% of 1000000), "
               "out of v0 %.0f B/s (not limited); readback %s\n",
               in, in / 1e4, out, rb);
        free(rb);
        /* Inbound, the sender sees no local back-pressure, only drops at the
         * bucket's 54 KB queue: TCP's saw-tooth lands below the rate. */
        ck_assert_msg(in > 0.7e6 && in < 1.2e6, "inbound %.0f B/s for 1000000", in);
        ck_assert_msg(out > 3e6, "outbound %.0f B/s: limited too", out);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
        snapshot(after, sizeof(after));
        ck_assert_msg(strcmp(before, after) == 0, "left something:\nbefore: %s\nafter:  %s", before, after);
        NOTE("bandwidth ingress reverted: ifb, clsact and filters gone, root unchanged: %s\n", after);
        fault_free(f);
        target_release(&t);
        cJSON_Delete(j);
}
END_TEST

/* The bandwidth fault works on this kernel (tbf): measured rate, read-back,
 * the user's root kept under it, exact revert from a new process's view
 * (saved state only). */
START_TEST(test_bandwidth)
{
        _cleanup_free_ char *before = malloc(65536), *during = malloc(65536), *after = malloc(65536);
        struct target_spec ts = { .kind = TARGET_PID, .pid = holder };
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"8mbit\",\"interface\":\"v0\"}");
        struct fault *f = NULL, *f2 = NULL;
        struct error e = { 0 };
        struct target t;
        double base, limited, back;
        char *rb;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        /* A prior root that does not limit this test's traffic itself. */
        ck_assert_int_eq(run("tc -n %s qdisc replace dev v0 root handle 1: tbf rate 2gbit burst 1mb latency 50ms", ns), 0);
        tree(before, 65536);
        base = throughput(4000000);
        ck_assert_msg(base > 3e6, "baseline throughput %.0f B/s", base);

        ck_assert_msg(target_resolve(&ts, &t, &e) == 0, "resolve: %s", e.msg);
        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "parse: %s", e.msg);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        rb = cJSON_PrintUnformatted(f->readback);
        ck_assert_ptr_nonnull(strstr(rb, "\"rate_Bps\":1000000"));
        ck_assert_ptr_nonnull(strstr(rb, "tbf 1: kept under c4a0:1"));
        run_out(during, 65536, "tc -n %s qdisc show dev v0", ns);
        limited = throughput(2000000);
        NOTE("bandwidth 8mbit (1000000 B/s): measured %.0f B/s (%.1f%%), unlimited before %.0f B/s; "
               "readback %s; tc: %s\n",
               limited, 100.0 * limited / 1e6, base, rb, during);
        free(rb);
        ck_assert_msg(limited > 0.8e6 && limited < 1.2e6, "measured %.0f B/s for 1000000", limited);

        /* Revert as a new process would: only the saved state. */
        ck_assert_msg(fault_new(j, 0, &f2, &e) == 0, "parse: %s", e.msg);
        f2->saved = cJSON_Duplicate(f->saved, 1);
        ck_assert_msg(f2->ops->revert(f2, &t, &e) == 0, "revert: %s", e.msg);
        tree(after, 65536);
        ck_assert_msg(strcmp(before, after) == 0, "differs:\nbefore: %s\nafter:  %s", before, after);
        back = throughput(4000000);
        ck_assert_msg(back > 3e6, "after revert %.0f B/s", back);
        NOTE("bandwidth revert from the saved state alone: tree identical, throughput back to %.0f B/s\n", back);
        fault_free(f);
        fault_free(f2);
        target_release(&t);
        cJSON_Delete(j);
}
END_TEST

/* A target in the host's own network namespace: "every interface" would be
 * the host's uplink, docker0 and all containers' veths — refused unless the
 * interface is named. */
START_TEST(test_host_netns_refused)
{
        char before[16384], after[16384], cg[256];
        struct target_spec ts = { .kind = TARGET_PID };
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"1mbit\"}");
        struct fault *f = NULL;
        struct error e = { 0 };
        struct target t;
        pid_t child;
        int r;

        REQUIRE_ROOT();
        child = fork();
        if (child == 0) {
                for (;;)
                        pause();
        }
        snprintf(cg, sizeof(cg), "%s-host", ns);
        (void)run("d=$( [ -d /sys/fs/cgroup/freezer ] && echo /sys/fs/cgroup/freezer || echo /sys/fs/cgroup )/%s; "
                  "mkdir -p $d && echo %d > $d/cgroup.procs",
                  cg, (int)child);
        run_out(before, sizeof(before), "tc -j qdisc show");
        ts.pid = child;
        r = target_resolve(&ts, &t, &e);
        if (r == 0) {
                ck_assert_int_eq(fault_new(j, 0, &f, &e), 0);
                r = f->ops->apply(f, &t, &e);
                ck_assert_int_eq(f->ops->revert(f, &t, &e), 0);
                fault_free(f);
                target_release(&t);
        }
        run_out(after, sizeof(after), "tc -j qdisc show");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        (void)run("rmdir /sys/fs/cgroup/freezer/%s /sys/fs/cgroup/%s 2>/dev/null", cg, cg);
        cJSON_Delete(j);
        ck_assert_int_eq(r, -EPERM);
        ck_assert_msg(strstr(e.msg, "name the interface"), "%s", e.msg);
        ck_assert_msg(strcmp(before, after) == 0, "host qdiscs changed");
        NOTE("target in the host's netns without \"interface\": refused (\"%s\"), host qdiscs unchanged\n", e.msg);
}
END_TEST

/* A Docker container's eth0 through a container target: the namespace is
 * found from the runtime, the default interface is eth0 (the only one up
 * but lo), and the container's default root (noqueue) is back after. */
START_TEST(test_container_bandwidth)
{
        char name[64], before[4096], during[4096], after[4096], pid[32];
        struct target_spec ts = { .kind = TARGET_CONTAINER };
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"1mbit\"}");
        struct fault *f = NULL;
        struct error e = { 0 };
        struct target t;
        int r;

        REQUIRE_ROOT();
        if (!have_docker())
                SKIP_TEST("docker or the chaosd-busybox image is not available");
        snprintf(name, sizeof(name), "chaosd-t-net-%d", (int)getpid());
        ck_assert_int_eq(run("docker run -d --name %s chaosd-busybox:latest sleep 600 >/dev/null", name), 0);
        run_out(pid, sizeof(pid), "docker inspect -f '{{.State.Pid}}' %s", name);
        pid[strcspn(pid, "\n")] = '\0';
        run_out(before, sizeof(before), "nsenter -t %s -n tc -j qdisc show dev eth0", pid);
        snprintf(ts.container, sizeof(ts.container), "%s", name);
        snprintf(ts.runtime, sizeof(ts.runtime), "docker");
        r = target_resolve(&ts, &t, &e);
        if (r == 0) {
                r = fault_new(j, 0, &f, &e);
                if (r == 0)
                        r = f->ops->apply(f, &t, &e);
                if (r == 0)
                        r = f->ops->verify(f, &t, &e);
                run_out(during, sizeof(during), "nsenter -t %s -n tc qdisc show dev eth0", pid);
                if (f && f->ops->revert(f, &t, &e) < 0 && r == 0)
                        r = -1;
                fault_free(f);
                target_release(&t);
        }
        run_out(after, sizeof(after), "nsenter -t %s -n tc -j qdisc show dev eth0", pid);
        (void)run("docker rm -f %s >/dev/null 2>&1", name);
        cJSON_Delete(j);
        ck_assert_msg(r == 0, "%s", e.msg);
        ck_assert_msg(strstr(during, "tbf c4a0:") && strstr(during, "rate 1Mbit"), "during: %s", during);
        ck_assert_msg(strcmp(before, after) == 0, "before %s after %s", before, after);
        during[strcspn(during, "\n")] = '\0';
        NOTE("container %s eth0: \"%s\" while applied; %s before and after\n", name, during, after);
}
END_TEST

/* peers on a kernel without sch_prio: chaosd's root is then an htb with two
 * never-limiting classes; only the peer inside the filter is limited. */
START_TEST(test_bandwidth_peers)
{
        char before[16384], after[16384], during[4096];
        struct target_spec ts = { .kind = TARGET_PID, .pid = holder };
        cJSON *j = cJSON_Parse("{\"type\":\"bandwidth\",\"rate\":\"8mbit\",\"peers\":[\"10.77.0.2/32\"]}");
        struct fault *f = NULL;
        struct error e = { 0 };
        struct target t;
        double in_peer, other;
        char *rb;

        REQUIRE_ROOT();
        if (holder <= 0)
                SKIP_TEST("could not make a test namespace");
        reset();
        ck_assert_int_eq(run("tc -n %s qdisc replace dev v0 root handle 1: tbf rate 2gbit burst 1mb latency 50ms && "
                             "(ip -n %s-b addr show dev v1 | grep -q 10.77.0.3 || ip -n %s-b addr add 10.77.0.3/24 dev v1)",
                             ns, ns, ns),
                         0);
        tree(before, sizeof(before));
        ck_assert_msg(target_resolve(&ts, &t, &e) == 0, "resolve: %s", e.msg);
        ck_assert_msg(fault_new(j, 0, &f, &e) == 0, "parse: %s", e.msg);
        ck_assert_msg(f->ops->apply(f, &t, &e) == 0, "apply: %s", e.msg);
        ck_assert_msg(f->ops->verify(f, &t, &e) == 0, "verify: %s", e.msg);
        rb = cJSON_PrintUnformatted(f->readback);
        run_out(during, sizeof(during), "tc -n %s qdisc show dev v0 | tr '\\n' ';'", ns);
        in_peer = throughput_to(2000000, 0, "10.77.0.2");
        other = throughput_to(4000000, 0, "10.77.0.3");
        NOTE("bandwidth 8mbit for peer 10.77.0.2 only: to it %.0f B/s (%.1f%%), to 10.77.0.3 %.0f B/s "
               "(untouched); qdiscs: %s readback %s\n",
               in_peer, in_peer / 1e4, other, during, rb);
        free(rb);
        ck_assert_msg(in_peer > 0.8e6 && in_peer < 1.2e6, "peer inside: %.0f B/s", in_peer);
        ck_assert_msg(other > 3e6, "peer outside: %.0f B/s", other);
        ck_assert_msg(f->ops->revert(f, &t, &e) == 0, "revert: %s", e.msg);
        tree(after, sizeof(after));
        ck_assert_msg(strcmp(before, after) == 0, "differs:\nbefore: %s\nafter:  %s", before, after);
        NOTE("bandwidth with peers reverted: tree identical\n");
        fault_free(f);
        target_release(&t);
        cJSON_Delete(j);
}
END_TEST

int main(int argc, char **argv)
{
        Suite *s;
        TCase *tc;

        if (argc > 1 && strcmp(argv[1], "drive") == 0)
                return drive(argc, argv);
        s = suite_create("network_host");
        tc = tcase_create("missing_modules");
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_netem_missing_egress);
        tcase_add_test(tc, test_netem_missing_ingress);
        tcase_add_test(tc, test_netem_missing_filtered);
        tcase_add_test(tc, test_partition_missing_gact);
        suite_add_tcase(s, tc);
        tc = tcase_create("restore");
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_restore_tree);
        tcase_add_test(tc, test_refuse_second);
        tcase_add_test(tc, test_bandwidth);
        tcase_add_test(tc, test_bandwidth_ingress);
        tcase_add_test(tc, test_container_bandwidth);
        tcase_add_test(tc, test_bandwidth_peers);
        tcase_add_test(tc, test_host_netns_refused);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
