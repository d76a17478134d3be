/* test_ratelimit: identical messages are folded, distinct ones are not,
 * and a cleared key logs at once again. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

START_TEST(test_first_always_logged)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    unsigned sup = 99;
    ck_assert_int_eq(ratelimit_allow(&r, "es down", 1000, &sup), 1);
    ck_assert_uint_eq(sup, 0);
}
END_TEST

START_TEST(test_repeats_folded_then_counted)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    unsigned sup = 0;
    ck_assert_int_eq(ratelimit_allow(&r, "es down", 1000, &sup), 1);
    for (int i = 1; i <= 3; i++)
        ck_assert_int_eq(ratelimit_allow(&r, "es down", 1000 + 15 * i, &sup), 0);
    ck_assert_int_eq(ratelimit_allow(&r, "es down", 1060, &sup), 1);
    ck_assert_uint_eq(sup, 3);
    ck_assert_int_eq(ratelimit_allow(&r, "es down", 1061, &sup), 0);
}
END_TEST

START_TEST(test_distinct_keys_independent)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    ck_assert_int_eq(ratelimit_allow(&r, "refused", 10, NULL), 1);
    ck_assert_int_eq(ratelimit_allow(&r, "timeout", 11, NULL), 1);
    ck_assert_int_eq(ratelimit_allow(&r, "refused", 12, NULL), 0);
    ck_assert_int_eq(ratelimit_allow(&r, "timeout", 13, NULL), 0);
}
END_TEST

START_TEST(test_clear_logs_again)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    ck_assert_int_eq(ratelimit_allow(&r, "refused", 10, NULL), 1);
    ratelimit_clear(&r, "refused");
    ck_assert_int_eq(ratelimit_allow(&r, "refused", 11, NULL), 1);
}
END_TEST

START_TEST(test_more_keys_than_slots_recycles_oldest)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    char key[32];
    for (int i = 0; i < RATELIMIT_SLOTS + 4; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        ck_assert_int_eq(ratelimit_allow(&r, key, 100 + i, NULL), 1);
    }
    /* the newest keys are still remembered */
    snprintf(key, sizeof(key), "k%d", RATELIMIT_SLOTS + 3);
    ck_assert_int_eq(ratelimit_allow(&r, key, 130, NULL), 0);
    /* k0 was recycled, so it counts as new */
    ck_assert_int_eq(ratelimit_allow(&r, "k0", 131, NULL), 1);
}
END_TEST

START_TEST(test_long_keys_truncated_safely)
{
    ratelimit r;
    ratelimit_init(&r, 60);
    char key[1000];
    memset(key, 'x', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    ck_assert_int_eq(ratelimit_allow(&r, key, 1, NULL), 1);
    ck_assert_int_eq(ratelimit_allow(&r, key, 2, NULL), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_first_always_logged);
    tcase_add_test(tc, test_repeats_folded_then_counted);
    tcase_add_test(tc, test_distinct_keys_independent);
    tcase_add_test(tc, test_clear_logs_again);
    tcase_add_test(tc, test_more_keys_than_slots_recycles_oldest);
    tcase_add_test(tc, test_long_keys_truncated_safely);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
