#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
        const char *name;
        double factor;
};

/* Parse "<number><unit>" where the unit must be one of the table. Numbers are
 * plain decimals: no sign, no exponent, no hex, so "1e3s" or "-5s" fail. */
static int parse_scaled(const char *s, const struct unit *units, int unit_required, double *ret)
{
        const char *p = s;
        char *end;
        double v;

        if (!s || !*s)
                return -EINVAL;
        for (p = s; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        if (p == s || (p == s + 1 && s[0] == '.'))
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end != p || !isfinite(v))
                return -ERANGE;
        if (*p == '\0') {
                if (unit_required)
                        return -EINVAL;
                *ret = v;
                return 0;
        }
        for (const struct unit *u = units; u->name; u++) {
                if (strcmp(p, u->name) == 0) {
                        *ret = v * u->factor;
                        return 0;
                }
        }
        return -EINVAL;
}

int units_parse_duration_us(const char *s, uint64_t *ret_us)
{
        static const struct unit units[] = {
                { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "m", 60e6 }, { "h", 3600e6 }, { NULL, 0 },
        };
        double v;
        int r = parse_scaled(s, units, 1, &v);

        if (r < 0)
                return r;
        if (v > 1e18)
                return -ERANGE;
        *ret_us = (uint64_t)llround(v);
        return 0;
}

int units_parse_percent(const char *s, double *ret_pct)
{
        static const struct unit units[] = { { "%", 1 }, { NULL, 0 } };
        double v;
        int r = parse_scaled(s, units, 1, &v);

        if (r < 0)
                return r;
        if (v < 0 || v > 100)
                return -ERANGE;
        *ret_pct = v;
        return 0;
}

int units_parse_size(const char *s, uint64_t *ret_bytes)
{
        static const struct unit units[] = {
                { "B", 1 },
                { "K", 1024.0 },
                { "KiB", 1024.0 },
                { "KB", 1e3 },
                { "M", 1048576.0 },
                { "MiB", 1048576.0 },
                { "MB", 1e6 },
                { "G", 1073741824.0 },
                { "GiB", 1073741824.0 },
                { "GB", 1e9 },
                { "T", 1099511627776.0 },
                { "TiB", 1099511627776.0 },
                { "TB", 1e12 },
                { NULL, 0 },
        };
        double v;
        int r = parse_scaled(s, units, 0, &v);

        if (r < 0)
                return r;
        if (v > 9.2e18)
                return -ERANGE;
        *ret_bytes = (uint64_t)llround(v);
        return 0;
}

int units_parse_rate(const char *s, uint64_t *ret_bps)
{
        /* tc's conventions: "bit" units are bits per second, "Bps" bytes. */
        static const struct unit units[] = {
                { "bit", 1 / 8.0 }, { "kbit", 1e3 / 8 }, { "mbit", 1e6 / 8 }, { "gbit", 1e9 / 8 }, { "bps", 1 },
                { "Bps", 1 },       { "kbps", 1e3 },     { "KBps", 1e3 },     { "mbps", 1e6 },     { "MBps", 1e6 },
                { "gbps", 1e9 },    { "GBps", 1e9 },     { NULL, 0 },
        };
        double v;
        int r = parse_scaled(s, units, 1, &v);

        if (r < 0)
                return r;
        if (v > 1.8e19 || v < 1)
                return -ERANGE;
        *ret_bps = (uint64_t)llround(v);
        return 0;
}

const char *units_format_duration(uint64_t us, char *buf, unsigned long len)
{
        if (us % 1000000 == 0)
                snprintf(buf, len, "%llus", (unsigned long long)(us / 1000000));
        else if (us % 1000 == 0)
                snprintf(buf, len, "%llums", (unsigned long long)(us / 1000));
        else
                snprintf(buf, len, "%lluus", (unsigned long long)us);
        return buf;
}
