/* The registry of fault modules: adding a fault type is one line here. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "fault.h"

extern const struct fault_ops fault_pause_ops;
extern const struct fault_ops fault_network_ops;
extern const struct fault_ops fault_partition_ops;
extern const struct fault_ops fault_bandwidth_ops;
extern const struct fault_ops fault_kill_ops;
extern const struct fault_ops fault_cpu_ops;
extern const struct fault_ops fault_memory_ops;
extern const struct fault_ops fault_pids_ops;
extern const struct fault_ops fault_io_ops;
extern const struct fault_ops fault_syscall_ops;

static const struct fault_ops *const registry[] = {
        &fault_pause_ops,
        &fault_network_ops,
        &fault_partition_ops,
        &fault_bandwidth_ops,
        &fault_kill_ops,
        &fault_cpu_ops,
        &fault_memory_ops,
        &fault_pids_ops,
        &fault_io_ops,
        &fault_syscall_ops,
        NULL,
};

/* Modules registered at run time: only the tests use this, to plug a fake
 * fault module into the real core (tests/unit/fake_fault.c). The product
 * never calls fault_register(). */
static const struct fault_ops *extra[8];

const struct fault_ops *const *fault_registry(void)
{
        return registry;
}

int fault_register(const struct fault_ops *ops)
{
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
                if (extra[i] == ops)
                        return 0;
                if (!extra[i]) {
                        extra[i] = ops;
                        return 0;
                }
        }
        return -ENOSPC;
}

const struct fault_ops *fault_lookup(const char *type)
{
        for (const struct fault_ops *const *o = registry; *o; o++)
                if (strcmp((*o)->type, type) == 0)
                        return *o;
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]) && extra[i]; i++)
                if (strcmp(extra[i]->type, type) == 0)
                        return extra[i];
        return NULL;
}
