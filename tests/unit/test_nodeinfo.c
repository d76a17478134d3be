/* test_nodeinfo: node info across ES 2.x-8.x and OpenSearch shapes (roles,
 * pid, heap, compressed oops), the master_node parser, and bad input. */
#include <math.h>
#include <string.h>

#include "metric.h"
#include "nodeinfo.h"
#include "unit.h"

static char *fixture(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/nodeinfo/%s", name);
    char *body = unit_slurp(unit_src(rel), len);
    ck_assert_msg(body != NULL, "cannot read %s", rel);
    return body;
}

/* Feeds body in chunks (0 = one shot); returns the finish status. */
static int feed_all(int (*feed)(void *, const char *, size_t), void *p, const char *body,
                    size_t len, size_t chunk)
{
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        if (feed(p, body + off, len - off < chunk ? len - off : chunk) != 0)
            return -1;
    return 0;
}

typedef struct parsed {
    metric_set *out;
    nodeinfo *p;
    int rc;
} parsed;

static parsed parse_body(const char *body, size_t len, size_t chunk)
{
    parsed r;
    r.out = metric_set_new();
    r.p = nodeinfo_new(r.out);
    ck_assert_ptr_nonnull(r.p);
    r.rc = feed_all(nodeinfo_feed, r.p, body, len, chunk);
    int fin = nodeinfo_finish(r.p);
    if (r.rc == 0)
        r.rc = fin;
    else
        ck_assert_int_eq(fin, -1);
    return r;
}

static parsed parse_fixture(const char *name, size_t chunk)
{
    size_t len;
    char *body = fixture(name, &len);
    parsed r = parse_body(body, len, chunk);
    free(body);
    ck_assert_msg(r.rc == 0, "%s: %s", name, nodeinfo_error(r.p));
    return r;
}

static void done(parsed *r)
{
    nodeinfo_free(r->p);
    metric_set_free(r->out);
}

/* The label value of the only sample of family, by label name. */
static const char *label(const metric_set *s, const char *family, const char *name)
{
    const metric_family *f = metric_set_find(s, family);
    ck_assert_msg(f != NULL, "no %s", family);
    ck_assert_uint_eq(metric_family_sample_count(f), 1);
    for (size_t j = 0; j < metric_family_label_count(f); j++)
        if (strcmp(metric_family_label_name(f, j), name) == 0)
            return metric_family_label_value(f, 0, j);
    ck_abort_msg("%s has no label %s", family, name);
    return NULL;
}

static double value(const metric_set *s, const char *family)
{
    const metric_family *f = metric_set_find(s, family);
    ck_assert_msg(f != NULL, "no %s", family);
    ck_assert_uint_eq(metric_family_sample_count(f), 1);
    return metric_family_value(f, 0);
}

static void assert_roles(const metric_set *s, const char *master, const char *data,
                         const char *ingest, const char *client)
{
    const char *fam = "elasticsearch_node_info";
    ck_assert_str_eq(label(s, fam, "es_master_node"), master);
    ck_assert_str_eq(label(s, fam, "es_data_node"), data);
    ck_assert_str_eq(label(s, fam, "es_ingest_node"), ingest);
    ck_assert_str_eq(label(s, fam, "es_client_node"), client);
}

START_TEST(test_es56)
{
    parsed r = parse_fixture("es-5.6.json", 0);
    ck_assert_str_eq(nodeinfo_node_id(r.p), "Qm3xZ0aVRk2pL1n9bYw7Tg");
    ck_assert_str_eq(nodeinfo_name(r.p), "logs-a1");
    ck_assert_str_eq(nodeinfo_host(r.p), "192.0.2.11");
    ck_assert_str_eq(nodeinfo_version(r.p), "5.6.16");
    ck_assert_str_eq(nodeinfo_cluster_name(r.p), "legacy-logs");
    ck_assert_int_eq(nodeinfo_pid(r.p), 4242);
    ck_assert_double_eq(nodeinfo_jvm_start_ms(r.p), 1557000000000.0);
    ck_assert_double_eq(nodeinfo_heap_max(r.p), 2130051072.0);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), 1);
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 1);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 1);
    ck_assert_double_eq(value(r.out, "elasticsearch_jvm_compressed_oops"), 1);
    ck_assert_double_eq(value(r.out, "elasticsearch_node_info"), 1);
    assert_roles(r.out, "true", "true", "true", "true");
    const char *fam = "elasticsearch_jvm_compressed_oops";
    ck_assert_str_eq(label(r.out, fam, "cluster"), "legacy-logs");
    ck_assert_str_eq(label(r.out, fam, "host"), "192.0.2.11");
    ck_assert_str_eq(label(r.out, fam, "name"), "logs-a1");
    ck_assert_str_eq(label(r.out, "elasticsearch_node_info", "node_id"), "Qm3xZ0aVRk2pL1n9bYw7Tg");
    ck_assert_str_eq(label(r.out, "elasticsearch_node_info", "version"), "5.6.16");
    done(&r);
}
END_TEST

START_TEST(test_es717_tiers_and_no_oops)
{
    parsed r = parse_fixture("es-7.17.json", 0);
    ck_assert_int_eq(nodeinfo_pid(r.p), 918273);
    ck_assert_double_eq(nodeinfo_heap_max(r.p), 34359738368.0);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), 0);
    ck_assert_double_eq(value(r.out, "elasticsearch_jvm_compressed_oops"), 0);
    /* roles win over the "master" attribute; data tiers are data, in the
     * es_data_node label too (the reference's isDataNode since #1224) */
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 0);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 1);
    assert_roles(r.out, "false", "true", "true", "true");
    done(&r);
}
END_TEST

START_TEST(test_es89_unknown_oops)
{
    parsed r = parse_fixture("es-8.9.json", 0);
    ck_assert_str_eq(nodeinfo_host(r.p), "m-master-1.internal");
    ck_assert_int_eq(nodeinfo_pid(r.p), 77);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), -1);
    /* "unknown": no sample rather than a made-up value */
    ck_assert_ptr_null(metric_set_find(r.out, "elasticsearch_jvm_compressed_oops"));
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 1);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 0);
    assert_roles(r.out, "true", "false", "false", "true");
    done(&r);
}
END_TEST

START_TEST(test_opensearch_cluster_manager)
{
    parsed r = parse_fixture("opensearch-2.11.json", 0);
    ck_assert_str_eq(nodeinfo_version(r.p), "2.11.1");
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 1);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 1);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), 1);
    assert_roles(r.out, "true", "true", "true", "true");
    done(&r);
}
END_TEST

START_TEST(test_pre5_attributes_no_http)
{
    parsed r = parse_fixture("es-2.4-attributes.json", 0);
    ck_assert_int_eq(nodeinfo_pid(r.p), 0); /* no process section */
    ck_assert_double_eq(nodeinfo_heap_max(r.p), 536870912.0);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), -1); /* absent */
    ck_assert_ptr_null(metric_set_find(r.out, "elasticsearch_jvm_compressed_oops"));
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 0);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 0);
    assert_roles(r.out, "false", "false", "false", "false");
    done(&r);
}
END_TEST

START_TEST(test_bool_oops_and_missing_pid)
{
    parsed r = parse_fixture("handmade-bool-oops.json", 0);
    ck_assert_int_eq(nodeinfo_compressed_oops(r.p), 0);
    ck_assert_double_eq(value(r.out, "elasticsearch_jvm_compressed_oops"), 0);
    ck_assert_int_eq(nodeinfo_pid(r.p), 12);
    ck_assert(isnan(nodeinfo_heap_max(r.p)));
    assert_roles(r.out, "true", "true", "false", "false"); /* no http section */
    done(&r);

    r = parse_fixture("no-http-coordinating.json", 0);
    ck_assert_int_eq(nodeinfo_pid(r.p), 0);
    ck_assert_int_eq(nodeinfo_is_master_eligible(r.p), 0);
    ck_assert_int_eq(nodeinfo_is_data(r.p), 0);
    assert_roles(r.out, "false", "false", "false", "false");
    done(&r);
}
END_TEST

START_TEST(test_chunked_equals_oneshot)
{
    const char *names[] = {"es-5.6.json", "es-7.17.json", "opensearch-2.11.json"};
    for (size_t i = 0; i < 3; i++) {
        parsed a = parse_fixture(names[i], 0), b = parse_fixture(names[i], 1);
        ck_assert_str_eq(nodeinfo_node_id(a.p), nodeinfo_node_id(b.p));
        ck_assert_str_eq(nodeinfo_name(a.p), nodeinfo_name(b.p));
        ck_assert_int_eq(nodeinfo_pid(a.p), nodeinfo_pid(b.p));
        ck_assert_double_eq(nodeinfo_heap_max(a.p), nodeinfo_heap_max(b.p));
        ck_assert_int_eq(nodeinfo_compressed_oops(a.p), nodeinfo_compressed_oops(b.p));
        ck_assert_uint_eq(metric_set_sample_count(a.out), metric_set_sample_count(b.out));
        const char *fam = "elasticsearch_node_info";
        const char *keys[] = {"es_master_node", "es_data_node", "es_client_node", "version"};
        for (size_t k = 0; k < 4; k++)
            ck_assert_str_eq(label(a.out, fam, keys[k]), label(b.out, fam, keys[k]));
        done(&a);
        done(&b);
    }
}
END_TEST

START_TEST(test_first_node_only)
{
    const char *body = "{\"cluster_name\":\"c\",\"nodes\":{"
                       "\"one\":{\"name\":\"n1\",\"process\":{\"id\":11}},"
                       "\"two\":{\"name\":\"n2\",\"process\":{\"id\":22}}}}";
    parsed r = parse_body(body, strlen(body), 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(nodeinfo_node_id(r.p), "one");
    ck_assert_str_eq(nodeinfo_name(r.p), "n1");
    ck_assert_int_eq(nodeinfo_pid(r.p), 11);
    done(&r);
}
END_TEST

static void expect_failure(const char *body, size_t len)
{
    parsed r = parse_body(body, len, 0);
    ck_assert_msg(r.rc == -1, "accepted: %.*s", (int)len, body);
    ck_assert_msg(strlen(nodeinfo_error(r.p)) > 0, "no error for: %.*s", (int)len, body);
    ck_assert_str_eq(nodeinfo_node_id(r.p), "");
    ck_assert_int_eq(nodeinfo_pid(r.p), 0);
    ck_assert_uint_eq(metric_set_sample_count(r.out), 0);
    done(&r);
}

START_TEST(test_bad_input)
{
    size_t len;
    char *body = fixture("es-7.17.json", &len);
    expect_failure(body, len / 2);
    free(body);
    const char *bad[] = {
        "",
        "<html>502 Bad Gateway</html>",
        "[]",
        "42",
        "{\"cluster_name\":\"c\",\"nodes\":{}}",
        "{\"_nodes\":{\"total\":1,\"successful\":0,\"failed\":1},\"cluster_name\":\"c\",\"nodes\":{"
        "}}",
        "{\"error\":{\"type\":\"security_exception\"},\"status\":403}",
        "{\"nodes\":{\"x\":{\"name\":\"n\"}}}{}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_failure(bad[i], strlen(bad[i]));
}
END_TEST

START_TEST(test_defs)
{
    ck_assert_uint_eq(nodeinfo_def_count(), 2);
    const metric_def *d = nodeinfo_def(0);
    ck_assert_str_eq(d->name, "elasticsearch_jvm_compressed_oops");
    const char *want[] = {"cluster",      "host",           "name",          "es_master_node",
                          "es_data_node", "es_ingest_node", "es_client_node"};
    for (size_t i = 0; i < 7; i++)
        ck_assert_str_eq(d->labels[i], want[i]);
    ck_assert_ptr_null(d->labels[7]);
    ck_assert_ptr_null(nodeinfo_def(2));
}
END_TEST

/* ---- master_node ---- */

static nodeinfo_master *master_parse(const char *body, size_t len, size_t chunk, int *rc)
{
    nodeinfo_master *m = nodeinfo_master_new();
    ck_assert_ptr_nonnull(m);
    *rc = feed_all(nodeinfo_master_feed, m, body, len, chunk);
    int fin = nodeinfo_master_finish(m);
    if (*rc == 0)
        *rc = fin;
    return m;
}

START_TEST(test_master_node)
{
    size_t len;
    char *body = fixture("master_node.json", &len);
    for (size_t chunk = 0; chunk < 3; chunk++) {
        int rc;
        nodeinfo_master *m = master_parse(body, len, chunk, &rc);
        ck_assert_int_eq(rc, 0);
        ck_assert_str_eq(nodeinfo_master_id(m), "k8Jd0YtNQbuV5ZC3x9mP1w");
        ck_assert_str_eq(nodeinfo_master_error(m), "");
        nodeinfo_master_free(m);
    }
    free(body);

    body = fixture("master_node_none.json", &len);
    int rc;
    nodeinfo_master *m = master_parse(body, len, 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(nodeinfo_master_id(m));
    nodeinfo_master_free(m);
    free(body);

    const char *absent = "{\"cluster_name\":\"c\"}";
    m = master_parse(absent, strlen(absent), 0, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(nodeinfo_master_id(m));
    nodeinfo_master_free(m);
}
END_TEST

START_TEST(test_master_node_matches_node_id)
{
    size_t len;
    char *body = fixture("master_node.json", &len);
    int rc;
    nodeinfo_master *m = master_parse(body, len, 0, &rc);
    parsed r = parse_fixture("es-7.17.json", 0);
    ck_assert_str_eq(nodeinfo_master_id(m), nodeinfo_node_id(r.p));
    done(&r);
    nodeinfo_master_free(m);
    free(body);
}
END_TEST

START_TEST(test_master_node_bad)
{
    const char *bad[] = {"", "[\"x\"]", "\"id\"", "{\"master_node\":\"abc\"", "<html>"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc;
        nodeinfo_master *m = master_parse(bad[i], strlen(bad[i]), 0, &rc);
        ck_assert_msg(rc == -1, "accepted %s", bad[i]);
        ck_assert_ptr_null(nodeinfo_master_id(m));
        ck_assert_uint_gt(strlen(nodeinfo_master_error(m)), 0);
        nodeinfo_master_free(m);
    }
}
END_TEST

/* The generated per-version fixture sets, when present, all parse. */
START_TEST(test_project_fixtures)
{
    const char *sets[] = {"es-5.6", "es-6.8",         "es-7.13",         "es-7.17",
                          "es-8.9", "opensearch-1.3", "opensearch-2.11", "demo"};
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "tests/fixtures/es/%s/nodes_local.json", sets[i]);
        size_t len;
        char *body = unit_slurp(unit_src(rel), &len);
        if (!body)
            continue;
        parsed r = parse_body(body, len, 1000);
        ck_assert_msg(r.rc == 0, "%s: %s", rel, nodeinfo_error(r.p));
        ck_assert_uint_gt(strlen(nodeinfo_node_id(r.p)), 0);
        ck_assert_uint_gt(strlen(nodeinfo_name(r.p)), 0);
        ck_assert_uint_gt(strlen(nodeinfo_cluster_name(r.p)), 0);
        ck_assert_int_gt(nodeinfo_pid(r.p), 0);
        ck_assert_double_gt(nodeinfo_heap_max(r.p), 0);
        ck_assert_int_ge(nodeinfo_compressed_oops(r.p), -1);
        done(&r);
        free(body);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("nodeinfo");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_es56);
    tcase_add_test(tc, test_es717_tiers_and_no_oops);
    tcase_add_test(tc, test_es89_unknown_oops);
    tcase_add_test(tc, test_opensearch_cluster_manager);
    tcase_add_test(tc, test_pre5_attributes_no_http);
    tcase_add_test(tc, test_bool_oops_and_missing_pid);
    tcase_add_test(tc, test_chunked_equals_oneshot);
    tcase_add_test(tc, test_first_node_only);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_defs);
    tcase_add_test(tc, test_master_node);
    tcase_add_test(tc, test_master_node_matches_node_id);
    tcase_add_test(tc, test_master_node_bad);
    tcase_add_test(tc, test_project_fixtures);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
