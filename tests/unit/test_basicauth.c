/* test_basicauth: bcrypt via crypt_r with hashes made at test time, the
 * $2a$/$2b$/$2y$ spellings, and the cache (successes only, expiring). */
#include "unit.h"

#include <crypt.h>
#include <string.h>

#include "basicauth.h"

/* A fresh bcrypt hash of password (cost 4: fast), in out. */
static void make_hash(const char *password, char *out, size_t n)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    ck_assert_ptr_nonnull(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    const char *h = crypt_r(password, salt, cd);
    ck_assert_ptr_nonnull(h);
    ck_assert_msg(strncmp(h, "$2b$04$", 7) == 0, "%s", h);
    snprintf(out, n, "%s", h);
    free(cd);
}

START_TEST(test_right_and_wrong)
{
    char hash[128];
    make_hash("s3cret", hash, sizeof(hash));
    basicauth *a = basicauth_new(0); /* no cache */
    ck_assert_int_eq(basicauth_check(a, "u", hash, "s3cret", 0), 1);
    ck_assert_int_eq(basicauth_check(a, "u", hash, "s3cre", 0), 0);
    ck_assert_int_eq(basicauth_check(a, "u", hash, "", 0), 0);
    ck_assert_int_eq(basicauth_check(a, "u", "not-a-hash", "s3cret", 0), 0);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 4);
    basicauth_free(a);
}
END_TEST

START_TEST(test_prefix_variants)
{
    /* $2a$ and $2y$ hash ASCII passwords exactly like $2b$ */
    char hash[128];
    make_hash("pw", hash, sizeof(hash));
    basicauth *a = basicauth_new(0);
    for (const char *v = "ay"; *v; v++) {
        hash[2] = *v;
        ck_assert_msg(basicauth_check(a, "u", hash, "pw", 0) == 1, "$2%c$", *v);
        ck_assert_int_eq(basicauth_check(a, "u", hash, "wp", 0), 0);
    }
    basicauth_free(a);
}
END_TEST

START_TEST(test_cache)
{
    char hash[128];
    make_hash("pw", hash, sizeof(hash));
    basicauth *a = basicauth_new(10);
    ck_assert_int_eq(basicauth_check(a, "u", hash, "pw", 100), 1);
    ck_assert_int_eq(basicauth_check(a, "u", hash, "pw", 105), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 1); /* second one from the cache */
    /* failures are never cached, other users and passwords are not hits */
    ck_assert_int_eq(basicauth_check(a, "u", hash, "px", 105), 0);
    ck_assert_int_eq(basicauth_check(a, "u", hash, "px", 105), 0);
    ck_assert_int_eq(basicauth_check(a, "v", hash, "pw", 105), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 4);
    /* expired: computed again */
    ck_assert_int_eq(basicauth_check(a, "u", hash, "pw", 111), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 5);
    /* a changed hash (new password on reload) is a miss */
    char other[128];
    make_hash("pw", other, sizeof(other));
    ck_assert_int_eq(basicauth_check(a, "u", other, "pw", 111), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 6);
    basicauth_free(a);
}
END_TEST

START_TEST(test_cache_full)
{
    char hash[128];
    make_hash("pw", hash, sizeof(hash));
    basicauth *a = basicauth_new(100);
    char user[16];
    for (int i = 0; i < 40; i++) { /* more than the slots: the oldest go */
        snprintf(user, sizeof(user), "u%d", i);
        ck_assert_int_eq(basicauth_check(a, user, hash, "pw", i), 1);
    }
    ck_assert_int_eq(basicauth_check(a, "u39", hash, "pw", 50), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 40);
    ck_assert_int_eq(basicauth_check(a, "u0", hash, "pw", 50), 1);
    ck_assert_uint_eq(basicauth_hashes_computed(a), 41);
    basicauth_free(a);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("basicauth");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_right_and_wrong);
    tcase_add_test(tc, test_prefix_variants);
    tcase_add_test(tc, test_cache);
    tcase_add_test(tc, test_cache_full);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
