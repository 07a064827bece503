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
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '.' || *p == '-'))
                        return 0;
        return 1;
}

int runtime_docker_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        struct httpc_reply rep = { 0 };
        char path[512];
        cJSON *j = NULL;
        const cJSON *state, *pid, *running, *id, *name;
        int r = 0;

        if (!name_ok(name_or_id))
                return error_set(e, EINVAL, "\"%s\" is not a valid container name or ID", name_or_id);
        snprintf(path, sizeof(path), "/v1.41/containers/%s/json", name_or_id);
        r = httpc_request(docker_socket(), "GET", path, NULL, 5000, &rep, e);
        if (r < 0) {
                error_wrap(e, "docker API");
                e->code = EHOSTUNREACH;
                return -EHOSTUNREACH;
        }
        if (rep.status == 404) {
                r = error_set(e, ENOENT, "no docker container \"%s\"", name_or_id);
                goto out;
        }
        if (rep.status != 200) {
                r = error_set(e, EIO, "docker API answered %d for container \"%s\"", rep.status, name_or_id);
                goto out;
        }
        j = cJSON_ParseWithLength(rep.body, rep.len);
        state = cJSON_GetObjectItemCaseSensitive(j, "State");
        pid = cJSON_GetObjectItemCaseSensitive(state, "Pid");
        running = cJSON_GetObjectItemCaseSensitive(state, "Running");
        id = cJSON_GetObjectItemCaseSensitive(j, "Id");
        name = cJSON_GetObjectItemCaseSensitive(j, "Name");
        if (!cJSON_IsNumber(pid) || !cJSON_IsString(id)) {
                r = error_set(e, EIO, "docker API: unexpected reply for \"%s\"", name_or_id);
                goto out;
        }
        memset(ret, 0, sizeof(*ret));
        snprintf(ret->id, sizeof(ret->id), "%s", id->valuestring);
        snprintf(ret->name, sizeof(ret->name), "%s",
                 cJSON_IsString(name) ? name->valuestring + (name->valuestring[0] == '/') : "");
        ret->pid = (pid_t)pid->valuedouble;
        ret->running = cJSON_IsTrue(running);
out:
        cJSON_Delete(j);
        httpc_reply_free(&rep);
        return r;
}
