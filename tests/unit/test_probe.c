/* test_probe: /probe's allowlist (globs that cannot be widened by a "/"),
 * target validation, auth module fields and the status each request earns. */
#include "unit.h"

#include <string.h>

#include "probe.h"

START_TEST(test_allowlist)
{
    char *allow[] = {"https://*.es.example.com:9200", "http://127.0.0.1:*"};
    ck_assert(probe_allowed(allow, 2, "https://a.es.example.com:9200"));
    ck_assert(probe_allowed(allow, 2, "http://127.0.0.1:9201"));
    ck_assert(!probe_allowed(allow, 2, "https://evil.org/x.es.example.com:9200"));
    ck_assert(!probe_allowed(allow, 2, "http://127.0.0.1:9201/other"));
    ck_assert(!probe_allowed(allow, 2, "http://10.0.0.1:9200"));
    ck_assert(!probe_allowed(allow, 0, "http://127.0.0.1:9201"));
}
END_TEST

START_TEST(test_target_valid)
{
    ck_assert(probe_target_valid("http://es:9200"));
    ck_assert(probe_target_valid("https://es.example.com/prefix"));
    static const char *const bad[] = {"",
                                      "es:9200",
                                      "ftp://es",
                                      "http://",
                                      "http:///x",
                                      "http://user:pw@es:9200",
                                      "http://es:9200/?x=1",
                                      "http://es:9200/#f",
                                      "http://es 9200",
                                      "http://es\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!probe_target_valid(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(test_auth_fields)
{
    probe_auth m = {0};
    char why[256];
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), -1);
    ck_assert_int_eq(probe_auth_set(&m, "type", "basic", why, sizeof(why)), -1);
    ck_assert_ptr_nonnull(strstr(why, "userpass|apikey|aws"));
    ck_assert_int_eq(probe_auth_set(&m, "type", "userpass", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), -1);
    ck_assert_int_eq(probe_auth_set(&m, "username", "u", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), -1);
    ck_assert_int_eq(probe_auth_set(&m, "password", "s3cret", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_set(&m, "password_file", "/f", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), -1); /* both: ambiguous */
    ck_assert_int_eq(probe_auth_set(&m, "passwd", "x", why, sizeof(why)), -1);
    ck_assert_ptr_null(strstr(why, "s3cret"));
    probe_auth_clear(&m);

    ck_assert_int_eq(probe_auth_set(&m, "type", "aws", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), -1);
    ck_assert_int_eq(probe_auth_set(&m, "region", "eu-west-1", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), 0);
    probe_auth_clear(&m);
    ck_assert_int_eq(probe_auth_set(&m, "type", "apikey", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_set(&m, "api_key", "k", why, sizeof(why)), 0);
    ck_assert_int_eq(probe_auth_check(&m, why, sizeof(why)), 0);
    probe_auth_clear(&m);
}
END_TEST

START_TEST(test_admit)
{
    char *allow[] = {"http://127.0.0.1:*"};
    probe_auth mods[1] = {{.name = "prod", .type = PROBE_AUTH_APIKEY}};
    const probe_auth *mod = NULL;
    char why[256];
    const char *t = "http://127.0.0.1:9200";
    ck_assert_int_eq(probe_admit(allow, 0, mods, 1, t, NULL, &mod, why, sizeof(why)), 404);
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, NULL, NULL, &mod, why, sizeof(why)), 400);
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, "", NULL, &mod, why, sizeof(why)), 400);
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, "127.0.0.1:9200", NULL, &mod, why, sizeof(why)),
                     400);
    ck_assert_int_eq(
        probe_admit(allow, 1, mods, 1, "http://10.1.1.1:9200", NULL, &mod, why, sizeof(why)), 403);
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, t, "nope", &mod, why, sizeof(why)), 400);
    ck_assert_ptr_nonnull(strstr(why, "auth_module"));
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, t, NULL, &mod, why, sizeof(why)), 0);
    ck_assert_ptr_null(mod);
    ck_assert_int_eq(probe_admit(allow, 1, mods, 1, t, "prod", &mod, why, sizeof(why)), 0);
    ck_assert_ptr_eq(mod, &mods[0]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_allowlist);
    tcase_add_test(tc, test_target_valid);
    tcase_add_test(tc, test_auth_fields);
    tcase_add_test(tc, test_admit);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
