#include "randid.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void randid_new(const char *prefix, char *buf, size_t len)
{
        unsigned char b[6] = { 0 };

        /* getrandom only fails before the pool is seeded (early boot);
         * an id needs to be unique, not secret. */
        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (unsigned char)(rand() & 0xff);
        snprintf(buf, len, "%s%02x%02x%02x%02x%02x%02x", prefix, b[0], b[1], b[2], b[3], b[4], b[5]);
}
