/* jsonwalk: yajl callbacks turned into path-aware enter/leave/scalar events.
 * Keys live back to back in one growable arena so deep paths cost no mallocs. */
#include "jsonwalk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "buf.h"

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
    const char *path[JSONWALK_MAX_DEPTH]; /* pointers into keys.data */
    buf keys;
    buf num; /* scratch for NUL-terminating numbers */
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

static void refresh_path(jsonwalk *w)
{
    for (size_t i = 0; i < w->nseg; i++)
        w->path[i] = w->keys.data + w->off[i];
}

/* Replaces path segment d (and drops anything deeper). */
static int set_segment(jsonwalk *w, size_t d, const char *s, size_t len)
{
    size_t start = d ? w->off[d - 1] + strlen(w->keys.data + w->off[d - 1]) + 1 : 0;
    char *old = w->keys.data;
    w->keys.len = start;
    if (buf_append(&w->keys, s, len) < 0 || buf_putc(&w->keys, '\0') < 0)
        return fail(w, "out of memory");
    w->off[d] = start;
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
    char idx[32];
    int n = snprintf(idx, sizeof(idx), "%zu", f->next_index++);
    return set_segment(w, w->open - 1, idx, (size_t)n);
}

static int emit_scalar(jsonwalk *w, const jsonwalk_value *v)
{
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

/* yajl hands over the raw digits; strtod keeps integers beyond int64 and
 * fractions alike instead of failing like yajl's own integer callback. */
static int on_number(void *ctx, const char *s, size_t len)
{
    jsonwalk *w = ctx;
    buf_reset(&w->num);
    if (buf_append(&w->num, s, len) < 0)
        return fail(w, "out of memory");
    jsonwalk_value v = {JSONWALK_NUMBER, strtod(w->num.data, NULL), NULL, 0};
    return emit_scalar(w, &v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    jsonwalk_value v = {JSONWALK_STRING, 0, (const char *)s, len};
    return emit_scalar(ctx, &v);
}

static int on_start(jsonwalk *w, int is_array)
{
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
    return set_segment(w, w->open - 1, (const char *)key, len);
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
    w->h = yajl_alloc(&yajl_cbs, NULL, w);
    if (!w->h) {
        free(w);
        return NULL;
    }
    return w;
}

void jsonwalk_allow_invalid_utf8(jsonwalk *w)
{
    yajl_config(w->h, yajl_dont_validate_strings, 1);
}

void jsonwalk_free(jsonwalk *w)
{
    if (!w)
        return;
    yajl_free(w->h);
    buf_free(&w->keys);
    buf_free(&w->num);
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
    yajl_status st = yajl_parse(w->h, (const unsigned char *)data, len);
    if (st == yajl_status_ok)
        return w->failed ? -1 : 0; /* a callback may fail without aborting */
    if (!w->failed)                /* syntax error rather than our own abort */
        take_yajl_error(w, (const unsigned char *)data, len);
    return -1;
}

int jsonwalk_finish(jsonwalk *w)
{
    if (w->failed)
        return -1;
    if (w->finished)
        return 0;
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
