/* utf8: the well-formedness test and repair every JSON front end applies to
 * the strings and keys of ES answers, with one process-wide repair count. */
#ifndef ESVIGIL_UTF8_H
#define ESVIGIL_UTF8_H

#include <stdint.h>
#include <string.h>

#include "buf.h"

/* Whether u[0..n) is all ASCII, a word at a time: nearly every key and value
 * is, and this test runs on each. Short strings are covered by two
 * overlapping loads rather than a loop. */
static inline int utf8_all_ascii(const unsigned char *u, size_t n)
{
    uint64_t w8, acc = 0;
    uint32_t w4a, w4b;
    uint16_t w2a, w2b;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w8, u + i, 8);
            acc |= w8;
        }
        memcpy(&w8, u + n - 8, 8); /* the tail, overlapping */
        acc |= w8;
    } else if (n >= 4) {
        memcpy(&w4a, u, 4);
        memcpy(&w4b, u + n - 4, 4);
        acc = w4a | w4b;
    } else if (n >= 2) {
        memcpy(&w2a, u, 2);
        memcpy(&w2b, u + n - 2, 2);
        acc = (uint64_t)(w2a | w2b);
    } else if (n == 1) {
        acc = u[0];
    }
    return (acc & 0x8080808080808080ull) == 0;
}

/* s itself when s[0..*len) is well-formed UTF-8. Otherwise a copy in
 * scratch (reset first) with each ill-formed sequence replaced by U+FFFD
 * (Unicode's "substitution of maximal subparts", as browsers do), *len set
 * to its length, and the string counted once in utf8_repaired_total; one bad
 * index name then costs one odd label, not the whole answer. NULL when out
 * of memory. */
const char *utf8_repair(buf *scratch, const char *s, size_t *len);

/* Strings repaired so far by every caller on every thread (exported as
 * esvigil_invalid_utf8_total). */
unsigned long long utf8_repaired_total(void);

#endif
