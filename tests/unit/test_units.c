/* test_units: durations and byte sizes, good and bad spellings, and the
 * duration formatter's round trip. */
#include "unit.h"

#include "units.h"

#include <string.h>

static const struct {
    const char *text;
    long long ms;
} good_durations[] = {
    {"500ms", 500},     {"15s", 15000},           {"1m", 60000},
    {"1h30m", 5400000}, {"1d", 86400000},         {"0", 0},
    {"0s", 0},          {"1w", 604800000},        {"1y", 31536000000},
    {"1m30s", 90000},   {"2h0m5s100ms", 7205100}, {"90s", 90000},
};

START_TEST(test_duration_good)
{
    const char *text = good_durations[_i].text;
    long long ms = -42;
    ck_assert_msg(units_parse_duration_ms(text, &ms) == 0, "%s refused", text);
    ck_assert_msg(ms == good_durations[_i].ms, "%s: %lld", text, ms);
}
END_TEST

static const char *const bad_durations[] = {
    "",
    "15",
    "s",
    "1.5s",
    "-1s",
    "1s1m",
    "1m1m",
    "1ms1s",
    " 1s",
    "1s ",
    "1 s",
    "1S",
    "1sec",
    "ms",
    "00",
    "1x",
    "+1s",
    "1e3s",
    "1s2",
    "1h1d",
    "9223372036854775808ms", /* LLONG_MAX + 1 */
    "292471209y",            /* too many ms */
    "99999999999999999999999s",
};

START_TEST(test_duration_bad)
{
    const char *text = bad_durations[_i];
    long long ms = -42;
    ck_assert_msg(units_parse_duration_ms(text, &ms) == -1, "\"%s\" accepted", text);
    ck_assert_msg(ms == -42, "\"%s\" wrote a result", text);
}
END_TEST

START_TEST(test_duration_null)
{
    long long ms = 7;
    ck_assert_int_eq(units_parse_duration_ms(NULL, &ms), -1);
    ck_assert_int_eq(ms, 7);
}
END_TEST

START_TEST(test_duration_max)
{
    long long ms = 0;
    ck_assert_int_eq(units_parse_duration_ms("9223372036854775807ms", &ms), 0);
    ck_assert(ms == 9223372036854775807LL);
}
END_TEST

static const struct {
    long long ms;
    const char *text;
} formats[] = {
    {0, "0s"},           {500, "500ms"},
    {15000, "15s"},      {60000, "1m"},
    {90000, "1m30s"},    {5400000, "1h30m"},
    {86400000, "1d"},    {604800000, "1w"},
    {31536000000, "1y"}, {90061001, "1d1h1m1s1ms"},
    {1500, "1s500ms"},   {-1500, "-1s500ms"},
};

START_TEST(test_duration_format)
{
    char out[64];
    units_format_duration(formats[_i].ms, out, sizeof(out));
    ck_assert_str_eq(out, formats[_i].text);
    if (formats[_i].ms >= 0) {
        long long back = -1;
        ck_assert_int_eq(units_parse_duration_ms(out, &back), 0);
        ck_assert(back == formats[_i].ms);
    }
}
END_TEST

START_TEST(test_duration_format_small_buffer)
{
    char out[4] = "xxx";
    units_format_duration(90061001, out, sizeof(out));
    ck_assert_uint_lt(strlen(out), sizeof(out));
    ck_assert_str_eq(out, "1d1");
    units_format_duration(5, out, 0); /* n == 0 must not write */
    ck_assert_str_eq(out, "1d1");
}
END_TEST

START_TEST(test_duration_format_extremes)
{
    char out[64];
    long long back = 0;
    units_format_duration(9223372036854775807LL, out, sizeof(out));
    ck_assert_int_eq(units_parse_duration_ms(out, &back), 0);
    ck_assert(back == 9223372036854775807LL);
    units_format_duration(-9223372036854775807LL - 1, out, sizeof(out));
    ck_assert(out[0] == '-');
}
END_TEST

static const struct {
    const char *text;
    double bytes;
} good_bytes[] = {
    {"1024", 1024},
    {"10gb", 10737418240.0},
    {"10GB", 10737418240.0},
    {"1.5kb", 1536},
    {"0b", 0},
    {" 5mb ", 5242880},
    {"5 mb", 5242880},
    {"512k", 524288},
    {"1Tb", 1099511627776.0},
    {"2pb", 2251799813685248.0},
    {"0", 0},
    {"7b", 7},
    {"0.5m", 524288},
    {"\t64mb\n", 67108864},
};

START_TEST(test_bytes_good)
{
    double b = -42;
    ck_assert_msg(units_parse_bytes(good_bytes[_i].text, &b) == 0, "\"%s\" refused",
                  good_bytes[_i].text);
    ck_assert_msg(b == good_bytes[_i].bytes, "\"%s\": %f", good_bytes[_i].text, b);
}
END_TEST

static const char *const bad_bytes[] = {
    "abc",   "10xb", "-1",   "",    "   ",   "kb",     "1.5",
    "1.5b",  "1.kb", ".5kb", "1e3", "0x10",  "+5mb",   "5mb5",
    "5 m b", "5mbb", "inf",  "nan", "1,5kb", "5 mb x", "1" /* followed by 400 digits, see below */,
};

START_TEST(test_bytes_bad)
{
    double b = -42;
    const char *text = bad_bytes[_i];
    char huge[512];
    if (strcmp(text, "1") == 0) {
        memset(huge, '9', 400);
        strcpy(huge + 400, "pb"); /* overflows a double */
        text = huge;
    }
    ck_assert_msg(units_parse_bytes(text, &b) == -1, "\"%s\" accepted", text);
    ck_assert_msg(b == -42, "\"%s\" wrote a result", text);
}
END_TEST

START_TEST(test_bytes_null)
{
    double b = 3;
    ck_assert_int_eq(units_parse_bytes(NULL, &b), -1);
    ck_assert(b == 3);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("duration");
    tcase_add_loop_test(tc, test_duration_good, 0,
                        (int)(sizeof(good_durations) / sizeof(good_durations[0])));
    tcase_add_loop_test(tc, test_duration_bad, 0,
                        (int)(sizeof(bad_durations) / sizeof(bad_durations[0])));
    tcase_add_test(tc, test_duration_null);
    tcase_add_test(tc, test_duration_max);
    tcase_add_loop_test(tc, test_duration_format, 0, (int)(sizeof(formats) / sizeof(formats[0])));
    tcase_add_test(tc, test_duration_format_small_buffer);
    tcase_add_test(tc, test_duration_format_extremes);
    suite_add_tcase(s, tc);
    tc = tcase_create("bytes");
    tcase_add_loop_test(tc, test_bytes_good, 0, (int)(sizeof(good_bytes) / sizeof(good_bytes[0])));
    tcase_add_loop_test(tc, test_bytes_bad, 0, (int)(sizeof(bad_bytes) / sizeof(bad_bytes[0])));
    tcase_add_test(tc, test_bytes_null);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
