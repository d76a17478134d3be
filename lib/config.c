/* config: one table of settings drives defaults, the YAML file, flags, --help
 * and the checks, so a new key is one new row. */
#include "config.h"

#include "checks.h"
#include "indexfilter.h"

#include "units.h"
#include "webconfig.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <fcntl.h>

/* The field's C type follows: T_STRING, T_PATH (relative ones resolved against
 * the config file's directory) and T_ENUM are char *, T_BOOL is int, T_DURATION
 * (ms), T_BYTES and T_INT (0..INT_MAX) are long long, T_LIST is config_list. */
enum setting_type { T_STRING, T_PATH, T_BOOL, T_DURATION, T_BYTES, T_INT, T_ENUM, T_LIST };

struct setting {
    const char *key; /* YAML path; the flag is "--" key */
    enum setting_type type;
    size_t offset;       /* of the field in struct config */
    const char *def;     /* spelled as in the file; NULL = unset (string types only) */
    const char *choices; /* T_ENUM: "a|b|c" */
    const char *help;
};

#define STR_(x) #x
#define STR(x) STR_(x)
#define AT(field) offsetof(config, field)

static const struct setting settings[] = {
    {"es.uri", T_STRING, AT(es_uri), "http://localhost:9200", NULL,
     "Elasticsearch node to poll: an http:// or https:// URL."},
    {"es.timeout", T_DURATION, AT(es_timeout_ms), "5s", NULL,
     "Give up on an Elasticsearch request after this long, so a hung node shows as down."},
    {"es.all", T_BOOL, AT(es_all), "false", NULL,
     "Export the stats of every node in the cluster, not only the local one."},
    {"es.nodeinfo.interval", T_DURATION, AT(es_nodeinfo_interval_ms), "30s", NULL,
     "Re-read node info (/_nodes/_local) and the elected master this often, not every poll; "
     "sooner after a failed poll or an Elasticsearch restart; 0s = every poll."},
    {"es.clustersettings.interval", T_DURATION, AT(es_clustersettings_interval_ms), "30s", NULL,
     "Re-read the cluster settings (/_cluster/settings: disk watermarks, shard limits) this "
     "often, not every poll; sooner after a failed read or an Elasticsearch restart; 0s = every "
     "poll."},
    {"es.username", T_STRING, AT(es_username), NULL, NULL,
     "User for basic auth; the password comes from es.password-file or $ESVIGIL_ES_PASSWORD."},
    {"es.password-file", T_PATH, AT(es_password_file), NULL, NULL,
     "File holding the basic-auth password (a file, so it never shows in ps or the config)."},
    {"es.api-key-file", T_PATH, AT(es_api_key_file), NULL, NULL,
     "File holding an Elasticsearch API key (base64 of id:key); else $ESVIGIL_ES_API_KEY."},
    {"es.ca", T_PATH, AT(es_ca), NULL, NULL,
     "PEM CA bundle to verify the Elasticsearch certificate with, for a private CA."},
    {"es.client-cert", T_PATH, AT(es_client_cert), NULL, NULL,
     "PEM client certificate, when Elasticsearch requires TLS client authentication."},
    {"es.client-private-key", T_PATH, AT(es_client_private_key), NULL, NULL,
     "PEM private key of es.client-cert."},
    {"es.ssl-skip-verify", T_BOOL, AT(es_ssl_skip_verify), "false", NULL,
     "Do not verify the Elasticsearch TLS certificate: for tests only, it allows impostors."},
    {"es.max-response-size", T_BYTES, AT(es_max_response_bytes), "64mb", NULL,
     "Refuse Elasticsearch answers larger than this, so a huge cluster cannot exhaust memory."},
    {"es.pidfile", T_PATH, AT(es_pidfile), NULL, NULL,
     "File holding the Elasticsearch pid, for when node info does not report it; setting it "
     "asserts ES runs on this host."},
    {"es.pid", T_INT, AT(es_pid), "0", NULL,
     "Elasticsearch pid for the /proc metrics (asserts ES runs on this host); 0 finds it from "
     "node info, checked against procfs, or es.pidfile."},
    {"es.indices", T_BOOL, AT(es_indices), "false", NULL,
     "Export per-index stats (GET /_all/_stats) and per-index health, as the reference "
     "exporter's --es.indices."},
    {"es.indices_settings", T_BOOL, AT(es_indices_settings), "false", NULL,
     "Export per-index settings and blocks (GET /_all/_settings): read-only indices."},
    {"es.indices_mappings", T_BOOL, AT(es_indices_mappings), "false", NULL,
     "Export the number of mapped fields per index (GET /_all/_mappings)."},
    {"es.aliases", T_BOOL, AT(es_aliases), "true", NULL,
     "With es.indices: export elasticsearch_indices_aliases (GET /_alias)."},
    {"es.shards", T_BOOL, AT(es_shards), "false", NULL,
     "Export per-shard docs and store size (implies es.indices)."},
    {"es.indices.interval", T_DURATION, AT(es_indices_interval_ms), "1m", NULL,
     "Poll index stats, aliases and index health this often, off the node-stats poll."},
    {"es.indices_settings.interval", T_DURATION, AT(es_indices_settings_interval_ms), "1m", NULL,
     "Poll index settings (and blocks) this often."},
    {"es.indices_mappings.interval", T_DURATION, AT(es_indices_mappings_interval_ms), "5m", NULL,
     "Poll index mappings this often."},
    {"es.indices.include", T_STRING, AT(es_indices_include), NULL, NULL,
     "Export only indices whose whole name matches this POSIX extended regex."},
    {"es.indices.exclude", T_STRING, AT(es_indices_exclude), NULL, NULL,
     "Leave out indices whose whole name matches this POSIX extended regex."},
    {"es.indices.max", T_INT, AT(es_indices_max), "1000", NULL,
     "Export the stats of at most this many indices, the largest by primary store size "
     "(esvigil_indices_dropped counts the rest); 0 = no limit."},
    {"collector.snapshots", T_BOOL, AT(collector_snapshots), "false", NULL,
     "Export snapshot stats per repository (GET /_snapshot/REPO/_all) and the newest successful "
     "snapshot's time: the snapshot_stale and snapshot_failed checks need it."},
    {"collector.snapshots.interval", T_DURATION, AT(collector_snapshots_interval_ms), "5m", NULL,
     "List the snapshots this often (a big S3 repository takes long), off the node-stats poll."},
    {"collector.slm", T_BOOL, AT(collector_slm), "false", NULL,
     "Export SLM status, stats and each policy's last success and failure (slm_failing)."},
    {"collector.slm.interval", T_DURATION, AT(collector_slm_interval_ms), "1m", NULL,
     "Poll SLM this often."},
    {"collector.ilm", T_BOOL, AT(collector_ilm), "false", NULL,
     "Export ILM status and every index's step, and indices in the ERROR step (ilm_error); on "
     "OpenSearch, ISM's failed actions (ism_failed)."},
    {"collector.ilm.interval", T_DURATION, AT(collector_ilm_interval_ms), "1m", NULL,
     "Poll ILM/ISM this often."},
    {"collector.health-report", T_BOOL, AT(collector_health_report), "false", NULL,
     "Export the health report (ES 8.7+): every indicator's status and symptom (health_report)."},
    {"collector.health-report.interval", T_DURATION, AT(collector_health_report_interval_ms), "1m",
     NULL, "Poll the health report this often."},
    {"collector.data-stream", T_BOOL, AT(collector_data_stream), "false", NULL,
     "Export data stream stats (GET /_data_stream/*/_stats)."},
    {"collector.data-stream.interval", T_DURATION, AT(collector_data_stream_interval_ms), "1m",
     NULL, "Poll data stream stats this often."},
    {"collector.tasks", T_BOOL, AT(collector_tasks), "false", NULL,
     "Export running tasks by action (GET /_tasks), filtered by tasks.actions."},
    {"collector.tasks.interval", T_DURATION, AT(collector_tasks_interval_ms), "0s", NULL,
     "Poll running tasks this often; 0s = every poll.interval."},
    {"tasks.actions", T_STRING, AT(tasks_actions), "indices:*", NULL,
     "The tasks collector's filter, as the Task API's actions parameter."},
    {"collector.pending-tasks", T_BOOL, AT(collector_pending_tasks), "false", NULL,
     "Export pending cluster tasks by priority and the oldest one's time in queue "
     "(GET /_cluster/pending_tasks): the pending_tasks checks need it."},
    {"collector.pending-tasks.interval", T_DURATION, AT(collector_pending_tasks_interval_ms), "0s",
     NULL, "Poll pending cluster tasks this often; 0s = every poll.interval."},
    {"cluster.metrics", T_ENUM, AT(cluster_metrics), "auto", "auto|always|never",
     "Who exports cluster-level families (health, settings, shards): auto = only the daemon "
     "beside the elected master, so N daemons do not emit N copies."},
    {"poll.interval", T_DURATION, AT(poll_interval_ms), "15s", NULL,
     "Poll Elasticsearch this often; /metrics always serves the last poll."},
    {"poll.deadline", T_DURATION, AT(poll_deadline_ms), "0s", NULL,
     "A poll gives up on what Elasticsearch has not answered after this long, counted as a "
     "timeout; 0s = poll.interval."},
    {"poll.concurrency", T_INT, AT(poll_concurrency), "2", NULL,
     "Elasticsearch requests of one poll in flight at once (1 to 8), each on its own "
     "connection, parsed on its own thread; 1 = one after the other."},
    {"path.procfs", T_PATH, AT(path_procfs), "/proc", NULL,
     "procfs mount point, e.g. /host/proc when running in a container."},
    {"web.listen-address", T_STRING, AT(web_listen_address), ":" STR(CONFIG_DEFAULT_PORT), NULL,
     "Address to serve HTTP on: host:port, :port (all addresses) or [v6addr]:port."},
    {"web.telemetry-path", T_STRING, AT(web_telemetry_path), "/metrics", NULL,
     "Path under which the metrics are served."},
    {"web.config.file", T_PATH, AT(web_config_file), NULL, NULL,
     "exporter-toolkit web config (TLS, basic auth, headers), as node_exporter reads it."},
    {"web.idle-timeout", T_DURATION, AT(web_idle_timeout_ms), "6m", NULL,
     "Keep a scraper's connection open this long between requests, once it has been answered "
     "(Prometheus drops idle ones after 5m); one that sends nothing is closed after 10s."},
    {"log.level", T_ENUM, AT(log_level), "info", "debug|info|warn|error",
     "Log only messages at this level or above."},
    {"probe.allow", T_LIST, AT(probe_allow), NULL, NULL,
     "Targets /probe may poll: glob patterns over the whole URL (a star stops at \"/\"); "
     "repeat the flag for more. Empty: /probe answers 404."},
    {"probe.timeout", T_DURATION, AT(probe_timeout_ms), "10s", NULL,
     "Give up on a /probe target after this long (the whole collection)."},
    {"probe.max-concurrent", T_INT, AT(probe_max_concurrent), "4", NULL,
     "Probes running at once; one more is answered 503 at once instead of queueing."},
    {"aws.region", T_STRING, AT(aws_region), NULL, NULL,
     "Sign requests with AWS SigV4 for this region (Amazon OpenSearch Service); keys from "
     "$AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY or ~/.aws/credentials."},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* Flags that are not settings, for --help. */
static const struct {
    const char *flag;
    const char *help;
} other_flags[] = {
    {"--config.file=FILE",
     "YAML file with the settings above (default: " CONFIG_DEFAULT_FILE "; flags override it)."},
    {"--check", "Poll once, print a report of findings with hints, exit 0 ok, 1 warning, "
                "2 critical, 3 unknown."},
    {"--print-rules", "Print the bundled Prometheus alert rules."},
    {"--print-dashboard", "Print the bundled Grafana dashboard (contrib/grafana/esvigil.json)."},
    {"--version", "Print the version."},
    {"--help", "Print this help."},
};

/* How each type is shown in --help and described when a value is wrong. */
static const struct {
    const char *metavar;
    const char *expect;
} type_info[] = {
    [T_STRING] = {"STRING", NULL},
    [T_PATH] = {"PATH", NULL},
    [T_BOOL] = {NULL, "not a boolean (true or false)"},
    [T_DURATION] = {"DURATION", "not a duration (like 500ms, 15s, 1m)"},
    [T_BYTES] = {"BYTES", "not a byte size (like 512kb, 64mb, 1gb)"},
    [T_INT] = {"INT", "not a whole number (0 or more)"},
    [T_ENUM] = {NULL, NULL}, /* the choices themselves */
    [T_LIST] = {"PATTERN", NULL},
};

enum { ORIGIN_DEFAULT = 0, ORIGIN_FLAG = -1 }; /* > 0: line in config_file */

#define SECRET_MAX (64 * 1024)
#define CONFIG_FILE_MAX (1024 * 1024)

static void quote(const char *s, char *out, size_t n);

/* ---- checks.NAME.LEVEL: threshold overrides, one key per check row ---- */

/* Splits "checks.NAME.LEVEL" (n bytes of key); row and level (1 warning, 2
 * critical, 3 minimum). 1 when it is such a leaf, 0 otherwise. */
static int check_key(const char *key, size_t n, int *row, int *level)
{
    static const char pre[] = "checks.";
    if (n <= sizeof(pre) - 1 || strncmp(key, pre, sizeof(pre) - 1) != 0)
        return 0;
    const char *name = key + sizeof(pre) - 1, *end = key + n;
    const char *dot = memchr(name, '.', (size_t)(end - name));
    if (!dot)
        return 0;
    char check[64];
    if ((size_t)(dot - name) >= sizeof(check))
        return 0;
    memcpy(check, name, (size_t)(dot - name));
    check[dot - name] = '\0';
    size_t ln = (size_t)(end - dot - 1);
    *level = ln == 7 && strncmp(dot + 1, "warning", 7) == 0    ? 1
             : ln == 8 && strncmp(dot + 1, "critical", 8) == 0 ? 2
             : ln == 7 && strncmp(dot + 1, "minimum", 7) == 0  ? 3
                                                               : 0;
    *row = checks_find(check);
    return *row >= 0 && *level != 0;
}

/* "checks" and "checks.NAME" are sections of the file. */
static int is_check_section(const char *key)
{
    if (strcmp(key, "checks") == 0)
        return 1;
    return strncmp(key, "checks.", 7) == 0 && !strchr(key + 7, '.') && checks_find(key + 7) >= 0;
}

static int check_set(config *c, int row, int level, const char *text, char *why, size_t n)
{
    double v;
    char *end;
    if (strcmp(text, "off") == 0) {
        v = NAN;
    } else {
        v = strtod(text, &end);
        if (end == text || *end || !isfinite(v)) {
            char q[96];
            quote(text, q, sizeof(q));
            snprintf(why, n, "not a number or \"off\": %s", q);
            return -1;
        }
    }
    double *slot = level == 1   ? c->check_warning
                   : level == 2 ? c->check_critical
                                : c->check_minimum;
    slot[row] = v;
    c->check_set[row] |= (unsigned char)(1 << (level - 1));
    return 0;
}

void config_apply_thresholds(const config *c, checks_thresholds *t)
{
    for (size_t i = 0; i < t->count && i < checks_count(); i++) {
        if (c->check_set[i] & 1)
            t->warning[i] = c->check_warning[i];
        if (c->check_set[i] & 2)
            t->critical[i] = c->check_critical[i];
        if (c->check_set[i] & 4)
            t->minimum[i] = c->check_minimum[i];
    }
}

/* ---- the table ---- */

static const struct setting *find_setting_n(const char *key, size_t n)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strlen(settings[i].key) == n && strncmp(settings[i].key, key, n) == 0)
            return &settings[i];
    return NULL;
}

static const struct setting *find_setting(const char *key)
{
    return find_setting_n(key, strlen(key));
}

/* True when some key lies under prefix, e.g. "es" for "es.uri". */
static int is_section(const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strncmp(settings[i].key, prefix, n) == 0 && settings[i].key[n] == '.')
            return 1;
    return 0;
}

static size_t setting_index(const struct setting *s)
{
    return (size_t)(s - settings);
}

static int is_string_type(enum setting_type t)
{
    return t == T_STRING || t == T_PATH || t == T_ENUM;
}

static char **str_field(config *c, const struct setting *s)
{
    return (char **)(void *)((char *)c + s->offset);
}

static long long *ll_field(config *c, const struct setting *s)
{
    return (long long *)(void *)((char *)c + s->offset);
}

static int *int_field(config *c, const struct setting *s)
{
    return (int *)(void *)((char *)c + s->offset);
}

static config_list *list_field(config *c, const struct setting *s)
{
    return (config_list *)(void *)((char *)c + s->offset);
}

static void list_clear(config_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int list_append(config_list *l, const char *text)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    l->v = v;
    if (!(v[l->n] = strdup(text)))
        return -1;
    l->n++;
    return 0;
}

size_t config_key_count(void)
{
    return N_SETTINGS;
}

const char *config_key_name(size_t i)
{
    return i < N_SETTINGS ? settings[i].key : NULL;
}

/* ---- values ---- */

/* The value quoted on one line, control characters escaped, long ones cut. */
static void quote(const char *s, char *out, size_t n)
{
    size_t o = 0, shown = 0;
    if (n < 8)
        return;
    out[o++] = '"';
    for (; *s && o + 8 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (++shown > 80) {
            o += (size_t)snprintf(out + o, n - o, "...");
            break;
        }
        if (ch == '"' || ch == '\\')
            o += (size_t)snprintf(out + o, n - o, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
        else
            out[o++] = (char)ch;
    }
    out[o++] = '"';
    out[o] = '\0';
}

static int parse_bool(const char *text, int *v)
{
    if (strcmp(text, "true") == 0)
        *v = 1;
    else if (strcmp(text, "false") == 0)
        *v = 0;
    else
        return -1;
    return 0;
}

static int parse_int(const char *text, long long *v)
{
    long long n = 0;
    if (!*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p) || n > (INT_MAX - (*p - '0')) / 10)
            return -1;
        n = n * 10 + (*p - '0');
    }
    *v = n;
    return 0;
}

static int in_choices(const char *choices, const char *text)
{
    size_t n = strlen(text);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == n && n > 0 && strncmp(p, text, n) == 0)
            return 1;
        p += len + (p[len] == '|');
    }
    return 0;
}

/* base_dir/text for a relative path from the file; a copy of text otherwise. */
static char *path_value(const char *text, const char *base_dir)
{
    if (!base_dir || text[0] == '/')
        return strdup(text);
    size_t n = strlen(base_dir) + strlen(text) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", base_dir, text);
    return p;
}

/* Parses text into s's field of c. "" unsets an optional string; a setting
 * with a default needs a value. On failure c is untouched and why says
 * what is wrong (quoting text, which is never a secret). */
static int setting_set(config *c, const struct setting *s, const char *text, const char *base_dir,
                       char *why, size_t n)
{
    char q[128];
    quote(text, q, sizeof(q));
    if (!*text && s->def) {
        snprintf(why, n, "missing value (the default is %s)", s->def[0] ? s->def : "\"\"");
        return -1;
    }
    int ok = 0;
    int b = 0;
    long long v = 0;
    double d = 0;
    switch (s->type) {
    case T_STRING:
    case T_PATH:
    case T_ENUM: {
        if (s->type == T_ENUM && !in_choices(s->choices, text)) {
            snprintf(why, n, "not one of %s: %s", s->choices, q);
            return -1;
        }
        char *copy = NULL;
        if (*text) {
            copy = s->type == T_PATH ? path_value(text, base_dir) : strdup(text);
            if (!copy) {
                snprintf(why, n, "out of memory");
                return -1;
            }
        }
        free(*str_field(c, s));
        *str_field(c, s) = copy;
        return 0;
    }
    case T_BOOL:
        ok = parse_bool(text, &b) == 0;
        if (ok)
            *int_field(c, s) = b;
        break;
    case T_DURATION:
        ok = units_parse_duration_ms(text, &v) == 0;
        if (ok)
            *ll_field(c, s) = v;
        break;
    case T_BYTES:
        ok = units_parse_bytes(text, &d) == 0 && d < 9.0e18;
        if (ok)
            *ll_field(c, s) = llround(d);
        break;
    case T_INT:
        ok = parse_int(text, &v) == 0;
        if (ok)
            *ll_field(c, s) = v;
        break;
    case T_LIST: /* appends: a flag repeated, or each item of the file's list */
        if (*text && list_append(list_field(c, s), text)) {
            snprintf(why, n, "out of memory");
            return -1;
        }
        return 0;
    }
    if (!ok)
        snprintf(why, n, "%s: %s", type_info[s->type].expect, q);
    return ok ? 0 : -1;
}

/* Bytes in the largest unit that divides them exactly, like "64mb". */
static void format_bytes(long long v, char *out, size_t n)
{
    static const char *const names[] = {"b", "kb", "mb", "gb", "tb", "pb"};
    size_t u = 0;
    while (v != 0 && u + 1 < sizeof(names) / sizeof(names[0]) && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(out, n, "%lld%s", v, names[u]);
}

static void format_setting(const config *c, const struct setting *s, char *out, size_t n)
{
    config *m = (config *)c; /* the field helpers are shared with writers */
    switch (s->type) {
    case T_STRING:
    case T_PATH:
    case T_ENUM:
        snprintf(out, n, "%s", *str_field(m, s) ? *str_field(m, s) : "");
        break;
    case T_BOOL:
        snprintf(out, n, "%s", *int_field(m, s) ? "true" : "false");
        break;
    case T_DURATION:
        units_format_duration(*ll_field(m, s), out, n);
        break;
    case T_BYTES:
        format_bytes(*ll_field(m, s), out, n);
        break;
    case T_INT:
        snprintf(out, n, "%lld", *ll_field(m, s));
        break;
    case T_LIST: {
        const config_list *l = list_field(m, s);
        size_t used = 0;
        out[0] = '\0';
        for (size_t i = 0; i < l->n && used < n; i++) {
            int w = snprintf(out + used, n - used, "%s%s", i ? "," : "", l->v[i]);
            used += w > 0 ? (size_t)w : 0;
        }
        break;
    }
    }
}

int config_format_value(const config *c, const char *key, char *out, size_t n)
{
    const struct setting *s = find_setting(key);
    if (!s || n == 0)
        return -1;
    format_setting(c, s, out, n);
    return 0;
}

int config_key_line(const config *c, const char *key)
{
    const struct setting *s = find_setting(key);
    if (!s || !c->origin)
        return 0;
    int o = c->origin[setting_index(s)];
    return o > 0 ? o : 0;
}

/* ---- lifecycle ---- */

static void free_secret(char **p)
{
    if (*p) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

config *config_new(void)
{
    config *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->origin = calloc(N_SETTINGS, sizeof(*c->origin));
    c->check_warning = calloc(checks_count(), sizeof(double));
    c->check_critical = calloc(checks_count(), sizeof(double));
    c->check_minimum = calloc(checks_count(), sizeof(double));
    c->check_set = calloc(checks_count(), 1);
    if (!c->origin || !c->check_warning || !c->check_critical || !c->check_minimum ||
        !c->check_set) {
        config_free(c);
        return NULL;
    }
    char why[256];
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (settings[i].def &&
            setting_set(c, &settings[i], settings[i].def, NULL, why, sizeof(why))) {
            config_free(c);
            return NULL;
        }
    }
    return c;
}

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (is_string_type(settings[i].type))
            free(*str_field(c, &settings[i]));
        else if (settings[i].type == T_LIST)
            list_clear(list_field(c, &settings[i]));
    for (size_t i = 0; i < c->n_auth_modules; i++)
        probe_auth_clear(&c->auth_modules[i]);
    free(c->auth_modules);
    free_secret(&c->es_password);
    free_secret(&c->es_api_key);
    awscreds_clear(&c->aws);
    free(c->config_file);
    free(c->origin);
    free(c->check_warning);
    free(c->check_critical);
    free(c->check_minimum);
    free(c->check_set);
    free(c);
}

/* ---- YAML file ---- */

struct loader {
    yaml_parser_t parser;
    config *c;
    const char *path;
    char *dir; /* for relative paths; NULL when the file is in the working directory */
    const char *text;
    size_t len;
    char *err;
    size_t errlen;
};

/* "FILE:LINE: KEY: message" (KEY left out when NULL); always -1. */
static int load_fail(struct loader *l, size_t line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int load_fail(struct loader *l, size_t line, const char *key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (key)
        snprintf(l->err, l->errlen, "%s:%zu: %s: %s", l->path, line, key, msg);
    else
        snprintf(l->err, l->errlen, "%s:%zu: %s", l->path, line, msg);
    return -1;
}

static size_t line_at_offset(const struct loader *l, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < l->len; i++)
        line += l->text[i] == '\n';
    return line;
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
    if (yaml_parser_parse(&l->parser, ev))
        return 0;
    yaml_parser_t *p = &l->parser;
    size_t line = p->error == YAML_READER_ERROR ? line_at_offset(l, p->problem_offset)
                                                : p->problem_mark.line + 1;
    return load_fail(l, line, NULL, "YAML syntax error: %s",
                     p->problem ? p->problem : "cannot parse");
}

static size_t ev_line(const yaml_event_t *ev)
{
    return ev->start_mark.line + 1;
}

/* YAML's null: an empty or "~"/"null" plain scalar. */
static int is_null_scalar(const yaml_event_t *ev)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp((const char *)ev->data.scalar.value, nulls[i]) == 0)
            return 1;
    return 0;
}

static int scalar_has_nul(const yaml_event_t *ev)
{
    return strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length;
}

static int load_value(struct loader *l, const char *key, const yaml_event_t *val)
{
    const struct setting *s = find_setting(key);
    size_t idx = setting_index(s);
    if (l->c->origin[idx] > 0)
        return load_fail(l, ev_line(val), key, "duplicate key (first set on line %d)",
                         l->c->origin[idx]);
    if (scalar_has_nul(val))
        return load_fail(l, ev_line(val), key, "value contains a NUL byte");
    const char *text = is_null_scalar(val) ? "" : (const char *)val->data.scalar.value;
    char why[256];
    if (setting_set(l->c, s, text, l->dir, why, sizeof(why)))
        return load_fail(l, ev_line(val), key, "%s", why);
    l->c->origin[idx] = (int)ev_line(val);
    return 0;
}

static int load_check(struct loader *l, const char *key, int row, int level,
                      const yaml_event_t *val)
{
    char why[256];
    const char *text = is_null_scalar(val) ? "" : (const char *)val->data.scalar.value;
    if (scalar_has_nul(val) || check_set(l->c, row, level, text, why, sizeof(why)))
        return load_fail(l, ev_line(val), key, "%s",
                         scalar_has_nul(val) ? "value contains a NUL byte" : why);
    return 0;
}

/* Keys already seen in one mapping, for duplicate detection of sections. */
struct seen {
    char **keys;
    size_t *lines;
    size_t n;
};

static size_t seen_line(const struct seen *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key) == 0)
            return s->lines[i];
    return 0;
}

static int seen_add(struct seen *s, const char *key, size_t line)
{
    char **k = realloc(s->keys, (s->n + 1) * sizeof(*k));
    if (!k)
        return -1;
    s->keys = k;
    size_t *ln = realloc(s->lines, (s->n + 1) * sizeof(*ln));
    if (!ln)
        return -1;
    s->lines = ln;
    if (!(s->keys[s->n] = strdup(key)))
        return -1;
    s->lines[s->n++] = line;
    return 0;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->lines);
}

static int load_mapping(struct loader *l, const char *prefix);

/* After SEQUENCE_START of a T_LIST key: each scalar item, to SEQUENCE_END. */
static int load_list(struct loader *l, const char *key, const yaml_event_t *start)
{
    const struct setting *s = find_setting(key);
    size_t idx = setting_index(s);
    if (l->c->origin[idx] > 0)
        return load_fail(l, ev_line(start), key, "duplicate key (first set on line %d)",
                         l->c->origin[idx]);
    list_clear(list_field(l->c, s));
    for (;;) {
        yaml_event_t ev;
        if (next_event(l, &ev))
            return -1;
        int rc = 0, end = ev.type == YAML_SEQUENCE_END_EVENT;
        char why[256];
        if (!end && (ev.type != YAML_SCALAR_EVENT || is_null_scalar(&ev) || scalar_has_nul(&ev)))
            rc = load_fail(l, ev_line(&ev), key, "expected a list of non-empty strings");
        else if (!end &&
                 setting_set(l->c, s, (const char *)ev.data.scalar.value, l->dir, why, sizeof(why)))
            rc = load_fail(l, ev_line(&ev), key, "%s", why);
        yaml_event_delete(&ev);
        if (rc)
            return rc;
        if (end)
            break;
    }
    l->c->origin[idx] = (int)ev_line(start);
    return 0;
}

static int is_list_key(const char *key)
{
    const struct setting *s = find_setting(key);
    return s && s->type == T_LIST;
}

/* A scalar field of auth_modules.NAME (key names it in errors); file names
 * are relative to the config file. */
static int set_auth_value(struct loader *l, probe_auth *m, const char *key, const char *field,
                          const yaml_event_t *val)
{
    char why[256];
    if (val->type != YAML_SCALAR_EVENT || is_null_scalar(val) || scalar_has_nul(val))
        return load_fail(l, ev_line(val), key, "expected a single non-empty value");
    const char *text = (const char *)val->data.scalar.value;
    int path = strcmp(field, "password_file") == 0 || strcmp(field, "api_key_file") == 0;
    char *v = path ? path_value(text, l->dir) : strdup(text);
    int rc = 0;
    if (!v)
        rc = load_fail(l, ev_line(val), key, "out of memory");
    else if (probe_auth_set(m, field, v, why, sizeof(why)))
        rc = load_fail(l, ev_line(val), key, "%s", why);
    free(v);
    return rc;
}

/* The next key of a mapping whose MAPPING_START was read: 1 with *kev a plain scalar key, which
 * the caller deletes; 0 at the MAPPING_END; -1 after a read error or a key that is not a plain
 * scalar (reported under what as why). */
static int next_key(struct loader *l, yaml_event_t *kev, const char *what, const char *why)
{
    if (next_event(l, kev))
        return -1;
    int end = kev->type == YAML_MAPPING_END_EVENT;
    int bad = !end && (kev->type != YAML_SCALAR_EVENT || scalar_has_nul(kev));
    if (end || bad) {
        size_t line = ev_line(kev);
        yaml_event_delete(kev);
        return end ? 0 : load_fail(l, line, what, "%s", why);
    }
    return 1;
}

/* The reference exporter's nested form: userpass: {username, password},
 * aws: {region}; after its MAPPING_START. */
static int load_auth_nested(struct loader *l, probe_auth *m, const char *section)
{
    for (;;) {
        yaml_event_t kev, val;
        int rc = next_key(l, &kev, "auth_modules", "keys must be plain names");
        if (rc <= 0)
            return rc;
        if (!(rc = next_event(l, &val))) {
            const char *field = (const char *)kev.data.scalar.value;
            char key[300];
            snprintf(key, sizeof(key), "auth_modules.%s.%s.%s", m->name, section, field);
            rc = set_auth_value(l, m, key, field, &val);
            yaml_event_delete(&val);
        }
        yaml_event_delete(&kev);
        if (rc)
            return rc;
    }
}

/* One field of auth_modules.NAME: flat (username: ...) or the reference's
 * nested sections; its "apikey: KEY" is api_key. */
static int load_auth_field(struct loader *l, probe_auth *m, const yaml_event_t *kev)
{
    const char *field = (const char *)kev->data.scalar.value;
    char key[300];
    snprintf(key, sizeof(key), "auth_modules.%s.%s", m->name, field);
    yaml_event_t val;
    if (next_event(l, &val))
        return -1;
    int nested = strcmp(field, "userpass") == 0 || strcmp(field, "aws") == 0;
    int rc;
    if (nested && val.type == YAML_MAPPING_START_EVENT)
        rc = load_auth_nested(l, m, field);
    else if (val.type == YAML_MAPPING_START_EVENT)
        rc = load_fail(l, ev_line(kev), key,
                       "not supported (only userpass: and aws: hold a mapping)");
    else
        rc = set_auth_value(l, m, key, strcmp(field, "apikey") == 0 ? "api_key" : field, &val);
    yaml_event_delete(&val);
    return rc;
}

/* After MAPPING_START of auth_modules.NAME: its fields, then the check. */
static int load_auth_module(struct loader *l, probe_auth *m)
{
    for (;;) {
        yaml_event_t kev;
        int rc = next_key(l, &kev, "auth_modules", "keys must be plain names");
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        rc = load_auth_field(l, m, &kev);
        yaml_event_delete(&kev);
        if (rc)
            return rc;
    }
    char why[256], key[300];
    snprintf(key, sizeof(key), "auth_modules.%s", m->name);
    if (probe_auth_check(m, why, sizeof(why)))
        return load_fail(l, (size_t)m->line, key, "%s", why);
    return 0;
}

static int add_auth_module(struct loader *l, const yaml_event_t *kev, probe_auth **m)
{
    config *c = l->c;
    const char *name = (const char *)kev->data.scalar.value;
    const probe_auth *old = probe_auth_find(c->auth_modules, c->n_auth_modules, name);
    if (old)
        return load_fail(l, ev_line(kev), "auth_modules",
                         "duplicate module %.64s (first on line %d)", name, old->line);
    probe_auth *v = realloc(c->auth_modules, (c->n_auth_modules + 1) * sizeof(*v));
    if (!v)
        return load_fail(l, ev_line(kev), "auth_modules", "out of memory");
    c->auth_modules = v;
    *m = &v[c->n_auth_modules];
    memset(*m, 0, sizeof(**m));
    if (!((*m)->name = strdup(name)))
        return load_fail(l, ev_line(kev), "auth_modules", "out of memory");
    (*m)->line = (int)ev_line(kev);
    c->n_auth_modules++;
    return 0;
}

/* After MAPPING_START of auth_modules: NAME: {type: ..., ...} entries, the
 * reference exporter's layout. */
static int load_auth_modules(struct loader *l)
{
    if (l->c->n_auth_modules)
        return load_fail(l, 0, "auth_modules", "duplicate key");
    for (;;) {
        yaml_event_t kev, val;
        int rc = next_key(l, &kev, "auth_modules", "module names must be plain");
        if (rc <= 0)
            return rc;
        probe_auth *m = NULL;
        rc = is_null_scalar(&kev)
                 ? load_fail(l, ev_line(&kev), "auth_modules", "module names must be plain")
                 : add_auth_module(l, &kev, &m);
        if (!rc && !(rc = next_event(l, &val))) {
            if (val.type == YAML_MAPPING_START_EVENT)
                rc = load_auth_module(l, m);
            else
                rc = load_fail(l, ev_line(&val), "auth_modules",
                               "module %.64s: expected a mapping (type: userpass|apikey|aws, ...)",
                               m->name);
            yaml_event_delete(&val);
        }
        yaml_event_delete(&kev);
        if (rc)
            return rc;
    }
}

/* One "key: value" of a mapping; key is the dotted path. */
static int load_entry(struct loader *l, const char *key, size_t key_line)
{
    yaml_event_t val;
    if (next_event(l, &val))
        return -1;
    int rc = 0;
    int row, level;
    int check = check_key(key, strlen(key), &row, &level);
    int leaf = find_setting(key) != NULL || check;
    if (strcmp(key, "auth_modules") == 0 && val.type == YAML_MAPPING_START_EVENT)
        rc = load_auth_modules(l);
    else if (strcmp(key, "auth_modules") == 0 && !is_null_scalar(&val))
        rc = load_fail(l, ev_line(&val), key, "expected a mapping of modules (NAME: {type: ...})");
    else if (strcmp(key, "auth_modules") == 0)
        rc = 0;
    else if (!leaf && !is_section(key) && !is_check_section(key))
        rc = load_fail(l, key_line, key, "unknown key");
    else if (val.type == YAML_ALIAS_EVENT)
        rc = load_fail(l, ev_line(&val), key, "YAML aliases are not supported");
    else if (val.type == YAML_SEQUENCE_START_EVENT && is_list_key(key))
        rc = load_list(l, key, &val);
    else if (val.type == YAML_SEQUENCE_START_EVENT)
        rc = load_fail(l, ev_line(&val), key,
                       leaf ? "expected a single value, not a list"
                            : "expected a mapping of settings, not a list");
    else if (val.type == YAML_MAPPING_START_EVENT)
        rc = leaf ? load_fail(l, ev_line(&val), key, "expected a single value, not a mapping")
                  : load_mapping(l, key);
    else if (!leaf && !is_null_scalar(&val)) /* "es:" alone: all commented out */
        rc = load_fail(l, ev_line(&val), key,
                       "is a section: expected a mapping of settings under it, not a value");
    else if (check)
        rc = load_check(l, key, row, level, &val);
    else if (leaf)
        rc = load_value(l, key, &val);
    yaml_event_delete(&val);
    return rc;
}

static char *join_key(const char *prefix, const char *name)
{
    size_t n = (prefix ? strlen(prefix) + 1 : 0) + strlen(name) + 1;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", name);
    return k;
}

static int load_key(struct loader *l, const char *prefix, const yaml_event_t *kev,
                    struct seen *seen)
{
    if (kev->type != YAML_SCALAR_EVENT || scalar_has_nul(kev))
        return load_fail(l, ev_line(kev), prefix, "keys must be plain names");
    char *key = join_key(prefix, (const char *)kev->data.scalar.value);
    if (!key)
        return load_fail(l, ev_line(kev), prefix, "out of memory");
    int rc;
    size_t first = seen_line(seen, key);
    if (first)
        rc = load_fail(l, ev_line(kev), key, "duplicate key (first set on line %zu)", first);
    else if (seen_add(seen, key, ev_line(kev)))
        rc = load_fail(l, ev_line(kev), key, "out of memory");
    else
        rc = load_entry(l, key, ev_line(kev));
    free(key);
    return rc;
}

/* After MAPPING_START: reads up to and including MAPPING_END. */
static int load_mapping(struct loader *l, const char *prefix)
{
    struct seen seen = {0};
    int rc = 0;
    for (;;) {
        yaml_event_t kev;
        if ((rc = next_event(l, &kev)))
            break;
        int end = kev.type == YAML_MAPPING_END_EVENT;
        if (!end)
            rc = load_key(l, prefix, &kev, &seen);
        yaml_event_delete(&kev);
        if (end || rc)
            break;
    }
    seen_free(&seen);
    return rc;
}

/* The document's root: a mapping, or nothing at all. */
static int load_root(struct loader *l)
{
    yaml_event_t ev;
    if (next_event(l, &ev))
        return -1;
    int rc = 0;
    if (ev.type == YAML_MAPPING_START_EVENT)
        rc = load_mapping(l, NULL);
    else if (ev.type != YAML_SCALAR_EVENT || !is_null_scalar(&ev))
        rc = load_fail(l, ev_line(&ev), NULL,
                       "expected a mapping of settings (like \"es:\" then \"  uri: ...\")");
    yaml_event_delete(&ev);
    return rc;
}

/* The whole stream: nothing (an empty file) or exactly one document. */
static int load_stream(struct loader *l)
{
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (next_event(l, &ev))
            return -1;
        yaml_event_type_t t = ev.type;
        size_t line = ev_line(&ev);
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            return 0;
        if (t != YAML_DOCUMENT_START_EVENT)
            continue; /* stream start, document end */
        if (docs++)
            return load_fail(l, line, NULL, "only one YAML document is allowed");
        if (load_root(l))
            return -1;
    }
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "not a regular file (a directory)"
           : S_ISFIFO(m) ? "not a regular file (a FIFO)"
           : S_ISSOCK(m) ? "not a regular file (a socket)"
           : S_ISCHR(m)  ? "not a regular file (a character device)"
           : S_ISBLK(m)  ? "not a regular file (a block device)"
                         : "not a regular file";
}

/* Opens path for reading only if it is a regular file. O_NONBLOCK because
 * open() of a FIFO waits for a writer, which would hang startup and SIGHUP
 * (and so SIGTERM); fstat after open, so nothing is swapped in between. On
 * failure why says what (without the path) and NULL is returned. */
static FILE *open_regular(const char *path, char *why, size_t n)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, n, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    int rc = fstat(fd, &st);
    if (rc != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, n, "%s", rc != 0 ? strerror(errno) : file_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(why, n, "%s", strerror(errno));
        close(fd);
    }
    return f;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    char why[128];
    FILE *f = open_regular(path, why, sizeof(why));
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, why);
        return NULL;
    }
    char *data = malloc(CONFIG_FILE_MAX + 1);
    size_t n = data ? fread(data, 1, CONFIG_FILE_MAX + 1, f) : 0;
    int bad = !data || ferror(f);
    int e = errno;
    fclose(f);
    if (bad || n > CONFIG_FILE_MAX) {
        if (!data)
            snprintf(err, errlen, "%s: cannot read: out of memory", path);
        else if (bad)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
        else
            snprintf(err, errlen, "%s: cannot read: larger than %d bytes", path, CONFIG_FILE_MAX);
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

/* Directory of path for relative values, NULL when that is the working one. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Error lines end up in logs and in front of Nagios: a key, flag or path
 * holding a control character must not break them into several lines. */
static int one_line(int rc, char *err)
{
    for (unsigned char *p = (unsigned char *)err; rc && p && *p; p++)
        if (*p < ' ' || *p == 0x7f)
            *p = '?';
    return rc;
}

static int load_file(config *c, const char *path, char *err, size_t errlen);

int config_load_file(config *c, const char *path, char *err, size_t errlen)
{
    return one_line(load_file(c, path, err, errlen), err);
}

static int load_file(config *c, const char *path, char *err, size_t errlen)
{
    struct loader l = {.c = c, .path = path, .err = err, .errlen = errlen};
    char *text = slurp(path, &l.len, err, errlen);
    if (!text)
        return -1;
    char *name = strdup(path);
    const char *slash = strrchr(path, '/');
    if (!name || (slash && !(l.dir = dir_of(path)))) {
        snprintf(err, errlen, "%s: cannot read: out of memory", path);
        free(name);
        free(text);
        return -1;
    }
    free(c->config_file);
    c->config_file = name;
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (c->origin[i] > 0)
            c->origin[i] = ORIGIN_DEFAULT;
    l.text = text;
    yaml_parser_initialize(&l.parser);
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, l.len);
    int rc = load_stream(&l);
    yaml_parser_delete(&l.parser);
    free(l.dir);
    free(text);
    return rc;
}

/* ---- flags ---- */

/* The reference exporter's older flag names (Debian 12's 1.5.0), so
 * existing unit files keep working. Flags only: the file uses the keys. */
static const struct {
    const char *alias, *key;
} flag_aliases[] = {
    {"es.snapshots", "collector.snapshots"},
    {"es.slm", "collector.slm"},
    {"es.data_stream", "collector.data-stream"},
};

static const struct setting *find_flag_n(const char *name, size_t n)
{
    const struct setting *s = find_setting_n(name, n);
    for (size_t i = 0; !s && i < sizeof(flag_aliases) / sizeof(flag_aliases[0]); i++)
        if (strlen(flag_aliases[i].alias) == n && strncmp(flag_aliases[i].alias, name, n) == 0)
            s = find_setting(flag_aliases[i].key);
    return s;
}

static int is_passthrough(const char *const *passthrough, const char *flag, size_t n)
{
    for (; passthrough && *passthrough; passthrough++)
        if (strlen(*passthrough) == n && strncmp(*passthrough, flag, n) == 0)
            return 1;
    return 0;
}

/* A flag's value given as the next argument: anything but another flag. */
static const char *next_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        return NULL;
    const char *v = argv[*i + 1];
    if (strncmp(v, "--", 2) == 0 && isalpha((unsigned char)v[2]))
        return NULL;
    ++*i;
    return v;
}

/* One argument at argv[*i] (advancing *i past a separate value). */
static int apply_flag(config *c, int argc, char **argv, int *i, const char *const *passthrough,
                      char *err, size_t errlen)
{
    const char *a = argv[*i];
    if (a[0] != '-' || a[1] == '\0' || strcmp(a, "--") == 0) {
        char q[128];
        quote(a, q, sizeof(q));
        snprintf(err, errlen,
                 "argument %s: unexpected (settings are flags like --es.uri=URL; "
                 "see --help)",
                 q);
        return -1;
    }
    if (a[1] != '-') {
        snprintf(err, errlen, "flag %.64s: unknown flag (flags start with --; see --help)", a);
        return -1;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    int n = (int)(eq ? (size_t)(eq - name) : strlen(name));
    if (is_passthrough(passthrough, a, (size_t)n + 2)) {
        if (eq) {
            snprintf(err, errlen, "flag --%.*s: takes no value", n, name);
            return -1;
        }
        return 0;
    }
    const struct setting *s = find_flag_n(name, (size_t)n);
    const char *value = eq ? eq + 1 : NULL;
    int row, level;
    if (!s && check_key(name, (size_t)n, &row, &level)) {
        if (!value)
            value = next_value(argc, argv, i);
        char why[256];
        if (!value) {
            snprintf(err, errlen, "flag --%.*s: missing value", n, name);
            return -1;
        }
        if (check_set(c, row, level, value, why, sizeof(why))) {
            snprintf(err, errlen, "flag --%.*s: %s", n, name, why);
            return -1;
        }
        return 0;
    }
    int is_config_file = n == 11 && strncmp(name, "config.file", 11) == 0;
    if (!s && !is_config_file && n > 3 && strncmp(name, "no-", 3) == 0 &&
        (s = find_flag_n(name + 3, (size_t)n - 3))) {
        if (s->type != T_BOOL) {
            snprintf(err, errlen, "flag --%.*s: unknown flag (--no- is for boolean flags)", n,
                     name);
            return -1;
        }
        if (eq) {
            snprintf(err, errlen, "flag --%.*s: takes no value", n, name);
            return -1;
        }
        value = "false";
    }
    if (!s && !is_config_file) {
        snprintf(err, errlen, "flag --%.*s: unknown flag (see --help)", n > 64 ? 64 : n, name);
        return -1;
    }
    if (!value && s && s->type == T_BOOL)
        value = "true";
    if (!value)
        value = next_value(argc, argv, i);
    if (!value || (is_config_file && !*value)) {
        snprintf(err, errlen, "flag --%.*s: missing value", n, name);
        return -1;
    }
    if (is_config_file)
        return 0; /* config_file_arg's business */
    char why[256];
    if (setting_set(c, s, value, NULL, why, sizeof(why))) {
        snprintf(err, errlen, "flag --%s: %s", s->key, why);
        return -1;
    }
    c->origin[setting_index(s)] = ORIGIN_FLAG;
    return 0;
}

int config_apply_flags(config *c, int argc, char **argv, const char *const *passthrough, char *err,
                       size_t errlen)
{
    for (int i = 1; i < argc; i++)
        if (apply_flag(c, argc, argv, &i, passthrough, err, errlen))
            return one_line(-1, err);
    return 0;
}

const char *config_file_arg(int argc, char **argv)
{
    static const char flag[] = "--config.file";
    const size_t n = sizeof(flag) - 1;
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flag, n) != 0)
            continue;
        if (argv[i][n] == '=')
            found = argv[i] + n + 1;
        else if (argv[i][n] == '\0' && i + 1 < argc)
            found = argv[++i];
    }
    return found && *found ? found : NULL;
}

/* ---- finalize ---- */

/* "FILE:LINE: key", "flag --key" or "key": where the value came from. */
static void origin_prefix(const config *c, const char *key, char *out, size_t n)
{
    const struct setting *s = find_setting(key);
    int o = s ? c->origin[setting_index(s)] : ORIGIN_DEFAULT;
    if (o > 0 && c->config_file)
        snprintf(out, n, "%s:%d: %s", c->config_file, o, key);
    else if (o == ORIGIN_FLAG)
        snprintf(out, n, "flag --%s", key);
    else
        snprintf(out, n, "%s", key);
}

static int finalize_fail(const config *c, const char *key, char *err, size_t errlen,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int finalize_fail(const config *c, const char *key, char *err, size_t errlen,
                         const char *fmt, ...)
{
    char prefix[1200], msg[512];
    origin_prefix(c, key, prefix, sizeof(prefix));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", prefix, msg);
    return -1;
}

static int has_space_or_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 1;
    return 0;
}

/* "1".."65535" (or from 0 when zero_ok); -1 otherwise. */
static int parse_port(const char *s, size_t n, int zero_ok)
{
    int port = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        port = port * 10 + (s[i] - '0');
    }
    return port > 65535 || (port == 0 && !zero_ok) ? -1 : port;
}

/* host[:port] or [v6][:port] of a URL's authority. */
static int check_authority(const char *a, size_t n)
{
    const char *at = memrchr(a, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    const char *host_end;
    if (n > 0 && a[0] == '[') {
        host_end = memchr(a, ']', n);
        if (!host_end || host_end == a + 1)
            return -1;
        host_end++;
    } else {
        host_end = memchr(a, ':', n);
        if (!host_end)
            host_end = a + n;
        if (host_end == a)
            return -1;
    }
    size_t rest = n - (size_t)(host_end - a);
    if (rest == 0)
        return 0;
    return host_end[0] == ':' && parse_port(host_end + 1, rest - 1, 0) >= 0 ? 0 : -1;
}

static int check_url(const char *uri)
{
    size_t scheme;
    if (strncasecmp(uri, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(uri, "https://", 8) == 0)
        scheme = 8;
    else
        return -1;
    if (has_space_or_control(uri))
        return -1;
    const char *a = uri + scheme;
    return check_authority(a, strcspn(a, "/?#"));
}

/* 1 when uri's userinfo holds a non-empty password ("user:pw@"). */
static int url_has_password(const char *uri)
{
    const char *a = strstr(uri, "://");
    a = a ? a + 3 : uri;
    size_t alen = strcspn(a, "/?#");
    const char *at = memrchr(a, '@', alen);
    const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
    return colon && colon + 1 < at;
}

/* The URL for an error message, with a password in it replaced by "***". */
static void redact_url(const char *uri, char *out, size_t n)
{
    const char *a = strstr(uri, "://");
    a = a ? a + 3 : uri;
    size_t alen = strcspn(a, "/?#");
    const char *at = memrchr(a, '@', alen);
    const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
    char tmp[1024];
    if (colon)
        snprintf(tmp, sizeof(tmp), "%.*s***%s", (int)(colon + 1 - uri), uri, at);
    else
        snprintf(tmp, sizeof(tmp), "%s", uri);
    quote(tmp, out, n);
}

int config_listen_split(const char *addr, char *host, size_t hostlen, int *port)
{
    if (!addr || has_space_or_control(addr))
        return -1;
    const char *colon = strrchr(addr, ':');
    if (!colon)
        return -1;
    const char *h = addr;
    size_t hn = (size_t)(colon - addr);
    if (hn > 0 && addr[0] == '[') {
        if (hn < 3 || addr[hn - 1] != ']')
            return -1;
        h++;
        hn -= 2;
    } else if (memchr(h, ':', hn) || memchr(h, '[', hn) || memchr(h, ']', hn)) {
        return -1; /* an IPv6 address needs brackets */
    }
    if (memchr(h, '/', hn))
        return -1;
    int p = parse_port(colon + 1, strlen(colon + 1), 1);
    if (p < 0 || hn >= hostlen)
        return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    *port = p;
    return 0;
}

static int check_web(const config *c, char *err, size_t errlen)
{
    char host[256], q[128];
    int port;
    if (config_listen_split(c->web_listen_address, host, sizeof(host), &port)) {
        quote(c->web_listen_address, q, sizeof(q));
        return finalize_fail(c, "web.listen-address", err, errlen,
                             "not a listen address (like :%d, 127.0.0.1:%d or [::1]:%d): %s",
                             CONFIG_DEFAULT_PORT, CONFIG_DEFAULT_PORT, CONFIG_DEFAULT_PORT, q);
    }
    const char *tp = c->web_telemetry_path;
    if (tp[0] != '/' || has_space_or_control(tp) || strpbrk(tp, "?#")) {
        quote(tp, q, sizeof(q));
        return finalize_fail(c, "web.telemetry-path", err, errlen,
                             "not a URL path starting with / (like /metrics): %s", q);
    }
    webconfig *w = c->web_config_file ? webconfig_load(c->web_config_file, err, errlen) : NULL;
    if (c->web_config_file && !w)
        return -1; /* its own "FILE:LINE: key: why" */
    webconfig_free(w);
    return 0;
}

static const char *const index_regex_keys[] = {"es.indices.include", "es.indices.exclude"};

/* What an SRE can mean: a poll more often than every second is load on ES
 * rather than monitoring, less often than hourly is not watching; a request
 * under 100ms times out on any busy node, one over 10 minutes hides a hung
 * node. Durations without a row only have to be finite and at most a day. */
static const struct {
    const char *key;
    long long min_ms, max_ms;
} duration_bounds[] = {
    {"es.timeout", 100, 10 * 60 * 1000LL},
    {"poll.interval", 1000, 3600 * 1000LL},
    {"poll.deadline", 0, 3600 * 1000LL},        /* 0: the poll interval */
    {"es.nodeinfo.interval", 0, 3600 * 1000LL}, /* 0: every poll */
    {"es.clustersettings.interval", 0, 3600 * 1000LL},
    /* index-level collectors: at most every second, like the poll */
    {"es.indices.interval", 1000, 24 * 3600 * 1000LL},
    {"es.indices_settings.interval", 1000, 24 * 3600 * 1000LL},
    {"es.indices_mappings.interval", 1000, 24 * 3600 * 1000LL},
    /* backup and lifecycle collectors */
    {"collector.snapshots.interval", 1000, 24 * 3600 * 1000LL},
    {"collector.slm.interval", 1000, 24 * 3600 * 1000LL},
    {"collector.ilm.interval", 1000, 24 * 3600 * 1000LL},
    {"collector.health-report.interval", 1000, 24 * 3600 * 1000LL},
    {"collector.data-stream.interval", 1000, 24 * 3600 * 1000LL},
    {"probe.timeout", 100, 10 * 60 * 1000LL},  /* like es.timeout */
    {"web.idle-timeout", 1000, 3600 * 1000LL}, /* whole seconds, rounded up */
};
#define DURATION_ANY_MAX_MS (24 * 3600 * 1000LL)

int config_duration_bounds(const char *key, long long *min_ms, long long *max_ms)
{
    const struct setting *s = find_setting(key);
    if (!s || s->type != T_DURATION)
        return -1;
    *min_ms = 0;
    *max_ms = DURATION_ANY_MAX_MS;
    for (size_t i = 0; i < sizeof(duration_bounds) / sizeof(duration_bounds[0]); i++)
        if (strcmp(duration_bounds[i].key, key) == 0) {
            *min_ms = duration_bounds[i].min_ms;
            *max_ms = duration_bounds[i].max_ms;
        }
    return 0;
}

static int check_duration(const config *c, const struct setting *s, char *err, size_t errlen)
{
    long long lo, hi;
    config_duration_bounds(s->key, &lo, &hi);
    long long v = *ll_field((config *)c, s);
    if (v >= lo && v <= hi)
        return 0;
    char vs[64], los[64], his[64];
    units_format_duration(v, vs, sizeof(vs));
    units_format_duration(lo, los, sizeof(los));
    units_format_duration(hi, his, sizeof(his));
    return finalize_fail(c, s->key, err, errlen, "must be from %s to %s, not %s", los, his, vs);
}

static int check_values(const config *c, char *err, size_t errlen)
{
    char q[1100];
    if (check_url(c->es_uri)) {
        redact_url(c->es_uri, q, sizeof(q));
        return finalize_fail(c, "es.uri", err, errlen,
                             "not an http(s) URL (like http://localhost:9200): %s", q);
    }
    /* Secrets never come from flags: anyone on the host reads the command line. */
    if (c->origin[setting_index(find_setting("es.uri"))] == ORIGIN_FLAG &&
        url_has_password(c->es_uri))
        return finalize_fail(c, "es.uri", err, errlen,
                             "a password in the URL would show in ps and /proc/PID/cmdline: "
                             "use es.password-file, $ESVIGIL_ES_PASSWORD or es.uri in the "
                             "config file");
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (settings[i].type == T_DURATION && check_duration(c, &settings[i], err, errlen))
            return -1;
    for (size_t i = 0; i < sizeof(index_regex_keys) / sizeof(index_regex_keys[0]); i++) {
        const char *re = *str_field((config *)c, find_setting(index_regex_keys[i]));
        char why[256];
        if (re && *re && indexfilter_check(re, why, sizeof(why)))
            return finalize_fail(c, index_regex_keys[i], err, errlen, "%s", why);
    }
    if (c->es_max_response_bytes <= 0)
        return finalize_fail(c, "es.max-response-size", err, errlen, "must be more than 0b");
    if (c->poll_concurrency < 1 || c->poll_concurrency > 8)
        return finalize_fail(c, "poll.concurrency", err, errlen, "must be from 1 to 8");
    if (c->probe_max_concurrent < 1 || c->probe_max_concurrent > 256)
        return finalize_fail(c, "probe.max-concurrent", err, errlen, "must be from 1 to 256");
    const struct setting *lvl = find_setting("log.level");
    if (!c->log_level || !in_choices(lvl->choices, c->log_level))
        return finalize_fail(c, "log.level", err, errlen, "not one of %s", lvl->choices);
    return check_web(c, err, errlen);
}

/* Reads a secret file, one trailing newline trimmed. why never holds the
 * content, only the file name and the reason. */
static char *read_secret(const char *file, char *why, size_t n)
{
    char reason[128];
    FILE *f = open_regular(file, reason, sizeof(reason));
    if (!f) {
        snprintf(why, n, "cannot read %s: %s", file, reason);
        return NULL;
    }
    char *data = malloc(SECRET_MAX + 1);
    size_t len = data ? fread(data, 1, SECRET_MAX + 1, f) : 0;
    int bad = !data || ferror(f), e = errno;
    fclose(f);
    const char *problem = !data              ? "out of memory"
                          : bad              ? strerror(e)
                          : len > SECRET_MAX ? "larger than 64 KiB"
                                             : NULL;
    if (!problem) {
        if (len > 0 && data[len - 1] == '\n')
            len--;
        if (len > 0 && data[len - 1] == '\r')
            len--;
        data[len] = '\0';
        if (len == 0 || strlen(data) != len)
            problem = len == 0 ? "the file is empty" : "the file contains a NUL byte";
    }
    if (problem) {
        snprintf(why, n, "cannot read %s: %s", file, problem);
        if (data)
            explicit_bzero(data, SECRET_MAX + 1);
        free(data);
        return NULL;
    }
    return data;
}

/* *out from file (key names it in errors) or else the environment. */
static int resolve_secret(const config *c, const char *key, const char *file, const char *env,
                          char **out, char *err, size_t errlen)
{
    char why[1200];
    if (file) {
        if (!(*out = read_secret(file, why, sizeof(why))))
            return finalize_fail(c, key, err, errlen, "%s", why);
        return 0;
    }
    const char *v = getenv(env);
    if (v && *v && !(*out = strdup(v)))
        return finalize_fail(c, key, err, errlen, "out of memory");
    return 0;
}

/* auth_modules' password_file and api_key_file, read now so a missing file
 * fails at start, not at the first probe. */
static int resolve_module_secrets(config *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n_auth_modules; i++) {
        probe_auth *m = &c->auth_modules[i];
        const char *file = m->password_file ? m->password_file : m->api_key_file;
        char **slot = m->password_file ? &m->password : &m->api_key;
        if (!file)
            continue;
        char why[1200];
        free_secret(slot);
        if (!(*slot = read_secret(file, why, sizeof(why)))) {
            snprintf(err, errlen, "%s:%d: auth_modules.%s.%s: %s",
                     c->config_file ? c->config_file : "-", m->line, m->name,
                     m->password_file ? "password_file" : "api_key_file", why);
            return -1;
        }
    }
    return 0;
}

static int resolve_secrets(config *c, char *err, size_t errlen)
{
    if (resolve_module_secrets(c, err, errlen))
        return -1;
    free_secret(&c->es_password);
    free_secret(&c->es_api_key);
    if (resolve_secret(c, "es.password-file", c->es_password_file, "ESVIGIL_ES_PASSWORD",
                       &c->es_password, err, errlen) ||
        resolve_secret(c, "es.api-key-file", c->es_api_key_file, "ESVIGIL_ES_API_KEY",
                       &c->es_api_key, err, errlen))
        return -1;
    if (c->es_password && !c->es_username)
        return finalize_fail(c, "es.username", err, errlen,
                             "missing: a password is set (es.password-file or "
                             "$ESVIGIL_ES_PASSWORD) but no user to go with it");
    return 0;
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* aws.region: the credentials are looked up now, so missing ones fail at
 * start (exit 2) rather than as 403s from AWS later. */
static int resolve_aws(config *c, char *err, size_t errlen)
{
    awscreds_clear(&c->aws);
    int aws_module = 0;
    for (size_t i = 0; i < c->n_auth_modules; i++)
        aws_module |= c->auth_modules[i].type == PROBE_AUTH_AWS;
    if (!c->aws_region && aws_module) {
        char why[512];
        if (awscreds_load(&c->aws, env_get, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "auth_modules: type aws: %s", why);
            return -1;
        }
        return 0;
    }
    if (!c->aws_region)
        return 0;
    char why[512];
    if (!c->aws_region[0] || strpbrk(c->aws_region, ": \t\r\n"))
        return finalize_fail(c, "aws.region", err, errlen, "not a region (like eu-west-1)");
    if (awscreds_load(&c->aws, env_get, why, sizeof(why)) != 0)
        return finalize_fail(c, "aws.region", err, errlen, "%s", why);
    return 0;
}

int config_finalize(config *c, char *err, size_t errlen)
{
    if (check_values(c, err, errlen))
        return one_line(-1, err);
    if (resolve_aws(c, err, errlen))
        return one_line(-1, err);
    return one_line(resolve_secrets(c, err, errlen), err);
}

/* ---- --help ---- */

static void help_flag(FILE *out, const struct setting *s)
{
    if (s->type == T_BOOL)
        fprintf(out, "  --[no-]%s\n", s->key);
    else
        fprintf(out, "  --%s=%s\n", s->key,
                s->type == T_ENUM ? s->choices : type_info[s->type].metavar);
    fprintf(out, "        %s", s->help);
    long long lo, hi;
    char range[160] = "";
    if (config_duration_bounds(s->key, &lo, &hi) == 0) {
        char los[64], his[64];
        units_format_duration(lo, los, sizeof(los));
        units_format_duration(hi, his, sizeof(his));
        snprintf(range, sizeof(range), "%sfrom %s to %s", s->def ? ", " : "", los, his);
    }
    if (s->def || range[0])
        fprintf(out, " (%s%s%s)", s->def ? "default: " : "", s->def ? s->def : "", range);
    fputc('\n', out);
}

void config_print_help(FILE *out)
{
    fprintf(out, "Usage: esvigil [flags]\n\n"
                 "Every setting is a flag and a key of the config file: --es.uri=... is\n"
                 "\"uri:\" under \"es:\". Flags override the file. DURATION is like 500ms,\n"
                 "15s, 1m or 1h30m; BYTES like 512kb, 64mb or 1gb.\n\nSettings:\n");
    for (size_t i = 0; i < N_SETTINGS; i++)
        help_flag(out, &settings[i]);
    fprintf(out,
            "\n  --checks.NAME.warning=NUMBER|off, --checks.NAME.critical=NUMBER|off,\n"
            "  --checks.NAME.minimum=NUMBER|off\n"
            "        Override a check's threshold (esvigil --print-rules shows the defaults);\n"
            "        checks:");
    for (size_t i = 0; i < checks_count(); i++)
        fprintf(out, "%s%s", i % 6 ? " " : "\n          ", checks_name(i));
    fprintf(out, "\n\nOther flags:\n");
    for (size_t i = 0; i < sizeof(other_flags) / sizeof(other_flags[0]); i++)
        fprintf(out, "  %s\n        %s\n", other_flags[i].flag, other_flags[i].help);
}
