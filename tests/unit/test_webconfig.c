/* test_webconfig: exporter-toolkit's web config file: every key, the cross
 * checks, and one clear "file:line: key: why" line for each bad input. */
#include "unit.h"

#include <string.h>
#include <unistd.h>

#include "webconfig.h"

/* A syntactically valid bcrypt hash (validation does not compute it). */
#define HASH "$2b$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"

static webconfig *parse(const char *text, char *err)
{
    return webconfig_parse(text, strlen(text), "web.yml", "/etc/esvigil", err, 512);
}

START_TEST(test_empty_is_plain_http)
{
    char err[512];
    webconfig *w = parse("", err);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_null(w->cert_file);
    ck_assert_uint_eq(w->n_users, 0);
    ck_assert_int_eq(w->min_version, WEBCONFIG_TLS12);
    webconfig_free(w);
}
END_TEST

START_TEST(test_full_file)
{
    char err[512];
    webconfig *w = parse("tls_server_config:\n"
                         "  cert_file: server.crt\n"
                         "  key_file: /abs/server.key\n"
                         "  client_auth_type: RequireAndVerifyClientCert\n"
                         "  client_ca_file: ca.crt\n"
                         "  min_version: TLS13\n"
                         "http_server_config:\n"
                         "  http2: false\n"
                         "  headers:\n"
                         "    Strict-Transport-Security: max-age=31536000\n"
                         "    X-Frame-Options: deny\n"
                         "basic_auth_users:\n"
                         "  prometheus: " HASH "\n"
                         "  other: '$2y$" HASH "'\n",
                         err);
    /* $2y$ + HASH is too long: the second user makes the file bad */
    ck_assert_ptr_null(w);
    ck_assert_str_eq(err, "web.yml:14: basic_auth_users.other: not a bcrypt hash ($2a$, $2b$ or "
                          "$2y$; htpasswd -nBC 10 USER)");
    w = parse("tls_server_config:\n"
              "  cert_file: server.crt\n"
              "  key_file: /abs/server.key\n"
              "  client_auth_type: RequireAndVerifyClientCert\n"
              "  client_ca_file: ca.crt\n"
              "  min_version: TLS13\n"
              "http_server_config:\n"
              "  headers:\n"
              "    Strict-Transport-Security: max-age=31536000\n"
              "basic_auth_users:\n"
              "  prometheus: " HASH "\n"
              "  other: '$2y$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0'\n",
              err);
    ck_assert_msg(w != NULL, "%s", err);
    ck_assert_str_eq(w->cert_file, "/etc/esvigil/server.crt");
    ck_assert_str_eq(w->key_file, "/abs/server.key");
    ck_assert_str_eq(w->client_ca_file, "/etc/esvigil/ca.crt");
    ck_assert_int_eq(w->client_auth, WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT);
    ck_assert_int_eq(w->min_version, WEBCONFIG_TLS13);
    ck_assert_uint_eq(w->n_headers, 1);
    ck_assert_str_eq(w->headers[0].name, "Strict-Transport-Security");
    ck_assert_str_eq(w->headers[0].value, "max-age=31536000");
    ck_assert_str_eq(webconfig_user_hash(w, "prometheus"), HASH);
    ck_assert_ptr_nonnull(webconfig_user_hash(w, "other"));
    ck_assert_ptr_null(webconfig_user_hash(w, "nobody"));
    char prio[128];
    webconfig_tls_priorities(w, prio, sizeof(prio));
    ck_assert_str_eq(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
    webconfig_free(w);
}
END_TEST

START_TEST(test_priorities_range)
{
    char err[512], prio[128];
    webconfig *w = parse("tls_server_config: {cert_file: a, key_file: b, min_version: TLS11, "
                         "max_version: TLS12}\n",
                         err);
    ck_assert_msg(w != NULL, "%s", err);
    webconfig_tls_priorities(w, prio, sizeof(prio));
    ck_assert_str_eq(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.2");
    webconfig_free(w);
}
END_TEST

/* Every bad file: the exact line, naming where and what, never the hash. */
static const struct {
    const char *text;
    const char *err;
} bad[] = {
    {"tls_server_config:\n  cert_fil: x\n", "web.yml:2: tls_server_config.cert_fil: unknown key"},
    {"basic_auth_user:\n  a: b\n", "web.yml:2: basic_auth_user: unknown key"},
    {"tls_server_config:\n  cert_file: a\n",
     "web.yml:1: tls_server_config.key_file: cert_file and key_file go together"},
    {"tls_server_config:\n  key_file: a\n",
     "web.yml:1: tls_server_config.cert_file: cert_file and key_file go together"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
     "web.yml:1: tls_server_config.client_ca_file: client CAs configured without a "
     "client_auth_type that uses them"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: "
     "RequireAndVerifyClientCert\n",
     "web.yml:1: tls_server_config.client_ca_file: RequireAndVerifyClientCert needs the CA to "
     "verify client certificates with"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: "
     "RequireAnyClientCert\n",
     "web.yml:1: tls_server_config.client_ca_file: RequireAnyClientCert needs the CA to verify "
     "client certificates with"},
    {"tls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
     "web.yml:1: tls_server_config.cert_file: client certificates need TLS: set cert_file and "
     "key_file"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n",
     "web.yml:4: tls_server_config.client_auth_type: not one of NoClientCert, RequestClientCert, "
     "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS1.2\n",
     "web.yml:4: tls_server_config.min_version: not one of TLS10, TLS11, TLS12, TLS13"},
    {"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
     "  max_version: TLS12\n",
     "web.yml:1: tls_server_config.max_version: lower than min_version"},
    {"tls_server_config:\n  cipher_suites: [x]\n",
     "web.yml:2: tls_server_config.cipher_suites: not supported by esvigil (GnuTLS chooses "
     "ciphers and curves)"},
    {"tls_server_config:\n  cert_file: [a]\n",
     "web.yml:2: tls_server_config.cert_file: not a string"},
    {"tls_server_config: 3\n", "web.yml:1: tls_server_config: not a mapping"},
    {"basic_auth_users:\n  u: secretpassword\n",
     "web.yml:2: basic_auth_users.u: not a bcrypt hash ($2a$, $2b$ or $2y$; htpasswd -nBC 10 "
     "USER)"},
    {"basic_auth_users:\n  u: '$1$abc$defghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456'\n",
     "web.yml:2: basic_auth_users.u: not a bcrypt hash ($2a$, $2b$ or $2y$; htpasswd -nBC 10 "
     "USER)"},
    {"basic_auth_users:\n  u: " HASH "\n  u: " HASH "\n",
     "web.yml:3: basic_auth_users.u: duplicate user"},
    {"basic_auth_users:\n  'a:b': " HASH "\n",
     "web.yml:2: basic_auth_users.a:b: a user name cannot be empty or hold ':'"},
    {"http_server_config:\n  headers:\n    Content-Type: text/html\n",
     "web.yml:3: http_server_config.headers.Content-Type: set by esvigil itself, cannot be "
     "configured"},
    {"http_server_config:\n  headers:\n    'Bad Header': x\n",
     "web.yml:3: http_server_config.headers.Bad Header: not a valid header name"},
    {"http_server_config:\n  headers:\n    X-A: \"a\\r\\nX-B: b\"\n",
     "web.yml:3: http_server_config.headers.X-A: a header value cannot hold a line break"},
    {"http_server_config:\n  http2: maybe\n",
     "web.yml:2: http_server_config.http2: not a boolean (true or false)"},
    {"http_server_config:\n  listen: x\n", "web.yml:2: http_server_config.listen: unknown key"},
    {"tls_server_config:\n  cert_file: [\n", NULL /* YAML syntax error, line varies */},
    {"- a\n- b\n", "web.yml:1: : not a mapping"},
};

START_TEST(test_bad_files)
{
    char err[512];
    webconfig *w = parse(bad[_i].text, err);
    ck_assert_msg(w == NULL, "case %d accepted: %s", _i, bad[_i].text);
    if (bad[_i].err)
        ck_assert_str_eq(err, bad[_i].err);
    else
        ck_assert_msg(strstr(err, "web.yml:") == err && strstr(err, "YAML syntax error"), "%s",
                      err);
    ck_assert_ptr_null(strstr(err, "abcdefghijklmnop")); /* no hash in messages */
}
END_TEST

static void touch(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_load_file)
{
    char err[512], want[1024], path[512];
    ck_assert_ptr_null(webconfig_load("/nonexistent/web.yml", err, sizeof(err)));
    ck_assert_str_eq(err, "/nonexistent/web.yml: cannot read: No such file or directory");
    char dir[] = "/tmp/esvigil-webconfig-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    touch(dir, "web.yml", "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n");
    snprintf(path, sizeof(path), "%s/web.yml", dir);
    /* the certificate files do not exist yet: the line that names them */
    ck_assert_ptr_null(webconfig_load(path, err, sizeof(err)));
    snprintf(want, sizeof(want),
             "%s:2: tls_server_config.cert_file: %s/c.pem: cannot read: No such file or "
             "directory",
             path, dir);
    ck_assert_str_eq(err, want);
    touch(dir, "c.pem", "");
    touch(dir, "k.pem", "");
    webconfig *w = webconfig_load(path, err, sizeof(err));
    ck_assert_msg(w != NULL, "%s", err);
    snprintf(want, sizeof(want), "%s/c.pem", dir);
    ck_assert_str_eq(w->cert_file, want);
    webconfig *same = webconfig_load(path, err, sizeof(err));
    ck_assert_int_eq(webconfig_same_tls(w, same), 1);
    ck_assert_int_eq(webconfig_same_tls(w, NULL), 0);
    ck_assert_int_eq(webconfig_same_tls(NULL, NULL), 1);
    same->min_version = WEBCONFIG_TLS13;
    ck_assert_int_eq(webconfig_same_tls(w, same), 0);
    webconfig_free(same);
    webconfig_free(w);
    for (const char *const *n = (const char *const[]){"web.yml", "c.pem", "k.pem", NULL}; *n; n++) {
        snprintf(path, sizeof(path), "%s/%s", dir, *n);
        unlink(path);
    }
    rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("webconfig");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_empty_is_plain_http);
    tcase_add_test(tc, test_full_file);
    tcase_add_test(tc, test_priorities_range);
    tcase_add_loop_test(tc, test_bad_files, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_load_file);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
