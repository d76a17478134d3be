/* jsonwalk: a hand-written streaming JSON parser (a state machine over the
 * bytes and a stack of container kinds) turned into path-aware
 * enter/leave/scalar events. It accepts, rejects and decodes exactly what
 * yajl 2.1 did with yajl_dont_validate_strings (tests/unit/jsonwalk_ref.h
 * keeps that oracle), at a fraction of its cost per byte. Keys live back to
 * back in one growable arena so deep paths cost no mallocs. */
#include "jsonwalk.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonlex.h"
#include "utf8.h"

/* Where the grammar stands between tokens. */
typedef enum {
    ST_VALUE,      /* the top value, or one after ':' or after ',' in an array */
    ST_FIRST_ELEM, /* after '[': a value or ']' */
    ST_FIRST_KEY,  /* after '{': a key or '}' */
    ST_KEY,        /* after ',' in an object */
    ST_COLON,      /* after a key */
    ST_AFTER,      /* after a value in a container: ',' or its closing bracket */
    ST_DONE        /* after the top value: blanks only */
} state;

/* A token cut by the end of a feed. T_TRAIL: yajl's quirk of a string
 * opened after the top value and never closed, which it accepts: it waits
 * for the rest of that token and ends without looking at it. */
typedef enum { T_NONE, T_KEY, T_STRING, T_NUMBER, T_LITERAL, T_TRAIL } token;

/* The number grammar as yajl's lexer checks it, one state per position. */
typedef enum { N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP } numstate;

typedef struct frame {
    int is_array;
    size_t next_index; /* arrays: index of the next element */
} frame;

struct jsonwalk {
    jsonwalk_callbacks cb;
    void *ctx;
    /* open containers; the value being parsed sits at path depth `open` */
    frame frames[JSONWALK_MAX_DEPTH];
    size_t open;
    size_t nseg;                          /* path segments currently valid */
    size_t off[JSONWALK_MAX_DEPTH];       /* segment start offsets in keys */
    size_t seglen[JSONWALK_MAX_DEPTH];    /* their lengths, so no strlen per key */
    const char *path[JSONWALK_MAX_DEPTH]; /* pointers into keys.data */
    buf keys;
    buf num;   /* scratch for NUL-terminating numbers */
    buf utf8;  /* scratch for a string or key with its invalid UTF-8 replaced */
    buf dec;   /* scratch for a string or key with its escapes decoded */
    buf carry; /* the bytes so far of a token cut by a feed's end */
    state st;
    token tok;
    jsonlex_str str; /* the string being scanned */
    numstate nst;    /* the number being scanned */
    const char *lit; /* T_LITERAL: the literal, litpos bytes of it matched */
    size_t litpos;
    const char *base;            /* the feed being parsed, for error offsets */
    unsigned long long consumed; /* bytes of the feeds before it */
    unsigned long long invalid_utf8, lexed;
    int failed, started, finished;
    const char *label; /* error prefix, or NULL */
    char err[256];
};

static int fail(jsonwalk *w, const char *msg)
{
    if (!w->failed) {
        w->failed = 1;
        snprintf(w->err, sizeof(w->err), "%s%s%s", w->label ? w->label : "", w->label ? ": " : "",
                 msg);
    }
    return -1;
}

/* A syntax error at p in the current feed: says where. */
static int fail_at(jsonwalk *w, const char *p, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof(msg), "syntax error at byte %llu: %s",
             w->consumed + (unsigned long long)(p - w->base), what);
    return fail(w, msg);
}

static int oom(jsonwalk *w)
{
    return fail(w, "out of memory");
}

/* s itself when it is valid UTF-8, else a copy in w->utf8 with every
 * ill-formed sequence replaced by U+FFFD, counted once per string. NULL
 * when out of memory. */
static inline const char *valid_utf8(jsonwalk *w, const char *s, size_t *len)
{
    if (utf8_all_ascii((const unsigned char *)s, *len))
        return s;
    const char *r = utf8_repair(&w->utf8, s, len);
    w->invalid_utf8 += r && r != s;
    return r;
}

unsigned long long jsonwalk_invalid_utf8(const jsonwalk *w)
{
    return w->invalid_utf8;
}

static void refresh_path(jsonwalk *w)
{
    for (size_t i = 0; i < w->nseg; i++)
        w->path[i] = w->keys.data + w->off[i];
}

/* Replaces path segment d (and drops anything deeper). */
static inline int set_segment(jsonwalk *w, size_t d, const char *s, size_t len)
{
    assert(d < JSONWALK_MAX_DEPTH && d <= w->nseg); /* only the last segment moves */
    size_t start = d ? w->off[d - 1] + w->seglen[d - 1] + 1 : 0;
    char *old = w->keys.data;
    w->keys.len = start;
    /* the arena is nearly always big enough: test before calling out */
    if (start + len + 2 > w->keys.cap && buf_reserve(&w->keys, len + 1) < 0)
        return oom(w);
    memcpy(w->keys.data + start, s, len);
    w->keys.data[start + len] = '\0';
    w->keys.len = start + len + 1;
    w->keys.data[w->keys.len] = '\0'; /* buf's invariant; reserve left room */
    w->off[d] = start;
    w->seglen[d] = len;
    w->nseg = d + 1;
    if (w->keys.data != old)
        refresh_path(w);
    else
        w->path[d] = w->keys.data + start;
    return 0;
}

/* Called before every value: inside an array the value's segment is its index. */
static inline int begin_value(jsonwalk *w)
{
    if (w->open == 0)
        return 0;
    frame *f = &w->frames[w->open - 1];
    if (!f->is_array)
        return 0;
    char idx[32], *p = idx + sizeof(idx); /* decimal by hand: snprintf per element was 3% */
    size_t v = f->next_index++;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return set_segment(w, w->open - 1, p, (size_t)(idx + sizeof(idx) - p));
}

static inline int emit_scalar(jsonwalk *w, const jsonwalk_value *v)
{
    if (begin_value(w) < 0)
        return -1;
    w->st = w->open ? ST_AFTER : ST_DONE;
    if (w->cb.scalar && w->cb.scalar(w->ctx, w->path, w->open, v) != 0)
        return fail(w, "aborted by callback");
    return 0;
}

/* Clinger's fast path: a decimal of at most 2^53 in its digits and at most
 * 22 fraction digits is one exact double divided by another exact power of
 * ten, and IEEE division rounds correctly, so the result is strtod's. */
int jsonwalk_number(const char *s, size_t len, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int neg = len > 0 && s[0] == '-';
    size_t i = (size_t)neg, scale = 0;
    uint64_t m = 0;                /* wraps past 19 digits, but is then never used */
    while (i < len && s[i] == '0') /* leading zeros are not significant */
        i++;
    size_t lead = i - (size_t)neg, start = i;
    for (; i < len && (unsigned)(s[i] - '0') < 10; i++)
        m = m * 10 + (uint64_t)(s[i] - '0');
    size_t sig = i - start, any = lead + sig;
    if (i < len && s[i] == '.') {
        size_t frac = ++i;
        if (m == 0)
            while (i < len && s[i] == '0')
                i++;
        size_t digits = i;
        for (; i < len && (unsigned)(s[i] - '0') < 10; i++)
            m = m * 10 + (uint64_t)(s[i] - '0');
        sig += i - digits;
        scale = i - frac;
        any += scale;
    }
    /* an exponent, a sign other than '-', a blank...: strtod's job */
    if (i != len || !any || sig > 18 || m > (1ull << 53) || scale > 22)
        return -1;
    double v = (double)m / pow10[scale];
    *out = neg ? -v : v;
    return 0;
}

/* The raw digits: strtod keeps integers beyond int64 and fractions alike. */
static int got_number(jsonwalk *w, const char *s, size_t len)
{
    jsonwalk_value v = {JSONWALK_NUMBER, 0, NULL, 0};
    if (jsonwalk_number(s, len, &v.num) < 0) {
        buf_reset(&w->num);
        if (buf_append(&w->num, s, len) < 0)
            return oom(w);
        v.num = strtod(w->num.data, NULL);
    }
    return emit_scalar(w, &v);
}

/* A whole string's raw content s[0..n), a key or a value. Strings are not
 * rejected for invalid UTF-8 (one bad byte in one index name would sink the
 * whole answer): they are repaired instead. */
static inline int got_string(jsonwalk *w, const char *s, size_t n, int is_key)
{
    if (w->str.has_esc && !(s = jsonlex_decode(&w->dec, s, n, &n)))
        return oom(w);
    if ((w->str.has_esc || w->str.nonascii) && !(s = valid_utf8(w, s, &n)))
        return oom(w);
    if (!is_key) {
        jsonwalk_value v = {JSONWALK_STRING, 0, s, n};
        return emit_scalar(w, &v);
    }
    w->st = ST_COLON;
    return set_segment(w, w->open - 1, s, n);
}

static inline int on_start(jsonwalk *w, int is_array)
{
    if (begin_value(w) < 0)
        return -1;
    if (w->open >= JSONWALK_MAX_DEPTH)
        return fail(w, "document nested too deeply");
    size_t depth = w->open;
    w->frames[depth].is_array = is_array;
    w->frames[depth].next_index = 0;
    w->open++;
    w->nseg = depth; /* the new container has no current child yet */
    w->st = is_array ? ST_FIRST_ELEM : ST_FIRST_KEY;
    if (w->cb.enter && w->cb.enter(w->ctx, w->path, depth, is_array) != 0)
        return fail(w, "aborted by callback");
    return 0;
}

static inline int on_end(jsonwalk *w)
{
    int is_array = w->frames[--w->open].is_array;
    w->nseg = w->open;
    w->st = w->open ? ST_AFTER : ST_DONE;
    if (w->cb.leave && w->cb.leave(w->ctx, w->path, w->open, is_array) != 0)
        return fail(w, "aborted by callback");
    return 0;
}

/* ---- tokens ---- */

static int carry(jsonwalk *w, token t, const char *p, const char *end)
{
    w->tok = t;
    buf_reset(&w->carry);
    return buf_append(&w->carry, p, (size_t)(end - p)) < 0 ? oom(w) : 0;
}

static int carry_more(jsonwalk *w, const char *p, const char *q)
{
    return buf_append(&w->carry, p, (size_t)(q - p)) < 0 ? oom(w) : 0;
}

/* Steps the number grammar over [p, end): the first byte past the number,
 * end when it may go on past this feed, NULL (with *why) when malformed.
 * Like yajl, a number ends at the first byte that cannot extend it, so
 * "01" is the number 0 followed by a stray 1. */
static const char *scan_number(numstate *st, const char *p, const char *end, const char **why)
{
    static const char *const incomplete[N_EXP + 1] = {[N_MINUS] = "a '-' without digits",
                                                      [N_DOT] = "no digit after the decimal point",
                                                      [N_E] = "no digit in the exponent",
                                                      [N_ESIGN] = "no digit in the exponent"};
    numstate s = *st;
    for (; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        unsigned d = ch - '0';
        numstate next;
        if (d < 10) {
            static const numstate on_digit[] = {
                [N_START] = N_INT, [N_MINUS] = N_INT, [N_ZERO] = N_START,
                [N_INT] = N_INT,   [N_DOT] = N_FRAC,  [N_FRAC] = N_FRAC,
                [N_E] = N_EXP,     [N_ESIGN] = N_EXP, [N_EXP] = N_EXP};
            next = d == 0 && s <= N_MINUS ? N_ZERO : on_digit[s];
        } else if (ch == '.') {
            next = s == N_ZERO || s == N_INT ? N_DOT : N_START;
        } else if ((ch | 0x20) == 'e') {
            next = s == N_ZERO || s == N_INT || s == N_FRAC ? N_E : N_START;
        } else if (ch == '-' || ch == '+') {
            next = s == N_E ? N_ESIGN : ch == '-' && s == N_START ? N_MINUS : N_START;
        } else {
            next = N_START;
        }
        if (next == N_START) /* the byte cannot extend the number */
            break;
        s = next;
    }
    *st = s;
    if (p < end && incomplete[s]) {
        *why = incomplete[s];
        return NULL;
    }
    return p;
}

/* Matches the literal from p on: the byte after it, end when it goes on
 * past this feed, NULL on a mismatch or a callback's abort. */
static const char *scan_literal(jsonwalk *w, const char *p, const char *end)
{
    for (; p < end && w->lit[w->litpos]; p++, w->litpos++)
        if (*p != w->lit[w->litpos]) {
            fail_at(w, p, "invalid literal (not true, false or null)");
            return NULL;
        }
    if (w->lit[w->litpos])
        return p;
    w->tok = T_NONE;
    jsonwalk_value v = {w->lit[0] == 'n' ? JSONWALK_NULL : JSONWALK_BOOL, w->lit[0] == 't', NULL,
                        0};
    return emit_scalar(w, &v) < 0 ? NULL : p;
}

static const char *scan_string(jsonwalk *w, const char *p, const char *end)
{
    const char *bad, *why;
    const char *q = jsonlex_scan_string(&w->str, p, end, &bad, &why);
    if (!q)
        fail_at(w, bad, why);
    return q;
}

/* A string starting after its quote at p: past its closing quote, end when
 * it goes on past this feed, NULL on an error. Most keys and values are
 * plain ASCII closed within the feed: one run finds the quote. */
static const char *string_at(jsonwalk *w, const char *p, const char *end, int is_key)
{
    w->str = (jsonlex_str){0, 0, 0};
    const char *q = jsonlex_plain_run(p, end, 0);
    if (q == end || *q != '"')
        q = scan_string(w, q, end);
    if (!q)
        return NULL;
    if (q == end)
        return carry(w, is_key ? T_KEY : T_STRING, p, end) < 0 ? NULL : end;
    return got_string(w, p, (size_t)(q - p), is_key) < 0 ? NULL : q + 1;
}

/* An integer of up to 15 digits closed within the feed, the usual number:
 * its value is exact in a double (what strtod returns) as it is read.
 * p itself when the number needs the full grammar, NULL on an abort. */
static const char *plain_integer(jsonwalk *w, const char *p, const char *end)
{
    const char *q = p + (*p == '-'), *digits = q;
    uint64_t m = 0;
    if (q < end && *q == '0')
        q++;
    else
        for (; q < end && (unsigned)(*q - '0') < 10; q++)
            m = m * 10 + (uint64_t)(*q - '0');
    if (q == digits || q == end || q - digits > 15 || jsonlex_is_number_byte((unsigned char)*q))
        return p;
    jsonwalk_value v = {JSONWALK_NUMBER, *p == '-' ? -(double)m : (double)m, NULL, 0};
    return emit_scalar(w, &v) < 0 ? NULL : q;
}

static const char *number_at(jsonwalk *w, const char *p, const char *end)
{
    const char *why, *q = plain_integer(w, p, end);
    if (q != p)
        return q;
    w->nst = N_START;
    q = scan_number(&w->nst, p, end, &why);
    if (!q) {
        fail_at(w, p, why);
        return NULL;
    }
    if (q == end)
        return carry(w, T_NUMBER, p, end) < 0 ? NULL : end;
    return got_number(w, p, (size_t)(q - p)) < 0 ? NULL : q;
}

/* After the top value: yajl lexes one more token and fails on it, unless
 * it is a string still open when the input ends. */
static const char *trailing_string(jsonwalk *w, const char *p, const char *end)
{
    const char *q = scan_string(w, p, end);
    if (q && q != end) {
        fail_at(w, q, "data after the top value");
        return NULL;
    }
    return q;
}

/* Goes on with the token the last feed cut: where the grammar resumes, end
 * when the token goes on still, NULL on an error. */
static const char *resume(jsonwalk *w, const char *p, const char *end)
{
    const char *q, *why;
    switch (w->tok) {
    case T_KEY:
    case T_STRING:
        if (!(q = scan_string(w, p, end)) || carry_more(w, p, q) < 0)
            return NULL;
        if (q == end)
            return end;
        int is_key = w->tok == T_KEY;
        w->tok = T_NONE;
        return got_string(w, w->carry.data, w->carry.len, is_key) < 0 ? NULL : q + 1;
    case T_NUMBER:
        if (!(q = scan_number(&w->nst, p, end, &why))) {
            fail_at(w, p, why);
            return NULL;
        }
        if (carry_more(w, p, q) < 0)
            return NULL;
        if (q == end)
            return end;
        w->tok = T_NONE;
        return got_number(w, w->carry.data, w->carry.len) < 0 ? NULL : q;
    case T_LITERAL:
        return scan_literal(w, p, end);
    case T_TRAIL:
        return trailing_string(w, p, end);
    case T_NONE:
        break;
    }
    return p;
}

/* ---- the grammar between tokens ---- */

static const char *value_at(jsonwalk *w, const char *p, const char *end)
{
    unsigned char ch = (unsigned char)*p;
    switch (ch) {
    case '"':
        return string_at(w, p + 1, end, 0);
    case '{':
    case '[':
        return on_start(w, ch == '[') < 0 ? NULL : p + 1;
    case 't':
    case 'f':
    case 'n':
        w->lit = ch == 't' ? "true" : ch == 'f' ? "false" : "null";
        w->litpos = 0;
        w->tok = T_LITERAL;
        return scan_literal(w, p, end);
    default:
        if (ch == '-' || (ch >= '0' && ch <= '9'))
            return number_at(w, p, end);
    }
    fail_at(w, p, "expected a value");
    return NULL;
}

/* Past the blanks at p: one (": ") is the common run, longer ones are
 * indentation. */
static inline const char *skip(const char *p, const char *end)
{
    if (p < end && *p == ' ')
        p++;
    if (p < end && (unsigned char)*p <= ' ')
        p = jsonlex_skip_blanks(p, end);
    return p;
}

/* Object members from a key's quote on, key, ':', value and ',' taken in
 * stride while they come in the usual order within this feed, which saves
 * a trip through step() per token: where the grammar stands when they
 * stop (w->st says), NULL on an error or abort. */
static const char *members(jsonwalk *w, const char *p, const char *end)
{
    for (;;) {
        if (!(p = string_at(w, p + 1, end, 1)))
            return NULL;
        if ((p = skip(p, end)) == end || *p != ':')
            return p;
        w->st = ST_VALUE;
        if ((p = skip(p + 1, end)) == end || !(p = value_at(w, p, end)) || w->st != ST_AFTER)
            return p;
        if ((p = skip(p, end)) == end || *p != ',')
            return p;
        w->st = ST_KEY;
        if ((p = skip(p + 1, end)) == end || *p != '"')
            return p;
    }
}

/* Array elements after a ',' at p, the same way. */
static const char *elements(jsonwalk *w, const char *p, const char *end)
{
    for (;;) {
        w->st = ST_VALUE;
        if ((p = skip(p + 1, end)) == end || !(p = value_at(w, p, end)) || w->st != ST_AFTER)
            return p;
        if ((p = skip(p, end)) == end || *p != ',')
            return p;
    }
}

/* One step of the grammar at a non-blank byte p: where to go on, NULL on
 * an error or abort. */
static const char *step(jsonwalk *w, const char *p, const char *end)
{
    unsigned char ch = (unsigned char)*p;
    switch (w->st) {
    case ST_FIRST_ELEM:
        if (ch == ']')
            return on_end(w) < 0 ? NULL : p + 1;
        /* fall through */
    case ST_VALUE:
        return value_at(w, p, end);
    case ST_FIRST_KEY:
        if (ch == '}')
            return on_end(w) < 0 ? NULL : p + 1;
        /* fall through */
    case ST_KEY:
        if (ch != '"')
            break;
        return members(w, p, end);
    case ST_COLON:
        if (ch != ':')
            break;
        w->st = ST_VALUE;
        return p + 1;
    case ST_AFTER:
        if (ch == ',' && w->frames[w->open - 1].is_array)
            return elements(w, p, end);
        if (ch == ',') {
            w->st = ST_KEY;
            p = skip(p + 1, end);
            return p < end && *p == '"' ? members(w, p, end) : p;
        }
        if (ch != (w->frames[w->open - 1].is_array ? ']' : '}'))
            break;
        return on_end(w) < 0 ? NULL : p + 1;
    case ST_DONE:
        if (ch != '"')
            break;
        w->str = (jsonlex_str){0, 0, 0};
        w->tok = T_TRAIL;
        return trailing_string(w, p + 1, end);
    }
    static const char *const expected[] = {
        [ST_FIRST_KEY] = "expected a quoted key or '}'",
        [ST_KEY] = "expected a quoted key",
        [ST_COLON] = "expected ':' after a key",
        [ST_AFTER] = "expected ',' or the container's closing bracket",
        [ST_DONE] = "data after the top value",
    };
    fail_at(w, p, expected[w->st]);
    return NULL;
}

/* The whole feed, token by token. A callback may fail the walk without
 * aborting it: as with yajl, the feed is still parsed to its end. */
static int parse(jsonwalk *w, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    w->base = data;
    if (w->tok != T_NONE && !(p = resume(w, p, end)))
        return -1;
    while (p < end) {
        unsigned char ch = (unsigned char)*p;
        if (ch <= ' ' && jsonlex_is_blank(ch)) {
            /* one blank (": ") is the common run; longer ones are indentation */
            if (++p < end && (unsigned char)*p <= ' ')
                p = jsonlex_skip_blanks(p, end);
            continue;
        }
        if (!(p = step(w, p, end)))
            return -1;
    }
    w->consumed += len;
    return w->failed ? -1 : 0;
}

jsonwalk *jsonwalk_new(const jsonwalk_callbacks *cb, void *ctx)
{
    jsonwalk *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    if (cb)
        w->cb = *cb;
    w->ctx = ctx;
    buf_init(&w->keys);
    buf_init(&w->num);
    buf_init(&w->utf8);
    buf_init(&w->dec);
    buf_init(&w->carry);
    return w;
}

void jsonwalk_free(jsonwalk *w)
{
    if (!w)
        return;
    buf_free(&w->keys);
    buf_free(&w->num);
    buf_free(&w->utf8);
    buf_free(&w->dec);
    buf_free(&w->carry);
    free(w);
}

int jsonwalk_feed(jsonwalk *w, const char *data, size_t len)
{
    if (w->failed)
        return -1;
    if (w->finished)
        return fail(w, "data after the end of the document");
    if (len == 0)
        return 0;
    w->started = 1;
    w->lexed += len;
    return parse(w, data, len);
}

unsigned long long jsonwalk_lexed_bytes(const jsonwalk *w)
{
    return w->lexed;
}

/* The token the input ended in, at the top level: yajl ends the input with
 * a blank, which completes a number and leaves a trailing string open. */
static int finish_token(jsonwalk *w)
{
    switch (w->tok) {
    case T_NUMBER: {
        static const char blank[] = " ";
        const char *why;
        w->tok = T_NONE;
        if (!scan_number(&w->nst, blank, blank + 1, &why))
            return fail(w, "document incomplete (a number cut short)");
        return got_number(w, w->carry.data, w->carry.len);
    }
    case T_TRAIL:
        return w->str.esc ? fail(w, "document incomplete (an escape cut short)") : 0;
    case T_NONE:
        return 0;
    default:
        return fail(w, "document incomplete");
    }
}

int jsonwalk_finish(jsonwalk *w)
{
    if (w->failed)
        return -1;
    if (w->finished)
        return 0;
    if (!w->started || w->open > 0)
        return fail(w, w->started ? "document incomplete" : "empty document");
    if (finish_token(w) < 0)
        return -1;
    if (w->st != ST_DONE)
        return fail(w, "document incomplete");
    w->finished = 1;
    return 0;
}

const char *jsonwalk_error(const jsonwalk *w)
{
    return w->failed ? w->err : "";
}

int jsonwalk_fail(jsonwalk *w, const char *msg)
{
    fail(w, msg);
    return -1;
}

int jsonwalk_failed(const jsonwalk *w)
{
    return w->failed;
}

void jsonwalk_set_label(jsonwalk *w, const char *label)
{
    w->label = label;
}

/* Length of the pattern segment starting at p. */
static size_t seg_len(const char *p)
{
    const char *dot = strchr(p, '.');
    return dot ? (size_t)(dot - p) : strlen(p);
}

int jsonwalk_match(const char *pattern, const char *const *path, size_t from, size_t depth,
                   const char **caps, size_t maxcap)
{
    const char *p = pattern;
    size_t ncap = 0;
    for (size_t i = from; i < depth; i++) {
        if (!p)
            return 0;
        size_t n = seg_len(p);
        if (n == 1 && p[0] == '*') {
            if (caps && ncap < maxcap)
                caps[ncap] = path[i];
            ncap++;
        } else if (strncmp(p, path[i], n) != 0 || path[i][n] != '\0') {
            return 0;
        }
        p = p[n] == '.' ? p + n + 1 : NULL;
    }
    /* an empty pattern matches the empty range only */
    return p == NULL || (from == depth && *p == '\0');
}
