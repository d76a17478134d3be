/* jsonwalk: yajl callbacks turned into path-aware enter/leave/scalar events.
 * Keys live back to back in one growable arena so deep paths cost no mallocs. */
#include "jsonwalk.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "buf.h"
#include "utf8.h"

typedef struct frame {
    int is_array;
    size_t next_index; /* arrays: index of the next element */
} frame;

struct jsonwalk {
    yajl_handle h;
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
    buf num;      /* scratch for NUL-terminating numbers */
    buf utf8;     /* scratch for a string or key with its invalid UTF-8 replaced */
    buf pending;  /* input held back while one token spans many feeds, see feed() */
    size_t stall; /* bytes fed since the last event: the token yajl holds, at most */
    unsigned long long events, invalid_utf8, lexed;
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
    return 0; /* yajl: cancel the parse */
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
static int set_segment(jsonwalk *w, size_t d, const char *s, size_t len)
{
    assert(d < JSONWALK_MAX_DEPTH && d <= w->nseg); /* only the last segment moves */
    size_t start = d ? w->off[d - 1] + w->seglen[d - 1] + 1 : 0;
    char *old = w->keys.data;
    w->keys.len = start;
    /* the arena is nearly always big enough: test before calling out */
    if (start + len + 2 > w->keys.cap && buf_reserve(&w->keys, len + 1) < 0)
        return fail(w, "out of memory");
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
    return 1;
}

/* Called before every value: inside an array the value's segment is its index. */
static int begin_value(jsonwalk *w)
{
    if (w->open == 0)
        return 1;
    frame *f = &w->frames[w->open - 1];
    if (!f->is_array)
        return 1;
    char idx[32], *p = idx + sizeof(idx); /* decimal by hand: snprintf per element was 3% */
    size_t v = f->next_index++;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return set_segment(w, w->open - 1, p, (size_t)(idx + sizeof(idx) - p));
}

static int emit_scalar(jsonwalk *w, const jsonwalk_value *v)
{
    w->events++;
    if (!begin_value(w))
        return 0;
    if (w->cb.scalar && w->cb.scalar(w->ctx, w->path, w->open, v) != 0)
        return fail(w, "aborted by callback");
    return 1;
}

static int on_null(void *ctx)
{
    jsonwalk_value v = {JSONWALK_NULL, 0, NULL, 0};
    return emit_scalar(ctx, &v);
}

static int on_bool(void *ctx, int b)
{
    jsonwalk_value v = {JSONWALK_BOOL, b ? 1 : 0, NULL, 0};
    return emit_scalar(ctx, &v);
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

/* yajl hands over the raw digits; strtod keeps integers beyond int64 and
 * fractions alike instead of failing like yajl's own integer callback. */
static int on_number(void *ctx, const char *s, size_t len)
{
    jsonwalk *w = ctx;
    jsonwalk_value fast = {JSONWALK_NUMBER, 0, NULL, 0};
    if (jsonwalk_number(s, len, &fast.num) == 0)
        return emit_scalar(w, &fast);
    buf_reset(&w->num);
    if (buf_append(&w->num, s, len) < 0)
        return fail(w, "out of memory");
    jsonwalk_value v = {JSONWALK_NUMBER, strtod(w->num.data, NULL), NULL, 0};
    return emit_scalar(w, &v);
}

/* yajl does not validate UTF-8 (one bad byte in one index name would sink
 * the whole answer): strings and keys are repaired here instead. */
static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    jsonwalk *w = ctx;
    const char *str = valid_utf8(w, (const char *)s, &len);
    if (!str)
        return fail(w, "out of memory");
    jsonwalk_value v = {JSONWALK_STRING, 0, str, len};
    return emit_scalar(w, &v);
}

static int on_start(jsonwalk *w, int is_array)
{
    w->events++;
    if (!begin_value(w))
        return 0;
    if (w->open >= JSONWALK_MAX_DEPTH)
        return fail(w, "document nested too deeply");
    size_t depth = w->open;
    if (w->cb.enter && w->cb.enter(w->ctx, w->path, depth, is_array) != 0)
        return fail(w, "aborted by callback");
    w->frames[w->open].is_array = is_array;
    w->frames[w->open].next_index = 0;
    w->open++;
    w->nseg = depth; /* the new container has no current child yet */
    return 1;
}

static int on_end(jsonwalk *w, int is_array)
{
    w->events++;
    assert(w->open > 0 && w->frames[w->open - 1].is_array == is_array); /* yajl pairs them */
    w->open--;
    w->nseg = w->open;
    if (w->cb.leave && w->cb.leave(w->ctx, w->path, w->open, is_array) != 0)
        return fail(w, "aborted by callback");
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_start(ctx, 0);
}

static int on_end_map(void *ctx)
{
    return on_end(ctx, 0);
}

static int on_start_array(void *ctx)
{
    return on_start(ctx, 1);
}

static int on_end_array(void *ctx)
{
    return on_end(ctx, 1);
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
    jsonwalk *w = ctx;
    w->events++;
    assert(w->open > 0 && !w->frames[w->open - 1].is_array); /* keys live in objects */
    const char *k = valid_utf8(w, (const char *)key, &len);
    if (!k)
        return fail(w, "out of memory");
    return set_segment(w, w->open - 1, k, len);
}

static const yajl_callbacks yajl_cbs = {
    on_null,      on_bool, NULL,       NULL,           on_number,    on_string,
    on_start_map, on_key,  on_end_map, on_start_array, on_end_array,
};

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
    buf_init(&w->pending);
    w->h = yajl_alloc(&yajl_cbs, NULL, w);
    if (!w->h) {
        free(w);
        return NULL;
    }
    yajl_config(w->h, yajl_dont_validate_strings, 1);
    return w;
}

void jsonwalk_free(jsonwalk *w)
{
    if (!w)
        return;
    yajl_free(w->h);
    buf_free(&w->keys);
    buf_free(&w->num);
    buf_free(&w->utf8);
    buf_free(&w->pending);
    free(w);
}

/* yajl's message, flattened to one line without trailing blanks. */
static void take_yajl_error(jsonwalk *w, const unsigned char *data, size_t len)
{
    unsigned char *msg = yajl_get_error(w->h, 0, data, len);
    char line[sizeof(w->err)];
    snprintf(line, sizeof(line), "%s", msg ? (const char *)msg : "invalid JSON");
    if (msg)
        yajl_free_error(w->h, msg);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(line);
    while (n && line[n - 1] == ' ')
        line[--n] = '\0';
    fail(w, line);
}

/* One yajl_parse. yajl re-lexes a token that spans calls from its start on
 * every call, so the work is what it holds (at most w->stall) plus len. */
static int parse(jsonwalk *w, const char *data, size_t len)
{
    unsigned long long before = w->events;
    w->lexed += w->stall + len;
    yajl_status st = yajl_parse(w->h, (const unsigned char *)data, len);
    w->stall = w->events == before ? w->stall + len : 0;
    if (st == yajl_status_ok)
        return w->failed ? -1 : 0; /* a callback may fail without aborting */
    if (!w->failed)                /* syntax error rather than our own abort */
        take_yajl_error(w, (const unsigned char *)data, len);
    return -1;
}

/* Hands over what was held back, if anything. */
static int flush_pending(jsonwalk *w)
{
    if (w->pending.len == 0)
        return 0;
    int rc = parse(w, w->pending.data, w->pending.len);
    buf_reset(&w->pending);
    return rc;
}

/* A 70 MB string in 16 KB feeds would be re-lexed 4,000 times (quadratic,
 * ~3 MB/s): while no event comes out, input is held back until it is as
 * large as the token so far, so the token is re-read O(log n) times and
 * the total work stays within a few times the input. */
int jsonwalk_feed(jsonwalk *w, const char *data, size_t len)
{
    if (w->failed)
        return -1;
    if (w->finished) {
        fail(w, "data after the end of the document");
        return -1;
    }
    if (len == 0)
        return 0;
    w->started = 1;
    if (w->stall == 0 && w->pending.len == 0)
        return parse(w, data, len);
    if (buf_append(&w->pending, data, len) < 0) {
        fail(w, "out of memory");
        return -1;
    }
    return w->pending.len < w->stall ? 0 : flush_pending(w);
}

unsigned long long jsonwalk_lexed_bytes(const jsonwalk *w)
{
    return w->lexed;
}

int jsonwalk_finish(jsonwalk *w)
{
    if (w->failed)
        return -1;
    if (w->finished)
        return 0;
    if (flush_pending(w) < 0)
        return -1;
    if (!w->started || w->open > 0) {
        fail(w, w->started ? "document incomplete" : "empty document");
        return -1;
    }
    yajl_status st = yajl_complete_parse(w->h);
    if (st != yajl_status_ok) {
        if (!w->failed)
            fail(w, "document incomplete"); /* e.g. a number or literal cut short */
        return -1;
    }
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
