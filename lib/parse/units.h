/* Numeric parsing of the spec's units. All functions are pure, accept the
 * whole string only (no trailing junk) and return 0 or -EINVAL/-ERANGE. */
#pragma once
#include <stdint.h>

/* "250us", "100ms", "1.5s", "2m", "1h" -> microseconds. A unit is required. */
int units_parse_duration_us(const char *s, uint64_t *ret_us);
/* "5%", "0.5%" -> 5.0, 0.5; range 0..100. */
int units_parse_percent(const char *s, double *ret_pct);
/* "64MiB", "1GiB", "512KiB", "100MB", "4096" (bytes), "1.5GiB" -> bytes. */
int units_parse_size(const char *s, uint64_t *ret_bytes);
/* "1mbit", "500kbit", "10gbit", "100bps", "1MBps" -> bytes per second. */
int units_parse_rate(const char *s, uint64_t *ret_bytes_per_sec);
/* Format microseconds as "1.5s" / "100ms" / "250us" into buf. */
const char *units_format_duration(uint64_t us, char *buf, unsigned long len);
