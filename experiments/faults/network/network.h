/* The `network` fault's parsed form: the engine's part and netem's
 * parameters. Public for the unit tests that inspect a parse. */
#pragma once
#include "netem.h"
#include "tc_engine.h"

struct netem_fault {
        struct netfault nf; /* first: the engine sees f->priv as this */
        struct netem_params nem;
};
