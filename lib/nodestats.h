/* nodestats: table-driven parser of GET /_nodes/_local/stats (or
 * /_nodes/stats for every node) into elasticsearch_* families named like
 * the reference exporter's. Streams through jsonwalk. */
#ifndef ESVIGIL_NODESTATS_H
#define ESVIGIL_NODESTATS_H

#include <stddef.h>

#include "metric.h"

typedef struct nodestats nodestats;

/* Samples go into out (borrowed, must outlive the parser). A node's samples
 * are added when its object closes, so a failed parse can leave some in out:
 * when nodestats_feed or nodestats_finish fails, the caller discards out.
 * Until a successful finish, out defers its series index (metric_set_defer_index)
 * and is for the parser's adds only.
 * Memory is per node, except that nodes closing before the top-level
 * "cluster_name" (ES sends it first) are held until it or the end arrives,
 * and each node's name and id are kept to tell same-named nodes apart (all
 * of them are then labelled name="<name> (<node id>)"). */
nodestats *nodestats_new(metric_set *out);
void nodestats_free(nodestats *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON. */
int nodestats_feed(void *p, const char *data, size_t len);
/* 0 when the document was complete and valid, -1 otherwise (why: nodestats_error). */
int nodestats_finish(nodestats *p);
const char *nodestats_error(const nodestats *p);

/* What the poll needs besides samples. Valid after a successful finish;
 * the cluster name is "" when the document had none. */
const char *nodestats_cluster_name(const nodestats *p);
size_t nodestats_node_count(const nodestats *p);

/* Every family definition the parser can emit (a family repeats once per
 * source field, e.g. heap and non-heap), for docs and compatibility checks.
 * Owned by p. */
size_t nodestats_def_count(const nodestats *p);
const metric_def *nodestats_def(const nodestats *p, size_t i);

#endif
