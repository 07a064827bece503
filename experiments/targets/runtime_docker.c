#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cleanup.h"
#include "httpc.h"
#include "runtime.h"

static const char *docker_socket(void)
{
        const char *h = getenv("DOCKER_HOST");

        if (h && strncmp(h, "unix://", 7) == 0)
                return h + 7;
        return "/var/run/docker.sock";
}

/* Names go into a URL path: allow only Docker's name/ID alphabet. */
static int name_ok(const char *s)
{
        if (!*s || strlen(s) > 200)
                return 0;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                      *p == '.' || *p == '-'))
                        return 0;
        return 1;
}

int runtime_engine_inspect(const char *socket, const char *what, const char *name_or_id, struct container_info *ret,
                           struct error *e)
{
        struct httpc_reply rep = { 0 };
        char path[512];
        cJSON *j = NULL;
        const cJSON *state, *pid, *running, *id, *name;
        int r = 0;

        if (!name_ok(name_or_id))
                return error_set(e, EINVAL, "\"%s\" is not a valid container name or ID", name_or_id);
        snprintf(path, sizeof(path), "/v1.41/containers/%s/json", name_or_id);
        r = httpc_request(socket, "GET", path, NULL, 5000, &rep, e);
        if (r < 0) {
                error_wrap(e, "%s API", what);
                e->code = EHOSTUNREACH;
                return -EHOSTUNREACH;
        }
        if (rep.status == 404) {
                r = error_set(e, ENOENT, "no %s container \"%s\"", what, name_or_id);
                goto out;
        }
        if (rep.status != 200) {
                r = error_set(e, EIO, "%s API answered %d for container \"%s\"", what, rep.status, name_or_id);
                goto out;
        }
        j = cJSON_ParseWithLength(rep.body, rep.len);
        state = cJSON_GetObjectItemCaseSensitive(j, "State");
        pid = cJSON_GetObjectItemCaseSensitive(state, "Pid");
        running = cJSON_GetObjectItemCaseSensitive(state, "Running");
        id = cJSON_GetObjectItemCaseSensitive(j, "Id");
        name = cJSON_GetObjectItemCaseSensitive(j, "Name");
        if (!cJSON_IsNumber(pid) || !cJSON_IsString(id)) {
                r = error_set(e, EIO, "%s API: unexpected reply for \"%s\"", what, name_or_id);
                goto out;
        }
        memset(ret, 0, sizeof(*ret));
        snprintf(ret->id, sizeof(ret->id), "%s", id->valuestring);
        snprintf(ret->name, sizeof(ret->name), "%s",
                 cJSON_IsString(name) ? name->valuestring + (name->valuestring[0] == '/') : "");
        /* The engine's answer is input too: range-check before the cast. */
        ret->pid = pid->valuedouble >= 0 && pid->valuedouble <= 4194304 ? (pid_t)pid->valuedouble : 0;
        ret->running = cJSON_IsTrue(running);
out:
        cJSON_Delete(j);
        httpc_reply_free(&rep);
        return r;
}

int runtime_docker_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        return runtime_engine_inspect(docker_socket(), "docker", name_or_id, ret, e);
}

/* GET /containers/json lists running containers with their labels but not
 * their PIDs: each one is inspected for that. */
int runtime_engine_list(const char *socket, const char *what, struct container_list *l, struct error *e)
{
        struct httpc_reply rep = { 0 };
        cJSON *j = NULL;
        const cJSON *c;
        int r = 0;

        r = httpc_request(socket, "GET", "/v1.41/containers/json", NULL, 5000, &rep, e);
        if (r < 0) {
                error_wrap(e, "%s API", what);
                e->code = EHOSTUNREACH;
                return -EHOSTUNREACH;
        }
        if (rep.status != 200) {
                r = error_set(e, EIO, "%s API answered %d listing containers", what, rep.status);
                goto out;
        }
        j = cJSON_ParseWithLength(rep.body, rep.len);
        if (!cJSON_IsArray(j)) {
                r = error_set(e, EIO, "%s API: unexpected container list", what);
                goto out;
        }
        cJSON_ArrayForEach(c, j) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
                const cJSON *labels = cJSON_GetObjectItemCaseSensitive(c, "Labels");
                struct container_entry *ce;
                struct container_info ci;

                if (!cJSON_IsString(id) || !name_ok(id->valuestring))
                        continue;
                /* Gone between the list and the inspect: not a candidate. */
                if (runtime_engine_inspect(socket, what, id->valuestring, &ci, e) < 0 || !ci.running || ci.pid <= 0)
                        continue;
                ce = container_list_add(l);
                if (!ce) {
                        r = error_set(e, ENOMEM, "out of memory");
                        goto out;
                }
                ce->ci = ci;
                snprintf(ce->runtime, sizeof(ce->runtime), "%s", what);
                if (cJSON_IsObject(labels)) {
                        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(labels, "io.kubernetes.pod.name");
                        const cJSON *pns = cJSON_GetObjectItemCaseSensitive(labels, "io.kubernetes.pod.namespace");

                        cJSON_Delete(ce->labels);
                        ce->labels = cJSON_Duplicate(labels, 1);
                        if (cJSON_IsString(pn))
                                snprintf(ce->pod, sizeof(ce->pod), "%s", pn->valuestring);
                        if (cJSON_IsString(pns))
                                snprintf(ce->pod_namespace, sizeof(ce->pod_namespace), "%s", pns->valuestring);
                }
        }
out:
        cJSON_Delete(j);
        httpc_reply_free(&rep);
        return r;
}

int runtime_docker_list(struct container_list *l, struct error *e)
{
        return runtime_engine_list(docker_socket(), "docker", l, e);
}
