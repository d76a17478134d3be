/* test_health: the cluster health parser: every status, the reference's
 * families and labels, missing and unknown fields, bad documents. */
#include <dirent.h>
#include <string.h>

#include "health.h"
#include "unit.h"

#define P "elasticsearch_cluster_health_"

typedef struct run {
    metric_set *set;
    health *p;
    int rc;
} run;

/* Parses doc fed in pieces of chunk bytes (0: all at once). */
static run run_doc(const char *doc, size_t len, size_t chunk)
{
    run r = {metric_set_new(), NULL, 0};
    ck_assert_ptr_nonnull(r.set);
    r.p = health_new(r.set);
    ck_assert_ptr_nonnull(r.p);
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len && r.rc == 0; off += step)
        r.rc = health_feed(r.p, doc + off, off + step > len ? len - off : step);
    if (r.rc == 0)
        r.rc = health_finish(r.p);
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
    health_free(r->p);
    metric_set_free(r->set);
}

static int has(const run *r, const char *name)
{
    return metric_set_find(r->set, name) != NULL;
}

static double value(const run *r, const char *name, const char *cluster)
{
    const char *pairs[] = {"cluster", cluster, NULL};
    double v = -12345;
    ck_assert_msg(metric_set_lookup(r->set, name, pairs, &v), "no sample of %s", name);
    return v;
}

static double color(const run *r, const char *cluster, const char *c)
{
    const char *pairs[] = {"cluster", cluster, "color", c, NULL};
    double v = -12345;
    ck_assert_msg(metric_set_lookup(r->set, P "status", pairs, &v), "no color %s", c);
    return v;
}

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

/* ---- statuses ---- */

static const char *const colors[] = {"green", "yellow", "red"};

START_TEST(test_each_status)
{
    char doc[256];
    snprintf(doc, sizeof(doc), "{\"cluster_name\":\"c1\",\"status\":\"%s\",\"number_of_nodes\":3}",
             colors[_i]);
    run r = run_str(doc);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_status(r.p), colors[_i]);
    ck_assert_str_eq(health_cluster_name(r.p), "c1");
    for (int c = 0; c < 3; c++)
        ck_assert_double_eq(color(&r, "c1", colors[c]), c == _i);
    ck_assert_uint_eq(metric_family_sample_count(metric_set_find(r.set, P "status")), 3);
    ck_assert_double_eq(value(&r, P "number_of_nodes", "c1"), 3);
    ck_assert_uint_eq(metric_set_family_count(r.set), 2);
    run_free(&r);
}
END_TEST

START_TEST(test_unknown_status_no_sample)
{
    run r = run_str("{\"cluster_name\":\"c1\",\"status\":\"purple\",\"active_shards\":4}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_null(health_status(r.p));
    ck_assert(!has(&r, P "status"));
    ck_assert_double_eq(value(&r, P "active_shards", "c1"), 4);
    run_free(&r);
}
END_TEST

START_TEST(test_status_case_insensitive)
{
    run r = run_str("{\"cluster_name\":\"c1\",\"status\":\"YELLOW\"}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_status(r.p), "yellow");
    ck_assert_double_eq(color(&r, "c1", "yellow"), 1);
    run_free(&r);
}
END_TEST

/* ---- whole documents ---- */

START_TEST(test_full_document)
{
    static const struct {
        const char *name;
        double v;
    } want[] = {
        {P "number_of_nodes", 5},
        {P "number_of_data_nodes", 3},
        {P "active_primary_shards", 41},
        {P "active_shards", 82},
        {P "relocating_shards", 2},
        {P "initializing_shards", 1},
        {P "unassigned_shards", 0},
        {P "delayed_unassigned_shards", 0},
        {P "number_of_pending_tasks", 4},
        {P "number_of_in_flight_fetch", 3},
        {P "task_max_waiting_in_queue_millis", 250},
    };
    run r = run_file("tests/fixtures/health/green-7x.json", 0);
    ck_assert_int_eq(r.rc, 0);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_double_eq(value(&r, want[i].name, "logs-prod"), want[i].v);
    ck_assert_double_eq(color(&r, "logs-prod", "green"), 1);
    ck_assert_double_eq(color(&r, "logs-prod", "red"), 0);
    /* the reference's names only: no percent family, no timed_out */
    ck_assert_uint_eq(metric_set_family_count(r.set), 12);
    ck_assert(!has(&r, P "active_shards_percent_as_number"));
    ck_assert(!has(&r, P "timed_out"));
    run_free(&r);
}
END_TEST

START_TEST(test_reference_types_and_help)
{
    run r = run_file("tests/fixtures/health/green-7x.json", 0);
    ck_assert_int_eq(r.rc, 0);
    const metric_family *f = metric_set_find(r.set, P "status");
    ck_assert_str_eq(metric_family_help(f),
                     "Whether all primary and replica shards are allocated.");
    ck_assert_int_eq(metric_family_type(f), METRIC_GAUGE);
    ck_assert_uint_eq(metric_family_label_count(f), 2);
    ck_assert_str_eq(metric_family_label_name(f, 0), "cluster");
    ck_assert_str_eq(metric_family_label_name(f, 1), "color");
    f = metric_set_find(r.set, P "delayed_unassigned_shards");
    ck_assert_str_eq(metric_family_help(f), "Shards delayed to reduce reallocation overhead");
    ck_assert_uint_eq(metric_family_label_count(f), 1);
    ck_assert_str_eq(metric_family_label_name(f, 0), "cluster");
    for (size_t i = 0; i < metric_set_family_count(r.set); i++)
        ck_assert_int_eq(metric_family_type(metric_set_family(r.set, i)), METRIC_GAUGE);
    run_free(&r);
}
END_TEST

START_TEST(test_old_es_missing_fields)
{
    run r = run_file("tests/fixtures/health/red-1x.json", 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_status(r.p), "red");
    ck_assert(!has(&r, P "task_max_waiting_in_queue_millis"));
    ck_assert_double_eq(value(&r, P "unassigned_shards", "legacy"), 6);
    ck_assert_double_eq(value(&r, P "delayed_unassigned_shards", "legacy"), 1);
    ck_assert_double_eq(color(&r, "legacy", "red"), 1);
    ck_assert_uint_eq(metric_set_family_count(r.set), 11);
    run_free(&r);
}
END_TEST

START_TEST(test_opensearch_extra_fields)
{
    /* discovered_* booleans are skipped; cluster_name comes last */
    run r = run_file("tests/fixtures/health/opensearch-2x.json", 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_cluster_name(r.p), "search-os");
    ck_assert_str_eq(health_status(r.p), "yellow");
    ck_assert_double_eq(value(&r, P "active_shards", "search-os"), 20);
    ck_assert_double_eq(value(&r, P "number_of_nodes", "search-os"), 3);
    ck_assert(!has(&r, P "discovered_master"));
    ck_assert(!has(&r, P "discovered_cluster_manager"));
    ck_assert_uint_eq(metric_set_family_count(r.set), 12);
    run_free(&r);
}
END_TEST

START_TEST(test_missing_fields_no_samples)
{
    run r = run_str("{\"cluster_name\":\"c1\",\"timed_out\":false}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(metric_set_family_count(r.set), 0);
    ck_assert_ptr_null(health_status(r.p));
    run_free(&r);

    r = run_str("{\"status\":\"green\"}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_cluster_name(r.p), "");
    ck_assert_double_eq(color(&r, "", "green"), 1);
    ck_assert_uint_eq(metric_set_family_count(r.set), 1);
    run_free(&r);
}
END_TEST

START_TEST(test_wrong_types_and_nesting_ignored)
{
    /* numbers as strings, a numeric status, and per-index objects (level=indices)
     * whose keys repeat the top-level ones must not produce or change samples */
    run r = run_str("{\"cluster_name\":\"c1\",\"status\":\"green\",\"active_shards\":\"7\","
                    "\"number_of_nodes\":true,\"indices\":{\"i1\":{\"status\":\"red\","
                    "\"unassigned_shards\":9,\"active_shards\":1}},\"relocating_shards\":[1]}");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(health_status(r.p), "green");
    ck_assert(!has(&r, P "active_shards"));
    ck_assert(!has(&r, P "number_of_nodes"));
    ck_assert(!has(&r, P "unassigned_shards"));
    ck_assert(!has(&r, P "relocating_shards"));
    ck_assert_uint_eq(metric_set_family_count(r.set), 1);
    run_free(&r);
}
END_TEST

START_TEST(test_byte_by_byte_equals_one_shot)
{
    static const char *const files[] = {
        "tests/fixtures/health/green-7x.json",
        "tests/fixtures/health/red-1x.json",
        "tests/fixtures/health/opensearch-2x.json",
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        run a = run_file(files[i], 0);
        run b = run_file(files[i], 1);
        ck_assert_int_eq(a.rc, 0);
        ck_assert_int_eq(b.rc, 0);
        assert_sets_equal(a.set, b.set);
        ck_assert_str_eq(health_status(a.p), health_status(b.p));
        run_free(&a);
        run_free(&b);
    }
}
END_TEST

/* ---- bad documents ---- */

static const char *const garbage[] = {
    "",
    "<html>502 Bad Gateway</html>",
    "{\"cluster_name\":\"c1\",\"status\":\"green\"",
    "{\"cluster_name\":\"c1\",\"status\":\"gre",
    "{\"cluster_name\":\"c1\",\"status\":\"green\"}}",
    "{\"cluster_name\":\"c1\",\"status\":\"green\"} x",
    "[{\"cluster_name\":\"c1\",\"status\":\"green\"}]",
    "\"green\"",
    "{}",
    "{\"error\":{\"type\":\"master_not_discovered_exception\"},\"status\":503}",
};

START_TEST(test_garbage_fails)
{
    run r = run_str(garbage[_i]);
    ck_assert_msg(r.rc != 0, "accepted: %s", garbage[_i]);
    ck_assert_str_ne(health_error(r.p), "");
    ck_assert_ptr_null(strchr(health_error(r.p), '\n'));
    ck_assert_uint_eq(metric_set_sample_count(r.set), 0);
    ck_assert_ptr_null(health_status(r.p));
    ck_assert_int_ne(health_finish(r.p), 0);
    run_free(&r);
}
END_TEST

START_TEST(test_truncated_after_every_byte)
{
    size_t len;
    char *doc = unit_slurp(unit_src("tests/fixtures/health/green-7x.json"), &len);
    ck_assert_ptr_nonnull(doc);
    while (len > 0 && (doc[len - 1] == '\n' || doc[len - 1] == ' '))
        len--;
    for (size_t cut = 0; cut < len; cut++) {
        run r = run_doc(doc, cut, 0);
        ck_assert_msg(r.rc != 0, "accepted %zu of %zu bytes", cut, len);
        ck_assert_uint_eq(metric_set_sample_count(r.set), 0);
        run_free(&r);
    }
    free(doc);
}
END_TEST

START_TEST(test_feed_after_error)
{
    metric_set *set = metric_set_new();
    health *p = health_new(set);
    ck_assert_int_ne(health_feed(p, "{]", 2), 0);
    ck_assert_int_ne(health_feed(p, "{}", 2), 0);
    ck_assert_int_ne(health_finish(p), 0);
    ck_assert_str_ne(health_error(p), "");
    health_free(p);
    metric_set_free(set);
    health_free(NULL);
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
    if (strcmp(name, "clusterhealth_7.13.1.json") == 0) {
        ck_assert_double_eq(value(r, P "active_primary_shards", "elasticsearch"), 30);
        ck_assert_double_eq(value(r, P "unassigned_shards", "elasticsearch"), 30);
        ck_assert_double_eq(value(r, P "task_max_waiting_in_queue_millis", "elasticsearch"), 12);
        ck_assert_double_eq(color(r, "elasticsearch", "yellow"), 1);
        ck_assert_double_eq(color(r, "elasticsearch", "green"), 0);
    } else if (strcmp(name, "clusterhealth_1.7.6.json") == 0) {
        ck_assert(!has(r, P "task_max_waiting_in_queue_millis"));
        ck_assert_double_eq(value(r, P "active_shards", "elasticsearch"), 5);
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
        if (strncmp(e->d_name, "clusterhealth_", 14) != 0 || n < 5 ||
            strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        char *doc = unit_slurp(path, &len);
        ck_assert_msg(doc != NULL, "cannot read %s", path);
        run r = run_doc(doc, len, 0);
        run b = run_doc(doc, len, 5);
        free(doc);
        ck_assert_msg(r.rc == 0, "%s: %s", e->d_name, health_error(r.p));
        ck_assert_msg(b.rc == 0, "%s (chunked): %s", e->d_name, health_error(b.p));
        ck_assert_ptr_nonnull(health_status(r.p));
        ck_assert_str_ne(health_cluster_name(r.p), "");
        assert_sets_equal(r.set, b.set);
        check_known(e->d_name, &r);
        run_free(&r);
        run_free(&b);
        seen++;
    }
    closedir(d);
    fprintf(stderr, "note: %d shared cluster health captures checked\n", seen);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("health");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_each_status, 0, 3);
    tcase_add_test(tc, test_unknown_status_no_sample);
    tcase_add_test(tc, test_status_case_insensitive);
    tcase_add_test(tc, test_full_document);
    tcase_add_test(tc, test_reference_types_and_help);
    tcase_add_test(tc, test_old_es_missing_fields);
    tcase_add_test(tc, test_opensearch_extra_fields);
    tcase_add_test(tc, test_missing_fields_no_samples);
    tcase_add_test(tc, test_wrong_types_and_nesting_ignored);
    tcase_add_test(tc, test_byte_by_byte_equals_one_shot);
    tcase_add_loop_test(tc, test_garbage_fails, 0, sizeof(garbage) / sizeof(garbage[0]));
    tcase_add_test(tc, test_truncated_after_every_byte);
    tcase_add_test(tc, test_feed_after_error);
    tcase_add_test(tc, test_shared_captures);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
