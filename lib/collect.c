/* collect: the endpoint table and the order of a poll. ES collectors parse
 * into a scratch set that is merged only when the whole response was good;
 * cluster-level answers are fetched by every daemon (the derived disk
 * headroom needs the watermarks) but exported only by the reporter. */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "derived.h"
#include "health.h"
#include "nodeinfo.h"
#include "nodestats.h"
#include "procfs.h"
#include "settings.h"
#include "shards.h"

typedef enum {
    SCOPE_NODE,    /* the node's own stats: always exported */
    SCOPE_CLUSTER, /* fetched and exported only by the cluster's reporter */
    SCOPE_DERIVE,  /* fetched by every daemon, exported only by the reporter */
} es_scope;

/* Adapters so every ES parser fits one vtable. */
typedef struct es_collector {
    const char *name;       /* the collector label */
    const char *path_local; /* GET path for the node esvigil runs beside */
    const char *path_all;   /* GET path with --es.all */
    es_scope scope;
    void *(*open)(metric_set *out, const char *cluster);
    int (*feed)(void *p, const char *data, size_t len);
    int (*finish)(void *p);
    const char *(*error)(void *p);
    const char *(*warning)(void *p); /* NULL: the parser has no warnings */
    void (*close)(void *p);
} es_collector;

#define ADAPT(mod)                                                                                 \
    static int mod##_finish_v(void *p)                                                             \
    {                                                                                              \
        return mod##_finish(p);                                                                    \
    }                                                                                              \
    static const char *mod##_error_v(void *p)                                                      \
    {                                                                                              \
        return mod##_error(p);                                                                     \
    }
#define ADAPT_TABLE(mod)                                                                           \
    ADAPT(mod)                                                                                     \
    static void mod##_close(void *p)                                                               \
    {                                                                                              \
        mod##_free(p);                                                                             \
    }
ADAPT_TABLE(nodestats)
ADAPT_TABLE(health)
ADAPT_TABLE(settings)
ADAPT_TABLE(shards)

static void *nodestats_open(metric_set *out, const char *cluster)
{
    (void)cluster; /* the response names its cluster */
    return nodestats_new(out);
}
static void *health_open(metric_set *out, const char *cluster)
{
    (void)cluster;
    return health_new(out);
}
static void *settings_open(metric_set *out, const char *cluster)
{
    (void)cluster;
    return settings_new(out);
}
static const char *settings_warning_v(void *p)
{
    return settings_warning(p);
}
static void *shards_open(metric_set *out, const char *cluster)
{
    return shards_new(out, cluster);
}

#define SETTINGS_PATH "/_cluster/settings?include_defaults=true&flat_settings=true"
static const es_collector es_collectors[] = {
    {"nodes_stats", "/_nodes/_local/stats", "/_nodes/stats", SCOPE_NODE, nodestats_open,
     nodestats_feed, nodestats_finish_v, nodestats_error_v, NULL, nodestats_close},
    {"cluster_settings", SETTINGS_PATH, SETTINGS_PATH, SCOPE_DERIVE, settings_open, settings_feed,
     settings_finish_v, settings_error_v, settings_warning_v, settings_close},
    {"cluster_health", "/_cluster/health", "/_cluster/health", SCOPE_CLUSTER, health_open,
     health_feed, health_finish_v, health_error_v, NULL, health_close},
    {"cat_shards", SHARDS_PATH, SHARDS_PATH, SCOPE_CLUSTER, shards_open, shards_feed,
     shards_finish_v, shards_error_v, NULL, shards_close},
};
#define ES_COLLECTORS (sizeof(es_collectors) / sizeof(es_collectors[0]))

/* Node info and the elected master run first, outside the table: their
 * answers decide the pid, the labels and who reports for the cluster. */
enum { NODE_INFO, MASTER_NODE, IDENTITY_COLLECTORS };
static const char *const identity_names[IDENTITY_COLLECTORS] = {"node_info", "master_node"};

enum { HOST_COLLECTOR, PROCESS_COLLECTOR, HOST_COLLECTORS };
static const char *const host_collector_names[HOST_COLLECTORS] = {"host", "process"};

/* What node info told about the local node in this poll. */
typedef struct identity {
    char cluster[128];
    char name[128];
    long pid;
    int reporter;
} identity;

struct collect {
    unsigned long long es_errors[ES_COLLECTORS][ESCLIENT_ERR_COUNT];
    unsigned long long id_errors[IDENTITY_COLLECTORS][ESCLIENT_ERR_COUNT];
    unsigned long long host_errors[HOST_COLLECTORS][PROCFS_ERR_COUNT];
    unsigned long long polls;
    double last_success;
    long es_pid;
    unsigned long long es_starttime;
    derived_state *derived;
    checks_state *checks;
    checks_thresholds *defaults;
};

static const metric_def def_up = {
    "esvigil_up",
    METRIC_GAUGE,
    "1 if the last poll of Elasticsearch succeeded completely, else 0.",
    {NULL}};
static const metric_def def_build = {"esvigil_build_info",
                                     METRIC_GAUGE,
                                     "Always 1; the labels say which esvigil is running.",
                                     {"version", NULL}};
static const metric_def def_duration = {"esvigil_poll_duration_seconds",
                                        METRIC_GAUGE,
                                        "How long the last poll took, all collectors included.",
                                        {NULL}};
static const metric_def def_polls = {
    "esvigil_polls_total", METRIC_COUNTER, "Polls run since esvigil started.", {NULL}};
static const metric_def def_last_success = {
    "esvigil_last_success_timestamp_seconds",
    METRIC_GAUGE,
    "Unix time of the last poll in which every Elasticsearch collector succeeded.",
    {NULL}};
static const metric_def def_coll_duration = {"esvigil_collector_duration_seconds",
                                             METRIC_GAUGE,
                                             "How long each collector took in the last poll.",
                                             {"collector", NULL}};
static const metric_def def_coll_success = {"esvigil_collector_success",
                                            METRIC_GAUGE,
                                            "1 if the collector succeeded in the last poll.",
                                            {"collector", NULL}};
static const metric_def def_errors = {
    "esvigil_errors_total",
    METRIC_COUNTER,
    "Failed collector runs since esvigil started, by collector and reason.",
    {"collector", "reason", NULL}};

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

collect *collect_new(void)
{
    collect *c = calloc(1, sizeof(collect));
    if (!c)
        return NULL;
    c->derived = derived_state_new();
    c->checks = checks_state_new();
    c->defaults = checks_thresholds_new();
    if (!c->derived || !c->checks || !c->defaults) {
        collect_free(c);
        return NULL;
    }
    return c;
}

void collect_free(collect *c)
{
    if (!c)
        return;
    derived_state_free(c->derived);
    checks_state_free(c->checks);
    checks_thresholds_free(c->defaults);
    free(c);
}

void collect_result_free(collect_result *res)
{
    checks_result_free(&res->checks);
}

static int add_collector_stats(metric_set *out, const char *name, double secs, int ok)
{
    const char *v[] = {name};
    return metric_set_add(out, &def_coll_duration, v, secs) |
           metric_set_add(out, &def_coll_success, v, ok ? 1 : 0);
}

ADAPT(nodeinfo)
ADAPT(nodeinfo_master)

/* GETs path into a parser; on failure err says which collector and why. */
static esclient_err fetch(esclient *es, const char *name, const char *path,
                          int (*feed)(void *, const char *, size_t), int (*finish)(void *),
                          const char *(*error)(void *), void *parser, char *err, size_t errlen)
{
    char detail[200] = "";
    esclient_err e = esclient_get(es, path, feed, parser, NULL, detail, sizeof(detail));
    if (e == ESCLIENT_OK && finish(parser) != 0) {
        e = ESCLIENT_ERR_BAD_JSON;
        snprintf(detail, sizeof(detail), "GET %s: invalid JSON: %s", path, error(parser));
    }
    if (e != ESCLIENT_OK)
        snprintf(err, errlen, "%s: %s", name, detail);
    return e;
}

static void note_es(unsigned long long *counters, const char *name, esclient_err e, const char *err,
                    collect_result *res)
{
    if (e == ESCLIENT_OK)
        return;
    counters[e]++;
    res->es_up = 0;
    if (!res->es_error[0]) {
        snprintf(res->es_error, sizeof(res->es_error), "%s", err);
        snprintf(res->es_error_key, sizeof(res->es_error_key), "%s:%s", name,
                 esclient_err_reason(e));
    }
}

/* Node info: whose stats these are, the pid, the cluster name. */
static esclient_err run_node_info(collect *c, esclient *es, metric_set *out, collect_result *res,
                                  identity *id, char *node_id, size_t idlen)
{
    double t0 = now_mono();
    char err[256];
    metric_set *scratch = metric_set_new();
    nodeinfo *ni = scratch ? nodeinfo_new(scratch) : NULL;
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, sizeof(err), "node_info: out of memory");
    if (ni)
        e = fetch(es, "node_info", NODEINFO_PATH, nodeinfo_feed, nodeinfo_finish_v,
                  nodeinfo_error_v, ni, err, sizeof(err));
    if (e == ESCLIENT_OK && metric_set_merge(out, scratch) != 0)
        e = ESCLIENT_ERR_OTHER;
    if (e == ESCLIENT_OK) {
        snprintf(id->cluster, sizeof(id->cluster), "%s", nodeinfo_cluster_name(ni));
        snprintf(id->name, sizeof(id->name), "%s", nodeinfo_name(ni));
        snprintf(node_id, idlen, "%s", nodeinfo_node_id(ni));
        id->pid = nodeinfo_pid(ni);
    }
    add_collector_stats(out, identity_names[NODE_INFO], now_mono() - t0, e == ESCLIENT_OK);
    note_es(c->id_errors[NODE_INFO], identity_names[NODE_INFO], e, err, res);
    nodeinfo_free(ni);
    metric_set_free(scratch);
    return e;
}

/* The node cannot be reached at all: asking it four more things would only
 * multiply the wait by five. */
static int unreachable(esclient_err e)
{
    return e == ESCLIENT_ERR_REFUSED || e == ESCLIENT_ERR_RESOLVE || e == ESCLIENT_ERR_TIMEOUT ||
           e == ESCLIENT_ERR_TLS;
}

/* auto: report for the cluster only when our node is the elected master. */
static void run_master(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                       collect_result *res, identity *id, const char *node_id)
{
    id->reporter = o->cluster == COLLECT_CLUSTER_ALWAYS;
    if (o->cluster != COLLECT_CLUSTER_AUTO || !node_id[0])
        return;
    double t0 = now_mono();
    char err[256];
    nodeinfo_master *m = nodeinfo_master_new();
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, sizeof(err), "master_node: out of memory");
    if (m)
        e = fetch(es, "master_node", NODEINFO_MASTER_PATH, nodeinfo_master_feed,
                  nodeinfo_master_finish_v, nodeinfo_master_error_v, m, err, sizeof(err));
    if (e == ESCLIENT_OK)
        id->reporter = nodeinfo_master_id(m) && strcmp(nodeinfo_master_id(m), node_id) == 0;
    add_collector_stats(out, identity_names[MASTER_NODE], now_mono() - t0, e == ESCLIENT_OK);
    note_es(c->id_errors[MASTER_NODE], identity_names[MASTER_NODE], e, err, res);
    nodeinfo_master_free(m);
}

/* One table collector into dst, merged only on full success. */
static esclient_err run_es_collector(const es_collector *ec, esclient *es, int all,
                                     const identity *id, metric_set *dst, collect_result *res,
                                     char *err, size_t errlen)
{
    metric_set *scratch = metric_set_new();
    void *parser = scratch ? ec->open(scratch, id->cluster) : NULL;
    if (!parser) {
        metric_set_free(scratch);
        snprintf(err, errlen, "%s: out of memory", ec->name);
        return ESCLIENT_ERR_OTHER;
    }
    esclient_err e = fetch(es, ec->name, all ? ec->path_all : ec->path_local, ec->feed, ec->finish,
                           ec->error, parser, err, errlen);
    if (e == ESCLIENT_OK && metric_set_merge(dst, scratch) != 0) {
        e = ESCLIENT_ERR_OTHER;
        snprintf(err, errlen, "%s: out of memory", ec->name);
    }
    const char *warn = e == ESCLIENT_OK && ec->warning ? ec->warning(parser) : NULL;
    if (warn && *warn && !res->warning[0])
        snprintf(res->warning, sizeof(res->warning), "%s: %s", ec->name, warn);
    ec->close(parser);
    metric_set_free(scratch);
    return e;
}

static void run_es(collect *c, esclient *es, const collect_opts *o, const identity *id,
                   metric_set *out, metric_set *hidden, collect_result *res)
{
    for (size_t i = 0; es && i < ES_COLLECTORS; i++) {
        const es_collector *ec = &es_collectors[i];
        if (ec->scope == SCOPE_CLUSTER && !id->reporter)
            continue;
        metric_set *dst = ec->scope == SCOPE_DERIVE && !id->reporter ? hidden : out;
        double t0 = now_mono();
        char err[256];
        esclient_err e = run_es_collector(ec, es, o->es_all, id, dst, res, err, sizeof(err));
        add_collector_stats(out, ec->name, now_mono() - t0, e == ESCLIENT_OK);
        note_es(c->es_errors[i], ec->name, e, err, res);
    }
}

/* An explicit pid wins (inside a container ES reports its own namespace's
 * pid); then node info; then the pidfile. */
static long es_pid(const collect_opts *o, const identity *id)
{
    if (o->es_pid > 0)
        return o->es_pid;
    if (id->pid > 0)
        return id->pid;
    return o->es_pidfile ? procfs_read_pidfile(o->es_pidfile) : -1;
}

static void note_host_errors(collect *c, int which, const procfs_report *rep, collect_result *res)
{
    for (int r = 1; r < PROCFS_ERR_COUNT; r++)
        c->host_errors[which][r] += rep->errors[r];
    if (rep->errors[PROCFS_ERR_PERMISSION])
        res->host_permission = 1;
    if (!res->host_error[0] && rep->first_error[0])
        snprintf(res->host_error, sizeof(res->host_error), "%s", rep->first_error);
}

static void run_host(collect *c, const collect_opts *o, const identity *id, metric_set *out,
                     collect_result *res)
{
    procfs_report rep;
    memset(&rep, 0, sizeof(rep));
    double t0 = now_mono();
    int failed = procfs_collect_host(o->procfs_root, out, &rep);
    add_collector_stats(out, host_collector_names[HOST_COLLECTOR], now_mono() - t0, !failed);
    note_host_errors(c, HOST_COLLECTOR, &rep, res);

    long pid = es_pid(o, id);
    if (pid <= 0)
        return;
    if (pid != c->es_pid) { /* a restarted ES has a new pid: forget the old start time */
        c->es_pid = pid;
        c->es_starttime = 0;
    }
    memset(&rep, 0, sizeof(rep));
    t0 = now_mono();
    unsigned long long start = 0;
    failed = procfs_collect_process(o->procfs_root, pid, c->es_starttime, &start, out, &rep);
    /* Adopt the start time read now: after a pid reuse this poll exported
     * nothing and counted it, the next one follows the new process. */
    if (start)
        c->es_starttime = start;
    add_collector_stats(out, host_collector_names[PROCESS_COLLECTOR], now_mono() - t0, !failed);
    note_host_errors(c, PROCESS_COLLECTOR, &rep, res);
}

/* Every known (collector, reason) pair is exported, zeros included, so
 * rate() and increase() work from the first error on. */
static int add_error_counters(const collect *c, metric_set *out)
{
    int rc = 0;
    for (int i = 0; i < IDENTITY_COLLECTORS; i++)
        for (int e = 1; e < ESCLIENT_ERR_COUNT; e++) {
            const char *v[] = {identity_names[i], esclient_err_reason(e)};
            rc |= metric_set_add(out, &def_errors, v, (double)c->id_errors[i][e]);
        }
    for (size_t i = 0; i < ES_COLLECTORS; i++)
        for (int e = 1; e < ESCLIENT_ERR_COUNT; e++) {
            const char *v[] = {es_collectors[i].name, esclient_err_reason(e)};
            rc |= metric_set_add(out, &def_errors, v, (double)c->es_errors[i][e]);
        }
    for (int h = 0; h < HOST_COLLECTORS; h++)
        for (int e = 1; e < PROCFS_ERR_COUNT; e++) {
            const char *v[] = {host_collector_names[h], procfs_err_reason(e)};
            rc |= metric_set_add(out, &def_errors, v, (double)c->host_errors[h][e]);
        }
    return rc;
}

static int add_self(collect *c, const collect_opts *o, metric_set *out, const collect_result *res)
{
    const char *ver[] = {o->version ? o->version : "unknown"};
    int rc = metric_set_add(out, &def_up, NULL, res->es_up ? 1 : 0);
    rc |= metric_set_add(out, &def_build, ver, 1);
    rc |= metric_set_add(out, &def_duration, NULL, res->duration);
    rc |= metric_set_add(out, &def_polls, NULL, (double)c->polls);
    if (c->last_success > 0)
        rc |= metric_set_add(out, &def_last_success, NULL, c->last_success);
    rc |= add_error_counters(c, out);
    procfs_report rep;
    memset(&rep, 0, sizeof(rep));
    /* esvigil's own process_* families: always the real /proc, never the
     * configured root (which may be a fixture or the host's from a container). */
    procfs_collect_self("/proc", out, &rep);
    return rc;
}

/* Derived ratios need the watermarks even where the settings are not
 * exported: merge them in, derive, then take them out again. */
static int derive(collect *c, const identity *id, metric_set *out, const metric_set *hidden)
{
    metric_set *dset = metric_set_new();
    int rc = !dset || metric_set_merge(out, hidden) != 0;
    derived_opts dopt = {.local_node = id->name[0] ? id->name : NULL, .now = now_mono()};
    rc = rc || derived_compute(out, &dopt, c->derived, dset) != 0;
    for (size_t i = 0; i < metric_set_family_count(hidden); i++)
        metric_set_remove(out, metric_family_name(metric_set_family(hidden, i)));
    rc = rc || metric_set_merge(out, dset) != 0;
    metric_set_free(dset);
    return rc ? -1 : 0;
}

static int evaluate(collect *c, const collect_opts *o, const identity *id, metric_set *out,
                    collect_result *res)
{
    metric_set *status = metric_set_new();
    checks_context ctx = {id->cluster, id->name};
    const checks_thresholds *t = o->thresholds ? o->thresholds : c->defaults;
    int rc = !status || checks_evaluate(out, t, &ctx, c->checks, status, &res->checks) != 0 ||
             metric_set_merge(out, status) != 0;
    metric_set_free(status);
    return rc ? -1 : 0;
}

int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res)
{
    memset(res, 0, sizeof(*res));
    double t0 = now_mono();
    identity id;
    memset(&id, 0, sizeof(id));
    char node_id[128] = "";
    metric_set *hidden = metric_set_new();
    if (!hidden)
        return -1;
    res->es_up = es != NULL;
    if (es && !unreachable(run_node_info(c, es, out, res, &id, node_id, sizeof(node_id)))) {
        run_master(c, es, o, out, res, &id, node_id);
        run_es(c, es, o, &id, out, hidden, res);
    }
    res->cluster_reporter = id.reporter;
    int prc = o->pacer ? pacer_report(o->pacer, id.reporter, id.cluster, out) : 0;
    run_host(c, o, &id, out, res);
    c->polls++;
    if (res->es_up)
        c->last_success = now_real();
    res->duration = now_mono() - t0;
    int rc = prc | add_self(c, o, out, res) | derive(c, &id, out, hidden) |
             evaluate(c, o, &id, out, res);
    metric_set_free(hidden);
    return rc ? -1 : 0;
}
