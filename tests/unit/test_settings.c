/* test_settings: the cluster settings parser: section precedence, flat and
 * nested keys, every watermark spelling, invalid values and bad documents. */
#include <dirent.h>
#include <string.h>

#include "settings.h"
#include "unit.h"

#define P "elasticsearch_clustersettings_"
#define WM "cluster.routing.allocation.disk.watermark."
#define GB 1073741824.0
#define MB 1048576.0
#define TB 1099511627776.0

typedef struct run {
    metric_set *set;
    settings *p;
    int rc;
} run;

/* Parses doc fed in pieces of chunk bytes (0: all at once). */
static run run_doc(const char *doc, size_t len, size_t chunk)
{
    run r = {metric_set_new(), NULL, 0};
    ck_assert_ptr_nonnull(r.set);
    r.p = settings_new(r.set);
    ck_assert_ptr_nonnull(r.p);
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len && r.rc == 0; off += step)
        r.rc = settings_feed(r.p, doc + off, off + step > len ? len - off : step);
    if (r.rc == 0)
        r.rc = settings_finish(r.p);
    return r;
}

static run run_str(const char *doc)
{
    return run_doc(doc, strlen(doc), 0);
}

static run run_file(const char *rel, size_t chunk)
{
    size_t len;
    char *doc = unit_slurp(unit_src(rel), &len);
    ck_assert_msg(doc != NULL, "cannot read %s", rel);
    run r = run_doc(doc, len, chunk);
    free(doc);
    return r;
}

static void run_free(run *r)
{
    settings_free(r->p);
    metric_set_free(r->set);
}

static int has(const run *r, const char *name)
{
    return metric_set_find(r->set, name) != NULL;
}

static double value(const run *r, const char *name)
{
    static const char *const none[] = {NULL};
    double v = -12345;
    ck_assert_msg(metric_set_lookup(r->set, name, none, &v), "no sample of %s", name);
    return v;
}

static double state(const run *r, const char *st)
{
    const char *pairs[] = {"state", st, NULL};
    double v = -12345;
    ck_assert_msg(metric_set_lookup(r->set, P "allocation_enable", pairs, &v), "no state %s", st);
    return v;
}

/* Same families, samples, label values and values, in the same order. */
static void assert_sets_equal(const metric_set *a, const metric_set *b)
{
    ck_assert_uint_eq(metric_set_family_count(a), metric_set_family_count(b));
    for (size_t i = 0; i < metric_set_family_count(a); i++) {
        const metric_family *fa = metric_set_family(a, i);
        const metric_family *fb = metric_set_find(b, metric_family_name(fa));
        ck_assert_msg(fb != NULL, "%s missing", metric_family_name(fa));
        ck_assert_uint_eq(metric_family_sample_count(fa), metric_family_sample_count(fb));
        for (size_t s = 0; s < metric_family_sample_count(fa); s++) {
            ck_assert_double_eq(metric_family_value(fa, s), metric_family_value(fb, s));
            for (size_t l = 0; l < metric_family_label_count(fa); l++)
                ck_assert_str_eq(metric_family_label_value(fa, s, l),
                                 metric_family_label_value(fb, s, l));
        }
    }
}

/* ---- precedence ---- */

START_TEST(test_precedence_any_order)
{
    /* enable is set everywhere, recoveries in persistent and defaults, the
     * max shards only in defaults: each must come from the right section
     * whatever the order of the sections in the document. */
    static const char *const sec[3] = {
        "\"transient\":{\"cluster.routing.allocation.enable\":\"none\"}",
        "\"persistent\":{\"cluster.routing.allocation.enable\":\"primaries\","
        "\"cluster.routing.allocation.node_concurrent_recoveries\":\"6\"}",
        "\"defaults\":{\"cluster.routing.allocation.enable\":\"all\","
        "\"cluster.routing.allocation.node_concurrent_recoveries\":\"2\","
        "\"cluster.max_shards_per_node\":\"1000\",\"search.max_open_scroll_context\":\"500\"}",
    };
    static const int order[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                    {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        char doc[1024];
        snprintf(doc, sizeof(doc), "{%s,%s,%s}", sec[order[o][0]], sec[order[o][1]],
                 sec[order[o][2]]);
        run r = run_str(doc);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_double_eq(value(&r, P "stats_shard_allocation_enabled"), 3);
        ck_assert_str_eq(settings_allocation_enable(r.p), "none");
        ck_assert_double_eq(value(&r, P "allocation_node_concurrent_recoveries"), 6);
        ck_assert_double_eq(value(&r, P "stats_max_shards_per_node"), 1000);
        ck_assert_double_eq(value(&r, P "search_max_open_scroll_context"), 500);
        run_free(&r);
    }
}
END_TEST

START_TEST(test_precedence_persistent_over_defaults)
{
    run r = run_str("{\"defaults\":{\"cluster.routing.allocation.enable\":\"all\"},"
                    "\"persistent\":{\"cluster.routing.allocation.enable\":\"new_primaries\"},"
                    "\"transient\":{}}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq(value(&r, P "stats_shard_allocation_enabled"), 2);
    run_free(&r);
}
END_TEST

START_TEST(test_null_means_not_set)
{
    run r = run_str("{\"transient\":{\"cluster.routing.allocation.enable\":null},"
                    "\"persistent\":{\"cluster.routing.allocation.enable\":\"primaries\"}}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq(value(&r, P "stats_shard_allocation_enabled"), 1);
    ck_assert_str_eq(settings_warning(r.p), "");
    run_free(&r);
}
END_TEST

/* ---- flat and nested ---- */

static void check_8x_fixture(const run *r)
{
    settings_watermark w;
    ck_assert_int_eq(r->rc, 0);
    ck_assert_str_eq(settings_warning(r->p), "");
    ck_assert_double_eq(value(r, P "stats_shard_allocation_enabled"), 1); /* transient */
    ck_assert_double_eq(state(r, "primaries"), 1);
    ck_assert_double_eq(state(r, "all"), 0);
    ck_assert_double_eq(value(r, P "allocation_node_concurrent_recoveries"), 4);
    ck_assert_double_eq(value(r, P "indices_recovery_max_bytes_per_second"), 250 * MB);
    ck_assert_double_eq(value(r, P "stats_max_shards_per_node"), 1000); /* not .frozen */
    ck_assert_double_eq(value(r, P "allocation_threshold_enabled"), 1);
    ck_assert_double_eq(value(r, P "allocation_watermark_low_ratio"), 0.85);
    ck_assert_double_eq(value(r, P "allocation_watermark_high_ratio"), 0.92);
    ck_assert_double_eq(value(r, P "allocation_watermark_flood_stage_ratio"), 0.95);
    ck_assert_double_eq(value(r, P "allocation_watermark_low_max_headroom_bytes"), 200 * GB);
    ck_assert(!has(r, P "allocation_watermark_high_max_headroom_bytes")); /* persistent -1 */
    ck_assert_double_eq(value(r, P "allocation_watermark_flood_stage_max_headroom_bytes"),
                        100 * GB);
    ck_assert(!has(r, P "allocation_watermark_low_bytes"));
    ck_assert_int_eq(settings_get_watermark(r->p, "high", &w), 0);
    ck_assert_int_eq(w.kind, SETTINGS_WM_RATIO);
    ck_assert_double_eq(w.value, 0.92);
    ck_assert_double_lt(w.max_headroom, 0);
    ck_assert_int_eq(settings_get_watermark(r->p, "flood_stage", &w), 0);
    ck_assert_double_eq(w.max_headroom, 100 * GB);
}

START_TEST(test_flat_form)
{
    run r = run_file("tests/fixtures/settings/flat-8x.json", 0);
    check_8x_fixture(&r);
    run_free(&r);
}
END_TEST

START_TEST(test_nested_form)
{
    run r = run_file("tests/fixtures/settings/nested-8x.json", 0);
    check_8x_fixture(&r);
    run_free(&r);
}
END_TEST

START_TEST(test_flat_equals_nested)
{
    run a = run_file("tests/fixtures/settings/flat-8x.json", 0);
    run b = run_file("tests/fixtures/settings/nested-8x.json", 0);
    ck_assert_int_eq(a.rc, 0);
    ck_assert_int_eq(b.rc, 0);
    assert_sets_equal(a.set, b.set);
    assert_sets_equal(b.set, a.set);
    run_free(&a);
    run_free(&b);
}
END_TEST

START_TEST(test_byte_by_byte_equals_one_shot)
{
    static const char *const files[] = {
        "tests/fixtures/settings/flat-8x.json",
        "tests/fixtures/settings/nested-8x.json",
        "tests/fixtures/settings/bytes-7x.json",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        run a = run_file(files[i], 0);
        run b = run_file(files[i], 1);
        ck_assert_int_eq(a.rc, 0);
        ck_assert_int_eq(b.rc, 0);
        ck_assert_uint_gt(metric_set_sample_count(a.set), 0);
        assert_sets_equal(a.set, b.set);
        ck_assert_str_eq(settings_warning(a.p), settings_warning(b.p));
        run_free(&a);
        run_free(&b);
    }
}
END_TEST

/* ---- watermark spellings ---- */

typedef struct wm_case {
    const char *json; /* the JSON value */
    settings_wm_kind kind;
    double v;
} wm_case;

static const wm_case wm_cases[] = {
    {"\"85%\"", SETTINGS_WM_RATIO, 0.85},
    {"\"0.85\"", SETTINGS_WM_RATIO, 0.85},
    {"\"85.5%\"", SETTINGS_WM_RATIO, 0.855},
    {"\"100%\"", SETTINGS_WM_RATIO, 1.0},
    {"\"0%\"", SETTINGS_WM_RATIO, 0.0},
    {"\"1.0\"", SETTINGS_WM_RATIO, 1.0},
    {"\"0\"", SETTINGS_WM_RATIO, 0.0},
    {"\".9\"", SETTINGS_WM_RATIO, 0.9},
    {"0.9", SETTINGS_WM_RATIO, 0.9}, /* a JSON number */
    {"\"10gb\"", SETTINGS_WM_BYTES, 10 * GB},
    {"\"10GB\"", SETTINGS_WM_BYTES, 10 * GB},
    {"\"500mb\"", SETTINGS_WM_BYTES, 500 * MB},
    {"\"500MB\"", SETTINGS_WM_BYTES, 500 * MB},
    {"\"1.5tb\"", SETTINGS_WM_BYTES, 1.5 * TB},
    {"\"100b\"", SETTINGS_WM_BYTES, 100},
};

START_TEST(test_watermark_forms)
{
    const wm_case *c = &wm_cases[_i];
    static const char *const which[3] = {"low", "high", "flood_stage"};
    for (int w = 0; w < 3; w++) {
        char doc[256], ratio[128], bytes[128];
        snprintf(doc, sizeof(doc), "{\"persistent\":{\"" WM "%s\":%s}}", which[w], c->json);
        snprintf(ratio, sizeof(ratio), P "allocation_watermark_%s_ratio", which[w]);
        snprintf(bytes, sizeof(bytes), P "allocation_watermark_%s_bytes", which[w]);
        run r = run_str(doc);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_str_eq(settings_warning(r.p), "");
        const char *want = c->kind == SETTINGS_WM_RATIO ? ratio : bytes;
        const char *other = c->kind == SETTINGS_WM_RATIO ? bytes : ratio;
        ck_assert_double_eq(value(&r, want), c->v);
        ck_assert(!has(&r, other));
        settings_watermark got;
        ck_assert_int_eq(settings_get_watermark(r.p, which[w], &got), 0);
        ck_assert_int_eq(got.kind, c->kind);
        ck_assert_double_eq(got.value, c->v);
        ck_assert_double_lt(got.max_headroom, 0);
        ck_assert_uint_eq(metric_set_family_count(r.set), 1);
        run_free(&r);
    }
}
END_TEST

START_TEST(test_headroom)
{
    run r = run_str("{\"defaults\":{\"" WM "low\":\"85%\",\"" WM "low.max_headroom\":\"-1\","
                    "\"" WM "high\":\"90%\",\"" WM "high.max_headroom\":\"150gb\","
                    "\"" WM "flood_stage.max_headroom\":-1}}");
    settings_watermark w;
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(settings_warning(r.p), "");
    ck_assert(!has(&r, P "allocation_watermark_low_max_headroom_bytes"));
    ck_assert(!has(&r, P "allocation_watermark_flood_stage_max_headroom_bytes"));
    ck_assert_double_eq(value(&r, P "allocation_watermark_high_max_headroom_bytes"), 150 * GB);
    ck_assert_int_eq(settings_get_watermark(r.p, "low", &w), 0);
    ck_assert_int_eq(w.kind, SETTINGS_WM_RATIO);
    ck_assert_double_eq(w.value, 0.85);
    ck_assert_double_lt(w.max_headroom, 0);
    ck_assert_int_eq(settings_get_watermark(r.p, "high", &w), 0);
    ck_assert_double_eq(w.max_headroom, 150 * GB);
    /* a headroom without its watermark is still reported */
    ck_assert_int_eq(settings_get_watermark(r.p, "flood_stage", &w), 0);
    ck_assert_int_eq(w.kind, SETTINGS_WM_NONE);
    ck_assert_int_eq(settings_get_watermark(r.p, "medium", &w), -1);
    run_free(&r);
}
END_TEST

START_TEST(test_bytes_watermarks)
{
    run r = run_file("tests/fixtures/settings/bytes-7x.json", 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq(value(&r, P "allocation_watermark_low_bytes"), 30 * GB);
    ck_assert_double_eq(value(&r, P "allocation_watermark_high_bytes"), 20 * GB);
    ck_assert_double_eq(value(&r, P "allocation_watermark_flood_stage_bytes"), 500 * MB);
    ck_assert(!has(&r, P "allocation_watermark_low_ratio")); /* defaults' 85% lost */
    ck_assert_double_eq(value(&r, P "allocation_threshold_enabled"), 0);
    ck_assert_int_eq(settings_threshold_enabled(r.p), 0);
    run_free(&r);
}
END_TEST

/* ---- the other keys ---- */

START_TEST(test_threshold_enabled)
{
    static const struct {
        const char *json;
        int want;
    } cases[] = {{"\"false\"", 0}, {"\"true\"", 1}, {"false", 0}, {"true", 1}, {"\"FALSE\"", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[256];
        snprintf(doc, sizeof(doc),
                 "{\"transient\":{\"cluster.routing.allocation.disk.threshold_enabled\":%s}}",
                 cases[i].json);
        run r = run_str(doc);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_double_eq(value(&r, P "allocation_threshold_enabled"), cases[i].want);
        ck_assert_int_eq(settings_threshold_enabled(r.p), cases[i].want);
        run_free(&r);
    }
}
END_TEST

START_TEST(test_enable_for_single_data_node)
{
    run r = run_str("{\"defaults\":{\"cluster\":{\"routing\":{\"allocation\":{\"disk\":{"
                    "\"watermark\":{\"enable_for_single_data_node\":\"true\"}}}}}}}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq(value(&r, P "allocation_watermark_enable_for_single_data_node"), 1);
    run_free(&r);
}
END_TEST

START_TEST(test_allocation_enable_states)
{
    static const char *const modes[] = {"all", "primaries", "new_primaries", "none"};
    static const char *const spelled[] = {"ALL", "primaries", "New_Primaries", "none"};
    for (int m = 0; m < 4; m++) {
        char doc[256];
        snprintf(
            doc, sizeof(doc),
            "{\"persistent\":{\"cluster\":{\"routing\":{\"allocation\":{\"enable\":\"%s\"}}}}}",
            spelled[m]);
        run r = run_str(doc);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_double_eq(value(&r, P "stats_shard_allocation_enabled"), m);
        for (int s = 0; s < 4; s++)
            ck_assert_double_eq(state(&r, modes[s]), s == m);
        ck_assert_uint_eq(metric_family_sample_count(metric_set_find(r.set, P "allocation_enable")),
                          4);
        ck_assert_str_eq(settings_allocation_enable(r.p), modes[m]);
        run_free(&r);
    }
}
END_TEST

START_TEST(test_counts_and_rates)
{
    run r = run_str("{\"persistent\":{\"cluster.max_shards_per_node\":2500,"
                    "\"cluster.routing.allocation.node_concurrent_recoveries\":\"3\","
                    "\"indices.recovery.max_bytes_per_sec\":\"40mb\"}}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq(value(&r, P "stats_max_shards_per_node"), 2500);
    ck_assert_double_eq(value(&r, P "allocation_node_concurrent_recoveries"), 3);
    ck_assert_double_eq(value(&r, P "indices_recovery_max_bytes_per_second"), 40 * MB);
    run_free(&r);
}
END_TEST

START_TEST(test_missing_keys_no_samples)
{
    run r = run_str("{\"persistent\":{},\"transient\":{},\"defaults\":{\"cluster.name\":\"x\","
                    "\"" WM "flood_stage.frozen\":\"95%\",\"cluster.max_shards_per_node.frozen\":"
                    "\"3000\",\"cluster\":{\"routing\":{\"allocation\":{}}}}}");
    settings_watermark w = {SETTINGS_WM_RATIO, 1, 1};
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(metric_set_family_count(r.set), 0);
    ck_assert_str_eq(settings_warning(r.p), "");
    ck_assert_int_eq(settings_get_watermark(r.p, "low", &w), 0);
    ck_assert_int_eq(w.kind, SETTINGS_WM_NONE);
    ck_assert_double_lt(w.max_headroom, 0);
    ck_assert_int_eq(settings_threshold_enabled(r.p), -1);
    ck_assert_ptr_null(settings_allocation_enable(r.p));
    run_free(&r);
}
END_TEST

/* ---- invalid values: skipped with a warning, the rest still parsed ---- */

typedef struct bad_case {
    const char *key;
    const char *json;
    const char *family; /* must not appear */
} bad_case;

static const bad_case bad_cases[] = {
    {WM "low", "\"85\"", P "allocation_watermark_low_ratio"},
    {WM "low", "85", P "allocation_watermark_low_ratio"},
    {WM "high", "\"101%\"", P "allocation_watermark_high_ratio"},
    {WM "high", "\"-5%\"", P "allocation_watermark_high_ratio"},
    {WM "flood_stage", "\"lots\"", P "allocation_watermark_flood_stage_bytes"},
    {WM "flood_stage", "\"10 parsecs\"", P "allocation_watermark_flood_stage_bytes"},
    {WM "flood_stage", "true", P "allocation_watermark_flood_stage_ratio"},
    {WM "low.max_headroom", "\"85%\"", P "allocation_watermark_low_max_headroom_bytes"},
    {WM "high.max_headroom", "-2", P "allocation_watermark_high_max_headroom_bytes"},
    {"cluster.routing.allocation.disk.threshold_enabled", "\"yes\"",
     P "allocation_threshold_enabled"},
    {"cluster.routing.allocation.enable", "\"some\"", P "stats_shard_allocation_enabled"},
    {"cluster.routing.allocation.enable", "3", P "allocation_enable"},
    {"cluster.max_shards_per_node", "\"1.5\"", P "stats_max_shards_per_node"},
    {"cluster.max_shards_per_node", "-1", P "stats_max_shards_per_node"},
    {"cluster.routing.allocation.node_concurrent_recoveries", "\"two\"",
     P "allocation_node_concurrent_recoveries"},
    {"indices.recovery.max_bytes_per_sec", "\"fast\"", P "indices_recovery_max_bytes_per_second"},
    {"indices.recovery.max_bytes_per_sec",
     "\"1111111111111111111111111111111111111111111111111111111111111111111111mb\"",
     P "indices_recovery_max_bytes_per_second"},
};

START_TEST(test_invalid_value_skipped_with_warning)
{
    const bad_case *c = &bad_cases[_i];
    char doc[512];
    snprintf(doc, sizeof(doc),
             "{\"persistent\":{\"%s\":%s},\"defaults\":{\"cluster.max_shards_per_node\":\"1000\","
             "\"cluster.routing.allocation.enable\":\"all\"}}",
             c->key, c->json);
    run r = run_str(doc);
    ck_assert_msg(r.rc == 0, "%s=%s: %s", c->key, c->json, settings_error(r.p));
    ck_assert_msg(!has(&r, c->family), "%s=%s gave %s", c->key, c->json, c->family);
    const char *w = settings_warning(r.p);
    ck_assert_msg(strstr(w, c->key) && strstr(w, "persistent"), "warning: %s", w);
    ck_assert_ptr_null(strchr(w, '\n'));
    /* the persistent value shadows the default, it does not fall back to it */
    if (strcmp(c->key, "cluster.max_shards_per_node") != 0)
        ck_assert_double_eq(value(&r, P "stats_max_shards_per_node"), 1000);
    if (strcmp(c->key, "cluster.routing.allocation.enable") != 0)
        ck_assert_double_eq(value(&r, P "stats_shard_allocation_enabled"), 0);
    run_free(&r);
}
END_TEST

START_TEST(test_several_warnings)
{
    run r = run_str("{\"transient\":{\"" WM "low\":\"85\",\"" WM "high\":\"95\"}}");
    ck_assert_int_eq(r.rc, 0);
    const char *w = settings_warning(r.p);
    ck_assert_ptr_nonnull(strstr(w, WM "low: "));
    ck_assert_ptr_nonnull(strstr(w, WM "high: "));
    ck_assert_ptr_nonnull(strstr(w, "\"95\""));
    ck_assert_ptr_nonnull(strstr(w, "above 1"));
    ck_assert_ptr_nonnull(strstr(w, "; "));
    ck_assert_uint_eq(metric_set_family_count(r.set), 0);
    run_free(&r);
}
END_TEST

/* ---- bad documents ---- */

static const char *const garbage[] = {
    "",
    "not json",
    "{\"persistent\":{\"cluster.max_shards_per_node\":\"1000\"",
    "{\"persistent\":{\"cluster.max_shards_per_node\":\"10",
    "{\"persistent\":{}}}",
    "{\"persistent\":{}} {}",
    "[]",
    "[{\"persistent\":{}}]",
    "\"persistent\"",
    "42",
    "{}",
    "{\"error\":{\"type\":\"security_exception\"},\"status\":403}",
    "{\"persistent\":[]}",
};

START_TEST(test_garbage_fails)
{
    run r = run_str(garbage[_i]);
    ck_assert_msg(r.rc != 0, "accepted: %s", garbage[_i]);
    ck_assert_str_ne(settings_error(r.p), "");
    ck_assert_ptr_null(strchr(settings_error(r.p), '\n'));
    ck_assert_uint_eq(metric_set_sample_count(r.set), 0);
    ck_assert_int_ne(settings_finish(r.p), 0); /* stays failed */
    run_free(&r);
}
END_TEST

START_TEST(test_feed_after_error)
{
    metric_set *set = metric_set_new();
    settings *p = settings_new(set);
    ck_assert_int_ne(settings_feed(p, "{]", 2), 0);
    ck_assert_int_ne(settings_feed(p, "{}", 2), 0);
    ck_assert_int_ne(settings_finish(p), 0);
    ck_assert_str_ne(settings_error(p), "");
    settings_free(p);
    metric_set_free(set);
    settings_free(NULL);
}
END_TEST

/* ---- the real captures of the shared tree, when present ---- */

static const char *shared_dir(char *buf, size_t n)
{
    const char *env = getenv("ESVIGIL_SHARED_FIXTURES");
    if (env && *env)
        return env;
    const char *src = getenv("ESVIGIL_SRCDIR");
    snprintf(buf, n, "%s/../shared/fixtures/es-responses", src ? src : ".");
    return buf;
}

static void check_known(const char *name, const run *r)
{
    settings_watermark w;
    if (strcmp(name, "settings-5.4.2.json") == 0) {
        ck_assert_double_eq(value(r, P "allocation_watermark_low_ratio"), 0.85);
        ck_assert_double_eq(value(r, P "allocation_watermark_high_ratio"), 0.90);
        ck_assert(!has(r, P "allocation_watermark_flood_stage_ratio"));
        ck_assert_double_eq(value(r, P "stats_shard_allocation_enabled"), 0); /* "ALL" */
        ck_assert_double_eq(value(r, P "indices_recovery_max_bytes_per_second"), 40 * MB);
        ck_assert(!has(r, P "stats_max_shards_per_node"));
    } else if (strcmp(name, "settings-7.3.0.json") == 0) {
        ck_assert_double_eq(value(r, P "allocation_watermark_flood_stage_ratio"), 0.95);
        ck_assert_double_eq(value(r, P "allocation_threshold_enabled"), 0);
        ck_assert_double_eq(value(r, P "stats_max_shards_per_node"), 1000);
    } else if (strcmp(name, "settings-8.9.1-watermark.json") == 0) {
        ck_assert_double_eq(value(r, P "allocation_watermark_low_ratio"), 0.88);
        ck_assert_double_eq(value(r, P "allocation_watermark_high_ratio"), 0.92);
        ck_assert_double_eq(value(r, P "allocation_watermark_flood_stage_ratio"), 0.96);
        ck_assert_int_eq(settings_get_watermark(r->p, "flood_stage", &w), 0);
        ck_assert_double_lt(w.max_headroom, 0);
        ck_assert(!has(r, P "allocation_watermark_low_max_headroom_bytes"));
        ck_assert_double_eq(value(r, P "stats_max_shards_per_node"), 1000);
        ck_assert_double_eq(value(r, P "allocation_node_concurrent_recoveries"), 2);
    } else if (strcmp(name, "settings-persistent-clustermaxshardspernode-7.17.5.json") == 0) {
        ck_assert_double_eq(value(r, P "stats_max_shards_per_node"), 1000);
        ck_assert_double_eq(value(r, P "allocation_watermark_low_bytes"), 50 * MB);
        ck_assert_double_eq(value(r, P "allocation_watermark_high_bytes"), 200 * GB);
        ck_assert_double_eq(value(r, P "allocation_watermark_flood_stage_bytes"), 100);
        ck_assert_double_eq(value(r, P "allocation_threshold_enabled"), 1);
    }
}

START_TEST(test_shared_captures)
{
    char buf[4096];
    const char *dir = shared_dir(buf, sizeof(buf));
    DIR *d = opendir(dir);
    if (!d) {
        unit_skip("%s absent, shared captures not checked", dir);
        return;
    }
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, "settings-", 9) != 0 || n < 5 ||
            strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        char *doc = unit_slurp(path, &len);
        ck_assert_msg(doc != NULL, "cannot read %s", path);
        run r = run_doc(doc, len, 0);
        run b = run_doc(doc, len, 7);
        free(doc);
        ck_assert_msg(r.rc == 0, "%s: %s", e->d_name, settings_error(r.p));
        ck_assert_msg(b.rc == 0, "%s (chunked): %s", e->d_name, settings_error(b.p));
        ck_assert_msg(strcmp(settings_warning(r.p), "") == 0, "%s: %s", e->d_name,
                      settings_warning(r.p));
        ck_assert_uint_gt(metric_set_sample_count(r.set), 0);
        assert_sets_equal(r.set, b.set);
        check_known(e->d_name, &r);
        run_free(&r);
        run_free(&b);
        seen++;
    }
    closedir(d);
    fprintf(stderr, "note: %d shared settings captures checked\n", seen);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("settings");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_precedence_any_order);
    tcase_add_test(tc, test_precedence_persistent_over_defaults);
    tcase_add_test(tc, test_null_means_not_set);
    tcase_add_test(tc, test_flat_form);
    tcase_add_test(tc, test_nested_form);
    tcase_add_test(tc, test_flat_equals_nested);
    tcase_add_test(tc, test_byte_by_byte_equals_one_shot);
    tcase_add_loop_test(tc, test_watermark_forms, 0, sizeof(wm_cases) / sizeof(wm_cases[0]));
    tcase_add_test(tc, test_headroom);
    tcase_add_test(tc, test_bytes_watermarks);
    tcase_add_test(tc, test_threshold_enabled);
    tcase_add_test(tc, test_enable_for_single_data_node);
    tcase_add_test(tc, test_allocation_enable_states);
    tcase_add_test(tc, test_counts_and_rates);
    tcase_add_test(tc, test_missing_keys_no_samples);
    tcase_add_loop_test(tc, test_invalid_value_skipped_with_warning, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, test_several_warnings);
    tcase_add_loop_test(tc, test_garbage_fails, 0, sizeof(garbage) / sizeof(garbage[0]));
    tcase_add_test(tc, test_feed_after_error);
    tcase_add_test(tc, test_shared_captures);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
