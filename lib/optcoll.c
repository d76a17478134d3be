/* optcoll: the table of optional collectors and the adapters that give
 * every one the same run signature; one-document collectors share one path. */
#include "optcoll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastream.h"
#include "esget.h"
#include "healthreport.h"
#include "ilm.h"
#include "parserops.h"
#include "pendingtasks.h"
#include "slm.h"
#include "snapstats.h"
#include "tasks.h"

/* A cluster that lacks an API is asked again this long after it said so. */
#define UNSUPPORTED_RECHECK 3600.0

struct optcoll {
    snapstats *snap;
    ilm_api ilm;
    char *tasks_actions;
    double unsupported_at[OPTCOLL_COUNT]; /* Unix time it said so; 0: supported or unknown */
};

static const metric_def def_unsupported = {
    "esvigil_collector_unsupported",
    METRIC_GAUGE,
    "1 when the cluster lacks the collector's API (OSS build, older version, OpenSearch); "
    "asked again hourly, not counted as an error.",
    {"collector", NULL}};

typedef esclient_err (*run_fn)(optcoll *s, esclient *es, const char *cluster, double now,
                               metric_set *out, optcoll_result *res);

typedef struct one_doc one_doc;

typedef struct row {
    const char *name;
    double interval;
    run_fn run;         /* NULL: doc */
    const one_doc *doc; /* a collector of one document at a fixed path */
    size_t (*def_count)(void);
    const metric_def *(*def)(size_t i);
} row;

static esclient_err run_snapshots(optcoll *s, esclient *es, const char *cluster, double now,
                                  metric_set *out, optcoll_result *res)
{
    char msg[256];
    esclient_err e = snapstats_collect(s->snap, es, cluster, now, out, msg, sizeof(msg));
    snprintf(e == ESCLIENT_OK ? res->warning : res->error, sizeof(res->error), "%s", msg);
    return e;
}

static esclient_err run_slm(optcoll *s, esclient *es, const char *cluster, double now,
                            metric_set *out, optcoll_result *res)
{
    (void)s;
    (void)now;
    return slm_collect(es, cluster, out, &res->unsupported, res->error, sizeof(res->error));
}

static esclient_err run_ilm(optcoll *s, esclient *es, const char *cluster, double now,
                            metric_set *out, optcoll_result *res)
{
    (void)now;
    return ilm_collect(es, cluster, &s->ilm, out, &res->unsupported, res->error,
                       sizeof(res->error));
}

/* A collector of one document: a parser made for out and the cluster. */
struct one_doc {
    const char *label;
    const char *path; /* NULL: its run function makes it */
    int probe;        /* the API may be missing (ES < 8.7, < 7.9, OpenSearch) */
    void *(*open)(metric_set *out, const char *cluster);
    esget_parser ops; /* .p unused */
    void (*close)(void *p);
};

static esclient_err run_doc(const one_doc *d, const char *path, esclient *es, const char *cluster,
                            metric_set *out, optcoll_result *res)
{
    void *p = d->open(out, cluster);
    if (!p) {
        snprintf(res->error, sizeof(res->error), "%s: out of memory", d->label);
        return ESCLIENT_ERR_OTHER;
    }
    esget_parser pp = d->ops;
    pp.p = p;
    esget_result r;
    if (esget_run(es, path, &pp, d->probe, &r) != ESGET_OK)
        snprintf(res->error, sizeof(res->error), "%s: %.200s", d->label, r.error);
    res->unsupported = r.status == ESGET_UNSUPPORTED;
    d->close(p);
    return r.err;
}

PARSEROPS_ADAPT_CLOSE(healthreport)
PARSEROPS_ADAPT_CLOSE(datastream)
PARSEROPS_ADAPT_CLOSE(tasks)
PARSEROPS_ADAPT_CLOSE(pendingtasks)

static void *healthreport_open(metric_set *out, const char *cluster)
{
    return healthreport_new(out, cluster);
}
static void *datastream_open(metric_set *out, const char *cluster)
{
    (void)cluster; /* the reference's families carry no cluster label */
    return datastream_new(out);
}
static void *tasks_open(metric_set *out, const char *cluster)
{
    (void)cluster;
    return tasks_new(out);
}
static void *pendingtasks_open(metric_set *out, const char *cluster)
{
    return pendingtasks_new(out, cluster);
}

#define DOC(label, path, probe, mod)                                                               \
    {                                                                                              \
        label, path, probe, mod##_open, {NULL, mod##_feed, mod##_finish_v, mod##_error_v},         \
            mod##_close                                                                            \
    }
static const one_doc doc_health = DOC("health_report", HEALTHREPORT_PATH, 1, healthreport);
static const one_doc doc_datastream = DOC("data_stream", DATASTREAM_PATH, 1, datastream);
static const one_doc doc_tasks = DOC("tasks", NULL, 0, tasks);
static const one_doc doc_pending = DOC("pending_tasks", PENDINGTASKS_PATH, 0, pendingtasks);

static esclient_err run_tasks(optcoll *s, esclient *es, const char *cluster, double now,
                              metric_set *out, optcoll_result *res)
{
    (void)now;
    char path[512];
    if (tasks_path(s->tasks_actions, path, sizeof(path)) < 0) {
        snprintf(res->error, sizeof(res->error), "tasks: the action filter is too long");
        return ESCLIENT_ERR_OTHER;
    }
    return run_doc(&doc_tasks, path, es, cluster, out, res);
}

/* Defaults: listing snapshots is the expensive one (minutes on a big S3
 * repository); pending tasks are cheap and urgent. */
static const row table[OPTCOLL_COUNT] = {
    [OPTCOLL_SNAPSHOTS] = {"snapshots", 300, run_snapshots, NULL, snapstats_def_count,
                           snapstats_def},
    [OPTCOLL_SLM] = {"slm", 60, run_slm, NULL, slm_def_count, slm_def},
    [OPTCOLL_ILM] = {"ilm", 60, run_ilm, NULL, ilm_def_count, ilm_def},
    [OPTCOLL_HEALTH_REPORT] = {"health_report", 60, NULL, &doc_health, healthreport_def_count,
                               healthreport_def},
    [OPTCOLL_DATA_STREAM] = {"data_stream", 60, NULL, &doc_datastream, datastream_def_count,
                             datastream_def},
    [OPTCOLL_TASKS] = {"tasks", 0, run_tasks, NULL, tasks_def_count, tasks_def},
    [OPTCOLL_PENDING_TASKS] = {"pending_tasks", 0, NULL, &doc_pending, pendingtasks_def_count,
                               pendingtasks_def},
};

const char *optcoll_name(optcoll_id id)
{
    return (unsigned)id < OPTCOLL_COUNT ? table[id].name : NULL;
}

double optcoll_default_interval(optcoll_id id)
{
    return (unsigned)id < OPTCOLL_COUNT ? table[id].interval : 0;
}

int optcoll_find(const char *name)
{
    for (int i = 0; i < OPTCOLL_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return i;
    return -1;
}

optcoll *optcoll_new(void)
{
    optcoll *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (!(s->snap = snapstats_new())) {
        free(s);
        return NULL;
    }
    return s;
}

void optcoll_free(optcoll *s)
{
    if (!s)
        return;
    snapstats_free(s->snap);
    free(s->tasks_actions);
    free(s);
}

int optcoll_set_tasks_actions(optcoll *s, const char *actions)
{
    char *copy = actions ? strdup(actions) : NULL;
    if (actions && !copy)
        return -1;
    free(s->tasks_actions);
    s->tasks_actions = copy;
    return 0;
}

esclient_err optcoll_run(optcoll *s, optcoll_id id, esclient *es, const char *cluster, double now,
                         metric_set *out, optcoll_result *res)
{
    memset(res, 0, sizeof(*res));
    if ((unsigned)id >= OPTCOLL_COUNT) {
        snprintf(res->error, sizeof(res->error), "no such collector");
        return res->err = ESCLIENT_ERR_OTHER;
    }
    const char *name[] = {table[id].name};
    if (s->unsupported_at[id] > 0 && now - s->unsupported_at[id] < UNSUPPORTED_RECHECK) {
        res->unsupported = 1;
        if (metric_set_add(out, &def_unsupported, name, 1) < 0)
            res->err = ESCLIENT_ERR_OTHER;
        return res->err;
    }
    metric_set *scratch = metric_set_new();
    if (!scratch) {
        snprintf(res->error, sizeof(res->error), "%s: out of memory", table[id].name);
        return res->err = ESCLIENT_ERR_OTHER;
    }
    const row *r = &table[id];
    cluster = cluster ? cluster : "";
    res->err = r->run ? r->run(s, es, cluster, now, scratch, res)
                      : run_doc(r->doc, r->doc->path, es, cluster, scratch, res);
    s->unsupported_at[id] = res->unsupported ? now : 0;
    if (res->unsupported) { /* an absent feature is a fact, not a failure */
        metric_set_free(scratch);
        res->err =
            metric_set_add(out, &def_unsupported, name, 1) < 0 ? ESCLIENT_ERR_OTHER : ESCLIENT_OK;
        return res->err;
    }
    if (res->err == ESCLIENT_OK && metric_set_merge(out, scratch) != 0) {
        snprintf(res->error, sizeof(res->error), "%s: out of memory", table[id].name);
        res->err = ESCLIENT_ERR_OTHER;
    }
    if (res->err != ESCLIENT_OK && !res->error[0])
        snprintf(res->error, sizeof(res->error), "%s: %s", table[id].name,
                 esclient_err_reason(res->err));
    metric_set_free(scratch);
    return res->err;
}

size_t optcoll_def_count(void)
{
    size_t n = 1; /* esvigil_collector_unsupported */
    for (int i = 0; i < OPTCOLL_COUNT; i++)
        n += table[i].def_count();
    return n;
}

const metric_def *optcoll_def(size_t k)
{
    if (k-- == 0)
        return &def_unsupported;
    for (int i = 0; i < OPTCOLL_COUNT; i++) {
        size_t n = table[i].def_count();
        if (k < n)
            return table[i].def(k);
        k -= n;
    }
    return NULL;
}
