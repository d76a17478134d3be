/* units: Prometheus durations and ES byte sizes. Strict on purpose: a typo in a
 * config value must be an error, never a silently different number. */
#include "units.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MS_PER_DAY (24LL * 3600 * 1000)

/* Largest first: a duration must use them in this order, each at most once. */
static const struct {
    const char *name;
    long long ms;
} dur_units[] = {
    {"y", 365 * MS_PER_DAY}, {"w", 7 * MS_PER_DAY}, {"d", MS_PER_DAY}, {"h", 3600 * 1000LL},
    {"m", 60 * 1000LL},      {"s", 1000LL},         {"ms", 1LL},
};
#define N_DUR_UNITS (sizeof(dur_units) / sizeof(dur_units[0]))

/* Index of the unit at s, and its length; -1 when none. "ms" beats "m". */
static int dur_unit_at(const char *s, size_t *len)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < N_DUR_UNITS; i++) {
        size_t n = strlen(dur_units[i].name);
        if (n > best_len && strncmp(s, dur_units[i].name, n) == 0) {
            best = (int)i;
            best_len = n;
        }
    }
    *len = best_len;
    return best;
}

int units_parse_duration_ms(const char *s, long long *ms)
{
    if (!s || !*s)
        return -1;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    long long total = 0;
    int last = -1;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return -1;
        long long v = 0;
        for (; isdigit((unsigned char)*p); p++) {
            int d = *p - '0';
            if (v > (LLONG_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
        }
        size_t ulen;
        int u = dur_unit_at(p, &ulen);
        if (u < 0 || u <= last)
            return -1;
        long long mult = dur_units[u].ms;
        if (v > (LLONG_MAX - total) / mult)
            return -1;
        total += v * mult;
        last = u;
        p += ulen;
    }
    *ms = total;
    return 0;
}

void units_format_duration(long long ms, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    out[0] = '\0';
    if (ms == 0) {
        snprintf(out, n, "0s");
        return;
    }
    size_t used = 0;
    unsigned long long rest = ms < 0 ? 0ULL - (unsigned long long)ms : (unsigned long long)ms;
    if (ms < 0)
        used += (size_t)snprintf(out, n, "-");
    for (size_t i = 0; i < N_DUR_UNITS && used < n; i++) {
        unsigned long long unit = (unsigned long long)dur_units[i].ms;
        unsigned long long v = rest / unit;
        rest %= unit;
        if (v)
            used += (size_t)snprintf(out + used, n - used, "%llu%s", v, dur_units[i].name);
    }
}

/* Binary multiples, as ES's ByteSizeValue; the one-letter forms are ES's too. */
static const struct {
    const char *name;
    double mult;
} byte_units[] = {
    {"b", 1.0},
    {"k", 1024.0},
    {"kb", 1024.0},
    {"m", 1048576.0},
    {"mb", 1048576.0},
    {"g", 1073741824.0},
    {"gb", 1073741824.0},
    {"t", 1099511627776.0},
    {"tb", 1099511627776.0},
    {"p", 1125899906842624.0},
    {"pb", 1125899906842624.0},
};

/* Reads an unsigned decimal "12" or "1.5" by hand (strtod would follow the
 * locale and accept hex, exponents and signs); returns the end, or NULL. */
static const char *scan_decimal(const char *p, double *v, int *fraction)
{
    const char *start = p;
    *v = 0;
    for (; isdigit((unsigned char)*p); p++)
        *v = *v * 10 + (*p - '0');
    if (p == start)
        return NULL;
    *fraction = 0;
    if (*p == '.') {
        const char *f = ++p;
        double scale = 1;
        for (; isdigit((unsigned char)*p); p++)
            *v += (*p - '0') * (scale /= 10);
        if (p == f)
            return NULL;
        *fraction = 1;
    }
    return p;
}

int units_parse_bytes(const char *s, double *bytes)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    int fraction;
    double num;
    const char *end = scan_decimal(s, &num, &fraction);
    if (!end)
        return -1;
    const char *u = end;
    while (isspace((unsigned char)*u))
        u++;
    size_t ulen = strcspn(u, " \t\r\n\f\v");
    const char *tail = u + ulen;
    while (isspace((unsigned char)*tail))
        tail++;
    if (*tail)
        return -1;
    double mult = 0;
    if (ulen == 0) {
        mult = 1.0;
    } else {
        for (size_t i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++)
            if (strlen(byte_units[i].name) == ulen && strncasecmp(u, byte_units[i].name, ulen) == 0)
                mult = byte_units[i].mult;
    }
    /* A fraction of a single byte means nothing: ES refuses "1.5b" too. */
    if (mult == 0 || (fraction && mult == 1.0))
        return -1;
    double v = num * mult;
    if (!isfinite(v))
        return -1;
    *bytes = v;
    return 0;
}
