/* test_backupchecks: the backup and lifecycle rows of the check table on
 * what the parsers make of the generated fixtures: levels, subjects, the
 * detail in Elasticsearch's words, overrides, and the --check report. */
#include <math.h>

#include "checkreport.h"
#include "checks.h"
#include "feed.h"
#include "healthreport.h"
#include "ilm.h"
#include "pendingtasks.h"
#include "slm.h"
#include "snapstats.h"

#define NOW 1716286800.0
#define FIX "tests/fixtures/lifecycle/"

static void add_listing(metric_set *s, const char *repo)
{
    char rel[128];
    snprintf(rel, sizeof(rel), FIX "snapshots_%s.json", repo);
    snapstats_list *p = snapstats_list_new();
    ck_assert_int_eq(feed_file(snapstats_list_feed, p, rel, 0), 0);
    ck_assert_int_eq(snapstats_list_finish(p), 0);
    ck_assert_int_eq(snapstats_list_emit(p, s, "c1", repo, NOW), 0);
    snapstats_list_free(p);
}

static void add_slm(metric_set *s)
{
    static const struct {
        slm_doc doc;
        const char *file;
    } docs[] = {{SLM_STATUS, FIX "slm_status.json"},
                {SLM_STATS, FIX "slm_stats.json"},
                {SLM_POLICY, FIX "slm_policy.json"}};
    slm *p = slm_new();
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(slm_begin(p, docs[i].doc), 0);
        ck_assert_int_eq(feed_file(slm_feed, p, docs[i].file, 0), 0);
        ck_assert_int_eq(slm_finish(p), 0);
    }
    ck_assert_int_eq(slm_emit(p, s, "c1"), 0);
    slm_free(p);
}

static void add_ilm(metric_set *s, ilm_doc doc, const char *file)
{
    ilm *p = ilm_new(s, "c1");
    ck_assert_int_eq(ilm_begin(p, doc), 0);
    ck_assert_int_eq(feed_file(ilm_feed, p, file, 0), 0);
    ck_assert_int_eq(ilm_finish(p), 0);
    ilm_free(p);
}

static metric_set *fixture_set(void)
{
    metric_set *s = metric_set_new();
    static const char *const repos[] = {"nightly", "s3-archive", "broken", "empty"};
    for (size_t i = 0; i < 4; i++)
        add_listing(s, repos[i]);
    add_slm(s);
    add_ilm(s, ILM_EXPLAIN, FIX "ilm_explain.json");
    add_ilm(s, ISM_EXPLAIN, FIX "ism_explain.json");
    healthreport *h = healthreport_new(s, "c1");
    ck_assert_int_eq(feed_file(healthreport_feed, h, FIX "health_report.json", 0), 0);
    ck_assert_int_eq(healthreport_finish(h), 0);
    healthreport_free(h);
    pendingtasks *pt = pendingtasks_new(s, "c1");
    ck_assert_int_eq(feed_file(pendingtasks_feed, pt, FIX "pending_tasks.json", 0), 0);
    ck_assert_int_eq(pendingtasks_finish(pt), 0);
    pendingtasks_free(pt);
    return s;
}

static const check_finding *find(const checks_result *r, const char *check, const char *subject)
{
    for (size_t i = 0; i < r->nfindings; i++)
        if (strcmp(checks_name(r->findings[i].check), check) == 0 &&
            strcmp(r->findings[i].subject, subject) == 0)
            return &r->findings[i];
    return NULL;
}

/* check, subject, status (CHECK_OK: no finding), a piece of the detail */
static const struct {
    const char *check, *subject;
    check_status status;
    const char *detail;
} expect[] = {
    {"snapshot_stale", "c1 repository=s3-archive", CHECK_WARNING, ""},
    {"snapshot_stale", "c1 repository=broken", CHECK_CRITICAL, ""},
    {"snapshot_stale", "c1 repository=nightly", CHECK_OK, NULL},
    {"snapshot_stale", "c1 repository=empty", CHECK_OK, NULL},
    {"snapshot_failed", "c1 repository=s3-archive", CHECK_WARNING,
     "snapshot=archive-3 state=FAILED"},
    {"snapshot_failed", "c1 repository=broken", CHECK_OK, NULL},
    {"slm_failing", "c1 policy=archive", CHECK_WARNING,
     "reason={\"type\":\"repository_exception\""},
    {"slm_failing", "c1 policy=nightly", CHECK_OK, NULL},
    {"slm_failing", "c1 policy=weekly-new", CHECK_OK, NULL},
    {"ilm_error", "c1 index=logs-app-2024.05.20", CHECK_WARNING,
     "policy=logs step=shrink reason=index [logs-app-2024.05.20] cannot be shrunk"},
    {"ism_failed", "c1 index=logs-os-1", CHECK_WARNING,
     "policy=rollover-logs action=rollover step=attempt_rollover reason=Missing rollover_alias"},
    {"ism_failed", "c1 index=logs-os-2", CHECK_OK, NULL},
    {"pending_tasks", "c1", CHECK_CRITICAL, ""},
    {"pending_tasks_count", "c1", CHECK_OK, NULL},
    {"health_report", "lifecycle-test indicator=shards_availability", CHECK_CRITICAL,
     "status=red symptom=This cluster has 1 unavailable primary shard"},
    {"health_report", "lifecycle-test indicator=disk", CHECK_WARNING, "status=yellow"},
    {"health_report", "lifecycle-test indicator=slm", CHECK_WARNING,
     "symptom=Encountered [1] unhealthy"},
    {"health_report", "lifecycle-test indicator=file_settings", CHECK_OK, NULL},
    {"health_report", "lifecycle-test indicator=master_is_stable", CHECK_OK, NULL},
};

START_TEST(findings)
{
    metric_set *s = fixture_set();
    checks_thresholds *t = checks_thresholds_new();
    checks_result r;
    ck_assert_int_eq(checks_evaluate(s, t, NULL, NULL, NULL, &r), 0);
    const check_finding *f = find(&r, expect[_i].check, expect[_i].subject);
    if (expect[_i].status == CHECK_OK) {
        ck_assert_msg(f == NULL, "%s %s: unexpected %s", expect[_i].check, expect[_i].subject,
                      f ? check_status_name(f->status) : "");
    } else {
        ck_assert_msg(f != NULL, "%s %s: no finding", expect[_i].check, expect[_i].subject);
        ck_assert_int_eq(f->status, expect[_i].status);
        ck_assert_msg(strstr(f->detail, expect[_i].detail) != NULL, "detail: %s", f->detail);
    }
    checks_result_free(&r);
    checks_thresholds_free(t);
    metric_set_free(s);
}
END_TEST

/* Thresholds are overridable like every check's: 31 h warning moves s3-archive
 * (30 h) back to OK; 800 s critical leaves the 842 s pending task critical. */
START_TEST(overrides)
{
    metric_set *s = fixture_set();
    checks_thresholds *t = checks_thresholds_new();
    t->warning[checks_find("snapshot_stale")] = 31 * 3600;
    t->critical[checks_find("pending_tasks")] = 900;
    t->warning[checks_find("pending_tasks_count")] = 3;
    checks_result r;
    ck_assert_int_eq(checks_evaluate(s, t, NULL, NULL, NULL, &r), 0);
    ck_assert_ptr_null(find(&r, "snapshot_stale", "c1 repository=s3-archive"));
    ck_assert_int_eq(find(&r, "pending_tasks", "c1")->status, CHECK_WARNING);
    ck_assert_int_eq(find(&r, "pending_tasks_count", "c1")->status, CHECK_WARNING);
    checks_result_free(&r);
    checks_thresholds_free(t);
    metric_set_free(s);
}
END_TEST

START_TEST(report)
{
    metric_set *s = fixture_set();
    checks_thresholds *t = checks_thresholds_new();
    checks_result r;
    ck_assert_int_eq(checks_evaluate(s, t, NULL, NULL, NULL, &r), 0);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkreport_render(&r, NULL, 0, &b), 0);
    static const char *const lines[] = {
        "\nCRITICAL snapshot_stale c1 repository=broken: +Inf > 50.0h - ",
        "\nWARNING snapshot_stale c1 repository=s3-archive: 30.0h > 26.0h - ",
        "\nCRITICAL pending_tasks c1: 14.0m > 10.0m - ",
        "\n  es: policy=logs step=shrink reason=index [logs-app-2024.05.20] cannot be shrunk: 3 "
        "primary shards on 2 nodes\n",
        "\n  es: snapshot=archive-3 state=FAILED\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        ck_assert_msg(strstr(b.data, lines[i]) != NULL, "no %s in:\n%s", lines[i], b.data);
    buf_free(&b);
    checks_result_free(&r);
    checks_thresholds_free(t);
    metric_set_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("backupchecks");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, findings, 0, sizeof(expect) / sizeof(expect[0]));
    tcase_add_test(tc, overrides);
    tcase_add_test(tc, report);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
