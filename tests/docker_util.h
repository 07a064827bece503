/* Docker helpers of the container tests (test_kill.c, test_pause.c,
 * test_network_host.c): shell commands through observe.h's run/run_out,
 * which is fine in tests (observers; the product never runs one).
 *
 * The including file defines PREFIX ("chaosd-test-kill") first; its
 * containers are named PREFIX-<runner pid>-<tag>, so that
 * teardown_containers() (an unchecked fixture, run in the runner even when
 * a test fails) removes exactly this run's, and sets `runner` and `victim`
 * in main. */
#pragma once
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <check.h>

#include "observe.h"
#include "target.h"

#ifndef PREFIX
#error "define PREFIX, the test's container name prefix, before including docker_util.h"
#endif

#define IMAGE "chaosd-busybox:latest"

/* The runner's pid (names carry it) and the static victim, bind-mounted
 * read-only at /v/victim in every container ctr_start() makes. */
static pid_t runner __attribute__((unused));
static char victim[PATH_MAX] __attribute__((unused));

static inline int have_docker(void)
{
        return run("docker image inspect " IMAGE " >/dev/null 2>&1") == 0;
}

static inline void ctr_name(char *out, size_t len, const char *tag)
{
        snprintf(out, len, PREFIX "-%d-%s", (int)runner, tag);
}

/* Start a container named after TAG running ARGS (NAME receives its
 * name); returns its main pid. */
static inline pid_t ctr_start(const char *tag, const char *args, char *name, size_t len)
{
        char out[256];
        pid_t pid = 0;

        ctr_name(name, len, tag);
        (void)run("docker rm -f %s >/dev/null 2>&1", name);
        ck_assert_msg(run("docker run -d --name %s -v %s:/v/victim:ro " IMAGE " %s >/dev/null", name, victim,
                          args) == 0,
                      "docker run %s failed", name);
        if (run_out(out, sizeof(out), "docker inspect -f '{{.State.Pid}}' %s", name) == 0)
                pid = atoi(out);
        ck_assert_msg(pid > 0, "no pid for %s", name);
        return pid;
}

/* Unchecked teardown, in the runner: thaw (a frozen v1 cgroup would keep
 * its tasks from dying) and remove every container of this run. */
static inline void teardown_containers(void)
{
        char ids[8192], *id, *save = NULL;

        if (run_out(ids, sizeof(ids), "docker ps -aq --no-trunc --filter name=" PREFIX "-%d- 2>/dev/null",
                    (int)getpid()) < 0)
                return;
        for (id = strtok_r(ids, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
                (void)run("d=/sys/fs/cgroup/freezer/docker/%s; [ -d $d ] && echo THAWED > $d/freezer.state", id);
                (void)run("docker rm -f %s >/dev/null 2>&1", id);
        }
}

/* Parse TARGET_JSON as a spec's "target" and resolve it. */
static inline int resolve(const char *target_json, struct target *t, struct error *e)
{
        cJSON *j = cJSON_Parse(target_json);
        struct target_spec ts;
        int r;

        ck_assert_ptr_nonnull(j);
        r = target_spec_parse(j, "$.target", &ts, e);
        cJSON_Delete(j);
        if (r < 0)
                return r;
        return target_resolve(&ts, t, e);
}
