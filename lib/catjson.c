/* catjson: a fast path for rows of plain strings, a byte-level state machine
 * for everything else, strings scanned 16 bytes at a time; a token cut by
 * the end of a feed is carried over in one buffer, so rows may span feeds. */
#include "catjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonlex.h"
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
    jsonlex_str str;
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

/* A string scan through jsonlex, failing at the offending byte. */
static const char *scan_string(catjson *c, const char *p, const char *end)
{
    const char *bad, *why;
    const char *q = jsonlex_scan_string(&c->str, p, end, &bad, &why);
    if (!q)
        fail_at(c, bad, why);
    return q;
}

static const char *decode(catjson *c, const char *s, size_t n, size_t *len)
{
    return jsonlex_decode(&c->decoded, s, n, len);
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
    if (c->str.has_esc && !(s = decode(c, s, n, &n)))
        return oom(c);
    if ((c->str.has_esc || c->str.nonascii) && !utf8_all_ascii((const unsigned char *)s, n)) {
        const char *r = utf8_repair(&c->repaired, s, &n);
        if (!r)
            return oom(c);
        c->invalid_utf8 += r != s;
        s = r;
    }
    const char *nul = c->str.has_esc ? memchr(s, '\0', n) : NULL; /* only \u0000 makes one */
    if (!is_key)
        return deliver(c, CATJSON_STRING, s, n, nul != NULL);
    c->column = match_column(c, s, nul ? (size_t)(nul - s) : n);
    c->st = S_COLON;
    return 0;
}

/* ---- numbers and literals ---- */

static int got_number(catjson *c, const char *s, size_t n, const char *at)
{
    if (!jsonlex_is_number(s, n))
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
        for (q = p; q < end && jsonlex_is_number_byte((unsigned char)*q); q++)
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

/* A string starting after its quote at p: past its closing quote, end when
 * it goes on past this feed, NULL on an error. */
static const char *string_at(catjson *c, const char *p, const char *end, int is_key)
{
    c->str = (jsonlex_str){0, 0, 0};
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
        while (q < end && jsonlex_is_number_byte((unsigned char)*q))
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
    while (p < end && jsonlex_is_blank((unsigned char)*p))
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
        const char *k = p + 1, *q = jsonlex_plain_run(k, end, 0);
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
            if ((q = jsonlex_plain_run(v, end, 0)) == end || *q != '"')
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
        if (jsonlex_is_blank((unsigned char)*p)) {
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
