/* test_derived: every derived family from hand-built raw sets: exact values (seed numbers
 * included), no sample for each missing or unusable input, GC rates across calls, imbalance. */
#include "derived.h"
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GIB 1073741824.0
#define TOL 1e-12

/* ---- building raw sets ---- */

/* Changes what add_raw writes for families starting with prefix: omit them or use v. */
typedef struct tweak {
    const char *prefix;
    int omit;
    double v;
} tweak;

static const tweak no_tweak = {NULL, 0, 0};

/* One sample of a node family: the 7 node labels of nodestats, then up to two extras. */
/* A prefix ending in "_" matches every family it starts; others match one family. */
static int tweaked(const tweak *t, const char *family, double *v)
{
    if (!t || !t->prefix)
        return 0;
    size_t n = strlen(t->prefix);
    if (t->prefix[n - 1] == '_' ? strncmp(family, t->prefix, n) != 0
                                : strcmp(family, t->prefix) != 0)
        return 0;
    *v = t->v;
    return t->omit;
}

static void add_raw(metric_set *s, const tweak *t, const char *family, const char *cluster,
                    const char *name, int data, const char *x1, const char *v1, const char *x2,
                    const char *v2, double v)
{
    if (tweaked(t, family, &v))
        return;
    metric_def d = {family,
                    METRIC_GAUGE,
                    "test",
                    {"cluster", "host", "name", "es_master_node", "es_data_node", "es_ingest_node",
                     "es_client_node", x1, x2, NULL}};
    const char *vals[] = {cluster, "10.0.0.1", name, "true", data ? "true" : "false",
                          "true",  "true",     v1,   v2};
    ck_assert_int_eq(metric_set_add(s, &d, vals, v), 0);
}

static void add_plain(metric_set *s, const tweak *t, const char *family, double v)
{
    if (tweaked(t, family, &v))
        return;
    metric_def d = {family, METRIC_GAUGE, "test", {NULL}};
    ck_assert_int_eq(metric_set_add(s, &d, NULL, v), 0);
}

static void add_node_shards(metric_set *s, const char *cluster, const char *node, double v)
{
    metric_def d = {"elasticsearch_node_shards_total", METRIC_GAUGE, "test", {"node", "cluster"}};
    const char *vals[] = {node, cluster};
    ck_assert_int_eq(metric_set_add(s, &d, vals, v), 0);
}

#define N(fam, v) add_raw(s, t, fam, cl, nm, data, NULL, NULL, NULL, NULL, v)
#define N1(fam, l, lv, v) add_raw(s, t, fam, cl, nm, data, l, lv, NULL, NULL, v)

/* Every input of a node, with round values (see the expectations in test_full_node). */
static void full_node(metric_set *s, const tweak *t, const char *cl, const char *nm, int data)
{
    N1("elasticsearch_jvm_buffer_pool_used_bytes", "type", "mapped", 8e9);
    N1("elasticsearch_jvm_buffer_pool_used_bytes", "type", "direct", 1e9);
    N1("elasticsearch_jvm_memory_used_bytes", "area", "heap", 6 * GIB);
    N1("elasticsearch_jvm_memory_used_bytes", "area", "non-heap", 1 * GIB);
    N1("elasticsearch_jvm_memory_max_bytes", "area", "heap", 8 * GIB);
    N1("elasticsearch_jvm_gc_collection_seconds_sum", "gc", "young", 10);
    N1("elasticsearch_jvm_gc_collection_seconds_sum", "gc", "old", 5);
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "parent", 3 * GIB);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "parent", 6 * GIB);
    N("elasticsearch_process_open_files_count", 1000);
    N("elasticsearch_process_max_files_descriptors", 4000);
    N("elasticsearch_indices_search_scroll_current", 50);
    N("elasticsearch_indices_docs", 700);
    N("elasticsearch_indices_docs_deleted", 300);
    N("elasticsearch_indices_merges_current_size_in_bytes", 100e9);
    N("elasticsearch_os_mem_total_bytes", 32e9);
    N("elasticsearch_os_cpu_percent", 40);
    N("elasticsearch_http_open_connections", 20);
    N("elasticsearch_indices_shards", 80);
    add_raw(s, t, "elasticsearch_filesystem_data_size_bytes", cl, nm, data, "mount", "/data",
            "path", "/data/nodes/0", 1000e9);
    add_raw(s, t, "elasticsearch_filesystem_data_available_bytes", cl, nm, data, "mount", "/data",
            "path", "/data/nodes/0", 400e9);
    N("elasticsearch_filesystem_total_size_bytes", 1000e9);
    N("elasticsearch_filesystem_total_available_bytes", 400e9);
}

static void host_inputs(metric_set *s, const tweak *t)
{
    add_plain(s, t, "esvigil_host_memory_total_bytes", 64e9);
    add_plain(s, t, "esvigil_host_memory_available_bytes", 16e9);
    add_plain(s, t, "esvigil_host_vm_map_areas_max", 262144);
    add_plain(s, t, "esvigil_host_es_process_maps", 65536);
    add_plain(s, t, "esvigil_host_es_process_deleted_mapped_bytes", 6.4e9);
    add_plain(s, t, "esvigil_host_es_process_open_fds", 900);
    add_plain(s, t, "esvigil_host_es_process_max_fds", 3600);
}

/* ---- reading results ---- */

static int node_value(const metric_set *s, const char *family, const char *name, double *v)
{
    const char *pairs[] = {"name", name, NULL};
    return metric_set_lookup(s, family, pairs, v);
}

static double must(const metric_set *s, const char *family, const char *const *pairs)
{
    double v = NAN;
    ck_assert_msg(metric_set_lookup(s, family, pairs, &v), "no %s sample", family);
    return v;
}

static double must_node(const metric_set *s, const char *family, const char *name)
{
    const char *pairs[] = {"name", name, NULL};
    return must(s, family, pairs);
}

static size_t count(const metric_set *s, const char *family)
{
    const metric_family *f = metric_set_find(s, family);
    return f ? metric_family_sample_count(f) : 0;
}

/* Runs derived_compute once with a fresh state. */
static metric_set *compute(const metric_set *raw, const char *local, double now)
{
    metric_set *out = metric_set_new();
    derived_opts o = {local, now};
    ck_assert_int_eq(derived_compute(raw, &o, NULL, out), 0);
    return out;
}

/* No NaN or infinity ever leaves the module. */
static void assert_all_finite(const metric_set *out)
{
    for (size_t i = 0; i < metric_set_family_count(out); i++) {
        const metric_family *f = metric_set_family(out, i);
        for (size_t k = 0; k < metric_family_sample_count(f); k++)
            ck_assert_msg(isfinite(metric_family_value(f, k)), "%s not finite",
                          metric_family_name(f));
    }
}

/* ---- a complete node ---- */

START_TEST(test_full_node)
{
    metric_set *raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    host_inputs(raw, &no_tweak);
    metric_set *out = compute(raw, "es-1", 100);
    const char *n = "es-1";

    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", n), 8e9 / 64e9, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_heap_to_ram_ratio", n), 8 * GIB / 64e9, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_heap_used_ratio", n), 0.75, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_fd_ratio", n), 0.25, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_scroll_contexts_ratio", n), 0.1, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_deleted_docs_ratio", n), 0.3, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_disk_used_ratio", n), 0.6, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_merge_to_free_ratio", n), 0.25, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_shards_per_heap_gigabyte", n), 10, TOL);
    const char *parent[] = {"name", n, "breaker", "parent", "cluster", "prod", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_breaker_ratio", parent), 0.5, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_host_memory_used_ratio", NULL), 0.75, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_host_map_count_ratio", NULL), 0.25, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_host_deleted_mapped_ratio", NULL), 0.1, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_host_fd_ratio", NULL), 0.25, TOL);
    /* no watermark settings, one node, no state: none of these */
    ck_assert_uint_eq(count(out, "esvigil_disk_watermark_ratio"), 0);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_ratio"), 0);
    ck_assert_uint_eq(count(out, "esvigil_gc_time_ratio"), 0);

    /* node families carry exactly {cluster,name} */
    const metric_family *f = metric_set_find(out, "esvigil_heap_used_ratio");
    ck_assert_uint_eq(metric_family_label_count(f), 2);
    ck_assert_str_eq(metric_family_label_name(f, 0), "cluster");
    ck_assert_str_eq(metric_family_label_name(f, 1), "name");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "prod");
    ck_assert_int_eq(metric_family_type(f), METRIC_GAUGE);
    ck_assert_uint_eq(metric_family_label_count(metric_set_find(out, "esvigil_host_fd_ratio")), 0);
    assert_all_finite(out);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- mapped buffers and RAM (seed 000) ---- */

START_TEST(test_seed000_mapped_on_small_host)
{
    /* 16.5 GB mapped on a 6 GB host; ES's own os.mem says 32 GB (e.g. a container) */
    metric_set *raw = metric_set_new(), *s = raw;
    const tweak *t = &no_tweak;
    const char *cl = "c", *nm = "es-1";
    int data = 1;
    N1("elasticsearch_jvm_buffer_pool_used_bytes", "type", "mapped", 16.5e9);
    N("elasticsearch_os_mem_total_bytes", 32e9);
    add_plain(raw, t, "esvigil_host_memory_total_bytes", 6e9);
    metric_set *out = compute(raw, NULL, 0); /* one node, no local name: it is local */
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", nm), 2.75, TOL);
    metric_set_free(out);

    out = compute(raw, "es-1", 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", nm), 2.75, TOL);
    metric_set_free(out);

    /* named local node elsewhere: this one is remote and uses os.mem */
    out = compute(raw, "es-9", 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", nm), 16.5 / 32, TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_ram_rule_in_cluster_mode)
{
    metric_set *raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    full_node(raw, &no_tweak, "prod", "es-2", 1);
    add_plain(raw, NULL, "esvigil_host_memory_total_bytes", 16e9);
    /* two nodes, no local name: nobody gets the host's RAM */
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-1"), 0.25, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-2"), 0.25, TOL);
    metric_set_free(out);
    /* es-2 is local: host RAM for it only */
    out = compute(raw, "es-2", 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-1"), 0.25, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-2"), 0.5, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_heap_to_ram_ratio", "es-2"), 8 * GIB / 16e9,
                            TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_local_without_host_ram_uses_os_mem)
{
    metric_set *raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    metric_set *out = compute(raw, "es-1", 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-1"), 0.25, TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- breakers (seed 002) ---- */

START_TEST(test_seed002_parent_breaker)
{
    metric_set *raw = metric_set_new(), *s = raw;
    const tweak *t = &no_tweak;
    const char *cl = "c", *nm = "es-1";
    int data = 1;
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "parent", 15634611356.0);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "parent", 15300820992.0);
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "fielddata", 1e6);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "fielddata", 4e6);
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "unlimited", 10);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "unlimited", -1);
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "zero", 10);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "zero", 0);
    N1("elasticsearch_breakers_estimated_size_bytes", "breaker", "nolimit", 10);
    N1("elasticsearch_breakers_limit_size_bytes", "breaker", "nocount", 10);
    metric_set *out = compute(raw, NULL, 0);
    const char *parent[] = {"breaker", "parent", NULL}, *fd[] = {"breaker", "fielddata", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_breaker_ratio", parent), 1.0218151930654258, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_breaker_ratio", fd), 0.25, TOL);
    ck_assert_uint_eq(count(out, "esvigil_breaker_ratio"), 2);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- disk and watermarks (seed 001) ---- */

static void disk_node(metric_set *s, const char *nm, double size, double avail)
{
    add_raw(s, NULL, "elasticsearch_filesystem_data_size_bytes", "c", nm, 1, "mount", "/d", "path",
            "/d/0", size);
    add_raw(s, NULL, "elasticsearch_filesystem_data_available_bytes", "c", nm, 1, "mount", "/d",
            "path", "/d/0", avail);
}

static double wm(const metric_set *out, const char *family, const char *which)
{
    const char *pairs[] = {"watermark", which, NULL};
    return must(out, family, pairs);
}

START_TEST(test_disk_past_low_ratio_watermark)
{
    metric_set *raw = metric_set_new();
    disk_node(raw, "es-1", 1000e9, 140e9); /* 86% used */
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 0.85);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_ratio", 0.90);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio",
              0.95);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_disk_used_ratio", "es-1"), 0.86, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "low"), 0.85, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "high"), 0.90, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "flood_stage"), 0.95, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "low"), -10e9, 1e-3);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "high"), 40e9, 1e-3);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "flood_stage"), 90e9,
                            1e-3);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* Which watermarks ES acts on: none with the disk decider off; before 8.0, on
 * a single data node, only the flood stage unless enable_for_single_data_node. */
static metric_set *wm_raw(int threshold_enabled, const char *version, double data_nodes,
                          int single_enabled)
{
    metric_set *raw = metric_set_new();
    disk_node(raw, "es-1", 1000e9, 30e9); /* 97% used: past all three */
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 0.85);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_ratio", 0.90);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio",
              0.95);
    if (threshold_enabled >= 0)
        add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_threshold_enabled",
                  threshold_enabled);
    if (single_enabled >= 0)
        add_plain(raw, NULL,
                  "elasticsearch_clustersettings_allocation_watermark_enable_for_single_data_node",
                  single_enabled);
    metric_def info = {"elasticsearch_node_info", METRIC_GAUGE, "test", {"name", "version", NULL}};
    const char *iv[] = {"es-1", version};
    ck_assert_int_eq(metric_set_add(raw, &info, iv, 1), 0);
    metric_def dn = {"elasticsearch_cluster_health_number_of_data_nodes",
                     METRIC_GAUGE,
                     "test",
                     {"cluster", NULL}};
    const char *dv[] = {"c"};
    ck_assert_int_eq(metric_set_add(raw, &dn, dv, data_nodes), 0);
    return raw;
}

static int headrooms(int threshold_enabled, const char *version, double data_nodes,
                     int single_enabled, const char *which)
{
    metric_set *raw = wm_raw(threshold_enabled, version, data_nodes, single_enabled);
    metric_set *out = compute(raw, NULL, 0);
    double v;
    const char *pairs[] = {"watermark", which, NULL};
    int has = metric_set_lookup(out, "esvigil_disk_watermark_headroom_bytes", pairs, &v);
    metric_set_free(out);
    metric_set_free(raw);
    return has;
}

START_TEST(test_disk_watermarks_enforced)
{
    static const char *const wms[] = {"low", "high", "flood_stage"};
    for (int k = 0; k < 3; k++) {
        ck_assert_msg(headrooms(-1, "8.9.0", 3, -1, wms[k]), "defaults: %s", wms[k]);
        ck_assert_msg(!headrooms(0, "8.9.0", 3, -1, wms[k]), "decider off: %s", wms[k]);
        ck_assert_msg(!headrooms(0, "7.17.0", 1, 1, wms[k]), "decider off: %s", wms[k]);
        ck_assert_msg(headrooms(1, "8.9.0", 1, -1, wms[k]), "8.x single node: %s", wms[k]);
        ck_assert_msg(headrooms(1, "7.17.0", 1, 1, wms[k]), "7.x single, enabled: %s", wms[k]);
        ck_assert_msg(headrooms(1, "7.17.0", 2, 0, wms[k]), "7.x two nodes: %s", wms[k]);
        /* OpenSearch 2.x kept 7.10's single-data-node exemption */
        ck_assert_int_eq(headrooms(1, "2.11.0", 1, -1, wms[k]), k == 2);
        ck_assert_int_eq(headrooms(1, "7.17.0", 1, 0, wms[k]), k == 2);
    }
}
END_TEST

START_TEST(test_disk_bytes_watermark)
{
    metric_set *raw = metric_set_new();
    disk_node(raw, "es-1", 1000e9, 140e9);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_bytes", 50e9);
    /* a headroom cap only applies to the ratio form */
    add_plain(raw, NULL,
              "elasticsearch_clustersettings_allocation_watermark_high_max_headroom_bytes", 1e9);
    /* more free space required than the disk holds: always crossed, ratio 0 */
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_flood_stage_bytes",
              2000e9);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "high"), 0.95, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "high"), 90e9, 1e-3);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "flood_stage"), 0, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "flood_stage"),
                            -1860e9, 1e-3);
    ck_assert_uint_eq(count(out, "esvigil_disk_watermark_ratio"), 2); /* low unset */
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_disk_max_headroom_caps)
{
    metric_set *raw = metric_set_new();
    const double gb150 = 150 * GIB;
    disk_node(raw, "es-1", 20e12, 1e12); /* 20 TB, 95% used */
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_ratio", 0.90);
    add_plain(raw, NULL,
              "elasticsearch_clustersettings_allocation_watermark_high_max_headroom_bytes", gb150);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 0.85);
    /* -1 = unset: the plain ratio applies */
    add_plain(raw, NULL,
              "elasticsearch_clustersettings_allocation_watermark_low_max_headroom_bytes", -1);
    metric_set *out = compute(raw, NULL, 0);
    /* (1 - 0.9) * 20 TB = 2 TB required free, capped at 150gb */
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "high"), 0.99194693632, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "high"), 1e12 - gb150,
                            1e-3);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_ratio", "low"), 0.85, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "low"), -2e12, 1e-3);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_disk_invalid_watermark_settings)
{
    metric_set *raw = metric_set_new();
    disk_node(raw, "es-1", 1000e9, 140e9);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 85);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_bytes", -5);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio",
              NAN);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_uint_eq(count(out, "esvigil_disk_watermark_ratio"), 0);
    ck_assert_uint_eq(count(out, "esvigil_disk_watermark_headroom_bytes"), 0);
    ck_assert_uint_eq(count(out, "esvigil_disk_used_ratio"), 1);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_disk_fullest_path_wins)
{
    metric_set *raw = metric_set_new();
    /* path 0: 500 GB at 50%; path 1: 100 GB at 90% (fullest); fs.total says 57% */
    add_raw(raw, NULL, "elasticsearch_filesystem_data_size_bytes", "c", "es-1", 1, "mount", "/a",
            "path", "/a/0", 500e9);
    add_raw(raw, NULL, "elasticsearch_filesystem_data_size_bytes", "c", "es-1", 1, "mount", "/b",
            "path", "/b/0", 100e9);
    add_raw(raw, NULL, "elasticsearch_filesystem_data_available_bytes", "c", "es-1", 1, "mount",
            "/b", "path", "/b/0", 10e9);
    add_raw(raw, NULL, "elasticsearch_filesystem_data_available_bytes", "c", "es-1", 1, "mount",
            "/a", "path", "/a/0", 250e9);
    add_raw(raw, NULL, "elasticsearch_filesystem_total_size_bytes", "c", "es-1", 1, NULL, NULL,
            NULL, NULL, 600e9);
    add_raw(raw, NULL, "elasticsearch_filesystem_total_available_bytes", "c", "es-1", 1, NULL, NULL,
            NULL, NULL, 260e9);
    add_raw(raw, NULL, "elasticsearch_indices_merges_current_size_in_bytes", "c", "es-1", 1, NULL,
            NULL, NULL, NULL, 5e9);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 0.85);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_disk_used_ratio", "es-1"), 0.9, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_merge_to_free_ratio", "es-1"), 0.5, TOL);
    ck_assert_double_eq_tol(wm(out, "esvigil_disk_watermark_headroom_bytes", "low"), -5e9, 1e-3);
    ck_assert_uint_eq(count(out, "esvigil_disk_used_ratio"), 1);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_disk_falls_back_to_fs_total)
{
    metric_set *raw = metric_set_new();
    tweak t = {"elasticsearch_filesystem_data_", 1, 0};
    full_node(raw, &t, "prod", "es-1", 1);
    /* a data path without its available bytes is no data path */
    add_raw(raw, NULL, "elasticsearch_filesystem_data_size_bytes", "prod", "es-1", 1, "mount", "/a",
            "path", "/a/0", 10e9);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_disk_used_ratio", "es-1"), 0.6, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_merge_to_free_ratio", "es-1"), 0.25, TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- shards per heap GB ---- */

START_TEST(test_shards_sources)
{
    metric_set *raw = metric_set_new();
    tweak t = {"elasticsearch_indices_shards", 1, 0};
    full_node(raw, &t, "prod", "es-1", 1);        /* 7.x: no shard_stats */
    full_node(raw, &no_tweak, "prod", "es-2", 1); /* 8.x: shard_stats wins */
    add_node_shards(raw, "prod", "es-1", 160);
    add_node_shards(raw, "prod", "es-2", 999);
    add_node_shards(raw, "prod", "es-unknown", 5); /* not a polled node */
    add_node_shards(raw, "other", "es-1", 999);    /* same name, other cluster */
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_shards_per_heap_gigabyte", "es-1"), 20, TOL);
    ck_assert_double_eq_tol(must_node(out, "esvigil_shards_per_heap_gigabyte", "es-2"), 10, TOL);
    ck_assert_uint_eq(count(out, "esvigil_shards_per_heap_gigabyte"), 2);
    /* es-unknown did not become a node, so no RAM rule flip and no other samples */
    ck_assert_uint_eq(count(out, "esvigil_heap_used_ratio"), 2);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- scroll limit setting ---- */

START_TEST(test_scroll_limit_setting)
{
    metric_set *raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    add_plain(raw, NULL, "elasticsearch_clustersettings_search_max_open_scroll_context", 100);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_scroll_contexts_ratio", "es-1"), 0.5, TOL);
    metric_set_free(out);
    metric_set_free(raw);

    raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    add_plain(raw, NULL, "elasticsearch_clustersettings_search_max_open_scroll_context", 0);
    out = compute(raw, NULL, 0);
    ck_assert_uint_eq(count(out, "esvigil_scroll_contexts_ratio"), 0);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- one missing or unusable input: that family has no sample, the rest do ---- */

typedef struct miss_row {
    tweak t;
    const char *absent;  /* the derived family that must have no sample */
    const char *present; /* one that still must */
} miss_row;

#define OMIT(p)                                                                                    \
    {                                                                                              \
        p, 1, 0                                                                                    \
    }
#define SET(p, v)                                                                                  \
    {                                                                                              \
        p, 0, v                                                                                    \
    }

static const miss_row miss_table[] = {
    {OMIT("elasticsearch_os_mem_total_bytes"), "esvigil_mapped_buffers_ratio",
     "esvigil_heap_used_ratio"},
    {SET("elasticsearch_os_mem_total_bytes", 0), "esvigil_heap_to_ram_ratio",
     "esvigil_heap_used_ratio"},
    {OMIT("elasticsearch_jvm_buffer_pool_used_bytes"), "esvigil_mapped_buffers_ratio",
     "esvigil_heap_to_ram_ratio"},
    {OMIT("elasticsearch_jvm_memory_max_bytes"), "esvigil_heap_used_ratio", "esvigil_fd_ratio"},
    {SET("elasticsearch_jvm_memory_max_bytes", 0), "esvigil_heap_used_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_jvm_memory_max_bytes"), "esvigil_shards_per_heap_gigabyte",
     "esvigil_fd_ratio"},
    {SET("elasticsearch_jvm_memory_max_bytes", 0), "esvigil_shards_per_heap_gigabyte",
     "esvigil_fd_ratio"},
    {OMIT("elasticsearch_jvm_memory_used_bytes"), "esvigil_heap_used_ratio",
     "esvigil_heap_to_ram_ratio"},
    {SET("elasticsearch_jvm_memory_used_bytes", NAN), "esvigil_heap_used_ratio",
     "esvigil_heap_to_ram_ratio"},
    {OMIT("elasticsearch_process_max_files_descriptors"), "esvigil_fd_ratio",
     "esvigil_heap_used_ratio"},
    {SET("elasticsearch_process_max_files_descriptors", -1), "esvigil_fd_ratio",
     "esvigil_heap_used_ratio"},
    {SET("elasticsearch_process_open_files_count", -1), "esvigil_fd_ratio",
     "esvigil_heap_used_ratio"},
    {OMIT("elasticsearch_indices_search_scroll_current"), "esvigil_scroll_contexts_ratio",
     "esvigil_fd_ratio"},
    {OMIT("elasticsearch_indices_docs_deleted"), "esvigil_deleted_docs_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_indices_docs"), "esvigil_deleted_docs_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_filesystem_"), "esvigil_disk_used_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_filesystem_"), "esvigil_disk_watermark_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_filesystem_"), "esvigil_merge_to_free_ratio", "esvigil_fd_ratio"},
    {SET("elasticsearch_filesystem_", 0), "esvigil_disk_used_ratio", "esvigil_fd_ratio"},
    {SET("elasticsearch_filesystem_", 0), "esvigil_disk_watermark_headroom_bytes",
     "esvigil_fd_ratio"},
    {OMIT("elasticsearch_indices_merges_current_size_in_bytes"), "esvigil_merge_to_free_ratio",
     "esvigil_disk_used_ratio"},
    {OMIT("elasticsearch_breakers_limit_size_bytes"), "esvigil_breaker_ratio", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_breakers_estimated_size_bytes"), "esvigil_breaker_ratio",
     "esvigil_fd_ratio"},
    {OMIT("elasticsearch_indices_shards"), "esvigil_shards_per_heap_gigabyte", "esvigil_fd_ratio"},
    {OMIT("elasticsearch_jvm_gc_collection_seconds_sum"), "esvigil_gc_time_ratio",
     "esvigil_fd_ratio"},
    {OMIT("esvigil_host_memory_total_bytes"), "esvigil_host_memory_used_ratio",
     "esvigil_host_fd_ratio"},
    {OMIT("esvigil_host_memory_total_bytes"), "esvigil_host_deleted_mapped_ratio",
     "esvigil_host_fd_ratio"},
    {SET("esvigil_host_memory_total_bytes", 0), "esvigil_host_memory_used_ratio",
     "esvigil_host_fd_ratio"},
    {OMIT("esvigil_host_memory_available_bytes"), "esvigil_host_memory_used_ratio",
     "esvigil_host_fd_ratio"},
    {OMIT("esvigil_host_vm_map_areas_max"), "esvigil_host_map_count_ratio",
     "esvigil_host_fd_ratio"},
    {SET("esvigil_host_vm_map_areas_max", 0), "esvigil_host_map_count_ratio",
     "esvigil_host_fd_ratio"},
    {OMIT("esvigil_host_es_process_maps"), "esvigil_host_map_count_ratio", "esvigil_host_fd_ratio"},
    {OMIT("esvigil_host_es_process_deleted_mapped_bytes"), "esvigil_host_deleted_mapped_ratio",
     "esvigil_host_fd_ratio"},
    {SET("esvigil_host_es_process_max_fds", INFINITY), "esvigil_host_fd_ratio",
     "esvigil_host_map_count_ratio"},
    {OMIT("esvigil_host_es_process_max_fds"), "esvigil_host_fd_ratio",
     "esvigil_host_map_count_ratio"},
    {OMIT("esvigil_host_es_process_open_fds"), "esvigil_host_fd_ratio",
     "esvigil_host_map_count_ratio"},
};

START_TEST(test_missing_input)
{
    const miss_row *r = &miss_table[_i];
    metric_set *raw = metric_set_new();
    full_node(raw, &r->t, "prod", "es-1", 1);
    host_inputs(raw, &r->t);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_low_ratio", 0.85);
    derived_state *st = derived_state_new();
    /* remote node: RAM comes from os.mem; two calls so the GC rate could exist */
    derived_opts o = {"elsewhere", 10};
    metric_set *out = metric_set_new();
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    metric_set_free(out);
    o.now = 20;
    out = metric_set_new();
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    ck_assert_msg(count(out, r->absent) == 0, "%s%s: %s has a sample", r->t.omit ? "no " : "bad ",
                  r->t.prefix, r->absent);
    ck_assert_msg(count(out, r->present) == 1, "%s lost", r->present);
    assert_all_finite(out);
    metric_set_free(out);
    derived_state_free(st);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_deleted_docs_needs_positive_sum)
{
    metric_set *raw = metric_set_new();
    add_raw(raw, NULL, "elasticsearch_indices_docs", "c", "empty", 1, NULL, NULL, NULL, NULL, 0);
    add_raw(raw, NULL, "elasticsearch_indices_docs_deleted", "c", "empty", 1, NULL, NULL, NULL,
            NULL, 0);
    add_raw(raw, NULL, "elasticsearch_indices_docs", "c", "purged", 1, NULL, NULL, NULL, NULL, 0);
    add_raw(raw, NULL, "elasticsearch_indices_docs_deleted", "c", "purged", 1, NULL, NULL, NULL,
            NULL, 40);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_uint_eq(count(out, "esvigil_deleted_docs_ratio"), 1);
    ck_assert_double_eq_tol(must_node(out, "esvigil_deleted_docs_ratio", "purged"), 1, TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_empty_raw)
{
    metric_set *raw = metric_set_new(), *out = metric_set_new();
    derived_state *st = derived_state_new();
    ck_assert_int_eq(derived_compute(raw, NULL, st, out), 0);
    ck_assert_uint_eq(metric_set_sample_count(out), 0);
    ck_assert_int_eq(derived_compute(raw, NULL, NULL, out), 0);
    ck_assert_uint_eq(metric_set_sample_count(out), 0);
    ck_assert_int_eq(derived_compute(raw, NULL, st, raw), -1); /* out must not be raw */
    ck_assert_int_eq(derived_compute(NULL, NULL, st, out), -1);
    derived_state_free(st);
    derived_state_free(NULL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- GC time ratio ---- */

static metric_set *gc_raw(double young, double old, const char *nm)
{
    metric_set *s = metric_set_new();
    add_raw(s, NULL, "elasticsearch_jvm_gc_collection_seconds_sum", "prod", nm, 1, "gc", "young",
            NULL, NULL, young);
    add_raw(s, NULL, "elasticsearch_jvm_gc_collection_seconds_sum", "prod", nm, 1, "gc", "old",
            NULL, NULL, old);
    return s;
}

/* One poll; returns 1 and *v when a GC ratio for nm came out. */
static int gc_poll(derived_state *st, double now, double young, double old, double *v)
{
    metric_set *raw = gc_raw(young, old, "es-1"), *out = metric_set_new();
    derived_opts o = {NULL, now};
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    int got = node_value(out, "esvigil_gc_time_ratio", "es-1", v);
    ck_assert_uint_le(count(out, "esvigil_gc_time_ratio"), 1);
    metric_set_free(out);
    metric_set_free(raw);
    return got;
}

START_TEST(test_gc_ratio_over_polls)
{
    derived_state *st = derived_state_new();
    double v = -1;
    ck_assert_int_eq(gc_poll(st, 100, 10, 5, &v), 0); /* first call: nothing to compare */
    ck_assert_int_eq(gc_poll(st, 110, 11, 6, &v), 1); /* 2 s of GC in 10 s */
    ck_assert_double_eq_tol(v, 0.2, TOL);
    ck_assert_int_eq(gc_poll(st, 110, 12, 6, &v), 0); /* dt == 0 */
    ck_assert_int_eq(gc_poll(st, 105, 13, 6, &v), 0); /* clock went back */
    ck_assert_int_eq(gc_poll(st, 125, 13, 6, &v), 1); /* idle 20 s */
    ck_assert_double_eq_tol(v, 0, TOL);
    ck_assert_int_eq(gc_poll(st, 135, 1, 0.5, &v), 0);   /* restart: the sum went down */
    ck_assert_int_eq(gc_poll(st, 140, 1.5, 0.5, &v), 1); /* rate resumes from the new base */
    ck_assert_double_eq_tol(v, 0.1, TOL);
    derived_state_free(st);
}
END_TEST

START_TEST(test_gc_state_per_node)
{
    derived_state *st = derived_state_new();
    metric_set *raw = gc_raw(10, 0, "es-1"), *out = metric_set_new();
    derived_opts o = {NULL, 0};
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    metric_set_free(raw);
    metric_set_free(out);
    /* es-2 is new at the second poll: no rate for it; es-1 missing: none either */
    raw = gc_raw(20, 0, "es-2");
    out = metric_set_new();
    o.now = 10;
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    ck_assert_uint_eq(count(out, "esvigil_gc_time_ratio"), 0);
    metric_set_free(out);
    metric_set_free(raw);
    raw = gc_raw(25, 0, "es-2");
    out = metric_set_new();
    o.now = 20;
    ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_gc_time_ratio", "es-2"), 0.5, TOL);
    const metric_family *f = metric_set_find(out, "esvigil_gc_time_ratio");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "prod");
    metric_set_free(out);
    metric_set_free(raw);
    derived_state_free(st);
}
END_TEST

/* ---- imbalance ---- */

START_TEST(test_imbalance_nine_nodes)
{
    metric_set *raw = metric_set_new();
    char nm[16];
    for (int i = 0; i < 9; i++) {
        snprintf(nm, sizeof(nm), "es-%d", i);
        tweak t = {"elasticsearch_indices_shards", 0, i == 3 || i == 7 ? 300 : 100};
        full_node(raw, &t, "prod", nm, 1);
    }
    /* a master-only node with many shards and hot CPU is not a data node */
    tweak hot = {"elasticsearch_", 0, 5000};
    full_node(raw, &hot, "prod", "master-1", 0);
    metric_set *out = compute(raw, NULL, 0);
    const char *shards[] = {"dimension", "shards", "cluster", "prod", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", shards), 2.0769230769230766, TOL);
    const char *cpu[] = {"dimension", "cpu", NULL}, *disk[] = {"dimension", "disk", NULL},
               *http[] = {"dimension", "http_connections", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", cpu), 1, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", disk), 1, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", http), 1, TOL);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_ratio"), 4);
    /* the first node holding the max */
    const char *maxnode[] = {"dimension", "shards", "name", "es-3", NULL};
    ck_assert_double_eq(must(out, "esvigil_imbalance_max_node", maxnode), 1);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_max_node"), 4);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_imbalance_negative_cpu_ignored)
{
    metric_set *raw = metric_set_new();
    tweak a = {"elasticsearch_os_cpu_percent", 0, 60}, b = {"elasticsearch_os_cpu_percent", 0, 20},
          c = {"elasticsearch_os_cpu_percent", 0, -1};
    full_node(raw, &a, "prod", "es-1", 1);
    full_node(raw, &b, "prod", "es-2", 1);
    full_node(raw, &c, "prod", "es-3", 1);
    metric_set *out = compute(raw, NULL, 0);
    const char *cpu[] = {"dimension", "cpu", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", cpu), 1.5, TOL);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_imbalance_needs_two_data_nodes)
{
    metric_set *raw = metric_set_new();
    full_node(raw, &no_tweak, "prod", "es-1", 1);
    full_node(raw, &no_tweak, "prod", "master-1", 0);
    full_node(raw, &no_tweak, "prod", "master-2", 0);
    full_node(raw, &no_tweak, "other", "es-2", 1); /* a second cluster's only data node */
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_ratio"), 0);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_max_node"), 0);
    ck_assert_uint_eq(count(out, "esvigil_heap_used_ratio"), 4);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_imbalance_zero_mean)
{
    metric_set *raw = metric_set_new();
    tweak t = {"elasticsearch_http_open_connections", 0, 0};
    full_node(raw, &t, "prod", "es-1", 1);
    full_node(raw, &t, "prod", "es-2", 1);
    metric_set *out = compute(raw, NULL, 0);
    const char *http[] = {"dimension", "http_connections", NULL};
    double v;
    ck_assert_int_eq(metric_set_lookup(out, "esvigil_imbalance_ratio", http, &v), 0);
    ck_assert_uint_eq(count(out, "esvigil_imbalance_ratio"), 3);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

START_TEST(test_imbalance_per_cluster)
{
    metric_set *raw = metric_set_new();
    tweak lo = {"elasticsearch_indices_shards", 0, 10},
          hi = {"elasticsearch_indices_shards", 0, 30};
    full_node(raw, &lo, "a", "es-1", 1);
    full_node(raw, &hi, "a", "es-2", 1);
    full_node(raw, &hi, "b", "es-1", 1); /* same names, another cluster */
    full_node(raw, &hi, "b", "es-2", 1);
    metric_set *out = compute(raw, NULL, 0);
    const char *a[] = {"cluster", "a", "dimension", "shards", NULL},
               *b[] = {"cluster", "b", "dimension", "shards", NULL};
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", a), 1.5, TOL);
    ck_assert_double_eq_tol(must(out, "esvigil_imbalance_ratio", b), 1, TOL);
    ck_assert_uint_eq(count(out, "esvigil_heap_used_ratio"), 4);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- scale ---- */

START_TEST(test_500_nodes)
{
    metric_set *raw = metric_set_new();
    char nm[16];
    for (int i = 0; i < 500; i++) {
        snprintf(nm, sizeof(nm), "es-%03d", i);
        full_node(raw, &no_tweak, "big", nm, i % 5 != 0);
    }
    host_inputs(raw, &no_tweak);
    add_plain(raw, NULL, "elasticsearch_clustersettings_allocation_watermark_high_ratio", 0.9);
    derived_state *st = derived_state_new();
    for (int poll = 0; poll < 2; poll++) {
        metric_set *out = metric_set_new();
        derived_opts o = {"es-042", 10.0 * poll};
        ck_assert_int_eq(derived_compute(raw, &o, st, out), 0);
        ck_assert_uint_eq(count(out, "esvigil_heap_used_ratio"), 500);
        ck_assert_uint_eq(count(out, "esvigil_breaker_ratio"), 500);
        ck_assert_uint_eq(count(out, "esvigil_disk_watermark_ratio"), 500);
        ck_assert_uint_eq(count(out, "esvigil_gc_time_ratio"), poll ? 500 : 0);
        ck_assert_uint_eq(count(out, "esvigil_imbalance_ratio"), 4);
        ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-042"),
                                8e9 / 64e9, TOL);
        ck_assert_double_eq_tol(must_node(out, "esvigil_mapped_buffers_ratio", "es-043"),
                                8e9 / 32e9, TOL);
        assert_all_finite(out);
        metric_set_free(out);
    }
    derived_state_free(st);
    metric_set_free(raw);
}
END_TEST

/* ---- indexing pressure ---- */

/* The reference's indexing_pressure families: node identity labels only. */
static void add_pressure(metric_set *s, const char *family, const char *name, const char *kind,
                         double v)
{
    metric_def d = {family, METRIC_GAUGE, "test", {"cluster", "host", "name", "indexing_pressure"}};
    const char *vals[] = {"prod", "10.0.0.1", name, kind};
    ck_assert_int_eq(metric_set_add(s, &d, vals, v), 0);
}

START_TEST(test_indexing_pressure_ratio)
{
    metric_set *raw = metric_set_new();
    const char *cur = "elasticsearch_indexing_pressure_current_all_in_bytes";
    const char *lim = "elasticsearch_indexing_pressure_limit_in_bytes";
    add_pressure(raw, cur, "es-1", "memory", 300e6);
    add_pressure(raw, lim, "es-1", "memory", 1e9);
    add_pressure(raw, cur, "es-2", "memory", 5); /* no limit reported: no ratio */
    add_pressure(raw, cur, "es-3", "memory", 5); /* a zero limit: no division */
    add_pressure(raw, lim, "es-3", "memory", 0);
    add_pressure(raw, cur, "es-4", "future", 9); /* another kind of pressure: not this ratio */
    add_pressure(raw, lim, "es-4", "future", 10);
    metric_set *out = compute(raw, NULL, 0);
    ck_assert_double_eq_tol(must_node(out, "esvigil_indexing_pressure_ratio", "es-1"), 0.3, TOL);
    ck_assert_uint_eq(count(out, "esvigil_indexing_pressure_ratio"), 1);
    metric_set_free(out);
    metric_set_free(raw);
}
END_TEST

/* ---- definitions ---- */

START_TEST(test_defs)
{
    ck_assert_uint_eq(derived_def_count(), 21);
    ck_assert_ptr_null(derived_def(derived_def_count()));
    for (size_t i = 0; i < derived_def_count(); i++) {
        const metric_def *d = derived_def(i);
        ck_assert_int_eq(strncmp(d->name, "esvigil_", 8), 0);
        ck_assert_int_eq(d->type, METRIC_GAUGE);
        ck_assert_uint_gt(strlen(d->help), 20);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(d->name, derived_def(j)->name);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("derived");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* the 500-node case under valgrind */
    tcase_add_test(tc, test_full_node);
    tcase_add_test(tc, test_seed000_mapped_on_small_host);
    tcase_add_test(tc, test_ram_rule_in_cluster_mode);
    tcase_add_test(tc, test_local_without_host_ram_uses_os_mem);
    tcase_add_test(tc, test_seed002_parent_breaker);
    tcase_add_test(tc, test_disk_past_low_ratio_watermark);
    tcase_add_test(tc, test_disk_watermarks_enforced);
    tcase_add_test(tc, test_disk_bytes_watermark);
    tcase_add_test(tc, test_disk_max_headroom_caps);
    tcase_add_test(tc, test_disk_invalid_watermark_settings);
    tcase_add_test(tc, test_disk_fullest_path_wins);
    tcase_add_test(tc, test_disk_falls_back_to_fs_total);
    tcase_add_test(tc, test_shards_sources);
    tcase_add_test(tc, test_scroll_limit_setting);
    tcase_add_loop_test(tc, test_missing_input, 0,
                        (int)(sizeof(miss_table) / sizeof(miss_table[0])));
    tcase_add_test(tc, test_deleted_docs_needs_positive_sum);
    tcase_add_test(tc, test_empty_raw);
    tcase_add_test(tc, test_gc_ratio_over_polls);
    tcase_add_test(tc, test_gc_state_per_node);
    tcase_add_test(tc, test_indexing_pressure_ratio);
    tcase_add_test(tc, test_imbalance_nine_nodes);
    tcase_add_test(tc, test_imbalance_negative_cpu_ignored);
    tcase_add_test(tc, test_imbalance_needs_two_data_nodes);
    tcase_add_test(tc, test_imbalance_zero_mean);
    tcase_add_test(tc, test_imbalance_per_cluster);
    tcase_add_test(tc, test_500_nodes);
    tcase_add_test(tc, test_defs);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
