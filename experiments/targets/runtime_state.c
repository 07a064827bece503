#include "runtime_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "proc.h"

int state_read_pid(const char *path, pid_t *ret, struct error *e)
{
        char buf[32], *end;
        long v;
        ssize_t n = fs_read(path, buf, sizeof(buf), e);

        if (n < 0)
                return (int)n;
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno || end == buf || v <= 0 || v > 4194304)
                return error_set(e, EINVAL, "%s: not a pid", path);
        *ret = (pid_t)v;
        return 0;
}

int state_pid_alive(pid_t pid)
{
        struct error e;
        char st = 0;

        return proc_state(pid, &st, &e) == 0 && st != 'Z' && st != 'X';
}

cJSON *state_read_annotations(const char *config_json)
{
        _cleanup_free_ char *buf = NULL;
        struct error e;
        cJSON *j, *ann;
        ssize_t n = fs_read_alloc(config_json, 4u << 20, &buf, &e);

        if (n < 0)
                return NULL;
        j = cJSON_ParseWithLength(buf, (size_t)n);
        ann = cJSON_DetachItemFromObjectCaseSensitive(j, "annotations");
        cJSON_Delete(j);
        if (ann && !cJSON_IsObject(ann)) {
                cJSON_Delete(ann);
                return NULL;
        }
        return ann;
}

void state_merge_labels(cJSON *to, const cJSON *from)
{
        const cJSON *v;

        cJSON_ArrayForEach(v, from) {
                if (!cJSON_IsString(v) || !v->string)
                        continue;
                cJSON_DeleteItemFromObjectCaseSensitive(to, v->string);
                cJSON_AddStringToObject(to, v->string, v->valuestring);
        }
}

int state_pick(const struct container_list *l, const char *what, const char *name_or_id, struct container_info *ret,
               struct error *e)
{
        const struct container_entry *hit = NULL;
        size_t len = strlen(name_or_id);
        int prefixes = 0;

        for (int i = 0; i < l->n && !hit; i++)
                if (strcmp(l->v[i].ci.id, name_or_id) == 0)
                        hit = &l->v[i];
        for (int i = 0; i < l->n && !hit; i++)
                if (strcmp(l->v[i].ci.name, name_or_id) == 0)
                        hit = &l->v[i];
        if (!hit && len >= 4)
                for (int i = 0; i < l->n; i++)
                        if (strncmp(l->v[i].ci.id, name_or_id, len) == 0) {
                                hit = &l->v[i];
                                prefixes++;
                        }
        if (prefixes > 1)
                return error_set(e, EINVAL, "%s: \"%s\" matches %d containers", what, name_or_id, prefixes);
        if (!hit)
                return error_set(e, ENOENT, "no running %s container \"%s\"", what, name_or_id);
        *ret = hit->ci;
        return 0;
}
