/* test_clock: the shared clock helpers: monotonic never goes back, real time
 * is the epoch's, and seconds convert to a well-formed timespec. */
#include "clock.h"
#include "unit.h"

#include <time.h>

START_TEST(test_mono_never_goes_back)
{
    double prev = clock_mono();
    for (int i = 0; i < 100000; i++) {
        double t = clock_mono();
        ck_assert_double_ge(t, prev);
        prev = t;
    }
}
END_TEST

/* Bounds from clock_gettime, not time(): glibc's time() reads the coarse clock, a tick behind,
 * so near a second's boundary clock_real() was already past time()'s "after + 1" (a CI flake). */
static double realtime_now(void)
{
    struct timespec ts;
    ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &ts), 0);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_real_is_the_epoch)
{
    double before = realtime_now();
    double t = clock_real();
    double after = realtime_now();
    ck_assert_double_ge(t, before - 1e-6); /* a double holds ~0.2 us at today's epoch */
    ck_assert_double_le(t, after + 1e-6);
    ck_assert_double_gt(t, 1.6e9); /* seconds since 1970, not since boot */
}
END_TEST

static const struct {
    double s;
    long sec, nsec;
} ts_cases[] = {
    {0, 0, 0},
    {1.5, 1, 500000000},
    {0.001, 0, 1000000},
    {1700000000.25, 1700000000, 250000000},
};

START_TEST(test_timespec)
{
    struct timespec ts = clock_timespec(ts_cases[_i].s);
    ck_assert_int_eq(ts.tv_sec, ts_cases[_i].sec);
    /* a double cannot hold every nanosecond: within a microsecond */
    ck_assert_int_le(labs(ts.tv_nsec - ts_cases[_i].nsec), 1000);
}
END_TEST

/* Just below a whole second must not give tv_nsec = 1e9. */
START_TEST(test_timespec_normalised)
{
    for (double s = 0.9999999; s < 5; s += 0.33333333337) {
        struct timespec ts = clock_timespec(s);
        ck_assert_int_ge(ts.tv_nsec, 0);
        ck_assert_int_lt(ts.tv_nsec, 1000000000L);
    }
    struct timespec ts = clock_timespec(2.9999999999999);
    ck_assert_int_lt(ts.tv_nsec, 1000000000L);
    ck_assert_int_ge(ts.tv_sec, 2);
}
END_TEST

/* Two readings' difference loses its float noise: what is left is the nanoseconds the clock
 * counted, which print in as few digits as they need. */
START_TEST(test_round_ns)
{
    ck_assert(clock_round_ns(0.0010675350000042272) == 0.001067535);
    ck_assert(clock_round_ns(5.580300000929128e-05) == 5.5803e-05);
    ck_assert(clock_round_ns(12.000000000400001) == 12.0);
    ck_assert(clock_round_ns(0) == 0);
    ck_assert(isnan(clock_round_ns(NAN)));
    ck_assert(isinf(clock_round_ns(INFINITY)));
    double t0 = clock_mono(), d = clock_round_ns(clock_mono() - t0);
    ck_assert(d >= 0 && d == round(d * 1e9) / 1e9);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_mono_never_goes_back);
    tcase_add_test(tc, test_real_is_the_epoch);
    tcase_add_loop_test(tc, test_timespec, 0, (int)(sizeof(ts_cases) / sizeof(ts_cases[0])));
    tcase_add_test(tc, test_timespec_normalised);
    tcase_add_test(tc, test_round_ns);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
