/* utf8: maximal-subpart repair of ill-formed UTF-8 (the rare path: callers
 * test utf8_all_ascii first) and the process-wide count of repairs. */
#include "utf8.h"

#include <stdatomic.h>

/* One count for every repair in the process: the parsers are many and short
 * lived, the counter is exported once. */
static atomic_ullong repaired_total;

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when it is not
 * one; *bad then gets the length of its maximal ill-formed prefix (at least
 * 1), which becomes a single U+FFFD. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < need && i < n; i++) {
        unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
        if (s[i] < lo_i || s[i] > hi_i)
            break;
    }
    if (i == need)
        return need;
    *bad = i;
    return 0;
}

const char *utf8_repair(buf *scratch, const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n = *len, bad = 0, ok;
    while (i < n && (ok = utf8_seq(u + i, n - i, &bad)) != 0)
        i += ok;
    if (i == n)
        return s;
    buf_reset(scratch);
    buf_append(scratch, s, i);
    while (i < n) {
        ok = utf8_seq(u + i, n - i, &bad);
        if (ok) {
            buf_append(scratch, u + i, ok);
            i += ok;
        } else {
            buf_append(scratch, "\xEF\xBF\xBD", 3);
            i += bad;
        }
    }
    if (scratch->failed)
        return NULL;
    atomic_fetch_add_explicit(&repaired_total, 1, memory_order_relaxed);
    *len = scratch->len;
    return scratch->data;
}

unsigned long long utf8_repaired_total(void)
{
    return atomic_load_explicit(&repaired_total, memory_order_relaxed);
}
