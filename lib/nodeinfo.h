/* nodeinfo: streaming parsers of GET NODEINFO_PATH (the local node's
 * identity, roles, pid and JVM facts) and GET NODEINFO_MASTER_PATH (which
 * node is the elected master). */
#ifndef ESVIGIL_NODEINFO_H
#define ESVIGIL_NODEINFO_H

#include <stddef.h>

#include "metric.h"

#define NODEINFO_PATH "/_nodes/_local"
#define NODEINFO_MASTER_PATH "/_cluster/state/master_node"

typedef struct nodeinfo nodeinfo;

/* Samples go into out (borrowed, must outlive the parser) at a successful
 * nodeinfo_finish; on failure the caller discards out. Only the first node
 * under "nodes" is read (/_nodes/_local has exactly one). NULL when out of
 * memory. */
nodeinfo *nodeinfo_new(metric_set *out);
void nodeinfo_free(nodeinfo *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON. */
int nodeinfo_feed(void *p, const char *data, size_t len);
/* 0 when the document was complete, valid and held a node; -1 otherwise. */
int nodeinfo_finish(nodeinfo *p);
const char *nodeinfo_error(const nodeinfo *p);

/* Valid after a successful finish. Strings are owned by p and "" when absent. */
const char *nodeinfo_node_id(const nodeinfo *p);
const char *nodeinfo_name(const nodeinfo *p);
const char *nodeinfo_host(const nodeinfo *p);
const char *nodeinfo_version(const nodeinfo *p);
const char *nodeinfo_cluster_name(const nodeinfo *p);
long nodeinfo_pid(const nodeinfo *p);            /* process.id; 0 when absent */
double nodeinfo_heap_max(const nodeinfo *p);     /* jvm.mem.heap_max_in_bytes; NaN when absent */
double nodeinfo_jvm_start_ms(const nodeinfo *p); /* jvm.start_time_in_millis; 0 when absent */
int nodeinfo_compressed_oops(const nodeinfo *p); /* 1, 0, or -1 when "unknown" or absent */
/* Roles as the es_*_node labels report them (the reference exporter's rules:
 * "roles", with OpenSearch's cluster_manager as master, else the pre-5.x
 * attributes); data includes the ES 7.10+ tiers (data_hot, data_warm,
 * data_cold, data_frozen, data_content), as the reference's isDataNode. */
int nodeinfo_is_master_eligible(const nodeinfo *p);
int nodeinfo_is_data(const nodeinfo *p);

/* Every family definition nodeinfo can emit, for docs and compatibility checks. */
size_t nodeinfo_def_count(void);
const metric_def *nodeinfo_def(size_t i);

/* The elected master from /_cluster/state/master_node (ES 5+, OpenSearch):
 * {"cluster_name":"x","master_node":"<node id>"}. Same streaming shape. */
typedef struct nodeinfo_master nodeinfo_master;

nodeinfo_master *nodeinfo_master_new(void);
void nodeinfo_master_free(nodeinfo_master *m);
int nodeinfo_master_feed(void *m, const char *data, size_t len); /* an esclient_sink */
int nodeinfo_master_finish(nodeinfo_master *m);                  /* 0 or -1 */
const char *nodeinfo_master_error(const nodeinfo_master *m);
/* The master's node id, NULL when the cluster has none elected (null or
 * missing master_node) or before a successful finish. Owned by m. */
const char *nodeinfo_master_id(const nodeinfo_master *m);

#endif
