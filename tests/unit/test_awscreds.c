/* test_awscreds: SigV4 credentials from the environment and from the shared
 * credentials file (profiles, comments, spacing), and clear errors. */
#include "unit.h"

#include <string.h>
#include <unistd.h>

#include "awscreds.h"

static const char *env[16][2];

static const char *fake_getenv(const char *name)
{
    for (int i = 0; i < 16 && env[i][0]; i++)
        if (strcmp(env[i][0], name) == 0)
            return env[i][1];
    return NULL;
}

static void set_env(const char *const *kv)
{
    memset(env, 0, sizeof(env));
    for (int i = 0; kv && kv[2 * i]; i++) {
        env[i][0] = kv[2 * i];
        env[i][1] = kv[2 * i + 1];
    }
}

static const char ini[] = "# comment\n"
                          "[default]\n"
                          "aws_access_key_id = AKIDDEFAULT\n"
                          "aws_secret_access_key=secretdefault\n"
                          "region = eu-west-1\n"
                          "\n"
                          "[profile ops]\r\n"
                          "  aws_access_key_id\t=  AKIDOPS  \r\n"
                          "; other comment\n"
                          "aws_secret_access_key = secret/ops+x=\r\n"
                          "aws_session_token = tok\n"
                          "[half]\n"
                          "aws_access_key_id = AKIDHALF\n";

START_TEST(test_parse_profiles)
{
    char err[256];
    awscreds c = {0};
    ck_assert_int_eq(awscreds_parse(&c, ini, "default", "creds", err, sizeof(err)), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDDEFAULT");
    ck_assert_str_eq(c.secret_access_key, "secretdefault");
    ck_assert_ptr_null(c.session_token);
    awscreds_clear(&c);
    ck_assert_int_eq(awscreds_parse(&c, ini, "ops", "creds", err, sizeof(err)), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDOPS");
    ck_assert_str_eq(c.secret_access_key, "secret/ops+x=");
    ck_assert_str_eq(c.session_token, "tok");
    awscreds_clear(&c);
    ck_assert_int_eq(awscreds_parse(&c, ini, "half", "creds", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "creds: profile \"half\" lacks aws_access_key_id or "
                          "aws_secret_access_key");
    ck_assert_ptr_null(c.access_key_id);
    ck_assert_int_eq(awscreds_parse(&c, ini, "nope", "creds", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "creds: profile \"nope\" not found");
}
END_TEST

START_TEST(test_env_wins)
{
    char err[256];
    awscreds c;
    set_env((const char *const[]){"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "s",
                                  "AWS_SESSION_TOKEN", "t", "AWS_SHARED_CREDENTIALS_FILE",
                                  "/nonexistent", NULL});
    ck_assert_int_eq(awscreds_load(&c, fake_getenv, err, sizeof(err)), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDENV");
    ck_assert_str_eq(c.session_token, "t");
    awscreds_clear(&c);
}
END_TEST

START_TEST(test_file_and_profile)
{
    char err[512], dir[] = "/tmp/esvigil-aws-XXXXXX", path[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/credentials", dir);
    FILE *f = fopen(path, "w");
    fputs(ini, f);
    fclose(f);
    awscreds c;
    set_env((const char *const[]){"AWS_SHARED_CREDENTIALS_FILE", path, "AWS_PROFILE", "ops",
                                  "AWS_ACCESS_KEY_ID", "only-half", NULL});
    ck_assert_int_eq(awscreds_load(&c, fake_getenv, err, sizeof(err)), 0);
    ck_assert_str_eq(c.access_key_id, "AKIDOPS");
    awscreds_clear(&c);
    set_env((const char *const[]){"HOME", dir, NULL}); /* ~/.aws/credentials: absent */
    ck_assert_int_eq(awscreds_load(&c, fake_getenv, err, sizeof(err)), -1);
    char want[512];
    snprintf(want, sizeof(want),
             "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset and "
             "%s/.aws/credentials: No such file or directory",
             dir);
    ck_assert_str_eq(err, want);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_canonical_target)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/_cluster/health", "/_cluster/health"},
        {"/_nodes/_local?", "/_nodes/_local"},
        {"/_cat/shards?format=json&bytes=b&h=index,shard,unassigned.reason",
         "/_cat/shards?bytes=b&format=json&h=index%2Cshard%2Cunassigned.reason"},
        {"/x?flat_settings&b=a%2Cb&a=x y~", "/x?a=x%20y~&b=a%2Cb&flat_settings="},
        {"/x?q=100%", "/x?q=100%25"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(awscreds_canonical_target(cases[i].in, out, sizeof(out)), 0);
        ck_assert_str_eq(out, cases[i].out);
    }
    ck_assert_int_eq(awscreds_canonical_target("/_cat/shards?format=json", out, 10), -1);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("awscreds");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_profiles);
    tcase_add_test(tc, test_env_wins);
    tcase_add_test(tc, test_file_and_profile);
    tcase_add_test(tc, test_canonical_target);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
