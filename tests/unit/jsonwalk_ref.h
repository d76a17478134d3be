/* jsonwalk_ref: the yajl-driven walker jsonwalk replaced, kept verbatim
 * (names prefixed jwref_) as the differential oracle of test_jsonwalk,
 * test_catjson and the fuzzers: yajl 2.1 with yajl_dont_validate_strings,
 * the path bookkeeping, UTF-8 repair, number conversion and held-back input
 * exactly as they were. Test code only: lib/ no longer calls yajl. */
#ifndef ESVIGIL_JSONWALK_REF_H
#define ESVIGIL_JSONWALK_REF_H

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "buf.h"
#include "jsonwalk.h"
#include "utf8.h"

typedef struct jwref jwref;

typedef struct jwref_frame {
    int is_array;
    size_t next_index; /* arrays: index of the next element */
} jwref_frame;

struct jwref {
    yajl_handle h;
    jsonwalk_callbacks cb;
    void *ctx;
    /* open containers; the value being parsed sits at path depth `open` */
    jwref_frame frames[JSONWALK_MAX_DEPTH];
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

static inline int jwref_fail(jwref *w, const char *msg)
{
    if (!w->failed) {
        w->failed = 1;
        /* label, ": " and msg cut to fit by hand: snprintf's truncation warning fires in the
         * sanitizer builds, whose inlining sees a 256-byte msg */
        const char *parts[] = {w->label ? w->label : "", w->label ? ": " : "", msg};
        size_t len = 0;
        for (size_t k = 0; k < 3; k++) {
            size_t l = strlen(parts[k]);
            if (l > sizeof(w->err) - 1 - len)
                l = sizeof(w->err) - 1 - len;
            memcpy(w->err + len, parts[k], l);
            len += l;
        }
        w->err[len] = '\0';
    }
    return 0; /* yajl: cancel the jwref_parse */
}

/* s itself when it is valid UTF-8, else a copy in w->utf8 with every
 * ill-formed sequence replaced by U+FFFD, counted once per string. NULL
 * when out of memory. */
static inline const char *jwref_valid_utf8(jwref *w, const char *s, size_t *len)
{
    if (utf8_all_ascii((const unsigned char *)s, *len))
        return s;
    const char *r = utf8_repair(&w->utf8, s, len);
    w->invalid_utf8 += r && r != s;
    return r;
}

static inline unsigned long long jwref_invalid_utf8(const jwref *w)
{
    return w->invalid_utf8;
}

static inline void jwref_refresh_path(jwref *w)
{
    for (size_t i = 0; i < w->nseg; i++)
        w->path[i] = w->keys.data + w->off[i];
}

/* Replaces path segment d (and drops anything deeper). */
static inline int jwref_set_segment(jwref *w, size_t d, const char *s, size_t len)
{
    assert(d < JSONWALK_MAX_DEPTH && d <= w->nseg); /* only the last segment moves */
    size_t start = d ? w->off[d - 1] + w->seglen[d - 1] + 1 : 0;
    char *old = w->keys.data;
    w->keys.len = start;
    /* the arena is nearly always big enough: test before calling out */
    if (start + len + 2 > w->keys.cap && buf_reserve(&w->keys, len + 1) < 0)
        return jwref_fail(w, "out of memory");
    memcpy(w->keys.data + start, s, len);
    w->keys.data[start + len] = '\0';
    w->keys.len = start + len + 1;
    w->keys.data[w->keys.len] = '\0'; /* buf's invariant; reserve left room */
    w->off[d] = start;
    w->seglen[d] = len;
    w->nseg = d + 1;
    if (w->keys.data != old)
        jwref_refresh_path(w);
    else
        w->path[d] = w->keys.data + start;
    return 1;
}

/* Called before every value: inside an array the value's segment is its index. */
static inline int jwref_begin_value(jwref *w)
{
    if (w->open == 0)
        return 1;
    jwref_frame *f = &w->frames[w->open - 1];
    if (!f->is_array)
        return 1;
    char idx[32], *p = idx + sizeof(idx); /* decimal by hand: snprintf per element was 3% */
    size_t v = f->next_index++;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return jwref_set_segment(w, w->open - 1, p, (size_t)(idx + sizeof(idx) - p));
}

static inline int jwref_emit_scalar(jwref *w, const jsonwalk_value *v)
{
    w->events++;
    if (!jwref_begin_value(w))
        return 0;
    if (w->cb.scalar && w->cb.scalar(w->ctx, w->path, w->open, v) != 0)
        return jwref_fail(w, "aborted by callback");
    return 1;
}

static inline int jwref_on_null(void *ctx)
{
    jsonwalk_value v = {JSONWALK_NULL, 0, NULL, 0};
    return jwref_emit_scalar(ctx, &v);
}

static inline int jwref_on_bool(void *ctx, int b)
{
    jsonwalk_value v = {JSONWALK_BOOL, b ? 1 : 0, NULL, 0};
    return jwref_emit_scalar(ctx, &v);
}

/* yajl hands over the raw digits; strtod keeps integers beyond int64 and
 * fractions alike instead of failing like yajl's own integer callback. */
static inline int jwref_on_number(void *ctx, const char *s, size_t len)
{
    jwref *w = ctx;
    jsonwalk_value fast = {JSONWALK_NUMBER, 0, NULL, 0};
    if (jsonwalk_number(s, len, &fast.num) == 0)
        return jwref_emit_scalar(w, &fast);
    buf_reset(&w->num);
    if (buf_append(&w->num, s, len) < 0)
        return jwref_fail(w, "out of memory");
    jsonwalk_value v = {JSONWALK_NUMBER, strtod(w->num.data, NULL), NULL, 0};
    return jwref_emit_scalar(w, &v);
}

/* yajl does not validate UTF-8 (one bad byte in one index name would sink
 * the whole answer): strings and keys are repaired here instead. */
static inline int jwref_on_string(void *ctx, const unsigned char *s, size_t len)
{
    jwref *w = ctx;
    const char *str = jwref_valid_utf8(w, (const char *)s, &len);
    if (!str)
        return jwref_fail(w, "out of memory");
    jsonwalk_value v = {JSONWALK_STRING, 0, str, len};
    return jwref_emit_scalar(w, &v);
}

static inline int jwref_on_start(jwref *w, int is_array)
{
    w->events++;
    if (!jwref_begin_value(w))
        return 0;
    if (w->open >= JSONWALK_MAX_DEPTH)
        return jwref_fail(w, "document nested too deeply");
    size_t depth = w->open;
    if (w->cb.enter && w->cb.enter(w->ctx, w->path, depth, is_array) != 0)
        return jwref_fail(w, "aborted by callback");
    w->frames[w->open].is_array = is_array;
    w->frames[w->open].next_index = 0;
    w->open++;
    w->nseg = depth; /* the new container has no current child yet */
    return 1;
}

static inline int jwref_on_end(jwref *w, int is_array)
{
    w->events++;
    assert(w->open > 0 && w->frames[w->open - 1].is_array == is_array); /* yajl pairs them */
    w->open--;
    w->nseg = w->open;
    if (w->cb.leave && w->cb.leave(w->ctx, w->path, w->open, is_array) != 0)
        return jwref_fail(w, "aborted by callback");
    return 1;
}

static inline int jwref_on_start_map(void *ctx)
{
    return jwref_on_start(ctx, 0);
}

static inline int jwref_on_end_map(void *ctx)
{
    return jwref_on_end(ctx, 0);
}

static inline int jwref_on_start_array(void *ctx)
{
    return jwref_on_start(ctx, 1);
}

static inline int jwref_on_end_array(void *ctx)
{
    return jwref_on_end(ctx, 1);
}

static inline int jwref_on_key(void *ctx, const unsigned char *key, size_t len)
{
    jwref *w = ctx;
    w->events++;
    assert(w->open > 0 && !w->frames[w->open - 1].is_array); /* keys live in objects */
    const char *k = jwref_valid_utf8(w, (const char *)key, &len);
    if (!k)
        return jwref_fail(w, "out of memory");
    return jwref_set_segment(w, w->open - 1, k, len);
}

static inline jwref *jwref_new(const jsonwalk_callbacks *cb, void *ctx)
{
    static const yajl_callbacks jwref_yajl_cbs = {
        jwref_on_null,
        jwref_on_bool,
        NULL,
        NULL,
        jwref_on_number,
        jwref_on_string,
        jwref_on_start_map,
        jwref_on_key,
        jwref_on_end_map,
        jwref_on_start_array,
        jwref_on_end_array,
    };
    jwref *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    if (cb)
        w->cb = *cb;
    w->ctx = ctx;
    buf_init(&w->keys);
    buf_init(&w->num);
    buf_init(&w->utf8);
    buf_init(&w->pending);
    w->h = yajl_alloc(&jwref_yajl_cbs, NULL, w);
    if (!w->h) {
        free(w);
        return NULL;
    }
    yajl_config(w->h, yajl_dont_validate_strings, 1);
    return w;
}

static inline void jwref_free(jwref *w)
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
static inline void jwref_take_yajl_error(jwref *w, const unsigned char *data, size_t len)
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
    jwref_fail(w, line);
}

/* One yajl_parse. yajl re-lexes a token that spans calls from its start on
 * every call, so the work is what it holds (at most w->stall) plus len. */
static inline int jwref_parse(jwref *w, const char *data, size_t len)
{
    unsigned long long before = w->events;
    w->lexed += w->stall + len;
    yajl_status st = yajl_parse(w->h, (const unsigned char *)data, len);
    w->stall = w->events == before ? w->stall + len : 0;
    if (st == yajl_status_ok)
        return w->failed ? -1 : 0; /* a callback may jwref_fail without aborting */
    if (!w->failed)                /* syntax error rather than our own abort */
        jwref_take_yajl_error(w, (const unsigned char *)data, len);
    return -1;
}

/* Hands over what was held back, if anything. */
static inline int jwref_flush_pending(jwref *w)
{
    if (w->pending.len == 0)
        return 0;
    int rc = jwref_parse(w, w->pending.data, w->pending.len);
    buf_reset(&w->pending);
    return rc;
}

/* A 70 MB string in 16 KB feeds would be re-lexed 4,000 times (quadratic,
 * ~3 MB/s): while no event comes out, input is held back until it is as
 * large as the token so far, so the token is re-read O(log n) times and
 * the total work stays within a few times the input. */
static inline int jwref_feed(jwref *w, const char *data, size_t len)
{
    if (w->failed)
        return -1;
    if (w->finished) {
        jwref_fail(w, "data after the end of the document");
        return -1;
    }
    if (len == 0)
        return 0;
    w->started = 1;
    if (w->stall == 0 && w->pending.len == 0)
        return jwref_parse(w, data, len);
    if (buf_append(&w->pending, data, len) < 0) {
        jwref_fail(w, "out of memory");
        return -1;
    }
    return w->pending.len < w->stall ? 0 : jwref_flush_pending(w);
}

static inline unsigned long long jwref_lexed_bytes(const jwref *w)
{
    return w->lexed;
}

static inline int jwref_finish(jwref *w)
{
    if (w->failed)
        return -1;
    if (w->finished)
        return 0;
    if (jwref_flush_pending(w) < 0)
        return -1;
    if (!w->started || w->open > 0) {
        jwref_fail(w, w->started ? "document incomplete" : "empty document");
        return -1;
    }
    yajl_status st = yajl_complete_parse(w->h);
    if (st != yajl_status_ok) {
        if (!w->failed)
            jwref_fail(w, "document incomplete"); /* e.g. a number or literal cut short */
        return -1;
    }
    w->finished = 1;
    return 0;
}

static inline const char *jwref_error(const jwref *w)
{
    return w->failed ? w->err : "";
}

static inline int jwref_fail_msg(jwref *w, const char *msg)
{
    jwref_fail(w, msg);
    return -1;
}

static inline int jwref_failed(const jwref *w)
{
    return w->failed;
}

static inline void jwref_set_label(jwref *w, const char *label)
{
    w->label = label;
}

/* ---- the differential harness: one document through both walkers ---- */

/* Every event as one line, values exact (numbers in %a, strings in hex),
 * and how the walk ended. */
typedef struct jwref_trace {
    buf events;
    size_t nevents, abort_at; /* abort_at: the event whose callback aborts, 0 for none */
    unsigned long long invalid_utf8;
    int ok;
    char err[256];
} jwref_trace;

static inline void jwref_path(buf *b, const char *const *path, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        buf_printf(b, "%s%s", i ? "." : "", path[i]);
}

static inline int jwref_tick(jwref_trace *t)
{
    return ++t->nevents == t->abort_at;
}

static inline int jwref_log_scalar(void *ctx, const char *const *path, size_t depth,
                                   const jsonwalk_value *v)
{
    jwref_trace *t = ctx;
    jwref_path(&t->events, path, depth);
    if (v->kind == JSONWALK_NUMBER)
        buf_printf(&t->events, " = n:%a\n", v->num);
    else if (v->kind == JSONWALK_BOOL)
        buf_printf(&t->events, " = b:%g\n", v->num);
    else if (v->kind == JSONWALK_NULL)
        buf_puts(&t->events, " = null\n");
    else {
        buf_puts(&t->events, " = s:");
        for (size_t i = 0; i < v->len; i++)
            buf_printf(&t->events, "%02x", (unsigned char)v->str[i]);
        buf_putc(&t->events, '\n');
    }
    return jwref_tick(t);
}

static inline int jwref_log_container(jwref_trace *t, const char *const *path, size_t depth,
                                      const char *mark)
{
    buf_puts(&t->events, mark);
    jwref_path(&t->events, path, depth);
    buf_printf(&t->events, " @%zu\n", depth);
    return jwref_tick(t);
}

static inline int jwref_log_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    return jwref_log_container(ctx, path, depth, is_array ? "[ " : "{ ");
}

static inline int jwref_log_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    return jwref_log_container(ctx, path, depth, is_array ? "] " : "} ");
}

static inline void jwref_trace_init(jwref_trace *t, size_t abort_at)
{
    memset(t, 0, sizeof(*t));
    buf_init(&t->events);
    t->abort_at = abort_at;
}

/* doc[0..len) cut at cuts[0..ncuts) (ascending offsets) through jsonwalk
 * (ref 0) or the yajl reference (ref 1). */
static inline void jwref_run(int ref, const char *doc, size_t len, const size_t *cuts, size_t ncuts,
                             jwref_trace *t)
{
    static const jsonwalk_callbacks cb = {jwref_log_scalar, jwref_log_enter, jwref_log_leave};
    jsonwalk *w = ref ? NULL : jsonwalk_new(&cb, t);
    jwref *r = ref ? jwref_new(&cb, t) : NULL;
    if (!w && !r)
        abort();
    int rc = 0;
    size_t from = 0;
    for (size_t i = 0; i <= ncuts && rc == 0; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        rc = ref ? jwref_feed(r, doc + from, to - from) : jsonwalk_feed(w, doc + from, to - from);
        from = to;
    }
    if (rc == 0)
        rc = ref ? jwref_finish(r) : jsonwalk_finish(w);
    t->ok = rc == 0;
    t->invalid_utf8 = ref ? jwref_invalid_utf8(r) : jsonwalk_invalid_utf8(w);
    snprintf(t->err, sizeof(t->err), "%s", ref ? jwref_error(r) : jsonwalk_error(w));
    jwref_free(r);
    jsonwalk_free(w);
}

/* NULL when jsonwalk did what the yajl reference did, else what differed:
 * the same verdict, the same events up to the end or the error, the same
 * count of repaired strings, an error line whenever refused. */
static inline const char *jwref_compare(const jwref_trace *now, const jwref_trace *ref)
{
    if (now->ok != ref->ok)
        return now->ok ? "jsonwalk accepted what yajl refused"
                       : "jsonwalk refused what yajl accepted";
    if (now->events.len != ref->events.len ||
        (now->events.len && memcmp(now->events.data, ref->events.data, now->events.len) != 0))
        return "different events";
    if (now->invalid_utf8 != ref->invalid_utf8)
        return "invalid UTF-8 counted differently";
    if (!now->ok && (!now->err[0] || strchr(now->err, '\n')))
        return "refused without a one-line reason";
    return NULL;
}

#endif
