/* The spec's "target" object parsed into a struct target_spec, the
 * "selector" form included: JSON and paths only. Resolving a spec to live
 * processes is target.c's (pid, cgroup, container) and selector.c's. */
#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "runtime.h"
#include "selector.h"
#include "target.h"

/* RT, the "runtime" of the object at PATH, is one chaosd knows. */
static int check_runtime(const char *path, const char *rt, struct error *e)
{
        char p[JV_PATH_MAX];

        for (const char *const *x = runtime_names; *x; x++)
                if (strcmp(*x, rt) == 0)
                        return 0;
        jv_path(p, path, "runtime");
        return error_path(e, p, "unsupported runtime \"%.32s\" (supported: docker, podman, containerd, crio, auto)",
                          rt);
}

static const char *const sel_keys[] = { "runtime", "labels", "namespace", "pod", "mode", "value", "seed", NULL };
static const char *const mode_names[] = {
        [SEL_ONE] = "one", [SEL_ALL] = "all", [SEL_FIXED] = "fixed", [SEL_PERCENT] = "percent"
};

static int copy_str(const cJSON *obj, const char *path, const char *key, char *out, size_t len, struct error *e)
{
        const char *s = NULL;
        char p[JV_PATH_MAX];
        int r = jv_string(obj, path, key, 0, &s, e);

        if (r <= 0)
                return r;
        jv_path(p, path, key);
        if (!*s || strlen(s) >= len)
                return error_path(e, p, "must be 1 to %zu characters", len - 1);
        snprintf(out, len, "%s", s);
        return 0;
}

/* The "selector" object at PARENT.selector: ts becomes a TARGET_CONTAINER
 * with ts->sel.active set. Labels are borrowed from JSON. */
static int selector_parse(const cJSON *json, const char *parent, struct target_spec *ts, struct error *e)
{
        struct selector_spec *sel = &ts->sel;
        const char *mode = NULL, *rt = NULL;
        const cJSON *labels, *v;
        char path[JV_PATH_MAX], p[JV_PATH_MAX];
        int64_t value = 0, seed = 0;
        int r, has_value;

        jv_path(path, parent, "selector");
        r = jv_check_object(json, path, sel_keys, e);
        if (r < 0)
                return r;
        ts->kind = TARGET_CONTAINER;
        sel->active = 1;
        r = jv_string(json, path, "runtime", 0, &rt, e);
        if (r < 0)
                return r;
        if (rt && (r = check_runtime(path, rt, e)) < 0)
                return r;
        snprintf(sel->runtime, sizeof(sel->runtime), "%s", rt ? rt : "auto");
        labels = cJSON_GetObjectItemCaseSensitive(json, "labels");
        if (labels) {
                jv_path(p, path, "labels");
                if (!cJSON_IsObject(labels))
                        return error_path(e, p, "must be an object of strings");
                cJSON_ArrayForEach(v, labels) {
                        char lp[JV_PATH_MAX];

                        jv_path(lp, p, v->string);
                        if (!cJSON_IsString(v))
                                return error_path(e, lp, "must be a string");
                }
                sel->labels = labels;
        }
        if ((r = copy_str(json, path, "namespace", sel->namespace_, sizeof(sel->namespace_), e)) < 0 ||
            (r = copy_str(json, path, "pod", sel->pod, sizeof(sel->pod), e)) < 0)
                return r;
        if (!labels && !sel->namespace_[0] && !sel->pod[0])
                return error_path(e, path, "needs at least one of \"labels\", \"namespace\" or \"pod\"");
        r = jv_string(json, path, "mode", 0, &mode, e);
        if (r < 0)
                return r;
        sel->mode = SEL_ALL;
        if (mode) {
                int found = 0;

                for (int i = 0; i <= SEL_PERCENT; i++)
                        if (strcmp(mode, mode_names[i]) == 0) {
                                sel->mode = (enum selector_mode)i;
                                found = 1;
                        }
                jv_path(p, path, "mode");
                if (!found)
                        return error_path(e, p, "\"%.32s\" is not one of \"one\", \"all\", \"fixed\", \"percent\"",
                                          mode);
        }
        has_value = jv_int(json, path, "value", 0, 1, sel->mode == SEL_PERCENT ? 100 : 100000, &value, e);
        if (has_value < 0)
                return has_value;
        jv_path(p, path, "value");
        if ((sel->mode == SEL_FIXED || sel->mode == SEL_PERCENT) && !has_value)
                return error_path(e, p, "is required with mode \"%s\"", mode_names[sel->mode]);
        if ((sel->mode == SEL_ONE || sel->mode == SEL_ALL) && has_value)
                return error_path(e, p, "does not apply to mode \"%s\"", mode_names[sel->mode]);
        sel->value = value;
        r = jv_int(json, path, "seed", 0, 0, SELECTOR_SEED_MAX, &seed, e);
        if (r < 0)
                return r;
        sel->has_seed = r;
        sel->seed = (uint64_t)seed;
        return 0;
}

static const char *const target_keys[] = { "pid", "cgroup", "container", "runtime", "selector", "on_restart", NULL };

int target_spec_parse(const cJSON *json, const char *path, struct target_spec *ret, struct error *e)
{
        const char *cg = NULL, *ctr = NULL, *rt = NULL, *onr = NULL;
        const cJSON *sel = cJSON_GetObjectItemCaseSensitive(json, "selector");
        int64_t pid = 0;
        int n = 0, r;

        memset(ret, 0, sizeof(*ret));
        r = jv_check_object(json, path, target_keys, e);
        if (r < 0)
                return r;
        r = jv_int(json, path, "pid", 0, 1, 4194304, &pid, e);
        if (r < 0)
                return r;
        n += r;
        r = jv_string(json, path, "cgroup", 0, &cg, e);
        if (r < 0)
                return r;
        n += r;
        r = jv_string(json, path, "container", 0, &ctr, e);
        if (r < 0)
                return r;
        n += r;
        r = jv_string(json, path, "runtime", 0, &rt, e);
        if (r < 0)
                return r;
        r = jv_string(json, path, "on_restart", 0, &onr, e);
        if (r < 0)
                return r;
        n += sel != NULL;
        if (n != 1)
                return error_path(e, path, "needs exactly one of \"pid\", \"cgroup\", \"container\" or \"selector\"");
        if (onr) {
                char p[JV_PATH_MAX];

                jv_path(p, path, "on_restart");
                if (!ctr && !sel)
                        return error_path(e, p, "only applies to \"container\" and \"selector\" targets");
                if (strcmp(onr, "reapply") != 0 && strcmp(onr, "end") != 0)
                        return error_path(e, p, "\"%.32s\" is not one of \"reapply\", \"end\"", onr);
        }
        if (sel) {
                if (rt) {
                        char p[JV_PATH_MAX];

                        jv_path(p, path, "runtime");
                        return error_path(e, p, "goes inside \"selector\"");
                }
                r = selector_parse(sel, path, ret, e);
                if (r < 0)
                        return r;
                ret->on_restart = onr && strcmp(onr, "reapply") == 0 ? ON_RESTART_REAPPLY : ON_RESTART_END;
                return 0;
        }
        if (rt && !ctr) {
                char p[JV_PATH_MAX];

                jv_path(p, path, "runtime");
                return error_path(e, p, "only applies to a \"container\" target");
        }
        if (rt && (r = check_runtime(path, rt, e)) < 0)
                return r;
        if (pid) {
                ret->kind = TARGET_PID;
                ret->pid = (pid_t)pid;
        } else if (cg) {
                char p[JV_PATH_MAX];

                jv_path(p, path, "cgroup");
                if (cg[0] != '/' || strstr(cg, "/..") || strstr(cg, "//") || strlen(cg) >= sizeof(ret->cgroup))
                        return error_path(e, p,
                                          "\"%.64s\" must be an absolute path under the cgroup root, without \"..\"",
                                          cg);
                if (strcmp(cg, "/") == 0)
                        return error_path(e, p, "the root cgroup cannot be a target");
                ret->kind = TARGET_CGROUP;
                snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", cg);
        } else {
                char p[JV_PATH_MAX];

                jv_path(p, path, "container");
                if (strlen(ctr) >= sizeof(ret->container))
                        return error_path(e, p, "too long");
                for (const char *c = ctr; *c; c++)
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                              *c == '_' || *c == '.' || *c == '-'))
                                return error_path(e, p, "\"%.64s\" is not a container name or ID", ctr);
                ret->kind = TARGET_CONTAINER;
                snprintf(ret->container, sizeof(ret->container), "%s", ctr);
                snprintf(ret->runtime, sizeof(ret->runtime), "%s", rt ? rt : "auto");
                ret->on_restart = onr && strcmp(onr, "reapply") == 0 ? ON_RESTART_REAPPLY : ON_RESTART_END;
        }
        return 0;
}
