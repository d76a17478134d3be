/* test_strmap: the shared string map: dense ids in insertion order, owned
 * keys with explicit lengths, zeroed values that survive growth, sweep and
 * remove keeping order. */
#include "strmap.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

START_TEST(test_empty)
{
    strmap *m = strmap_new(sizeof(double));
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(strmap_count(m), 0);
    ck_assert_uint_eq(strmap_get(m, "x"), STRMAP_NONE);
    ck_assert_ptr_null(strmap_value_of(m, "x"));
    ck_assert_int_eq(strmap_remove(m, "x"), 0);
    strmap_free(m);
    strmap_free(NULL);
}
END_TEST

START_TEST(test_put_get_owned_keys)
{
    strmap *m = strmap_new(sizeof(double));
    char key[16];
    int created = -1;
    snprintf(key, sizeof(key), "node-a");
    ck_assert_uint_eq(strmap_add(m, key, &created), 0);
    ck_assert_int_eq(created, 1);
    *(double *)strmap_value(m, 0) = 2.5;
    snprintf(key, sizeof(key), "node-b"); /* the map has its own copy */
    ck_assert_uint_eq(strmap_add(m, key, &created), 1);
    ck_assert_int_eq(created, 1);
    ck_assert_uint_eq(strmap_add(m, "node-a", &created), 0);
    ck_assert_int_eq(created, 0);
    ck_assert_uint_eq(strmap_add(m, "node-a", NULL), 0);
    ck_assert_str_eq(strmap_key(m, 0), "node-a");
    ck_assert_uint_eq(strmap_key_len(m, 1), 6);
    ck_assert_double_eq(*(double *)strmap_value_of(m, "node-a"), 2.5);
    ck_assert_double_eq(*(double *)strmap_value_of(m, "node-b"), 0); /* zeroed */
    ck_assert_uint_eq(strmap_count(m), 2);
    strmap_free(m);
}
END_TEST

/* A key hashed once answers as the plain calls do, in a map that grows past its first tables. */
START_TEST(test_hkey_matches_plain_calls)
{
    strmap *m = strmap_new(0);
    char key[32];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof(key), "esvigil_family_%d", i);
        strmap_hkey k = strmap_hkey_of(key, strlen(key));
        ck_assert_uint_eq(k.hash, strmap_hash(key, strlen(key)));
        ck_assert_uint_eq(strmap_find_hkey(m, k), STRMAP_NONE);
        int created = 0;
        ck_assert_uint_eq(strmap_put_hkey(m, k, &created), (size_t)i);
        ck_assert_int_eq(created, 1);
        ck_assert_uint_eq(strmap_put_hkey(m, k, &created), (size_t)i);
        ck_assert_int_eq(created, 0);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof(key), "esvigil_family_%d", i);
        ck_assert_uint_eq(strmap_find_hkey(m, strmap_hkey_of(key, strlen(key))), (size_t)i);
        ck_assert_uint_eq(strmap_get(m, key), (size_t)i);
    }
    /* the length is the key's, so a prefix (or a key with a NUL inside) is another key */
    ck_assert_uint_eq(strmap_find_hkey(m, strmap_hkey_of("esvigil_family_1", 15)), STRMAP_NONE);
    strmap_hkey nul = strmap_hkey_of("a\0b", 3);
    ck_assert_uint_eq(strmap_put_hkey(m, nul, NULL), 300);
    ck_assert_uint_eq(strmap_find(m, "a\0b", 3), 300);
    ck_assert_uint_eq(strmap_get(m, "a"), STRMAP_NONE);
    strmap_free(m);
}
END_TEST

/* Keys are bytes with a length: a prefix, or bytes past a NUL, differ. */
START_TEST(test_lengths_and_nul)
{
    strmap *m = strmap_new(0);
    ck_assert_uint_eq(strmap_put(m, "abc", 3, NULL), 0);
    ck_assert_uint_eq(strmap_put(m, "abcdef", 2, NULL), 1); /* "ab" */
    ck_assert_uint_eq(strmap_put(m, "a\0b", 3, NULL), 2);
    ck_assert_uint_eq(strmap_put(m, "a", 1, NULL), 3);
    ck_assert_uint_eq(strmap_put(m, "", 0, NULL), 4);
    ck_assert_uint_eq(strmap_find(m, "ab", 2), 1);
    ck_assert_uint_eq(strmap_find(m, "a\0b", 3), 2);
    ck_assert_uint_eq(strmap_get(m, "a"), 3);
    ck_assert_uint_eq(strmap_get(m, ""), 4);
    ck_assert_str_eq(strmap_key(m, 1), "ab"); /* NUL-terminated copy */
    ck_assert_int_eq(memcmp(strmap_key(m, 2), "a\0b", 4), 0);
    /* removing "a" leaves "a\0b" alone */
    ck_assert_int_eq(strmap_remove(m, "a"), 1);
    ck_assert_uint_eq(strmap_find(m, "a\0b", 3), 2);
    ck_assert_uint_eq(strmap_get(m, "a"), STRMAP_NONE);
    ck_assert_uint_eq(strmap_count(m), 4);
    strmap_free(m);
}
END_TEST

typedef struct rec {
    size_t born; /* the id it was created with */
    char tag[24];
} rec;

/* Many keys: ids dense in insertion order, values intact across growth. */
START_TEST(test_many_keys)
{
    enum { N = 100000 };
    strmap *m = strmap_new(sizeof(rec));
    char key[32];
    for (size_t i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "index-%zu", i);
        int created = 0;
        size_t id = strmap_add(m, key, &created);
        ck_assert_uint_eq(id, i);
        ck_assert(created);
        rec *r = strmap_value(m, id);
        ck_assert_uint_eq(r->born, 0);
        r->born = i;
        snprintf(r->tag, sizeof(r->tag), "t%zu", i);
    }
    ck_assert_uint_eq(strmap_count(m), N);
    for (size_t i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "index-%zu", i);
        size_t id = strmap_get(m, key);
        ck_assert_uint_eq(id, i);
        ck_assert_str_eq(strmap_key(m, id), key);
        const rec *r = strmap_value(m, id);
        char tag[24];
        snprintf(tag, sizeof(tag), "t%zu", i);
        ck_assert_uint_eq(r->born, i);
        ck_assert_str_eq(r->tag, tag);
    }
    snprintf(key, sizeof(key), "index-%d", N);
    ck_assert_uint_eq(strmap_get(m, key), STRMAP_NONE);
    strmap_free(m);
}
END_TEST

static int keep_even_born(const char *key, void *value, void *ctx)
{
    (void)key;
    (*(size_t *)ctx)++;
    return ((rec *)value)->born % 2 == 0;
}

static int keep_none(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)value;
    (void)ctx;
    return 0;
}

/* The "seen this poll" pattern of the check baselines: sweep the rest. */
START_TEST(test_sweep)
{
    strmap *m = strmap_new(sizeof(rec));
    char key[32];
    for (size_t i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "k%zu", i);
        ((rec *)strmap_value(m, strmap_add(m, key, NULL)))->born = i;
    }
    size_t visits = 0;
    ck_assert_uint_eq(strmap_sweep(m, keep_even_born, &visits), 500);
    ck_assert_uint_eq(visits, 1000);
    ck_assert_uint_eq(strmap_count(m), 500);
    for (size_t id = 0; id < strmap_count(m); id++) { /* order kept, renumbered */
        const rec *r = strmap_value(m, id);
        ck_assert_uint_eq(r->born, 2 * id);
        snprintf(key, sizeof(key), "k%zu", 2 * id);
        ck_assert_str_eq(strmap_key(m, id), key);
        ck_assert_uint_eq(strmap_get(m, key), id);
        snprintf(key, sizeof(key), "k%zu", 2 * id + 1);
        ck_assert_uint_eq(strmap_get(m, key), STRMAP_NONE);
    }
    /* a dropped key comes back as a new entry at the end, zeroed */
    int created = 0;
    ck_assert_uint_eq(strmap_add(m, "k1", &created), 500);
    ck_assert(created);
    ck_assert_uint_eq(((rec *)strmap_value(m, 500))->born, 0);
    /* removing shifts the later ids down */
    ck_assert_int_eq(strmap_remove(m, "k0"), 1);
    ck_assert_uint_eq(strmap_get(m, "k2"), 0);
    ck_assert_uint_eq(strmap_get(m, "k1"), 499);
    ck_assert_uint_eq(strmap_sweep(m, keep_none, NULL), 500);
    ck_assert_uint_eq(strmap_count(m), 0);
    ck_assert_uint_eq(strmap_get(m, "k2"), STRMAP_NONE);
    ck_assert_uint_eq(strmap_add(m, "again", NULL), 0);
    strmap_free(m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_put_get_owned_keys);
    tcase_add_test(tc, test_hkey_matches_plain_calls);
    tcase_add_test(tc, test_lengths_and_nul);
    tcase_add_test(tc, test_many_keys);
    tcase_add_test(tc, test_sweep);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
