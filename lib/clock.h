/* The two clocks of chaosd, named for what they are for.
 *
 * Wall time (CLOCK_REALTIME) only for timestamps a person reads or the
 * journal keeps across restarts: created_at, deadline, ended_at, event
 * times, cron ticks. It jumps when the clock is set, so never measure a
 * duration with it.
 * Monotonic time (CLOCK_MONOTONIC) for durations and waits inside one
 * process: latencies, histograms, uptime, give-up bounds. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the epoch. */
int64_t clock_wall_ms(void);
/* Monotonic milliseconds and microseconds (arbitrary origin). */
int64_t clock_mono_ms(void);
uint64_t clock_mono_us(void);
/* WALL_MS as "2026-12-04T16:55:33.123Z" into BUF (at least 25 bytes). */
void clock_wall_iso(int64_t wall_ms, char *buf, size_t len);
