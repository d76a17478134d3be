/* units: parsing of Prometheus durations ("500ms", "1m30s") and ES byte
 * sizes ("10gb", "512MB", "1024"), shared by config and the ES parsers. */
#ifndef ESVIGIL_UNITS_H
#define ESVIGIL_UNITS_H

#include <stddef.h>

/* Prometheus duration: one or more <int><unit> with unit in y w d h m s ms,
 * largest first, e.g. "1h30m", "500ms", "15s". "0" is allowed. 0 or -1. */
int units_parse_duration_ms(const char *s, long long *ms);

/* Writes ms in the Prometheus spelling ("1m30s", "500ms", "0s"). */
void units_format_duration(long long ms, char *out, size_t n);

/* ES byte size: a number with an optional case-insensitive unit
 * b kb mb gb tb pb (binary multiples, as ES uses), e.g. "10gb", "1.5KB",
 * "1024". Whitespace around is ignored. 0 or -1. */
int units_parse_bytes(const char *s, double *bytes);

#endif
