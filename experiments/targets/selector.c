#include "selector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "jsonv.h"

static int matches(const struct selector_spec *sel, const struct container_entry *ce)
{
        const cJSON *want;

        if (sel->pod[0] && strcmp(sel->pod, ce->pod) != 0)
                return 0;
        /* A Kubernetes namespace; for containerd containers outside
         * Kubernetes, containerd's own namespace. */
        if (sel->namespace_[0] && strcmp(sel->namespace_, ce->pod_namespace[0] ? ce->pod_namespace : ce->ns) != 0)
                return 0;
        cJSON_ArrayForEach(want, sel->labels) {
                const cJSON *have = cJSON_GetObjectItemCaseSensitive(ce->labels, want->string);

                if (!cJSON_IsString(have) || strcmp(have->valuestring, want->valuestring) != 0)
                        return 0;
        }
        return 1;
}

/* splitmix64: tiny, well distributed, and the same on every machine. */
static uint64_t next_rand(uint64_t *s)
{
        uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static const struct container_list *sort_list;

/* A stable order that does not depend on the runtime's listing order. */
static int cmp_entries(const void *a, const void *b)
{
        const struct container_entry *x = &sort_list->v[*(const int *)a], *y = &sort_list->v[*(const int *)b];
        int c = strcmp(x->runtime, y->runtime);

        return c ? c : strcmp(x->ci.id, y->ci.id);
}

int selector_choose(const struct selector_spec *sel, const struct container_list *l, int *ret_idx, int *ret_n,
                    struct error *e)
{
        int n = 0, k;
        uint64_t state = sel->seed;

        for (int i = 0; i < l->n; i++) {
                int dup = 0;

                if (!matches(sel, &l->v[i]))
                        continue;
                /* Docker on the system containerd shows its containers
                 * twice (runtime docker, containerd namespace moby): one
                 * process is one candidate, as the first runtime saw it. */
                for (int j = 0; j < n && !dup; j++)
                        dup = l->v[ret_idx[j]].ci.pid == l->v[i].ci.pid;
                if (!dup)
                        ret_idx[n++] = i;
        }
        if (n == 0)
                return error_set(e, ENOENT, "selector matches no running container");
        sort_list = l;
        qsort(ret_idx, (size_t)n, sizeof(*ret_idx), cmp_entries);
        sort_list = NULL;
        switch (sel->mode) {
        case SEL_ONE:
                k = 1;
                break;
        case SEL_ALL:
                k = n;
                break;
        case SEL_FIXED:
                if (sel->value > n)
                        return error_set(e, ERANGE, "selector wants %lld containers but matches only %d",
                                         (long long)sel->value, n);
                k = (int)sel->value;
                break;
        case SEL_PERCENT:
        default:
                /* Rounded down, but a non-zero percentage of a non-empty
                 * set hits at least one. */
                k = (int)((int64_t)n * sel->value / 100);
                if (k < 1)
                        k = 1;
                break;
        }
        /* Partial Fisher-Yates: the first k are a uniform sample. */
        for (int i = 0; i < k && k < n; i++) {
                int j = i + (int)(next_rand(&state) % (uint64_t)(n - i)), t = ret_idx[i];

                ret_idx[i] = ret_idx[j];
                ret_idx[j] = t;
        }
        *ret_n = k;
        return 0;
}

uint64_t selector_new_seed(void)
{
        uint64_t s = 0;

        if (getrandom(&s, sizeof(s), 0) != sizeof(s))
                s = (uint64_t)rand();
        return s % ((uint64_t)SELECTOR_SEED_MAX + 1);
}

int target_resolve_all(struct target_spec *ts, struct target **ret, int *ret_n, struct error *e)
{
        struct container_list l = { 0 };
        struct target *t = NULL;
        int *idx = NULL, k = 0, r;

        *ret = NULL;
        *ret_n = 0;
        if (!ts->sel.active) {
                t = calloc(1, sizeof(*t));
                if (!t)
                        return error_set(e, ENOMEM, "out of memory");
                r = target_resolve(ts, t, e);
                if (r < 0) {
                        free(t);
                        return r;
                }
                *ret = t;
                *ret_n = 1;
                return 0;
        }
        if (!ts->sel.has_seed) {
                ts->sel.seed = selector_new_seed();
                ts->sel.has_seed = 1;
        }
        r = runtime_list(ts->sel.runtime, &l, e);
        if (r < 0)
                goto out;
        /* chaosd's own container (in a DaemonSet its main process is chaosd)
         * is never a candidate, rather than a refusal of the whole choice. */
        for (int i = 0; i < l.n;) {
                if (l.v[i].ci.pid == getpid() || l.v[i].ci.pid == 1) {
                        cJSON_Delete(l.v[i].labels);
                        l.v[i] = l.v[--l.n];
                        continue;
                }
                i++;
        }
        idx = calloc((size_t)l.n + 1, sizeof(*idx));
        if (!idx) {
                r = error_set(e, ENOMEM, "out of memory");
                goto out;
        }
        r = selector_choose(&ts->sel, &l, idx, &k, e);
        if (r < 0)
                goto out;
        t = calloc((size_t)k, sizeof(*t));
        if (!t) {
                r = error_set(e, ENOMEM, "out of memory");
                goto out;
        }
        for (int i = 0; i < k; i++) {
                const struct container_entry *ce = &l.v[idx[i]];
                struct target_spec one = { .kind = TARGET_CONTAINER, .on_restart = ts->on_restart };

                snprintf(one.container, sizeof(one.container), "%s", ce->ci.id);
                snprintf(one.runtime, sizeof(one.runtime), "%s", ce->runtime);
                r = target_resolve(&one, &t[i], e);
                if (r < 0) {
                        error_wrap(e, "selector: %s container %.12s", ce->runtime, ce->ci.id);
                        for (int j = 0; j < i; j++)
                                target_release(&t[j]);
                        free(t);
                        t = NULL;
                        goto out;
                }
                /* Names read better in `get` than IDs. */
                if (ce->ci.name[0])
                        snprintf(t[i].container_name, sizeof(t[i].container_name), "%s", ce->ci.name);
        }
        *ret = t;
        *ret_n = k;
out:
        free(idx);
        container_list_free(&l);
        return r;
}
