/* test_checks: thresholds, the crit guard, counter checks, selectors, the
 * esvigil_check_status samples, the --check report and the rule text. */
#include "unit.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "checkreport.h"
#include "checkrules.h"
#include "checks.h"

static metric_def node_def(const char *name)
{
    metric_def d = {name, METRIC_GAUGE, "test", {"cluster", "name", NULL}};
    return d;
}

static void node(metric_set *s, const char *family, const char *name, double v)
{
    metric_def d = node_def(family);
    const char *vals[] = {"prod", name};
    ck_assert_int_eq(metric_set_add(s, &d, vals, v), 0);
}

static void host(metric_set *s, const char *family, double v)
{
    metric_def d = {family, METRIC_GAUGE, "test", {NULL}};
    ck_assert_int_eq(metric_set_add(s, &d, NULL, v), 0);
}

static void labelled(metric_set *s, const char *family, const char *label, const char *value,
                     double v)
{
    metric_def d = {family, METRIC_GAUGE, "test", {"cluster", "name", label, NULL}};
    const char *vals[] = {"prod", "es-1", value};
    ck_assert_int_eq(metric_set_add(s, &d, vals, v), 0);
}

static const check_finding *finding(const checks_result *r, const char *check)
{
    int row = checks_find(check);
    ck_assert_int_ge(row, 0);
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].check == (size_t)row)
            return &r->findings[i];
    return NULL;
}

static checks_result eval(const metric_set *s, checks_state *st, metric_set *out)
{
    checks_thresholds *t = checks_thresholds_new();
    checks_context ctx = {"prod", "es-1"};
    checks_result r;
    ck_assert_int_eq(checks_evaluate(s, t, &ctx, st, out, &r), 0);
    checks_thresholds_free(t);
    return r;
}

START_TEST(test_defaults_from_table)
{
    checks_thresholds *t = checks_thresholds_new();
    int heap = checks_find("heap_used");
    ck_assert_int_ge(heap, 0);
    ck_assert_double_eq(t->warning[heap], 0.80);
    ck_assert_double_eq(t->critical[heap], 0.90);
    int mm = checks_find("max_map_count_low");
    ck_assert_double_eq(t->warning[mm], 262144);
    ck_assert(isnan(t->critical[mm]));
    ck_assert_int_eq(checks_find("no_such_check"), -1);
    ck_assert_uint_eq(t->count, checks_count());
    checks_thresholds_free(t);
}
END_TEST

START_TEST(test_heap_levels)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_heap_used_ratio", "es-crit", 0.91);
    node(s, "esvigil_heap_used_ratio", "es-warn", 0.85);
    node(s, "esvigil_heap_used_ratio", "es-ok", 0.50);
    metric_set *out = metric_set_new();
    checks_result r = eval(s, NULL, out);
    ck_assert_uint_eq(r.nfindings, 2);
    ck_assert_int_eq(r.worst, CHECK_CRITICAL);
    ck_assert_int_eq(r.findings[0].status, CHECK_CRITICAL);
    ck_assert_str_eq(r.findings[0].subject, "prod/es-crit");
    ck_assert_double_eq(r.findings[0].threshold, 0.90);
    ck_assert_int_eq(r.findings[1].status, CHECK_WARNING);
    double v;
    const char *ok[] = {"check", "heap_used", "name", "es-ok", NULL};
    ck_assert(metric_set_lookup(out, "esvigil_check_status", ok, &v));
    ck_assert_double_eq(v, 0);
    const char *crit[] = {"check", "heap_used", "name", "es-crit", "severity", "critical", NULL};
    ck_assert(metric_set_lookup(out, "esvigil_check_status", crit, &v));
    ck_assert_double_eq(v, 2);
    checks_result_free(&r);
    metric_set_free(out);
    metric_set_free(s);
}
END_TEST

/* Seed 000: mapped segment files beyond RAM are normal on mmapfs; a finding
 * needs evidence of the leak, critical needs real pressure. */
START_TEST(test_mapped_needs_evidence)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 1.5); /* healthy ES 8 data node */
    host(s, "esvigil_host_memory_used_ratio", 0.55);
    host(s, "esvigil_host_deleted_mapped_ratio", 0);
    node(s, "esvigil_scroll_contexts_ratio", "es-1", 0.02);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_ptr_null(finding(&r, "mapped_buffers"));
    ck_assert_uint_eq(r.nfindings, 0);
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new(); /* deleted segment files mapped: warning */
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 2.75);
    host(s, "esvigil_host_memory_used_ratio", 0.60);
    host(s, "esvigil_host_deleted_mapped_ratio", 0.05);
    r = eval(s, NULL, NULL);
    ck_assert_int_eq(finding(&r, "mapped_buffers")->status, CHECK_WARNING);
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new();
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 2.75);
    host(s, "esvigil_host_memory_used_ratio", 0.60);
    host(s, "esvigil_host_deleted_mapped_ratio", 0.20);
    r = eval(s, NULL, NULL);
    ck_assert_int_eq(finding(&r, "mapped_buffers")->status, CHECK_CRITICAL);
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new();
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 0.7);
    host(s, "esvigil_host_memory_used_ratio", 0.99);
    r = eval(s, NULL, NULL);
    ck_assert_int_eq(finding(&r, "mapped_buffers")->status, CHECK_CRITICAL);
    ck_assert_int_eq(finding(&r, "host_memory")->status, CHECK_WARNING);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

/* In cluster mode the host says nothing about other nodes: a remote node
 * warns only on what is seen remotely (its scroll contexts), never critical. */
START_TEST(test_mapped_remote_nodes)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 0.7);
    node(s, "esvigil_mapped_buffers_ratio", "es-2", 6.2);
    node(s, "esvigil_mapped_buffers_ratio", "es-3", 0.9);
    node(s, "esvigil_scroll_contexts_ratio", "es-3", 0.7);
    host(s, "esvigil_host_memory_used_ratio", 0.99);
    checks_result r = eval(s, NULL, NULL); /* local node: es-1 */
    size_t mapped = 0;
    for (size_t i = 0; i < r.nfindings; i++) {
        const check_finding *f = &r.findings[i];
        if (strcmp(checks_name(f->check), "mapped_buffers") != 0)
            continue;
        mapped++;
        ck_assert_msg(strcmp(f->subject, "prod/es-2") != 0, "mapped/RAM alone is no finding");
        ck_assert_int_eq(f->status,
                         strcmp(f->subject, "prod/es-1") == 0 ? CHECK_CRITICAL : CHECK_WARNING);
    }
    ck_assert_uint_eq(mapped, 2);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

/* A ratio of counts needs a minimum size: 2 docs half deleted is nothing. */
START_TEST(test_minimum_size)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_deleted_docs_ratio", "es-1", 0.5);
    node(s, "elasticsearch_indices_docs", "es-1", 2);
    node(s, "esvigil_deleted_docs_ratio", "es-2", 0.34);
    node(s, "elasticsearch_indices_docs", "es-2", 5e6);
    node(s, "esvigil_deleted_docs_ratio", "es-3", 0.9); /* size unknown: no finding */
    checks_result r = eval(s, NULL, NULL);
    ck_assert_uint_eq(r.nfindings, 1);
    ck_assert_str_eq(r.findings[0].subject, "prod/es-2");
    checks_result_free(&r);

    checks_thresholds *t = checks_thresholds_new();
    int row = checks_find("deleted_docs");
    ck_assert_double_eq(t->minimum[row], 100000);
    t->minimum[row] = NAN; /* checks.deleted_docs.minimum: off */
    checks_context ctx = {"prod", "es-1"};
    ck_assert_int_eq(checks_evaluate(s, t, &ctx, NULL, NULL, &r), 0);
    ck_assert_uint_eq(r.nfindings, 3);
    checks_result_free(&r);
    checks_thresholds_free(t);
    metric_set_free(s);
}
END_TEST

/* Seed 003 as ES >= 7.9 measures it: in-flight indexing bytes vs the limit. */
START_TEST(test_indexing_pressure_levels)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_indexing_pressure_ratio", "es-ok", 0.5);
    node(s, "esvigil_indexing_pressure_ratio", "es-warn", 0.7);
    node(s, "esvigil_indexing_pressure_ratio", "es-crit", 0.85);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_uint_eq(r.nfindings, 2);
    ck_assert_int_eq(r.findings[0].status, CHECK_CRITICAL);
    ck_assert_str_eq(r.findings[0].subject, "prod/es-crit");
    ck_assert_int_eq(r.findings[1].status, CHECK_WARNING);
    ck_assert_str_eq(checks_name(r.findings[1].check), "indexing_pressure");
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

/* Imbalance of tiny numbers (4 shards against 1) is no finding: the mean of
 * the dimension must reach the minimum. */
START_TEST(test_imbalance_minimum)
{
    metric_set *s = metric_set_new();
    metric_def ratio = {
        "esvigil_imbalance_ratio", METRIC_GAUGE, "t", {"cluster", "dimension", NULL}};
    metric_def mean = {"esvigil_imbalance_mean", METRIC_GAUGE, "t", {"cluster", "dimension", NULL}};
    const char *tiny[] = {"tiny", "shards"}, *big[] = {"big", "shards"};
    ck_assert_int_eq(metric_set_add(s, &ratio, tiny, 1.6), 0);
    ck_assert_int_eq(metric_set_add(s, &mean, tiny, 2.5), 0);
    ck_assert_int_eq(metric_set_add(s, &ratio, big, 2.08), 0);
    ck_assert_int_eq(metric_set_add(s, &mean, big, 4.33), 0);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_uint_eq(r.nfindings, 1);
    ck_assert_str_eq(r.findings[0].subject, "big dimension=shards");
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

/* A node name longer than a finding's subject is cut to fit, NUL-terminated, as printf's
 * bounded writes cut it. */
START_TEST(test_long_subject_cut)
{
    char name[400], want[sizeof(((check_finding *)0)->subject)];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    metric_set *s = metric_set_new();
    node(s, "esvigil_heap_used_ratio", name, 0.95);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_uint_eq(r.nfindings, 1);
    memcpy(want, "prod/", 5);
    memcpy(want + 5, name, sizeof(want) - 6);
    want[sizeof(want) - 1] = '\0';
    ck_assert_str_eq(r.findings[0].subject, want);
    ck_assert_uint_eq(strlen(r.findings[0].subject), sizeof(want) - 1);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

START_TEST(test_counter_checks_need_a_rise)
{
    checks_state *st = checks_state_new();
    metric_set *s = metric_set_new();
    labelled(s, "elasticsearch_breakers_tripped", "breaker", "parent", 7);
    checks_result r = eval(s, st, NULL);
    ck_assert_ptr_null(finding(&r, "breaker_trips")); /* first sight: no previous value */
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new();
    labelled(s, "elasticsearch_breakers_tripped", "breaker", "parent", 9);
    r = eval(s, st, NULL);
    const check_finding *f = finding(&r, "breaker_trips");
    ck_assert_ptr_nonnull(f);
    ck_assert_double_eq(f->value, 2);
    ck_assert_str_eq(f->subject, "prod/es-1 breaker=parent");
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new(); /* no rise */
    labelled(s, "elasticsearch_breakers_tripped", "breaker", "parent", 9);
    r = eval(s, st, NULL);
    ck_assert_ptr_null(finding(&r, "breaker_trips"));
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new(); /* restart: counter went down, not a trip */
    labelled(s, "elasticsearch_breakers_tripped", "breaker", "parent", 1);
    r = eval(s, st, NULL);
    ck_assert_ptr_null(finding(&r, "breaker_trips"));
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new(); /* the series vanishes, then returns: first sight again */
    r = eval(s, st, NULL);
    checks_result_free(&r);
    metric_set_free(s);
    s = metric_set_new();
    labelled(s, "elasticsearch_breakers_tripped", "breaker", "parent", 50);
    r = eval(s, st, NULL);
    ck_assert_ptr_null(finding(&r, "breaker_trips"));
    checks_result_free(&r);
    metric_set_free(s);
    checks_state_free(st);
}
END_TEST

START_TEST(test_selectors)
{
    metric_set *s = metric_set_new();
    metric_def health = {
        "elasticsearch_cluster_health_status", METRIC_GAUGE, "t", {"cluster", "color", NULL}};
    const char *green[] = {"prod", "green"}, *yellow[] = {"prod", "yellow"},
               *red[] = {"prod", "red"};
    metric_set_add(s, &health, green, 0);
    metric_set_add(s, &health, yellow, 1);
    metric_set_add(s, &health, red, 0);
    labelled(s, "esvigil_disk_watermark_headroom_bytes", "watermark", "low", -5e9);
    labelled(s, "esvigil_disk_watermark_headroom_bytes", "watermark", "high", 2e9);
    labelled(s, "esvigil_disk_watermark_headroom_bytes", "watermark", "flood_stage", 9e9);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_int_eq(finding(&r, "cluster_yellow")->status, CHECK_WARNING);
    ck_assert_str_eq(finding(&r, "cluster_yellow")->subject, "prod");
    ck_assert_ptr_null(finding(&r, "cluster_red"));
    ck_assert_int_eq(finding(&r, "disk_low_watermark")->status, CHECK_WARNING);
    ck_assert_ptr_null(finding(&r, "disk_high_watermark"));
    ck_assert_ptr_null(finding(&r, "disk_flood_stage"));
    ck_assert_uint_eq(r.nfindings, 2);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

START_TEST(test_healthy_set_has_no_findings)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_heap_used_ratio", "es-1", 0.45);
    node(s, "esvigil_mapped_buffers_ratio", "es-1", 0.10);
    host(s, "esvigil_host_memory_used_ratio", 0.40);
    host(s, "esvigil_host_vm_map_areas_max", 262144);
    host(s, "esvigil_up", 1);
    labelled(s, "esvigil_breaker_ratio", "breaker", "parent", 0.3);
    checks_result r = eval(s, NULL, NULL);
    ck_assert_uint_eq(r.nfindings, 0);
    ck_assert_uint_eq(r.evaluated, 6);
    ck_assert_int_eq(r.worst, CHECK_OK);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

START_TEST(test_report)
{
    metric_set *s = metric_set_new();
    node(s, "esvigil_heap_used_ratio", "es-1", 0.91);
    checks_result r = eval(s, NULL, NULL);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkreport_render(&r, NULL, 0, &b), 0);
    ck_assert_msg(strncmp(b.data, "ESVIGIL CRITICAL - 1 critical, 0 warning", 40) == 0, "%s",
                  b.data);
    ck_assert_ptr_nonnull(strstr(b.data, "CRITICAL heap_used prod/es-1: 91.0% > 90.0% [seed 003]"));
    ck_assert_ptr_nonnull(strstr(b.data, "  hint: "));
    buf_reset(&b);
    checks_result_free(&r);
    metric_set_free(s);

    s = metric_set_new();
    r = eval(s, NULL, NULL);
    ck_assert_int_eq(checkreport_render(&r, NULL, 0, &b), 0);
    ck_assert_msg(strncmp(b.data, "ESVIGIL OK - 0 critical, 0 warning", 34) == 0, "%s", b.data);
    buf_free(&b);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

static size_t count_lines(const char *text, const char *prefix)
{
    size_t n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

static void collector(metric_set *s, const char *name, double ok)
{
    metric_def d = {"esvigil_collector_success", METRIC_GAUGE, "test", {"collector", NULL}};
    const char *vals[] = {name};
    ck_assert_int_eq(metric_set_add(s, &d, vals, ok), 0);
}

static const checkreport_detail details[] = {
    {"es_unreachable", NULL, NULL, "nodes_stats: GET /_nodes/_local/stats: connection refused"},
    {"collector_failed", "collector", "nodes_stats", "nodes_stats: connection refused"},
    {"collector_failed", "collector", "cat_shards",
     "cat_shards: GET /_cat/shards: HTTP 403 forbidden, missing privilege: monitor"},
};

/* ES down: one critical line carrying why, counted once; the collectors that
 * failed with it are not findings of their own. */
START_TEST(test_report_es_down_once)
{
    metric_set *s = metric_set_new();
    host(s, "esvigil_up", 0);
    collector(s, "node_info", 0);
    collector(s, "nodes_stats", 0);
    checks_result r = eval(s, NULL, NULL);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkreport_render(&r, details, 3, &b), 0);
    ck_assert_msg(strncmp(b.data, "ESVIGIL CRITICAL - 1 critical, 0 warning", 40) == 0, "%s",
                  b.data);
    ck_assert_uint_eq(count_lines(b.data, "CRITICAL "), 1);
    ck_assert_uint_eq(count_lines(b.data, "WARNING "), 0);
    ck_assert_msg(strstr(b.data, "CRITICAL es_unreachable prod/es-1: 0 < 1 - esvigil cannot poll "
                                 "Elasticsearch\n  detail: nodes_stats: GET "
                                 "/_nodes/_local/stats: connection refused\n  hint: "),
                  "%s", b.data);
    buf_free(&b);
    checks_result_free(&r);
    metric_set_free(s);
}
END_TEST

/* One forbidden endpoint: ES is up, a warning names the endpoint and why. */
START_TEST(test_report_forbidden_collector)
{
    metric_set *s = metric_set_new();
    host(s, "esvigil_up", 1);
    collector(s, "nodes_stats", 1);
    collector(s, "cat_shards", 0);
    metric_set *out = metric_set_new();
    checks_result r = eval(s, NULL, out);
    ck_assert_int_eq(r.worst, CHECK_WARNING);
    ck_assert_uint_eq(r.nfindings, 1);
    const char *pairs[] = {"check", "collector_failed", "subject", "collector=cat_shards", NULL};
    double v = -1;
    ck_assert(metric_set_lookup(out, "esvigil_check_status", pairs, &v));
    ck_assert_double_eq(v, 1);
    const char *ok_pairs[] = {
        "check", "collector_failed", "subject", "collector=nodes_stats", "name", "es-1", NULL};
    ck_assert(metric_set_lookup(out, "esvigil_check_status", ok_pairs, &v));
    ck_assert_double_eq(v, 0);
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkreport_render(&r, details, 3, &b), 0);
    ck_assert_msg(strncmp(b.data, "ESVIGIL WARNING - 0 critical, 1 warning", 39) == 0, "%s",
                  b.data);
    ck_assert_msg(strstr(b.data, "WARNING collector_failed prod/es-1 collector=cat_shards: 0 < 1"),
                  "%s", b.data);
    ck_assert_msg(strstr(b.data, "\n  detail: cat_shards: GET /_cat/shards: HTTP 403 forbidden, "
                                 "missing privilege: monitor\n"),
                  "%s", b.data);
    ck_assert_uint_eq(count_lines(b.data, "  detail: "), 1);
    buf_free(&b);
    checks_result_free(&r);
    metric_set_free(out);
    metric_set_free(s);
}
END_TEST

/* The rule says what the evaluation does: silent while ES is down as a whole. */
START_TEST(test_collector_failed_rule)
{
    checks_thresholds *t = checks_thresholds_new();
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkrules_render(t, &b), 0);
    ck_assert_msg(strstr(b.data, "expr: \"max by (instance, collector) (esvigil_collector_success) "
                                 "< 1 and on (instance) (esvigil_up > 0)\"\n"),
                  "%s", b.data);
    buf_free(&b);
    checks_thresholds_free(t);
}
END_TEST

/* The poller evaluates while a reload renders the rules: nothing in either
 * may share mutable state (strtok did; ThreadSanitizer runs this). */
static void *render_loop(void *arg)
{
    (void)arg;
    checks_thresholds *t = checks_thresholds_new();
    buf first;
    buf_init(&first);
    ck_assert_int_eq(checkrules_render(t, &first), 0);
    for (int i = 0; i < 200; i++) {
        buf b;
        buf_init(&b);
        ck_assert_int_eq(checkrules_render(t, &b), 0);
        ck_assert_str_eq(b.data, first.data);
        buf_free(&b);
    }
    buf_free(&first);
    checks_thresholds_free(t);
    return NULL;
}

START_TEST(test_evaluate_while_rendering)
{
    metric_set *s = metric_set_new();
    labelled(s, "esvigil_breaker_ratio", "breaker", "parent", 0.99);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, render_loop, NULL), 0);
    for (int i = 0; i < 2000; i++) {
        checks_result r = eval(s, NULL, NULL);
        ck_assert_str_eq(finding(&r, "breaker")->subject, "prod/es-1 breaker=parent");
        checks_result_free(&r);
    }
    pthread_join(th, NULL);
    metric_set_free(s);
}
END_TEST

START_TEST(test_rules_text_follows_thresholds)
{
    checks_thresholds *t = checks_thresholds_new();
    buf b;
    buf_init(&b);
    ck_assert_int_eq(checkrules_render(t, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "- alert: EsvigilHeapUsedCritical\n"
                                         "        expr: \"max by (cluster, name) "
                                         "(esvigil_heap_used_ratio) > 0.9\"\n"
                                         "        for: 10m\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "sum by (cluster, name, breaker) "
                                         "(increase(elasticsearch_breakers_tripped[10m])) > 0"));
    /* host evidence joins the node the host view belongs to */
    ck_assert_ptr_nonnull(strstr(b.data, "and on (cluster, name, instance) (esvigil_host_node * on "
                                         "(instance) group_left () (esvigil_host_memory_used_ratio "
                                         "> 0.95 or esvigil_host_deleted_mapped_ratio > 0.1))"));
    ck_assert_ptr_nonnull(strstr(b.data, " or max by (cluster, name, instance) "
                                         "(esvigil_scroll_contexts_ratio) > 0.5)"));
    ck_assert_ptr_nonnull(
        strstr(b.data, "esvigil_disk_watermark_headroom_bytes{watermark=\\\"low\\\"}"));
    ck_assert_ptr_null(strstr(b.data, "EsvigilHostMemoryCritical")); /* no such level */
    ck_assert_ptr_nonnull(
        strstr(b.data, "record: cluster_dimension:esvigil_imbalance:max_over_mean"));
    int heap = checks_find("heap_used");
    t->critical[heap] = 0.97;
    buf_reset(&b);
    ck_assert_int_eq(checkrules_render(t, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "(esvigil_heap_used_ratio) > 0.97\""));
    t->critical[heap] = NAN;
    buf_reset(&b);
    ck_assert_int_eq(checkrules_render(t, &b), 0);
    ck_assert_ptr_null(strstr(b.data, "EsvigilHeapUsedCritical"));
    buf_free(&b);
    checks_thresholds_free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("checks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults_from_table);
    tcase_add_test(tc, test_heap_levels);
    tcase_add_test(tc, test_mapped_needs_evidence);
    tcase_add_test(tc, test_mapped_remote_nodes);
    tcase_add_test(tc, test_minimum_size);
    tcase_add_test(tc, test_imbalance_minimum);
    tcase_add_test(tc, test_indexing_pressure_levels);
    tcase_add_test(tc, test_counter_checks_need_a_rise);
    tcase_add_test(tc, test_long_subject_cut);
    tcase_add_test(tc, test_selectors);
    tcase_add_test(tc, test_healthy_set_has_no_findings);
    tcase_add_test(tc, test_report);
    tcase_add_test(tc, test_report_es_down_once);
    tcase_add_test(tc, test_report_forbidden_collector);
    tcase_add_test(tc, test_collector_failed_rule);
    tcase_add_test(tc, test_rules_text_follows_thresholds);
    tcase_add_test(tc, test_evaluate_while_rendering);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
