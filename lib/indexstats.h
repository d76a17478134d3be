/* indexstats: streaming parser of GET /_all/_stats (optionally level=shards)
 * into the reference exporter's per-index families (elasticsearch_indices_*,
 * elasticsearch_index_stats_*, elasticsearch_indices_shards_*), filtered by
 * es.indices.include/exclude and capped at es.indices.max. */
#ifndef ESVIGIL_INDEXSTATS_H
#define ESVIGIL_INDEXSTATS_H

#include <stddef.h>

#include "esclient.h"
#include "indexfilter.h"
#include "metric.h"
#include "pacer.h"

#define INDEXSTATS_PATH "/_all/_stats?ignore_unavailable=true"
#define INDEXSTATS_PATH_SHARDS "/_all/_stats?ignore_unavailable=true&level=shards"

typedef struct indexstats_opts {
    const char *cluster;       /* "cluster" label value */
    const indexfilter *filter; /* borrowed; NULL keeps every index */
    size_t max;                /* 0: no limit */
    int shards;                /* export the per-shard families */
} indexstats_opts;

typedef struct indexstats indexstats;

/* Samples go into out (borrowed) at a successful finish. Memory grows with
 * the indices kept (one row of numbers each, plus their shard copies with
 * o->shards), never with the size of the body. NULL when out of memory. */
indexstats *indexstats_new(metric_set *out, const indexstats_opts *o);
void indexstats_free(indexstats *p);
int indexstats_feed(void *p, const char *data, size_t len); /* an esclient_sink */
int indexstats_finish(indexstats *p);                       /* 0, or -1 (indexstats_error) */
const char *indexstats_error(const indexstats *p);
/* After finish: indices that matched the filter, and those left out by max. */
size_t indexstats_matched(const indexstats *p);
size_t indexstats_dropped(const indexstats *p);

size_t indexstats_def_count(void);
const metric_def *indexstats_def(size_t i);

/* The pacer's "indices" collector. */
esclient_err indexstats_run(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                            size_t errlen);

#endif
