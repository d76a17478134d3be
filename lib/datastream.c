/* datastream: one entry of "data_streams" is gathered while open and
 * emitted when it closes (its name may come after its numbers). */
#include "datastream.h"

#include <stdlib.h>
#include <string.h>

#include "jsonwalk.h"

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
    metric_set *out;
    jsonwalk *walk;
    char name[256];
    double backing, store;
    size_t count;
    int have_list;
};

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
            return jsonwalk_fail(p->walk, "\"data_streams\" is not an array");
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
        return jsonwalk_fail(p->walk, "out of memory");
    return 0;
}

datastream *datastream_new(metric_set *out)
{
    static const jsonwalk_callbacks cb = {on_scalar, on_enter, on_leave};
    datastream *p = calloc(1, sizeof(*p));
    if (!p || !(p->walk = jsonwalk_new(&cb, p))) {
        free(p);
        return NULL;
    }
    p->out = out;
    jsonwalk_set_label(p->walk, "data stream stats");
    return p;
}

void datastream_free(datastream *p)
{
    if (!p)
        return;
    jsonwalk_free(p->walk);
    free(p);
}

int datastream_feed(void *p, const char *data, size_t len)
{
    return jsonwalk_feed(((datastream *)p)->walk, data, len);
}

int datastream_finish(datastream *p)
{
    if (jsonwalk_finish(p->walk) < 0)
        return -1;
    if (!p->have_list)
        return jsonwalk_fail(p->walk, "no \"data_streams\" array in the response");
    return 0;
}

const char *datastream_error(const datastream *p)
{
    return jsonwalk_error(p->walk);
}

size_t datastream_count(const datastream *p)
{
    return p->count;
}
