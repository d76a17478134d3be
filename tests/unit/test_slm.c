/* test_slm: SLM status, stats and policies against the generated fixtures:
 * the reference's families, esvigil's per-policy times and failure detail,
 * unknown modes, bad documents. */
#include <math.h>

#include "feed.h"
#include "slm.h"

#define NOW 1716286800.0
#define FIX "tests/fixtures/lifecycle/"
#define SL "elasticsearch_slm_stats_"

static void parse(slm *p, slm_doc doc, const char *rel, size_t chunk)
{
    ck_assert_int_eq(slm_begin(p, doc), 0);
    ck_assert_int_eq(feed_file(slm_feed, p, rel, chunk), 0);
    ck_assert_msg(slm_finish(p) == 0, "%s: %s", rel, slm_error(p));
}

static metric_set *parse_all(size_t chunk, slm **out)
{
    slm *p = slm_new();
    ck_assert_ptr_nonnull(p);
    parse(p, SLM_STATUS, FIX "slm_status.json", chunk);
    parse(p, SLM_STATS, FIX "slm_stats.json", chunk);
    parse(p, SLM_POLICY, FIX "slm_policy.json", chunk);
    metric_set *s = metric_set_new();
    ck_assert_int_eq(slm_emit(p, s, "c1"), 0);
    if (out)
        *out = p;
    else
        slm_free(p);
    return s;
}

#define POL(name) "cluster", "c1", "policy", name
static const feed_expect expect[] = {
    {SL "operation_mode", {"operation_mode", "RUNNING"}, 1},
    {SL "operation_mode", {"operation_mode", "STOPPED"}, 0},
    {SL "operation_mode", {"operation_mode", "STOPPING"}, 0},
    {SL "retention_runs_total", {NULL}, 41},
    {SL "retention_failed_total", {NULL}, 1},
    {SL "retention_timed_out_total", {NULL}, 0},
    {SL "retention_deletion_time_seconds", {NULL}, 90.5},
    {SL "total_snapshots_taken_total", {NULL}, 52},
    {SL "total_snapshots_failed_total", {NULL}, 3},
    {SL "total_snapshots_deleted_total", {NULL}, 12},
    {SL "total_snapshot_deletion_failures_total", {NULL}, 1},
    /* nightly's name comes after its numbers */
    {SL "snapshots_taken_total", {"policy", "nightly"}, 40},
    {SL "snapshots_failed_total", {"policy", "nightly"}, 1},
    {SL "snapshots_taken_total", {"policy", "archive"}, 12},
    {SL "snapshot_deletion_failures_total", {"policy", "archive"}, 1},
    {"esvigil_slm_policy_last_success_timestamp_seconds", {POL("nightly")}, NOW - 6900},
    {"esvigil_slm_policy_last_failure_timestamp_seconds", {POL("nightly")}, NOW - 9 * 86400},
    {"esvigil_slm_policy_next_execution_timestamp_seconds", {POL("nightly")}, NOW + 22 * 3600},
    {"esvigil_slm_policy_failing", {POL("nightly"), "reason", ""}, 0},
    {"esvigil_slm_policy_last_success_timestamp_seconds", {POL("archive")}, NOW - 30 * 3600},
    {"esvigil_slm_policy_last_failure_timestamp_seconds", {POL("archive")}, NOW - 2 * 3600},
    {"esvigil_slm_policy_failing", {POL("archive"), "snapshot", "archive-3"}, 1},
    /* never ran: no times, not failing */
    {"esvigil_slm_policy_last_success_timestamp_seconds", {POL("weekly-new")}, NAN},
    {"esvigil_slm_policy_last_failure_timestamp_seconds", {POL("weekly-new")}, NAN},
    {"esvigil_slm_policy_next_execution_timestamp_seconds", {POL("weekly-new")}, NOW + 70 * 3600},
    {"esvigil_slm_policy_failing", {POL("weekly-new")}, 0},
};

START_TEST(families)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        metric_set *s = parse_all(chunk, NULL);
        feed_check(s, expect, sizeof(expect) / sizeof(expect[0]));
        metric_set_free(s);
    }
}
END_TEST

START_TEST(failure_detail)
{
    slm *p;
    metric_set *s = parse_all(0, &p);
    ck_assert_str_eq(slm_operation_mode(p), "RUNNING");
    ck_assert_uint_eq(slm_policy_count(p), 3);
    size_t archive = 99;
    for (size_t i = 0; i < slm_policy_count(p); i++)
        if (strcmp(slm_policy_name(p, i), "archive") == 0)
            archive = i;
    ck_assert_uint_ne(archive, 99);
    ck_assert_int_eq(slm_policy_failing(p, archive), 1);
    ck_assert_ptr_nonnull(strstr(slm_policy_failure_detail(p, archive), "access denied"));
    const char *pairs[] = {POL("archive"), NULL};
    const metric_family *f = metric_set_find(s, "esvigil_slm_policy_failing");
    ck_assert_ptr_nonnull(f);
    int found = 0;
    for (size_t i = 0; i < metric_family_sample_count(f); i++)
        if (strcmp(metric_family_label_value(f, i, 1), "archive") == 0) {
            ck_assert_ptr_nonnull(strstr(metric_family_label_value(f, i, 3), "access denied"));
            found = 1;
        }
    ck_assert_int_eq(found, 1);
    (void)pairs;
    slm_free(p);
    metric_set_free(s);
}
END_TEST

/* A mode the reference does not list is exported as Elasticsearch spells it;
 * an empty status (as some 7.x answer) gives zeros. */
START_TEST(modes)
{
    static const struct {
        const char *doc, *mode;
        double running, mode_value;
    } cases[] = {
        {"{\"operation_mode\":\"PAUSED\"}", "PAUSED", 0, 1},
        {"{}", "STOPPED", 0, 0},
        {"{\"operation_mode\":\"STOPPED\"}", "STOPPED", 0, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        slm *p = slm_new();
        ck_assert_int_eq(slm_begin(p, SLM_STATUS), 0);
        ck_assert_int_eq(feed_doc(slm_feed, p, cases[i].doc, strlen(cases[i].doc), 0), 0);
        ck_assert_int_eq(slm_finish(p), 0);
        metric_set *s = metric_set_new();
        ck_assert_int_eq(slm_emit(p, s, "c1"), 0);
        const char *running[] = {"operation_mode", "RUNNING", NULL};
        const char *mode[] = {"operation_mode", cases[i].mode, NULL};
        ck_assert_double_eq(feed_value(s, SL "operation_mode", running), cases[i].running);
        ck_assert_double_eq(feed_value(s, SL "operation_mode", mode), cases[i].mode_value);
        metric_set_free(s);
        slm_free(p);
    }
}
END_TEST

START_TEST(bad_documents)
{
    static const struct {
        slm_doc doc;
        const char *body, *why;
    } bad[] = {
        {SLM_STATUS, "[]", "SLM status: the response is not a JSON object"},
        {SLM_STATS, "{\"retention_runs\":", "SLM stats"},
        {SLM_POLICY, "nope", "SLM policies"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        slm *p = slm_new();
        ck_assert_int_eq(slm_begin(p, bad[i].doc), 0);
        int rc = feed_doc(slm_feed, p, bad[i].body, strlen(bad[i].body), 0);
        if (rc == 0)
            rc = slm_finish(p);
        ck_assert_int_ne(rc, 0);
        ck_assert_msg(strncmp(slm_error(p), bad[i].why, strlen(bad[i].why)) == 0, "error: %s",
                      slm_error(p));
        slm_free(p);
    }
}
END_TEST

/* The shared real 7.15 answers, when present: stats parse, status is {}. */
START_TEST(real_responses)
{
    size_t len;
    char *doc = unit_slurp(unit_src("../shared/fixtures/es-responses/slm_stats_7.15.0.json"), &len);
    if (!doc)
        return;
    slm *p = slm_new();
    ck_assert_int_eq(slm_begin(p, SLM_STATS), 0);
    ck_assert_int_eq(feed_doc(slm_feed, p, doc, len, 0), 0);
    ck_assert_int_eq(slm_finish(p), 0);
    metric_set *s = metric_set_new();
    ck_assert_int_eq(slm_emit(p, s, "c"), 0);
    const char *everything[] = {"policy", "everything", NULL};
    ck_assert_double_eq(feed_value(s, SL "snapshots_taken_total", everything), 50);
    ck_assert_double_eq(feed_value(s, SL "retention_deletion_time_seconds", NULL), 72.491);
    metric_set_free(s);
    slm_free(p);
    free(doc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("slm");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, families);
    tcase_add_test(tc, failure_detail);
    tcase_add_test(tc, modes);
    tcase_add_test(tc, bad_documents);
    tcase_add_test(tc, real_responses);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
