/* collect: the endpoint table and the order of a poll. ES collectors parse
 * into a scratch set that is merged only when the whole response was good. */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodestats.h"
#include "procfs.h"

/* Adapters so every ES parser fits one vtable. */
typedef struct es_collector {
    const char *name;       /* the collector label */
    const char *path_local; /* GET path for the node esvigil runs beside */
    const char *path_all;   /* GET path with --es.all */
    void *(*open)(metric_set *out);
    int (*feed)(void *p, const char *data, size_t len);
    int (*finish)(void *p);
    const char *(*error)(void *p);
    void (*close)(void *p);
} es_collector;

static void *nodestats_open(metric_set *out)
{
    return nodestats_new(out);
}
static int nodestats_finish_v(void *p)
{
    return nodestats_finish(p);
}
static const char *nodestats_error_v(void *p)
{
    return nodestats_error(p);
}
static void nodestats_close(void *p)
{
    nodestats_free(p);
}

static const es_collector es_collectors[] = {
    {"nodes_stats", "/_nodes/_local/stats", "/_nodes/stats", nodestats_open, nodestats_feed,
     nodestats_finish_v, nodestats_error_v, nodestats_close},
};
#define ES_COLLECTORS (sizeof(es_collectors) / sizeof(es_collectors[0]))

enum { HOST_COLLECTOR, PROCESS_COLLECTOR, HOST_COLLECTORS };
static const char *const host_collector_names[HOST_COLLECTORS] = {"host", "process"};

struct collect {
    unsigned long long es_errors[ES_COLLECTORS][ESCLIENT_ERR_COUNT];
    unsigned long long host_errors[HOST_COLLECTORS][PROCFS_ERR_COUNT];
    unsigned long long polls;
    double last_success;
    long es_pid;
    unsigned long long es_starttime;
};

static const metric_def def_up = {"esvigil_up", METRIC_GAUGE,
                                  "1 if the last poll of Elasticsearch succeeded completely, else 0.",
                                  {NULL}};
static const metric_def def_build = {"esvigil_build_info", METRIC_GAUGE,
                                     "Always 1; the labels say which esvigil is running.",
                                     {"version", NULL}};
static const metric_def def_duration = {"esvigil_poll_duration_seconds", METRIC_GAUGE,
                                        "How long the last poll took, all collectors included.",
                                        {NULL}};
static const metric_def def_polls = {"esvigil_polls_total", METRIC_COUNTER,
                                     "Polls run since esvigil started.", {NULL}};
static const metric_def def_last_success = {
    "esvigil_last_success_timestamp_seconds", METRIC_GAUGE,
    "Unix time of the last poll in which every Elasticsearch collector succeeded.", {NULL}};
static const metric_def def_coll_duration = {"esvigil_collector_duration_seconds", METRIC_GAUGE,
                                             "How long each collector took in the last poll.",
                                             {"collector", NULL}};
static const metric_def def_coll_success = {"esvigil_collector_success", METRIC_GAUGE,
                                            "1 if the collector succeeded in the last poll.",
                                            {"collector", NULL}};
static const metric_def def_errors = {
    "esvigil_errors_total", METRIC_COUNTER,
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
    return calloc(1, sizeof(collect));
}

void collect_free(collect *c)
{
    free(c);
}

static int add_collector_stats(metric_set *out, const char *name, double secs, int ok)
{
    const char *v[] = {name};
    return metric_set_add(out, &def_coll_duration, v, secs) |
           metric_set_add(out, &def_coll_success, v, ok ? 1 : 0);
}

/* Runs one ES collector; merges its samples only on full success. */
static esclient_err run_es_collector(const es_collector *ec, esclient *es, int all,
                                     metric_set *out, char *err, size_t errlen)
{
    metric_set *scratch = metric_set_new();
    void *parser = scratch ? ec->open(scratch) : NULL;
    if (!parser) {
        metric_set_free(scratch);
        snprintf(err, errlen, "%s: out of memory", ec->name);
        return ESCLIENT_ERR_OTHER;
    }
    const char *path = all ? ec->path_all : ec->path_local;
    char detail[256] = "";
    esclient_err e = esclient_get(es, path, ec->feed, parser, NULL, detail, sizeof(detail));
    if (e == ESCLIENT_OK && ec->finish(parser) != 0) {
        e = ESCLIENT_ERR_BAD_JSON;
        snprintf(detail, sizeof(detail), "GET %s: invalid JSON: %s", path, ec->error(parser));
    }
    if (e == ESCLIENT_OK && metric_set_merge(out, scratch) != 0) {
        e = ESCLIENT_ERR_OTHER;
        snprintf(detail, sizeof(detail), "out of memory");
    }
    if (e != ESCLIENT_OK)
        snprintf(err, errlen, "%s: %s", ec->name, detail);
    ec->close(parser);
    metric_set_free(scratch);
    return e;
}

static void run_es(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                   collect_result *res)
{
    res->es_up = es != NULL;
    for (size_t i = 0; es && i < ES_COLLECTORS; i++) {
        const es_collector *ec = &es_collectors[i];
        double t0 = now_mono();
        char err[256];
        esclient_err e = run_es_collector(ec, es, o->es_all, out, err, sizeof(err));
        add_collector_stats(out, ec->name, now_mono() - t0, e == ESCLIENT_OK);
        if (e == ESCLIENT_OK)
            continue;
        c->es_errors[i][e]++;
        res->es_up = 0;
        if (!res->es_error[0]) {
            snprintf(res->es_error, sizeof(res->es_error), "%s", err);
            snprintf(res->es_error_key, sizeof(res->es_error_key), "%s:%s", ec->name,
                     esclient_err_reason(e));
        }
    }
}

static long es_pid(const collect_opts *o)
{
    if (o->es_pid > 0)
        return o->es_pid;
    return o->es_pidfile ? procfs_read_pidfile(o->es_pidfile) : -1;
}

static void note_host_errors(collect *c, int which, const procfs_report *rep,
                             collect_result *res)
{
    for (int r = 1; r < PROCFS_ERR_COUNT; r++)
        c->host_errors[which][r] += rep->errors[r];
    if (rep->errors[PROCFS_ERR_PERMISSION])
        res->host_permission = 1;
    if (!res->host_error[0] && rep->first_error[0])
        snprintf(res->host_error, sizeof(res->host_error), "%s", rep->first_error);
}

static void run_host(collect *c, const collect_opts *o, metric_set *out, collect_result *res)
{
    procfs_report rep;
    memset(&rep, 0, sizeof(rep));
    double t0 = now_mono();
    int failed = procfs_collect_host(o->procfs_root, out, &rep);
    add_collector_stats(out, host_collector_names[HOST_COLLECTOR], now_mono() - t0, !failed);
    note_host_errors(c, HOST_COLLECTOR, &rep, res);

    long pid = es_pid(o);
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

int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res)
{
    memset(res, 0, sizeof(*res));
    double t0 = now_mono();
    run_es(c, es, o, out, res);
    run_host(c, o, out, res);
    c->polls++;
    if (res->es_up)
        c->last_success = now_real();
    res->duration = now_mono() - t0;
    return add_self(c, o, out, res) ? -1 : 0;
}
