/* Podman. First through its REST API socket (`podman system service`, or
 * podman.socket under systemd), whose Docker-compatible endpoints answer
 * exactly like the Engine API. Podman has no daemon of its own, so when no
 * service listens, its state is read instead: libpod's BoltDB database
 * (bucket "ctr" / <id> / "config" and "state", both JSON) gives each
 * container's name, labels, state and PID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltdb.h"
#include "cleanup.h"
#include "runtime.h"
#include "runtime_state.h"

/* libpod's define.ContainerStateRunning */
#define PODMAN_STATE_RUNNING 3

static const char *podman_socket(void)
{
        const char *h = getenv("CONTAINER_HOST");

        if (h && strncmp(h, "unix://", 7) == 0)
                return h + 7;
        return "/run/podman/podman.sock";
}

static const char *podman_db(void)
{
        const char *p = getenv("CHAOSD_PODMAN_DB");

        return p ? p : "/var/lib/containers/storage/libpod/bolt_state.db";
}

struct db_walk {
        const struct bolt_db *db;
        struct container_list *l;
        int oom;
};

static cJSON *get_json(const struct bolt_db *db, const struct bolt_bucket *b, const char *key)
{
        const char *v;
        size_t len;

        if (bolt_get(db, b, key, &v, &len) < 0)
                return NULL;
        return cJSON_ParseWithLength(v, len);
}

static void one_container(const char *name, size_t len, const struct bolt_bucket *b, void *ud)
{
        struct db_walk *w = ud;
        _cleanup_(cJSON_Deletep) cJSON *cfg = get_json(w->db, b, "config");
        _cleanup_(cJSON_Deletep) cJSON *st = get_json(w->db, b, "state");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(cfg, "id");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(cfg, "name");
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cfg, "labels");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(st, "state");
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(st, "pid");
        struct container_entry *ce;

        if (!cJSON_IsString(id) || !cJSON_IsNumber(state) || !cJSON_IsNumber(pid) ||
            state->valueint != PODMAN_STATE_RUNNING || pid->valueint <= 0 || !state_pid_alive((pid_t)pid->valueint))
                return;
        ce = container_list_add(w->l);
        if (!ce) {
                w->oom = 1;
                return;
        }
        snprintf(ce->ci.id, sizeof(ce->ci.id), "%s", id->valuestring);
        snprintf(ce->ci.name, sizeof(ce->ci.name), "%s", cJSON_IsString(nm) ? nm->valuestring : "");
        ce->ci.pid = (pid_t)pid->valueint;
        ce->ci.running = 1;
        snprintf(ce->runtime, sizeof(ce->runtime), "podman");
        state_merge_labels(ce->labels, labels);
}

static int db_list(struct container_list *l, struct error *e)
{
        struct bolt_db db;
        struct bolt_bucket root, ctr;
        struct db_walk w = { &db, l, 0 };
        int r;

        r = bolt_open(podman_db(), &db);
        if (r == -ENOENT)
                return error_set(e, EHOSTUNREACH, "podman: no API service at %s and no state at %s", podman_socket(),
                                 podman_db());
        if (r < 0)
                return error_set(e, -r, "podman state %s: unreadable", podman_db());
        r = bolt_root(&db, &root);
        if (r == 0)
                r = bolt_bucket(&db, &root, "ctr", &ctr);
        if (r == 0)
                r = bolt_foreach_bucket(&db, &ctr, one_container, &w);
        bolt_close(&db);
        if (r == -ENOENT)
                return 0; /* no container bucket yet: no containers */
        if (r < 0)
                return error_set(e, EIO, "podman state %s: unreadable (being rewritten?)", podman_db());
        return w.oom ? error_set(e, ENOMEM, "out of memory") : 0;
}

int runtime_podman_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        struct container_list l = { 0 };
        int r = runtime_engine_inspect(podman_socket(), "podman", name_or_id, ret, e);

        if (r != -EHOSTUNREACH)
                return r;
        r = db_list(&l, e);
        if (r == 0)
                r = state_pick(&l, "podman", name_or_id, ret, e);
        container_list_free(&l);
        return r;
}

int runtime_podman_list(struct container_list *l, struct error *e)
{
        int r = runtime_engine_list(podman_socket(), "podman", l, e);

        return r == -EHOSTUNREACH ? db_list(l, e) : r;
}
