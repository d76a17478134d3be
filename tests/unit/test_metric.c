/* test_metric: the snapshot model: adding samples, finding families and samples, merging,
 * refusing conflicting definitions, keeping insertion order at scale. */
#include "buf.h"
#include "metric.h"
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const metric_def node_def = {
    "demo_heap_used_bytes", METRIC_GAUGE, "Heap in use.", {"cluster", "node", NULL}};
static const metric_def up_def = {"demo_up", METRIC_GAUGE, "Reachable.", {NULL}};
static const metric_def total_def = {
    "demo_requests_total", METRIC_COUNTER, "Requests.", {"method", NULL}};

static int add2(metric_set *s, const metric_def *d, const char *a, const char *b, double v)
{
    const char *vals[] = {a, b};
    return metric_set_add(s, d, vals, v);
}

static int add1(metric_set *s, const metric_def *d, const char *a, double v)
{
    const char *vals[] = {a};
    return metric_set_add(s, d, vals, v);
}

START_TEST(test_new_is_empty)
{
    metric_set *s = metric_set_new();
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(metric_set_family_count(s), 0);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    ck_assert_ptr_null(metric_set_family(s, 0));
    ck_assert_ptr_null(metric_set_find(s, "demo_up"));
    double v = 7;
    ck_assert_int_eq(metric_set_lookup(s, "demo_up", NULL, &v), 0);
    ck_assert_double_eq(v, 7); /* untouched when not found */
    metric_set_free(s);
    metric_set_free(NULL);
}
END_TEST

START_TEST(test_add_and_accessors)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 100), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-2", 200), 0);
    ck_assert_uint_eq(metric_set_family_count(s), 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 2);

    const metric_family *f = metric_set_find(s, "demo_heap_used_bytes");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_eq(f, metric_set_family(s, 0));
    ck_assert_str_eq(metric_family_name(f), "demo_heap_used_bytes");
    ck_assert_str_eq(metric_family_help(f), "Heap in use.");
    ck_assert_int_eq(metric_family_type(f), METRIC_GAUGE);
    ck_assert_uint_eq(metric_family_label_count(f), 2);
    ck_assert_str_eq(metric_family_label_name(f, 0), "cluster");
    ck_assert_str_eq(metric_family_label_name(f, 1), "node");
    ck_assert_ptr_null(metric_family_label_name(f, 2));
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_double_eq(metric_family_value(f, 0), 100);
    ck_assert_double_eq(metric_family_value(f, 1), 200);
    ck_assert_str_eq(metric_family_label_value(f, 0, 1), "es-1");
    ck_assert_str_eq(metric_family_label_value(f, 1, 0), "prod");
    ck_assert_str_eq(metric_family_label_value(f, 1, 1), "es-2");
    ck_assert_ptr_null(metric_family_label_value(f, 2, 0));
    ck_assert_ptr_null(metric_family_label_value(f, 0, 2));
    ck_assert_ptr_null(metric_set_find(s, "demo_heap_used"));
    ck_assert_ptr_null(metric_set_find(s, "demo_heap_used_bytes_x"));
    metric_set_free(s);
}
END_TEST

/* The set copies names, help, labels and values: the caller's buffers can be reused at once. */
START_TEST(test_add_copies_everything)
{
    char name[32] = "demo_tmp_bytes", help[32] = "Temp.", lname[16] = "node", lval[16] = "n1";
    metric_def d = {name, METRIC_GAUGE, help, {lname, NULL}};
    metric_set *s = metric_set_new();
    const char *vals[] = {lval};
    ck_assert_int_eq(metric_set_add(s, &d, vals, 1), 0);
    strcpy(name, "demo_clobbered");
    strcpy(help, "X");
    strcpy(lname, "Y");
    strcpy(lval, "Z");
    const metric_family *f = metric_set_find(s, "demo_tmp_bytes");
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(metric_family_help(f), "Temp.");
    ck_assert_str_eq(metric_family_label_name(f, 0), "node");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "n1");
    ck_assert_ptr_null(metric_set_find(s, "demo_clobbered"));
    metric_set_free(s);
}
END_TEST

START_TEST(test_label_less_family)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &up_def, NULL, 1), 0);
    const char *unused[] = {"ignored"};
    ck_assert_int_eq(metric_set_add(s, &up_def, unused, 0), 0);
    const metric_family *f = metric_set_find(s, "demo_up");
    ck_assert_uint_eq(metric_family_label_count(f), 0);
    ck_assert_uint_eq(metric_family_sample_count(f), 1); /* one series, the last value */
    ck_assert_ptr_null(metric_family_label_value(f, 0, 0));
    double v = -1;
    ck_assert_int_eq(metric_set_lookup(s, "demo_up", NULL, &v), 1);
    ck_assert_double_eq(v, 0);
    static const char *const any[] = {"node", "x", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_up", any, &v), 0);
    metric_set_free(s);
}
END_TEST

START_TEST(test_null_help_and_null_value)
{
    static const metric_def d = {"demo_nohelp", METRIC_UNTYPED, NULL, {"a", "b", NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &d, NULL, "x", 5), 0);
    const metric_family *f = metric_set_find(s, "demo_nohelp");
    ck_assert_str_eq(metric_family_help(f), "");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "");
    ck_assert_str_eq(metric_family_label_value(f, 0, 1), "x");
    metric_set_free(s);
}
END_TEST

START_TEST(test_lookup_pairs)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-2", 2), 0);
    ck_assert_int_eq(add2(s, &node_def, "test", "es-2", 3), 0);
    double v = 0;
    static const char *const es2[] = {"node", "es-2", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", es2, &v), 1);
    ck_assert_double_eq(v, 2); /* first match wins */
    static const char *const test_es2[] = {"node", "es-2", "cluster", "test", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", test_es2, &v), 1);
    ck_assert_double_eq(v, 3);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", NULL, &v), 1);
    ck_assert_double_eq(v, 1);

    v = 42;
    static const char *const missing_value[] = {"node", "es-3", NULL};
    static const char *const missing_label[] = {"host", "es-1", NULL};
    static const char *const prefix_only[] = {"node", "es", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", missing_value, &v), 0);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", missing_label, &v), 0);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", prefix_only, &v), 0);
    ck_assert_int_eq(metric_set_lookup(s, "demo_nope", es2, &v), 0);
    ck_assert_double_eq(v, 42);
    metric_set_free(s);
}
END_TEST

/* A label asked twice must hold both values; a later label alone is found too. */
START_TEST(test_lookup_repeated_and_later_label)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(s, &node_def, "test", "es-1", 2), 0);
    double v = 0;
    static const char *const twice_same[] = {"node", "es-1", "node", "es-1", NULL};
    static const char *const twice_other[] = {"node", "es-1", "node", "es-2", NULL};
    static const char *const second_cluster[] = {"cluster", "test", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", twice_same, &v), 1);
    ck_assert_double_eq(v, 1);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", twice_other, &v), 0);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", second_cluster, &v), 1);
    ck_assert_double_eq(v, 2);
    metric_set_free(s);
}
END_TEST

/* A family handle adds to the same series as adding by def, and is refused like it. */
START_TEST(test_family_handle)
{
    static const metric_def other_labels = {
        "demo_heap_used_bytes", METRIC_GAUGE, "Heap.", {"cluster", "host", NULL}};
    metric_set *s = metric_set_new();
    metric_family *f = metric_set_family_for(s, &node_def);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_eq(metric_set_family_for(s, &node_def), f);
    ck_assert_ptr_eq(metric_set_find(s, "demo_heap_used_bytes"), f);
    ck_assert_ptr_null(metric_set_family_for(s, &other_labels));
    const char *vals[] = {"prod", "es-1"};
    ck_assert_int_eq(metric_set_add_to(s, f, vals, 1), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 5), 0); /* the same series */
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-2", 6), 0);
    ck_assert_int_eq(metric_set_add_to(s, f, NULL, 7), -1);
    ck_assert_uint_eq(metric_set_sample_count(s), 2);
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_double_eq(metric_family_value(f, 0), 5);
    ck_assert_str_eq(metric_family_label_value(f, 1, 1), "es-2");
    metric_set_free(s);
}
END_TEST

/* A packed prefix makes the series metric_set_add_to makes: the same one again replaces it. */
START_TEST(test_add_prefixed)
{
    static const metric_def three = {
        "demo_pool_bytes", METRIC_GAUGE, "Pool.", {"cluster", "node", "pool", NULL}};
    metric_set *s = metric_set_new();
    metric_family *f = metric_set_family_for(s, &three);
    const char *base[] = {"prod", "es-1", "young"};
    buf packed;
    buf_init(&packed);
    size_t offs[4];
    ck_assert_int_eq(metric_pack(&packed, base, 3, offs), 0);
    ck_assert_uint_eq(packed.len, 5 + 5 + 6);
    ck_assert_uint_eq(offs[0], 0);
    ck_assert_uint_eq(offs[1], 5);
    ck_assert_uint_eq(offs[2], 10);
    ck_assert_uint_eq(offs[3], 16);
    const char *rest[] = {"old"};
    ck_assert_int_eq(metric_set_add_prefixed(s, f, packed.data, offs[2], 2, rest, 1), 0);
    ck_assert_int_eq(metric_set_add_prefixed(s, f, packed.data, offs[3], 3, NULL, 2), 0);
    ck_assert_int_eq(metric_set_add_prefixed(s, f, "", 0, 0, base, 3),
                     0); /* no prefix: young again */
    const char *old[] = {"prod", "es-1", "old"};
    ck_assert_int_eq(metric_set_add_to(s, f, old, 4), 0); /* the first series again */
    ck_assert_int_eq(metric_set_add_prefixed(s, f, packed.data, offs[3], 4, NULL, 5), -1);
    ck_assert_int_eq(metric_set_add_prefixed(s, f, packed.data, offs[2], 2, NULL, 5), -1);
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_double_eq(metric_family_value(f, 0), 4);
    ck_assert_double_eq(metric_family_value(f, 1), 3);
    ck_assert_str_eq(metric_family_label_value(f, 0, 2), "old");
    ck_assert_str_eq(metric_family_label_value(f, 1, 1), "es-1");
    ck_assert_str_eq(metric_family_label_value(f, 1, 2), "young");
    const char *pairs[] = {"pool", "old", NULL};
    double v;
    ck_assert_int_eq(metric_set_lookup(s, "demo_pool_bytes", pairs, &v), 1);
    ck_assert_double_eq(v, 4);
    buf_free(&packed);
    metric_set_free(s);
}
END_TEST

/* Deferred adds end up as eager ones would: a repeated series keeps its first place and
 * takes the last value, a relabel or an absorb in between changes nothing of that. */
START_TEST(test_deferred_index)
{
    metric_set *eager = metric_set_new(), *lazy = metric_set_new();
    metric_set_defer_index(lazy);
    char node[32];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 300; i++) {
            snprintf(node, sizeof(node), "es-%d", i % 250); /* 50 repeats per round */
            double v = round * 1000 + i;
            ck_assert_int_eq(add2(eager, &node_def, "prod", node, v), 0);
            ck_assert_int_eq(add2(lazy, &node_def, "prod", node, v), 0);
            if (round == 1 && i == 100) { /* a relabel while deferred reindexes at once */
                ck_assert_int_eq(metric_set_relabel(eager, node_def.name, "node", "es-7", "x"), 1);
                /* deferred, es-7 was there three times until this relabel merged them */
                ck_assert_int_eq(metric_set_relabel(lazy, node_def.name, "node", "es-7", "x"), 3);
            }
        }
    ck_assert_uint_gt(metric_set_sample_count(lazy), metric_set_sample_count(eager));
    ck_assert_int_eq(metric_set_settle(lazy), 0);
    ck_assert_int_eq(metric_set_settle(lazy), 0); /* nothing left to do */
    ck_assert_uint_eq(metric_set_sample_count(lazy), metric_set_sample_count(eager));
    const metric_family *fe = metric_set_find(eager, node_def.name);
    const metric_family *fl = metric_set_find(lazy, node_def.name);
    ck_assert_uint_eq(metric_family_sample_count(fl), 251); /* es-0..es-249 and x */
    for (size_t k = 0; k < metric_family_sample_count(fe); k++) {
        ck_assert_str_eq(metric_family_label_value(fl, k, 1), metric_family_label_value(fe, k, 1));
        ck_assert_double_eq(metric_family_value(fl, k), metric_family_value(fe, k));
    }
    const char *pairs[] = {"cluster", "prod", "node", "es-3", NULL};
    double v;
    ck_assert_int_eq(metric_set_lookup(lazy, node_def.name, pairs, &v), 1);
    ck_assert_double_eq(v, 2253); /* round 2, i = 253: the last add of es-3 */
    ck_assert_int_eq(add2(lazy, &node_def, "prod", "es-3", -1), 0); /* settled: indexed again */
    ck_assert_uint_eq(metric_family_sample_count(fl), 251);

    /* an absorbed deferred set is settled first */
    metric_set *src = metric_set_new(), *dst = metric_set_new();
    metric_set_defer_index(src);
    ck_assert_int_eq(add2(src, &node_def, "prod", "a", 1), 0);
    ck_assert_int_eq(add2(src, &node_def, "prod", "a", 2), 0);
    ck_assert_int_eq(add1(src, &total_def, "GET", 3), 0);
    ck_assert_int_eq(add1(dst, &total_def, "GET", 4), 0);
    ck_assert_int_eq(metric_set_absorb(dst, src), 0);
    ck_assert_uint_eq(metric_set_sample_count(dst), 2);
    const char *a[] = {"node", "a", NULL};
    ck_assert_int_eq(metric_set_lookup(dst, node_def.name, a, &v), 1);
    ck_assert_double_eq(v, 2);
    metric_set_free(src);
    metric_set_free(dst);
    metric_set_free(eager);
    metric_set_free(lazy);
}
END_TEST

/* A family is defined by its first def; a later def with other labels or type is refused and
 * the existing family and its samples are left exactly as they were. */
START_TEST(test_conflicting_def_refused)
{
    static const metric_def other_labels = {
        "demo_heap_used_bytes", METRIC_GAUGE, "Heap.", {"cluster", "host", NULL}};
    static const metric_def reordered = {
        "demo_heap_used_bytes", METRIC_GAUGE, "Heap.", {"node", "cluster", NULL}};
    static const metric_def fewer = {"demo_heap_used_bytes", METRIC_GAUGE, "Heap.", {"cluster"}};
    static const metric_def more = {
        "demo_heap_used_bytes", METRIC_GAUGE, "Heap.", {"cluster", "node", "x", NULL}};
    static const metric_def other_type = {
        "demo_heap_used_bytes", METRIC_COUNTER, "Heap.", {"cluster", "node", NULL}};
    static const metric_def other_help = {
        "demo_heap_used_bytes", METRIC_GAUGE, "Different help.", {"cluster", "node", NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    const char *vals[] = {"a", "b", "c"};
    ck_assert_int_eq(metric_set_add(s, &other_labels, vals, 9), -1);
    ck_assert_int_eq(metric_set_add(s, &reordered, vals, 9), -1);
    ck_assert_int_eq(metric_set_add(s, &fewer, vals, 9), -1);
    ck_assert_int_eq(metric_set_add(s, &more, vals, 9), -1);
    ck_assert_int_eq(metric_set_add(s, &other_type, vals, 9), -1);
    ck_assert_uint_eq(metric_set_family_count(s), 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 1);
    /* Help is not part of the identity: the first one stays. */
    ck_assert_int_eq(metric_set_add(s, &other_help, vals, 2), 0);
    const metric_family *f = metric_set_find(s, "demo_heap_used_bytes");
    ck_assert_str_eq(metric_family_help(f), "Heap in use.");
    ck_assert_str_eq(metric_family_label_name(f, 1), "node");
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_double_eq(metric_family_value(f, 0), 1);
    metric_set_free(s);
}
END_TEST

/* Labelled def without values: refused before any family is created. */
START_TEST(test_missing_values_refused)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &node_def, NULL, 1), -1);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    ck_assert_ptr_null(metric_set_find(s, "demo_heap_used_bytes"));
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    ck_assert_uint_eq(metric_set_family_count(s), 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 1);
    metric_set_free(s);
}
END_TEST

START_TEST(test_insertion_order)
{
    static const metric_def c = {"demo_c", METRIC_GAUGE, "c", {NULL}};
    static const metric_def a = {"demo_a", METRIC_GAUGE, "a", {NULL}};
    static const metric_def b = {"demo_b", METRIC_GAUGE, "b", {NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &c, NULL, 1), 0);
    ck_assert_int_eq(metric_set_add(s, &a, NULL, 2), 0);
    ck_assert_int_eq(metric_set_add(s, &b, NULL, 3), 0);
    ck_assert_int_eq(metric_set_add(s, &c, NULL, 4), 0); /* a new value does not move c */
    ck_assert_int_eq(metric_set_add(s, &a, NULL, 5), 0);
    ck_assert_str_eq(metric_family_name(metric_set_family(s, 0)), "demo_c");
    ck_assert_str_eq(metric_family_name(metric_set_family(s, 1)), "demo_a");
    ck_assert_str_eq(metric_family_name(metric_set_family(s, 2)), "demo_b");
    ck_assert_ptr_null(metric_set_family(s, 3));
    const metric_family *fc = metric_set_family(s, 0);
    ck_assert_uint_eq(metric_family_sample_count(fc), 1);
    ck_assert_double_eq(metric_family_value(fc, 0), 4);
    ck_assert_uint_eq(metric_set_sample_count(s), 3);
    metric_set_free(s);
}
END_TEST

/* Enough families to force many rehashes: every one stays findable and in order. */
START_TEST(test_many_families)
{
    enum { N = 5000, PER = 3 };
    metric_set *s = metric_set_new();
    char name[64];
    int errors = 0;
    for (int k = 0; k < PER; k++) {
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof(name), "demo_family_%d_bytes", i);
            metric_def d = {name, METRIC_GAUGE, "Many.", {"k", NULL}};
            char kv[16];
            snprintf(kv, sizeof(kv), "%d", k);
            errors += add1(s, &d, kv, i * 10.0 + k) != 0;
        }
    }
    ck_assert_int_eq(errors, 0);
    ck_assert_uint_eq(metric_set_family_count(s), N);
    ck_assert_uint_eq(metric_set_sample_count(s), (size_t)N * PER);
    int misplaced = 0, lost = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "demo_family_%d_bytes", i);
        const metric_family *f = metric_set_find(s, name);
        misplaced += f != metric_set_family(s, (size_t)i);
        static const char *const k2[] = {"k", "2", NULL};
        double v = -1;
        lost += !f || metric_family_sample_count(f) != PER || !metric_family_lookup(f, k2, &v) ||
                v != i * 10.0 + 2;
    }
    ck_assert_int_eq(misplaced, 0);
    ck_assert_int_eq(lost, 0);
    ck_assert_ptr_null(metric_set_find(s, "demo_family_5000_bytes"));
    metric_set_free(s);
}
END_TEST

START_TEST(test_max_labels)
{
    metric_def d = {"demo_wide", METRIC_GAUGE, "Wide.", {NULL}};
    static const char *const names[METRIC_MAX_LABELS] = {"l0",  "l1",  "l2",  "l3", "l4",  "l5",
                                                         "l6",  "l7",  "l8",  "l9", "l10", "l11",
                                                         "l12", "l13", "l14", "l15"};
    const char *vals[METRIC_MAX_LABELS];
    for (int j = 0; j < METRIC_MAX_LABELS; j++) {
        d.labels[j] = names[j];
        vals[j] = names[METRIC_MAX_LABELS - 1 - j];
    }
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &d, vals, 1), 0);
    const metric_family *f = metric_set_find(s, "demo_wide");
    ck_assert_uint_eq(metric_family_label_count(f), METRIC_MAX_LABELS);
    ck_assert_str_eq(metric_family_label_name(f, 15), "l15");
    ck_assert_str_eq(metric_family_label_value(f, 0, 15), "l0");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "l15");
    metric_set_free(s);
}
END_TEST

START_TEST(test_merge)
{
    metric_set *dst = metric_set_new(), *src = metric_set_new();
    ck_assert_int_eq(add2(dst, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(metric_set_add(dst, &up_def, NULL, 1), 0);
    ck_assert_int_eq(add2(src, &node_def, "prod", "es-2", 2), 0);
    ck_assert_int_eq(add1(src, &total_def, "GET", 10), 0);
    ck_assert_int_eq(add1(src, &total_def, "PUT", NAN), 0);

    ck_assert_int_eq(metric_set_merge(dst, src), 0);
    ck_assert_uint_eq(metric_set_family_count(dst), 3);
    ck_assert_uint_eq(metric_set_sample_count(dst), 5);
    ck_assert_str_eq(metric_family_name(metric_set_family(dst, 2)), "demo_requests_total");
    const metric_family *f = metric_set_find(dst, "demo_heap_used_bytes");
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_str_eq(metric_family_label_value(f, 1, 1), "es-2");
    const metric_family *t = metric_set_find(dst, "demo_requests_total");
    ck_assert_int_eq(metric_family_type(t), METRIC_COUNTER);
    ck_assert_str_eq(metric_family_help(t), "Requests.");
    ck_assert(isnan(metric_family_value(t, 1)));
    /* src is untouched and independent of dst. */
    ck_assert_uint_eq(metric_set_sample_count(src), 3);
    metric_set_free(src);
    ck_assert_str_eq(metric_family_label_value(t, 0, 0), "GET");

    metric_set *empty = metric_set_new();
    ck_assert_int_eq(metric_set_merge(dst, dst), -1); /* self-merge refused, not endless */
    ck_assert_int_eq(metric_set_merge(dst, empty), 0);
    ck_assert_uint_eq(metric_set_sample_count(dst), 5);
    ck_assert_int_eq(metric_set_merge(empty, dst), 0);
    ck_assert_uint_eq(metric_set_family_count(empty), 3);
    ck_assert_uint_eq(metric_set_sample_count(empty), 5);
    metric_set_free(empty);
    metric_set_free(dst);
}
END_TEST

/* A series added twice (a JSON key repeated, two paths to one series) is one
 * series holding the last value; Prometheus would reject the whole scrape. */
START_TEST(test_same_series_last_wins)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-2", 2), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 3), 0);
    ck_assert_int_eq(metric_set_add(s, &up_def, NULL, 0), 0);
    ck_assert_int_eq(metric_set_add(s, &up_def, NULL, 1), 0);
    ck_assert_uint_eq(metric_set_sample_count(s), 3);
    const metric_family *f = metric_set_find(s, "demo_heap_used_bytes");
    ck_assert_uint_eq(metric_family_sample_count(f), 2);
    ck_assert_str_eq(metric_family_label_value(f, 0, 1), "es-1"); /* keeps its place */
    ck_assert_double_eq(metric_family_value(f, 0), 3);
    ck_assert_double_eq(metric_family_value(f, 1), 2);
    ck_assert_double_eq(metric_family_value(metric_set_find(s, "demo_up"), 0), 1);
    /* label values are compared whole: ("ab","c") is not ("a","bc") */
    ck_assert_int_eq(add2(s, &node_def, "ab", "c", 4), 0);
    ck_assert_int_eq(add2(s, &node_def, "a", "bc", 5), 0);
    ck_assert_int_eq(add2(s, &node_def, "", "", 6), 0);
    ck_assert_int_eq(add2(s, &node_def, NULL, "", 7), 0); /* NULL is "" */
    ck_assert_uint_eq(metric_family_sample_count(f), 5);
    ck_assert_double_eq(metric_family_value(f, 4), 7);

    /* merging: the source's value wins over the destination's */
    metric_set *src = metric_set_new();
    ck_assert_int_eq(add2(src, &node_def, "prod", "es-2", 20), 0);
    ck_assert_int_eq(metric_set_merge(s, src), 0);
    ck_assert_uint_eq(metric_family_sample_count(f), 5);
    ck_assert_double_eq(metric_family_value(f, 1), 20);
    ck_assert_uint_eq(metric_set_sample_count(s), 6);
    metric_set_free(src);
    metric_set_free(s);
}
END_TEST

START_TEST(test_relabel)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-2", 2), 0);
    ck_assert_int_eq(add2(s, &node_def, "test", "es-1", 3), 0);
    ck_assert_int_eq(metric_set_relabel(s, "demo_heap_used_bytes", "node", "es-1", "es-1 (a)"), 2);
    const metric_family *f = metric_set_find(s, "demo_heap_used_bytes");
    ck_assert_str_eq(metric_family_label_value(f, 0, 1), "es-1 (a)");
    ck_assert_str_eq(metric_family_label_value(f, 2, 1), "es-1 (a)");
    ck_assert_str_eq(metric_family_label_value(f, 0, 0), "prod");
    /* the series hash follows: the new name is found, a re-add replaces */
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1 (a)", 10), 0);
    ck_assert_uint_eq(metric_family_sample_count(f), 3);
    ck_assert_double_eq(metric_family_value(f, 0), 10);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-1", 11), 0); /* the old name is new again */
    ck_assert_uint_eq(metric_family_sample_count(f), 4);
    /* nothing to do: unknown family, label or value */
    ck_assert_int_eq(metric_set_relabel(s, "demo_nope", "node", "es-2", "x"), 0);
    ck_assert_int_eq(metric_set_relabel(s, "demo_heap_used_bytes", "nope", "es-2", "x"), 0);
    ck_assert_int_eq(metric_set_relabel(s, "demo_heap_used_bytes", "node", "es-9", "x"), 0);
    /* a relabel onto an existing series merges into it, the later value winning */
    ck_assert_int_eq(metric_set_relabel(s, "demo_heap_used_bytes", "node", "es-2", "es-1"), 1);
    ck_assert_uint_eq(metric_family_sample_count(f), 3);
    ck_assert_uint_eq(metric_set_sample_count(s), 3);
    const char *pairs[] = {"cluster", "prod", "node", "es-1", NULL};
    double v = 0;
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", pairs, &v), 1);
    ck_assert_double_eq(v, 11);
    metric_set_free(s);
}
END_TEST

/* Uniqueness holds at scale and does not cost a scan per add. */
START_TEST(test_many_series_unique)
{
    metric_set *s = metric_set_new();
    char node[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 20000; i++) {
            snprintf(node, sizeof(node), "es-%d", i);
            ck_assert_int_eq(add2(s, &node_def, "prod", node, i + round * 0.5), 0);
        }
    ck_assert_uint_eq(metric_set_sample_count(s), 20000);
    const char *pairs[] = {"node", "es-12345", NULL};
    double v = 0;
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", pairs, &v), 1);
    ck_assert_double_eq(v, 12345.5);
    /* every label given: answered by the series index, absent series too */
    const char *all[] = {"cluster", "prod", "node", "es-19999", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", all, &v), 1);
    ck_assert_double_eq(v, 19999.5);
    const char *absent[] = {"node", "es-20000", "cluster", "prod", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", absent, &v), 0);
    const char *other[] = {"cluster", "test", "node", "es-1", NULL};
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", other, &v), 0);
    metric_set_free(s);
}
END_TEST

/* absorb ends as merge does (families in order, a repeated series takes src's value), moves
 * rather than copies, and leaves src empty and usable. */
START_TEST(test_absorb)
{
    metric_set *dst = metric_set_new(), *src = metric_set_new();
    ck_assert_int_eq(add2(dst, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(dst, &node_def, "prod", "es-2", 2), 0);
    ck_assert_int_eq(metric_set_add(dst, &up_def, NULL, 1), 0);
    ck_assert_int_eq(add2(src, &node_def, "prod", "es-2", 20), 0); /* a series dst has */
    ck_assert_int_eq(add2(src, &node_def, "prod", "es-3", 3), 0);
    ck_assert_int_eq(add1(src, &total_def, "GET", 10), 0); /* a family dst lacks */
    const metric_family *moved = metric_set_find(src, "demo_requests_total");
    ck_assert_int_eq(metric_set_absorb(dst, src), 0);
    ck_assert_uint_eq(metric_set_family_count(dst), 3);
    ck_assert_uint_eq(metric_set_sample_count(dst), 5);
    ck_assert_ptr_eq(metric_set_find(dst, "demo_requests_total"), moved); /* not a copy */
    ck_assert_str_eq(metric_family_name(metric_set_family(dst, 2)), "demo_requests_total");
    const metric_family *f = metric_set_find(dst, "demo_heap_used_bytes");
    ck_assert_uint_eq(metric_family_sample_count(f), 3);
    ck_assert_double_eq(metric_family_value(f, 1), 20);
    ck_assert_str_eq(metric_family_label_value(f, 2, 1), "es-3");
    double v = 0;
    const char *pairs[] = {"node", "es-3", NULL};
    ck_assert_int_eq(metric_family_lookup(f, pairs, &v), 1);
    ck_assert_double_eq(v, 3);
    /* src: empty, and as good as new */
    ck_assert_uint_eq(metric_set_family_count(src), 0);
    ck_assert_uint_eq(metric_set_sample_count(src), 0);
    ck_assert_ptr_null(metric_set_find(src, "demo_requests_total"));
    ck_assert_int_eq(add1(src, &total_def, "PUT", 5), 0);
    ck_assert_uint_eq(metric_set_sample_count(src), 1);
    ck_assert_int_eq(metric_set_absorb(dst, dst), -1);
    ck_assert_int_eq(metric_set_absorb(dst, src), 0);
    ck_assert_uint_eq(metric_family_sample_count(moved), 2);
    ck_assert_uint_eq(metric_set_sample_count(dst), 6);
    /* a clash is refused; src is emptied all the same */
    static const metric_def clash = {"demo_up", METRIC_COUNTER, "Clash.", {NULL}};
    ck_assert_int_eq(metric_set_add(src, &clash, NULL, 9), 0);
    ck_assert_int_eq(metric_set_absorb(dst, src), -1);
    ck_assert_uint_eq(metric_set_family_count(src), 0);
    ck_assert_int_eq(metric_family_type(metric_set_find(dst, "demo_up")), METRIC_GAUGE);
    metric_set_free(src);
    metric_set_free(dst);
}
END_TEST

/* Families absorbed from many short-lived sets, growing from a few samples to many (their
 * pieces first in the set's arena, then malloc'd) and with label values long and short, read
 * back intact once every source set is freed, and after trim and more adds. */
START_TEST(test_absorb_growing_families)
{
    metric_set *dst = metric_set_new();
    char node[300], fam[32];
    metric_def defs[40];
    for (int k = 0; k < 40; k++) {
        snprintf(fam, sizeof(fam), "demo_f%d", k);
        defs[k] = node_def;
        defs[k].name = strdup(fam);
    }
    for (int round = 0; round < 30; round++) {
        metric_set *src = metric_set_new();
        for (int k = 0; k < 40; k++)
            for (int i = 0; i < k; i++) { /* family k gets k samples a round */
                snprintf(node, sizeof(node), "es-%d-%d-%0*d", round, i, (i % 7) * 40, 0);
                ck_assert_int_eq(add2(src, &defs[k], "prod", node, round * 1000 + i), 0);
            }
        ck_assert_int_eq(metric_set_absorb(dst, src), 0);
        metric_set_free(src);
    }
    ck_assert_uint_eq(metric_set_family_count(dst), 39); /* demo_f0 never had a sample */
    for (int k = 1; k < 40; k++) {
        const metric_family *f = metric_set_find(dst, defs[k].name);
        ck_assert_uint_eq(metric_family_sample_count(f), (size_t)(30 * k));
        for (int round = 0; round < 30; round++)
            for (int i = 0; i < k; i++) {
                size_t at = (size_t)(round * k + i);
                snprintf(node, sizeof(node), "es-%d-%d-%0*d", round, i, (i % 7) * 40, 0);
                ck_assert_str_eq(metric_family_label_value(f, at, 1), node);
                ck_assert_double_eq(metric_family_value(f, at), round * 1000 + i);
            }
    }
    metric_set_trim(dst);
    ck_assert_int_eq(add2(dst, &defs[3], "prod", "es-0-0-0", 5), 0); /* a repeat: replaced */
    ck_assert_int_eq(add2(dst, &defs[3], "prod", "es-late", 6), 0);
    const metric_family *f3 = metric_set_find(dst, "demo_f3");
    ck_assert_uint_eq(metric_family_sample_count(f3), 91);
    ck_assert_double_eq(metric_family_value(f3, 0), 5);
    ck_assert_str_eq(metric_family_label_value(f3, 90, 1), "es-late");
    metric_set_free(dst);
    for (int k = 0; k < 40; k++)
        free((char *)defs[k].name);
}
END_TEST

/* After trim a set reads the same, and adding or relabelling still keeps every series once. */
START_TEST(test_trim_then_add)
{
    metric_set *s = metric_set_new();
    char node[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(node, sizeof(node), "es-%d", i);
        ck_assert_int_eq(add2(s, &node_def, "prod", node, i), 0);
    }
    metric_set_trim(s);
    metric_set_trim(s); /* twice: harmless */
    const metric_family *f = metric_set_find(s, "demo_heap_used_bytes");
    ck_assert_uint_eq(metric_family_sample_count(f), 1000);
    ck_assert_str_eq(metric_family_label_value(f, 999, 1), "es-999");
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-7", 70), 0); /* a repeat: replaced */
    ck_assert_uint_eq(metric_family_sample_count(f), 1000);
    ck_assert_double_eq(metric_family_value(f, 7), 70);
    ck_assert_int_eq(add2(s, &node_def, "prod", "es-new", 1), 0);
    ck_assert_uint_eq(metric_set_sample_count(s), 1001);
    metric_set_trim(s);
    ck_assert_int_eq(metric_set_relabel(s, "demo_heap_used_bytes", "node", "es-8", "es-9"), 1);
    ck_assert_uint_eq(metric_family_sample_count(f), 1000); /* merged into es-9 */
    ck_assert_uint_eq(metric_set_sample_count(s), 1000);
    /* a full-label lookup after a trim (no index) and after the relabel */
    const char *es9[] = {"cluster", "prod", "node", "es-9", NULL};
    const char *es8[] = {"cluster", "prod", "node", "es-8", NULL};
    double v = 0;
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", es9, &v), 1);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", es8, &v), 0);
    metric_set_trim(s);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", es9, &v), 1);
    ck_assert_int_eq(metric_set_lookup(s, "demo_heap_used_bytes", es8, &v), 0);
    metric_set_free(s);
}
END_TEST

START_TEST(test_merge_conflict_refused)
{
    static const metric_def clash = {
        "demo_heap_used_bytes", METRIC_COUNTER, "Clash.", {"cluster", "node", NULL}};
    metric_set *dst = metric_set_new(), *src = metric_set_new();
    ck_assert_int_eq(add2(dst, &node_def, "prod", "es-1", 1), 0);
    ck_assert_int_eq(add2(src, &clash, "prod", "es-9", 9), 0);
    ck_assert_int_eq(metric_set_merge(dst, src), -1);
    ck_assert_uint_eq(metric_set_sample_count(dst), 1);
    ck_assert_int_eq(metric_family_type(metric_set_find(dst, "demo_heap_used_bytes")),
                     METRIC_GAUGE);
    metric_set_free(src);
    metric_set_free(dst);
}
END_TEST

START_TEST(test_type_names)
{
    ck_assert_str_eq(metric_type_name(METRIC_GAUGE), "gauge");
    ck_assert_str_eq(metric_type_name(METRIC_COUNTER), "counter");
    ck_assert_str_eq(metric_type_name(METRIC_UNTYPED), "untyped");
}
END_TEST

START_TEST(test_remove)
{
    metric_set *s = metric_set_new();
    char name[32];
    for (int i = 0; i < 100; i++) {
        metric_def d = {NULL, METRIC_GAUGE, "h", {NULL}};
        snprintf(name, sizeof(name), "fam_%d", i);
        d.name = name;
        ck_assert_int_eq(metric_set_add(s, &d, NULL, i), 0);
    }
    ck_assert_int_eq(metric_set_remove(s, "fam_10"), 1);
    ck_assert_int_eq(metric_set_remove(s, "fam_10"), 0);
    ck_assert_int_eq(metric_set_remove(s, "absent"), 0);
    ck_assert_uint_eq(metric_set_family_count(s), 99);
    ck_assert_uint_eq(metric_set_sample_count(s), 99);
    ck_assert_ptr_null(metric_set_find(s, "fam_10"));
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "fam_%d", i);
        double v = -1;
        ck_assert_int_eq(metric_set_lookup(s, name, NULL, &v), i != 10);
        if (i != 10)
            ck_assert_double_eq(v, i);
    }
    ck_assert_str_eq(metric_family_name(metric_set_family(s, 10)), "fam_11");
    metric_set_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metric");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_new_is_empty);
    tcase_add_test(tc, test_add_and_accessors);
    tcase_add_test(tc, test_add_copies_everything);
    tcase_add_test(tc, test_label_less_family);
    tcase_add_test(tc, test_null_help_and_null_value);
    tcase_add_test(tc, test_lookup_pairs);
    tcase_add_test(tc, test_conflicting_def_refused);
    tcase_add_test(tc, test_missing_values_refused);
    tcase_add_test(tc, test_insertion_order);
    tcase_add_test(tc, test_many_families);
    tcase_add_test(tc, test_max_labels);
    tcase_add_test(tc, test_type_names);
    tcase_add_test(tc, test_same_series_last_wins);
    tcase_add_test(tc, test_many_series_unique);
    tcase_add_test(tc, test_relabel);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("merge");
    tcase_add_test(tm, test_merge);
    tcase_add_test(tm, test_merge_conflict_refused);
    tcase_add_test(tm, test_absorb);
    tcase_add_test(tm, test_absorb_growing_families);
    tcase_add_test(tm, test_trim_then_add);
    tcase_add_test(tm, test_remove);
    tcase_add_test(tm, test_lookup_repeated_and_later_label);
    tcase_add_test(tm, test_family_handle);
    tcase_add_test(tm, test_add_prefixed);
    tcase_add_test(tm, test_deferred_index);
    suite_add_tcase(s, tm);
    return s;
}

UNIT_MAIN(suite)
