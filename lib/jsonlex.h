/* jsonlex: the byte-level pieces of JSON lexing shared by catjson and
 * jsonwalk, written to accept, reject and decode exactly what yajl 2.1 does
 * with yajl_dont_validate_strings set, so both stay drop-in replacements. */
#ifndef ESVIGIL_JSONLEX_H
#define ESVIGIL_JSONLEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"

/* A string being scanned, possibly across feeds. */
typedef struct jsonlex_str {
    int esc; /* 0; 1 right after a backslash; 2..5: \u hex digits still due, plus 1 */
    int has_esc, nonascii;
} jsonlex_str;

#define JSONLEX_ONES 0x0101010101010101ull
#define JSONLEX_HIGHS 0x8080808080808080ull

/* The first byte of [p, end) a string scan must stop at: '"', '\\', a control
 * character or, unless high_seen, a byte >= 0x80. Sixteen bytes at a time
 * with SSE2, else eight: in each SWAR term only bytes above a true match can
 * be false positives, so the lowest flagged byte is a true one. Inline: it
 * is the hot loop of both parsers. */
static inline const char *jsonlex_plain_run(const char *p, const char *end, int high_seen)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1F);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                         _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
        unsigned m = (unsigned)_mm_movemask_epi8(hit);
        if (!high_seen)
            m |= (unsigned)_mm_movemask_epi8(x);
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t high = high_seen ? 0 : JSONLEX_HIGHS;
    while (end - p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, p, 8);
        q = w ^ (JSONLEX_ONES * '"');
        b = w ^ (JSONLEX_ONES * '\\');
        uint64_t m = (((q - JSONLEX_ONES) & ~q) | ((b - JSONLEX_ONES) & ~b) |
                      ((w - JSONLEX_ONES * 0x20) & ~w)) &
                     JSONLEX_HIGHS;
        m |= w & high;
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    for (; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\' || ch < 0x20 || (ch >= 0x80 && !high_seen))
            return p;
    }
    return end;
}

/* Scans string content from p (after the opening quote, or where the last
 * feed stopped): the closing quote, end when the string goes on past this
 * feed, or NULL with *bad at the offending byte and *why saying what. */
const char *jsonlex_scan_string(jsonlex_str *s, const char *p, const char *end, const char **bad,
                                const char **why);

/* The escapes of s[0..n) (checked by jsonlex_scan_string) decoded into b
 * the way Debian's yajl 2.1 decodes them, quirks included. NULL when out of
 * memory, else b's data with *len set. */
const char *jsonlex_decode(buf *b, const char *s, size_t n, size_t *len);

/* yajl's whitespace: \v and \f too. */
static inline int jsonlex_is_blank(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* The first non-blank byte of [p, end), or end. Sixteen bytes at a time:
 * pretty-printed bodies are a third indentation. */
static inline const char *jsonlex_skip_blanks(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), four = _mm_set1_epi8(4);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i t = _mm_sub_epi8(x, tab); /* \t..\r become 0..4 */
        __m128i blank =
            _mm_or_si128(_mm_cmpeq_epi8(x, space), _mm_cmpeq_epi8(_mm_min_epu8(t, four), t));
        unsigned m = ~(unsigned)_mm_movemask_epi8(blank) & 0xFFFFu;
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < end && jsonlex_is_blank((unsigned char)*p))
        p++;
    return p;
}

static inline int jsonlex_is_number_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
           ch == 'E';
}

/* Whether s[0..n) (n >= 1) is one JSON number. Tokens are the longest run
 * of number bytes; when that run is not a number, yajl fails on it too (at
 * a later token perhaps, but it fails). */
int jsonlex_is_number(const char *s, size_t n);

#endif
