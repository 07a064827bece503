/* Podman through its REST API socket (`podman system service`), whose
 * Docker-compatible endpoints answer exactly like the Engine API. Podman has
 * no daemon of its own: without the service there is nothing to ask, and
 * `runtime: auto` moves on. */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static const char *podman_socket(void)
{
        const char *h = getenv("CONTAINER_HOST");

        if (h && strncmp(h, "unix://", 7) == 0)
                return h + 7;
        return "/run/podman/podman.sock";
}

int runtime_podman_inspect(const char *name_or_id, struct container_info *ret, struct error *e)
{
        return runtime_engine_inspect(podman_socket(), "podman", name_or_id, ret, e);
}

int runtime_podman_list(struct container_list *l, struct error *e)
{
        return runtime_engine_list(podman_socket(), "podman", l, e);
}
