/* The `bandwidth` fault's parsed form: the engine's part and tbf's
 * parameters. Public for the unit tests that inspect a parse. */
#pragma once
#include "tbf.h"
#include "tc_engine.h"

struct bandwidth_fault {
        struct netfault nf; /* first: the engine sees f->priv as this */
        struct tbf_params tbf;
};
