/* checktable: each row says which family to read, how to compare, the default
 * thresholds, the evidence a level needs, where the check comes from (seed)
 * and what to do about it. A new check is one row here. */
#include "checktable.h"

#include <math.h>
#include <string.h>

#define NONE NAN
#define GIB 1073741824.0

/* Seed 000: mapped segment files are how Lucene reads on mmapfs/hybridfs, so
 * mapped > RAM is normal on a healthy data node. Only growth with evidence of
 * the leak counts. */
#define MAPPED_WARN_EVIDENCE                                                                       \
    {                                                                                              \
        {"esvigil_host_memory_used_ratio", 0.80, GUARD_HOST},                                      \
            {"esvigil_host_deleted_mapped_ratio", 0.01, GUARD_HOST},                               \
        {                                                                                          \
            "esvigil_scroll_contexts_ratio", 0.50, GUARD_NODE                                      \
        }                                                                                          \
    }
#define MAPPED_CRIT_EVIDENCE                                                                       \
    {                                                                                              \
        {"esvigil_host_memory_used_ratio", 0.95, GUARD_HOST},                                      \
        {                                                                                          \
            "esvigil_host_deleted_mapped_ratio", 0.10, GUARD_HOST                                  \
        }                                                                                          \
    }

static const check_def table[] = {
    {.name = "mapped_buffers",
     .family = "esvigil_mapped_buffers_ratio",
     .by = {"cluster", "name", "instance"},
     .cmp = CMP_GT,
     .warn = 0.5,
     .crit = 0.5,
     .guard_warn = MAPPED_WARN_EVIDENCE,
     .guard = MAPPED_CRIT_EVIDENCE,
     .for_ = "15m",
     .unit = UNIT_RATIO,
     .seed = "000",
     .summary = "mmapped JVM buffers are a large share of RAM with evidence of a leak (host memory "
                "pressure, deleted segment files still mapped, or scroll contexts piling up)",
     .hint = "look for leaked scroll contexts (indices.search.scroll_current) and clear them: "
             "DELETE _search/scroll/_all"},
    {.name = "host_memory",
     .family = "esvigil_host_memory_used_ratio",
     .by = {"instance"},
     .cmp = CMP_GT,
     .warn = 0.80,
     .crit = NONE,
     .for_ = "10m",
     .unit = UNIT_RATIO,
     .seed = "000",
     .summary = "host memory is nearly used up",
     .hint = "see what holds it: JVM mapped buffers, page cache, other processes (free -m; pmap -x "
             "<es pid>)"},
    {.name = "map_count",
     .family = "esvigil_host_map_count_ratio",
     .by = {"instance"},
     .cmp = CMP_GT,
     .warn = 0.80,
     .crit = 0.95,
     .for_ = "5m",
     .unit = UNIT_RATIO,
     .seed = "000",
     .summary = "the ES process nears vm.max_map_count (mmap fails past it)",
     .hint = "raise vm.max_map_count (sysctl -w vm.max_map_count=262144) and look for leaked "
             "scrolls"},
    {.name = "max_map_count_low",
     .family = "esvigil_host_vm_map_areas_max",
     .by = {"instance"},
     .cmp = CMP_LT,
     .warn = 262144,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_COUNT,
     .seed = "000",
     .summary = "vm.max_map_count is below what ES needs",
     .hint = "raise vm.max_map_count to 262144 (sysctl -w vm.max_map_count=262144, persist in "
             "/etc/sysctl.d)"},
    {.name = "fds",
     .family = "esvigil_fd_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.80,
     .crit = 0.95,
     .for_ = "5m",
     .unit = UNIT_RATIO,
     .seed = "000",
     .summary = "open file descriptors near the process limit",
     .hint = "raise LimitNOFILE for elasticsearch; look for leaked scroll contexts and too many "
             "shards"},
    {.name = "scroll_contexts",
     .family = "esvigil_scroll_contexts_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.50,
     .crit = 0.90,
     .for_ = "5m",
     .unit = UNIT_RATIO,
     .seed = "000",
     .summary = "open scroll contexts near search.max_open_scroll_context",
     .hint = "clear scroll contexts (DELETE _search/scroll/_all) and fix clients that never clear "
             "theirs"},
    {.name = "breaker",
     .family = "esvigil_breaker_ratio",
     .by = {"cluster", "name", "breaker"},
     .cmp = CMP_GT,
     .warn = 0.85,
     .crit = 0.95,
     .for_ = "5m",
     .unit = UNIT_RATIO,
     .seed = "002",
     .summary = "a circuit breaker is close to its limit",
     .hint = "shed load: smaller bulks, fewer concurrent recoveries "
             "(cluster.routing.allocation.node_concurrent_recoveries), or more heap"},
    {.name = "breaker_trips",
     .kind = KIND_INCREASE,
     .family = "elasticsearch_breakers_tripped",
     .by = {"cluster", "name", "breaker"},
     .cmp = CMP_GT,
     .warn = 0,
     .crit = NONE,
     .unit = UNIT_COUNT,
     .seed = "002",
     .summary = "a circuit breaker tripped: requests fail with \"Data too large\"",
     .hint = "find the breaker and what fills it (GET _nodes/stats/breaker); shed load before "
             "retrying"},
    {.name = "heap_used",
     .family = "esvigil_heap_used_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.80,
     .crit = 0.90,
     .for_ = "10m",
     .unit = UNIT_RATIO,
     .seed = "003",
     .summary = "JVM heap under pressure: expect 429 rejections",
     .hint = "reduce indexing/search load or add heap/nodes; check fielddata and large "
             "aggregations"},
    {.name = "thread_pool_rejections",
     .kind = KIND_INCREASE,
     .family = "elasticsearch_thread_pool_rejected_count",
     .by = {"cluster", "name", "type"},
     .cmp = CMP_GT,
     .warn = 0,
     .crit = NONE,
     .unit = UNIT_COUNT,
     .seed = "003",
     .summary = "a thread pool rejected requests: clients get 429 Too Many Requests",
     .hint = "clients should back off and retry; add capacity if the queue is always full"},
    {.name = "indexing_pressure",
     .family = "esvigil_indexing_pressure_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.6,
     .crit = 0.8,
     .for_ = "5m",
     .unit = UNIT_RATIO,
     .seed = "003",
     .summary = "indexing pressure (bytes of in-flight writes) near indexing_pressure.memory.limit: "
                "ES rejects writes past it",
     .hint = "slow the writers down or send smaller bulks; raise indexing_pressure.memory.limit "
             "only with heap to spare"},
    {.name = "indexing_pressure_rejections",
     .kind = KIND_INCREASE,
     .family = "elasticsearch_indexing_pressure_rejections_total",
     .by = {"cluster", "name", "stage"},
     .cmp = CMP_GT,
     .warn = 0,
     .crit = NONE,
     .unit = UNIT_COUNT,
     .seed = "003",
     .summary = "writes were rejected by indexing pressure: clients get 429 Too Many Requests",
     .hint = "clients should back off and retry with smaller bulks; see which stage rejects "
             "(coordinating, primary, replica)"},
    {.name = "disk_low_watermark",
     .family = "esvigil_disk_watermark_headroom_bytes",
     .selector = "watermark=\"low\"",
     .by = {"cluster", "name"},
     .cmp = CMP_LT,
     .warn = 0,
     .crit = NONE,
     .for_ = "5m",
     .unit = UNIT_BYTES,
     .seed = "001",
     .summary = "disk past the low watermark: no new shards here, merges stall",
     .hint = "free disk: delete old indices, or force-merge deleted docs off-peak "
             "(POST INDEX/_forcemerge?only_expunge_deletes=true)"},
    {.name = "disk_high_watermark",
     .family = "esvigil_disk_watermark_headroom_bytes",
     .selector = "watermark=\"high\"",
     .by = {"cluster", "name"},
     .cmp = CMP_LT,
     .warn = NONE,
     .crit = 0,
     .for_ = "5m",
     .unit = UNIT_BYTES,
     .seed = "001",
     .summary = "disk past the high watermark: ES relocates shards away from this node",
     .hint = "free disk now or add nodes before the flood stage makes indices read-only"},
    {.name = "disk_flood_stage",
     .family = "esvigil_disk_watermark_headroom_bytes",
     .selector = "watermark=\"flood_stage\"",
     .by = {"cluster", "name"},
     .cmp = CMP_LT,
     .warn = NONE,
     .crit = 0,
     .for_ = "1m",
     .unit = UNIT_BYTES,
     .seed = "001",
     .summary = "disk past the flood stage: indices on this node are read-only",
     .hint = "free disk; the read_only_allow_delete block lifts by itself once below the high "
             "watermark (7.4+)"},
    {.name = "compressed_oops",
     .family = "elasticsearch_jvm_compressed_oops",
     .by = {"cluster", "name"},
     .cmp = CMP_LT,
     .warn = NONE,
     .crit = 1,
     .for_ = "5m",
     .unit = UNIT_COUNT,
     .seed = "001",
     .summary = "the JVM runs without compressed oops (heap above ~31 GB wastes memory)",
     .hint = "set -Xms/-Xmx to 31g or less (jvm.options.d)"},
    {.name = "heap_to_ram",
     .family = "esvigil_heap_to_ram_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.50,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_RATIO,
     .seed = "001",
     .summary = "heap takes more than half the RAM",
     .hint = "lower -Xmx: Lucene needs the rest as OS page cache"},
    {.name = "shards_per_heap",
     .family = "esvigil_shards_per_heap_gigabyte",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 20,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_COUNT,
     .seed = "004",
     .summary = "too many shards per GB of heap",
     .hint = "shrink or merge small indices; roll over by size with ILM"},
    {.name = "cluster_red",
     .family = "elasticsearch_cluster_health_status",
     .selector = "color=\"red\"",
     .by = {"cluster"},
     .cmp = CMP_GT,
     .warn = NONE,
     .crit = 0,
     .for_ = "1m",
     .unit = UNIT_COUNT,
     .seed = "002",
     .summary = "cluster health is red: some primary shards are unassigned",
     .hint = "GET _cluster/allocation/explain to see why"},
    {.name = "cluster_yellow",
     .family = "elasticsearch_cluster_health_status",
     .selector = "color=\"yellow\"",
     .by = {"cluster"},
     .cmp = CMP_GT,
     .warn = 0,
     .crit = NONE,
     .for_ = "15m",
     .unit = UNIT_COUNT,
     .seed = "002",
     .summary = "cluster health is yellow: some replicas are unassigned",
     .hint = "GET _cluster/allocation/explain to see why"},
    {.name = "allocation_failed",
     .family = "elasticsearch_cluster_unassigned_shards",
     .selector = "reason=\"ALLOCATION_FAILED\"",
     .by = {"cluster"},
     .cmp = CMP_GT,
     .warn = NONE,
     .crit = 0,
     .for_ = "5m",
     .unit = UNIT_COUNT,
     .seed = "002",
     .summary = "shards stay unassigned after exceeding the maximum number of allocation retries",
     .hint = "fix the cause (GET _cluster/allocation/explain), then POST "
             "_cluster/reroute?retry_failed=true"},
    {.name = "allocation_disabled",
     .family = "elasticsearch_clustersettings_allocation_enable",
     .selector = "state=\"all\"",
     .by = {"cluster"},
     .cmp = CMP_LT,
     .warn = 1,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_COUNT,
     .seed = "002",
     .summary = "shard allocation is not \"all\" (left disabled after maintenance?)",
     .hint = "PUT _cluster/settings {\"persistent\":{\"cluster.routing.allocation.enable\":null}}"},
    {.name = "imbalance",
     .family = "esvigil_imbalance_ratio",
     .by = {"cluster", "dimension"},
     .cmp = CMP_GT,
     .warn = 1.5,
     .crit = NONE,
     .for_ = "30m",
     .unit = UNIT_COUNT,
     .seed = "004",
     .summary = "load is uneven across data nodes (max / mean)",
     .hint = "check shard spread (GET _cat/allocation?v), "
             "index.routing.allocation.total_shards_per_node, and long-lived client connections "
             "pinned to a few nodes",
     /* per-node daemons: the recording rules compute the same ratio */
     .source = "(esvigil_imbalance_ratio or cluster_dimension:esvigil_imbalance:max_over_mean)"},
    {.name = "deleted_docs",
     .family = "esvigil_deleted_docs_ratio",
     .by = {"cluster", "name"},
     .cmp = CMP_GT,
     .warn = 0.30,
     .crit = NONE,
     .min_family = "elasticsearch_indices_docs",
     .min_size = 100000,
     .for_ = "1h",
     .unit = UNIT_RATIO,
     .seed = "004",
     .summary = "many deleted documents still take space and CPU",
     .hint =
         "force-merge deleted docs off-peak (POST INDEX/_forcemerge?only_expunge_deletes=true)"},
    {.name = "shard_size",
     .family = "elasticsearch_node_shard_largest_bytes",
     .by = {"cluster", "node"},
     .cmp = CMP_GT,
     .warn = 50 * GIB,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_BYTES,
     .seed = "004",
     .summary = "a shard is larger than 50 GB",
     .hint = "split the index or reindex into more primaries; roll over by size"},
    {.name = "index_shards_per_node",
     .family = "elasticsearch_node_shards_index_max",
     .by = {"cluster", "node"},
     .cmp = CMP_GT,
     .warn = 5,
     .crit = NONE,
     .for_ = "1h",
     .unit = UNIT_COUNT,
     .seed = "004",
     .summary = "many shards of one index sit on one node",
     .hint = "set index.routing.allocation.total_shards_per_node for that index"},
    {.name = "es_unreachable",
     .family = "esvigil_up",
     .by = {"instance"},
     .cmp = CMP_LT,
     .warn = NONE,
     .crit = 1,
     .for_ = "2m",
     .unit = UNIT_COUNT,
     .summary = "esvigil cannot poll Elasticsearch",
     .hint = "is the node up? are es.uri and the credentials right? see esvigil_errors_total by "
             "reason"},
    {.name = "collector_failed",
     .family = "esvigil_collector_success",
     .by = {"instance", "collector"},
     .cmp = CMP_LT,
     .warn = 1,
     .crit = NONE,
     /* ES down as a whole is es_unreachable, not one finding per collector */
     .guard_warn = {{"esvigil_up", 0, GUARD_SELF}},
     .for_ = "15m",
     .unit = UNIT_COUNT,
     .summary = "a collector cannot read its endpoint (a missing privilege, an error, an "
                "unreadable procfs): its families are missing",
     .hint = "esvigil --check's detail says what failed: for HTTP 403 grant esvigil's user the "
             "privilege ES names (cluster privilege monitor, index privilege monitor on *); for "
             "host or process check --path.procfs and esvigil's access to the ES process; else "
             "see esvigil_errors_total{collector} by reason and the log"},
    {.name = "stale_poll",
     .kind = KIND_RULE_ONLY,
     .family = "esvigil_last_success_timestamp_seconds",
     .by = {"instance"},
     .cmp = CMP_GT,
     .warn = 300,
     .crit = NONE,
     .for_ = "5m",
     .unit = UNIT_COUNT,
     .summary = "no successful poll for more than 5 minutes: the metrics are stale",
     .hint = "check the esvigil log (journalctl -u esvigil) and esvigil_errors_total",
     .expr = "time() - max by (instance) (esvigil_last_success_timestamp_seconds) > $T"},
    {.name = "exporter_down",
     .kind = KIND_RULE_ONLY,
     .family = "up",
     .by = {"instance"},
     .cmp = CMP_LT,
     .warn = NONE,
     .crit = 1,
     .for_ = "5m",
     .unit = UNIT_COUNT,
     .summary = "Prometheus cannot scrape esvigil",
     .hint = "systemctl status esvigil; journalctl -u esvigil",
     .expr = "up{job=~\".*esvigil.*\"} < $T"},
};

#define ROWS (sizeof(table) / sizeof(table[0]))

size_t checktable_count(void)
{
    return ROWS;
}

const check_def *checktable_row(size_t i)
{
    return i < ROWS ? &table[i] : NULL;
}

int checktable_find(const char *name)
{
    for (size_t i = 0; i < ROWS; i++)
        if (strcmp(table[i].name, name) == 0)
            return (int)i;
    return -1;
}

int checktable_by_has(const check_def *d, const char *label)
{
    for (size_t i = 0; i < CHECK_MAX_BY && d->by[i]; i++)
        if (strcmp(d->by[i], label) == 0)
            return 1;
    return 0;
}
