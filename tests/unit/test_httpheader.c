/* test_httpheader: Accept-Encoding style lists, q-values and wildcards. */
#include "unit.h"

#include "httpheader.h"

static const struct {
    const char *header;
    const char *token;
    int accepts;
} cases[] = {
    {NULL, "gzip", 0},
    {"", "gzip", 0},
    {"gzip", "gzip", 1},
    {"GZIP", "gzip", 1},
    {"deflate, gzip", "gzip", 1},
    {"gzip;q=0", "gzip", 0},
    {"gzip; q=0.0, deflate", "gzip", 0},
    {"gzip;q=0.5", "gzip", 1},
    {"*", "gzip", 1},
    {"*;q=0", "gzip", 0},
    {"gzip;q=0, *", "gzip", 0},
    {"identity", "gzip", 0},
    {"x-gzip", "gzip", 0},
    {"gzipx", "gzip", 0},
    {"br , gzip ;q=1", "gzip", 1},
    {"gzip;q=abc", "gzip", 0},
    {"gzip;q=7", "gzip", 0},
    {",,, ;;", "gzip", 0},
};

START_TEST(test_accepts_table)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(httpheader_accepts(cases[i].header, cases[i].token) == cases[i].accepts,
                      "case %zu: \"%s\"", i, cases[i].header ? cases[i].header : "(null)");
}
END_TEST

START_TEST(test_qvalue)
{
    ck_assert_double_eq_tol(httpheader_qvalue("gzip;q=0.25", "gzip"), 0.25, 1e-9);
    ck_assert_double_eq_tol(httpheader_qvalue("deflate", "gzip"), -1, 1e-9);
    ck_assert_double_eq_tol(httpheader_qvalue("*;q=0.1, gzip", "gzip"), 1.0, 1e-9);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("httpheader");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_accepts_table);
    tcase_add_test(tc, test_qvalue);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
