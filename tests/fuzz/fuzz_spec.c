/* libFuzzer target: the spec parser and validator, with every fault module's
 * parse(). Must never crash, leak or accept a spec it then cannot free. */
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct spec s;
        struct error e;

        if (spec_parse((const char *)data, size, SPEC_TARGET_OPTIONAL, 0, &s, &e) == 0)
                spec_free(&s);
        return 0;
}
