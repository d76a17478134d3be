/* collect: the endpoint table and the order of a poll. ES collectors parse
 * into a scratch set (on worker threads with poll.concurrency) that is merged,
 * in table order on the poll thread, only when the whole response was good;
 * cluster-level answers are fetched by every daemon (the derived disk
 * headroom needs the watermarks) but exported only by the reporter. */
#include "collect.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "derived.h"
#include "health.h"
#include "nodeinfo.h"
#include "nodestats.h"
#include "parserops.h"
#include "procfs.h"
#include "selfstats.h"
#include "settings.h"
#include "shards.h"
#include "utf8.h"

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
    int paced; /* its good answer is reused for collect_opts.settings_interval_ms */
} es_collector;

PARSEROPS_ADAPT_CLOSE(nodestats)
PARSEROPS_ADAPT_CLOSE(health)
PARSEROPS_ADAPT_CLOSE(settings)
PARSEROPS_ADAPT_CLOSE(shards)

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
     nodestats_feed, nodestats_finish_v, nodestats_error_v, NULL, nodestats_close, 0},
    /* settings change by hand, rarely; with include_defaults the answer is
     * tens of KB on a real node, the dearest request of a single node's poll */
    {"cluster_settings", SETTINGS_PATH, SETTINGS_PATH, SCOPE_DERIVE, settings_open, settings_feed,
     settings_finish_v, settings_error_v, settings_warning_v, settings_close, 1},
    /* every daemon: whether the cluster has a single data node decides which
     * disk watermarks ES enforces before 8.0 */
    {"cluster_health", "/_cluster/health", "/_cluster/health", SCOPE_DERIVE, health_open,
     health_feed, health_finish_v, health_error_v, NULL, health_close, 0},
    {"cat_shards", SHARDS_PATH, SHARDS_PATH, SCOPE_CLUSTER, shards_open, shards_feed,
     shards_finish_v, shards_error_v, NULL, shards_close, 0},
};
#define ES_COLLECTORS (sizeof(es_collectors) / sizeof(es_collectors[0]))

/* The reference exporter's per-collector bookkeeping, which dashboards built
 * for it query (label_values(elasticsearch_node_stats_up, instance)), with its
 * names, types and help (1.5.0; _cat/shards has only the parse failures).
 * up: the last poll's answer was read; total_scrapes: polls that asked;
 * json_parse_failures: answers that were not complete, valid JSON. */
#define REF_DEF(n, t, h)                                                                           \
    {                                                                                              \
        .name = (n), .type = (t), .help = (h)                                                      \
    }
#define REF_UP(prefix, what)                                                                       \
    REF_DEF(prefix "_up", METRIC_GAUGE,                                                            \
            "Was the last scrape of the Elasticsearch " what " endpoint successful.")
#define REF_SCRAPES(prefix, what)                                                                  \
    REF_DEF(prefix "_total_scrapes", METRIC_COUNTER,                                               \
            "Current total Elasticsearch " what " scrapes.")
#define REF_JSON(prefix)                                                                           \
    REF_DEF(prefix "_json_parse_failures", METRIC_COUNTER, "Number of errors while parsing JSON.")
static const struct {
    const char *collector;
    int has_up; /* up and total_scrapes too, not only the parse failures */
    metric_def up, scrapes, json;
} ref_bookkeeping[] = {
    {"nodes_stats", 1, REF_UP("elasticsearch_node_stats", "nodes"),
     REF_SCRAPES("elasticsearch_node_stats", "node"), REF_JSON("elasticsearch_node_stats")},
    {"cluster_health", 1, REF_UP("elasticsearch_cluster_health", "cluster health"),
     REF_SCRAPES("elasticsearch_cluster_health", "cluster health"),
     REF_JSON("elasticsearch_cluster_health")},
    {"cluster_settings", 1, REF_UP("elasticsearch_clustersettings_stats", "cluster settings"),
     REF_SCRAPES("elasticsearch_clustersettings_stats", "cluster settings"),
     REF_JSON("elasticsearch_clustersettings_stats")},
    {"cat_shards", 0, REF_DEF(NULL, METRIC_GAUGE, NULL), REF_DEF(NULL, METRIC_GAUGE, NULL),
     REF_JSON("elasticsearch_node_shards")},
};
#define REF_BOOKKEEPING (sizeof(ref_bookkeeping) / sizeof(ref_bookkeeping[0]))

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
    double jvm_start_ms; /* 0 when node info did not say */
    int known;           /* node info answered in this poll */
    int reporter;
} identity;

/* The last good node info and master verdict, reused between refreshes: both
 * change only when the node restarts or the cluster elects another master. */
typedef struct identity_cache {
    metric_set *families; /* node info's samples; NULL: nothing kept, the next poll asks */
    identity id;          /* before follow_stats_name, which each poll applies again */
    char node_id[128];
    double read_at;                   /* monotonic */
    double secs[IDENTITY_COLLECTORS]; /* each request's duration; <0: not asked */
    double uptime; /* the node's JVM uptime in the last poll's node stats; <0: unknown */
} identity_cache;

/* A paced table collector's last good answer, reused until it is older than
 * the interval (collect_opts.settings_interval_ms). */
typedef struct es_kept {
    metric_set *families; /* NULL: nothing kept, the next poll asks */
    double read_at;       /* monotonic */
    char warning[256];    /* what its parser warned about then */
} es_kept;

/* A thread kept from poll to poll for the table collectors: creating and joining one every poll
 * cost ~40 us of CPU, a fiftieth of a single node's poll. The poll thread hands it a batch and
 * waits for it to be done with it; it waits on cv for the next. */
typedef struct es_batch es_batch;
typedef struct es_helper {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    es_batch *batch; /* the batch to drain, NULL once done with it */
    esclient *es;    /* a sibling of the poll's client: curl handles are one thread's */
    int started, stop;
} es_helper;

struct collect {
    unsigned long long es_errors[ES_COLLECTORS][ESCLIENT_ERR_COUNT];
    unsigned long long id_errors[IDENTITY_COLLECTORS][ESCLIENT_ERR_COUNT];
    unsigned long long host_errors[HOST_COLLECTORS][PROCFS_ERR_COUNT];
    unsigned long long es_asked[ES_COLLECTORS]; /* the reference's total_scrapes */
    double es_seconds[ES_COLLECTORS];           /* last run of each, for the next poll's schedule */
    unsigned long long polls;
    double last_success;
    long es_pid;
    unsigned long long es_starttime;
    procfs_es_where host_where; /* last verdict on whose host this is; kept while node info fails */
    identity last;              /* cluster and node name of the last node info answer */
    identity_cache kept;
    es_kept kept_es[ES_COLLECTORS];
    int probed_here; /* this poll's identity_reusable saw the kept pid still be the JVM */
    procfs_stat_seen probe_seen; /* the stat this poll's probe read: the process
                                    collector's first read of it */
    derived_state *derived;
    checks_state *checks;
    checks_thresholds *defaults;
    procfs_self *self; /* esvigil's own /proc files, kept open from poll to poll */
    es_helper helpers[ESCLIENT_MAX_SIBLINGS]; /* the first ones started, as polls needed them */
};

static const metric_def def_up = {
    "esvigil_up",
    METRIC_GAUGE,
    "1 if the last poll read the node's own info and stats, else 0; other collectors' failures "
    "show in esvigil_collector_success.",
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
    "Unix time of the last poll that read the node's own info and stats (esvigil_up 1).",
    {NULL}};
static const metric_def def_host_node = {
    "esvigil_host_node",
    METRIC_GAUGE,
    "1 for the node whose host esvigil reads: the esvigil_host_* families describe its host. "
    "Absent when that node runs elsewhere (no host families then) or is not known yet.",
    {"cluster", "name", NULL}};

/* Not an error reason: the answer was used, with U+FFFD in the odd label. */
static const metric_def def_invalid_utf8 = {
    "esvigil_invalid_utf8_total",
    METRIC_COUNTER,
    "Strings and keys in Elasticsearch answers that were not valid UTF-8, since esvigil "
    "started; each invalid sequence was replaced by U+FFFD.",
    {NULL}};

collect *collect_new(void)
{
    collect *c = calloc(1, sizeof(collect));
    if (!c)
        return NULL;
    c->host_where = PROCFS_ES_UNKNOWN;
    c->derived = derived_state_new();
    c->checks = checks_state_new();
    c->defaults = checks_thresholds_new();
    /* esvigil's own process_* families: always the real /proc, never the
     * configured root (which may be a fixture or the host's from a container). */
    c->self = procfs_self_open("/proc");
    if (!c->derived || !c->checks || !c->defaults || !c->self) {
        collect_free(c);
        return NULL;
    }
    return c;
}

/* A restarted node (or another one behind the URL) may run other settings:
 * what the paced collectors kept goes with the identity. */
void collect_forget_identity(collect *c)
{
    metric_set_free(c->kept.families);
    c->kept.families = NULL;
    for (size_t i = 0; i < ES_COLLECTORS; i++) {
        metric_set_free(c->kept_es[i].families);
        c->kept_es[i].families = NULL;
    }
}

static void helpers_stop(collect *c)
{
    for (size_t k = 0; k < ESCLIENT_MAX_SIBLINGS && c->helpers[k].started; k++) {
        es_helper *h = &c->helpers[k];
        pthread_mutex_lock(&h->mu);
        h->stop = 1;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->thread, NULL);
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
    }
}

void collect_free(collect *c)
{
    if (!c)
        return;
    helpers_stop(c);
    collect_forget_identity(c);
    derived_state_free(c->derived);
    checks_state_free(c->checks);
    checks_thresholds_free(c->defaults);
    procfs_self_close(c->self);
    free(c);
}

void collect_result_free(collect_result *res)
{
    checks_result_free(&res->checks);
}

PARSEROPS_ADAPT(nodeinfo)
PARSEROPS_ADAPT(nodeinfo_master)

/* GETs path into a parser; on failure err says which collector and why. */
static esclient_err fetch(esclient *es, const char *name, const char *path,
                          int (*feed)(void *, const char *, size_t), int (*finish)(void *),
                          const char *(*error)(void *), void *parser, char *err, size_t errlen)
{
    char detail[400] = "";
    esclient_err e = esclient_get(es, path, feed, parser, NULL, detail, sizeof(detail));
    if (e == ESCLIENT_OK && finish(parser) != 0) {
        e = ESCLIENT_ERR_BAD_JSON;
        snprintf(detail, sizeof(detail), "GET %s: invalid JSON: %s", path, error(parser));
    }
    if (e != ESCLIENT_OK)
        snprintf(err, errlen, "%s: %s", name, detail);
    return e;
}

/* Without these the node itself is unknown: ES counts as down. Any other
 * collector failing (a 403 on one endpoint) costs its own families only. */
static int core_collector(const char *name)
{
    return strcmp(name, identity_names[NODE_INFO]) == 0 || strcmp(name, "nodes_stats") == 0;
}

static void note_failure(collect_result *res, const char *name, const char *detail)
{
    if (res->nfailures == COLLECT_MAX_FAILURES)
        return;
    collect_failure *f = &res->failures[res->nfailures++];
    snprintf(f->collector, sizeof(f->collector), "%s", name);
    snprintf(f->detail, sizeof(f->detail), "%s", detail);
    f->core = core_collector(name);
}

size_t collect_result_details(const collect_result *res, checkreport_detail *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nfailures && n < cap; i++)
        if (res->failures[i].core) { /* the first core failure is why ES is "down" */
            out[n++] = (checkreport_detail){"es_unreachable", NULL, NULL, res->failures[i].detail};
            break;
        }
    for (size_t i = 0; i < res->nfailures && n < cap; i++)
        out[n++] = (checkreport_detail){"collector_failed", "collector", res->failures[i].collector,
                                        res->failures[i].detail};
    return n;
}

static void note_es(unsigned long long *counters, const char *name, esclient_err e, const char *err,
                    collect_result *res)
{
    if (e == ESCLIENT_OK)
        return;
    counters[e]++;
    note_failure(res, name, err);
    if (core_collector(name))
        res->es_up = 0;
    if (!res->es_error[0]) {
        snprintf(res->es_error, sizeof(res->es_error), "%s", err);
        snprintf(res->es_error_key, sizeof(res->es_error_key), "%s:%s", name,
                 esclient_err_reason(e));
    }
}

/* Node info: whose stats these are, the pid, the cluster name. */
static esclient_err run_node_info(collect *c, esclient *es, metric_set *out, collect_result *res,
                                  identity *id, char *node_id, size_t idlen, double *secs)
{
    double t0 = clock_mono();
    char err[512];
    metric_set *scratch = metric_set_new();
    nodeinfo *ni = scratch ? nodeinfo_new(scratch) : NULL;
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, sizeof(err), "node_info: out of memory");
    if (ni)
        e = fetch(es, "node_info", NODEINFO_PATH, nodeinfo_feed, nodeinfo_finish_v,
                  nodeinfo_error_v, ni, err, sizeof(err));
    if (e == ESCLIENT_OK && c->kept.families && metric_set_merge(c->kept.families, scratch) != 0)
        collect_forget_identity(c); /* out of memory: the next poll asks again */
    if (e == ESCLIENT_OK && metric_set_absorb(out, scratch) != 0)
        e = ESCLIENT_ERR_OTHER;
    if (e == ESCLIENT_OK) {
        snprintf(id->cluster, sizeof(id->cluster), "%s", nodeinfo_cluster_name(ni));
        snprintf(id->name, sizeof(id->name), "%s", nodeinfo_name(ni));
        snprintf(node_id, idlen, "%s", nodeinfo_node_id(ni));
        id->pid = nodeinfo_pid(ni);
        id->jvm_start_ms = nodeinfo_jvm_start_ms(ni);
        id->known = 1;
    }
    *secs = clock_mono() - t0;
    selfstats_add_run(out, identity_names[NODE_INFO], *secs, e == ESCLIENT_OK);
    note_es(c->id_errors[NODE_INFO], identity_names[NODE_INFO], e, err, res);
    nodeinfo_free(ni);
    metric_set_free(scratch);
    return e;
}

/* A poll whose node info failed keeps the names of the last answer: the
 * host checks' series must not switch to empty labels (which resets the
 * alerts' for:) because of one failed request. */
static void keep_identity(collect *c, identity *id)
{
    if (id->cluster[0] || id->name[0]) {
        memcpy(c->last.cluster, id->cluster, sizeof(id->cluster));
        memcpy(c->last.name, id->name, sizeof(id->name));
    } else {
        memcpy(id->cluster, c->last.cluster, sizeof(id->cluster));
        memcpy(id->name, c->last.name, sizeof(id->name));
    }
}

/* The node cannot be reached at all: asking it four more things would only
 * multiply the wait by five. */
static int unreachable(esclient_err e)
{
    return e == ESCLIENT_ERR_REFUSED || e == ESCLIENT_ERR_RESOLVE || e == ESCLIENT_ERR_TIMEOUT ||
           e == ESCLIENT_ERR_TLS;
}

/* auto: report for the cluster only when our node is the elected master. */
static esclient_err run_master(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                               collect_result *res, identity *id, const char *node_id, double *secs)
{
    id->reporter = o->cluster == COLLECT_CLUSTER_ALWAYS;
    *secs = -1;
    if (o->cluster != COLLECT_CLUSTER_AUTO || !node_id[0])
        return ESCLIENT_OK;
    double t0 = clock_mono();
    char err[512];
    nodeinfo_master *m = nodeinfo_master_new();
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, sizeof(err), "master_node: out of memory");
    if (m)
        e = fetch(es, "master_node", NODEINFO_MASTER_PATH, nodeinfo_master_feed,
                  nodeinfo_master_finish_v, nodeinfo_master_error_v, m, err, sizeof(err));
    if (e == ESCLIENT_OK)
        id->reporter = nodeinfo_master_id(m) && strcmp(nodeinfo_master_id(m), node_id) == 0;
    *secs = clock_mono() - t0;
    selfstats_add_run(out, identity_names[MASTER_NODE], *secs, e == ESCLIENT_OK);
    note_es(c->id_errors[MASTER_NODE], identity_names[MASTER_NODE], e, err, res);
    nodeinfo_master_free(m);
    return e;
}

/* Node info, then (unless the node is unreachable) the master verdict; both
 * kept for the polls that follow when o->nodeinfo_interval_ms asks for it. */
static esclient_err read_identity(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                                  collect_result *res, identity *id, char *node_id, size_t idlen,
                                  double now)
{
    identity_cache *k = &c->kept;
    collect_forget_identity(c);
    if (o->nodeinfo_interval_ms > 0)
        k->families = metric_set_new(); /* NULL (out of memory): nothing is kept */
    double secs[IDENTITY_COLLECTORS] = {-1, -1};
    esclient_err ni = run_node_info(c, es, out, res, id, node_id, idlen, &secs[NODE_INFO]);
    esclient_err m = unreachable(ni)
                         ? ESCLIENT_OK
                         : run_master(c, es, o, out, res, id, node_id, &secs[MASTER_NODE]);
    if (ni != ESCLIENT_OK || m != ESCLIENT_OK)
        collect_forget_identity(c);
    if (!k->families)
        return ni;
    k->id = *id;
    snprintf(k->node_id, sizeof(k->node_id), "%s", node_id);
    k->read_at = now;
    memcpy(k->secs, secs, sizeof(secs));
    k->uptime = -1;
    return ni;
}

/* The kept answers still hold: young enough, and (when the node runs here)
 * the process node info named is still the one running. */
static int identity_reusable(collect *c, const collect_opts *o, collect_result *res, double now)
{
    const identity_cache *k = &c->kept;
    if (!k->families || o->nodeinfo_interval_ms <= 0 ||
        now - k->read_at >= (double)o->nodeinfo_interval_ms / 1000.0)
        return 0;
    if (o->procfs_root && o->es_pid <= 0 && !o->es_pidfile && c->host_where == PROCFS_ES_HERE &&
        k->id.pid > 0) {
        if (procfs_probe_es_seen(o->procfs_root, k->id.pid, k->id.jvm_start_ms, res->host_why,
                                 sizeof(res->host_why), &c->probe_seen) != PROCFS_ES_HERE)
            return 0;
        c->probed_here = 1; /* host_owner need not look again */
    }
    return 1;
}

/* A poll that reuses the kept answers: their families and figures, as read. */
static int reuse_identity(collect *c, metric_set *out, identity *id, char *node_id, size_t idlen)
{
    const identity_cache *k = &c->kept;
    *id = k->id;
    snprintf(node_id, idlen, "%s", k->node_id);
    int rc = metric_set_merge(out, k->families);
    rc |= selfstats_add_run(out, identity_names[NODE_INFO], k->secs[NODE_INFO], 1);
    if (k->secs[MASTER_NODE] >= 0)
        rc |= selfstats_add_run(out, identity_names[MASTER_NODE], k->secs[MASTER_NODE], 1);
    return rc ? -1 : 0;
}

/* A restart shows in node stats before the kept node info expires: the JVM's
 * uptime went back. Failed node stats (a node going down) drop it too. */
static void check_identity(collect *c, const identity *id, const metric_set *out, int stats_ok)
{
    identity_cache *k = &c->kept;
    if (!k->families)
        return;
    if (!stats_ok) {
        collect_forget_identity(c);
        return;
    }
    const char *pairs[] = {"name", id->name, NULL};
    double up;
    if (!metric_set_lookup(out, "elasticsearch_jvm_uptime_seconds", pairs, &up))
        return;
    if (k->uptime >= 0 && up < k->uptime)
        collect_forget_identity(c);
    else
        k->uptime = up;
}

/* Table collectors that took this little in the last poll run on the poll
 * thread alone: a thread saves at most half of it and costs a few tens of
 * microseconds of CPU every poll, which a single node's sidecar would feel. */
#define CONCURRENT_MIN_SECONDS 0.005

/* One table collector's run, on whichever thread takes it; the poll thread
 * merges the jobs afterwards in table order, so the output does not depend
 * on which finished first. */
typedef struct es_job {
    size_t index;        /* in es_collectors */
    metric_set *scratch; /* what it parsed; NULL unless the answer was good */
    esclient_err e;
    double seconds;
    char err[512];
    char warning[256];
} es_job;

/* The jobs of one poll, handed out heaviest first to up to
 * es_concurrency threads. */
struct es_batch {
    es_job *jobs;
    size_t njobs;
    const size_t *order; /* indexes into jobs, by the last poll's durations, longest first */
    atomic_size_t next;  /* the next position in order to take */
    int all;
    const char *cluster;
};

enum { OUTCOME_KEPT = 2 }; /* beside 1 read, 0 failed, -1 not asked */

static void run_job(const es_collector *ec, esclient *es, int all, const char *cluster, es_job *job)
{
    double t0 = clock_mono();
    metric_set *scratch = metric_set_new();
    void *parser = scratch ? ec->open(scratch, cluster) : NULL;
    job->e = ESCLIENT_ERR_OTHER;
    snprintf(job->err, sizeof(job->err), "%s: out of memory", ec->name);
    if (parser) {
        job->e = fetch(es, ec->name, all ? ec->path_all : ec->path_local, ec->feed, ec->finish,
                       ec->error, parser, job->err, sizeof(job->err));
        const char *warn = job->e == ESCLIENT_OK && ec->warning ? ec->warning(parser) : NULL;
        if (warn && *warn)
            snprintf(job->warning, sizeof(job->warning), "%s: %s", ec->name, warn);
        ec->close(parser);
    }
    if (job->e == ESCLIENT_OK)
        job->scratch = scratch;
    else
        metric_set_free(scratch);
    job->seconds = clock_mono() - t0;
}

static void drain(es_batch *b, esclient *es)
{
    size_t k;
    while ((k = atomic_fetch_add(&b->next, 1)) < b->njobs) {
        es_job *job = &b->jobs[b->order[k]];
        run_job(&es_collectors[job->index], es, b->all, b->cluster, job);
    }
}

static void *helper_main(void *arg)
{
    es_helper *h = arg;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (!h->batch && !h->stop)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->stop)
            break;
        pthread_mutex_unlock(&h->mu);
        drain(h->batch, h->es);
        pthread_mutex_lock(&h->mu);
        h->batch = NULL;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Hands b to h, starting its thread on first use; -1 when it cannot be had. */
static int helper_post(es_helper *h, es_batch *b, esclient *es)
{
    if (!h->started) {
        if (pthread_mutex_init(&h->mu, NULL) != 0)
            return -1;
        if (pthread_cond_init(&h->cv, NULL) != 0) {
            pthread_mutex_destroy(&h->mu);
            return -1;
        }
        if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
            pthread_cond_destroy(&h->cv);
            pthread_mutex_destroy(&h->mu);
            return -1;
        }
        h->started = 1;
    }
    pthread_mutex_lock(&h->mu);
    h->es = es;
    h->batch = b;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static void helper_wait(es_helper *h)
{
    pthread_mutex_lock(&h->mu);
    while (h->batch)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

/* Longest first (stable), so the big answers start at once and the small
 * ones fill the gaps; a first poll keeps the table order. */
static void heaviest_first(const collect *c, const es_batch *b, size_t *order)
{
    for (size_t k = 0; k < b->njobs; k++) {
        size_t j = k;
        double s = c->es_seconds[b->jobs[k].index];
        for (; j > 0 && c->es_seconds[b->jobs[order[j - 1]].index] < s; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
}

static size_t threads_for(const collect *c, const collect_opts *o, const es_batch *b)
{
    size_t n = o->es_concurrency > 1 ? (size_t)o->es_concurrency : 1;
    if (n > b->njobs)
        n = b->njobs;
    if (n > ESCLIENT_MAX_SIBLINGS + 1)
        n = ESCLIENT_MAX_SIBLINGS + 1;
    double last = 0;
    for (size_t i = 0; i < ES_COLLECTORS; i++)
        last += c->es_seconds[i];
    return last > 0 && last < CONCURRENT_MIN_SECONDS ? 1 : n;
}

/* The poll thread drains the batch too; a sibling or thread that cannot be
 * had only means fewer threads. Every helper is done with the batch before
 * this returns, and none outlives the poll deadline: the siblings carry it. */
static size_t run_batch(collect *c, esclient *es, const collect_opts *o, es_batch *b)
{
    size_t want = threads_for(c, o, b), posted = 0;
    while (posted + 1 < want) {
        esclient *sib = esclient_sibling(es, posted, NULL, 0);
        if (!sib || helper_post(&c->helpers[posted], b, sib) != 0)
            break;
        posted++;
    }
    drain(b, es);
    for (size_t k = 0; k < posted; k++)
        helper_wait(&c->helpers[k]);
    return posted + 1;
}

/* A copy of a paced collector's good answer for the polls that follow; out of
 * memory keeps nothing, so the next poll asks again. */
static void keep_answer(es_kept *k, const es_job *job, double now)
{
    metric_set_free(k->families);
    k->families = metric_set_new();
    if (k->families && metric_set_merge(k->families, job->scratch) != 0) {
        metric_set_free(k->families);
        k->families = NULL;
    }
    k->read_at = now;
    snprintf(k->warning, sizeof(k->warning), "%s", job->warning);
}

static int kept_fresh(const collect *c, const collect_opts *o, size_t i, double now)
{
    return es_collectors[i].paced && o->settings_interval_ms > 0 && c->kept_es[i].families &&
           now - c->kept_es[i].read_at < (double)o->settings_interval_ms / 1000.0;
}

/* A poll that reuses a paced collector's kept answer: its families, its
 * warning and its last run's figures, as read. */
static void merge_kept(collect *c, size_t i, metric_set *dst, metric_set *out, collect_result *res,
                       int *outcome)
{
    const es_kept *k = &c->kept_es[i];
    int ok = metric_set_merge(dst, k->families) == 0;
    if (ok && k->warning[0] && !res->warning[0])
        snprintf(res->warning, sizeof(res->warning), "%s", k->warning);
    selfstats_add_run(out, es_collectors[i].name, c->es_seconds[i], ok);
    outcome[i] = ok ? OUTCOME_KEPT : 0;
}

/* A job's answer into dst, with its bookkeeping, as if it had just run. */
static void merge_job(collect *c, const collect_opts *o, double now, es_job *job, metric_set *dst,
                      metric_set *out, collect_result *res, int *outcome)
{
    const es_collector *ec = &es_collectors[job->index];
    double t0 = clock_mono();
    if (job->e == ESCLIENT_OK && ec->paced && o->settings_interval_ms > 0)
        keep_answer(&c->kept_es[job->index], job, now);
    if (job->e == ESCLIENT_OK && metric_set_absorb(dst, job->scratch) != 0) {
        job->e = ESCLIENT_ERR_OTHER;
        snprintf(job->err, sizeof(job->err), "%s: out of memory", ec->name);
    }
    metric_set_free(job->scratch);
    job->scratch = NULL;
    if (job->e == ESCLIENT_OK && job->warning[0] && !res->warning[0])
        snprintf(res->warning, sizeof(res->warning), "%s", job->warning);
    double seconds = job->seconds + (clock_mono() - t0);
    c->es_seconds[job->index] = seconds;
    selfstats_add_run(out, ec->name, seconds, job->e == ESCLIENT_OK);
    note_es(c->es_errors[job->index], ec->name, job->e, job->err, res);
    outcome[job->index] = job->e == ESCLIENT_OK;
}

static void run_es(collect *c, esclient *es, const collect_opts *o, const identity *id,
                   metric_set *out, metric_set *hidden, collect_result *res, int *outcome,
                   double now)
{
    es_job jobs[ES_COLLECTORS];
    size_t order[ES_COLLECTORS];
    int kept[ES_COLLECTORS] = {0};
    es_batch b = {.jobs = jobs, .order = order, .all = o->es_all, .cluster = id->cluster};
    atomic_init(&b.next, 0);
    for (size_t i = 0; i < ES_COLLECTORS; i++) {
        if (es_collectors[i].scope == SCOPE_CLUSTER && !id->reporter)
            continue;
        if ((kept[i] = kept_fresh(c, o, i, now)))
            continue;
        memset(&jobs[b.njobs], 0, sizeof(jobs[0]));
        jobs[b.njobs++].index = i;
    }
    heaviest_first(c, &b, order);
    res->es_threads = b.njobs ? (int)run_batch(c, es, o, &b) : 0;
    /* in table order, kept answers among the fresh ones: the same output */
    for (size_t i = 0, k = 0; i < ES_COLLECTORS; i++) {
        const es_collector *ec = &es_collectors[i];
        metric_set *dst = ec->scope == SCOPE_DERIVE && !id->reporter ? hidden : out;
        if (kept[i])
            merge_kept(c, i, dst, out, res, outcome);
        else if (k < b.njobs && jobs[k].index == i)
            merge_job(c, o, now, &jobs[k++], dst, out, res, outcome);
    }
}

/* With --es.all, nodes sharing a name are labelled "name (node id)" by the
 * node stats; the local node's identity and node-info families follow, so
 * its host view, derived ratios and checks name the same series. */
static size_t label_index(const metric_family *f, const char *label)
{
    size_t j = 0;
    while (j < metric_family_label_count(f) && strcmp(metric_family_label_name(f, j), label) != 0)
        j++;
    return j;
}

static void follow_stats_name(identity *id, const char *node_id, metric_set *out)
{
    const metric_family *f = metric_set_find(out, "elasticsearch_nodes_roles");
    if (!f || !node_id[0])
        return;
    size_t name = label_index(f, "name"), node = label_index(f, "node");
    if (name == metric_family_label_count(f) || node == metric_family_label_count(f))
        return;
    for (size_t i = 0; i < metric_family_sample_count(f); i++) {
        if (strcmp(metric_family_label_value(f, i, node), node_id) != 0)
            continue;
        const char *label = metric_family_label_value(f, i, name);
        if (strcmp(label, id->name) == 0 || strlen(label) >= sizeof(id->name))
            return;
        for (size_t d = 0; d < nodeinfo_def_count(); d++) /* OOM: the bare name stays */
            (void)metric_set_relabel(out, nodeinfo_def(d)->name, "name", id->name, label);
        snprintf(id->name, sizeof(id->name), "%s", label);
        return;
    }
}

/* outcome[i]: 1 read, 0 failed, -1 not asked, OUTCOME_KEPT the answer of an
 * earlier poll reused. A node that cannot be reached
 * is a failed scrape of its stats for the reference (and of the cluster
 * endpoints when this daemon always reports for the cluster). */
static int add_reference_bookkeeping(collect *c, const collect_opts *o, const identity *id,
                                     int *outcome, metric_set *out, metric_set *hidden)
{
    int rc = 0;
    for (size_t i = 0; i < ES_COLLECTORS; i++) {
        const es_collector *ec = &es_collectors[i];
        if (outcome[i] < 0 && (ec->scope == SCOPE_NODE || o->cluster == COLLECT_CLUSTER_ALWAYS))
            outcome[i] = 0;
        if (outcome[i] < 0)
            continue;
        /* a kept answer was not asked for: up stays the verdict of the
         * request that was made, total_scrapes counts requests */
        if (outcome[i] != OUTCOME_KEPT)
            c->es_asked[i]++;
        double up = outcome[i] != 0;
        metric_set *dst = ec->scope == SCOPE_DERIVE && !id->reporter ? hidden : out;
        for (size_t r = 0; r < REF_BOOKKEEPING; r++) {
            if (strcmp(ref_bookkeeping[r].collector, ec->name) != 0)
                continue;
            double bad = (double)(c->es_errors[i][ESCLIENT_ERR_BAD_JSON] +
                                  c->es_errors[i][ESCLIENT_ERR_TRUNCATED]);
            if (ref_bookkeeping[r].has_up) {
                rc |= metric_set_add(dst, &ref_bookkeeping[r].up, NULL, up);
                rc |=
                    metric_set_add(dst, &ref_bookkeeping[r].scrapes, NULL, (double)c->es_asked[i]);
            }
            rc |= metric_set_add(dst, &ref_bookkeeping[r].json, NULL, bad);
        }
    }
    return rc ? -1 : 0;
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

static void note_host_errors(collect *c, int which, int failed, const procfs_report *rep,
                             collect_result *res)
{
    if (failed) {
        char detail[300];
        snprintf(detail, sizeof(detail), "%s: %s", host_collector_names[which],
                 rep->first_error[0] ? rep->first_error : "unreadable");
        note_failure(res, host_collector_names[which], detail);
    }
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
    double t0 = clock_mono();
    int failed = procfs_collect_host(o->procfs_root, out, &rep);
    selfstats_add_run(out, host_collector_names[HOST_COLLECTOR], clock_mono() - t0, !failed);
    note_host_errors(c, HOST_COLLECTOR, failed, &rep, res);

    long pid = es_pid(o, id);
    if (pid <= 0)
        return;
    if (pid != c->es_pid) { /* a restarted ES has a new pid: forget the old start time */
        c->es_pid = pid;
        c->es_starttime = 0;
    }
    memset(&rep, 0, sizeof(rep));
    t0 = clock_mono();
    unsigned long long start = 0;
    failed = procfs_collect_process_seen(o->procfs_root, pid, c->es_starttime, &c->probe_seen,
                                         &start, out, &rep);
    /* Adopt the start time read now: after a pid reuse this poll exported
     * nothing and counted it, the next one follows the new process. */
    if (start && c->es_starttime && start != c->es_starttime)
        collect_forget_identity(c); /* another process at the pid: node info may name a new one */
    if (start)
        c->es_starttime = start;
    selfstats_add_run(out, host_collector_names[PROCESS_COLLECTOR], clock_mono() - t0, !failed);
    note_host_errors(c, PROCESS_COLLECTOR, failed, &rep, res);
}

/* Whose host this is: an explicit --es.pid or pidfile asserts the node runs
 * here; else the pid node info names must be its JVM in this procfs. A poll
 * without node info keeps the last verdict. */
static procfs_es_where host_owner(collect *c, const collect_opts *o, const identity *id,
                                  collect_result *res)
{
    if (o->es_pid > 0 || o->es_pidfile) {
        snprintf(res->host_why, sizeof(res->host_why), "the ES pid is configured");
        return c->host_where = PROCFS_ES_HERE;
    }
    if (!id->known)
        return c->host_where;
    if (c->probed_here)
        return c->host_where = PROCFS_ES_HERE;
    if (id->pid <= 0) {
        snprintf(res->host_why, sizeof(res->host_why),
                 "node info names no pid, so this host cannot be told to be the node's");
        return c->host_where = PROCFS_ES_ELSEWHERE;
    }
    return c->host_where =
               procfs_probe_es_seen(o->procfs_root, id->pid, id->jvm_start_ms, res->host_why,
                                    sizeof(res->host_why), &c->probe_seen);
}

/* The host view goes with the node only when that node runs here: a
 * monitoring box polling a remote cluster must not lend it its own limits. */
static int run_host_view(collect *c, const collect_opts *o, const identity *id, metric_set *out,
                         collect_result *res)
{
    if (!o->procfs_root) /* /probe: the target never runs on this host */
        return 0;
    procfs_es_where where = host_owner(c, o, id, res);
    if (where == PROCFS_ES_ELSEWHERE) {
        res->host_elsewhere = 1;
        return 0;
    }
    run_host(c, o, id, out, res);
    if (where != PROCFS_ES_HERE || !id->known)
        return 0;
    const char *v[] = {id->cluster, id->name};
    return metric_set_add(out, &def_host_node, v, 1);
}

/* Every known (collector, reason) pair is exported, zeros included, so
 * rate() and increase() work from the first error on. */
static int add_error_counters(const collect *c, metric_set *out)
{
    int rc = 0;
    for (int i = 0; i < IDENTITY_COLLECTORS; i++)
        for (int e = 1; e < ESCLIENT_ERR_COUNT; e++) {
            const char *v[] = {identity_names[i], esclient_err_reason(e)};
            rc |= metric_set_add(out, &selfstats_errors, v, (double)c->id_errors[i][e]);
        }
    for (size_t i = 0; i < ES_COLLECTORS; i++)
        for (int e = 1; e < ESCLIENT_ERR_COUNT; e++) {
            const char *v[] = {es_collectors[i].name, esclient_err_reason(e)};
            rc |= metric_set_add(out, &selfstats_errors, v, (double)c->es_errors[i][e]);
        }
    for (int h = 0; h < HOST_COLLECTORS; h++)
        for (int e = 1; e < PROCFS_ERR_COUNT; e++) {
            const char *v[] = {host_collector_names[h], procfs_err_reason(e)};
            rc |= metric_set_add(out, &selfstats_errors, v, (double)c->host_errors[h][e]);
        }
    return rc;
}

static int add_self(collect *c, const collect_opts *o, metric_set *out, const collect_result *res)
{
    const char *ver[] = {o->version ? o->version : "unknown"};
    int rc = metric_set_add(out, &def_up, NULL, res->es_up ? 1 : 0);
    rc |= metric_set_add(out, &def_build, ver, 1);
    rc |= metric_set_add(out, &def_duration, NULL, clock_round_ns(res->duration));
    rc |= metric_set_add(out, &def_polls, NULL, (double)c->polls);
    if (c->last_success > 0)
        rc |= metric_set_add(out, &def_last_success, NULL, c->last_success);
    rc |= add_error_counters(c, out);
    rc |= metric_set_add(out, &def_invalid_utf8, NULL, (double)utf8_repaired_total());
    procfs_report rep;
    memset(&rep, 0, sizeof(rep));
    procfs_self_collect(c->self, out, &rep);
    return rc;
}

/* Derived ratios need the watermarks even where the settings are not
 * exported: merge them in, derive, then take them out again. */
static int derive(collect *c, const identity *id, metric_set *out, const metric_set *hidden)
{
    metric_set *dset = metric_set_new();
    int rc = !dset || metric_set_merge(out, hidden) != 0;
    derived_opts dopt = {.local_node = id->name[0] ? id->name : NULL, .now = clock_mono()};
    rc = rc || derived_compute(out, &dopt, c->derived, dset) != 0;
    for (size_t i = 0; i < metric_set_family_count(hidden); i++)
        metric_set_remove(out, metric_family_name(metric_set_family(hidden, i)));
    rc = rc || metric_set_absorb(out, dset) != 0;
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
             metric_set_absorb(out, status) != 0;
    metric_set_free(status);
    return rc ? -1 : 0;
}

int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res)
{
    memset(res, 0, sizeof(*res));
    double t0 = clock_mono();
    identity id;
    memset(&id, 0, sizeof(id));
    char node_id[128] = "";
    metric_set *hidden = metric_set_new();
    if (!hidden)
        return -1;
    res->es_up = es != NULL;
    int outcome[ES_COLLECTORS];
    for (size_t i = 0; i < ES_COLLECTORS; i++)
        outcome[i] = -1;
    if (es && o->deadline_ms > 0)
        esclient_set_deadline(es, t0 + (double)o->deadline_ms / 1000.0);
    esclient_err ni = ESCLIENT_ERR_OTHER;
    int rc = 0;
    c->probed_here = 0;
    c->probe_seen.pid = 0; /* a reading from an earlier poll is no proof of identity now */
    if (es && identity_reusable(c, o, res, t0)) {
        rc |= reuse_identity(c, out, &id, node_id, sizeof(node_id));
        ni = ESCLIENT_OK;
    } else if (es)
        ni = read_identity(c, es, o, out, res, &id, node_id, sizeof(node_id), t0);
    keep_identity(c, &id);
    if (es && !unreachable(ni)) {
        run_es(c, es, o, &id, out, hidden, res, outcome, t0);
        follow_stats_name(&id, node_id, out);
    }
    if (es)
        check_identity(c, &id, out, outcome[0] == 1 /* nodes_stats, the first row */);
    if (es && add_reference_bookkeeping(c, o, &id, outcome, out, hidden) < 0) {
        metric_set_free(hidden);
        return -1;
    }
    if (es)
        esclient_set_deadline(es, 0);
    res->cluster_reporter = id.reporter;
    rc |= o->pacer ? pacer_report(o->pacer, id.reporter, id.cluster, out) : 0;
    rc |= run_host_view(c, o, &id, out, res);
    c->polls++;
    if (res->es_up)
        c->last_success = clock_real();
    res->duration = clock_mono() - t0;
    /* In this order: evaluate reads what derive adds. */
    rc |= add_self(c, o, out, res);
    rc |= derive(c, &id, out, hidden);
    rc |= evaluate(c, o, &id, out, res);
    metric_set_free(hidden);
    return rc ? -1 : 0;
}
