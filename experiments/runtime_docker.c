#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cleanup.h"
#include "runtime.h"

#define DOCKER_REPLY_MAX (1 << 20)

struct buf {
        char *data;
        size_t len;
};

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
        struct buf *b = ud;
        size_t add = sz * n;
        char *nd;

        if (b->len + add > DOCKER_REPLY_MAX)
                return 0;
        nd = realloc(b->data, b->len + add + 1);
        if (!nd)
                return 0;
        memcpy(nd + b->len, p, add);
        b->data = nd;
        b->len += add;
        b->data[b->len] = '\0';
        return add;
}

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
        struct buf b = { 0 };
        char url[512];
        CURL *c;
        CURLcode cr;
        long status = 0;
        cJSON *j = NULL;
        const cJSON *state, *pid, *running, *id, *name;
        int r = 0;

        if (!name_ok(name_or_id))
                return error_set(e, EINVAL, "\"%s\" is not a valid container name or ID", name_or_id);
        c = curl_easy_init();
        if (!c)
                return error_set(e, ENOMEM, "curl_easy_init failed");
        snprintf(url, sizeof(url), "http://docker/v1.41/containers/%s/json", name_or_id);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, docker_socket());
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        cr = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        if (cr != CURLE_OK) {
                r = error_set(e, EHOSTUNREACH, "docker API at %s: %s", docker_socket(), curl_easy_strerror(cr));
                goto out;
        }
        if (status == 404) {
                r = error_set(e, ENOENT, "no docker container \"%s\"", name_or_id);
                goto out;
        }
        if (status != 200) {
                r = error_set(e, EIO, "docker API answered %ld for container \"%s\"", status, name_or_id);
                goto out;
        }
        j = cJSON_ParseWithLength(b.data, b.len);
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
        free(b.data);
        return r;
}
