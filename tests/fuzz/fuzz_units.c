/* libFuzzer target: the unit parsers (durations, percentages, sizes, rates,
 * signals) on arbitrary NUL-terminated strings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        uint64_t v;
        double d;
        int sig;
        char buf[64];

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (units_parse_duration_us(s, &v) == 0)
                units_format_duration(v, buf, sizeof(buf));
        (void)units_parse_percent(s, &d);
        (void)units_parse_size(s, &v);
        (void)units_parse_rate(s, &v);
        (void)proc_signal_parse(s, &sig);
        free(s);
        return 0;
}
