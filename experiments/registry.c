/* The registry of fault modules: adding a fault type is one line here. */
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

const struct fault_ops *const *fault_registry(void)
{
        return registry;
}

const struct fault_ops *fault_lookup(const char *type)
{
        for (const struct fault_ops *const *o = registry; *o; o++)
                if (strcmp((*o)->type, type) == 0)
                        return *o;
        return NULL;
}
