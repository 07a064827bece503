/* The registry of fault modules: adding a fault type is one line here. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "fault.h"

/* Each module's ops are fault_<name>_ops, defined in the module's file. The
 * order is the one `validate` and errors list the supported types in. */
#define FAULT_MODULES(X) \
        X(pause)         \
        X(network)       \
        X(partition)     \
        X(bandwidth)     \
        X(kill)          \
        X(cpu)           \
        X(memory)        \
        X(pids)          \
        X(io)            \
        X(syscall)

#define FAULT_DECLARE(name) extern const struct fault_ops fault_##name##_ops;
#define FAULT_ENTRY(name) &fault_##name##_ops,
FAULT_MODULES(FAULT_DECLARE)

static const struct fault_ops *const registry[] = { FAULT_MODULES(FAULT_ENTRY) NULL };

/* Modules registered at run time: only the tests use this, to plug a fake
 * fault module into the real core (tests/unit/fake_fault.c, journal_fake.c,
 * and docs/examples/fault_example.c in its test). The product
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
