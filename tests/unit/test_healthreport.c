/* test_healthreport: GET _health_report against the generated fixture and
 * the shared real 8.7 answer: the reference's families, every indicator's
 * status and symptom (unknown statuses as they are), bad documents. */
#include <math.h>

#include "feed.h"
#include "healthreport.h"

#define HR "elasticsearch_health_report_"
#define C "cluster", "lifecycle-test"

static metric_set *parse(const char *rel, size_t chunk, healthreport **out)
{
    metric_set *s = metric_set_new();
    healthreport *p = healthreport_new(s, "fallback");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(feed_file(healthreport_feed, p, rel, chunk), 0);
    ck_assert_msg(healthreport_finish(p) == 0, "%s", healthreport_error(p));
    if (out)
        *out = p;
    else
        healthreport_free(p);
    return s;
}

static const feed_expect expect[] = {
    {HR "status", {C, "color", "red"}, 1},
    {HR "status", {C, "color", "green"}, 0},
    {HR "disk_status", {C, "color", "yellow"}, 1},
    {HR "shards_availabilty_status", {C, "color", "red"}, 1},
    {HR "slm_status", {C, "color", "yellow"}, 1},
    {HR "ilm_status", {C, "color", "green"}, 1},
    {HR "total_repositories", {C}, 4},
    {HR "max_shards_in_cluster_data", {C}, 3000},
    {HR "max_shards_in_cluster_frozen", {C}, 0},
    {HR "unassigned_primaries", {C}, 1},
    {HR "unassigned_replicas", {C}, 2},
    {HR "initializing_replicas", {C}, 1},
    {HR "started_primaries", {C}, 13},
    {HR "slm_policies", {C}, 3},
    {HR "ilm_policies", {C}, 7},
    {HR "ilm_stagnating_indices", {C}, 0},
    {"esvigil_health_report_indicator",
     {C, "indicator", "shards_availability", "status", "red"},
     2},
    {"esvigil_health_report_indicator", {C, "indicator", "disk"}, 1},
    {"esvigil_health_report_indicator", {C, "indicator", "master_is_stable"}, 0},
    {"esvigil_health_report_indicator", {C, "indicator", "file_settings", "status", "unknown"}, -1},
};

START_TEST(families)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        healthreport *p;
        metric_set *s = parse("tests/fixtures/lifecycle/health_report.json", chunk, &p);
        feed_check(s, expect, sizeof(expect) / sizeof(expect[0]));
        ck_assert_uint_eq(healthreport_indicator_count(p), 9);
        ck_assert_str_eq(healthreport_indicator_name(p, 3), "shards_availability");
        ck_assert_str_eq(healthreport_indicator_status(p, 3), "red");
        healthreport_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(symptom_label)
{
    metric_set *s = parse("tests/fixtures/lifecycle/health_report.json", 0, NULL);
    const char *pairs[] = {"indicator", "disk", "symptom",
                           "1 node is out of disk or running low on disk space.", NULL};
    ck_assert_double_eq(feed_value(s, "esvigil_health_report_indicator", pairs), 1);
    metric_set_free(s);
}
END_TEST

/* The caller's cluster name labels a document without one. */
START_TEST(cluster_fallback)
{
    static const char doc[] = "{\"status\":\"green\",\"indicators\":{\"disk\":{\"status\":"
                              "\"green\",\"symptom\":\"ok\"}}}";
    metric_set *s = metric_set_new();
    healthreport *p = healthreport_new(s, "fallback");
    ck_assert_int_eq(feed_doc(healthreport_feed, p, doc, strlen(doc), 0), 0);
    ck_assert_int_eq(healthreport_finish(p), 0);
    const char *pairs[] = {"cluster", "fallback", "color", "green", NULL};
    ck_assert_double_eq(feed_value(s, HR "disk_status", pairs), 1);
    /* indicators the document lacks: the reference's zeros */
    const char *slm[] = {"cluster", "fallback", "color", "green", NULL};
    ck_assert_double_eq(feed_value(s, HR "slm_status", slm), 0);
    healthreport_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(bad_documents)
{
    static const char *const docs[] = {"[]", "{\"status\":\"green\"}", "{\"indicators\":{",
                                       "garbage"};
    metric_set *s = metric_set_new();
    healthreport *p = healthreport_new(s, "c");
    const char *d = docs[_i];
    int rc = feed_doc(healthreport_feed, p, d, strlen(d), 0);
    if (rc == 0)
        rc = healthreport_finish(p);
    ck_assert_int_ne(rc, 0);
    ck_assert_ptr_nonnull(strstr(healthreport_error(p), "health report"));
    ck_assert_uint_eq(metric_set_family_count(s), 0);
    healthreport_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(real_response)
{
    const char *rel = "../shared/fixtures/es-responses/healthreport_8.7.0.json";
    size_t len;
    char *doc = unit_slurp(unit_src(rel), &len);
    if (!doc)
        return;
    free(doc);
    metric_set *s = parse(rel, 0, NULL);
    const char *c[] = {"cluster", "docker-cluster", NULL};
    ck_assert_double_eq(feed_value(s, HR "started_primaries", c), 11703);
    ck_assert_double_eq(feed_value(s, HR "max_shards_in_cluster_data", c), 13500);
    metric_set_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("healthreport");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, families);
    tcase_add_test(tc, symptom_label);
    tcase_add_test(tc, cluster_fallback);
    tcase_add_loop_test(tc, bad_documents, 0, 4);
    tcase_add_test(tc, real_response);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
