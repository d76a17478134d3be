/* nodestats: table-driven parser of GET /_nodes/_local/stats (or
 * /_nodes/stats for every node) into elasticsearch_* families named like
 * the reference exporter's. Streams through jsonwalk. */
#ifndef ESVIGIL_NODESTATS_H
#define ESVIGIL_NODESTATS_H

#include <stddef.h>

#include "metric.h"

typedef struct nodestats nodestats;

/* Samples go into out (borrowed, must outlive the parser). */
nodestats *nodestats_new(metric_set *out);
void nodestats_free(nodestats *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON. */
int nodestats_feed(void *p, const char *data, size_t len);
/* 0 when the document was complete and valid, -1 otherwise (why: nodestats_error). */
int nodestats_finish(nodestats *p);
const char *nodestats_error(const nodestats *p);

/* What the poll needs besides samples. Valid after a successful finish. */
const char *nodestats_cluster_name(const nodestats *p);
size_t nodestats_node_count(const nodestats *p);

#endif
