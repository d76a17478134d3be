/* test_shards: the _cat/shards parser against hand-made rows (exact counts),
 * chunked feeds, bad input, a generated 100k-row document and, when present,
 * the project's generated fixtures and the shared real responses. */
#include <dirent.h>
#include <math.h>
#include <string.h>

#include "buf.h"
#include "exposition.h"
#include "metric.h"
#include "shards.h"
#include "unit.h"
#include "utf8.h"

/* Parses body in chunks of `chunk` bytes (0 = one shot) into a new set.
 * Returns the finish status; *outp and *pp are the caller's to free. */
static int parse(const char *body, size_t len, size_t chunk, metric_set **outp, shards **pp)
{
    metric_set *out = metric_set_new();
    shards *p = shards_new(out, "c1");
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(p);
    int rc = 0;
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = shards_feed(p, body + off, len - off < chunk ? len - off : chunk);
    if (rc == 0)
        rc = shards_finish(p);
    else
        ck_assert_int_eq(shards_finish(p), -1);
    *outp = out;
    *pp = p;
    return rc;
}

static char *fixture(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/shards/%s", name);
    char *body = unit_slurp(unit_src(rel), len);
    ck_assert_msg(body != NULL, "cannot read %s", rel);
    return body;
}

static double sample(const metric_set *s, const char *family, const char *k1, const char *v1,
                     const char *k2, const char *v2)
{
    const char *pairs[] = {k1, v1, k2, v2, NULL};
    double v = NAN;
    ck_assert_msg(metric_set_lookup(s, family, pairs, &v) == 1, "no %s{%s=%s,%s=%s}", family, k1,
                  v1, k2, v2);
    return v;
}

static int has_sample(const metric_set *s, const char *family, const char *k, const char *v)
{
    const char *pairs[] = {k, v, NULL};
    double x;
    return metric_set_lookup(s, family, pairs, &x);
}

/* Index in the sorted node list, or -1. */
static long node_at(const shards *p, const char *name)
{
    for (size_t i = 0; i < shards_node_count(p); i++)
        if (strcmp(shards_node_name(p, i), name) == 0)
            return (long)i;
    return -1;
}

static void assert_sets_equal(const metric_set *a, const metric_set *b)
{
    ck_assert_uint_eq(metric_set_family_count(a), metric_set_family_count(b));
    for (size_t i = 0; i < metric_set_family_count(a); i++) {
        const metric_family *fa = metric_set_family(a, i), *fb = metric_set_family(b, i);
        ck_assert_str_eq(metric_family_name(fa), metric_family_name(fb));
        ck_assert_uint_eq(metric_family_sample_count(fa), metric_family_sample_count(fb));
        for (size_t k = 0; k < metric_family_sample_count(fa); k++) {
            ck_assert_double_eq(metric_family_value(fa, k), metric_family_value(fb, k));
            for (size_t j = 0; j < metric_family_label_count(fa); j++)
                ck_assert_str_eq(metric_family_label_value(fa, k, j),
                                 metric_family_label_value(fb, k, j));
        }
    }
}

START_TEST(test_mixed_counts)
{
    size_t len;
    char *body = fixture("mixed.json", &len);
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, len, 0, &out, &p), 0);
    ck_assert_str_eq(shards_error(p), "");
    ck_assert_uint_eq(shards_total(p), 15);
    ck_assert_uint_eq(shards_state_count(p, "STARTED"), 8);
    ck_assert_uint_eq(shards_state_count(p, "RELOCATING"), 1);
    ck_assert_uint_eq(shards_state_count(p, "INITIALIZING"), 1);
    ck_assert_uint_eq(shards_state_count(p, "UNASSIGNED"), 5);
    ck_assert_uint_eq(shards_unassigned_count(p, "ALLOCATION_FAILED"), 1);
    ck_assert_uint_eq(shards_unassigned_count(p, "NODE_LEFT"), 2);
    ck_assert_uint_eq(shards_unassigned_count(p, "UNKNOWN"), 2);
    /* an INITIALIZING row's reason is not an unassigned shard */
    ck_assert_uint_eq(shards_unassigned_count(p, "REPLICA_ADDED"), 0);

    ck_assert_uint_eq(shards_node_count(p), 3);
    const char *index;
    ck_assert_str_eq(shards_node_name(p, 0), "n1");
    ck_assert_uint_eq(shards_node_started(p, 0), 4);
    ck_assert_uint_eq(shards_node_index_max(p, 0, &index), 3);
    ck_assert_str_eq(index, "logs-1");
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), 5000);

    ck_assert_str_eq(shards_node_name(p, 1), "n2");
    ck_assert_uint_eq(shards_node_started(p, 1), 3);
    ck_assert_uint_eq(shards_node_index_max(p, 1, &index), 2);
    ck_assert_str_eq(index, "logs-1"); /* tie with users: alphabetically first */
    ck_assert_double_eq(shards_node_largest_bytes(p, 1), 300000);

    ck_assert_str_eq(shards_node_name(p, 2), "n3");
    ck_assert_uint_eq(shards_node_started(p, 2), 1);
    ck_assert_uint_eq(shards_node_index_max(p, 2, &index), 2);
    ck_assert_str_eq(index, "users");
    ck_assert_double_eq(shards_node_largest_bytes(p, 2), 250);
    ck_assert_ptr_null(shards_node_name(p, 3));

    /* the same numbers as samples */
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_total", "node", "n1", "cluster", "c1"), 4);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_total", "node", "n2", "cluster", "c1"), 3);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_total", "node", "n3", "cluster", "c1"), 1);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_index_max", "node", "n1", "cluster", "c1"), 3);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shard_largest_bytes", "node", "n2", "cluster", "c1"),
        300000);
    ck_assert_double_eq(
        sample(out, "elasticsearch_cluster_shards", "state", "STARTED", "cluster", "c1"), 8);
    ck_assert_double_eq(
        sample(out, "elasticsearch_cluster_shards", "state", "UNASSIGNED", "cluster", "c1"), 5);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason",
                               "ALLOCATION_FAILED", "cluster", "c1"),
                        1);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason",
                               "NODE_LEFT", "cluster", "c1"),
                        2);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason", "UNKNOWN",
                               "cluster", "c1"),
                        2);
    ck_assert_int_eq(
        has_sample(out, "elasticsearch_cluster_unassigned_shards", "reason", "REPLICA_ADDED"), 0);
    ck_assert_uint_eq(
        metric_family_sample_count(metric_set_find(out, "elasticsearch_node_shards_total")), 3);
    ck_assert_uint_eq(
        metric_family_sample_count(metric_set_find(out, "elasticsearch_cluster_shards")), 4);
    shards_free(p);
    metric_set_free(out);
    free(body);
}
END_TEST

START_TEST(test_relocating_source_node)
{
    const char *body =
        "[{\"index\":\"i\",\"shard\":\"0\",\"prirep\":\"p\",\"state\":\"RELOCATING\","
        "\"store\":\"42\",\"node\":\"a -> 10.1.1.1 zYx9 b\"}]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    ck_assert_uint_eq(shards_node_count(p), 1);
    ck_assert_str_eq(shards_node_name(p, 0), "a");
    ck_assert_uint_eq(shards_node_started(p, 0), 0);
    ck_assert_uint_eq(shards_node_index_max(p, 0, NULL), 1);
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), 42);
    /* not STARTED: like the reference, no node_shards_total sample */
    ck_assert_uint_eq(metric_set_find(out, "elasticsearch_node_shards_total") ? 1 : 0, 0);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_index_max", "node", "a", "cluster", "c1"), 1);
    ck_assert_int_eq(has_sample(out, "elasticsearch_node_shards_index_max", "node", "b"), 0);
    ck_assert_double_eq(
        sample(out, "elasticsearch_cluster_shards", "state", "RELOCATING", "cluster", "c1"), 1);
    shards_free(p);
    metric_set_free(out);
}
END_TEST

START_TEST(test_null_store_and_docs)
{
    const char *body = "[{\"index\":\"i\",\"state\":\"INITIALIZING\",\"docs\":null,\"store\":null,"
                       "\"node\":\"n\",\"unassigned.reason\":\"NODE_LEFT\"}]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    ck_assert_uint_eq(shards_node_count(p), 1);
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), -1);
    ck_assert_ptr_null(metric_set_find(out, "elasticsearch_node_shard_largest_bytes"));
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_index_max", "node", "n", "cluster", "c1"), 1);
    shards_free(p);
    metric_set_free(out);
}
END_TEST

START_TEST(test_missing_reason_is_unknown)
{
    const char *body = "[{\"index\":\"i\",\"state\":\"UNASSIGNED\",\"node\":null},"
                       "{\"index\":\"i\",\"state\":\"UNASSIGNED\",\"unassigned.reason\":null}]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    ck_assert_uint_eq(shards_unassigned_count(p, "UNKNOWN"), 2);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason", "UNKNOWN",
                               "cluster", "c1"),
                        2);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason",
                               "ALLOCATION_FAILED", "cluster", "c1"),
                        0);
    ck_assert_uint_eq(shards_node_count(p), 0);
    shards_free(p);
    metric_set_free(out);
}
END_TEST

START_TEST(test_empty_array_reports_zeroes)
{
    size_t len;
    char *body = fixture("empty.json", &len);
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, len, 0, &out, &p), 0);
    ck_assert_uint_eq(shards_total(p), 0);
    ck_assert_double_eq(sample(out, "elasticsearch_cluster_unassigned_shards", "reason",
                               "ALLOCATION_FAILED", "cluster", "c1"),
                        0);
    const char *states[] = {"STARTED", "INITIALIZING", "RELOCATING", "UNASSIGNED"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_double_eq(
            sample(out, "elasticsearch_cluster_shards", "state", states[i], "cluster", "c1"), 0);
    ck_assert_ptr_null(metric_set_find(out, "elasticsearch_node_shards_total"));
    shards_free(p);
    metric_set_free(out);
    free(body);
}
END_TEST

START_TEST(test_bytewise_equals_oneshot)
{
    size_t len;
    char *body = fixture("mixed.json", &len);
    metric_set *a, *b, *c;
    shards *pa, *pb, *pc;
    ck_assert_int_eq(parse(body, len, 0, &a, &pa), 0);
    ck_assert_int_eq(parse(body, len, 1, &b, &pb), 0);
    ck_assert_int_eq(parse(body, len, 7, &c, &pc), 0);
    ck_assert_uint_gt(metric_set_sample_count(a), 10);
    assert_sets_equal(a, b);
    assert_sets_equal(a, c);
    shards_free(pa);
    shards_free(pb);
    shards_free(pc);
    metric_set_free(a);
    metric_set_free(b);
    metric_set_free(c);
    free(body);
}
END_TEST

START_TEST(test_human_sizes)
{
    size_t len;
    char *body = fixture("human_sizes.json", &len);
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, len, 0, &out, &p), 0);
    ck_assert_uint_eq(shards_node_count(p), 1);
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), 1.5 * 1024 * 1024 * 1024);
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shard_largest_bytes", "node", "solo", "cluster", "c1"),
        1610612736.0);
    ck_assert_uint_eq(shards_node_started(p, 0), 3);
    shards_free(p);
    metric_set_free(out);
    free(body);
}
END_TEST

START_TEST(test_numeric_store)
{
    const char *body = "[{\"index\":\"i\",\"state\":\"STARTED\",\"store\":123456,\"node\":\"n\"},"
                       "{\"index\":\"i\",\"state\":\"STARTED\",\"store\":\"junk\",\"node\":\"n\"}]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), 123456);
    ck_assert_uint_eq(shards_node_started(p, 0), 2);
    shards_free(p);
    metric_set_free(out);
}
END_TEST

START_TEST(test_cluster_label_and_defs)
{
    metric_set *out = metric_set_new();
    shards *p = shards_new(out, "prod-eu");
    const char *body = "[{\"state\":\"STARTED\",\"node\":\"x\"}]";
    ck_assert_int_eq(shards_feed(p, body, strlen(body)), 0);
    ck_assert_int_eq(shards_finish(p), 0);
    ck_assert_int_eq(shards_finish(p), 0); /* idempotent */
    ck_assert_double_eq(
        sample(out, "elasticsearch_node_shards_total", "node", "x", "cluster", "prod-eu"), 1);
    /* no index column: counted, but no per-index maximum */
    ck_assert_uint_eq(shards_node_index_max(p, 0, NULL), 0);
    ck_assert_ptr_null(metric_set_find(out, "elasticsearch_node_shards_index_max"));
    shards_free(p);
    metric_set_free(out);

    /* the reference exporter's family, exactly */
    ck_assert_uint_eq(shards_def_count(), 5);
    const metric_def *d = shards_def(0);
    ck_assert_str_eq(d->name, "elasticsearch_node_shards_total");
    ck_assert_int_eq(d->type, METRIC_GAUGE);
    ck_assert_str_eq(d->help, "Total shards per node");
    ck_assert_str_eq(d->labels[0], "node");
    ck_assert_str_eq(d->labels[1], "cluster");
    ck_assert_ptr_null(d->labels[2]);
    ck_assert_ptr_null(shards_def(5));
    ck_assert_ptr_nonnull(strstr(SHARDS_PATH, "bytes=b"));
    ck_assert_ptr_nonnull(strstr(SHARDS_PATH, "unassigned.reason"));
}
END_TEST

static void expect_failure(const char *body, size_t len, const char *why)
{
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, len, 0, &out, &p), -1);
    ck_assert_msg(strlen(shards_error(p)) > 0, "no error message for %s", why);
    ck_assert_uint_eq(shards_node_count(p), 0);
    ck_assert_ptr_null(shards_node_name(p, 0));
    ck_assert_int_eq(shards_feed(p, "[]", 2), -1); /* stays failed */
    shards_free(p);
    metric_set_free(out);
}

START_TEST(test_bad_input)
{
    size_t len;
    char *body = fixture("mixed.json", &len);
    expect_failure(body, len / 2, "truncated");
    expect_failure(body, len - 3, "missing the closing bracket");
    free(body);
    const char *bad[] = {
        "",
        "<html>not json</html>",
        "{\"error\":{\"type\":\"x\"},\"status\":500}",
        "[1,2,3]",
        "[[\"index\",\"state\"]]",
        "\"STARTED\"",
        "[{\"state\":\"STARTED\"}] trailing",
        "[{\"state\":\"STARTED\",\"node\":\"a\\u0000b\"}]",
        /* a _cat row holds scalars only: a nested value is another API's answer */
        "[{\"state\":\"STARTED\",\"node\":\"a\",\"extra\":{\"x\":1}}]",
        "[{\"state\":\"STARTED\",\"node\":[\"a\"]}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_failure(bad[i], strlen(bad[i]), bad[i]);
}
END_TEST

/* The generated document of test_generated_100k (row i's shape follows from i). */
static const char *const gen_states[] = {"STARTED",    "STARTED",   "STARTED",    "STARTED",
                                         "STARTED",    "STARTED",   "RELOCATING", "INITIALIZING",
                                         "UNASSIGNED", "UNASSIGNED"};
static const char *const gen_reasons[] = {"ALLOCATION_FAILED", "NODE_LEFT", "INDEX_CREATED", NULL};
enum { GEN_ROWS = 100000, GEN_NODES = 50, GEN_INDICES = 300 };

static void gen_row(buf *b, size_t i)
{
    size_t s = (i * 7) % 10, node = (i * 13) % GEN_NODES, index = i % GEN_INDICES;
    size_t store = (i * 2654435761u) % 50000000;
    const char *st = gen_states[s];
    buf_printf(b,
               "%s{\"index\":\"idx-%04zu\",\"shard\":\"%zu\",\"prirep\":\"%c\",\"state\":\"%s\",",
               i ? "," : "", index, i / GEN_INDICES, i % 2 ? 'r' : 'p', st);
    if (strcmp(st, "UNASSIGNED") == 0) {
        const char *r = gen_reasons[i % 4];
        buf_puts(b, "\"docs\":null,\"store\":null,\"node\":null");
        if (r)
            buf_printf(b, ",\"unassigned.reason\":\"%s\"", r);
    } else {
        buf_printf(b, "\"docs\":\"%zu\",\"store\":\"%zu\",\"node\":\"node-%02zu%s\"", i, store,
                   node, strcmp(st, "RELOCATING") == 0 ? " -> 10.0.0.1 abc node-99" : "");
    }
    buf_puts(b, "}");
}

static void gen_document(buf *b)
{
    buf_puts(b, "[");
    for (size_t i = 0; i < GEN_ROWS; i++)
        gen_row(b, i);
    buf_puts(b, "]");
    ck_assert_int_eq(b->failed, 0);
}

/* 100k rows over 50 nodes and 300 indices, counted here as they are written. */
START_TEST(test_generated_100k)
{
    enum { ROWS = GEN_ROWS, NODES = GEN_NODES, INDICES = GEN_INDICES };
    size_t want_reason[4] = {0}, started7 = 0, unassigned = 0, started = 0, nodes_seen = 0;
    int seen[NODES] = {0};
    size_t *pairs = calloc(NODES * INDICES, sizeof(*pairs)); /* (node, index) -> shards */
    double largest7 = -1;
    ck_assert_ptr_nonnull(pairs);
    for (size_t i = 0; i < ROWS; i++) { /* what gen_row writes for row i */
        size_t node = (i * 13) % NODES, index = i % INDICES;
        size_t store = (i * 2654435761u) % 50000000;
        const char *st = gen_states[(i * 7) % 10];
        if (strcmp(st, "UNASSIGNED") == 0) {
            want_reason[i % 4]++;
            unassigned++;
            continue;
        }
        if (node == 7) {
            started7 += strcmp(st, "STARTED") == 0;
            if ((double)store > largest7)
                largest7 = (double)store;
        }
        started += strcmp(st, "STARTED") == 0;
        pairs[node * INDICES + index]++;
        nodes_seen += !seen[node];
        seen[node] = 1;
    }
    buf b;
    buf_init(&b);
    gen_document(&b);
    size_t max7 = 0, max7_index = 0;
    for (size_t x = 0; x < INDICES; x++)
        if (pairs[7 * INDICES + x] > max7) { /* ascending: the first on a tie wins */
            max7 = pairs[7 * INDICES + x];
            max7_index = x;
        }
    char max7_name[32];
    snprintf(max7_name, sizeof(max7_name), "idx-%04zu", max7_index);
    free(pairs);

    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(b.data, b.len, 65536, &out, &p), 0);
    ck_assert_uint_eq(shards_total(p), ROWS);
    ck_assert_uint_eq(shards_state_count(p, "STARTED"), started);
    ck_assert_uint_eq(shards_state_count(p, "UNASSIGNED"), unassigned);
    ck_assert_uint_eq(shards_state_count(p, "STARTED") + shards_state_count(p, "RELOCATING") +
                          shards_state_count(p, "INITIALIZING") + unassigned,
                      ROWS);
    ck_assert_uint_eq(shards_unassigned_count(p, "ALLOCATION_FAILED"), want_reason[0]);
    ck_assert_uint_eq(shards_unassigned_count(p, "NODE_LEFT"), want_reason[1]);
    ck_assert_uint_eq(shards_unassigned_count(p, "INDEX_CREATED"), want_reason[2]);
    ck_assert_uint_eq(shards_unassigned_count(p, "UNKNOWN"), want_reason[3]);
    ck_assert_uint_ge(nodes_seen, 30);
    ck_assert_uint_eq(shards_node_count(p), nodes_seen); /* node-99 is only a target */
    long n7 = node_at(p, "node-07");
    ck_assert_int_ge(n7, 0);
    ck_assert_uint_eq(shards_node_started(p, (size_t)n7), started7);
    ck_assert_double_eq(shards_node_largest_bytes(p, (size_t)n7), largest7);
    size_t sum = 0;
    for (size_t i = 0; i < shards_node_count(p); i++)
        sum += shards_node_started(p, i);
    ck_assert_uint_eq(sum, started);
    const char *index;
    ck_assert_uint_ge(max7, 2);
    ck_assert_uint_eq(shards_node_index_max(p, (size_t)n7, &index), max7);
    ck_assert_str_eq(index, max7_name);
    shards_free(p);
    metric_set_free(out);
    buf_free(&b);
}
END_TEST

/* Every cat_shards.json under dir parses and its counts agree with each other. */
static size_t parse_dir_files(const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name), ls = strlen(suffix);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || l < ls ||
            strcmp(e->d_name + l - ls, suffix) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        char *body = unit_slurp(path, &len);
        ck_assert_ptr_nonnull(body);
        metric_set *out;
        shards *p;
        ck_assert_msg(parse(body, len, 4096, &out, &p) == 0, "%s: %s", path, shards_error(p));
        ck_assert_uint_gt(shards_total(p), 0);
        size_t states = shards_state_count(p, "STARTED") + shards_state_count(p, "RELOCATING") +
                        shards_state_count(p, "INITIALIZING") + shards_state_count(p, "UNASSIGNED");
        ck_assert_uint_eq(states, shards_total(p));
        size_t started = 0;
        for (size_t i = 0; i < shards_node_count(p); i++) {
            started += shards_node_started(p, i);
            ck_assert_double_ge(shards_node_largest_bytes(p, i), 0);
        }
        ck_assert_uint_eq(started, shards_state_count(p, "STARTED"));
        shards_free(p);
        metric_set_free(out);
        free(body);
        n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_project_fixtures)
{
    const char *sets[] = {"es-5.6", "es-6.8",         "es-7.13",         "es-7.17",
                          "es-8.9", "opensearch-1.3", "opensearch-2.11", "demo"};
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "tests/fixtures/es/%s", sets[i]);
        /* every set has one: a missing or renamed file must not pass silently */
        ck_assert_msg(parse_dir_files(unit_src(rel), "cat_shards", ".json") > 0,
                      "no cat_shards*.json in %s", unit_src(rel));
    }
}
END_TEST

START_TEST(test_shared_real_responses)
{
    char dir[4096];
    const char *env = getenv("ESVIGIL_SHARED_FIXTURES");
    if (env)
        snprintf(dir, sizeof(dir), "%s", env);
    else
        snprintf(dir, sizeof(dir), "%s", unit_src("../shared/fixtures/es-responses"));
    size_t n = parse_dir_files(dir, "shards_", ".json");
    if (n == 0)
        unit_skip("test_shards: no shared shards_*.json in %s", dir);
}
END_TEST

/* Runs of one index and one state, broken and resumed, and names that
 * extend the previous one: each row counts under its own name. */
/* The generated rows once index by index (each index's rows one run: maxima counted as rows
 * come) and once interleaved (recounted from every pair at the end): the same per-node figures. */
START_TEST(test_runs_equal_interleaved)
{
    buf grouped, mixed;
    buf_init(&grouped);
    buf_init(&mixed);
    gen_document(&mixed);
    buf_puts(&grouped, "[");
    for (size_t x = 0; x < GEN_INDICES; x++)
        for (size_t i = x; i < GEN_ROWS; i += GEN_INDICES)
            gen_row(&grouped, i); /* row 0 comes first, so the commas fall right */
    buf_puts(&grouped, "]");
    ck_assert_int_eq(grouped.failed, 0);
    metric_set *out_g, *out_m;
    shards *g, *m;
    ck_assert_int_eq(parse(grouped.data, grouped.len, 4096, &out_g, &g), 0);
    ck_assert_int_eq(parse(mixed.data, mixed.len, 4096, &out_m, &m), 0);
    ck_assert_uint_eq(shards_node_count(g), shards_node_count(m));
    size_t not_first = 0;
    for (size_t i = 0; i < shards_node_count(g); i++) {
        const char *ig, *im;
        ck_assert_str_eq(shards_node_name(g, i), shards_node_name(m, i));
        ck_assert_uint_eq(shards_node_started(g, i), shards_node_started(m, i));
        ck_assert_uint_eq(shards_node_index_max(g, i, &ig), shards_node_index_max(m, i, &im));
        ck_assert_str_eq(ig, im);
        not_first += strcmp(ig, "idx-0000") != 0; /* not simply the first run */
    }
    ck_assert_uint_gt(not_first, 0);
    shards_free(g);
    shards_free(m);
    metric_set_free(out_g);
    metric_set_free(out_m);
    buf_free(&grouped);
    buf_free(&mixed);
}
END_TEST

/* Runs out of name order: a later run with as many shards wins only with a name sorting first. */
START_TEST(test_run_ties_by_name)
{
    const char *body = "["
                       "{\"index\":\"b\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"b\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n2\"},"
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"c\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"c\",\"state\":\"STARTED\",\"node\":\"n2\"},"
                       "{\"index\":\"c\",\"state\":\"STARTED\",\"node\":\"n1\"},"
                       "{\"index\":\"d\",\"state\":\"STARTED\",\"node\":\"n2\"},"
                       "{\"index\":\"d\",\"state\":\"STARTED\",\"node\":\"n2\"}"
                       "]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    const char *index = NULL;
    ck_assert_uint_eq(shards_node_index_max(p, 0, &index), 2); /* n1: b, a, c twice each */
    ck_assert_str_eq(index, "a");
    ck_assert_uint_eq(shards_node_index_max(p, 1, &index), 2); /* n2: a, c once, d twice */
    ck_assert_str_eq(index, "d");
    shards_free(p);
    metric_set_free(out);
}
END_TEST

START_TEST(test_repeated_keys_across_rows)
{
    const char *body = "["
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n1\",\"store\":\"5\"},"
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n1\",\"store\":\"7\"},"
                       "{\"index\":\"ab\",\"state\":\"STARTING\",\"node\":\"n1\",\"store\":\"1\"},"
                       "{\"index\":\"a\",\"state\":\"STARTE\",\"node\":\"n1\",\"store\":\"2\"},"
                       "{\"index\":\"a\",\"state\":\"STARTED\",\"node\":\"n1\",\"store\":\"-3\"},"
                       "{\"index\":\"ab\",\"state\":\"STARTED\",\"node\":\"n2\",\"store\":\"4.5\"}"
                       "]";
    metric_set *out;
    shards *p;
    ck_assert_int_eq(parse(body, strlen(body), 0, &out, &p), 0);
    ck_assert_uint_eq(shards_state_count(p, "STARTED"), 4);
    ck_assert_uint_eq(shards_state_count(p, "STARTING"), 1);
    ck_assert_uint_eq(shards_state_count(p, "STARTE"), 1);
    const char *index = NULL;
    ck_assert_uint_eq(shards_node_index_max(p, 0, &index), 4); /* n1: four rows of a */
    ck_assert_str_eq(index, "a");
    ck_assert_uint_eq(shards_node_index_max(p, 1, &index), 1);
    ck_assert_str_eq(index, "ab");
    ck_assert_double_eq(shards_node_largest_bytes(p, 0), 7);
    ck_assert_double_eq(shards_node_largest_bytes(p, 1), 4.5);
    shards_free(p);
    metric_set_free(out);
}
END_TEST

/* ---- golden: every output of the parser, frozen ----
 * Each input's samples and --check accessors, as text, against a file the
 * parser of an earlier commit wrote (tests/fixtures/shards/golden.txt), so a
 * new parser front end must reproduce the old one byte for byte. Set
 * ESVIGIL_UPDATE_GOLDEN=1 to rewrite the file after an intended change. */

static void describe(const char *name, const char *body, size_t len, size_t chunk, buf *out)
{
    unsigned long long utf8 = utf8_repaired_total();
    metric_set *set;
    shards *p;
    buf_printf(out, "== %s\n", name);
    if (parse(body, len, chunk, &set, &p) != 0) {
        buf_puts(out, "failed\n");
    } else {
        ck_assert_int_eq(exposition_render(set, EXPOSITION_TEXT, out), 0);
        buf_printf(out, "# total %zu\n", shards_total(p));
        for (size_t i = 0; i < shards_node_count(p); i++) {
            const char *index;
            size_t max = shards_node_index_max(p, i, &index);
            buf_printf(out, "# node %s started %zu index_max %zu %s largest %.17g\n",
                       shards_node_name(p, i), shards_node_started(p, i), max, index ? index : "-",
                       shards_node_largest_bytes(p, i));
        }
    }
    buf_printf(out, "# invalid_utf8 %llu\n", utf8_repaired_total() - utf8);
    shards_free(p);
    metric_set_free(set);
}

/* One shot and byte by byte must agree; the one-shot text goes into out. */
static void describe_both(const char *name, const char *body, size_t len, buf *out)
{
    buf bytewise;
    buf_init(&bytewise);
    size_t mark = out->len;
    describe(name, body, len, 0, out);
    describe(name, body, len, len > 200000 ? 4093 : 1, &bytewise);
    ck_assert_msg(bytewise.len == out->len - mark &&
                      memcmp(bytewise.data, out->data + mark, bytewise.len) == 0,
                  "%s: chunked parse differs from one shot", name);
    buf_free(&bytewise);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Describes dir/NAME/cat_shards.json for every NAME, in name order. */
static void describe_sets(const char *dir, buf *out)
{
    char *names[256];
    size_t n = 0;
    DIR *d = opendir(unit_src(dir));
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char rel[512], name[512];
        snprintf(rel, sizeof(rel), "%s/%s/cat_shards.json", dir, names[i]);
        snprintf(name, sizeof(name), "%s/%s", dir + strlen("tests/fixtures/"), names[i]);
        size_t len;
        char *body = unit_slurp(unit_src(rel), &len);
        if (body) /* es/edge has none */
            describe_both(name, body, len, out);
        free(body);
        free(names[i]);
    }
}

START_TEST(test_golden_outputs)
{
    buf out;
    buf_init(&out);
    describe_sets("tests/fixtures/es", &out);
    describe_sets("tests/fixtures/scenarios", &out);
    const char *files[] = {"mixed.json", "empty.json", "human_sizes.json", "escapes.json"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len;
        char *body = fixture(files[i], &len);
        describe_both(files[i], body, len, &out);
        free(body);
    }
    buf gen;
    buf_init(&gen);
    gen_document(&gen);
    describe_both("generated-100k", gen.data, gen.len, &out);
    buf_free(&gen);
    ck_assert_int_eq(out.failed, 0);

    const char *rel = "tests/fixtures/shards/golden.txt";
    if (getenv("ESVIGIL_UPDATE_GOLDEN")) {
        FILE *f = fopen(unit_src(rel), "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(out.data, 1, out.len, f), out.len);
        ck_assert_int_eq(fclose(f), 0);
    }
    size_t len;
    char *want = unit_slurp(unit_src(rel), &len);
    ck_assert_msg(want != NULL, "cannot read %s", rel);
    if (len != out.len || memcmp(want, out.data, len) != 0) {
        FILE *f = fopen("test_shards.golden.actual", "wb");
        if (f) {
            fwrite(out.data, 1, out.len, f);
            fclose(f);
        }
        ck_abort_msg("output differs from %s: see test_shards.golden.actual", rel);
    }
    free(want);
    buf_free(&out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("shards");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_mixed_counts);
    tcase_add_test(tc, test_relocating_source_node);
    tcase_add_test(tc, test_null_store_and_docs);
    tcase_add_test(tc, test_missing_reason_is_unknown);
    tcase_add_test(tc, test_empty_array_reports_zeroes);
    tcase_add_test(tc, test_bytewise_equals_oneshot);
    tcase_add_test(tc, test_human_sizes);
    tcase_add_test(tc, test_numeric_store);
    tcase_add_test(tc, test_cluster_label_and_defs);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_generated_100k);
    tcase_add_test(tc, test_repeated_keys_across_rows);
    tcase_add_test(tc, test_project_fixtures);
    tcase_add_test(tc, test_shared_real_responses);
    tcase_add_test(tc, test_golden_outputs);
    tcase_add_test(tc, test_runs_equal_interleaved);
    tcase_add_test(tc, test_run_ties_by_name);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
