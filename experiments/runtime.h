/* Container runtimes: find a container's main process by name or ID prefix
 * through the runtime's own API (never its CLI). */
#pragma once
#include <sys/types.h>

#include "error.h"

struct container_info {
        char id[80];
        char name[256];
        pid_t pid; /* main process in our PID namespace */
        int running;
};

/* Docker Engine API on its Unix socket ($DOCKER_HOST=unix://..., else
 * /var/run/docker.sock). -ENOENT when no such container. */
int runtime_docker_inspect(const char *name_or_id, struct container_info *ret, struct error *e);
