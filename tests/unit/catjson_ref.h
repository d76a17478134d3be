/* catjson_ref: the differential oracle for catjson, shared by test_catjson and
 * fuzz_catjson: one document through catjson and through yajl+the old
 * jsonwalk (jsonwalk_ref.h, the path catjson replaced), each recorded as the events catjson
 * reports, so the two can be compared line for line. */
#ifndef ESVIGIL_CATJSON_REF_H
#define ESVIGIL_CATJSON_REF_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catjson.h"
#include "jsonwalk.h"
#include "jsonwalk_ref.h"

typedef struct cjref_trace {
    buf events; /* "v COLUMN KIND VALUE" and "row" lines */
    unsigned long long invalid_utf8;
    int ok;     /* the whole document was accepted */
    int nested; /* jsonwalk: a container inside a row (a shape catjson refuses) */
    char err[256];
} cjref_trace;

static inline void cjref_init(cjref_trace *t)
{
    memset(t, 0, sizeof(*t));
    buf_init(&t->events);
}

static inline void cjref_free(cjref_trace *t)
{
    buf_free(&t->events);
}

/* Numbers as jsonwalk converts them, printed exactly; strings in hex. */
static inline void cjref_event(buf *ev, size_t column, char kind, const char *s, size_t len,
                               double num)
{
    buf_printf(ev, "v %zu %c ", column, kind);
    if (kind == 'n')
        buf_printf(ev, "%a", num);
    else if (kind == 'b')
        buf_printf(ev, "%d", num != 0);
    for (size_t i = 0; kind == 's' && i < len; i++)
        buf_printf(ev, "%02x", (unsigned char)s[i]);
    buf_putc(ev, '\n');
}

static inline double cjref_number(const char *s, size_t len)
{
    double v;
    if (jsonwalk_number(s, len, &v) == 0)
        return v;
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%.*s", (int)len, s);
    return len < sizeof(tmp) ? strtod(tmp, NULL) : NAN;
}

/* ---- catjson's side ---- */

static inline int cjref_on_value(void *ctx, size_t column, const catjson_value *v)
{
    cjref_trace *t = ctx;
    static const char kinds[] = {
        [CATJSON_STRING] = 's', [CATJSON_NUMBER] = 'n', [CATJSON_BOOL] = 'b', [CATJSON_NULL] = 'z'};
    double num = v->kind == CATJSON_NUMBER ? cjref_number(v->str, v->len)
                 : v->kind == CATJSON_BOOL ? v->str[0] == 't'
                                           : 0;
    if (v->kind == CATJSON_STRING && (memchr(v->str, '\0', v->len) != NULL) != v->has_nul)
        buf_puts(&t->events, "has_nul is wrong\n");
    cjref_event(&t->events, column, kinds[v->kind], v->str, v->len, num);
    return 0;
}

static inline int cjref_on_row(void *ctx)
{
    return buf_puts(&((cjref_trace *)ctx)->events, "row\n") < 0;
}

/* Feeds doc[0..len) cut at cuts[0..ncuts) (ascending offsets). */
static inline void cjref_catjson(const char *const *columns, size_t ncolumns, const char *doc,
                                 size_t len, const size_t *cuts, size_t ncuts, cjref_trace *t)
{
    static const catjson_callbacks cbs = {cjref_on_value, cjref_on_row};
    catjson *c = catjson_new(columns, ncolumns, &cbs, t);
    if (!c)
        abort();
    int rc = 0;
    size_t from = 0;
    for (size_t i = 0; i <= ncuts && rc == 0; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        rc = catjson_feed(c, doc + from, to - from);
        from = to;
    }
    t->ok = rc == 0 && catjson_finish(c) == 0;
    t->invalid_utf8 = catjson_invalid_utf8(c);
    snprintf(t->err, sizeof(t->err), "%s", catjson_error(c));
    catjson_free(c);
}

/* ---- yajl+jsonwalk's side ---- */

typedef struct cjref_walk {
    cjref_trace *t;
    const char *const *columns;
    size_t ncolumns;
    int bad_shape;
} cjref_walk;

static inline int cjref_scalar(void *ctx, const char *const *path, size_t depth,
                               const jsonwalk_value *v)
{
    cjref_walk *w = ctx;
    if (depth < 2)
        w->bad_shape = 1;
    if (depth != 2)
        return depth < 2;
    for (size_t i = 0; i < w->ncolumns; i++) {
        if (strcmp(w->columns[i], path[1]) != 0) /* a key as a C string, like the old parsers */
            continue;
        static const char kinds[] = {[JSONWALK_NUMBER] = 'n',
                                     [JSONWALK_STRING] = 's',
                                     [JSONWALK_BOOL] = 'b',
                                     [JSONWALK_NULL] = 'z'};
        cjref_event(&w->t->events, i, kinds[v->kind], v->str, v->len, v->num);
        break;
    }
    return 0;
}

static inline int cjref_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    cjref_walk *w = ctx;
    (void)path;
    if ((depth == 0 && !is_array) || (depth == 1 && is_array)) {
        w->bad_shape = 1;
        return 1;
    }
    if (depth >= 2)
        w->t->nested = 1;
    return 0;
}

static inline int cjref_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    (void)path;
    (void)is_array;
    return depth == 1 ? cjref_on_row(((cjref_walk *)ctx)->t) : 0;
}

static inline void cjref_jsonwalk(const char *const *columns, size_t ncolumns, const char *doc,
                                  size_t len, const size_t *cuts, size_t ncuts, cjref_trace *t)
{
    static const jsonwalk_callbacks cbs = {cjref_scalar, cjref_enter, cjref_leave};
    cjref_walk w = {t, columns, ncolumns, 0};
    jwref *j = jwref_new(&cbs, &w);
    if (!j)
        abort();
    int rc = 0;
    size_t from = 0;
    for (size_t i = 0; i <= ncuts && rc == 0; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        rc = jwref_feed(j, doc + from, to - from);
        from = to;
    }
    t->ok = rc == 0 && jwref_finish(j) == 0 && !w.bad_shape;
    t->invalid_utf8 = jwref_invalid_utf8(j);
    snprintf(t->err, sizeof(t->err), "%s", jwref_error(j));
    jwref_free(j);
}

/* NULL when catjson did what yajl+jsonwalk did, else what differed. catjson
 * may refuse where jsonwalk met a nested value, and where yajl let an
 * unfinished string follow the document ("[]\"abc": yajl waits for the rest
 * of that token, then ends without looking at it). */
static inline const char *cjref_compare(const cjref_trace *cat, const cjref_trace *walk)
{
    if (!cat->ok)
        return walk->ok && !walk->nested && !strstr(cat->err, "data after the closing ']'")
                   ? "catjson refused a document jsonwalk read"
                   : NULL;
    if (!walk->ok)
        return "catjson read a document jsonwalk refused";
    if (walk->nested)
        return "catjson read a nested value";
    if (cat->invalid_utf8 != walk->invalid_utf8)
        return "invalid UTF-8 counted differently";
    if (cat->events.len != walk->events.len ||
        (cat->events.len && memcmp(cat->events.data, walk->events.data, cat->events.len) != 0))
        return "different events";
    return NULL;
}

#endif
