/* datastream: one entry of "data_streams" is gathered while open and
 * emitted when it closes (its name may come after its numbers). */
#include "datastream.h"

#include <stdlib.h>
#include <string.h>

#include "jsonparser.h"

/* Counters, as the reference types them (store size included). */
static const metric_def defs[] = {
    {"elasticsearch_data_stream_backing_indices_total",
     METRIC_COUNTER,
     "Number of backing indices",
     {"data_stream"}},
    {"elasticsearch_data_stream_store_size_bytes",
     METRIC_COUNTER,
     "Store size of data stream",
     {"data_stream"}},
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

size_t datastream_def_count(void)
{
    return NDEFS;
}

const metric_def *datastream_def(size_t i)
{
    return i < NDEFS ? &defs[i] : NULL;
}

struct datastream {
    jsonparser base;
    metric_set *out;
    char name[256];
    double backing, store;
    size_t count;
    int have_list;
};
JSONPARSER_FIRST(datastream, base);

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    datastream *p = ctx;
    if (depth != 3 || strcmp(path[0], "data_streams") != 0)
        return 0;
    if (v->kind == JSONWALK_STRING && strcmp(path[2], "data_stream") == 0) {
        size_t n = v->len < sizeof(p->name) - 1 ? v->len : sizeof(p->name) - 1;
        memcpy(p->name, v->str, n);
        p->name[n] = '\0';
    } else if (v->kind == JSONWALK_NUMBER && strcmp(path[2], "backing_indices") == 0) {
        p->backing = v->num;
    } else if (v->kind == JSONWALK_NUMBER && strcmp(path[2], "store_size_bytes") == 0) {
        p->store = v->num;
    }
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    datastream *p = ctx;
    if (depth == 1 && strcmp(path[0], "data_streams") == 0) {
        if (!is_array)
            return jsonparser_fail(&p->base, "\"data_streams\" is not an array");
        p->have_list = 1;
    } else if (depth == 2 && strcmp(path[0], "data_streams") == 0) {
        p->name[0] = '\0';
        p->backing = p->store = 0;
    }
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    datastream *p = ctx;
    (void)is_array;
    if (depth != 2 || strcmp(path[0], "data_streams") != 0)
        return 0;
    const char *v[] = {p->name};
    p->count++;
    if (metric_set_add(p->out, &defs[0], v, p->backing) ||
        metric_set_add(p->out, &defs[1], v, p->store))
        return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

static int done(void *ctx)
{
    datastream *p = ctx;
    return p->have_list ? 0
                        : jsonparser_fail(&p->base, "no \"data_streams\" array in the response");
}

static const jsonparser_kind kind = {{on_scalar, on_enter, on_leave}, 0, done};

datastream *datastream_new(metric_set *out)
{
    datastream *p = calloc(1, sizeof(*p));
    if (!p || jsonparser_begin(&p->base, &kind, "data stream stats") < 0) {
        free(p);
        return NULL;
    }
    p->out = out;
    return p;
}

void datastream_free(datastream *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p);
}

int datastream_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((datastream *)p)->base, data, len);
}

int datastream_finish(datastream *p)
{
    return jsonparser_finish(&p->base);
}

const char *datastream_error(const datastream *p)
{
    return jsonparser_error(&p->base);
}

size_t datastream_count(const datastream *p)
{
    return p->count;
}
