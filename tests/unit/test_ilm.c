/* test_ilm: ILM status and explain, ISM explain, against the generated
 * fixtures: the reference's families, indices in the ERROR step and failed
 * ISM actions with their reasons, bad documents. */
#include <math.h>

#include "feed.h"
#include "ilm.h"

#define FIX "tests/fixtures/lifecycle/"

static metric_set *parse(ilm_doc doc, const char *rel, size_t chunk, ilm **out)
{
    metric_set *s = metric_set_new();
    ilm *p = ilm_new(s, "c1");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(ilm_begin(p, doc), 0);
    ck_assert_int_eq(feed_file(ilm_feed, p, rel, chunk), 0);
    ck_assert_msg(ilm_finish(p) == 0, "%s: %s", rel, ilm_error(p));
    if (out)
        *out = p;
    else
        ilm_free(p);
    return s;
}

static const feed_expect explain[] = {
    {"elasticsearch_ilm_index_status", {"index", "customers", "phase", "", "step", ""}, 0},
    {"elasticsearch_ilm_index_status",
     {"index", "logs-app-2024.05.21", "phase", "hot", "step", "check-rollover-ready"},
     1},
    {"elasticsearch_ilm_index_status",
     {"index", "logs-app-2024.05.20", "action", "shrink", "step", "ERROR"},
     1},
    {"elasticsearch_ilm_index_status", {"index", "orders-2024", "step", "complete"}, 1},
    {"esvigil_ilm_index_error",
     {"cluster", "c1", "index", "logs-app-2024.05.20", "step", "shrink"},
     1},
    {"esvigil_ilm_index_error", {"index", "logs-app-2024.05.21"}, NAN},
    {"esvigil_ilm_index_error", {"index", "orders-2024"}, NAN},
    {"esvigil_ilm_error_indices", {"cluster", "c1"}, 1},
};

static const feed_expect ism[] = {
    {"esvigil_ism_index_failed", {"cluster", "c1", "index", "logs-os-1", "action", "rollover"}, 1},
    {"esvigil_ism_index_failed", {"policy", "rollover-logs", "step", "attempt_rollover"}, 1},
    {"esvigil_ism_index_failed", {"index", "logs-os-2"}, NAN},
    {"esvigil_ism_failed_indices", {"cluster", "c1"}, 1},
    {"esvigil_ism_managed_indices", {"cluster", "c1"}, 2},
};

START_TEST(ilm_explain)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        ilm *p;
        metric_set *s = parse(ILM_EXPLAIN, FIX "ilm_explain.json", chunk, &p);
        feed_check(s, explain, sizeof(explain) / sizeof(explain[0]));
        ck_assert_uint_eq(ilm_index_count(p), 4);
        ck_assert_uint_eq(ilm_error_count(p), 1);
        ilm_free(p);
        metric_set_free(s);
    }
}
END_TEST

/* The reason ES gave is a label of the error sample, for --check. */
START_TEST(ilm_reason)
{
    metric_set *s = parse(ILM_EXPLAIN, FIX "ilm_explain.json", 0, NULL);
    const metric_family *f = metric_set_find(s, "esvigil_ilm_index_error");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(metric_family_sample_count(f), 1);
    ck_assert_str_eq(metric_family_label_name(f, 4), "reason");
    ck_assert_ptr_nonnull(strstr(metric_family_label_value(f, 0, 4), "cannot be shrunk"));
    ck_assert_str_eq(metric_family_label_value(f, 0, 2), "logs");
    metric_set_free(s);
}
END_TEST

START_TEST(ism_explain)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        ilm *p;
        metric_set *s = parse(ISM_EXPLAIN, FIX "ism_explain.json", chunk, &p);
        feed_check(s, ism, sizeof(ism) / sizeof(ism[0]));
        ck_assert_uint_eq(ilm_failed_count(p), 1);
        const metric_family *f = metric_set_find(s, "esvigil_ism_index_failed");
        ck_assert_ptr_nonnull(strstr(metric_family_label_value(f, 0, 5), "rollover_alias"));
        ilm_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(status_modes)
{
    static const struct {
        const char *doc, *mode;
        double v;
    } cases[] = {
        {"{\"operation_mode\":\"RUNNING\"}", "RUNNING", 1},
        {"{\"operation_mode\":\"RUNNING\"}", "STOPPED", 0},
        {"{\"operation_mode\":\"PAUSED\"}", "PAUSED", 1},
        {"{\"operation_mode\":\"PAUSED\"}", "RUNNING", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        metric_set *s = metric_set_new();
        ilm *p = ilm_new(s, "c1");
        ck_assert_int_eq(ilm_begin(p, ILM_STATUS), 0);
        ck_assert_int_eq(feed_doc(ilm_feed, p, cases[i].doc, strlen(cases[i].doc), 0), 0);
        ck_assert_int_eq(ilm_finish(p), 0);
        const char *pairs[] = {"operation_mode", cases[i].mode, NULL};
        ck_assert_double_eq(feed_value(s, "elasticsearch_ilm_status", pairs), cases[i].v);
        ilm_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(bad_documents)
{
    static const struct {
        ilm_doc doc;
        const char *body, *label;
    } bad[] = {
        {ILM_STATUS, "[\"RUNNING\"]", "ILM status"},
        {ILM_EXPLAIN, "{\"indices\":{\"a\":{", "ILM explain"},
        {ISM_EXPLAIN, "<html>", "ISM explain"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        metric_set *s = metric_set_new();
        ilm *p = ilm_new(s, "c1");
        ck_assert_int_eq(ilm_begin(p, bad[i].doc), 0);
        int rc = feed_doc(ilm_feed, p, bad[i].body, strlen(bad[i].body), 0);
        if (rc == 0)
            rc = ilm_finish(p);
        ck_assert_int_ne(rc, 0);
        ck_assert_msg(strncmp(ilm_error(p), bad[i].label, strlen(bad[i].label)) == 0, "%s",
                      ilm_error(p));
        ilm_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(real_responses)
{
    size_t len;
    char *doc =
        unit_slurp(unit_src("../shared/fixtures/es-responses/ilm_indices_6.6.0.json"), &len);
    if (!doc)
        return;
    metric_set *s = metric_set_new();
    ilm *p = ilm_new(s, "c");
    ck_assert_int_eq(ilm_begin(p, ILM_EXPLAIN), 0);
    ck_assert_int_eq(feed_doc(ilm_feed, p, doc, len, 0), 0);
    ck_assert_int_eq(ilm_finish(p), 0);
    const char *fb[] = {"index", "facebook", "phase", "new", "action", "complete", NULL};
    const char *tw[] = {"index", "twitter", NULL};
    ck_assert_double_eq(feed_value(s, "elasticsearch_ilm_index_status", fb), 1);
    ck_assert_double_eq(feed_value(s, "elasticsearch_ilm_index_status", tw), 0);
    ilm_free(p);
    metric_set_free(s);
    free(doc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ilm");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ilm_explain);
    tcase_add_test(tc, ilm_reason);
    tcase_add_test(tc, ism_explain);
    tcase_add_test(tc, status_modes);
    tcase_add_test(tc, bad_documents);
    tcase_add_test(tc, real_responses);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
