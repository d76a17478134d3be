/* shards: streaming parser of GET SHARDS_PATH (_cat/shards as JSON) into
 * per-node shard aggregates and cluster-wide counts by state and reason. */
#ifndef ESVIGIL_SHARDS_H
#define ESVIGIL_SHARDS_H

#include <stddef.h>

#include "metric.h"

/* The request this parser expects. bytes=b makes "store" a plain byte count;
 * without it (the default cat format) sizes such as "36.4mb" are parsed too. */
#define SHARDS_PATH                                                                                \
    "/_cat/"                                                                                       \
    "shards?format=json&bytes=b&h=index,shard,prirep,state,docs,store,node,unassigned.reason"

typedef struct shards shards;

/* Samples go into out (borrowed, must outlive the parser) at a successful
 * shards_finish; on failure the caller discards out. cluster is the value of
 * every "cluster" label (copied; NULL means ""). Memory grows with distinct
 * nodes, indices and (node, index) pairs, never with the number of rows.
 * NULL when out of memory. */
shards *shards_new(metric_set *out, const char *cluster);
void shards_free(shards *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON or a document
 * that is not an array of flat objects (catjson: a nested object or array
 * as a column's value fails the answer too). */
int shards_feed(void *p, const char *data, size_t len);
/* 0 when the document was complete and valid, -1 otherwise (why: shards_error). */
int shards_finish(shards *p);
const char *shards_error(const shards *p);

/* Aggregates for --check, valid after a successful finish. Nodes are those
 * holding at least one assigned shard (a RELOCATING shard counts on its
 * source node), sorted by name. */
size_t shards_total(const shards *p);
size_t shards_node_count(const shards *p);
const char *shards_node_name(const shards *p, size_t i);
/* STARTED shards on node i (what elasticsearch_node_shards_total reports). */
size_t shards_node_started(const shards *p, size_t i);
/* The most shards of one index on node i (any assigned state); *index (may
 * be NULL) gets that index, the alphabetically first on a tie. Owned by p. */
size_t shards_node_index_max(const shards *p, size_t i, const char **index);
/* The largest shard store on node i in bytes, -1 when no shard had a size. */
double shards_node_largest_bytes(const shards *p, size_t i);
/* Rows in a state ("STARTED", ...) or unassigned for a reason ("UNKNOWN"
 * when the row had none); 0 when never seen. */
size_t shards_state_count(const shards *p, const char *state);
size_t shards_unassigned_count(const shards *p, const char *reason);

/* Every family definition the parser can emit, for docs and compatibility checks. */
size_t shards_def_count(void);
const metric_def *shards_def(size_t i);

#endif
