/* test_config: defaults, the YAML file (valid, and every kind of error with
 * its line and key), flags, finalize checks and secrets that never leak. */
#include "unit.h"

#include "checks.h"
#include "config.h"
#include "units.h"

#include <stdarg.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURE(name) unit_src("tests/fixtures/config/" name)

/* Secrets used by the tests: no error message may ever contain them. */
#define FILE_PASSWORD "not-the-real-password"
#define FILE_API_KEY "bm90LXRoZS1yZWFsLWtleQ=="
#define ENV_PASSWORD "env-pa55word-s3cret"
#define ENV_API_KEY "ZW52LWFwaS1rZXk="

static char tmpdir[256];
static char startdir[4096]; /* tests chdir; later ones must not notice */

static void setup(void)
{
    ck_assert_ptr_nonnull(getcwd(startdir, sizeof(startdir)));
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/esvigil-test-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    unsetenv("ESVIGIL_ES_PASSWORD");
    unsetenv("ESVIGIL_ES_API_KEY");
}

static void teardown(void)
{
    ck_assert_int_eq(chdir(startdir), 0);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    unsetenv("ESVIGIL_ES_PASSWORD");
    unsetenv("ESVIGIL_ES_API_KEY");
}

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *write_tmp(const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    return path;
}

static void assert_no_secret(const char *err)
{
    static const char *const secrets[] = {FILE_PASSWORD, FILE_API_KEY, ENV_PASSWORD, ENV_API_KEY,
                                          "hunter2"};
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        ck_assert_msg(!strstr(err, secrets[i]), "secret leaked in: %s", err);
}

/* Error messages are one line. */
static void assert_one_line(const char *err)
{
    ck_assert_msg(err[0] != '\0', "empty error");
    ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
}

static void assert_defaults(const config *c)
{
    ck_assert_str_eq(c->es_uri, "http://localhost:9200");
    ck_assert(c->es_timeout_ms == 5000);
    ck_assert_int_eq(c->es_all, 0);
    ck_assert_ptr_null(c->es_username);
    ck_assert_ptr_null(c->es_password_file);
    ck_assert_ptr_null(c->es_api_key_file);
    ck_assert_ptr_null(c->es_ca);
    ck_assert_ptr_null(c->es_client_cert);
    ck_assert_ptr_null(c->es_client_private_key);
    ck_assert_int_eq(c->es_ssl_skip_verify, 0);
    ck_assert(c->es_max_response_bytes == 64LL * 1024 * 1024);
    ck_assert_ptr_null(c->es_pidfile);
    ck_assert(c->es_pid == 0);
    ck_assert(c->poll_interval_ms == 15000);
    ck_assert_str_eq(c->path_procfs, "/proc");
    ck_assert_str_eq(c->web_listen_address, ":9649");
    ck_assert_str_eq(c->web_telemetry_path, "/metrics");
    ck_assert_str_eq(c->log_level, "info");
}

/* ---- defaults and the table ---- */

START_TEST(test_defaults)
{
    config *c = config_new();
    ck_assert_ptr_nonnull(c);
    assert_defaults(c);
    ck_assert_ptr_null(c->es_password);
    ck_assert_ptr_null(c->es_api_key);
    ck_assert_ptr_null(c->config_file);
    char err[512] = "";
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    ck_assert_ptr_null(c->es_password);
    ck_assert_ptr_null(c->es_api_key);
    config_free(c);
    config_free(NULL);
}
END_TEST

START_TEST(test_defaults_are_copies)
{
    config *a = config_new(), *b = config_new();
    ck_assert_ptr_ne(a->es_uri, b->es_uri);
    a->es_uri[0] = 'X'; /* writable, and b does not see it */
    ck_assert_str_eq(b->es_uri, "http://localhost:9200");
    config_free(a);
    config_free(b);
}
END_TEST

START_TEST(test_table_introspection)
{
    static const char *const keys[] = {
        "es.uri",
        "es.timeout",
        "es.all",
        "es.nodeinfo.interval",
        "es.clustersettings.interval",
        "es.username",
        "es.password-file",
        "es.api-key-file",
        "es.ca",
        "es.client-cert",
        "es.client-private-key",
        "es.ssl-skip-verify",
        "es.max-response-size",
        "es.pidfile",
        "es.pid",
        "es.indices",
        "es.indices_settings",
        "es.indices_mappings",
        "es.aliases",
        "es.shards",
        "es.indices.interval",
        "es.indices_settings.interval",
        "es.indices_mappings.interval",
        "es.indices.include",
        "es.indices.exclude",
        "es.indices.max",
        "collector.snapshots",
        "collector.snapshots.interval",
        "collector.slm",
        "collector.slm.interval",
        "collector.ilm",
        "collector.ilm.interval",
        "collector.health-report",
        "collector.health-report.interval",
        "collector.data-stream",
        "collector.data-stream.interval",
        "collector.tasks",
        "collector.tasks.interval",
        "tasks.actions",
        "collector.pending-tasks",
        "collector.pending-tasks.interval",
        "cluster.metrics",
        "poll.interval",
        "poll.deadline",
        "poll.concurrency",
        "path.procfs",
        "web.listen-address",
        "web.telemetry-path",
        "web.config.file",
        "web.idle-timeout",
        "log.level",
        "probe.allow",
        "probe.timeout",
        "probe.max-concurrent",
        "aws.region",
    };
    size_t n = sizeof(keys) / sizeof(keys[0]);
    ck_assert_uint_eq(config_key_count(), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(config_key_name(i), keys[i]);
    ck_assert_ptr_null(config_key_name(n));

    config *c = config_new();
    char out[64];
    ck_assert_int_eq(config_format_value(c, "es.max-response-size", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "64mb");
    ck_assert_int_eq(config_format_value(c, "es.timeout", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "5s");
    ck_assert_int_eq(config_format_value(c, "es.all", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "false");
    ck_assert_int_eq(config_format_value(c, "es.nodeinfo.interval", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "30s");
    ck_assert_int_eq(config_format_value(c, "es.username", out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(config_format_value(c, "es.nope", out, sizeof(out)), -1);
    ck_assert_int_eq(config_key_line(c, "es.uri"), 0);
    ck_assert_int_eq(config_key_line(c, "es.nope"), 0);
    config_free(c);
}
END_TEST

/* etc/esvigil.yml documents every key with its default: it must load and
 * equal the table, key by key, so it cannot drift. */
START_TEST(test_example_file_is_the_defaults)
{
    config *c = config_new(), *d = config_new();
    char err[512] = "";
    ck_assert_msg(config_load_file(c, unit_src("etc/esvigil.yml"), err, sizeof(err)) == 0, "%s",
                  err);
    for (size_t i = 0; i < config_key_count(); i++) {
        const char *key = config_key_name(i);
        char got[256], want[8192];
        ck_assert_int_eq(config_format_value(c, key, got, sizeof(got)), 0);
        ck_assert_int_eq(config_format_value(d, key, want, sizeof(want)), 0);
        ck_assert_msg(strcmp(got, want) == 0, "etc/esvigil.yml %s: %s, default %s", key, got, want);
        ck_assert_msg(config_key_line(c, key) > 0, "etc/esvigil.yml lacks %s", key);
    }
    assert_defaults(c);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    config_free(c);
    config_free(d);
}
END_TEST

START_TEST(test_help_lists_every_flag)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_print_help(f);
    fclose(f);
    ck_assert_msg(strncmp(text, "Usage: esvigil [flags]\n", 23) == 0, "%s", text);
    config *c = config_new();
    for (size_t i = 0; i < config_key_count(); i++) {
        const char *key = config_key_name(i);
        char flag[128], def[256];
        static const char *const bools[] = {"es.all",
                                            "es.ssl-skip-verify",
                                            "es.indices",
                                            "es.indices_settings",
                                            "es.indices_mappings",
                                            "es.aliases",
                                            "es.shards"};
        int is_bool = 0;
        for (size_t b = 0; b < sizeof(bools) / sizeof(bools[0]); b++)
            is_bool |= strcmp(key, bools[b]) == 0;
        snprintf(flag, sizeof(flag), "%s%s", is_bool ? "--[no-]" : "--", key);
        ck_assert_msg(strstr(text, flag), "--help lacks %s", flag);
        config_format_value(c, key, def, sizeof(def));
        if (def[0]) {
            char want[8192];
            /* a duration's range follows its default: "(default: 15s, from 1s to 1h)" */
            snprintf(want, sizeof(want), "(default: %s", def);
            const char *at = strstr(text, want);
            ck_assert_msg(at && strchr("),", at[strlen(want)]), "--help lacks %s's %s", key, want);
        }
    }
    static const char *const others[] = {"--config.file=FILE",
                                         "--check\n",
                                         "--print-rules\n",
                                         "--version\n",
                                         "--help\n",
                                         "--es.timeout=DURATION",
                                         "--log.level=debug|info|warn|error"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        ck_assert_msg(strstr(text, others[i]), "--help lacks %s", others[i]);
    config_free(c);
    free(text);
}
END_TEST

/* ---- loading files ---- */

START_TEST(test_full_file)
{
    config *c = config_new();
    char err[512] = "";
    const char *path = FIXTURE("full.yml");
    ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->config_file, path);
    ck_assert_str_eq(c->es_uri, "https://es.example.com:9243/prefix");
    ck_assert(c->es_timeout_ms == 2500);
    ck_assert_int_eq(c->es_all, 1);
    ck_assert_str_eq(c->es_username, "vigil");
    ck_assert_str_eq(c->es_password_file, "/run/secrets/es-password");
    ck_assert_str_eq(c->es_api_key_file, "/run/secrets/es-api-key");
    ck_assert_str_eq(c->es_ca, "/etc/ssl/es-ca.pem");
    ck_assert_str_eq(c->es_client_cert, "/etc/ssl/esvigil.pem");
    ck_assert_str_eq(c->es_client_private_key, "/etc/ssl/esvigil.key");
    ck_assert_int_eq(c->es_ssl_skip_verify, 1);
    ck_assert(c->es_max_response_bytes == 1610612736LL);
    ck_assert_str_eq(c->es_pidfile, "/run/elasticsearch/elasticsearch.pid");
    ck_assert(c->es_pid == 4242);
    ck_assert(c->poll_interval_ms == 90000);
    ck_assert_str_eq(c->path_procfs, "/host/proc");
    ck_assert_str_eq(c->web_listen_address, "[::1]:0");
    ck_assert_str_eq(c->web_telemetry_path, "/es/metrics");
    ck_assert_str_eq(c->log_level, "debug");
    ck_assert_int_eq(config_key_line(c, "es.uri"), 3);
    ck_assert_int_eq(config_key_line(c, "log.level"), 24);
    /* Its secret files do not exist here: finalize names the first. */
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    char want[8192];
    snprintf(want, sizeof(want),
             "%s:7: es.password-file: cannot read /run/secrets/es-password: No such file or "
             "directory",
             path);
    ck_assert_str_eq(err, want);
    config_free(c);
}
END_TEST

START_TEST(test_empty_files_keep_defaults)
{
    static const char *const texts[] = {
        "",
        "# only a comment\n",
        "---\n",
        "~\n",
        "\n\n\n",
        "---\n...\n",
        "es:\n  # uri: http://x:9200\npoll:\n", /* sections with everything commented out */
        "es: ~\nweb: {}\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        config *c = config_new();
        char err[512] = "";
        const char *path = write_tmp("empty.yml", texts[i], strlen(texts[i]));
        ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%zu: %s", i, err);
        assert_defaults(c);
        config_free(c);
    }
    config *c = config_new();
    char err[512] = "";
    ck_assert_msg(config_load_file(c, FIXTURE("empty.yml"), err, sizeof(err)) == 0, "%s", err);
    ck_assert_msg(config_load_file(c, FIXTURE("comments-only.yml"), err, sizeof(err)) == 0, "%s",
                  err);
    assert_defaults(c);
    config_free(c);
}
END_TEST

START_TEST(test_dotted_keys)
{
    config *c = config_new();
    char err[512] = "";
    ck_assert_msg(config_load_file(c, FIXTURE("dotted.yml"), err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->es_uri, "http://es1:9200");
    ck_assert(c->poll_interval_ms == 30000);
    ck_assert(c->es_timeout_ms == 10000);
    ck_assert_int_eq(config_key_line(c, "es.timeout"), 5);
    config_free(c);
}
END_TEST

START_TEST(test_quoted_and_null_values)
{
    const char *text = "es:\n"
                       "  uri: 'http://quoted:9200'\n"
                       "  username: \"user with spaces\"\n"
                       "  ca: ~\n"
                       "  pidfile: null\n"
                       "  max-response-size: 1024\n"
                       "web:\n"
                       "  listen-address: '127.0.0.1:9649'\n";
    config *c = config_new();
    char err[512] = "";
    c->es_ca = strdup("/was/set"); /* a null value unsets it */
    ck_assert_msg(config_load_file(c, write_tmp("q.yml", text, strlen(text)), err, sizeof(err)) ==
                      0,
                  "%s", err);
    ck_assert_str_eq(c->es_uri, "http://quoted:9200");
    ck_assert_str_eq(c->es_username, "user with spaces");
    ck_assert_ptr_null(c->es_ca);
    ck_assert_ptr_null(c->es_pidfile);
    ck_assert(c->es_max_response_bytes == 1024);
    ck_assert_str_eq(c->web_listen_address, "127.0.0.1:9649");
    config_free(c);
}
END_TEST

START_TEST(test_relative_paths)
{
    config *c = config_new();
    char err[512] = "", dir[4096], want[8192];
    snprintf(dir, sizeof(dir), "%s", FIXTURE(""));
    dir[strlen(dir) - 1] = '\0'; /* without the trailing slash */
    ck_assert_msg(config_load_file(c, FIXTURE("relative.yml"), err, sizeof(err)) == 0, "%s", err);
    snprintf(want, sizeof(want), "%s/secrets/password.txt", dir);
    ck_assert_str_eq(c->es_password_file, want);
    snprintf(want, sizeof(want), "%s/ca.pem", dir);
    ck_assert_str_eq(c->es_ca, want);
    snprintf(want, sizeof(want), "%s/proc", dir);
    ck_assert_str_eq(c->path_procfs, want);
    ck_assert_str_eq(c->es_pidfile, "/absolute/stays.pid");
    /* The resolved secret files are readable from any working directory. */
    ck_assert_int_eq(chdir("/"), 0);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->es_password, FILE_PASSWORD);
    ck_assert_str_eq(c->es_api_key, FILE_API_KEY);
    /* A relative path given as a flag stays relative to the working directory. */
    char *argv[] = {"esvigil", "--es.ca=certs/ca.pem", NULL};
    ck_assert_int_eq(config_apply_flags(c, 2, argv, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(c->es_ca, "certs/ca.pem");
    config_free(c);
}
END_TEST

START_TEST(test_relative_to_cwd_file)
{
    /* A file named without a directory: its values stay as written. */
    config *c = config_new();
    char err[512] = "";
    const char *text = "path:\n  procfs: proc\n";
    write_tmp("here.yml", text, strlen(text));
    ck_assert_int_eq(chdir(tmpdir), 0);
    ck_assert_msg(config_load_file(c, "here.yml", err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->path_procfs, "proc");
    ck_assert_str_eq(c->config_file, "here.yml");
    config_free(c);
}
END_TEST

/* Fixture files named in the brief: exact messages with path and line. */
static const struct {
    const char *fixture;
    const char *message; /* after "PATH:" */
} fixture_errors[] = {
    {"unknown-key.yml", "7: es.timout: unknown key"},
    {"bad-duration.yml", "3: es.timeout: not a duration (like 500ms, 15s, 1m): \"fast\""},
    {"bad-bool.yml", "4: es.all: not a boolean (true or false): \"yes please\""},
    {"syntax-error.yml", "3: YAML syntax error: mapping values are not allowed in this context"},
};

START_TEST(test_fixture_errors)
{
    char path[4096], want[8192], err[1024] = "";
    snprintf(path, sizeof(path), "%s", unit_src("tests/fixtures/config/"));
    strncat(path, fixture_errors[_i].fixture, sizeof(path) - strlen(path) - 1);
    config *c = config_new();
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:%s", path, fixture_errors[_i].message);
    ck_assert_str_eq(err, want);
    assert_one_line(err);
    config_free(c);
}
END_TEST

/* Inline files: every kind of error, exact line and key. */
static const struct {
    const char *text;
    const char *message; /* after "PATH:" */
} load_errors[] = {
    {"es:\n  uri: http://x:9200\n  timout: 5s\n", "3: es.timout: unknown key"},
    {"es:\n  all: yes\n", "2: es.all: not a boolean (true or false): \"yes\""},
    {"es:\n  all: True\n", "2: es.all: not a boolean (true or false): \"True\""},
    {"es:\n  all: 1\n", "2: es.all: not a boolean (true or false): \"1\""},
    {"es:\n  uri:\n    - a\n    - b\n", "3: es.uri: expected a single value, not a list"},
    {"es:\n  uri: [a, b]\n", "2: es.uri: expected a single value, not a list"},
    {"es:\n  uri:\n    host: x\n", "3: es.uri: expected a single value, not a mapping"},
    {"es:\n  uri: http://a\n  uri: http://b\n", "3: es.uri: duplicate key (first set on line 2)"},
    {"es:\n  uri: http://a\npoll:\n  interval: 1s\nes:\n  timeout: 1s\n",
     "5: es: duplicate key (first set on line 1)"},
    {"es:\n  uri: http://a\nes.uri: http://b\n", "3: es.uri: duplicate key (first set on line 2)"},
    {"- a\n- b\n", "1: expected a mapping of settings (like \"es:\" then \"  uri: ...\")"},
    {"hello\n", "1: expected a mapping of settings (like \"es:\" then \"  uri: ...\")"},
    {"es: http://localhost:9200\n",
     "1: es: is a section: expected a mapping of settings under it, not a value"},
    {"es:\n  - uri\n", "2: es: expected a mapping of settings, not a list"},
    {"\n\nfoo:\n  bar: 1\n", "3: foo: unknown key"},
    {"es:\n  uri:\n    deeper:\n      still: 1\n",
     "3: es.uri: expected a single value, not a mapping"},
    {"es:\n  all: true\n---\npoll:\n  interval: 1s\n", "3: only one YAML document is allowed"},
    {"es:\n  uri: &u http://a\n  ca: *u\n", "3: es.ca: YAML aliases are not supported"},
    {"poll:\n  interval:\nlog:\n  level: info\n",
     "2: poll.interval: missing value (the default is 15s)"},
    {"poll:\n  interval: 0.5s\n",
     "2: poll.interval: not a duration (like 500ms, 15s, 1m): \"0.5s\""},
    {"log:\n  level: verbose\n", "2: log.level: not one of debug|info|warn|error: \"verbose\""},
    {"log:\n  level: INFO\n", "2: log.level: not one of debug|info|warn|error: \"INFO\""},
    {"es:\n  max-response-size: 10xb\n",
     "2: es.max-response-size: not a byte size (like 512kb, 64mb, 1gb): \"10xb\""},
    {"es:\n  max-response-size: 100000pb\n",
     "2: es.max-response-size: not a byte size (like 512kb, 64mb, 1gb): \"100000pb\""},
    {"es:\n  pid: -5\n", "2: es.pid: not a whole number (0 or more): \"-5\""},
    {"es:\n  pid: 99999999999\n", "2: es.pid: not a whole number (0 or more): \"99999999999\""},
    {"? [a, b]\n: 1\n", "1: keys must be plain names"},
    {"es:\n  ? {a: 1}\n  : 1\n", "2: es: keys must be plain names"},
    {"es:\n  timeout: \"a\\nb\"\n",
     "2: es.timeout: not a duration (like 500ms, 15s, 1m): \"a\\x0ab\""},
    {"es:\n  uri: \"a\\0b\"\n", "2: es.uri: value contains a NUL byte"},
    {"es:\n  uri: http://x\n  timeout: 5s: 6s\n",
     "3: YAML syntax error: mapping values are not allowed in this context"},
    {"es:\n\turi: x\n", "2: YAML syntax error: found character that cannot start any token"},
    {"es:\n  uri: \xff\n", "2: YAML syntax error: invalid leading UTF-8 octet"},
    {"es:\n  uri: http://x\n  timeout: '5s\n",
     "4: YAML syntax error: found unexpected end of stream"},
    {"probe:\n  allow:\n    - a\n    - {x: 1}\n",
     "4: probe.allow: expected a list of non-empty strings"},
    {"probe:\n  allow: [a, ~]\n", "2: probe.allow: expected a list of non-empty strings"},
    {"probe:\n  allow: [a]\n  allow: [b]\n", "3: probe.allow: duplicate key (first set on line 2)"},
    {"auth_modules:\n  prod:\n    type: basic\n",
     "3: auth_modules.prod.type: not one of userpass|apikey|aws"},
    {"auth_modules:\n  prod:\n    type: userpass\n    username: u\n",
     "2: auth_modules.prod: type userpass needs username and one of password, password_file"},
    {"auth_modules:\n  prod:\n    type: apikey\n    api_key: k\n    user: u\n",
     "5: auth_modules.prod.user: unknown field (type, username, password, password_file, "
     "api_key, api_key_file, region)"},
    {"auth_modules:\n  a:\n    type: aws\n    region: x\n  a:\n    type: aws\n",
     "5: auth_modules: duplicate module a (first on line 2)"},
    {"auth_modules:\n  a: userpass\n",
     "2: auth_modules: module a: expected a mapping (type: userpass|apikey|aws, ...)"},
    {"auth_modules: [a]\n", "1: auth_modules: expected a mapping of modules (NAME: {type: ...})"},
    {"auth_modules:\n  a:\n    type: apikey\n    api_key: [k]\n",
     "4: auth_modules.a.api_key: expected a single non-empty value"},
    {"auth_modules:\n  a:\n    type: userpass\n    userpass:\n      user: u\n",
     "5: auth_modules.a.userpass.user: unknown field (type, username, password, password_file, "
     "api_key, api_key_file, region)"},
    {"auth_modules:\n  a:\n    type: aws\n    tls:\n      ca_file: x\n",
     "4: auth_modules.a.tls: not supported (only userpass: and aws: hold a mapping)"},
    {"auth_modules:\n  ? [a]\n  : {type: aws}\n", "2: auth_modules: module names must be plain"},
    {"auth_modules:\n  ~:\n    type: aws\n", "2: auth_modules: module names must be plain"},
    {"auth_modules:\n  a:\n    ? [type]\n    : aws\n", "3: auth_modules: keys must be plain names"},
    {"auth_modules:\n  a:\n    type: userpass\n    userpass:\n      ? {u: 1}\n      : x\n",
     "5: auth_modules: keys must be plain names"},
};

START_TEST(test_load_errors)
{
    config *c = config_new();
    char err[8192] = "", want[8192];
    const char *text = load_errors[_i].text;
    const char *path = write_tmp("bad.yml", text, strlen(text));
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:%s", path, load_errors[_i].message);
    ck_assert_str_eq(err, want);
    assert_one_line(err);
    /* c stays usable: every string valid, finalize and free work. */
    char v[256];
    for (size_t k = 0; k < config_key_count(); k++)
        ck_assert_int_eq(config_format_value(c, config_key_name(k), v, sizeof(v)), 0);
    config_free(c);
}
END_TEST

START_TEST(test_unreadable_files)
{
    config *c = config_new();
    char err[8192] = "", want[8192];
    ck_assert_int_eq(config_load_file(c, "/nonexistent/x.yml", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/x.yml: cannot read: No such file or directory");
    ck_assert_int_eq(config_load_file(c, tmpdir, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file (a directory)", tmpdir);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(c->config_file);
    assert_defaults(c);
    config_free(c);
}
END_TEST

START_TEST(test_failed_load_keeps_valid_values)
{
    /* The first values land, the bad one does not; load into a fresh config
     * to keep an old one (what the daemon does on SIGHUP). */
    const char *text = "es:\n  uri: http://new:9200\n  timeout: soon\n";
    config *old = config_new(), *fresh = config_new();
    char err[512] = "";
    const char *path = write_tmp("reload.yml", text, strlen(text));
    ck_assert_int_eq(config_load_file(fresh, path, err, sizeof(err)), -1);
    ck_assert_str_eq(fresh->es_uri, "http://new:9200");
    ck_assert(fresh->es_timeout_ms == 5000);
    assert_defaults(old);
    ck_assert_int_eq(config_finalize(fresh, err, sizeof(err)), 0);
    config_free(fresh);
    config_free(old);
}
END_TEST

START_TEST(test_reload_resets_lines)
{
    config *c = config_new();
    char err[512] = "";
    const char *a = "es:\n  timeout: 1s\n";
    ck_assert_int_eq(config_load_file(c, write_tmp("a.yml", a, strlen(a)), err, sizeof(err)), 0);
    ck_assert_int_eq(config_key_line(c, "es.timeout"), 2);
    /* A second load of the same key is not a duplicate: lines are per load. */
    const char *b = "\n\n\nes:\n  timeout: 2s\n";
    ck_assert_msg(config_load_file(c, write_tmp("b.yml", b, strlen(b)), err, sizeof(err)) == 0,
                  "%s", err);
    ck_assert_int_eq(config_key_line(c, "es.timeout"), 5);
    ck_assert(c->es_timeout_ms == 2000);
    config_free(c);
}
END_TEST

/* ---- flags ---- */

static int apply(config *c, char *err, size_t n, const char *const *passthrough, ...)
{
    char *argv[32] = {"esvigil"};
    int argc = 1;
    va_list ap;
    va_start(ap, passthrough);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    err[0] = '\0';
    return config_apply_flags(c, argc, argv, passthrough, err, n);
}

static const char *const daemon_passthrough[] = {"--check", "--print-rules", "--version", "--help",
                                                 NULL};

START_TEST(test_flags_values)
{
    config *c = config_new();
    char err[512];
    ck_assert_msg(apply(c, err, sizeof(err), daemon_passthrough, "--es.uri=http://b:9200",
                        "--es.timeout", "750ms", "--poll.interval=1m", "--es.max-response-size",
                        "1gb", "--es.pid=77", "--log.level", "warn", "--web.listen-address=:0",
                        "--check", "--es.username", "u", "--version", NULL) == 0,
                  "%s", err);
    ck_assert_str_eq(c->es_uri, "http://b:9200");
    ck_assert(c->es_timeout_ms == 750);
    ck_assert(c->poll_interval_ms == 60000);
    ck_assert(c->es_max_response_bytes == 1073741824LL);
    ck_assert(c->es_pid == 77);
    ck_assert_str_eq(c->log_level, "warn");
    ck_assert_str_eq(c->web_listen_address, ":0");
    ck_assert_str_eq(c->es_username, "u");
    /* Later flags win; an empty value unsets an optional string. */
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.uri=http://c", "--es.uri=http://d",
                           "--es.username=", NULL),
                     0);
    ck_assert_str_eq(c->es_uri, "http://d");
    ck_assert_ptr_null(c->es_username);
    config_free(c);
}
END_TEST

/* probe.allow from a list in the file, flags append; auth modules with a
 * password file relative to the config file, read by finalize. */
START_TEST(test_probe_settings)
{
    config *c = config_new();
    char err[1024] = "";
    const probe_auth *m;
    write_tmp("probe.pw", "hunter2\n", 8);
    const char *text = "probe:\n  allow:\n    - http://a:*\n    - https://*.b\n"
                       "  timeout: 3s\nauth_modules:\n  prod:\n    type: userpass\n"
                       "    username: mon\n    password_file: probe.pw\n"
                       "  cloud:\n    type: apikey\n    api_key: k1\n"
                       /* the reference exporter's layout */
                       "  ref_basic:\n    type: userpass\n    userpass:\n      username: r\n"
                       "      password: p2\n  ref_key:\n    type: apikey\n    apikey: k2\n"
                       "  ref_aws:\n    type: aws\n    aws:\n      region: us-east-1\n";
    const char *path = write_tmp("probe.yml", text, strlen(text));
    ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(config_key_line(c, "probe.allow"), 3);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--probe.allow=http://c", "--probe.allow",
                           "http://d", NULL),
                     0);
    ck_assert_uint_eq(c->probe_allow.n, 4);
    ck_assert_str_eq(c->probe_allow.v[0], "http://a:*");
    ck_assert_str_eq(c->probe_allow.v[3], "http://d");
    char v[256];
    ck_assert_int_eq(config_format_value(c, "probe.allow", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "http://a:*,https://*.b,http://c,http://d");
    ck_assert(c->probe_timeout_ms == 3000);
    ck_assert(c->probe_max_concurrent == 4);
    setenv("AWS_ACCESS_KEY_ID", "AKIDPROBE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "probe-secret", 1);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ck_assert_str_eq(c->aws.access_key_id, "AKIDPROBE"); /* for the aws module */
    ck_assert_uint_eq(c->n_auth_modules, 5);
    m = probe_auth_find(c->auth_modules, c->n_auth_modules, "ref_basic");
    ck_assert(m->type == PROBE_AUTH_USERPASS);
    ck_assert_str_eq(m->username, "r");
    ck_assert_str_eq(m->password, "p2");
    ck_assert_str_eq(probe_auth_find(c->auth_modules, c->n_auth_modules, "ref_key")->api_key, "k2");
    ck_assert_str_eq(probe_auth_find(c->auth_modules, c->n_auth_modules, "ref_aws")->region,
                     "us-east-1");
    m = probe_auth_find(c->auth_modules, c->n_auth_modules, "prod");
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->password, "hunter2");
    m = probe_auth_find(c->auth_modules, c->n_auth_modules, "cloud");
    ck_assert_str_eq(m->api_key, "k1");
    config_free(c);

    /* A missing password file: the module's line, never the secret. */
    c = config_new();
    text = "auth_modules:\n  prod:\n    type: userpass\n    username: mon\n"
           "    password_file: nope.pw\n";
    path = write_tmp("probe2.yml", text, strlen(text));
    ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    char want[1024];
    snprintf(want, sizeof(want), "%s:2: auth_modules.prod.password_file: cannot read ", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    assert_one_line(err);
    config_free(c);

    c = config_new();
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--probe.max-concurrent=0", NULL), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "flag --probe.max-concurrent: must be from 1 to 256");
    ck_assert_int_eq(
        apply(c, err, sizeof(err), NULL, "--probe.max-concurrent=2", "--probe.timeout=1h", NULL),
        0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "flag --probe.timeout: must be from 100ms to 10m, not 1h");
    config_free(c);
}
END_TEST

START_TEST(test_flags_booleans)
{
    config *c = config_new();
    char err[512];
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.all", "--es.ssl-skip-verify", NULL), 0);
    ck_assert_int_eq(c->es_all, 1);
    ck_assert_int_eq(c->es_ssl_skip_verify, 1);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.all=false", NULL), 0);
    ck_assert_int_eq(c->es_all, 0);
    ck_assert_int_eq(
        apply(c, err, sizeof(err), NULL, "--es.all=true", "--no-es.ssl-skip-verify", NULL), 0);
    ck_assert_int_eq(c->es_all, 1);
    ck_assert_int_eq(c->es_ssl_skip_verify, 0);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--no-es.all", NULL), 0);
    ck_assert_int_eq(c->es_all, 0);
    config_free(c);
}
END_TEST

/* The keep-alive a scraper gets once answered: above Prometheus's 5m by default, whole
 * seconds, and out-of-range values named with the bounds. */
START_TEST(test_web_idle_timeout)
{
    config *c = config_new();
    char err[512];
    ck_assert(c->web_idle_timeout_ms == 360000);
    const char *text = "web:\n  idle-timeout: 90s\n";
    const char *path = write_tmp("idle.yml", text, strlen(text));
    ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert(c->web_idle_timeout_ms == 90000);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--web.idle-timeout=2m", NULL), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), 0);
    ck_assert(c->web_idle_timeout_ms == 120000);
    config_free(c);

    static const struct {
        const char *flag, *err;
    } bad[] = {
        {"--web.idle-timeout=500ms", "flag --web.idle-timeout: must be from 1s to 1h, not 500ms"},
        {"--web.idle-timeout=2h", "flag --web.idle-timeout: must be from 1s to 1h, not 2h"},
        {"--web.idle-timeout=0s", "flag --web.idle-timeout: must be from 1s to 1h, not 0s"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = config_new();
        ck_assert_int_eq(apply(c, err, sizeof(err), NULL, bad[i].flag, NULL), 0);
        ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
        ck_assert_str_eq(err, bad[i].err);
        config_free(c);
    }
    c = config_new();
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--web.idle-timeout=soon", NULL), -1);
    ck_assert_msg(strstr(err, "web.idle-timeout") && strstr(err, "not a duration"), "%s", err);
    config_free(c);
}
END_TEST

/* Upstream 1.11's --collector.* names and Debian 12's 1.5.0 --es.* aliases. */
START_TEST(test_collector_flags)
{
    config *c = config_new();
    char err[512];
    ck_assert_int_eq(c->collector_snapshots, 0);
    ck_assert_int_eq(c->collector_pending_tasks, 0);
    ck_assert(c->collector_snapshots_interval_ms == 300000);
    ck_assert(c->collector_slm_interval_ms == 60000);
    ck_assert_str_eq(c->tasks_actions, "indices:*");
    ck_assert_msg(apply(c, err, sizeof(err), NULL, "--collector.snapshots", "--collector.slm",
                        "--collector.ilm", "--collector.health-report", "--collector.data-stream",
                        "--collector.tasks", "--tasks.actions=cluster:*",
                        "--collector.snapshots.interval=10m", "--collector.pending-tasks",
                        "--no-collector.pending-tasks", NULL) == 0,
                  "%s", err);
    ck_assert_int_eq(c->collector_snapshots + c->collector_slm + c->collector_ilm +
                         c->collector_health_report + c->collector_data_stream + c->collector_tasks,
                     6);
    ck_assert_int_eq(c->collector_pending_tasks, 0);
    ck_assert(c->collector_snapshots_interval_ms == 600000);
    ck_assert_str_eq(c->tasks_actions, "cluster:*");
    config_free(c);

    c = config_new();
    ck_assert_msg(apply(c, err, sizeof(err), NULL, "--es.snapshots", "--es.slm=true",
                        "--es.data_stream", NULL) == 0,
                  "%s", err);
    ck_assert_int_eq(c->collector_snapshots, 1);
    ck_assert_int_eq(c->collector_slm, 1);
    ck_assert_int_eq(c->collector_data_stream, 1);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--no-es.snapshots", NULL), 0);
    ck_assert_int_eq(c->collector_snapshots, 0);
    config_free(c);
}
END_TEST

START_TEST(test_flags_override_file)
{
    config *c = config_new();
    char err[512] = "";
    const char *text = "es:\n  timeout: 3s\n  all: true\n";
    const char *path = write_tmp("f.yml", text, strlen(text));
    char *argv[] = {"esvigil",         "--config.file", (char *)path,
                    "--es.timeout=7s", "--no-es.all",   NULL};
    ck_assert_str_eq(config_file_arg(5, argv), path);
    ck_assert_int_eq(config_load_file(c, config_file_arg(5, argv), err, sizeof(err)), 0);
    ck_assert(c->es_timeout_ms == 3000);
    ck_assert_msg(config_apply_flags(c, 5, argv, daemon_passthrough, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert(c->es_timeout_ms == 7000);
    ck_assert_int_eq(c->es_all, 0);
    ck_assert_int_eq(config_key_line(c, "es.timeout"), 0); /* now from a flag */
    config_free(c);
}
END_TEST

START_TEST(test_config_file_arg)
{
    char *a1[] = {"esvigil", "--config.file=/a.yml", NULL};
    char *a2[] = {"esvigil", "--es.all", "--config.file", "/b.yml", "--check", NULL};
    char *a3[] = {"esvigil", "--check", NULL};
    char *a4[] = {"esvigil", "--config.file", NULL};
    char *a5[] = {"esvigil", "--config.file=/a.yml", "--config.file=/c.yml", NULL};
    char *a6[] = {"--config.file=/argv0.yml", NULL};
    char *a7[] = {"esvigil", "--config.filex=/a.yml", NULL};
    ck_assert_str_eq(config_file_arg(2, a1), "/a.yml");
    ck_assert_str_eq(config_file_arg(5, a2), "/b.yml");
    ck_assert_ptr_null(config_file_arg(2, a3));
    ck_assert_ptr_null(config_file_arg(2, a4));
    ck_assert_str_eq(config_file_arg(3, a5), "/c.yml");
    ck_assert_ptr_null(config_file_arg(1, a6));
    ck_assert_ptr_null(config_file_arg(2, a7));
    /* and apply_flags skips it in both spellings */
    config *c = config_new();
    char err[256];
    ck_assert_msg(config_apply_flags(c, 5, a2, daemon_passthrough, err, sizeof(err)) == 0, "%s",
                  err);
    ck_assert_int_eq(c->es_all, 1);
    ck_assert_int_eq(config_apply_flags(c, 2, a1, NULL, err, sizeof(err)), 0);
    ck_assert_int_eq(config_apply_flags(c, 2, a4, NULL, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "flag --config.file: missing value");
    config_free(c);
}
END_TEST

static const struct {
    const char *args[3];
    const char *message;
} flag_errors[] = {
    {{"--x"}, "flag --x: unknown flag (see --help)"},
    {{"--es.timout=5s"}, "flag --es.timout: unknown flag (see --help)"},
    {{"--es.timeout=fast"}, "flag --es.timeout: not a duration (like 500ms, 15s, 1m): \"fast\""},
    {{"--es.timeout", "fast"}, "flag --es.timeout: not a duration (like 500ms, 15s, 1m): \"fast\""},
    {{"--es.all=yes"}, "flag --es.all: not a boolean (true or false): \"yes\""},
    {{"--no-es.all=true"}, "flag --no-es.all: takes no value"},
    {{"--no-es.uri"}, "flag --no-es.uri: unknown flag (--no- is for boolean flags)"},
    {{"--no-such"}, "flag --no-such: unknown flag (see --help)"},
    {{"--es.uri"}, "flag --es.uri: missing value"},
    {{"--es.uri", "--es.all"}, "flag --es.uri: missing value"},
    {{"--es.uri="}, "flag --es.uri: missing value (the default is http://localhost:9200)"},
    {{"--log.level=loud"}, "flag --log.level: not one of debug|info|warn|error: \"loud\""},
    {{"--es.max-response-size=-1"},
     "flag --es.max-response-size: not a byte size (like 512kb, 64mb, 1gb): \"-1\""},
    {{"--check=yes"}, "flag --check: takes no value"},
    {{"--es.all", "true"},
     "argument \"true\": unexpected (settings are flags like --es.uri=URL; "
     "see --help)"},
    {{"stray"},
     "argument \"stray\": unexpected (settings are flags like --es.uri=URL; see --help)"},
    {{"--"}, "argument \"--\": unexpected (settings are flags like --es.uri=URL; see --help)"},
    {{"-h"}, "flag -h: unknown flag (flags start with --; see --help)"},
    {{"--config.file="}, "flag --config.file: missing value"},
    {{"--print-ruls"}, "flag --print-ruls: unknown flag (see --help)"},
    {{"--es.snapshots=maybe"},
     "flag --collector.snapshots: not a boolean (true or false): "
     "\"maybe\""},
    {{"--es.ilm"}, "flag --es.ilm: unknown flag (see --help)"},
};

START_TEST(test_flag_errors)
{
    config *c = config_new();
    char err[512];
    const char *const *a = flag_errors[_i].args;
    ck_assert_int_eq(apply(c, err, sizeof(err), daemon_passthrough, a[0], a[1], a[2], NULL), -1);
    ck_assert_str_eq(err, flag_errors[_i].message);
    assert_one_line(err);
    /* nothing half-applied: every value still valid */
    ck_assert_str_eq(c->es_uri, "http://localhost:9200");
    ck_assert(c->es_timeout_ms == 5000);
    ck_assert_str_eq(c->log_level, "info");
    config_free(c);
}
END_TEST

START_TEST(test_passthrough_needs_listing)
{
    config *c = config_new();
    char err[512];
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--check", NULL), -1);
    ck_assert_str_eq(err, "flag --check: unknown flag (see --help)");
    static const char *const only_version[] = {"--version", NULL};
    ck_assert_int_eq(apply(c, err, sizeof(err), only_version, "--version", NULL), 0);
    config_free(c);
}
END_TEST

/* ---- finalize ---- */

static int finalize_with(config *c, const char *key, const char *value, char *err, size_t n)
{
    char flag[512];
    snprintf(flag, sizeof(flag), "--%s=%s", key, value);
    char *argv[] = {"esvigil", flag, NULL};
    ck_assert_msg(config_apply_flags(c, 2, argv, NULL, err, n) == 0, "%s", err);
    return config_finalize(c, err, n);
}

static const char *const good_uris[] = {
    "http://localhost:9200",     "https://es.example.com", "http://[::1]:9200/",    "HTTPS://X:1",
    "http://user@h:9200/prefix", "http://h/path?x=1",      "http://10.0.0.1:65535",
};

START_TEST(test_good_uris)
{
    config *c = config_new();
    char err[512] = "";
    ck_assert_msg(finalize_with(c, "es.uri", good_uris[_i], err, sizeof(err)) == 0, "%s", err);
    config_free(c);
}
END_TEST

static const char *const bad_uris[] = {
    "localhost:9200", "http://",          "http://:9200", "http://h:0", "http://h:99999",
    "http://h:abc",   "http://h x",       "http://[]:1",  "ftp://h",    "http:/h",
    "http://h:",      "http://[::1:9200", "http://@/",    " http://h",
};

START_TEST(test_bad_uris)
{
    config *c = config_new();
    char err[512] = "", want[8192];
    ck_assert_int_eq(finalize_with(c, "es.uri", bad_uris[_i], err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "flag --es.uri: not an http(s) URL (like http://localhost:9200): "
             "\"%s\"",
             bad_uris[_i]);
    ck_assert_str_eq(err, want);
    config_free(c);
}
END_TEST

START_TEST(test_uri_password_redacted)
{
    config *c = config_new();
    char err[512] = "";
    ck_assert_int_eq(finalize_with(c, "es.uri", "http://admin:hunter2@:9200/", err, sizeof(err)),
                     -1);
    ck_assert_str_eq(err, "flag --es.uri: not an http(s) URL (like http://localhost:9200): "
                          "\"http://admin:***@:9200/\"");
    assert_no_secret(err);
    config_free(c);
}
END_TEST

/* A password in --es.uri shows in ps: refused from a flag, accepted from the file. */
START_TEST(test_uri_password_not_from_flags)
{
    config *c = config_new();
    char err[512] = "";
    ck_assert_int_eq(
        finalize_with(c, "es.uri", "http://admin:hunter2@localhost:9200", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "flag --es.uri: a password in the URL would show in ps and "
                          "/proc/PID/cmdline: use es.password-file, $ESVIGIL_ES_PASSWORD or "
                          "es.uri in the config file");
    assert_no_secret(err);
    /* a user alone, or an empty password, is no secret */
    ck_assert_int_eq(finalize_with(c, "es.uri", "http://admin@localhost:9200", err, sizeof(err)),
                     0);
    ck_assert_int_eq(finalize_with(c, "es.uri", "http://admin:@localhost:9200", err, sizeof(err)),
                     0);
    config_free(c);

    const char *text = "es:\n  uri: http://admin:hunter2@localhost:9200\n";
    const char *path = write_tmp("uri-password.yml", text, strlen(text));
    c = config_new();
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), 0);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    config_free(c);
}
END_TEST

/* open() of a FIFO waits for a writer: startup and SIGHUP must not. alarm()
 * turns a hang into a failure well before check's own timeout. */
START_TEST(test_fifo_files_refused)
{
    char fifo[512];
    snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    alarm(5);
    config *c = config_new();
    char err[1024] = "", want[1024];
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.username=u", NULL), 0);
    ck_assert_int_eq(finalize_with(c, "es.password-file", fifo, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "flag --es.password-file: cannot read %s: not a regular file (a FIFO)", fifo);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(finalize_with(c, "es.api-key-file", fifo, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a regular file (a FIFO)"));
    config_free(c);
    c = config_new();
    ck_assert_int_eq(config_load_file(c, fifo, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file (a FIFO)", fifo);
    ck_assert_str_eq(err, want);
    /* a device is no password file either */
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.username=u", NULL), 0);
    ck_assert_int_eq(finalize_with(c, "es.password-file", "/dev/null", err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a regular file (a character device)"));
    alarm(0);
    config_free(c);
}
END_TEST

START_TEST(test_finalize_error_from_file)
{
    config *c = config_new();
    char err[8192] = "", want[8192];
    const char *path = FIXTURE("bad-uri.yml");
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    snprintf(
        want, sizeof(want),
        "%s:3: es.uri: not an http(s) URL (like http://localhost:9200): \"ftp://localhost:9200\"",
        path);
    ck_assert_str_eq(err, want);

    const char *text = "es:\n  timeout: 0s\npoll:\n  interval: 0\n";
    path = write_tmp("zero.yml", text, strlen(text));
    config_free(c);
    c = config_new();
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: es.timeout: must be from 100ms to 10m, not 0s", path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(finalize_with(c, "es.timeout", "1s", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:4: poll.interval: must be from 1s to 1h, not 0s", path);
    ck_assert_str_eq(err, want);
    /* the flag replaces the file's value, and the message says so */
    ck_assert_int_eq(finalize_with(c, "es.timeout", "0s", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "flag --es.timeout: must be from 100ms to 10m, not 0s");
    config_free(c);
}
END_TEST

START_TEST(test_finalize_default_origin)
{
    config *c = config_new();
    char err[512] = "";
    free(c->web_telemetry_path); /* as if the table's default were bad */
    c->web_telemetry_path = strdup("metrics");
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "web.telemetry-path: not a URL path starting with / (like /metrics): "
                          "\"metrics\"");
    config_free(c);
}
END_TEST

static const struct {
    const char *key, *value;
    const char *message; /* NULL: accepted */
} finalize_cases[] = {
    {"web.listen-address", ":9649", NULL},
    {"web.listen-address", "127.0.0.1:0", NULL},
    {"web.listen-address", "[::1]:9649", NULL},
    {"web.listen-address", "localhost:65535", NULL},
    {"web.listen-address", "9649",
     "not a listen address (like :9649, 127.0.0.1:9649 or [::1]:9649)"},
    {"web.listen-address", ":65536", "not a listen address"},
    {"web.listen-address", "::1:9649", "not a listen address"},
    {"web.listen-address", "[::1]", "not a listen address"},
    {"web.listen-address", "host:", "not a listen address"},
    {"web.listen-address", ":abc", "not a listen address"},
    {"web.listen-address", "[]:1", "not a listen address"},
    {"web.listen-address", "a b:1", "not a listen address"},
    {"web.listen-address", ":-1", "not a listen address"},
    {"web.telemetry-path", "/", NULL},
    {"web.telemetry-path", "/a/b", NULL},
    {"web.telemetry-path", "metrics",
     "not a URL path starting with / (like /metrics): \"metrics\""},
    {"web.telemetry-path", "/a b", "not a URL path starting with /"},
    {"web.telemetry-path", "/m?x=1", "not a URL path starting with /"},
    {"es.max-response-size", "0b", "must be more than 0b"},
    {"es.max-response-size", "1kb", NULL},
    /* durations: both ends of each range are allowed, one step past is not */
    {"poll.interval", "0", "must be from 1s to 1h, not 0s"},
    {"poll.interval", "1ms", "must be from 1s to 1h, not 1ms"},
    {"poll.interval", "999ms", "must be from 1s to 1h, not 999ms"},
    {"poll.interval", "1s", NULL},
    {"poll.interval", "1h", NULL},
    {"poll.interval", "1h1ms", "must be from 1s to 1h, not 1h1ms"},
    {"es.nodeinfo.interval", "0s", NULL}, /* every poll */
    {"es.nodeinfo.interval", "1h", NULL},
    {"es.nodeinfo.interval", "2h", "must be from 0s to 1h, not 2h"},
    {"es.clustersettings.interval", "0s", NULL}, /* every poll */
    {"es.clustersettings.interval", "2h", "must be from 0s to 1h, not 2h"},
    {"poll.interval", "9999999999h", "must be from 1s to 1h, not "},
    {"es.timeout", "99ms", "must be from 100ms to 10m, not 99ms"},
    {"es.timeout", "100ms", NULL},
    {"es.timeout", "10m", NULL},
    {"es.timeout", "10m1ms", "must be from 100ms to 10m, not 10m1ms"},
    {"es.timeout", "1y", "must be from 100ms to 10m, not 1y"},
};

/* Every duration key has a range that holds its own default, and --help
 * says what it is. */
START_TEST(test_duration_bounds)
{
    config *c = config_new();
    char def[64];
    int durations = 0;
    for (size_t i = 0; config_key_name(i); i++) {
        long long lo, hi, v;
        const char *key = config_key_name(i);
        if (config_duration_bounds(key, &lo, &hi) != 0)
            continue;
        durations++;
        ck_assert_int_eq(config_format_value(c, key, def, sizeof(def)), 0);
        ck_assert_int_eq(units_parse_duration_ms(def, &v), 0);
        ck_assert_msg(lo <= v && v <= hi, "%s: default %s out of its range", key, def);
    }
    ck_assert_int_ge(durations, 2);
    long long lo, hi;
    ck_assert_int_eq(config_duration_bounds("es.uri", &lo, &hi), -1);
    ck_assert_int_eq(config_duration_bounds("nope", &lo, &hi), -1);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_print_help(f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "(default: 15s, from 1s to 1h)"));
    ck_assert_ptr_nonnull(strstr(text, "(default: 5s, from 100ms to 10m)"));
    free(text);
    config_free(c);
}
END_TEST

START_TEST(test_finalize_cases)
{
    config *c = config_new();
    char err[512] = "", want[8192];
    int rc = finalize_with(c, finalize_cases[_i].key, finalize_cases[_i].value, err, sizeof(err));
    if (!finalize_cases[_i].message) {
        ck_assert_msg(rc == 0, "%s=%s: %s", finalize_cases[_i].key, finalize_cases[_i].value, err);
    } else {
        ck_assert_int_eq(rc, -1);
        snprintf(want, sizeof(want), "flag --%s: %s", finalize_cases[_i].key,
                 finalize_cases[_i].message);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s, want %s", err, want);
    }
    config_free(c);
}
END_TEST

START_TEST(test_listen_split)
{
    char host[64];
    int port = -1;
    ck_assert_int_eq(config_listen_split(":9649", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "");
    ck_assert_int_eq(port, 9649);
    ck_assert_int_eq(config_listen_split("[::1]:0", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "::1");
    ck_assert_int_eq(port, 0);
    ck_assert_int_eq(config_listen_split("127.0.0.1:80", host, sizeof(host), &port), 0);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 80);
    ck_assert_int_eq(config_listen_split("averylonghostname:80", host, 8, &port), -1);
    ck_assert_int_eq(config_listen_split(NULL, host, sizeof(host), &port), -1);
}
END_TEST

/* ---- secrets ---- */

START_TEST(test_secrets_from_files)
{
    config *c = config_new();
    char err[512] = "";
    setenv("ESVIGIL_ES_PASSWORD", ENV_PASSWORD, 1); /* the file wins */
    setenv("ESVIGIL_ES_API_KEY", ENV_API_KEY, 1);
    char pw[8192], key[8192];
    snprintf(pw, sizeof(pw), "--es.password-file=%s", FIXTURE("secrets/password.txt"));
    snprintf(key, sizeof(key), "--es.api-key-file=%s", FIXTURE("secrets/api-key.txt"));
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, pw, key, "--es.username=vigil", NULL), 0);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->es_password, FILE_PASSWORD); /* "\n" trimmed */
    ck_assert_str_eq(c->es_api_key, FILE_API_KEY);   /* "\r\n" trimmed */
    /* Only one newline goes; the rest is the secret's. */
    const char *two = write_tmp("two.txt", "pw\n\n", 4);
    ck_assert_int_eq(finalize_with(c, "es.password-file", two, err, sizeof(err)), 0);
    ck_assert_str_eq(c->es_password, "pw\n");
    const char *none = write_tmp("none.txt", "p w", 3);
    ck_assert_int_eq(finalize_with(c, "es.password-file", none, err, sizeof(err)), 0);
    ck_assert_str_eq(c->es_password, "p w");
    config_free(c);
}
END_TEST

START_TEST(test_secrets_from_env)
{
    config *c = config_new();
    char err[512] = "";
    setenv("ESVIGIL_ES_PASSWORD", ENV_PASSWORD, 1);
    setenv("ESVIGIL_ES_API_KEY", ENV_API_KEY, 1);
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.username=vigil", NULL), 0);
    ck_assert_msg(config_finalize(c, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(c->es_password, ENV_PASSWORD);
    ck_assert_str_eq(c->es_api_key, ENV_API_KEY);
    /* Finalize again re-reads: a secret gone from the environment is gone. */
    unsetenv("ESVIGIL_ES_PASSWORD");
    setenv("ESVIGIL_ES_API_KEY", "", 1);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), 0);
    ck_assert_ptr_null(c->es_password);
    ck_assert_ptr_null(c->es_api_key);
    config_free(c);
}
END_TEST

START_TEST(test_secret_errors_never_leak)
{
    setenv("ESVIGIL_ES_PASSWORD", ENV_PASSWORD, 1);
    setenv("ESVIGIL_ES_API_KEY", ENV_API_KEY, 1);
    config *c = config_new();
    char err[8192] = "", want[8192];

    /* password without a user */
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "es.username: missing: a password is set (es.password-file or "
                          "$ESVIGIL_ES_PASSWORD) but no user to go with it");
    assert_no_secret(err);

    /* missing file, from the file: names FILE:LINE, the key and the file */
    char text[512];
    snprintf(text, sizeof(text), "es:\n  username: u\n  password-file: %s/missing\n", tmpdir);
    const char *path = write_tmp("s.yml", text, strlen(text));
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s:3: es.password-file: cannot read %s/missing: No such file or directory", path,
             tmpdir);
    ck_assert_str_eq(err, want);
    assert_no_secret(err);
    ck_assert_ptr_null(c->es_password);

    /* empty api key file, from a flag */
    const char *empty = write_tmp("empty-key", "\n", 1);
    ck_assert_int_eq(
        finalize_with(c, "es.password-file", FIXTURE("secrets/password.txt"), err, sizeof(err)), 0);
    ck_assert_int_eq(finalize_with(c, "es.api-key-file", empty, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "flag --es.api-key-file: cannot read %s: the file is empty",
             empty);
    ck_assert_str_eq(err, want);
    assert_no_secret(err);

    /* a directory, and a file with a NUL byte */
    ck_assert_int_eq(finalize_with(c, "es.api-key-file", tmpdir, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "flag --es.api-key-file: cannot read %s: not a regular file (a directory)", tmpdir);
    ck_assert_str_eq(err, want);
    const char *nul = write_tmp("nul-key", ENV_API_KEY "\0" FILE_API_KEY,
                                sizeof(ENV_API_KEY "\0" FILE_API_KEY) - 1);
    ck_assert_int_eq(finalize_with(c, "es.api-key-file", nul, err, sizeof(err)), -1);
    assert_no_secret(err);
    ck_assert_ptr_nonnull(strstr(err, "NUL byte"));

    /* too large */
    char *big = malloc(70000);
    memset(big, 'k', 70000);
    const char *bigf = write_tmp("big-key", big, 70000);
    free(big);
    ck_assert_int_eq(finalize_with(c, "es.api-key-file", bigf, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "larger than 64 KiB"));
    ck_assert_ptr_null(strstr(err, "kkkk"));

    /* unreadable by permission (skipped as root, who reads anything) */
    if (geteuid() != 0) {
        const char *locked = write_tmp("locked", "x", 1);
        ck_assert_int_eq(chmod(locked, 0), 0);
        ck_assert_int_eq(finalize_with(c, "es.api-key-file", locked, err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "flag --es.api-key-file: cannot read %s: Permission denied",
                 locked);
        ck_assert_str_eq(err, want);
    }
    config_free(c);
}
END_TEST

START_TEST(test_secret_not_in_formatted_values)
{
    setenv("ESVIGIL_ES_PASSWORD", ENV_PASSWORD, 1);
    config *c = config_new();
    char err[512] = "", v[256];
    ck_assert_int_eq(apply(c, err, sizeof(err), NULL, "--es.username=u", NULL), 0);
    ck_assert_int_eq(config_finalize(c, err, sizeof(err)), 0);
    ck_assert_str_eq(c->es_password, ENV_PASSWORD);
    for (size_t i = 0; i < config_key_count(); i++) {
        config_format_value(c, config_key_name(i), v, sizeof(v));
        assert_no_secret(v);
    }
    config_free(c);
}
END_TEST

/* ---- checks.NAME.LEVEL threshold overrides ---- */

START_TEST(test_check_overrides_file_and_flags)
{
    static const char yml[] = "checks:\n"
                              "  heap_used:\n"
                              "    warning: 0.7\n"
                              "    critical: off\n"
                              "  breaker:\n"
                              "    critical: 0.99\n"
                              "  deleted_docs:\n"
                              "    minimum: 5000\n";
    const char *path = write_tmp("checks.yml", yml, sizeof(yml) - 1);
    config *c = config_new();
    char err[512];
    ck_assert_msg(config_load_file(c, path, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(apply(c, err, sizeof(err), daemon_passthrough,
                           "--checks.breaker.critical=0.97", "--checks.fds.warning", "0.5", NULL),
                     0);
    checks_thresholds *t = checks_thresholds_new();
    config_apply_thresholds(c, t);
    int heap = checks_find("heap_used"), brk = checks_find("breaker"), fds = checks_find("fds");
    ck_assert_double_eq(t->warning[heap], 0.7);
    ck_assert(isnan(t->critical[heap]));         /* off */
    ck_assert_double_eq(t->critical[brk], 0.97); /* the flag wins over the file */
    ck_assert_double_eq(t->warning[brk], 0.85);  /* untouched: the table's default */
    ck_assert_double_eq(t->warning[fds], 0.5);
    ck_assert_double_eq(t->minimum[checks_find("deleted_docs")], 5000);
    ck_assert(isnan(t->minimum[heap])); /* the row has no minimum */
    checks_thresholds_free(t);
    config_free(c);
}
END_TEST

/* A control character in a key or flag never splits the error line. */
START_TEST(test_error_is_one_line_whatever_the_key)
{
    char err[512];
    static const char yml[] = "\"es\\nuri\": x\n";
    config *c = config_new();
    const char *path = write_tmp("newline-key.yml", yml, sizeof(yml) - 1);
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_msg(strstr(err, "es?uri: unknown key") != NULL, "%s", err);
    ck_assert_int_eq(apply(c, err, sizeof(err), daemon_passthrough, "-\n", NULL), -1);
    ck_assert_ptr_null(strchr(err, '\n'));
    ck_assert_int_eq(apply(c, err, sizeof(err), daemon_passthrough, "--es.\turi=x", NULL), -1);
    ck_assert_ptr_null(strchr(err, '\t'));
    config_free(c);
}
END_TEST

START_TEST(test_check_override_errors)
{
    char err[512];
    static const char unknown[] = "checks:\n  heap_usd:\n    warning: 0.7\n";
    config *c = config_new();
    const char *path = write_tmp("unknown-check.yml", unknown, sizeof(unknown) - 1);
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":2: checks.heap_usd: unknown key") != NULL, "%s", err);
    config_free(c);

    static const char level[] = "checks:\n  heap_used:\n    warn: 0.7\n";
    c = config_new();
    path = write_tmp("bad-level.yml", level, sizeof(level) - 1);
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":3: checks.heap_used.warn: unknown key") != NULL, "%s", err);
    config_free(c);

    static const char value[] = "checks:\n  heap_used:\n    warning: high\n";
    c = config_new();
    path = write_tmp("bad-value.yml", value, sizeof(value) - 1);
    ck_assert_int_eq(config_load_file(c, path, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":3: checks.heap_used.warning: not a number or \"off\"") != NULL,
                  "%s", err);
    config_free(c);

    c = config_new();
    ck_assert_int_eq(
        apply(c, err, sizeof(err), daemon_passthrough, "--checks.heap_used.critical=nan", NULL),
        -1);
    ck_assert_msg(strstr(err, "flag --checks.heap_used.critical: not a number") != NULL, "%s", err);
    ck_assert_int_eq(
        apply(c, err, sizeof(err), daemon_passthrough, "--checks.nope.warning=1", NULL), -1);
    ck_assert_msg(strstr(err, "unknown flag") != NULL, "%s", err);
    config_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_defaults_are_copies);
    tcase_add_test(tc, test_table_introspection);
    tcase_add_test(tc, test_example_file_is_the_defaults);
    tcase_add_test(tc, test_help_lists_every_flag);
    suite_add_tcase(s, tc);

    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_full_file);
    tcase_add_test(tc, test_empty_files_keep_defaults);
    tcase_add_test(tc, test_dotted_keys);
    tcase_add_test(tc, test_quoted_and_null_values);
    tcase_add_test(tc, test_relative_paths);
    tcase_add_test(tc, test_relative_to_cwd_file);
    tcase_add_loop_test(tc, test_fixture_errors, 0,
                        (int)(sizeof(fixture_errors) / sizeof(fixture_errors[0])));
    tcase_add_loop_test(tc, test_load_errors, 0,
                        (int)(sizeof(load_errors) / sizeof(load_errors[0])));
    tcase_add_test(tc, test_unreadable_files);
    tcase_add_test(tc, test_probe_settings);
    tcase_add_test(tc, test_failed_load_keeps_valid_values);
    tcase_add_test(tc, test_reload_resets_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("flags");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_flags_values);
    tcase_add_test(tc, test_flags_booleans);
    tcase_add_test(tc, test_web_idle_timeout);
    tcase_add_test(tc, test_collector_flags);
    tcase_add_test(tc, test_flags_override_file);
    tcase_add_test(tc, test_config_file_arg);
    tcase_add_loop_test(tc, test_flag_errors, 0,
                        (int)(sizeof(flag_errors) / sizeof(flag_errors[0])));
    tcase_add_test(tc, test_passthrough_needs_listing);
    suite_add_tcase(s, tc);

    tc = tcase_create("finalize");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_good_uris, 0, (int)(sizeof(good_uris) / sizeof(good_uris[0])));
    tcase_add_loop_test(tc, test_bad_uris, 0, (int)(sizeof(bad_uris) / sizeof(bad_uris[0])));
    tcase_add_test(tc, test_uri_password_redacted);
    tcase_add_test(tc, test_uri_password_not_from_flags);
    tcase_add_test(tc, test_fifo_files_refused);
    tcase_add_test(tc, test_finalize_error_from_file);
    tcase_add_test(tc, test_finalize_default_origin);
    tcase_add_test(tc, test_duration_bounds);
    tcase_add_loop_test(tc, test_finalize_cases, 0,
                        (int)(sizeof(finalize_cases) / sizeof(finalize_cases[0])));
    tcase_add_test(tc, test_listen_split);
    suite_add_tcase(s, tc);

    tc = tcase_create("secrets");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_secrets_from_files);
    tcase_add_test(tc, test_secrets_from_env);
    tcase_add_test(tc, test_secret_errors_never_leak);
    tcase_add_test(tc, test_secret_not_in_formatted_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("checks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_check_overrides_file_and_flags);
    tcase_add_test(tc, test_check_override_errors);
    tcase_add_test(tc, test_error_is_one_line_whatever_the_key);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
