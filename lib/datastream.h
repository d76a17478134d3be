/* datastream: streaming parser of GET /_data_stream/STAR/_stats (ES >= 7.9)
 * into the reference exporter's elasticsearch_data_stream_* families. */
#ifndef ESVIGIL_DATASTREAM_H
#define ESVIGIL_DATASTREAM_H

#include <stddef.h>

#include "metric.h"

#define DATASTREAM_PATH "/_data_stream/*/_stats"

typedef struct datastream datastream;

/* Samples go into out (borrowed) as each stream is read; on failure the
 * caller discards out. NULL on OOM. */
datastream *datastream_new(metric_set *out);
void datastream_free(datastream *p);
int datastream_feed(void *p, const char *data, size_t len); /* an esclient_sink */
/* 0, or -1 when invalid or without a "data_streams" array. */
int datastream_finish(datastream *p);
const char *datastream_error(const datastream *p);
size_t datastream_count(const datastream *p);

size_t datastream_def_count(void);
const metric_def *datastream_def(size_t i);

#endif
