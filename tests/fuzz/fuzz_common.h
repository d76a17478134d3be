/* fuzz_common: helpers shared by the libFuzzer targets: chunked feeding of a streaming parser
 * (split points derived from the input) and invariant checks on what a parser produced. */
#ifndef ESVIGIL_FUZZ_COMMON_H
#define ESVIGIL_FUZZ_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exposition.h"
#include "metric.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broke: abort() so libFuzzer saves the input as a crash. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* How one input is cut into chunks. The cuts hash the first bytes together with the size, so
 * the many mutations that change the length move the cuts without breaking the document's
 * start. */
typedef struct fuzz_plan {
    size_t cut[2];     /* cut[0] <= cut[1] <= size: chunks [0,c0) [c0,c1) [c1,size) */
    unsigned int bits; /* spare hash bits for per-target choices */
} fuzz_plan;

static inline fuzz_plan fuzz_plan_of(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ULL ^ size;
    for (size_t i = 0; i < size && i < 4; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    h ^= h >> 29;
    fuzz_plan p;
    size_t a = (size_t)(h % (size + 1));
    size_t b = (size_t)((h >> 20) % (size + 1));
    if (h & (1ULL << 63)) /* two chunks only */
        b = a;
    p.cut[0] = a < b ? a : b;
    p.cut[1] = a < b ? b : a;
    p.bits = (unsigned int)(h >> 40);
    return p;
}

typedef int (*fuzz_sink)(void *parser, const char *data, size_t len);

/* Feeds the input in up to three chunks, stopping at the first refusal as esclient does.
 * 0 when every chunk was accepted. */
static inline int fuzz_feed(fuzz_sink feed, void *parser, const uint8_t *data, size_t size,
                            const fuzz_plan *p)
{
    size_t from = 0;
    for (int i = 0; i < 3; i++) {
        size_t to = i < 2 ? p->cut[i] : size;
        if (feed(parser, (const char *)data + from, to - from) != 0)
            return -1;
        from = to;
    }
    return 0;
}

/* Error and warning messages go to one log line each. */
static inline void fuzz_check_line(const char *s)
{
    FUZZ_ASSERT(s != NULL);
    FUZZ_ASSERT(strchr(s, '\n') == NULL);
}

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static inline int fuzz_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4;
        else
            return 0;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (i + n > len || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        i += n;
    }
    return 1;
}

static inline int fuzz_name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* Checks one sample line "name{l="v",...} value" up to (not including) end; returns 0 when
 * well-formed. A raw newline inside a label value would end the line inside the quotes. */
static inline int fuzz_sample_line_ok(const char *p, const char *end)
{
    if (p == end || !fuzz_name_char(*p, 1))
        return -1;
    while (p < end && fuzz_name_char(*p, 0))
        p++;
    if (p < end && *p == '{') {
        p++;
        for (;;) {
            if (p == end || !fuzz_name_char(*p, 1))
                return -1;
            while (p < end && fuzz_name_char(*p, 0))
                p++;
            if (end - p < 2 || p[0] != '=' || p[1] != '"')
                return -1;
            for (p += 2; p < end && *p != '"'; p++) {
                if (*p == '\\') {
                    if (++p == end || (*p != '\\' && *p != 'n' && *p != '"'))
                        return -1;
                }
            }
            if (p == end)
                return -1; /* the value ran to the end of the line: raw newline */
            p++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return -1;
        }
    }
    if (p == end || *p != ' ')
        return -1;
    p++;
    size_t vlen = (size_t)(end - p);
    if ((vlen == 3 && memcmp(p, "NaN", 3) == 0) || (vlen == 4 && memcmp(p, "+Inf", 4) == 0) ||
        (vlen == 4 && memcmp(p, "-Inf", 4) == 0))
        return 0;
    char num[EXPOSITION_VALUE_MAX + 1];
    if (vlen == 0 || vlen >= sizeof(num))
        return -1;
    memcpy(num, p, vlen);
    num[vlen] = '\0';
    char *stop;
    double v = strtod(num, &stop);
    return *stop == '\0' && isfinite(v) ? 0 : -1;
}

/* Renders s in format fmt and checks that the page parses line by line: comments are HELP,
 * TYPE or EOF, every other line is one well-formed sample, one line per sample, valid UTF-8. */
static inline void fuzz_check_render(const metric_set *s, exposition_format fmt)
{
    buf out;
    buf_init(&out);
    FUZZ_ASSERT(exposition_render(s, fmt, &out) == 0);
    FUZZ_ASSERT(fuzz_utf8_valid((const unsigned char *)out.data, out.len));
    FUZZ_ASSERT(out.len == 0 || out.data[out.len - 1] == '\n');
    FUZZ_ASSERT(out.len == 0 || memchr(out.data, '\0', out.len) == NULL);
    size_t samples = 0;
    const char *p = out.data, *end = out.data ? out.data + out.len : NULL;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        FUZZ_ASSERT(nl != NULL);
        if (*p == '#') {
            size_t n = (size_t)(nl - p);
            FUZZ_ASSERT((n > 7 && memcmp(p, "# HELP ", 7) == 0) ||
                        (n > 7 && memcmp(p, "# TYPE ", 7) == 0) ||
                        (n == 5 && memcmp(p, "# EOF", 5) == 0 && nl + 1 == end));
        } else {
            FUZZ_ASSERT(fuzz_sample_line_ok(p, nl) == 0);
            samples++;
        }
        p = nl + 1;
    }
    FUZZ_ASSERT(samples == metric_set_sample_count(s));
    if (fmt == EXPOSITION_OPENMETRICS)
        FUZZ_ASSERT(out.len >= 6 && memcmp(out.data + out.len - 6, "# EOF\n", 6) == 0);
    buf_free(&out);
}

/* What every parser's samples must survive: both exposition formats. */
static inline void fuzz_check_set(const metric_set *s)
{
    fuzz_check_render(s, EXPOSITION_TEXT);
    fuzz_check_render(s, EXPOSITION_OPENMETRICS);
}

#endif
