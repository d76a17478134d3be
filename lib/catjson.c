/* catjson: a fast path for rows of plain strings, a byte-level state machine
 * for everything else, strings scanned 16 bytes at a time; a token cut by
 * the end of a feed is carried over in one buffer, so rows may span feeds. */
#include "catjson.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"
#include "utf8.h"

/* Where the grammar stands between tokens. */
typedef enum {
    S_START,       /* before the array */
    S_FIRST_ROW,   /* after '[': a row or ']' */
    S_ROW,         /* after ',' between rows: a row */
    S_FIRST_KEY,   /* after '{': a key or '}' */
    S_KEY,         /* after ',' in a row: a key */
    S_COLON,       /* after a key */
    S_VALUE,       /* after ':' */
    S_AFTER_VALUE, /* ',' or '}' */
    S_AFTER_ROW,   /* ',' or ']' */
    S_DONE         /* after ']': blanks only */
} state;

/* A token cut by the end of a feed. */
typedef enum { T_NONE, T_KEY, T_STRING, T_NUMBER, T_LITERAL } token;

/* Columns by a hash of their name: index + 1, 0 for none, SLOT_MANY when
 * several share the slot (then every column is tried). */
enum { NSLOTS = 64, SLOT_MANY = 255 };

struct catjson {
    catjson_callbacks cb;
    void *ctx;
    const char *const *columns;
    size_t ncolumns;
    size_t *colen;
    unsigned char slot[NSLOTS];
    state st;
    token tok;       /* T_NONE unless a token spans feeds */
    buf carry;       /* its bytes so far (a string's without the opening quote) */
    const char *lit; /* T_LITERAL: the literal, litpos bytes of it matched */
    size_t litpos;
    /* the string being scanned */
    int esc; /* 0; 1 right after a backslash; 2..5: \u hex digits still due, plus 1 */
    int has_esc, nonascii;
    long column; /* the column of the last key, -1 for one nobody reads */
    buf decoded, repaired;
    const char *base;            /* the feed being scanned, for error offsets */
    unsigned long long consumed; /* bytes of the feeds before it */
    unsigned long long invalid_utf8;
    size_t rows;
    int failed, started, finished;
    char err[256];
};

int catjson_fail(catjson *c, const char *msg)
{
    if (!c->failed) {
        c->failed = 1;
        snprintf(c->err, sizeof(c->err), "%s", msg);
    }
    return -1;
}

/* A failure at p in the current feed: says where. */
static int fail_at(catjson *c, const char *p, const char *what)
{
    char msg[sizeof(c->err)];
    snprintf(msg, sizeof(msg), "at byte %llu (row %zu): %s",
             c->consumed + (unsigned long long)(p - c->base), c->rows + 1, what);
    return catjson_fail(c, msg);
}

static int oom(catjson *c)
{
    return catjson_fail(c, "out of memory");
}

/* ---- strings ---- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* The first byte of [p, end) a string scan must stop at: '"', '\\', a control
 * character or, unless high_seen, a byte >= 0x80. Sixteen bytes at a time
 * with SSE2, else eight: in each SWAR term only bytes above a true match can
 * be false positives, so the lowest flagged byte is a true one. */
static inline const char *plain_run(const char *p, const char *end, int high_seen)
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
    uint64_t high = high_seen ? 0 : HIGHS;
    while (end - p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, p, 8);
        q = w ^ (ONES * '"');
        b = w ^ (ONES * '\\');
        uint64_t m = (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w)) & HIGHS;
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

static int is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

/* One byte of an escape (c->esc != 0), checked as yajl's lexer does. */
static int escape_byte(catjson *c, const char *p)
{
    unsigned char ch = (unsigned char)*p;
    if (c->esc > 1) {
        if (!is_hex(ch))
            return fail_at(c, p, "invalid \\u escape in a string (not a hex digit)");
        c->esc = c->esc == 2 ? 0 : c->esc - 1;
    } else if (ch == 'u') {
        c->esc = 5;
    } else if (ch && strchr("\"\\/bfnrt", ch)) {
        c->esc = 0;
    } else {
        return fail_at(c, p, "invalid escape in a string");
    }
    return 0;
}

/* Scans string content from p: the closing quote, end when the string goes
 * on past this feed, or NULL on an error. */
static const char *scan_string(catjson *c, const char *p, const char *end)
{
    while (p < end) {
        if (c->esc) {
            if (escape_byte(c, p) < 0)
                return NULL;
            p++;
            continue;
        }
        p = plain_run(p, end, c->nonascii);
        if (p == end)
            break;
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            return p;
        if (ch == '\\') {
            c->has_esc = 1;
            c->esc = 1;
        } else if (ch < 0x20) {
            fail_at(c, p, "control character in a string");
            return NULL;
        } else {
            c->nonascii = 1;
        }
        p++;
    }
    return end;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)s[i];
        v = v << 4 | (ch <= '9' ? ch - 48u : (ch | 0x20u) - 87u); /* '0' and 'a' - 10 */
    }
    return v;
}

static void put_codepoint(buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, u, n);
}

/* The escapes of s[0..n) (checked by scan_string) decoded into c->decoded
 * the way Debian's yajl 2.1 decodes them, quirks included: a high surrogate
 * followed by any \u escape is combined with it, one followed by anything
 * else becomes '?', a lone low surrogate is encoded as is (utf8_repair then
 * replaces it). NULL when out of memory. */
static const char *decode(catjson *c, const char *s, size_t n, size_t *len)
{
    static const char simple[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};
    buf *b = &c->decoded;
    buf_reset(b);
    size_t i = 0;
    while (i < n) {
        const char *bs = memchr(s + i, '\\', n - i);
        size_t stop = bs ? (size_t)(bs - s) : n;
        buf_append(b, s + i, stop - i);
        if ((i = stop) == n)
            break;
        unsigned char e = (unsigned char)s[i + 1];
        if (e != 'u') {
            buf_putc(b, simple[e]);
            i += 2;
            continue;
        }
        unsigned cp = hex4(s + i + 2);
        i += 6;
        if ((cp & 0xFC00) == 0xD800) {
            if (i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
                unsigned lo = hex4(s + i + 2);
                cp = ((cp & 0x3F) << 10 | (((cp >> 6) & 0xF) + 1) << 16) | (lo & 0x3FF);
                i += 6;
            } else {
                buf_putc(b, '?');
                continue;
            }
        }
        put_codepoint(b, cp);
    }
    if (b->failed)
        return NULL;
    *len = b->len;
    return b->data;
}

/* Any key of len >= 1; three bytes and the length tell _cat's columns apart. */
static unsigned key_hash(const char *k, size_t len)
{
    const unsigned char *u = (const unsigned char *)k;
    return (unsigned)(len * 7 + u[0] * 3u + u[len / 2] + u[len - 1] * 5u) & (NSLOTS - 1);
}

static long match_column(const catjson *c, const char *k, size_t len)
{
    unsigned char s = len ? c->slot[key_hash(k, len)] : SLOT_MANY;
    if (s == 0)
        return -1;
    if (s != SLOT_MANY) {
        size_t i = s - 1u;
        return c->colen[i] == len && memcmp(c->columns[i], k, len) == 0 ? (long)i : -1;
    }
    for (size_t i = 0; i < c->ncolumns; i++)
        if (c->colen[i] == len &&
            (len == 0 || (c->columns[i][0] == k[0] && memcmp(c->columns[i], k, len) == 0)))
            return (long)i;
    return -1;
}

static int deliver(catjson *c, catjson_kind kind, const char *s, size_t len, int has_nul)
{
    c->st = S_AFTER_VALUE;
    if (c->column < 0 || !c->cb.value)
        return 0;
    catjson_value v = {kind, s, len, has_nul};
    if (c->cb.value(c->ctx, (size_t)c->column, &v) != 0)
        return catjson_fail(c, "aborted by callback");
    return 0;
}

/* A whole string's raw content s[0..n), a key or a value. */
static int got_string(catjson *c, const char *s, size_t n, int is_key)
{
    if (c->has_esc && !(s = decode(c, s, n, &n)))
        return oom(c);
    if ((c->has_esc || c->nonascii) && !utf8_all_ascii((const unsigned char *)s, n)) {
        const char *r = utf8_repair(&c->repaired, s, &n);
        if (!r)
            return oom(c);
        c->invalid_utf8 += r != s;
        s = r;
    }
    const char *nul = c->has_esc ? memchr(s, '\0', n) : NULL; /* only \u0000 makes one */
    if (!is_key)
        return deliver(c, CATJSON_STRING, s, n, nul != NULL);
    c->column = match_column(c, s, nul ? (size_t)(nul - s) : n);
    c->st = S_COLON;
    return 0;
}

/* ---- numbers and literals ---- */

static int is_number_byte(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
           ch == 'E';
}

static size_t digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Whether s[0..n) is one JSON number. Tokens are the longest run of number
 * bytes; when that run is not a number, yajl fails on it too (at a later
 * token perhaps, but it fails). */
static int is_number(const char *s, size_t n)
{
    size_t i = s[0] == '-', j;
    if (i < n && s[i] == '0')
        i++;
    else if ((j = digits(s, i, n)) > i)
        i = j;
    else
        return 0;
    if (i < n && s[i] == '.') {
        if ((j = digits(s, i + 1, n)) == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((j = digits(s, i, n)) == i)
            return 0;
        i = j;
    }
    return i == n;
}

static int got_number(catjson *c, const char *s, size_t n, const char *at)
{
    if (!is_number(s, n))
        return fail_at(c, at, "invalid number");
    return deliver(c, CATJSON_NUMBER, s, n, 0);
}

static int got_literal(catjson *c)
{
    const char *lit = c->lit;
    c->tok = T_NONE;
    return deliver(c, lit[0] == 'n' ? CATJSON_NULL : CATJSON_BOOL, lit, strlen(lit), 0);
}

/* Matches the literal from p on; the byte after it, or NULL on a mismatch
 * (end when the literal goes on past this feed). */
static const char *scan_literal(catjson *c, const char *p, const char *end)
{
    for (; p < end && c->lit[c->litpos]; p++, c->litpos++)
        if (*p != c->lit[c->litpos]) {
            fail_at(c, p, "invalid literal (not true, false or null)");
            return NULL;
        }
    if (c->lit[c->litpos] == '\0' && got_literal(c) < 0)
        return NULL;
    return p;
}

/* ---- tokens cut by a feed's end ---- */

static int carry(catjson *c, token t, const char *p, size_t n)
{
    c->tok = t;
    buf_reset(&c->carry);
    return buf_append(&c->carry, p, n) < 0 ? oom(c) : 0;
}

/* Goes on with the token the last feed cut; where the grammar resumes, or
 * end when the token goes on, NULL on an error. */
static const char *resume(catjson *c, const char *p, const char *end)
{
    const char *q;
    switch (c->tok) {
    case T_KEY:
    case T_STRING: {
        if (!(q = scan_string(c, p, end)))
            return NULL;
        if (buf_append(&c->carry, p, (size_t)(q - p)) < 0) {
            oom(c);
            return NULL;
        }
        if (q == end)
            return end;
        int is_key = c->tok == T_KEY;
        c->tok = T_NONE;
        return got_string(c, c->carry.data, c->carry.len, is_key) < 0 ? NULL : q + 1;
    }
    case T_NUMBER:
        for (q = p; q < end && is_number_byte((unsigned char)*q); q++)
            ;
        if (buf_append(&c->carry, p, (size_t)(q - p)) < 0) {
            oom(c);
            return NULL;
        }
        if (q == end)
            return end;
        c->tok = T_NONE;
        return got_number(c, c->carry.data, c->carry.len, q) < 0 ? NULL : q;
    case T_LITERAL:
        return scan_literal(c, p, end);
    case T_NONE:
        break;
    }
    return p;
}

/* ---- the grammar between tokens ---- */

static int is_blank(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r'); /* yajl's set: \v and \f too */
}

/* A string starting after its quote at p: past its closing quote, end when
 * it goes on past this feed, NULL on an error. */
static const char *string_at(catjson *c, const char *p, const char *end, int is_key)
{
    c->esc = c->has_esc = c->nonascii = 0;
    const char *q = scan_string(c, p, end);
    if (!q)
        return NULL;
    if (q == end)
        return carry(c, is_key ? T_KEY : T_STRING, p, (size_t)(end - p)) < 0 ? NULL : end;
    return got_string(c, p, (size_t)(q - p), is_key) < 0 ? NULL : q + 1;
}

static const char *value_at(catjson *c, const char *p, const char *end)
{
    unsigned char ch = (unsigned char)*p;
    if (ch == '"')
        return string_at(c, p + 1, end, 0);
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        const char *q = p;
        while (q < end && is_number_byte((unsigned char)*q))
            q++;
        if (q == end)
            return carry(c, T_NUMBER, p, (size_t)(end - p)) < 0 ? NULL : end;
        return got_number(c, p, (size_t)(q - p), p) < 0 ? NULL : q;
    }
    if (ch == 't' || ch == 'f' || ch == 'n') {
        c->lit = ch == 't' ? "true" : ch == 'f' ? "false" : "null";
        c->litpos = 0;
        c->tok = T_LITERAL;
        return scan_literal(c, p, end);
    }
    fail_at(c, p,
            ch == '{' || ch == '['
                ? "a nested object or array as a value (a _cat row holds only scalars)"
                : "expected a value");
    return NULL;
}

static int end_row(catjson *c)
{
    c->rows++;
    c->st = S_AFTER_ROW;
    if (c->cb.row && c->cb.row(c->ctx) != 0)
        return catjson_fail(c, "aborted by callback");
    return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && is_blank((unsigned char)*p))
        p++;
    return p;
}

/* The common case in place: keys and values that are plain ASCII strings
 * (or null) closed within this feed, across as many rows as there are.
 * Called at a key's opening quote; leaves at the first thing it does not
 * handle, with c->st telling step() where it stands, so p comes back
 * unchanged when even the first key is not plain. NULL on an error. */
static const char *fast_rows(catjson *c, const char *p, const char *end)
{
    for (;;) {
        if (p == end || *p != '"')
            return p;
        const char *k = p + 1, *q = plain_run(k, end, 0);
        if (q == end || *q != '"')
            return p;
        c->column = match_column(c, k, (size_t)(q - k));
        c->st = S_COLON;
        if ((p = skip_blanks(q + 1, end)) == end || *p != ':')
            return p;
        c->st = S_VALUE;
        if ((p = skip_blanks(p + 1, end)) == end)
            return p;
        if (*p == '"') {
            const char *v = p + 1;
            if ((q = plain_run(v, end, 0)) == end || *q != '"')
                return p;
            if (deliver(c, CATJSON_STRING, v, (size_t)(q - v), 0) < 0)
                return NULL;
            p = q + 1;
        } else if (*p == 'n' && end - p >= 4 && memcmp(p, "null", 4) == 0) {
            if (deliver(c, CATJSON_NULL, "null", 4, 0) < 0)
                return NULL;
            p += 4;
        } else {
            return p;
        }
        if ((p = skip_blanks(p, end)) == end)
            return p;
        if (*p == ',') {
            c->st = S_KEY;
            p = skip_blanks(p + 1, end);
            continue;
        }
        if (*p != '}')
            return p;
        if (end_row(c) < 0)
            return NULL;
        if ((p = skip_blanks(p + 1, end)) == end || *p != ',')
            return p;
        c->st = S_ROW;
        if ((p = skip_blanks(p + 1, end)) == end || *p != '{')
            return p;
        c->st = S_FIRST_KEY;
        p = skip_blanks(p + 1, end);
    }
}

/* One step of the grammar at a non-blank byte p: where to go on, NULL on an error. */
static const char *step(catjson *c, const char *p, const char *end)
{
    unsigned char ch = (unsigned char)*p;
    switch (c->st) {
    case S_START:
        if (ch != '[')
            break;
        c->st = S_FIRST_ROW;
        return p + 1;
    case S_FIRST_ROW:
        if (ch == ']') {
            c->st = S_DONE;
            return p + 1;
        }
        /* fall through */
    case S_ROW:
        if (ch != '{')
            break;
        c->st = S_FIRST_KEY;
        return p + 1;
    case S_FIRST_KEY:
        if (ch == '}')
            return end_row(c) < 0 ? NULL : p + 1;
        /* fall through */
    case S_KEY: {
        if (ch != '"')
            break;
        const char *q = fast_rows(c, p, end);
        return q != p ? q : string_at(c, p + 1, end, 1);
    }
    case S_COLON:
        if (ch != ':')
            break;
        c->st = S_VALUE;
        return p + 1;
    case S_VALUE:
        return value_at(c, p, end);
    case S_AFTER_VALUE:
        if (ch == ',') {
            c->st = S_KEY;
            return p + 1;
        }
        if (ch != '}')
            break;
        return end_row(c) < 0 ? NULL : p + 1;
    case S_AFTER_ROW:
        if (ch == ',') {
            c->st = S_ROW;
            return p + 1;
        }
        if (ch != ']')
            break;
        c->st = S_DONE;
        return p + 1;
    case S_DONE:
        break;
    }
    static const char *const expected[] = {
        [S_START] = "expected a JSON array of rows",
        [S_FIRST_ROW] = "expected a row (an object) or ']'",
        [S_ROW] = "expected a row (an object)",
        [S_FIRST_KEY] = "expected a quoted key or '}'",
        [S_KEY] = "expected a quoted key",
        [S_COLON] = "expected ':' after a key",
        [S_AFTER_VALUE] = "expected ',' or '}' after a value",
        [S_AFTER_ROW] = "expected ',' or ']' after a row",
        [S_DONE] = "data after the closing ']'",
    };
    fail_at(c, p, expected[c->st]);
    return NULL;
}

int catjson_feed(catjson *c, const char *data, size_t len)
{
    if (c->failed)
        return -1;
    if (c->finished)
        return catjson_fail(c, "data after the end of the document");
    if (len == 0)
        return 0;
    c->started = 1;
    c->base = data;
    const char *p = data, *end = data + len;
    if (c->tok != T_NONE && !(p = resume(c, p, end)))
        return -1;
    while (p < end) {
        if (is_blank((unsigned char)*p)) {
            p++;
            continue;
        }
        if (!(p = step(c, p, end)))
            return -1;
    }
    c->consumed += len;
    return c->failed ? -1 : 0;
}

int catjson_finish(catjson *c)
{
    if (c->failed)
        return -1;
    if (c->finished)
        return 0;
    if (!c->started)
        return catjson_fail(c, "empty document");
    if (c->st != S_DONE) {
        char msg[128];
        snprintf(msg, sizeof(msg), "document incomplete after %llu bytes (%zu rows)", c->consumed,
                 c->rows);
        return catjson_fail(c, msg);
    }
    c->finished = 1;
    return 0;
}

catjson *catjson_new(const char *const *columns, size_t ncolumns, const catjson_callbacks *cb,
                     void *ctx)
{
    catjson *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->colen = malloc((ncolumns ? ncolumns : 1) * sizeof(*c->colen));
    if (!c->colen) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < ncolumns; i++) {
        c->colen[i] = strlen(columns[i]);
        if (c->colen[i] == 0)
            continue; /* "" is only ever found by the linear search */
        unsigned char *s = &c->slot[key_hash(columns[i], c->colen[i])];
        *s = *s || i >= SLOT_MANY - 1 ? SLOT_MANY : (unsigned char)(i + 1);
    }
    c->columns = columns;
    c->ncolumns = ncolumns;
    if (cb)
        c->cb = *cb;
    c->ctx = ctx;
    c->column = -1;
    buf_init(&c->carry);
    buf_init(&c->decoded);
    buf_init(&c->repaired);
    return c;
}

void catjson_free(catjson *c)
{
    if (!c)
        return;
    free(c->colen);
    buf_free(&c->carry);
    buf_free(&c->decoded);
    buf_free(&c->repaired);
    free(c);
}

const char *catjson_error(const catjson *c)
{
    return c->failed ? c->err : "";
}

int catjson_failed(const catjson *c)
{
    return c->failed;
}

unsigned long long catjson_invalid_utf8(const catjson *c)
{
    return c->invalid_utf8;
}

size_t catjson_rows(const catjson *c)
{
    return c->rows;
}
