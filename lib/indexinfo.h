/* indexinfo: the smaller per-index answers, each a streaming parser and a
 * pacer run function: aliases (GET /_alias), per-index health (GET
 * /_cluster/health?level=indices), settings and blocks (GET /_all/_settings)
 * and mapped-field counts (GET /_all/_mappings). */
#ifndef ESVIGIL_INDEXINFO_H
#define ESVIGIL_INDEXINFO_H

#include <stddef.h>

#include "esclient.h"
#include "indexfilter.h"
#include "metric.h"
#include "pacer.h"

typedef enum {
    INDEXINFO_ALIASES,
    INDEXINFO_HEALTH,
    INDEXINFO_SETTINGS,
    INDEXINFO_MAPPINGS
} indexinfo_kind;

typedef struct indexinfo indexinfo;

/* out is borrowed; cluster is copied; filter is borrowed (NULL keeps every
 * index). Samples go into out as the body streams: on failure the caller
 * discards out. NULL when out of memory. */
indexinfo *indexinfo_new(indexinfo_kind kind, metric_set *out, const char *cluster,
                         const indexfilter *filter);
void indexinfo_free(indexinfo *p);
int indexinfo_feed(void *p, const char *data, size_t len);
int indexinfo_finish(indexinfo *p);
const char *indexinfo_error(const indexinfo *p);
/* The request path of a kind. */
const char *indexinfo_path(indexinfo_kind kind);

size_t indexinfo_def_count(void);
const metric_def *indexinfo_def(size_t i);

esclient_err indexinfo_run_aliases(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                   size_t errlen);
esclient_err indexinfo_run_health(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                  size_t errlen);
esclient_err indexinfo_run_settings(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                    size_t errlen);
esclient_err indexinfo_run_mappings(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                    size_t errlen);

#endif
