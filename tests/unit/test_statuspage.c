/* test_statuspage: the page at /: findings as --check gives them, the poll,
 * each collector's last success across polls, escaping of hostile names, and
 * a page that needs nothing but itself. */
#include "statuspage.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "checktable.h"

static const metric_def def_success = {
    "esvigil_collector_success", METRIC_GAUGE, "test", {"collector", NULL}};

static statuspage_info info_at(double t)
{
    statuspage_info in = {.version = "1.2.3",
                          .es_url = "http://localhost:9200",
                          .telemetry_path = "/metrics",
                          .refresh_seconds = 15,
                          .finished_at = t,
                          .polls = 7,
                          .last_success = t};
    return in;
}

/* A poll with one heap finding on subject and collectors ok/failed. */
static void poll_result(collect_result *res, const char *subject, check_finding *f)
{
    memset(res, 0, sizeof(*res));
    res->es_up = 1;
    res->duration = 0.25;
    memset(f, 0, sizeof(*f));
    f->check = (size_t)checktable_find("heap_used");
    f->status = CHECK_CRITICAL;
    f->value = 0.91;
    f->threshold = 0.90;
    snprintf(f->subject, sizeof(f->subject), "%s", subject);
    res->checks.findings = f;
    res->checks.nfindings = 1;
    res->checks.evaluated = 42;
    res->checks.worst = CHECK_CRITICAL;
}

static char *render(statuspage_state *st, double t, const collect_result *res, int shards_ok)
{
    metric_set *set = metric_set_new();
    const char *ns[] = {"nodes_stats"}, *cs[] = {"cat_shards"};
    ck_assert_int_eq(metric_set_add(set, &def_success, ns, 1), 0);
    ck_assert_int_eq(metric_set_add(set, &def_success, cs, shards_ok), 0);
    statuspage_info in = info_at(t);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(statuspage_render(st, &in, set, res, &b), 0);
    metric_set_free(set);
    size_t len;
    return buf_steal(&b, &len);
}

START_TEST(test_finding_as_check_gives_it)
{
    statuspage_state *st = statuspage_state_new();
    collect_result res;
    check_finding f;
    poll_result(&res, "prod/es-data-1", &f);
    char *page = render(st, 1000, &res, 1);
    ck_assert_ptr_nonnull(strstr(page, "<tr class=\"finding CRITICAL\"><td class=\"severity\">"
                                       "CRITICAL</td><td class=\"check\">heap_used</td>"
                                       "<td class=\"subject\">prod/es-data-1</td>"
                                       "<td class=\"value\">91.0% &gt; 90.0%</td>"
                                       "<td class=\"seed\">003</td>"));
    ck_assert_ptr_nonnull(strstr(page, "hint: reduce indexing/search load"));
    ck_assert_ptr_nonnull(strstr(page, "id=\"worst\" class=\"banner CRITICAL\">CRITICAL<"));
    ck_assert_ptr_nonnull(strstr(page, "1 critical, 0 warning, 42 (check, subject)"));
    ck_assert_ptr_nonnull(strstr(page, "Finished 1970-01-01 00:16:40 UTC, took 0.250 s, polls so "
                                       "far: 7. Result: <b id=\"poll-result\">ok</b>"));
    ck_assert_ptr_nonnull(strstr(page, "<meta http-equiv=\"refresh\" content=\"15\">"));
    ck_assert_ptr_nonnull(strstr(page, "<a href=\"/metrics\">Metrics</a>"));
    ck_assert_ptr_nonnull(strstr(page, "<a href=\"/-/ready\">"));
    free(page);
    statuspage_state_free(st);
}
END_TEST

START_TEST(test_hostile_names_are_escaped)
{
    statuspage_state *st = statuspage_state_new();
    collect_result res;
    check_finding f;
    const char *evil = "c/<script>alert(1)</script><img src=x onerror='x'>\"&";
    poll_result(&res, evil, &f);
    res.es_up = 0;
    snprintf(res.es_error, sizeof(res.es_error), "node_info: <b>bad</b>");
    char *page = render(st, 1000, &res, 1);
    ck_assert_ptr_null(strstr(page, "<script"));
    ck_assert_ptr_null(strstr(page, "<img"));
    ck_assert_ptr_null(strstr(page, "<b>bad"));
    ck_assert_ptr_nonnull(strstr(page, "c/&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
                                       "onerror=&#39;x&#39;&gt;&quot;&amp;"));
    ck_assert_ptr_nonnull(strstr(page, "node_info: &lt;b&gt;bad&lt;/b&gt;"));
    free(page);
    statuspage_state_free(st);
}
END_TEST

START_TEST(test_collector_last_success_kept)
{
    statuspage_state *st = statuspage_state_new();
    collect_result res;
    check_finding f;
    poll_result(&res, "prod/es-data-1", &f);
    free(render(st, 1000, &res, 1));
    collect_failure *cf = &res.failures[res.nfailures++];
    snprintf(cf->collector, sizeof(cf->collector), "cat_shards");
    snprintf(cf->detail, sizeof(cf->detail), "GET /_cat/shards: HTTP 403 <forbidden>");
    char *page = render(st, 2000, &res, 0);
    ck_assert_ptr_nonnull(strstr(page, "<tr class=\"collector failed\"><td class=\"name\">"
                                       "cat_shards</td><td class=\"status\">failed</td>"
                                       "<td class=\"last-success\">1970-01-01 00:16:40 UTC</td>"
                                       "<td class=\"why\">GET /_cat/shards: HTTP 403 "
                                       "&lt;forbidden&gt;</td>"));
    ck_assert_ptr_nonnull(strstr(page, "<td class=\"name\">nodes_stats</td><td class=\"status\">"
                                       "ok</td><td class=\"last-success\">1970-01-01 00:33:20"));
    free(page);
    /* a poll where only node info ran (ES down) still lists the others */
    metric_set *set = metric_set_new();
    const char *ni[] = {"node_info"};
    ck_assert_int_eq(metric_set_add(set, &def_success, ni, 0), 0);
    statuspage_info in = info_at(4000);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(statuspage_render(st, &in, set, &res, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "<tr class=\"collector not-run\"><td class=\"name\">"
                                         "nodes_stats</td><td class=\"status\">not run</td>"
                                         "<td class=\"last-success\">1970-01-01 00:33:20 UTC"));
    ck_assert_ptr_nonnull(strstr(b.data, "node_info</td><td class=\"status\">failed</td>"
                                         "<td class=\"last-success\">never</td>"));
    buf_free(&b);
    metric_set_free(set);
    /* a collector that never succeeded says so */
    statuspage_state *fresh = statuspage_state_new();
    page = render(fresh, 3000, &res, 0);
    ck_assert_ptr_nonnull(strstr(page, "cat_shards</td><td class=\"status\">failed</td>"
                                       "<td class=\"last-success\">never</td>"));
    free(page);
    statuspage_state_free(fresh);
    statuspage_state_free(st);
}
END_TEST

START_TEST(test_no_findings_and_self_contained)
{
    statuspage_state *st = statuspage_state_new();
    collect_result res;
    check_finding f;
    poll_result(&res, "x", &f);
    res.checks.nfindings = 0;
    res.checks.worst = CHECK_OK;
    char *page = render(st, 1000, &res, 1);
    ck_assert_ptr_nonnull(strstr(page, "<p id=\"no-findings\">Every check is OK.</p>"));
    ck_assert_ptr_null(strstr(page, "id=\"findings\""));
    /* nothing to fetch and nothing to run */
    ck_assert_ptr_null(strstr(page, "<script"));
    ck_assert_ptr_null(strstr(page, "src="));
    ck_assert_ptr_null(strstr(page, "<link"));
    ck_assert_ptr_null(strstr(page, "url("));
    ck_assert_ptr_nonnull(strstr(page, "</body></html>\n"));
    free(page);
    statuspage_state_free(st);
}
END_TEST

/* Poll n of three: findings with a core failure's detail (0), ES down with only node info run
 * (1), nothing found (2). Findings are malloc'd: statuspage_poll_take takes them. */
static metric_set *poll_n(int n, collect_result *res)
{
    check_finding f;
    poll_result(res, n == 1 ? "cluster <prod>" : "prod/es-data-1", &f);
    res->checks.findings = malloc(sizeof(f));
    *res->checks.findings = f;
    res->checks.nfindings = n == 2 ? 0 : 1;
    res->es_up = n != 1;
    snprintf(res->es_error, sizeof(res->es_error), "%s", n == 1 ? "node_info: refused" : "");
    collect_failure *cf = &res->failures[res->nfailures++];
    snprintf(cf->collector, sizeof(cf->collector), n == 1 ? "node_info" : "cat_shards");
    snprintf(cf->detail, sizeof(cf->detail), "GET /x: HTTP 403 <no>");
    cf->core = n == 1;
    metric_set *set = metric_set_new();
    const char *names[][1] = {{"node_info"}, {"nodes_stats"}, {"cat_shards"}};
    for (int i = 0; i < (n == 1 ? 1 : 3); i++)
        ck_assert_int_eq(metric_set_add(set, &def_success, names[i], n != 1 && (i != 2 || n)), 0);
    return set;
}

/* The page kept by statuspage_poll_take and rendered after later polls moved the state on is
 * the one statuspage_render gave at the time, byte for byte; the poll's strings may go. */
START_TEST(test_kept_page_matches_eager)
{
    statuspage_state *eager = statuspage_state_new(), *lazy = statuspage_state_new();
    metric_set *sets[3];
    statuspage_poll *kept[3];
    char *want[3];
    for (int n = 0; n < 3; n++) {
        collect_result res;
        sets[n] = poll_n(n, &res);
        char url[64];
        snprintf(url, sizeof(url), "http://es-%d:9200", n);
        statuspage_info in = info_at(1000 + 10 * n);
        in.es_url = url;
        in.polls = (unsigned long)n + 1;
        buf b;
        buf_init(&b);
        ck_assert_int_eq(statuspage_render(eager, &in, sets[n], &res, &b), 0);
        size_t len;
        want[n] = buf_steal(&b, &len);
        kept[n] = statuspage_poll_take(lazy, &in, sets[n], &res);
        ck_assert_ptr_nonnull(kept[n]);
        ck_assert_ptr_null(res.checks.findings); /* taken */
        collect_result_free(&res);
        memset(url, 'x', sizeof(url) - 1);
    }
    for (int n = 0; n < 3; n++) {
        buf b;
        buf_init(&b);
        ck_assert_int_eq(statuspage_poll_render(kept[n], sets[n], &b), 0);
        ck_assert_str_eq(b.data, want[n]);
        buf_free(&b);
        statuspage_poll_free(kept[n]);
        metric_set_free(sets[n]);
        free(want[n]);
    }
    statuspage_state_free(eager);
    statuspage_state_free(lazy);
}
END_TEST

START_TEST(test_pending_page)
{
    statuspage_info in = info_at(0);
    in.es_url = "http://<es>:9200";
    in.refresh_seconds = 0;
    buf b;
    buf_init(&b);
    ck_assert_int_eq(statuspage_render_pending(&in, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "not finished yet"));
    ck_assert_ptr_nonnull(strstr(b.data, "http://&lt;es&gt;:9200"));
    ck_assert_ptr_nonnull(strstr(b.data, "content=\"1\""));
    buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("statuspage");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_finding_as_check_gives_it);
    tcase_add_test(tc, test_hostile_names_are_escaped);
    tcase_add_test(tc, test_collector_last_success_kept);
    tcase_add_test(tc, test_no_findings_and_self_contained);
    tcase_add_test(tc, test_kept_page_matches_eager);
    tcase_add_test(tc, test_pending_page);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
