/* health: streaming parser of GET /_cluster/health into the reference
 * exporter's elasticsearch_cluster_health_* families (label "cluster"). */
#ifndef ESVIGIL_HEALTH_H
#define ESVIGIL_HEALTH_H

#include <stddef.h>

#include "metric.h"

typedef struct health health;

/* Samples go into out (borrowed, must outlive the parser), all of them from
 * health_finish and only when it succeeds. A field missing from the document
 * (older ES lacks task_max_waiting_in_queue_millis) gives no sample; fields
 * the table does not know (OpenSearch's discovered_cluster_manager, ...) are
 * skipped. NULL on allocation failure. */
health *health_new(metric_set *out);
void health_free(health *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON. */
int health_feed(void *p, const char *data, size_t len);
/* 0 when the document was a complete cluster health object, -1 otherwise
 * (invalid or truncated JSON, not an object, neither cluster_name nor status). */
int health_finish(health *p);
/* Why the last call failed, one line; "" when nothing failed. */
const char *health_error(const health *p);

/* Valid after a successful finish. The status is "green", "yellow" or "red",
 * or NULL when the document had none (or an unknown one); the cluster name is
 * "" when the document had none. Both strings are owned by p. */
const char *health_status(const health *p);
const char *health_cluster_name(const health *p);

#endif
