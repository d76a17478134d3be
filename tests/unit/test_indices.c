/* test_indices: the index-level modules. indexfilter (anchored ERE), indexstats
 * (the reference's values from hand-made /_all/_stats bodies, byte-wise feeds,
 * the es.indices.max budget, shard copies, bad input, the shared real answers),
 * indexinfo (settings defaults and blocks, mapping field counts by the
 * reference's rule, per-index health, aliases) and the pacer (due times, last
 * good sets kept across failures, bookkeeping, the reporter gate). */
#include <math.h>
#include <string.h>

#include "config.h"
#include "indexfilter.h"
#include "indexinfo.h"
#include "indexstats.h"
#include "metric.h"
#include "pacer.h"
#include "unit.h"

static double get(const metric_set *s, const char *fam, const char *const *pairs)
{
    double v = NAN;
    if (!metric_set_lookup(s, fam, pairs, &v))
        return NAN;
    return v;
}

static size_t count(const metric_set *s, const char *fam)
{
    const metric_family *f = metric_set_find(s, fam);
    return f ? metric_family_sample_count(f) : 0;
}

/* ---- indexfilter ---- */

START_TEST(test_filter_whole_names)
{
    char err[256];
    indexfilter *f = indexfilter_new("logs-.*|orders", "logs-.*-old", err, sizeof(err));
    ck_assert_ptr_nonnull(f);
    ck_assert(indexfilter_keep(f, "logs-1", 6));
    ck_assert(indexfilter_keep(f, "orders", 6));
    ck_assert(!indexfilter_keep(f, "orders-2", 8)); /* anchored: not a substring match */
    ck_assert(!indexfilter_keep(f, "old-logs-1", 10));
    ck_assert(!indexfilter_keep(f, "logs-1-old", 10)); /* exclude wins */
    ck_assert(!indexfilter_keep(f, "orders\0x", 8));   /* a NUL cannot match whole */
    indexfilter_free(f);
    ck_assert(indexfilter_keep(NULL, "anything", 8));
    f = indexfilter_new("", NULL, err, sizeof(err));
    ck_assert(indexfilter_keep(f, "x", 1));
    indexfilter_free(f);
    ck_assert_ptr_null(indexfilter_new("(", NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "es.indices.include") && strstr(err, "regex"), "%s", err);
    ck_assert_ptr_null(indexfilter_new(NULL, "a[", err, sizeof(err)));
    ck_assert_msg(strstr(err, "es.indices.exclude"), "%s", err);
    ck_assert_int_eq(indexfilter_check("a{1,2}b", err, sizeof(err)), 0);
    ck_assert_int_eq(indexfilter_check("*(", err, sizeof(err)), -1);
}
END_TEST

/* ---- indexstats ---- */

static const char STATS[] =
    "{\"_shards\":{\"total\":4},\"_all\":{\"primaries\":{\"docs\":{\"count\":1}}},"
    "\"indices\":{"
    "\"big\":{\"uuid\":\"u1\",\"primaries\":{\"docs\":{\"count\":10,\"deleted\":1},"
    "\"store\":{\"size_in_bytes\":9000}},"
    "\"total\":{\"docs\":{\"count\":20},\"store\":{\"size_in_bytes\":18000},"
    "\"search\":{\"query_time_in_millis\":1500,\"query_current\":2},"
    "\"indexing\":{\"is_throttled\":true,\"index_failed\":3,\"write_load\":0.25}},"
    "\"shards\":{\"0\":[{\"routing\":{\"node\":\"n1\",\"primary\":true},"
    "\"docs\":{\"count\":10,\"deleted\":1},\"store\":{\"size_in_bytes\":9000}},"
    "{\"routing\":{\"node\":\"n2\",\"primary\":false},\"docs\":{\"count\":10},"
    "\"store\":{\"size_in_bytes\":9000}}]}},"
    "\"small\":{\"primaries\":{\"store\":{\"size_in_bytes\":10}},\"total\":{}},"
    "\"mid\":{\"primaries\":{\"store\":{\"size_in_bytes\":500}},\"total\":{}}}}";

static int parse_stats(const char *body, size_t chunk, const indexstats_opts *o, metric_set **out,
                       size_t *dropped)
{
    *out = metric_set_new();
    indexstats *p = indexstats_new(*out, o);
    ck_assert_ptr_nonnull(p);
    size_t len = strlen(body);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = indexstats_feed(p, body + off, len - off < chunk ? len - off : chunk);
    if (rc == 0)
        rc = indexstats_finish(p);
    if (dropped)
        *dropped = indexstats_dropped(p);
    indexstats_free(p);
    return rc;
}

START_TEST(test_stats_values)
{
    indexstats_opts o = {.cluster = "c1", .shards = 1};
    metric_set *s;
    ck_assert_int_eq(parse_stats(STATS, 1 << 20, &o, &s, NULL), 0);
    const char *big[] = {"index", "big", "cluster", "c1", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_docs_primary", big), 10);
    ck_assert_double_eq(get(s, "elasticsearch_indices_deleted_docs_primary", big), 1);
    ck_assert_double_eq(get(s, "elasticsearch_indices_store_size_bytes_total", big), 18000);
    ck_assert_double_eq(get(s, "elasticsearch_index_stats_search_query_time_seconds_total", big),
                        1.5);
    ck_assert_double_eq(get(s, "elasticsearch_search_active_queries", big), 2);
    ck_assert_double_eq(get(s, "elasticsearch_index_stats_indexing_is_throttled", big), 1);
    ck_assert_double_eq(get(s, "elasticsearch_index_stats_indexing_index_failed_total", big), 3);
    ck_assert_double_eq(get(s, "elasticsearch_index_stats_indexing_write_load", big), 0.25);
    /* Missing fields are 0 as in the reference, except its optional ones. */
    const char *small[] = {"index", "small", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_docs_total", small), 0);
    ck_assert(isnan(get(s, "elasticsearch_index_stats_indexing_write_load", small)));
    ck_assert(isnan(get(s, "elasticsearch_index_stats_indexing_index_failed_total", small)));
    ck_assert_uint_eq(count(s, "elasticsearch_indices_docs_total"), 3);
    /* _all is not an index */
    const char *all[] = {"index", "_all", NULL};
    ck_assert(isnan(get(s, "elasticsearch_indices_docs_primary", all)));
    /* shard copies */
    const char *p0[] = {"index", "big", "shard", "0", "node", "n1", "primary", "true", NULL};
    const char *r0[] = {"index", "big", "shard", "0", "node", "n2", "primary", "false", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_shards_docs_deleted", p0), 1);
    ck_assert_double_eq(get(s, "elasticsearch_indices_shards_store_size_in_bytes", r0), 9000);
    ck_assert_uint_eq(count(s, "elasticsearch_indices_shards_docs"), 2);
    const metric_family *f = metric_set_find(s, "elasticsearch_index_stats_search_query_total");
    ck_assert_int_eq(metric_family_type(f), METRIC_COUNTER);
    metric_set_free(s);

    o.shards = 0;
    ck_assert_int_eq(parse_stats(STATS, 1 << 20, &o, &s, NULL), 0);
    ck_assert_uint_eq(count(s, "elasticsearch_indices_shards_docs"), 0);
    metric_set_free(s);
}
END_TEST

static int same_sets(const metric_set *a, const metric_set *b)
{
    if (metric_set_sample_count(a) != metric_set_sample_count(b))
        return 0;
    for (size_t i = 0; i < metric_set_family_count(a); i++) {
        const metric_family *fa = metric_set_family(a, i);
        const metric_family *fb = metric_set_find(b, metric_family_name(fa));
        if (!fb || metric_family_sample_count(fa) != metric_family_sample_count(fb))
            return 0;
        for (size_t k = 0; k < metric_family_sample_count(fa); k++)
            if (metric_family_value(fa, k) != metric_family_value(fb, k))
                return 0;
    }
    return 1;
}

START_TEST(test_stats_bytewise_equals_oneshot)
{
    indexstats_opts o = {.cluster = "c1", .shards = 1};
    metric_set *a, *b;
    ck_assert_int_eq(parse_stats(STATS, 1 << 20, &o, &a, NULL), 0);
    ck_assert_int_eq(parse_stats(STATS, 1, &o, &b, NULL), 0);
    ck_assert(same_sets(a, b));
    metric_set_free(a);
    metric_set_free(b);
}
END_TEST

START_TEST(test_stats_budget_keeps_the_largest)
{
    char err[128];
    indexfilter *f = indexfilter_new(NULL, "mid", err, sizeof(err));
    indexstats_opts o = {.cluster = "c1", .max = 1, .filter = f};
    metric_set *s;
    size_t dropped = 0;
    ck_assert_int_eq(parse_stats(STATS, 7, &o, &s, &dropped), 0);
    ck_assert_uint_eq(dropped, 1); /* big and small matched, mid is filtered, not dropped */
    ck_assert_uint_eq(count(s, "elasticsearch_indices_docs_total"), 1);
    const char *big[] = {"index", "big", NULL};
    ck_assert(!isnan(get(s, "elasticsearch_indices_docs_total", big)));
    const char *c[] = {"cluster", "c1", NULL};
    ck_assert_double_eq(get(s, "esvigil_indices_dropped", c), 1);
    metric_set_free(s);
    o.max = 2;
    o.filter = NULL;
    ck_assert_int_eq(parse_stats(STATS, 1 << 20, &o, &s, &dropped), 0);
    const char *mid[] = {"index", "mid", NULL}, *small[] = {"index", "small", NULL};
    ck_assert(!isnan(get(s, "elasticsearch_indices_docs_total", mid)));
    ck_assert(isnan(get(s, "elasticsearch_indices_docs_total", small)));
    metric_set_free(s);
    indexfilter_free(f);
}
END_TEST

START_TEST(test_stats_bad_input)
{
    static const char *const bad[] = {"",
                                      "[]",
                                      "{\"indices\":{\"a\":[1]}}",
                                      "{\"indices\":{\"a\":{",
                                      "{\"indices\":{\"a\":{}}}trailing",
                                      "nul"};
    indexstats_opts o = {.cluster = "c1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        metric_set *s = metric_set_new();
        indexstats *p = indexstats_new(s, &o);
        int rc = indexstats_feed(p, bad[i], strlen(bad[i]));
        if (rc == 0)
            rc = indexstats_finish(p);
        ck_assert_msg(rc != 0, "accepted %s", bad[i]);
        ck_assert_msg(strstr(indexstats_error(p), "index stats"), "%s", indexstats_error(p));
        indexstats_free(p);
        metric_set_free(s);
    }
}
END_TEST

/* Real answers in the shared set: every index of the document is exported. */
START_TEST(test_stats_shared_real_response)
{
    const char *env = getenv("ESVIGIL_SHARED_FIXTURES");
    char path[4200];
    snprintf(path, sizeof(path), "%.4000s/indices_7.17.3.json",
             env ? env : unit_src("../shared/fixtures/es-responses"));
    size_t len;
    char *body = unit_slurp(path, &len);
    if (!body) {
        fprintf(stderr, "test_indices: %s absent, skipped\n", path);
        return;
    }
    indexstats_opts o = {.cluster = "c1", .shards = 1};
    metric_set *s;
    ck_assert_int_eq(parse_stats(body, 4096, &o, &s, NULL), 0);
    size_t n = 0;
    for (const char *q = strstr(body, "\"uuid\""); q; q = strstr(q + 1, "\"uuid\""))
        n++; /* one uuid per index */
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(count(s, "elasticsearch_indices_docs_primary"), n);
    metric_set_free(s);
    free(body);
}
END_TEST

/* ---- indexinfo ---- */

static metric_set *parse_info(indexinfo_kind kind, const char *body, const indexfilter *f)
{
    metric_set *s = metric_set_new();
    indexinfo *p = indexinfo_new(kind, s, "c1", f);
    int rc = indexinfo_feed(p, body, strlen(body));
    if (rc == 0)
        rc = indexinfo_finish(p);
    ck_assert_msg(rc == 0, "%s", indexinfo_error(p));
    indexinfo_free(p);
    return s;
}

START_TEST(test_settings_defaults_and_blocks)
{
    static const char body[] =
        "{\"a\":{\"settings\":{\"index\":{\"number_of_shards\":\"3\",\"number_of_replicas\":\"1\","
        "\"creation_date\":\"1618593207186\",\"mapping\":{\"total_fields\":{\"limit\":\"2000\"}},"
        "\"blocks\":{\"read_only_allow_delete\":\"true\",\"write\":\"false\"}}}},"
        "\"b\":{\"settings\":{\"index\":{\"number_of_replicas\":\"x\"}}},"
        "\"skip\":{\"settings\":{\"index\":{\"blocks\":{\"read_only_allow_delete\":\"true\"}}}}}";
    char err[64];
    indexfilter *f = indexfilter_new(NULL, "skip", err, sizeof(err));
    metric_set *s = parse_info(INDEXINFO_SETTINGS, body, f);
    const char *a[] = {"index", "a", NULL}, *b[] = {"index", "b", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_shards", a), 3);
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_replicas", a), 1);
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_total_fields", a), 2000);
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_creation_timestamp_seconds", a),
                        1618593207.186);
    /* The reference's fallbacks: 1000 for an unparsable count, 0 for no date. */
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_replicas", b), 1000);
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_shards", b), 1000);
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_creation_timestamp_seconds", b), 0);
    ck_assert_uint_eq(count(s, "elasticsearch_indices_settings_replicas"), 2);
    /* Blocks and the read-only count cover filtered indices too. */
    ck_assert_double_eq(get(s, "elasticsearch_indices_settings_stats_read_only_indices", NULL), 2);
    const char *ra[] = {"index", "a", "block", "read_only_allow_delete", NULL};
    const char *wa[] = {"index", "a", "block", "write", NULL};
    const char *rs[] = {"index", "skip", "block", "read_only_allow_delete", NULL};
    ck_assert_double_eq(get(s, "esvigil_index_blocked", ra), 1);
    ck_assert_double_eq(get(s, "esvigil_index_blocked", wa), 0);
    ck_assert_double_eq(get(s, "esvigil_index_blocked", rs), 1);
    ck_assert_uint_eq(count(s, "esvigil_index_blocked"), 3);
    metric_set_free(s);
    indexfilter_free(f);
}
END_TEST

START_TEST(test_mapping_field_count)
{
    /* contact (object with properties): 1; email text + raw keyword: 2; phone: 1;
     * name text + raw: 2; lines nested (typed) with properties: 2, sku: 1;
     * obj typed "object" with properties: 1, its x: 1. */
    static const char body[] =
        "{\"i\":{\"mappings\":{\"properties\":{"
        "\"contact\":{\"properties\":{\"email\":{\"type\":\"text\",\"fields\":{\"raw\":{\"type\":"
        "\"keyword\"}}},\"phone\":{\"type\":\"text\"}}},"
        "\"name\":{\"fields\":{\"raw\":{\"type\":\"keyword\"}},\"type\":\"text\"},"
        "\"lines\":{\"type\":\"nested\",\"properties\":{\"sku\":{\"type\":\"keyword\"}}},"
        "\"obj\":{\"type\":\"object\",\"fields\":{\"f\":{\"type\":\"keyword\"}},"
        "\"properties\":{\"x\":{\"type\":\"long\"}}}}}},"
        "\"empty\":{\"mappings\":{}},"
        "\"old\":{\"mappings\":{\"_doc\":{\"properties\":{\"a\":{\"type\":\"text\"}}}}}}";
    metric_set *s = parse_info(INDEXINFO_MAPPINGS, body, NULL);
    const char *i[] = {"index", "i", NULL}, *e[] = {"index", "empty", NULL},
               *o[] = {"index", "old", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_mappings_stats_fields", i), 11);
    ck_assert_double_eq(get(s, "elasticsearch_indices_mappings_stats_fields", e), 0);
    /* 6.x typed mappings: the reference reads mappings.properties only. */
    ck_assert_double_eq(get(s, "elasticsearch_indices_mappings_stats_fields", o), 0);
    metric_set_free(s);
}
END_TEST

START_TEST(test_health_and_aliases)
{
    static const char health[] =
        "{\"cluster_name\":\"c\",\"status\":\"red\",\"indices\":{"
        "\"a\":{\"status\":\"red\",\"unassigned_shards\":2},\"b\":{\"status\":\"green\","
        "\"unassigned_shards\":0}},\"unassigned_shards\":2}";
    metric_set *s = parse_info(INDEXINFO_HEALTH, health, NULL);
    const char *ar[] = {"index", "a", "color", "red", NULL},
               *ag[] = {"index", "a", "color", "green", NULL},
               *bg[] = {"cluster", "c1", "index", "b", "color", "green", NULL},
               *au[] = {"index", "a", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_index_health_status", ar), 1);
    ck_assert_double_eq(get(s, "elasticsearch_index_health_status", ag), 0);
    ck_assert_double_eq(get(s, "elasticsearch_index_health_status", bg), 1);
    ck_assert_uint_eq(count(s, "elasticsearch_index_health_status"), 6);
    ck_assert_double_eq(get(s, "elasticsearch_index_health_unassigned_shards", au), 2);
    ck_assert_uint_eq(count(s, "elasticsearch_index_health_unassigned_shards"), 2);
    metric_set_free(s);

    static const char aliases[] = "{\"foo_1\":{\"aliases\":{}},\"foo_3\":{\"aliases\":{"
                                  "\"x\":{\"is_write_index\":true},\"y\":{}}}}";
    s = parse_info(INDEXINFO_ALIASES, aliases, NULL);
    const char *x[] = {"index", "foo_3", "alias", "x", "cluster", "c1", NULL};
    ck_assert_double_eq(get(s, "elasticsearch_indices_aliases", x), 1);
    ck_assert_uint_eq(count(s, "elasticsearch_indices_aliases"), 2);
    metric_set_free(s);
}
END_TEST

START_TEST(test_info_bad_input)
{
    for (int k = INDEXINFO_ALIASES; k <= INDEXINFO_MAPPINGS; k++) {
        static const char *const bad[] = {"[1]", "{\"a\":", "7", "{\"a\":{}}x"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            metric_set *s = metric_set_new();
            indexinfo *p = indexinfo_new(k, s, "c1", NULL);
            int rc = indexinfo_feed(p, bad[i], strlen(bad[i]));
            if (rc == 0)
                rc = indexinfo_finish(p);
            ck_assert_msg(rc != 0, "kind %d accepted %s", k, bad[i]);
            indexinfo_free(p);
            metric_set_free(s);
        }
    }
}
END_TEST

/* ---- pacer ---- */

static metric_set *one(const char *fam, double v)
{
    metric_set *s = metric_set_new();
    metric_def d = {fam, METRIC_GAUGE, "test", {NULL}};
    metric_set_add(s, &d, NULL, v);
    return s;
}

START_TEST(test_pacer_last_good_and_gate)
{
    config *c = config_new();
    c->es_indices = 1;
    c->es_aliases = 0;
    pacer *p = pacer_new(c);
    ck_assert(pacer_any_enabled(p));
    ck_assert_str_eq(pacer_collector_row(0)->name, "indices");
    metric_set *out = metric_set_new();
    /* not the reporter: nothing exported */
    ck_assert_int_eq(pacer_report(p, 0, "c1", out), 0);
    ck_assert_uint_eq(metric_set_family_count(out), 0);
    ck_assert_double_eq(pacer_wait(p, 100, 1.0), 1.0);
    /* reporter: due at once */
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    ck_assert_double_eq(pacer_wait(p, 100, 1.0), 0);
    pacer_store(p, 0, one("fam_a", 7), ESCLIENT_OK, 0.5, 100, 1e9);
    ck_assert_double_eq(pacer_wait(p, 100, 100.0), 0); /* index_health has not run yet */
    ck_assert_str_eq(pacer_collector_row(2)->name, "index_health");
    pacer_store(p, 2, metric_set_new(), ESCLIENT_OK, 0.5, 110, 1e9);
    ck_assert_double_eq(pacer_wait(p, 100, 100.0), 60); /* es.indices.interval 1m */
    metric_set_free(out);
    out = metric_set_new();
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    ck_assert_double_eq(get(out, "fam_a", NULL), 7);
    const char *ix[] = {"collector", "indices", NULL};
    ck_assert_double_eq(get(out, "esvigil_collector_last_success_timestamp_seconds", ix), 1e9);
    ck_assert_double_eq(get(out, "esvigil_collector_success", ix), 1);
    /* A failed run keeps the last good values and their timestamp. */
    pacer_store(p, 0, NULL, ESCLIENT_ERR_TIMEOUT, 5, 200, 2e9);
    metric_set_free(out);
    out = metric_set_new();
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    ck_assert_double_eq(get(out, "fam_a", NULL), 7);
    ck_assert_double_eq(get(out, "esvigil_collector_last_success_timestamp_seconds", ix), 1e9);
    ck_assert_double_eq(get(out, "esvigil_collector_success", ix), 0);
    const char *to[] = {"collector", "indices", "reason", "timeout", NULL};
    ck_assert_double_eq(get(out, "esvigil_errors_total", to), 1);
    /* Disabled collectors export nothing, not even bookkeeping. */
    const char *al[] = {"collector", "indices_settings", NULL};
    ck_assert(isnan(get(out, "esvigil_collector_success", al)));
    const char *al2[] = {"collector", "indices_settings", "reason", "timeout", NULL};
    ck_assert(isnan(get(out, "esvigil_errors_total", al2)));
    /* A later good run replaces the set. */
    pacer_store(p, 0, one("fam_a", 8), ESCLIENT_OK, 0.1, 300, 3e9);
    metric_set_free(out);
    out = metric_set_new();
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    ck_assert_double_eq(get(out, "fam_a", NULL), 8);
    ck_assert_uint_eq(count(out, "fam_a"), 1);
    metric_set_free(out);
    pacer_free(p);
    config_free(c);
}
END_TEST

START_TEST(test_pacer_step_against_a_closed_port)
{
    config *c = config_new();
    c->es_indices_settings = 1;
    char err[256], key[64];
    esclient_opts eo = {.base_url = "http://127.0.0.1:1", .timeout_ms = 2000};
    esclient *es = esclient_new(&eo, err, sizeof(err));
    pacer *p = pacer_new(c);
    /* no cluster known yet: nothing is due */
    ck_assert_int_eq(pacer_step(p, es, 0, 0, err, sizeof(err), key, sizeof(key)), 0);
    metric_set *out = metric_set_new();
    pacer_report(p, 1, "c1", out);
    ck_assert_int_eq(pacer_step(p, es, 10, 1e9, err, sizeof(err), key, sizeof(key)), 1);
    ck_assert_msg(strstr(err, "indices_settings"), "%s", err);
    ck_assert_str_eq(key, "indices_settings:refused");
    /* not due again before its interval */
    ck_assert_int_eq(pacer_step(p, es, 20, 1e9, err, sizeof(err), key, sizeof(key)), 0);
    ck_assert_int_eq(pacer_step(p, es, 75, 1e9, err, sizeof(err), key, sizeof(key)), 1);
    metric_set_free(out);
    out = metric_set_new();
    pacer_report(p, 1, "c1", out);
    const char *rf[] = {"collector", "indices_settings", "reason", "refused", NULL};
    ck_assert_double_eq(get(out, "esvigil_errors_total", rf), 2);
    metric_set_free(out);
    pacer_free(p);
    esclient_free(es);
    config_free(c);
}
END_TEST

START_TEST(test_defs_are_unique)
{
    for (size_t i = 0; i < indexstats_def_count(); i++)
        for (size_t j = 0; j < indexinfo_def_count(); j++)
            ck_assert_str_ne(indexstats_def(i)->name, indexinfo_def(j)->name);
    for (size_t i = 0; i < indexstats_def_count(); i++)
        for (size_t j = i + 1; j < indexstats_def_count(); j++)
            ck_assert_str_ne(indexstats_def(i)->name, indexstats_def(j)->name);
    ck_assert_ptr_null(indexstats_def(indexstats_def_count()));
    ck_assert_ptr_null(indexinfo_def(indexinfo_def_count()));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("indices");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_filter_whole_names);
    tcase_add_test(tc, test_stats_values);
    tcase_add_test(tc, test_stats_bytewise_equals_oneshot);
    tcase_add_test(tc, test_stats_budget_keeps_the_largest);
    tcase_add_test(tc, test_stats_bad_input);
    tcase_add_test(tc, test_stats_shared_real_response);
    tcase_add_test(tc, test_settings_defaults_and_blocks);
    tcase_add_test(tc, test_mapping_field_count);
    tcase_add_test(tc, test_health_and_aliases);
    tcase_add_test(tc, test_info_bad_input);
    tcase_add_test(tc, test_pacer_last_good_and_gate);
    tcase_add_test(tc, test_pacer_step_against_a_closed_port);
    tcase_add_test(tc, test_defs_are_unique);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
