/* config: esvigil's settings from a YAML file and command-line flags, both
 * driven by one table (key, flag, type, default, help), so every key has a
 * flag and etc/esvigil.yml, --help and the man page list the same things. */
#ifndef ESVIGIL_CONFIG_H
#define ESVIGIL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "awscreds.h"
#include "probe.h"

#define CONFIG_DEFAULT_PORT 9649
#define CONFIG_DEFAULT_FILE SYSCONFDIR "/esvigil.yml"

/* A list of strings (probe.allow): from a YAML list in the file, or one flag
 * per item (the flag repeated appends). */
typedef struct config_list {
    char **v;
    size_t n;
} config_list;

/* Fields are public: the daemon reads them. Strings are owned by the config. */
typedef struct config {
    /* es.*; --es.nodeinfo.interval, default 30s, 0 = every poll */
    long long es_nodeinfo_interval_ms;
    /* --es.clustersettings.interval, default 30s, 0 = every poll */
    long long es_clustersettings_interval_ms;
    char *es_uri;                    /* --es.uri, default http://localhost:9200 */
    long long es_timeout_ms;         /* --es.timeout, default 5s */
    int es_all;                      /* --es.all: poll every node, default false */
    char *es_username;               /* --es.username */
    char *es_password_file;          /* --es.password-file; or env ESVIGIL_ES_PASSWORD */
    char *es_api_key_file;           /* --es.api-key-file; or env ESVIGIL_ES_API_KEY */
    char *es_ca;                     /* --es.ca */
    char *es_client_cert;            /* --es.client-cert */
    char *es_client_private_key;     /* --es.client-private-key */
    int es_ssl_skip_verify;          /* --es.ssl-skip-verify */
    long long es_max_response_bytes; /* --es.max-response-size, default 64MiB */
    char *es_pidfile;                /* --es.pidfile: ES pid when node info lacks it */
    long long es_pid;                /* --es.pid: explicit ES pid, 0 = discover */
    /* Index-level collectors (lib/pacer.c), the reference exporter's flags. */
    int es_indices;                            /* --es.indices */
    int es_indices_settings;                   /* --es.indices_settings */
    int es_indices_mappings;                   /* --es.indices_mappings */
    int es_aliases;                            /* --es.aliases, default true */
    int es_shards;                             /* --es.shards: per-shard families */
    long long es_indices_interval_ms;          /* --es.indices.interval */
    long long es_indices_settings_interval_ms; /* --es.indices_settings.interval */
    long long es_indices_mappings_interval_ms; /* --es.indices_mappings.interval */
    char *es_indices_include;                  /* --es.indices.include: POSIX ERE, whole name */
    char *es_indices_exclude;                  /* --es.indices.exclude */
    long long es_indices_max;                  /* --es.indices.max: 0 = no limit */
    /* Backup and lifecycle collectors (lib/optpace.c), upstream 1.11's flag names. */
    int collector_snapshots;                       /* --collector.snapshots (--es.snapshots) */
    long long collector_snapshots_interval_ms;     /* --collector.snapshots.interval */
    int collector_slm;                             /* --collector.slm (--es.slm) */
    long long collector_slm_interval_ms;           /* --collector.slm.interval */
    int collector_ilm;                             /* --collector.ilm: ILM, or OpenSearch ISM */
    long long collector_ilm_interval_ms;           /* --collector.ilm.interval */
    int collector_health_report;                   /* --collector.health-report */
    long long collector_health_report_interval_ms; /* --collector.health-report.interval */
    int collector_data_stream;                     /* --collector.data-stream (--es.data_stream) */
    long long collector_data_stream_interval_ms;   /* --collector.data-stream.interval */
    int collector_tasks;                           /* --collector.tasks */
    long long collector_tasks_interval_ms; /* --collector.tasks.interval, 0 = poll.interval */
    char *tasks_actions;                   /* --tasks.actions, default indices:* */
    int collector_pending_tasks;           /* --collector.pending-tasks */
    long long collector_pending_tasks_interval_ms; /* 0 = poll.interval */
    /* cluster.* */
    char *cluster_metrics; /* --cluster.metrics: auto|always|never, default auto */
    /* poll.* */
    long long poll_interval_ms; /* --poll.interval, default 15s */
    long long poll_deadline_ms; /* --poll.deadline, default 0 = poll.interval */
    long long poll_concurrency; /* --poll.concurrency, default 2 */
    /* path.* */
    char *path_procfs; /* --path.procfs, default /proc */
    /* web.* */
    char *web_listen_address;      /* --web.listen-address, default :9649 */
    char *web_telemetry_path;      /* --web.telemetry-path, default /metrics */
    char *web_config_file;         /* --web.config.file: TLS, basic auth (lib/webconfig.h) */
    long long web_idle_timeout_ms; /* --web.idle-timeout, default 6m */
    /* log.* */
    char *log_level; /* --log.level: debug|info|warn|error, default info */
    /* aws.* */
    char *aws_region; /* --aws.region: sign with SigV4 (service es) */

    /* probe.*: /probe?target=URL&auth_module=NAME (daemon/probe.c) */
    config_list probe_allow;        /* --probe.allow: glob patterns; empty = /probe off */
    long long probe_timeout_ms;     /* --probe.timeout, default 10s */
    long long probe_max_concurrent; /* --probe.max-concurrent, default 4 */
    /* auth_modules.NAME: file only (secrets never on the command line). */
    probe_auth *auth_modules;
    size_t n_auth_modules;

    /* Resolved secrets (never printed): filled by config_finalize. */
    char *es_password;
    char *es_api_key;
    awscreds aws; /* with aws.region: from the environment or ~/.aws/credentials */

    char *config_file; /* the file loaded, NULL when none */

    /* Internal: where each setting came from (file line, flag or default), so
     * config_finalize can name the line of a bad value. One per table row. */
    int *origin;

    /* checks.NAME.warning / .critical / .minimum overrides, one slot per
     * row of the check table: a number, or "off" (NAN) to drop that level
     * (or the minimum size). */
    double *check_warning, *check_critical, *check_minimum;
    unsigned char *check_set; /* bit 1: warning overridden, 2: critical, 4: minimum */
} config;

/* A config holding every default (strings duplicated); NULL when out of
 * memory. config_free(NULL) is a no-op; secrets are wiped before freeing. */
config *config_new(void);
void config_free(config *c);

/* Loads a YAML file over c. Nested mappings name keys by their dotted path
 * (es: {uri: ...} is es.uri; a dotted key "es.uri:" works too). An empty file
 * is valid. Relative paths in path-like values are taken relative to the
 * file's directory. Returns 0, or -1 with one line in err:
 * "FILE:LINE: KEY: what is wrong" (unknown or duplicate key, a list or mapping
 * where a value belongs, bad value) or "FILE: cannot read: ..." or
 * "FILE:LINE: YAML syntax error: ...".
 * On error c still holds valid values, but possibly some from the file: to
 * keep an old config on a failed reload, load into a fresh config_new(),
 * apply flags, finalize, and swap only when all of that succeeded. */
int config_load_file(config *c, const char *path, char *err, size_t errlen);

/* Applies "--key=value" / "--key value" / "--bool-flag" / "--bool-flag=false" /
 * "--no-bool-flag" flags over c; later flags win. argv is main's: argv[0] is
 * the program name and is skipped. --config.file (and its value) is skipped:
 * see config_file_arg. Non-config flags listed in passthrough (e.g. "--check",
 * "--version", NULL-terminated; may be NULL) take no value and are skipped.
 * Returns 0, or -1 with "flag --X: what is wrong" in err. */
int config_apply_flags(config *c, int argc, char **argv, const char *const *passthrough, char *err,
                       size_t errlen);

/* The value of --config.file in argv (argv[0] skipped; the last one wins),
 * or NULL. Points into argv. */
const char *config_file_arg(int argc, char **argv);

/* Cross-field checks (URL scheme and host, listen address, telemetry path,
 * log level, positive interval and timeout) and secret resolution: es_password
 * from es.password-file else $ESVIGIL_ES_PASSWORD, es_api_key from
 * es.api-key-file else $ESVIGIL_ES_API_KEY (one trailing newline trimmed).
 * Returns 0, or -1 with err prefixed "FILE:LINE: key:" when the bad value came
 * from the file, "flag --key:" from a flag, "key:" for a default. Error
 * messages never contain a secret. May be called again (secrets re-read). */
int config_finalize(config *c, char *err, size_t errlen);

/* Writes the checks.* overrides into t (thresholds from checks_thresholds_new). */
struct checks_thresholds;
void config_apply_thresholds(const config *c, struct checks_thresholds *t);

/* --help text: every flag with its type, default and help, then the
 * non-config flags (--config.file, --check, --print-rules, --print-dashboard, --version, --help).
 */
void config_print_help(FILE *out);

/* Introspection over the settings table, for tests, docs and reports. */
size_t config_key_count(void);
const char *config_key_name(size_t i); /* "es.uri"; NULL past the end */
/* key's value in c spelled as in the file ("15s", "64mb", "true"; "" when
 * unset). Returns 0, or -1 for an unknown key. */
int config_format_value(const config *c, const char *key, char *out, size_t n);
/* Line of the loaded file that set key; 0 when it did not come from the file. */
int config_key_line(const config *c, const char *key);

/* The range a duration key accepts, in ms (both ends allowed); -1 when key
 * is not a duration. */
int config_duration_bounds(const char *key, long long *min_ms, long long *max_ms);

/* Splits a listen address "host:port", ":port" or "[v6]:port" (checked by
 * config_finalize). host gets "" for all addresses, without brackets.
 * Returns 0, or -1 when malformed or the host does not fit. */
int config_listen_split(const char *addr, char *host, size_t hostlen, int *port);

#endif
