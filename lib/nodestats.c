/* nodestats: one table row per exported node-stats field. Rows compile into a
 * path trie per parser; samples of a node are buffered until its object closes
 * (name, host and roles may come last), then labelled and added to out. */
#include "nodestats.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonwalk.h"

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define MS 1000 /* millis -> seconds; a divisor, so 14845 ms is exactly 14.845 s */

/* Extra labels of a row, each "name=*" (the next "*" segment of the path),
 * "name=@key" (the string field `key` next to the value, e.g. fs.data[].mount)
 * or "name=value" (fixed). */
#define NS_MAX_EXTRA 3

typedef struct ns_row {
    const char *path; /* below the node object, dotted, "*" = any one segment */
    const char *name;
    metric_type type;
    const char *help;
    const char *labels[NS_MAX_EXTRA];
    double div; /* the value is divided by this; 0 means 1 */
} ns_row;

/* The reference labels these families by node identity only (cluster, host,
 * name), not with the es_*_node role labels. */
#define NS_IDONLY_PREFIX "elasticsearch_indexing_pressure_"

/*
 * Families named, typed, labelled and helped exactly like
 * prometheus-community/elasticsearch_exporter (label order aside), plus these
 * the reference lacks but the checks need (base units, reference style):
 *   elasticsearch_jvm_buffer_pool_buffers{type}            buffers per pool
 *   elasticsearch_jvm_buffer_pool_capacity_bytes{type}   total capacity per pool
 *   elasticsearch_indices_search_open_contexts           open search contexts
 *   elasticsearch_indices_search_scroll_current          scrolls open now
 *   elasticsearch_indices_search_query_current           queries running now
 *   elasticsearch_indices_merges_current_docs            docs in running merges
 *   elasticsearch_indices_shards                   shards on the node (8.x)
 *   elasticsearch_indices_recovery_current_as_source     recoveries sourced here
 *   elasticsearch_indices_recovery_current_as_target     recoveries into this node
 *   elasticsearch_indices_recovery_throttle_time_seconds_total
 *   elasticsearch_filesystem_total_{size,free,available}_bytes   fs.total
 *   elasticsearch_os_mem_total_bytes                     physical memory
 *   elasticsearch_http_open_connections                  http.current_open
 *   elasticsearch_http_opened_connections_total          http.total_opened
 * The reference's filesystem_io_stats_device_* families are here too (its
 * Linux-only io_stats section is absent from container captures).
 */
/* clang-format off */
static const ns_row ns_table[] = {
    /* breakers */
    {"breakers.*.estimated_size_in_bytes", "elasticsearch_breakers_estimated_size_bytes", G,
     "Estimated size in bytes of breaker", {"breaker=*"}, 0},
    {"breakers.*.limit_size_in_bytes", "elasticsearch_breakers_limit_size_bytes", G,
     "Limit size in bytes for breaker", {"breaker=*"}, 0},
    {"breakers.*.overhead", "elasticsearch_breakers_overhead", C,
     "Overhead of circuit breakers", {"breaker=*"}, 0},
    {"breakers.*.tripped", "elasticsearch_breakers_tripped", C,
     "tripped for breaker", {"breaker=*"}, 0},
    /* filesystem */
    {"fs.data.*.available_in_bytes", "elasticsearch_filesystem_data_available_bytes", G,
     "Available space on block device in bytes", {"mount=@mount", "path=@path"}, 0},
    {"fs.data.*.free_in_bytes", "elasticsearch_filesystem_data_free_bytes", G,
     "Free space on block device in bytes", {"mount=@mount", "path=@path"}, 0},
    {"fs.data.*.total_in_bytes", "elasticsearch_filesystem_data_size_bytes", G,
     "Size of block device in bytes", {"mount=@mount", "path=@path"}, 0},
    {"fs.total.total_in_bytes", "elasticsearch_filesystem_total_size_bytes", G,
     "Total size of all data paths in bytes", {0}, 0},
    {"fs.total.free_in_bytes", "elasticsearch_filesystem_total_free_bytes", G,
     "Free space on all data paths in bytes", {0}, 0},
    {"fs.total.available_in_bytes", "elasticsearch_filesystem_total_available_bytes", G,
     "Space available to Elasticsearch on all data paths in bytes", {0}, 0},
    {"fs.io_stats.devices.*.operations",
     "elasticsearch_filesystem_io_stats_device_operations_count", C,
     "Count of disk operations", {"device=@device_name"}, 0},
    {"fs.io_stats.devices.*.read_operations",
     "elasticsearch_filesystem_io_stats_device_read_operations_count", C,
     "Count of disk read operations", {"device=@device_name"}, 0},
    {"fs.io_stats.devices.*.write_operations",
     "elasticsearch_filesystem_io_stats_device_write_operations_count", C,
     "Count of disk write operations", {"device=@device_name"}, 0},
    {"fs.io_stats.devices.*.read_kilobytes",
     "elasticsearch_filesystem_io_stats_device_read_size_kilobytes_sum", C,
     "Total kilobytes read from disk", {"device=@device_name"}, 0},
    {"fs.io_stats.devices.*.write_kilobytes",
     "elasticsearch_filesystem_io_stats_device_write_size_kilobytes_sum", C,
     "Total kilobytes written to disk", {"device=@device_name"}, 0},
    /* http */
    {"http.current_open", "elasticsearch_http_open_connections", G,
     "Currently open HTTP connections", {0}, 0},
    {"http.total_opened", "elasticsearch_http_opened_connections_total", C,
     "HTTP connections opened since the node started", {0}, 0},
    /* indices */
    {"indices.completion.size_in_bytes", "elasticsearch_indices_completion_size_in_bytes", C,
     "Completion in bytes", {0}, 0},
    {"indices.docs.count", "elasticsearch_indices_docs", G,
     "Count of documents on this node", {0}, 0},
    {"indices.docs.deleted", "elasticsearch_indices_docs_deleted", G,
     "Count of deleted documents on this node", {0}, 0},
    {"indices.fielddata.evictions", "elasticsearch_indices_fielddata_evictions", C,
     "Evictions from field data", {0}, 0},
    {"indices.fielddata.memory_size_in_bytes",
     "elasticsearch_indices_fielddata_memory_size_bytes", G,
     "Field data cache memory usage in bytes", {0}, 0},
    {"indices.filter_cache.evictions", "elasticsearch_indices_filter_cache_evictions", C,
     "Evictions from filter cache", {0}, 0},
    {"indices.filter_cache.memory_size_in_bytes",
     "elasticsearch_indices_filter_cache_memory_size_bytes", G,
     "Filter cache memory usage in bytes", {0}, 0},
    {"indices.flush.total_time_in_millis", "elasticsearch_indices_flush_time_seconds", C,
     "Cumulative flush time in seconds", {0}, MS},
    {"indices.flush.total", "elasticsearch_indices_flush_total", C,
     "Total flushes", {0}, 0},
    {"indices.get.exists_time_in_millis", "elasticsearch_indices_get_exists_time_seconds", C,
     "Total time get exists in seconds", {0}, MS},
    {"indices.get.exists_total", "elasticsearch_indices_get_exists_total", C,
     "Total get exists operations", {0}, 0},
    {"indices.get.missing_time_in_millis", "elasticsearch_indices_get_missing_time_seconds", C,
     "Total time of get missing in seconds", {0}, MS},
    {"indices.get.missing_total", "elasticsearch_indices_get_missing_total", C,
     "Total get missing", {0}, 0},
    {"indices.get.time_in_millis", "elasticsearch_indices_get_time_seconds", C,
     "Total get time in seconds", {0}, MS},
    {"indices.get.total", "elasticsearch_indices_get_total", C,
     "Total get", {0}, 0},
    {"indices.indexing.delete_time_in_millis",
     "elasticsearch_indices_indexing_delete_time_seconds_total", C,
     "Total time indexing delete in seconds", {0}, MS},
    {"indices.indexing.delete_total", "elasticsearch_indices_indexing_delete_total", C,
     "Total indexing deletes", {0}, 0},
    {"indices.indexing.index_time_in_millis",
     "elasticsearch_indices_indexing_index_time_seconds_total", C,
     "Cumulative index time in seconds", {0}, MS},
    {"indices.indexing.index_total", "elasticsearch_indices_indexing_index_total", C,
     "Total index calls", {0}, 0},
    {"indices.indexing.is_throttled", "elasticsearch_indices_indexing_is_throttled", G,
     "Indexing throttling", {0}, 0},
    {"indices.indexing.throttle_time_in_millis",
     "elasticsearch_indices_indexing_throttle_time_seconds_total", C,
     "Cumulative indexing throttling time", {0}, MS},
    {"indices.merges.current", "elasticsearch_indices_merges_current", G,
     "Current merges", {0}, 0},
    {"indices.merges.current_docs", "elasticsearch_indices_merges_current_docs", G,
     "Documents in merges running now", {0}, 0},
    {"indices.merges.current_size_in_bytes",
     "elasticsearch_indices_merges_current_size_in_bytes", G,
     "Size of a current merges in bytes", {0}, 0},
    {"indices.merges.total_docs", "elasticsearch_indices_merges_docs_total", C,
     "Cumulative docs merged", {0}, 0},
    {"indices.merges.total", "elasticsearch_indices_merges_total", C,
     "Total merges", {0}, 0},
    {"indices.merges.total_size_in_bytes", "elasticsearch_indices_merges_total_size_bytes_total", C,
     "Total merge size in bytes", {0}, 0},
    {"indices.merges.total_throttled_time_in_millis",
     "elasticsearch_indices_merges_total_throttled_time_seconds_total", C,
     "Total throttled time of merges in seconds", {0}, MS},
    {"indices.merges.total_time_in_millis",
     "elasticsearch_indices_merges_total_time_seconds_total", C,
     "Total time spent merging in seconds", {0}, MS},
    {"indices.query_cache.cache_size", "elasticsearch_indices_query_cache_cache_size", G,
     "Query cache cache size", {0}, 0},
    {"indices.query_cache.cache_count", "elasticsearch_indices_query_cache_cache_total", C,
     "Query cache cache count", {0}, 0},
    {"indices.query_cache.hit_count", "elasticsearch_indices_query_cache_count", C,
     "Query cache count", {"cache=hit"}, 0},
    {"indices.query_cache.evictions", "elasticsearch_indices_query_cache_evictions", C,
     "Evictions from query cache", {0}, 0},
    {"indices.query_cache.memory_size_in_bytes",
     "elasticsearch_indices_query_cache_memory_size_bytes", G,
     "Query cache memory usage in bytes", {0}, 0},
    {"indices.query_cache.total_count", "elasticsearch_indices_query_cache_total", C,
     "Query cache total count", {0}, 0},
    {"indices.query_cache.miss_count", "elasticsearch_indices_query_miss_count", C,
     "Query miss count", {"cache=miss"}, 0},
    {"indices.recovery.current_as_source", "elasticsearch_indices_recovery_current_as_source", G,
     "Recoveries using this node as the source", {0}, 0},
    {"indices.recovery.current_as_target", "elasticsearch_indices_recovery_current_as_target", G,
     "Recoveries using this node as the target", {0}, 0},
    {"indices.recovery.throttle_time_in_millis",
     "elasticsearch_indices_recovery_throttle_time_seconds_total", C,
     "Time recoveries were throttled in seconds", {0}, MS},
    {"indices.refresh.total_time_in_millis", "elasticsearch_indices_refresh_time_seconds_total", C,
     "Total time spent refreshing in seconds", {0}, MS},
    {"indices.refresh.external_total", "elasticsearch_indices_refresh_external_total", C,
     "Total external refreshes", {0}, 0},
    {"indices.refresh.external_total_time_in_millis",
     "elasticsearch_indices_refresh_external_time_seconds_total", C,
     "Total time spent external refreshing in seconds", {0}, MS},
    {"indices.refresh.total", "elasticsearch_indices_refresh_total", C,
     "Total refreshes", {0}, 0},
    {"indices.request_cache.hit_count", "elasticsearch_indices_request_cache_count", C,
     "Request cache count", {"cache=hit"}, 0},
    {"indices.request_cache.evictions", "elasticsearch_indices_request_cache_evictions", C,
     "Evictions from request cache", {0}, 0},
    {"indices.request_cache.memory_size_in_bytes",
     "elasticsearch_indices_request_cache_memory_size_bytes", G,
     "Request cache memory usage in bytes", {0}, 0},
    {"indices.request_cache.miss_count", "elasticsearch_indices_request_miss_count", C,
     "Request miss count", {"cache=miss"}, 0},
    {"indices.search.fetch_time_in_millis", "elasticsearch_indices_search_fetch_time_seconds", C,
     "Total search fetch time in seconds", {0}, MS},
    {"indices.search.fetch_total", "elasticsearch_indices_search_fetch_total", C,
     "Total number of fetches", {0}, 0},
    {"indices.search.open_contexts", "elasticsearch_indices_search_open_contexts", G,
     "Open search contexts", {0}, 0},
    {"indices.search.query_current", "elasticsearch_indices_search_query_current", G,
     "Search queries running now", {0}, 0},
    {"indices.search.query_time_in_millis", "elasticsearch_indices_search_query_time_seconds", C,
     "Total search query time in seconds", {0}, MS},
    {"indices.search.query_total", "elasticsearch_indices_search_query_total", C,
     "Total number of queries", {0}, 0},
    {"indices.search.scroll_current", "elasticsearch_indices_search_scroll_current", G,
     "Scroll contexts open now", {0}, 0},
    {"indices.search.scroll_time_in_millis", "elasticsearch_indices_search_scroll_time_seconds", C,
     "Total scroll time in seconds", {0}, MS},
    {"indices.search.scroll_total", "elasticsearch_indices_search_scroll_total", C,
     "Total number of scrolls", {0}, 0},
    {"indices.search.suggest_time_in_millis",
     "elasticsearch_indices_search_suggest_time_seconds", C,
     "Total suggest time in seconds", {0}, MS},
    {"indices.search.suggest_total", "elasticsearch_indices_search_suggest_total", C,
     "Total number of suggests", {0}, 0},
    {"indices.segments.count", "elasticsearch_indices_segments_count", G,
     "Count of index segments on this node", {0}, 0},
    {"indices.segments.doc_values_memory_in_bytes",
     "elasticsearch_indices_segments_doc_values_memory_in_bytes", G,
     "Count of doc values memory", {0}, 0},
    {"indices.segments.fixed_bit_set_memory_in_bytes",
     "elasticsearch_indices_segments_fixed_bit_set_memory_in_bytes", G,
     "Count of fixed bit set", {0}, 0},
    {"indices.segments.index_writer_memory_in_bytes",
     "elasticsearch_indices_segments_index_writer_memory_in_bytes", G,
     "Count of memory for index writer on this node", {0}, 0},
    {"indices.segments.memory_in_bytes", "elasticsearch_indices_segments_memory_bytes", G,
     "Current memory size of segments in bytes", {0}, 0},
    {"indices.segments.norms_memory_in_bytes",
     "elasticsearch_indices_segments_norms_memory_in_bytes", G,
     "Count of memory used by norms", {0}, 0},
    {"indices.segments.points_memory_in_bytes",
     "elasticsearch_indices_segments_points_memory_in_bytes", G,
     "Point values memory usage in bytes", {0}, 0},
    {"indices.segments.stored_fields_memory_in_bytes",
     "elasticsearch_indices_segments_stored_fields_memory_in_bytes", G,
     "Count of stored fields memory", {0}, 0},
    {"indices.segments.term_vectors_memory_in_bytes",
     "elasticsearch_indices_segments_term_vectors_memory_in_bytes", G,
     "Term vectors memory usage in bytes", {0}, 0},
    {"indices.segments.terms_memory_in_bytes",
     "elasticsearch_indices_segments_terms_memory_in_bytes", G,
     "Count of terms in memory for this node", {0}, 0},
    {"indices.segments.version_map_memory_in_bytes",
     "elasticsearch_indices_segments_version_map_memory_in_bytes", G,
     "Version map memory usage in bytes", {0}, 0},
    {"indices.shard_stats.total_count", "elasticsearch_indices_shards", G,
     "Shards allocated to this node", {0}, 0},
    {"indices.store.size_in_bytes", "elasticsearch_indices_store_size_bytes", G,
     "Current size of stored index data in bytes", {0}, 0},
    {"indices.store.throttle_time_in_millis",
     "elasticsearch_indices_store_throttle_time_seconds_total", C,
     "Throttle time for index store in seconds", {0}, MS},
    {"indices.translog.operations", "elasticsearch_indices_translog_operations", C,
     "Total translog operations", {0}, 0},
    {"indices.translog.size_in_bytes", "elasticsearch_indices_translog_size_in_bytes", G,
     "Total translog size in bytes", {0}, 0},
    {"indices.warmer.total_time_in_millis", "elasticsearch_indices_warmer_time_seconds_total", C,
     "Total warmer time in seconds", {0}, MS},
    {"indices.warmer.total", "elasticsearch_indices_warmer_total", C,
     "Total warmer count", {0}, 0},
    /* indexing pressure (ES 7.9+), labelled as NS_IDONLY_PREFIX says */
    {"indexing_pressure.*.current.all_in_bytes",
     "elasticsearch_indexing_pressure_current_all_in_bytes", G,
     "Memory consumed, in bytes, by indexing requests in the coordinating, primary, or replica "
     "stage.", {"indexing_pressure=*"}, 0},
    {"indexing_pressure.*.limit_in_bytes", "elasticsearch_indexing_pressure_limit_in_bytes", G,
     "Configured memory limit, in bytes, for the indexing requests", {"indexing_pressure=*"}, 0},
    {"indexing_pressure.*.total.coordinating_rejections",
     "elasticsearch_indexing_pressure_rejections_total", C,
     "Indexing requests rejected for indexing pressure since the node started, by stage",
     {"indexing_pressure=*", "stage=coordinating"}, 0},
    {"indexing_pressure.*.total.primary_rejections",
     "elasticsearch_indexing_pressure_rejections_total", C,
     "Indexing requests rejected for indexing pressure since the node started, by stage",
     {"indexing_pressure=*", "stage=primary"}, 0},
    {"indexing_pressure.*.total.replica_rejections",
     "elasticsearch_indexing_pressure_rejections_total", C,
     "Indexing requests rejected for indexing pressure since the node started, by stage",
     {"indexing_pressure=*", "stage=replica"}, 0},
    /* jvm */
    {"jvm.buffer_pools.*.used_in_bytes", "elasticsearch_jvm_buffer_pool_used_bytes", G,
     "JVM buffer currently used", {"type=*"}, 0},
    {"jvm.buffer_pools.*.count", "elasticsearch_jvm_buffer_pool_buffers", G,
     "JVM buffers in the pool", {"type=*"}, 0},
    {"jvm.buffer_pools.*.total_capacity_in_bytes",
     "elasticsearch_jvm_buffer_pool_capacity_bytes", G,
     "JVM buffer pool total capacity in bytes", {"type=*"}, 0},
    {"jvm.gc.collectors.*.collection_count", "elasticsearch_jvm_gc_collection_seconds_count", C,
     "Count of JVM GC runs", {"gc=*"}, 0},
    {"jvm.gc.collectors.*.collection_time_in_millis",
     "elasticsearch_jvm_gc_collection_seconds_sum", C,
     "GC run time in seconds", {"gc=*"}, MS},
    {"jvm.mem.heap_committed_in_bytes", "elasticsearch_jvm_memory_committed_bytes", G,
     "JVM memory currently committed by area", {"area=heap"}, 0},
    {"jvm.mem.non_heap_committed_in_bytes", "elasticsearch_jvm_memory_committed_bytes", G,
     "JVM memory currently committed by area", {"area=non-heap"}, 0},
    {"jvm.mem.heap_max_in_bytes", "elasticsearch_jvm_memory_max_bytes", G,
     "JVM memory max", {"area=heap"}, 0},
    {"jvm.mem.heap_used_in_bytes", "elasticsearch_jvm_memory_used_bytes", G,
     "JVM memory currently used by area", {"area=heap"}, 0},
    {"jvm.mem.non_heap_used_in_bytes", "elasticsearch_jvm_memory_used_bytes", G,
     "JVM memory currently used by area", {"area=non-heap"}, 0},
    {"jvm.mem.pools.*.max_in_bytes", "elasticsearch_jvm_memory_pool_max_bytes", C,
     "JVM memory max by pool", {"pool=*"}, 0},
    {"jvm.mem.pools.*.peak_max_in_bytes", "elasticsearch_jvm_memory_pool_peak_max_bytes", C,
     "JVM memory peak max by pool", {"pool=*"}, 0},
    {"jvm.mem.pools.*.peak_used_in_bytes", "elasticsearch_jvm_memory_pool_peak_used_bytes", C,
     "JVM memory peak used by pool", {"pool=*"}, 0},
    {"jvm.mem.pools.*.used_in_bytes", "elasticsearch_jvm_memory_pool_used_bytes", G,
     "JVM memory currently used by pool", {"pool=*"}, 0},
    /* the reference labels uptime with a constant type="mapped"; kept for drop-in */
    {"jvm.uptime_in_millis", "elasticsearch_jvm_uptime_seconds", G,
     "JVM process uptime in seconds", {"type=mapped"}, MS},
    /* os */
    {"os.cpu.percent", "elasticsearch_os_cpu_percent", G,
     "Percent CPU used by OS", {0}, 0},
    {"os.cpu.load_average.1m", "elasticsearch_os_load1", G,
     "Shortterm load average", {0}, 0},
    {"os.cpu.load_average.5m", "elasticsearch_os_load5", G,
     "Midterm load average", {0}, 0},
    {"os.cpu.load_average.15m", "elasticsearch_os_load15", G,
     "Longterm load average", {0}, 0},
    {"os.mem.actual_free_in_bytes", "elasticsearch_os_mem_actual_free_bytes", G,
     "Amount of free physical memory in bytes", {0}, 0},
    {"os.mem.actual_used_in_bytes", "elasticsearch_os_mem_actual_used_bytes", G,
     "Amount of used physical memory in bytes", {0}, 0},
    {"os.mem.free_in_bytes", "elasticsearch_os_mem_free_bytes", G,
     "Amount of free physical memory in bytes", {0}, 0},
    {"os.mem.used_in_bytes", "elasticsearch_os_mem_used_bytes", G,
     "Amount of used physical memory in bytes", {0}, 0},
    {"os.mem.total_in_bytes", "elasticsearch_os_mem_total_bytes", G,
     "Total physical memory in bytes", {0}, 0},
    /* process */
    {"process.cpu.percent", "elasticsearch_process_cpu_percent", G,
     "Percent CPU used by process", {0}, 0},
    {"process.cpu.total_in_millis", "elasticsearch_process_cpu_seconds_total", C,
     "Process CPU time in seconds", {0}, MS},
    {"process.max_file_descriptors", "elasticsearch_process_max_files_descriptors", G,
     "Max file descriptors", {0}, 0},
    {"process.mem.resident_in_bytes", "elasticsearch_process_mem_resident_size_bytes", G,
     "Resident memory in use by process in bytes", {0}, 0},
    {"process.mem.share_in_bytes", "elasticsearch_process_mem_share_size_bytes", G,
     "Shared memory in use by process in bytes", {0}, 0},
    {"process.mem.total_virtual_in_bytes", "elasticsearch_process_mem_virtual_size_bytes", G,
     "Total virtual memory used in bytes", {0}, 0},
    {"process.open_file_descriptors", "elasticsearch_process_open_files_count", G,
     "Open file descriptors", {0}, 0},
    /* thread pools */
    {"thread_pool.*.active", "elasticsearch_thread_pool_active_count", G,
     "Thread Pool threads active", {"type=*"}, 0},
    {"thread_pool.*.completed", "elasticsearch_thread_pool_completed_count", C,
     "Thread Pool operations completed", {"type=*"}, 0},
    {"thread_pool.*.largest", "elasticsearch_thread_pool_largest_count", G,
     "Thread Pool largest threads count", {"type=*"}, 0},
    {"thread_pool.*.queue", "elasticsearch_thread_pool_queue_count", G,
     "Thread Pool operations queued", {"type=*"}, 0},
    {"thread_pool.*.rejected", "elasticsearch_thread_pool_rejected_count", C,
     "Thread Pool operations rejected", {"type=*"}, 0},
    {"thread_pool.*.threads", "elasticsearch_thread_pool_threads_count", G,
     "Thread Pool current threads count", {"type=*"}, 0},
    /* transport */
    {"transport.rx_count", "elasticsearch_transport_rx_packets_total", C,
     "Count of packets received", {0}, 0},
    {"transport.rx_size_in_bytes", "elasticsearch_transport_rx_size_bytes_total", C,
     "Total number of bytes received", {0}, 0},
    {"transport.tx_count", "elasticsearch_transport_tx_packets_total", C,
     "Count of packets sent", {0}, 0},
    {"transport.tx_size_in_bytes", "elasticsearch_transport_tx_size_bytes_total", C,
     "Total number of bytes sent", {0}, 0},
};
/* clang-format on */

#define NS_NROWS (sizeof(ns_table) / sizeof(ns_table[0]))
#define NS_NBASE 7 /* cluster, host, name, es_{master,data,ingest,client}_node */
#define NS_NID 3   /* cluster, host, name */
#define NS_MAX_CAPS 2
#define NS_SET 4 /* trie nodes one path can match at once (literal and "*") */

static const char *const ns_base_labels[NS_NBASE] = {
    "cluster", "host", "name", "es_master_node", "es_data_node", "es_ingest_node", "es_client_node",
};

/* The roles of the reference's getRoles (1.11): each gets a nodes_roles
 * sample, 1 or 0, on every node; the data tiers count as data (#1224). */
enum {
    ROLE_MASTER,
    ROLE_DATA,
    ROLE_DATA_HOT,
    ROLE_DATA_WARM,
    ROLE_DATA_COLD,
    ROLE_DATA_FROZEN,
    ROLE_DATA_CONTENT,
    ROLE_ML,
    ROLE_REMOTE_CLUSTER_CLIENT,
    ROLE_TRANSFORM,
    ROLE_INGEST,
    ROLE_CLIENT,
    NROLES
};
static const char *const ns_role_names[NROLES] = {
    "master",       "data",      "data_hot",
    "data_warm",    "data_cold", "data_frozen",
    "data_content", "ml",        "remote_cluster_client",
    "transform",    "ingest",    "client"};
#define NS_MAX_OTHER_ROLES 16 /* roles outside that list (voting_only, ...), 1 each */

static const metric_def ns_roles_def = {"elasticsearch_nodes_roles",
                                        METRIC_GAUGE,
                                        "Node roles",
                                        {"cluster", "host", "name", "node", "role"}};

typedef enum { LBL_CAPTURE, LBL_SIBLING, LBL_FIXED } lbl_kind;

typedef struct crow {
    metric_def def;
    lbl_kind kind[NS_MAX_EXTRA];
    const char *arg[NS_MAX_EXTRA]; /* sibling key or fixed value (into names) */
    size_t nextra;
    size_t nbase; /* leading base labels: NS_NBASE, or NS_NID (NS_IDONLY_PREFIX) */
    int ncaps;
    int cap_seg[NS_MAX_CAPS]; /* path segment index of each capture */
    double div;
    int next; /* another row ending at the same trie node, -1 */
    char names[96];
} crow;

typedef struct tnode {
    const char *seg; /* NULL = "*" */
    size_t len;
    int child, sibling, row;
} tnode;

typedef struct pending {
    int row;
    int parent; /* object serial of the value's parent, for sibling labels */
    double v;
    size_t cap[NS_MAX_CAPS]; /* offsets into node strs */
} pending;

typedef struct sibling {
    int parent;
    size_t key, val; /* offsets into node strs */
} sibling;

typedef struct ns_node {
    pending *pend;
    size_t npend, cappend;
    sibling *sib;
    size_t nsib, capsib;
    buf strs; /* captures, sibling strings, name, host: NUL-terminated */
    size_t name, host, id;
    int has_name, has_host, has_id, has_roles, has_http;
    int role[NROLES];
    size_t other_role[NS_MAX_OTHER_ROLES]; /* offsets into strs */
    size_t nother_roles;
    int attr_set[NROLES], attr_val[NROLES];
} ns_node;

/* The table compiled into rows and a path trie: the same for every parser,
 * so it is built once (it was a fortieth of a single node's poll per poll). */
typedef struct ns_compiled {
    crow rows[NS_NROWS];
    tnode *trie;
    size_t ntrie;
    const char *sib_keys[8]; /* distinct "@key" names the table asks for */
    size_t nsib_keys;
} ns_compiled;

struct nodestats {
    metric_set *out;
    jsonwalk *walk;
    const ns_compiled *tab;
    metric_family *fam[NS_NROWS]; /* each row's family in out, found on its first sample */
    metric_family *roles_fam;     /* ns_roles_def's in out, once found */
    /* per-depth state while inside a node object */
    int set[JSONWALK_MAX_DEPTH][NS_SET];
    int nset[JSONWALK_MAX_DEPTH];
    int objid[JSONWALK_MAX_DEPTH];
    int serial;
    int in_node;
    ns_node *cur;
    ns_node **deferred; /* closed before cluster_name was seen */
    size_t ndeferred, capdeferred;
    char *cluster;
    int have_cluster;
    size_t nodes;
    /* names already emitted, to keep same-named nodes apart */
    buf seen_strs; /* name NUL id NUL, per emitted node */
    size_t *seen;  /* offset of each name in seen_strs */
    size_t nseen, capseen;
    size_t *seen_slots; /* hash of names: index into seen + 1 */
    size_t nseen_slots;
    unsigned char *renamed; /* per seen name: its first node was renamed */
    buf base;               /* the node being emitted: its base label values, packed */
    int finished;
};

/* ---- table compilation ---- */

static int compile_labels(ns_compiled *p, crow *c, const ns_row *r)
{
    size_t used = 0, nl = 0;
    c->nbase =
        strncmp(r->name, NS_IDONLY_PREFIX, strlen(NS_IDONLY_PREFIX)) == 0 ? NS_NID : NS_NBASE;
    for (; nl < c->nbase; nl++)
        c->def.labels[nl] = ns_base_labels[nl];
    for (size_t i = 0; i < NS_MAX_EXTRA && r->labels[i]; i++) {
        const char *spec = r->labels[i], *eq = strchr(spec, '=');
        size_t n = strlen(spec) + 1;
        if (!eq || used + n > sizeof(c->names))
            return -1;
        char *copy = c->names + used;
        memcpy(copy, spec, n);
        used += n;
        copy[eq - spec] = '\0';
        const char *arg = copy + (eq - spec) + 1;
        c->def.labels[nl++] = copy;
        c->kind[i] = strcmp(arg, "*") == 0 ? LBL_CAPTURE : arg[0] == '@' ? LBL_SIBLING : LBL_FIXED;
        c->arg[i] = c->kind[i] == LBL_SIBLING ? arg + 1 : arg;
        c->nextra++;
        if (c->kind[i] == LBL_SIBLING) {
            size_t k = 0;
            while (k < p->nsib_keys && strcmp(p->sib_keys[k], arg + 1) != 0)
                k++;
            if (k == p->nsib_keys && k < sizeof(p->sib_keys) / sizeof(p->sib_keys[0]))
                p->sib_keys[p->nsib_keys++] = r->labels[i] + (eq - spec) + 2;
        }
    }
    c->def.labels[nl] = NULL;
    return 0;
}

static int trie_add_node(ns_compiled *p, const char *seg, size_t len)
{
    tnode *t = &p->trie[p->ntrie];
    int is_star = len == 1 && seg[0] == '*';
    t->seg = is_star ? NULL : seg;
    t->len = len;
    t->child = t->sibling = t->row = -1;
    return (int)p->ntrie++;
}

/* Child of node n for the pattern segment seg (created when missing). */
static int trie_child(ns_compiled *p, int n, const char *seg, size_t len)
{
    int is_star = len == 1 && seg[0] == '*';
    for (int c = p->trie[n].child; c >= 0; c = p->trie[c].sibling) {
        const tnode *t = &p->trie[c];
        if (is_star ? !t->seg : (t->seg && t->len == len && memcmp(t->seg, seg, len) == 0))
            return c;
    }
    int c = trie_add_node(p, seg, len);
    p->trie[c].sibling = p->trie[n].child;
    p->trie[n].child = c;
    return c;
}

static int compile_row(ns_compiled *p, int i)
{
    const ns_row *r = &ns_table[i];
    crow *c = &p->rows[i];
    c->def.name = r->name;
    c->def.type = r->type;
    c->def.help = r->help;
    c->div = r->div != 0 ? r->div : 1;
    if (compile_labels(p, c, r) < 0)
        return -1;
    int n = 0, seg = 0;
    for (const char *s = r->path; *s;) {
        size_t len = strcspn(s, ".");
        if (len == 1 && s[0] == '*') {
            if (c->ncaps == NS_MAX_CAPS)
                return -1;
            c->cap_seg[c->ncaps++] = seg;
        }
        n = trie_child(p, n, s, len);
        seg++;
        s += len + (s[len] == '.');
    }
    c->next = p->trie[n].row;
    p->trie[n].row = i;
    return 0;
}

static int compile_table(ns_compiled *p)
{
    size_t maxnodes = 1;
    for (size_t i = 0; i < NS_NROWS; i++)
        for (const char *s = ns_table[i].path; s; s = strchr(s + 1, '.'))
            maxnodes++;
    p->trie = calloc(maxnodes, sizeof(*p->trie));
    if (!p->trie)
        return -1;
    trie_add_node(p, "", 0);
    p->trie[0].seg = ""; /* the root is no wildcard */
    for (size_t i = 0; i < NS_NROWS; i++)
        if (compile_row(p, (int)i) < 0)
            return -1;
    return 0;
}

/* The compiled table, built by the first parser (on any thread); NULL while
 * that fails (out of memory), to be tried again by the next. Never freed. */
static const ns_compiled *compiled_table(void)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static ns_compiled *done;
    pthread_mutex_lock(&mu);
    if (!done) {
        ns_compiled *t = calloc(1, sizeof(*t));
        if (t && compile_table(t) == 0)
            done = t;
        else if (t) {
            free(t->trie);
            free(t);
        }
    }
    ns_compiled *r = done;
    pthread_mutex_unlock(&mu);
    return r;
}

/* ---- per-node buffers ---- */

static ns_node *node_new(void)
{
    ns_node *n = calloc(1, sizeof(*n));
    if (n)
        buf_init(&n->strs);
    return n;
}

static void node_reset(ns_node *n)
{
    n->npend = n->nsib = 0;
    buf_reset(&n->strs);
    n->has_name = n->has_host = n->has_id = n->has_roles = n->has_http = 0;
    n->nother_roles = 0;
    memset(n->role, 0, sizeof(n->role));
    memset(n->attr_set, 0, sizeof(n->attr_set));
    memset(n->attr_val, 0, sizeof(n->attr_val));
}

static void node_free(ns_node *n)
{
    if (!n)
        return;
    free(n->pend);
    free(n->sib);
    buf_free(&n->strs);
    free(n);
}

/* Appends a NUL-terminated copy; returns its offset or SIZE_MAX. */
static size_t node_str(ns_node *n, const char *s, size_t len)
{
    size_t off = n->strs.len;
    if (buf_append(&n->strs, s, len) < 0 || buf_putc(&n->strs, '\0') < 0)
        return SIZE_MAX;
    return off;
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *q = realloc(*arr, ncap * size);
    if (!q)
        return -1;
    *arr = q;
    *cap = ncap;
    return 0;
}

/* ---- emission ---- */

/* The reference's getRoles: roles win, else the pre-5.x attributes;
 * client unless the node has no http section. */
static void node_roles(const ns_node *n, int role[NROLES])
{
    for (int r = 0; r < NROLES; r++) {
        role[r] = r == ROLE_CLIENT;
        if (n->has_roles)
            role[r] = n->role[r] || r == ROLE_CLIENT;
        else if (n->attr_set[r])
            role[r] = n->attr_val[r];
    }
    if (!n->has_http)
        role[ROLE_CLIENT] = 0;
}

/* es_data_node: plain data or any data tier (ES 7.10+ tiered nodes lack "data"). */
static int is_data(const int role[NROLES])
{
    for (int r = ROLE_DATA; r <= ROLE_DATA_CONTENT; r++)
        if (role[r])
            return 1;
    return 0;
}

static int emit_roles(nodestats *p, const ns_node *n, const int role[NROLES],
                      const char *const *values)
{
    const char *rv[5] = {values[0], values[1], values[2], n->has_id ? n->strs.data + n->id : ""};
    if (!p->roles_fam && !(p->roles_fam = metric_set_family_for(p->out, &ns_roles_def)))
        return jsonwalk_fail(p->walk, "cannot add elasticsearch_nodes_roles sample");
    int rc = 0;
    for (int r = 0; r < NROLES; r++) {
        rv[4] = ns_role_names[r];
        rc |= metric_set_add_to(p->out, p->roles_fam, rv, role[r]);
    }
    for (size_t i = 0; i < n->nother_roles; i++) {
        rv[4] = n->strs.data + n->other_role[i];
        rc |= metric_set_add_to(p->out, p->roles_fam, rv, 1);
    }
    return rc ? jsonwalk_fail(p->walk, "cannot add elasticsearch_nodes_roles sample") : 0;
}

static const char *sibling_value(const ns_node *n, int parent, const char *key)
{
    for (size_t i = 0; i < n->nsib; i++)
        if (n->sib[i].parent == parent && strcmp(n->strs.data + n->sib[i].key, key) == 0)
            return n->strs.data + n->sib[i].val;
    return ""; /* what the reference reports for a missing string */
}

/* A node's base label values, packed once for all its samples. */
typedef struct base_pack {
    const char *data;
    size_t off[NS_NBASE + 1]; /* length of the first k values packed */
} base_pack;

static int emit_sample(nodestats *p, const ns_node *n, const pending *s, const base_pack *base)
{
    const crow *c = &p->tab->rows[s->row];
    const char *vals[NS_MAX_EXTRA];
    int cap = 0;
    for (size_t i = 0; i < c->nextra; i++) {
        const char **v = &vals[i];
        if (c->kind[i] == LBL_CAPTURE)
            *v = n->strs.data + s->cap[cap++];
        else if (c->kind[i] == LBL_SIBLING)
            *v = sibling_value(n, s->parent, c->arg[i]);
        else
            *v = c->arg[i];
    }
    /* one lookup by name per row and parser, not per node and sample */
    metric_family **fam = &p->fam[s->row];
    if (!*fam && !(*fam = metric_set_family_for(p->out, &c->def)))
        return -1;
    return metric_set_add_prefixed(p->out, *fam, base->data, base->off[c->nbase], c->nbase, vals,
                                   s->v);
}

/* ---- same-named nodes ----
 * ES lets two nodes share a name (several per host with default names); their
 * series would be identical, which Prometheus rejects for the whole scrape.
 * Every node of a shared name is exported as "name (node id)" instead. */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t *seen_slot(const nodestats *p, const char *name)
{
    size_t mask = p->nseen_slots - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        size_t *slot = &p->seen_slots[i];
        if (*slot == 0 || strcmp(p->seen_strs.data + p->seen[*slot - 1], name) == 0)
            return slot;
    }
}

static int seen_grow(nodestats *p)
{
    if (p->nseen == p->capseen) {
        size_t cap = p->capseen ? p->capseen * 2 : 16;
        size_t *q = realloc(p->seen, cap * sizeof(*q));
        unsigned char *r = q ? realloc(p->renamed, cap) : NULL;
        if (q)
            p->seen = q;
        if (!r)
            return -1;
        p->renamed = r;
        p->capseen = cap;
    }
    if (p->nseen * 2 < p->nseen_slots)
        return 0;
    size_t n = p->nseen_slots ? p->nseen_slots * 2 : 32;
    size_t *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return -1;
    free(p->seen_slots);
    p->seen_slots = slots;
    p->nseen_slots = n;
    for (size_t i = 0; i < p->nseen; i++)
        *seen_slot(p, p->seen_strs.data + p->seen[i]) = i + 1;
    return 0;
}

static int disambiguated(buf *out, const char *name, const char *id)
{
    buf_reset(out);
    buf_printf(out, "%s (%s)", name, id);
    return out->failed ? -1 : 0;
}

/* The first node of a name, emitted under the bare name, now shares it.
 * Rows sharing a family relabel it again, finding nothing left to change. */
static int rename_first(nodestats *p, size_t k)
{
    const char *name = p->seen_strs.data + p->seen[k];
    const char *id = name + strlen(name) + 1;
    buf to;
    buf_init(&to);
    int rc = disambiguated(&to, name, id);
    if (rc == 0)
        rc = metric_set_relabel(p->out, ns_roles_def.name, "name", name, to.data) < 0;
    for (size_t i = 0; rc == 0 && i < NS_NROWS; i++)
        rc = metric_set_relabel(p->out, p->tab->rows[i].def.name, "name", name, to.data) < 0;
    buf_free(&to);
    p->renamed[k] = 1;
    return rc ? -1 : 0;
}

/* The name label of node n: its name, or "name (id)" when another node of
 * this response has it too. display holds the latter. */
static const char *node_label_name(nodestats *p, const ns_node *n, buf *display, int *rc)
{
    const char *name = n->has_name ? n->strs.data + n->name : "";
    const char *id = n->has_id ? n->strs.data + n->id : "";
    *rc = 0;
    if (seen_grow(p) < 0) {
        *rc = -1;
        return name;
    }
    size_t *slot = seen_slot(p, name);
    if (*slot == 0) {
        size_t off = p->seen_strs.len;
        buf_append(&p->seen_strs, name, strlen(name) + 1);
        buf_append(&p->seen_strs, id, strlen(id) + 1);
        if (p->seen_strs.failed) {
            *rc = -1;
            return name;
        }
        p->seen[p->nseen] = off;
        p->renamed[p->nseen] = 0;
        *slot = ++p->nseen;
        return name;
    }
    size_t k = *slot - 1;
    if ((!p->renamed[k] && rename_first(p, k) < 0) || disambiguated(display, name, id) < 0)
        *rc = -1;
    return display->data ? display->data : name;
}

static int node_emit_as(nodestats *p, const ns_node *n, const int role[NROLES], const char *name)
{
    const char *values[NS_NBASE] = {
        p->cluster ? p->cluster : "",
        n->has_host ? n->strs.data + n->host : "",
        name,
        role[ROLE_MASTER] ? "true" : "false",
        is_data(role) ? "true" : "false",
        role[ROLE_INGEST] ? "true" : "false",
        role[ROLE_CLIENT] ? "true" : "false",
    };
    if (emit_roles(p, n, role, values) < 0)
        return -1;
    base_pack base;
    buf_reset(&p->base);
    if (metric_pack(&p->base, values, NS_NBASE, base.off) < 0)
        return jsonwalk_fail(p->walk, "out of memory");
    base.data = p->base.data;
    for (size_t i = 0; i < n->npend; i++) {
        if (emit_sample(p, n, &n->pend[i], &base) < 0) {
            char msg[160];
            snprintf(msg, sizeof(msg), "cannot add %s sample",
                     p->tab->rows[n->pend[i].row].def.name);
            return jsonwalk_fail(p->walk, msg);
        }
    }
    return 0;
}

static int node_emit(nodestats *p, const ns_node *n)
{
    int role[NROLES];
    node_roles(n, role);
    buf display;
    buf_init(&display);
    int rc;
    const char *name = node_label_name(p, n, &display, &rc);
    if (rc == 0)
        rc = node_emit_as(p, n, role, name);
    else
        rc = jsonwalk_fail(p->walk, "out of memory");
    buf_free(&display);
    return rc;
}

static int flush_deferred(nodestats *p)
{
    for (size_t i = 0; i < p->ndeferred; i++) {
        if (node_emit(p, p->deferred[i]) < 0)
            return -1;
        node_free(p->deferred[i]);
        p->deferred[i] = NULL;
    }
    p->ndeferred = 0;
    return 0;
}

/* The node object closed: emit now, or park it until cluster_name shows up. */
static int node_close(nodestats *p)
{
    p->in_node = 0;
    p->nodes++;
    if (p->have_cluster) {
        int rc = node_emit(p, p->cur);
        node_reset(p->cur);
        return rc;
    }
    ns_node *fresh = node_new();
    if (!fresh ||
        grow((void **)&p->deferred, &p->capdeferred, p->ndeferred, sizeof(*p->deferred)) < 0) {
        node_free(fresh);
        return jsonwalk_fail(p->walk, "out of memory");
    }
    p->deferred[p->ndeferred++] = p->cur;
    p->cur = fresh;
    return 0;
}

/* ---- path tracking ---- */

static int seg_eq(const tnode *t, const char *s)
{
    /* the first byte settles most siblings without a call */
    return t->seg && t->seg[0] == s[0] && strncmp(t->seg, s, t->len) == 0 && s[t->len] == '\0';
}

/* Trie nodes reached from set `from` by one more path segment. */
static int step(const nodestats *p, const int *from, int nfrom, const char *seg, int *to)
{
    const tnode *trie = p->tab->trie;
    int n = 0;
    for (int i = 0; i < nfrom; i++)
        for (int c = trie[from[i]].child; c >= 0; c = trie[c].sibling)
            if ((!trie[c].seg || seg_eq(&trie[c], seg)) && n < NS_SET)
                to[n++] = c;
    return n;
}

static int is_node_path(const char *const *path, size_t depth)
{
    return depth >= 2 && strcmp(path[0], "nodes") == 0;
}

static int role_index(const char *s, size_t len)
{
    for (int r = 0; r < NROLES; r++)
        if (strlen(ns_role_names[r]) == len && memcmp(ns_role_names[r], s, len) == 0)
            return r;
    /* OpenSearch renamed master (SPEC: cluster_manager is master) */
    if (len == 15 && memcmp(s, "cluster_manager", 15) == 0)
        return ROLE_MASTER;
    return -1;
}

/* A role of the roles array: a known one sets its flag; any other is kept
 * to be exported as it is named (cluster_manager also counts as master). */
static int on_role(nodestats *p, const jsonwalk_value *v)
{
    ns_node *n = p->cur;
    int ri = role_index(v->str, v->len);
    n->has_roles = 1; /* any role at all: the attributes no longer count */
    if (ri >= 0)
        n->role[ri] = 1;
    int known = ri >= 0 && strlen(ns_role_names[ri]) == v->len;
    if (known || n->nother_roles == NS_MAX_OTHER_ROLES)
        return 0;
    for (size_t i = 0; i < n->nother_roles; i++) {
        const char *had = n->strs.data + n->other_role[i];
        if (strlen(had) == v->len && memcmp(had, v->str, v->len) == 0)
            return 0; /* listed twice */
    }
    size_t off = node_str(n, v->str, v->len);
    if (off == SIZE_MAX)
        return jsonwalk_fail(p->walk, "out of memory");
    n->other_role[n->nother_roles++] = off;
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    nodestats *p = ctx;
    p->objid[depth] = ++p->serial;
    if (depth == 2 && is_node_path(path, depth) && !is_array) {
        p->in_node = 1;
        p->set[0][0] = 0;
        p->nset[0] = 1;
        if ((p->cur->id = node_str(p->cur, path[1], strlen(path[1]))) == SIZE_MAX)
            return jsonwalk_fail(p->walk, "out of memory");
        p->cur->has_id = 1;
        return 0;
    }
    if (!p->in_node || depth < 3)
        return 0;
    size_t r = depth - 2;
    if (r == 2 && strcmp(path[2], "http") == 0)
        p->cur->has_http = 1;
    p->nset[r] = step(p, p->set[r - 1], p->nset[r - 1], path[depth - 1], p->set[r]);
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    nodestats *p = ctx;
    (void)path;
    (void)is_array;
    if (depth == 2 && p->in_node)
        return node_close(p);
    if (depth == 0 && flush_deferred(p) < 0) /* end of document, no cluster_name */
        return -1;
    return 0;
}

static int add_pending(nodestats *p, int row, const char *const *path, size_t depth, double v)
{
    ns_node *n = p->cur;
    const crow *c = &p->tab->rows[row];
    if (grow((void **)&n->pend, &n->cappend, n->npend, sizeof(*n->pend)) < 0)
        return jsonwalk_fail(p->walk, "out of memory");
    pending *s = &n->pend[n->npend];
    s->row = row;
    s->parent = p->objid[depth - 1];
    s->v = v / c->div;
    for (int k = 0; k < c->ncaps; k++) {
        const char *seg = path[2 + c->cap_seg[k]]; /* below nodes.<id> */
        if ((s->cap[k] = node_str(n, seg, strlen(seg))) == SIZE_MAX)
            return jsonwalk_fail(p->walk, "out of memory");
    }
    n->npend++;
    return 0;
}

/* Strings the table uses as labels (fs.data[].mount, ...) and node identity. */
static int node_string(nodestats *p, const char *const *path, size_t depth, size_t r,
                       const jsonwalk_value *v)
{
    ns_node *n = p->cur;
    const char *key = path[depth - 1];
    if (r == 1 && (strcmp(key, "name") == 0 || strcmp(key, "host") == 0)) {
        size_t off = node_str(n, v->str, v->len);
        if (off == SIZE_MAX)
            return jsonwalk_fail(p->walk, "out of memory");
        if (key[0] == 'n') {
            n->name = off;
            n->has_name = 1;
        } else {
            n->host = off;
            n->has_host = 1;
        }
    } else if (r == 2 && strcmp(path[2], "roles") == 0) {
        return on_role(p, v);
    } else if (r == 2 && strcmp(path[2], "attributes") == 0) {
        int ri = role_index(key, strlen(key));
        if (ri >= 0 && strcmp(key, "cluster_manager") != 0) {
            n->attr_set[ri] = 1;
            n->attr_val[ri] = !(v->len == 5 && memcmp(v->str, "false", 5) == 0);
        }
    } else if (p->nset[r - 1] > 0) {
        for (size_t k = 0; k < p->tab->nsib_keys; k++) {
            if (strcmp(key, p->tab->sib_keys[k]) != 0)
                continue;
            if (grow((void **)&n->sib, &n->capsib, n->nsib, sizeof(*n->sib)) < 0)
                return jsonwalk_fail(p->walk, "out of memory");
            sibling *s = &n->sib[n->nsib];
            s->parent = p->objid[depth - 1];
            s->key = node_str(n, key, strlen(key));
            s->val = node_str(n, v->str, v->len);
            if (s->key == SIZE_MAX || s->val == SIZE_MAX)
                return jsonwalk_fail(p->walk, "out of memory");
            n->nsib++;
        }
    }
    return 0;
}

static int on_cluster_name(nodestats *p, const jsonwalk_value *v)
{
    free(p->cluster);
    p->cluster = strndup(v->str, v->len);
    if (!p->cluster)
        return jsonwalk_fail(p->walk, "out of memory");
    p->have_cluster = 1;
    return flush_deferred(p);
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    nodestats *p = ctx;
    if (depth == 1 && v->kind == JSONWALK_STRING && strcmp(path[0], "cluster_name") == 0)
        return on_cluster_name(p, v);
    if (!p->in_node || depth < 3)
        return 0;
    size_t r = depth - 2;
    if (r == 2 && strcmp(path[2], "http") == 0)
        p->cur->has_http = 1;
    if (v->kind == JSONWALK_STRING)
        return node_string(p, path, depth, r, v);
    if (v->kind != JSONWALK_NUMBER && v->kind != JSONWALK_BOOL) /* bools: is_throttled */
        return 0;
    int hit[NS_SET];
    int nhit = step(p, p->set[r - 1], p->nset[r - 1], path[depth - 1], hit);
    for (int i = 0; i < nhit; i++)
        for (int row = p->tab->trie[hit[i]].row; row >= 0; row = p->tab->rows[row].next)
            if (add_pending(p, row, path, depth, v->num) < 0)
                return -1;
    return 0;
}

/* ---- public API ---- */

nodestats *nodestats_new(metric_set *out)
{
    nodestats *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    static const jsonwalk_callbacks cb = {on_scalar, on_enter, on_leave};
    p->out = out;
    metric_set_defer_index(out); /* settled at finish */
    buf_init(&p->seen_strs);
    buf_init(&p->base);
    p->walk = jsonwalk_new(&cb, p);
    p->cur = node_new();
    p->tab = compiled_table();
    if (!p->walk || !p->cur || !p->tab) {
        nodestats_free(p);
        return NULL;
    }
    return p;
}

void nodestats_free(nodestats *p)
{
    if (!p)
        return;
    jsonwalk_free(p->walk);
    node_free(p->cur);
    for (size_t i = 0; i < p->ndeferred; i++)
        node_free(p->deferred[i]);
    free(p->deferred);
    free(p->cluster);
    buf_free(&p->seen_strs);
    buf_free(&p->base);
    free(p->seen);
    free(p->seen_slots);
    free(p->renamed);
    free(p);
}

int nodestats_feed(void *ctx, const char *data, size_t len)
{
    return jsonwalk_feed(((nodestats *)ctx)->walk, data, len);
}

int nodestats_finish(nodestats *p)
{
    if (jsonwalk_finish(p->walk) < 0)
        return -1;
    if (metric_set_settle(p->out) < 0)
        return jsonwalk_fail(p->walk, "out of memory");
    p->finished = 1;
    return 0;
}

const char *nodestats_error(const nodestats *p)
{
    return jsonwalk_error(p->walk);
}

const char *nodestats_cluster_name(const nodestats *p)
{
    return p->cluster ? p->cluster : "";
}

size_t nodestats_node_count(const nodestats *p)
{
    return p->nodes;
}

size_t nodestats_def_count(const nodestats *p)
{
    (void)p;
    return NS_NROWS + 1;
}

const metric_def *nodestats_def(const nodestats *p, size_t i)
{
    if (i < NS_NROWS)
        return &p->tab->rows[i].def;
    return i == NS_NROWS ? &ns_roles_def : NULL;
}
