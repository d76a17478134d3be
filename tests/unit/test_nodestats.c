/* test_nodestats: the node-stats table against the project's own fixtures of
 * every supported version, the reference exporter's naming quirks, chunking,
 * edge shapes (cluster_name last, strings for numbers, old role attributes)
 * and bad input. */
#include <dirent.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "jsonwalk.h"
#include "nodestats.h"
#include "unit.h"

#define GIB 1073741824.0

static const char *const versions[] = {"es-5.6", "es-6.8",         "es-7.13",         "es-7.17",
                                       "es-8.9", "opensearch-1.3", "opensearch-2.11", "demo"};
#define NVERSIONS (sizeof(versions) / sizeof(versions[0]))

static char *fixture(const char *version, const char *file, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/es/%s/%s", version, file);
    char *doc = unit_slurp(unit_src(rel), len);
    ck_assert_msg(doc != NULL, "cannot read %s (set ESVIGIL_SRCDIR)", rel);
    return doc;
}

/* Parses doc in chunks (0 = one shot); returns the finish status. */
static int parse(const char *doc, size_t len, size_t chunk, metric_set **out, nodestats **pp)
{
    *out = metric_set_new();
    nodestats *p = nodestats_new(*out);
    ck_assert_ptr_nonnull(p);
    if (chunk == 0)
        chunk = len ? len : 1;
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = nodestats_feed(p, doc + off, len - off < chunk ? len - off : chunk) ? -1 : 0;
    if (rc == 0)
        rc = nodestats_finish(p);
    *pp = p;
    return rc;
}

static metric_set *parse_ok(const char *version, const char *file, nodestats **pp)
{
    size_t len;
    char *doc = fixture(version, file, &len);
    metric_set *s;
    nodestats *p;
    int rc = parse(doc, len, 0, &s, &p);
    ck_assert_msg(rc == 0, "%s/%s: %s", version, file, nodestats_error(p));
    free(doc);
    if (pp)
        *pp = p;
    else
        nodestats_free(p);
    return s;
}

static double must(const metric_set *s, const char *name, const char *const *pairs)
{
    double v = NAN;
    ck_assert_msg(metric_set_lookup(s, name, pairs, &v) == 1, "no %s sample", name);
    return v;
}

static int has(const metric_set *s, const char *name, const char *const *pairs)
{
    double v;
    return metric_set_lookup(s, name, pairs, &v);
}

static size_t nsamples(const metric_set *s, const char *name)
{
    const metric_family *f = metric_set_find(s, name);
    return f ? metric_family_sample_count(f) : 0;
}

/* First number in a fixture at a dotted path ("*" allowed), read with the
 * walker alone so expectations come from the file, not from nodestats. */
typedef struct probe {
    const char *pattern;
    double v;
    int found;
} probe;

static int probe_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    probe *pr = ctx;
    if (!pr->found && v->kind == JSONWALK_NUMBER &&
        jsonwalk_match(pr->pattern, path, 0, depth, NULL, 0)) {
        pr->v = v->num;
        pr->found = 1;
    }
    return 0;
}

static double fixture_number(const char *version, const char *file, const char *pattern)
{
    size_t len;
    char *doc = fixture(version, file, &len);
    probe pr = {pattern, 0, 0};
    jsonwalk_callbacks cb = {probe_scalar, NULL, NULL};
    jsonwalk *w = jsonwalk_new(&cb, &pr);
    ck_assert_int_eq(jsonwalk_feed(w, doc, len), 0);
    ck_assert_int_eq(jsonwalk_finish(w), 0);
    jsonwalk_free(w);
    free(doc);
    ck_assert_msg(pr.found, "%s/%s has no %s", version, file, pattern);
    return pr.v;
}

static int is_opensearch(const char *v)
{
    return strncmp(v, "opensearch", 10) == 0;
}

static int older_than(const char *v, int major)
{
    return strncmp(v, "es-", 3) == 0 && atoi(v + 3) < major;
}

/* ---- per version ---- */

START_TEST(test_version_local_node)
{
    const char *v = versions[_i];
    nodestats *p;
    metric_set *s = parse_ok(v, "nodes_local_stats.json", &p);
    int demo = strcmp(v, "demo") == 0;
    const char *node = demo ? "es-demo-1" : "es-data-1";
    ck_assert_uint_eq(nodestats_node_count(p), 1);
    ck_assert_str_eq(nodestats_cluster_name(p), demo ? "search-demo" : "shop-prod");

    /* the generator's design values: 12 GiB heap at 45% (demo: 16 GiB at 62%) */
    const char *heap[] = {"area",
                          "heap",
                          "name",
                          node,
                          "host",
                          demo ? "10.30.0.21" : "10.20.0.11",
                          "cluster",
                          demo ? "search-demo" : "shop-prod",
                          "es_master_node",
                          "true",
                          "es_data_node",
                          "true",
                          "es_ingest_node",
                          "true",
                          "es_client_node",
                          "true",
                          NULL};
    double heap_max = demo ? 16 * GIB : 12 * GIB;
    ck_assert_double_eq(must(s, "elasticsearch_jvm_memory_max_bytes", heap), heap_max);
    ck_assert_double_eq(must(s, "elasticsearch_jvm_memory_used_bytes", heap),
                        floor(heap_max * (demo ? 0.62 : 0.45)));
    const char *nonheap[] = {"area", "non-heap", NULL};
    ck_assert(must(s, "elasticsearch_jvm_memory_used_bytes", nonheap) > 0);

    const char *mapped[] = {"type", "mapped", NULL};
    double mapped_used = fixture_number(v, "nodes_local_stats.json",
                                        "nodes.*.jvm.buffer_pools.mapped.used_in_bytes");
    ck_assert_double_eq(must(s, "elasticsearch_jvm_buffer_pool_used_bytes", mapped), mapped_used);
    ck_assert_double_eq(mapped_used, demo ? 11 * GIB + 214 * 1048576.0 : floor(6.2 * GIB));
    ck_assert_double_eq(must(s, "elasticsearch_jvm_buffer_pool_capacity_bytes", mapped),
                        mapped_used);
    ck_assert(must(s, "elasticsearch_jvm_buffer_pool_buffers", mapped) > 0);

    /* breaker limits: parent 95% of heap from 7.0 (real memory), 70% before */
    const char *parent[] = {"breaker", "parent", NULL};
    double pct = older_than(v, 7) ? 0.70 : 0.95;
    ck_assert_double_eq(must(s, "elasticsearch_breakers_limit_size_bytes", parent),
                        floor(heap_max * pct));
    const char *fielddata[] = {"breaker", "fielddata", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_breakers_overhead", fielddata), 1.03);
    const char *accounting[] = {"breaker", "accounting", NULL};
    ck_assert_int_eq(has(s, "elasticsearch_breakers_limit_size_bytes", accounting),
                     !older_than(v, 6));

    /* millis become seconds */
    double uptime = fixture_number(v, "nodes_local_stats.json", "nodes.*.jvm.uptime_in_millis");
    const char *mapped_type[] = {"type", "mapped", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_jvm_uptime_seconds", mapped_type), uptime / 1000);
    double young_ms = fixture_number(v, "nodes_local_stats.json",
                                     "nodes.*.jvm.gc.collectors.young.collection_time_in_millis");
    const char *young[] = {"gc", "young", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_jvm_gc_collection_seconds_sum", young),
                        young_ms / 1000);

    /* filesystem: per data path, with its strings as labels */
    double avail =
        fixture_number(v, "nodes_local_stats.json", "nodes.*.fs.data.0.available_in_bytes");
    const char *root = is_opensearch(v) ? "/var/lib/opensearch" : "/var/lib/elasticsearch";
    char mount[128];
    snprintf(mount, sizeof(mount), "%s (/dev/nvme1n1)", root);
    const char *fs[] = {"mount", mount, NULL};
    ck_assert_double_eq(must(s, "elasticsearch_filesystem_data_available_bytes", fs), avail);
    ck_assert_double_eq(must(s, "elasticsearch_filesystem_total_available_bytes", NULL), avail);

    /* the query cache hit/miss split into a label */
    const char *hit[] = {"cache", "hit", NULL}, *miss[] = {"cache", "miss", NULL};
    ck_assert_double_eq(
        must(s, "elasticsearch_indices_query_cache_count", hit),
        fixture_number(v, "nodes_local_stats.json", "nodes.*.indices.query_cache.hit_count"));
    ck_assert_double_eq(
        must(s, "elasticsearch_indices_query_miss_count", miss),
        fixture_number(v, "nodes_local_stats.json", "nodes.*.indices.query_cache.miss_count"));

    /* version-specific sections: missing means no sample, never a zero */
    ck_assert_int_eq(has(s, "elasticsearch_indices_shards", NULL),
                     strcmp(v, "es-8.9") == 0 || demo);
    ck_assert_int_eq(has(s, "elasticsearch_indices_store_throttle_time_seconds_total", NULL),
                     older_than(v, 6));
    ck_assert_int_eq(has(s, "elasticsearch_process_mem_resident_size_bytes", NULL), 0);
    ck_assert_int_eq(has(s, "elasticsearch_os_mem_actual_free_bytes", NULL), 0);
    ck_assert_int_eq(has(s, "elasticsearch_indices_filter_cache_evictions", NULL), 0);
    /* indexing pressure from ES 7.9 (and OpenSearch, forked from 7.10) */
    const char *memory[] = {"indexing_pressure", "memory", NULL};
    int pressure = !older_than(v, 7); /* every 7.x fixture is 7.13 or later */
    ck_assert_int_eq(has(s, "elasticsearch_indexing_pressure_limit_in_bytes", memory), pressure);
    ck_assert_uint_eq(nsamples(s, "elasticsearch_indexing_pressure_rejections_total"),
                      pressure ? 3 : 0);
    if (pressure)
        ck_assert_double_eq(must(s, "elasticsearch_indexing_pressure_limit_in_bytes", memory),
                            fixture_number(v, "nodes_local_stats.json",
                                           "nodes.*.indexing_pressure.memory.limit_in_bytes"));

    ck_assert_double_eq(must(s, "elasticsearch_os_mem_total_bytes", NULL), 32 * GIB);
    const char *write_pool[] = {"type", older_than(v, 6) ? "bulk" : "write", NULL};
    ck_assert(has(s, "elasticsearch_thread_pool_rejected_count", write_pool));
    ck_assert(has(s, "elasticsearch_indices_search_scroll_current", NULL));
    ck_assert(has(s, "elasticsearch_indices_search_open_contexts", NULL));
    ck_assert(has(s, "elasticsearch_http_open_connections", NULL));

    /* every role of the reference's list once, 1 or 0, plus the node's others */
    ck_assert_uint_ge(nsamples(s, "elasticsearch_nodes_roles"), 12);
    ck_assert_uint_le(nsamples(s, "elasticsearch_nodes_roles"), 13);
    const char *data_role[] = {"role", "data", NULL}, *client_role[] = {"role", "client", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", data_role), 1);
    ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", client_role), 1);
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(test_version_three_nodes)
{
    const char *v = versions[_i];
    nodestats *p;
    metric_set *s = parse_ok(v, "nodes_stats.json", &p);
    ck_assert_uint_eq(nodestats_node_count(p), 3);
    nodestats_free(p);
    metric_set *one = parse_ok(v, "nodes_local_stats.json", NULL);
    /* node-level families hold one sample per node */
    const char *per_node[] = {"elasticsearch_indices_docs", "elasticsearch_os_cpu_percent",
                              "elasticsearch_process_open_files_count",
                              "elasticsearch_transport_rx_size_bytes_total"};
    for (size_t i = 0; i < sizeof(per_node) / sizeof(per_node[0]); i++) {
        ck_assert_uint_eq(nsamples(one, per_node[i]), 1);
        ck_assert_uint_eq(nsamples(s, per_node[i]), 3);
    }
    ck_assert_uint_eq(nsamples(s, "elasticsearch_jvm_memory_used_bytes"), 6);
    ck_assert_uint_eq(nsamples(s, "elasticsearch_jvm_memory_max_bytes"), 3);
    metric_set_free(one);

    if (strcmp(v, "demo") != 0) {
        /* the dedicated master: roles and labels follow the roles array */
        const char *master[] = {
            "name",  "es-master-1",    "es_master_node", "true",           "es_data_node",
            "false", "es_ingest_node", "false",          "es_client_node", "true",
            NULL};
        ck_assert(has(s, "elasticsearch_indices_docs", master));
        const char *role_data[] = {"name", "es-master-1", "role", "data", NULL};
        const char *role_master[] = {"name", "es-master-1", "role", "master", NULL};
        ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", role_data), 0);
        ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", role_master), 1);
        const char *heap[] = {"name", "es-master-1", "area", "heap", NULL};
        ck_assert_double_eq(must(s, "elasticsearch_jvm_memory_max_bytes", heap), 4 * GIB);
    }
    metric_set_free(s);
}
END_TEST

START_TEST(test_opensearch_cluster_manager_is_master)
{
    metric_set *s = parse_ok("opensearch-2.11", "nodes_local_stats.json", NULL);
    const char *m[] = {"es_master_node", "true", "es_data_node", "true", NULL};
    ck_assert(has(s, "elasticsearch_indices_docs", m));
    const char *role[] = {"role", "master", NULL};
    ck_assert(has(s, "elasticsearch_nodes_roles", role));
    metric_set_free(s);
}
END_TEST

START_TEST(test_shard_count_matches_cat_shards)
{
    metric_set *s = parse_ok("es-8.9", "nodes_stats.json", NULL);
    size_t len;
    char *rows = fixture("es-8.9", "cat_shards.json", &len);
    size_t on_node = 0;
    for (const char *q = rows; (q = strstr(q, "\"node\": \"es-data-1\"")); q++)
        on_node++;
    free(rows);
    const char *n[] = {"name", "es-data-1", NULL};
    ck_assert_uint_gt(on_node, 0);
    ck_assert_double_eq(must(s, "elasticsearch_indices_shards", n), (double)on_node);
    metric_set_free(s);
}
END_TEST

/* ---- feeding and comparing ---- */

static void assert_sets_equal(const metric_set *a, const metric_set *b)
{
    ck_assert_uint_eq(metric_set_family_count(a), metric_set_family_count(b));
    ck_assert_uint_eq(metric_set_sample_count(a), metric_set_sample_count(b));
    for (size_t i = 0; i < metric_set_family_count(a); i++) {
        const metric_family *fa = metric_set_family(a, i);
        const metric_family *fb = metric_set_find(b, metric_family_name(fa));
        ck_assert_msg(fb != NULL, "missing %s", metric_family_name(fa));
        ck_assert_uint_eq(metric_family_sample_count(fa), metric_family_sample_count(fb));
        for (size_t k = 0; k < metric_family_sample_count(fa); k++) {
            ck_assert_double_eq(metric_family_value(fa, k), metric_family_value(fb, k));
            for (size_t j = 0; j < metric_family_label_count(fa); j++)
                ck_assert_str_eq(metric_family_label_value(fa, k, j),
                                 metric_family_label_value(fb, k, j));
        }
    }
}

START_TEST(test_byte_by_byte_identical)
{
    const char *v = versions[_i];
    size_t len;
    char *doc = fixture(v, "nodes_stats.json", &len);
    metric_set *one, *bytes, *odd;
    nodestats *p1, *p2, *p3;
    ck_assert_int_eq(parse(doc, len, 0, &one, &p1), 0);
    ck_assert_int_eq(parse(doc, len, 1, &bytes, &p2), 0);
    ck_assert_int_eq(parse(doc, len, 333, &odd, &p3), 0);
    assert_sets_equal(one, bytes);
    assert_sets_equal(one, odd);
    ck_assert_uint_gt(metric_set_sample_count(one), 600);
    nodestats_free(p1);
    nodestats_free(p2);
    nodestats_free(p3);
    metric_set_free(one);
    metric_set_free(bytes);
    metric_set_free(odd);
    free(doc);
}
END_TEST

START_TEST(test_cluster_name_after_nodes)
{
    nodestats *p;
    metric_set *last = parse_ok("edge", "nodes_stats_cluster_name_last.json", &p);
    ck_assert_str_eq(nodestats_cluster_name(p), "shop-prod");
    ck_assert_uint_eq(nodestats_node_count(p), 3);
    nodestats_free(p);
    /* the same nodes as es-7.17, so the same samples, labelled with the cluster */
    metric_set *first = parse_ok("es-7.17", "nodes_stats.json", NULL);
    assert_sets_equal(first, last);
    const char *c[] = {"cluster", "shop-prod", "name", "es-data-2", NULL};
    ck_assert(has(last, "elasticsearch_indices_docs", c));
    metric_set_free(first);
    metric_set_free(last);
}
END_TEST

START_TEST(test_no_cluster_name)
{
    const char *doc = "{\"nodes\":{\"a1\":{\"name\":\"n1\",\"host\":\"h\",\"roles\":[\"data\"],"
                      "\"http\":{\"current_open\":3},\"indices\":{\"docs\":{\"count\":5}}}}}";
    metric_set *s;
    nodestats *p;
    ck_assert_int_eq(parse(doc, strlen(doc), 1, &s, &p), 0);
    ck_assert_str_eq(nodestats_cluster_name(p), "");
    const char *l[] = {
        "cluster",        "",     "name", "n1", "es_data_node", "true", "es_master_node", "false",
        "es_client_node", "true", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_indices_docs", l), 5);
    ck_assert_double_eq(must(s, "elasticsearch_http_open_connections", NULL), 3);
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(test_missing_sections)
{
    metric_set *s = parse_ok("edge", "nodes_stats_missing_sections.json", NULL);
    ck_assert(has(s, "elasticsearch_indices_docs", NULL));
    ck_assert(has(s, "elasticsearch_os_load1", NULL));
    const char *gone[] = {
        "elasticsearch_jvm_memory_used_bytes", "elasticsearch_jvm_buffer_pool_used_bytes",
        "elasticsearch_filesystem_data_size_bytes", "elasticsearch_breakers_tripped",
        "elasticsearch_thread_pool_queue_count"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        ck_assert_msg(metric_set_find(s, gone[i]) == NULL, "%s present", gone[i]);
    metric_set_free(s);
}
END_TEST

START_TEST(test_numbers_as_strings_skipped)
{
    metric_set *s = parse_ok("edge", "nodes_stats_numbers_as_strings.json", NULL);
    const char *heap[] = {"area", "heap", NULL}, *nonheap[] = {"area", "non-heap", NULL};
    ck_assert(!has(s, "elasticsearch_jvm_memory_used_bytes", heap));
    ck_assert(has(s, "elasticsearch_jvm_memory_used_bytes", nonheap));
    ck_assert(!has(s, "elasticsearch_indices_docs", NULL));
    ck_assert(!has(s, "elasticsearch_process_open_files_count", NULL)); /* null */
    ck_assert(has(s, "elasticsearch_indices_docs_deleted", NULL));
    metric_set_free(s);
}
END_TEST

START_TEST(test_same_name_nodes_kept_apart)
{
    /* two nodes on one host, both named after it: "name (node id)" for each */
    size_t len;
    char *doc = fixture("es-7.17-twins", "nodes_stats.json", &len);
    /* the node ids: the keys two levels in (the fixture indents by one space) */
    const char *ids[2];
    char *q = strstr(doc, "\"nodes\": {");
    ck_assert_ptr_nonnull(q);
    for (int i = 0; i < 2; i++) {
        q = strstr(q, "\n  \"");
        ck_assert_ptr_nonnull(q);
        ids[i] = q + 4;
        q = strchr(q + 4, '"');
        *q++ = '\0';
    }
    char want[2][96];
    for (int i = 0; i < 2; i++)
        snprintf(want[i], sizeof(want[i]), "es-host-1 (%s)", ids[i]);
    free(doc);
    for (size_t chunk = 0; chunk <= 4096; chunk += 4096) {
        metric_set *s;
        nodestats *p;
        doc = fixture("es-7.17-twins", "nodes_stats.json", &len);
        ck_assert_int_eq(parse(doc, len, chunk, &s, &p), 0);
        free(doc);
        for (int i = 0; i < 2; i++) {
            const char *l[] = {"name", want[i], "host", "10.50.0.5", NULL};
            ck_assert_msg(has(s, "elasticsearch_indices_docs", l), "no %s", want[i]);
            ck_assert_msg(has(s, "elasticsearch_nodes_roles", l), "no role of %s", want[i]);
        }
        const char *bare[] = {"name", "es-host-1", NULL};
        ck_assert(!has(s, "elasticsearch_indices_docs", bare));
        ck_assert(!has(s, "elasticsearch_thread_pool_queue_count", bare));
        ck_assert_uint_eq(nsamples(s, "elasticsearch_indices_docs"), 2);
        ck_assert_uint_eq(nsamples(s, "elasticsearch_jvm_memory_used_bytes"), 4);
        nodestats_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_duplicate_key_last_wins)
{
    /* "heap_used_in_bytes" twice in one object: one series, the last value */
    metric_set *s = parse_ok("edge", "nodes_stats_duplicate_key.json", NULL);
    const char *heap[] = {"area", "heap", NULL};
    const metric_family *f = metric_set_find(s, "elasticsearch_jvm_memory_used_bytes");
    ck_assert_uint_eq(metric_family_sample_count(f), 2); /* heap, non-heap */
    ck_assert_double_eq(
        must(s, "elasticsearch_jvm_memory_used_bytes", heap),
        fixture_number("es-7.17", "nodes_local_stats.json", "nodes.*.jvm.mem.heap_used_in_bytes"));
    metric_set_free(s);
}
END_TEST

START_TEST(test_attribute_roles_and_late_identity)
{
    /* no roles array, master/data as attributes, no http section, name last */
    metric_set *s = parse_ok("edge", "nodes_stats_attribute_roles.json", NULL);
    const char *l[] = {
        "name",           "es-master-1",  "host",  "10.20.0.13",     "es_master_node",
        "true",           "es_data_node", "false", "es_ingest_node", "false",
        "es_client_node", "false",        NULL};
    ck_assert(has(s, "elasticsearch_os_cpu_percent", l));
    ck_assert_uint_eq(nsamples(s, "elasticsearch_nodes_roles"), 12);
    const char *r[] = {"role", "master", NULL}, *d[] = {"role", "data", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", r), 1);
    ck_assert_double_eq(must(s, "elasticsearch_nodes_roles", d), 0);
    metric_set_free(s);
}
END_TEST

/* Role value of one node in the tiered fixture. */
static double tier_role(const metric_set *s, const char *node, const char *role)
{
    const char *l[] = {"name", node, "role", role, NULL};
    return must(s, "elasticsearch_nodes_roles", l);
}

START_TEST(test_data_tiers_are_data)
{
    /* Elastic Cloud style: hot/content and warm nodes, none with plain "data" */
    metric_set *s = parse_ok("es-8.9-tiers", "nodes_stats.json", NULL);
    const char *hot[] = {"name", "instance-0000000000", "es_data_node", "true", NULL};
    const char *warm[] = {
        "name", "instance-0000000002", "es_data_node", "true", "es_master_node", "false", NULL};
    const char *tie[] = {
        "name", "tiebreaker-0000000003", "es_data_node", "false", "es_master_node", "true", NULL};
    ck_assert(has(s, "elasticsearch_indices_docs", hot));
    ck_assert(has(s, "elasticsearch_indices_docs", warm));
    ck_assert(has(s, "elasticsearch_indices_docs", tie));
    ck_assert_double_eq(tier_role(s, "instance-0000000000", "data_hot"), 1);
    ck_assert_double_eq(tier_role(s, "instance-0000000000", "data_content"), 1);
    ck_assert_double_eq(tier_role(s, "instance-0000000000", "data"), 0);
    ck_assert_double_eq(tier_role(s, "instance-0000000002", "data_warm"), 1);
    ck_assert_double_eq(tier_role(s, "instance-0000000002", "data_hot"), 0);
    ck_assert_double_eq(tier_role(s, "instance-0000000002", "master"), 0);
    /* a role outside the reference's list is exported as named */
    ck_assert_double_eq(tier_role(s, "tiebreaker-0000000003", "voting_only"), 1);
    ck_assert_uint_eq(nsamples(s, "elasticsearch_nodes_roles"), 4 * 12 + 1);
    /* the node id label tells same-named nodes apart (reference 1.11) */
    const metric_family *f = metric_set_find(s, "elasticsearch_nodes_roles");
    size_t node = 0;
    while (strcmp(metric_family_label_name(f, node), "node") != 0)
        node++;
    ck_assert_uint_eq(strlen(metric_family_label_value(f, 0, node)), 22);
    metric_set_free(s);
}
END_TEST

START_TEST(test_roles_inline)
{
    /* empty roles array falls back to attributes like the reference; http {} is no http */
    const char *doc = "{\"cluster_name\":\"c\",\"nodes\":{"
                      "\"x\":{\"name\":\"a\",\"roles\":[],\"attributes\":{\"data\":\"true\","
                      "\"client\":\"false\"},\"http\":{},\"os\":{\"cpu\":{\"percent\":3}}},"
                      "\"y\":{\"name\":\"b\",\"roles\":[\"ingest\",\"voting_only\"],"
                      "\"http\":{\"total_opened\":9},\"os\":{\"cpu\":{\"percent\":4}}}}}";
    metric_set *s;
    nodestats *p;
    ck_assert_int_eq(parse(doc, strlen(doc), 0, &s, &p), 0);
    const char *a[] = {"name",
                       "a",
                       "es_master_node",
                       "false",
                       "es_data_node",
                       "true",
                       "es_ingest_node",
                       "false",
                       "es_client_node",
                       "false",
                       NULL};
    ck_assert_double_eq(must(s, "elasticsearch_os_cpu_percent", a), 3);
    const char *b[] = {"name",
                       "b",
                       "es_master_node",
                       "false",
                       "es_data_node",
                       "false",
                       "es_ingest_node",
                       "true",
                       "es_client_node",
                       "true",
                       NULL};
    ck_assert_double_eq(must(s, "elasticsearch_os_cpu_percent", b), 4);
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(test_unknown_and_odd_fields)
{
    const char *doc =
        "{\"cluster_name\":\"c\",\"future\":{\"x\":[1,2]},\"nodes\":{\"x\":{\"name\":\"a\","
        "\"indices\":{\"docs\":{\"count\":1,\"brand_new\":7},\"store\":{\"size_in_bytes\":{}}},"
        "\"jvm\":{\"buffer_pools\":[1,2],\"mem\":{\"heap_used_in_bytes\":true}},"
        "\"thread_pool\":{\"write\":{\"rejected\":-1,\"new_field\":{\"deep\":[{\"a\":1}]}}}},"
        "\"notanode\":5,\"arr\":[{\"name\":\"z\"}]}}";
    metric_set *s;
    nodestats *p;
    ck_assert_int_eq(parse(doc, strlen(doc), 1, &s, &p), 0);
    ck_assert_uint_eq(nodestats_node_count(p), 1);
    ck_assert_double_eq(must(s, "elasticsearch_indices_docs", NULL), 1);
    ck_assert(!has(s, "elasticsearch_indices_store_size_bytes", NULL));
    ck_assert(!has(s, "elasticsearch_jvm_buffer_pool_used_bytes", NULL));
    const char *w[] = {"type", "write", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_thread_pool_rejected_count", w), -1);
    /* a bool is a number (is_throttled); here it lands on the heap family as 1 */
    const char *heap[] = {"area", "heap", NULL};
    ck_assert_double_eq(must(s, "elasticsearch_jvm_memory_used_bytes", heap), 1);
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(test_truncated_fails)
{
    size_t len;
    char *doc = fixture("es-7.17", "nodes_stats.json", &len);
    size_t cuts[] = {len / 3, len / 2, len - 3, 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        metric_set *s;
        nodestats *p;
        ck_assert_int_eq(parse(doc, cuts[i], 4096, &s, &p), -1);
        ck_assert_ptr_nonnull(strstr(nodestats_error(p), "incomplete"));
        nodestats_free(p);
        metric_set_free(s);
    }
    free(doc);
}
END_TEST

START_TEST(test_garbage_fails)
{
    const char *docs[] = {"<html><head><title>502 Bad Gateway</title></head></html>",
                          "{\"nodes\":{\"x\":{\"name\":\"a\",}}}", "\x1f\x8b\x08\x00",
                          "{\"cluster_name\":\"c\"} trailing"};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        metric_set *s;
        nodestats *p;
        ck_assert_int_eq(parse(docs[i], strlen(docs[i]), 0, &s, &p), -1);
        ck_assert_msg(nodestats_error(p)[0] != '\0', "no error for doc %zu", i);
        ck_assert_ptr_null(strchr(nodestats_error(p), '\n'));
        /* once failed, it stays failed */
        ck_assert_int_ne(nodestats_feed(p, "{}", 2), 0);
        ck_assert_int_eq(nodestats_finish(p), -1);
        nodestats_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_conflicting_family_reports_name)
{
    /* a family already in out with other labels: the add fails, the parse says why */
    metric_set *s = metric_set_new();
    metric_def other = {"elasticsearch_indices_docs", METRIC_GAUGE, "x", {"foo"}};
    const char *vals[] = {"bar"};
    ck_assert_int_eq(metric_set_add(s, &other, vals, 1), 0);
    nodestats *p = nodestats_new(s);
    const char *doc = "{\"cluster_name\":\"c\",\"nodes\":{\"x\":{\"indices\":{\"docs\":"
                      "{\"count\":1}}}}}";
    int rc = nodestats_feed(p, doc, strlen(doc));
    if (rc == 0)
        rc = nodestats_finish(p);
    ck_assert_int_ne(rc, 0);
    ck_assert_ptr_nonnull(strstr(nodestats_error(p), "elasticsearch_indices_docs"));
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(test_many_nodes)
{
    /* 300 copies of one node: per-node buffers are reset and reused correctly */
    size_t len;
    char *one = fixture("es-8.9", "nodes_local_stats.json", &len);
    char *body = strstr(one, "\"nodes\": {");
    ck_assert_ptr_nonnull(body);
    body = strchr(body, '{') + 1;
    char *obj = strchr(body, ':') + 1; /* the node object ... */
    char *end = strrchr(one, '}');     /* ... ends before the closing of nodes and root */
    for (int closing = 0; closing < 2; closing++)
        while (*--end != '}')
            ;
    size_t objlen = (size_t)(end - obj) + 1;
    buf doc;
    buf_init(&doc);
    buf_puts(&doc, "{\"cluster_name\":\"big\",\"nodes\":{");
    for (int i = 0; i < 300; i++) {
        buf_printf(&doc, "%s\"id%d\":", i ? "," : "", i);
        buf_append(&doc, obj, objlen);
    }
    buf_puts(&doc, "}}");
    metric_set *s, *s1;
    nodestats *p, *p1;
    ck_assert_int_eq(parse(doc.data, doc.len, 65536, &s, &p), 0);
    ck_assert_int_eq(parse(one, len, 0, &s1, &p1), 0);
    ck_assert_uint_eq(nodestats_node_count(p), 300);
    ck_assert_uint_eq(metric_set_sample_count(s), 300 * metric_set_sample_count(s1));
    nodestats_free(p);
    nodestats_free(p1);
    metric_set_free(s);
    metric_set_free(s1);
    buf_free(&doc);
    free(one);
}
END_TEST

/* ---- the table itself ---- */

static void sorted_labels(const metric_def *d, char *out, size_t n)
{
    const char *l[METRIC_MAX_LABELS];
    size_t k = 0;
    while (k < METRIC_MAX_LABELS && d->labels[k])
        l[k] = d->labels[k], k++;
    for (size_t a = 0; a < k; a++)
        for (size_t b = a + 1; b < k; b++)
            if (strcmp(l[a], l[b]) > 0) {
                const char *t = l[a];
                l[a] = l[b];
                l[b] = t;
            }
    out[0] = '\0';
    for (size_t a = 0; a < k; a++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", a ? "," : "", l[a]);
}

START_TEST(test_table_consistent)
{
    metric_set *s = metric_set_new();
    nodestats *p = nodestats_new(s);
    size_t n = nodestats_def_count(p);
    ck_assert_uint_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        const metric_def *d = nodestats_def(p, i);
        ck_assert_msg(strncmp(d->name, "elasticsearch_", 14) == 0, "%s", d->name);
        ck_assert_msg(d->help && d->help[0], "%s has no help", d->name);
        /* rows sharing a family must agree on type, help and label names */
        for (size_t j = 0; j < i; j++) {
            const metric_def *e = nodestats_def(p, j);
            if (strcmp(d->name, e->name) != 0)
                continue;
            char la[256], lb[256];
            sorted_labels(d, la, sizeof(la));
            sorted_labels(e, lb, sizeof(lb));
            ck_assert_str_eq(la, lb);
            ck_assert_int_eq(d->type, e->type);
            ck_assert_str_eq(d->help, e->help);
        }
    }
    ck_assert_ptr_null(nodestats_def(p, n));
    nodestats_free(p);
    metric_set_free(s);
}
END_TEST

/* The reference exporter's exact name, type and label set for its quirkiest
 * families (the drop-in contract). */
START_TEST(test_reference_quirks)
{
    static const struct {
        const char *name, *type, *labels;
    } ref[] = {
        {"elasticsearch_jvm_uptime_seconds", "gauge",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name,type"},
        {"elasticsearch_nodes_roles", "gauge", "cluster,host,name,node,role"},
        {"elasticsearch_indexing_pressure_current_all_in_bytes", "gauge",
         "cluster,host,indexing_pressure,name"},
        {"elasticsearch_indexing_pressure_limit_in_bytes", "gauge",
         "cluster,host,indexing_pressure,name"},
        {"elasticsearch_indices_translog_size_in_bytes", "gauge", /* a gauge since 1.7 */
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
        {"elasticsearch_indices_refresh_external_total", "counter",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
        {"elasticsearch_breakers_overhead", "counter",
         "breaker,cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
        {"elasticsearch_jvm_memory_pool_max_bytes", "counter",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name,pool"},
        {"elasticsearch_indices_query_miss_count", "counter",
         "cache,cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
        {"elasticsearch_filesystem_data_size_bytes", "gauge",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,mount,name,path"},
        {"elasticsearch_indices_completion_size_in_bytes", "counter",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
        {"elasticsearch_jvm_gc_collection_seconds_sum", "counter",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,gc,host,name"},
        {"elasticsearch_process_max_files_descriptors", "gauge",
         "cluster,es_client_node,es_data_node,es_ingest_node,es_master_node,host,name"},
    };
    metric_set *s = parse_ok("es-7.13", "nodes_local_stats.json", NULL);
    for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
        const metric_family *f = metric_set_find(s, ref[i].name);
        ck_assert_msg(f != NULL, "no %s", ref[i].name);
        ck_assert_str_eq(metric_type_name(metric_family_type(f)), ref[i].type);
        metric_def d = {0};
        for (size_t j = 0; j < metric_family_label_count(f); j++)
            d.labels[j] = metric_family_label_name(f, j);
        char got[256];
        sorted_labels(&d, got, sizeof(got));
        ck_assert_str_eq(got, ref[i].labels);
    }
    const char *pairs[] = {"type", "mapped", NULL};
    ck_assert(has(s, "elasticsearch_jvm_uptime_seconds", pairs));
    const char *help = metric_family_help(metric_set_find(s, "elasticsearch_breakers_tripped"));
    ck_assert_str_eq(help, "tripped for breaker");
    metric_set_free(s);
}
END_TEST

/* ---- real captures kept outside the project, when present ---- */

START_TEST(test_shared_captures)
{
    char dir[4096];
    const char *env = getenv("ESVIGIL_SHARED_FIXTURES");
    if (env)
        snprintf(dir, sizeof(dir), "%s", env);
    else
        snprintf(dir, sizeof(dir), "%s", unit_src("../shared/fixtures/es-responses"));
    DIR *d = opendir(dir);
    if (!d) {
        unit_skip("test_nodestats: %s absent, shared captures not checked", dir);
        return;
    }
    size_t parsed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "nodestats_", 10) != 0 || !strstr(e->d_name, ".json"))
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        char *doc = unit_slurp(path, &len);
        ck_assert_ptr_nonnull(doc);
        metric_set *s;
        nodestats *p;
        int rc = parse(doc, len, 1000, &s, &p);
        ck_assert_msg(rc == 0, "%s: %s", e->d_name, nodestats_error(p));
        ck_assert_uint_ge(nodestats_node_count(p), 1);
        ck_assert(has(s, "elasticsearch_jvm_memory_used_bytes", NULL));
        nodestats_free(p);
        metric_set_free(s);
        free(doc);
        parsed++;
    }
    closedir(d);
    printf("test_nodestats: parsed %zu shared captures in %s\n", parsed, dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("nodestats");
    TCase *tc = tcase_create("versions");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_version_local_node, 0, NVERSIONS);
    tcase_add_loop_test(tc, test_version_three_nodes, 0, NVERSIONS);
    tcase_add_loop_test(tc, test_byte_by_byte_identical, 0, NVERSIONS);
    tcase_add_test(tc, test_opensearch_cluster_manager_is_master);
    tcase_add_test(tc, test_shard_count_matches_cat_shards);
    suite_add_tcase(s, tc);

    tc = tcase_create("shapes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cluster_name_after_nodes);
    tcase_add_test(tc, test_no_cluster_name);
    tcase_add_test(tc, test_missing_sections);
    tcase_add_test(tc, test_numbers_as_strings_skipped);
    tcase_add_test(tc, test_attribute_roles_and_late_identity);
    tcase_add_test(tc, test_duplicate_key_last_wins);
    tcase_add_test(tc, test_same_name_nodes_kept_apart);
    tcase_add_test(tc, test_roles_inline);
    tcase_add_test(tc, test_data_tiers_are_data);
    tcase_add_test(tc, test_unknown_and_odd_fields);
    tcase_add_test(tc, test_many_nodes);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_truncated_fails);
    tcase_add_test(tc, test_garbage_fails);
    tcase_add_test(tc, test_conflicting_family_reports_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("table");
    tcase_add_test(tc, test_table_consistent);
    tcase_add_test(tc, test_reference_quirks);
    tcase_add_test(tc, test_shared_captures);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
