/* pacer: the table of paced collectors and their state (last good set, due
 * time, outcome, error counters), shared between the side thread that runs
 * them and the main poll that exports them, under one mutex. */
#include "pacer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indexstats.h"
#include "indexinfo.h"
#include "optpace.h"

static int on_indices(const config *c)
{
    return c->es_indices || c->es_shards;
}
static int on_aliases(const config *c)
{
    return on_indices(c) && c->es_aliases;
}
static int on_settings(const config *c)
{
    return c->es_indices_settings;
}
static int on_mappings(const config *c)
{
    return c->es_indices_mappings;
}

#define AT(field) offsetof(config, field)
/* One row per collector; the NULL row ends the table (so it may be empty). */
static const pacer_collector pacer_collectors[] = {
    {"indices", on_indices, AT(es_indices_interval_ms), indexstats_run, NULL, NULL},
    {"indices_aliases", on_aliases, AT(es_indices_interval_ms), indexinfo_run_aliases, NULL, NULL},
    {"index_health", on_indices, AT(es_indices_interval_ms), indexinfo_run_health, NULL, NULL},
    {"indices_settings", on_settings, AT(es_indices_settings_interval_ms), indexinfo_run_settings,
     NULL, NULL},
    {"indices_mappings", on_mappings, AT(es_indices_mappings_interval_ms), indexinfo_run_mappings,
     NULL, NULL},
    OPTPACE_ROWS,
    {NULL, NULL, 0, NULL, NULL, NULL},
};
#define N_COLLECTORS (sizeof(pacer_collectors) / sizeof(pacer_collectors[0]) - 1)

typedef struct slot {
    int enabled;
    double interval; /* seconds */
    double next_due; /* monotonic; 0: never ran */
    int ran, ok;
    double duration, last_success;
    metric_set *good;
    unsigned long long errors[ESCLIENT_ERR_COUNT];
    void *state; /* the collector's, when it keeps any */
} slot;

struct pacer {
    const config *cfg;
    pthread_mutex_t mu;
    int reporter;
    char cluster[128];
    slot slots[N_COLLECTORS + 1]; /* +1: never zero-sized */
};

static const metric_def def_success = {"esvigil_collector_success",
                                       METRIC_GAUGE,
                                       "1 if the collector succeeded in the last poll.",
                                       {"collector", NULL}};
static const metric_def def_duration = {"esvigil_collector_duration_seconds",
                                        METRIC_GAUGE,
                                        "How long each collector took in the last poll.",
                                        {"collector", NULL}};
static const metric_def def_last_success = {
    "esvigil_collector_last_success_timestamp_seconds",
    METRIC_GAUGE,
    "Unix time of the collector's last successful run; its families keep that run's values.",
    {"collector", NULL}};
static const metric_def def_errors = {
    "esvigil_errors_total",
    METRIC_COUNTER,
    "Failed collector runs since esvigil started, by collector and reason.",
    {"collector", "reason", NULL}};

size_t pacer_collector_count(void)
{
    return N_COLLECTORS;
}

const pacer_collector *pacer_collector_row(size_t i)
{
    return i < N_COLLECTORS ? &pacer_collectors[i] : NULL;
}

pacer *pacer_new(const config *cfg)
{
    pacer *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    p->cfg = cfg;
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        const pacer_collector *c = &pacer_collectors[i];
        long long ms = *(const long long *)(const void *)((const char *)cfg + c->interval_offset);
        if (ms <= 0) /* "every poll" */
            ms = cfg->poll_interval_ms;
        p->slots[i].enabled = c->enabled(cfg);
        p->slots[i].interval = (double)ms / 1000.0;
        if (c->state_new && !(p->slots[i].state = c->state_new())) {
            pacer_free(p);
            return NULL;
        }
    }
    return p;
}

void pacer_free(pacer *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        metric_set_free(p->slots[i].good);
        if (p->slots[i].state)
            pacer_collectors[i].state_free(p->slots[i].state);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int pacer_any_enabled(const pacer *p)
{
    for (size_t i = 0; i < N_COLLECTORS; i++)
        if (p->slots[i].enabled)
            return 1;
    return 0;
}

static int add_bookkeeping(const slot *s, const char *name, metric_set *out)
{
    const char *v[] = {name};
    int rc = 0;
    if (s->ran) {
        rc |= metric_set_add(out, &def_success, v, s->ok ? 1 : 0);
        rc |= metric_set_add(out, &def_duration, v, s->duration);
    }
    if (s->last_success > 0)
        rc |= metric_set_add(out, &def_last_success, v, s->last_success);
    for (int e = 1; e < ESCLIENT_ERR_COUNT; e++) {
        const char *ev[] = {name, esclient_err_reason(e)};
        rc |= metric_set_add(out, &def_errors, ev, (double)s->errors[e]);
    }
    return rc;
}

int pacer_report(pacer *p, int reporter, const char *cluster, metric_set *out)
{
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    p->reporter = reporter && cluster && *cluster;
    snprintf(p->cluster, sizeof(p->cluster), "%s", cluster ? cluster : "");
    for (size_t i = 0; p->reporter && i < N_COLLECTORS; i++) {
        const slot *s = &p->slots[i];
        if (!s->enabled)
            continue;
        if (s->good)
            rc |= metric_set_merge(out, s->good);
        rc |= add_bookkeeping(s, pacer_collectors[i].name, out);
    }
    pthread_mutex_unlock(&p->mu);
    return rc ? -1 : 0;
}

void pacer_store(pacer *p, size_t i, metric_set *good, esclient_err e, double secs, double now_mono,
                 double now_real)
{
    if (i >= N_COLLECTORS) {
        metric_set_free(good);
        return;
    }
    pthread_mutex_lock(&p->mu);
    slot *s = &p->slots[i];
    s->ran = 1;
    s->ok = e == ESCLIENT_OK && good;
    s->duration = secs;
    s->next_due = now_mono + s->interval;
    if (s->ok) {
        metric_set_free(s->good);
        s->good = good;
        s->last_success = now_real;
    } else {
        s->errors[e == ESCLIENT_OK ? ESCLIENT_ERR_OTHER : e]++;
        metric_set_free(good);
    }
    pthread_mutex_unlock(&p->mu);
}

esclient_err pacer_fetch(esclient *es, const char *name, const char *path, esclient_sink feed,
                         int (*finish)(void *), const char *(*error)(void *), void *parser,
                         char *err, size_t errlen)
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

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether collector i is due; *cluster gets the cluster name to label with. */
static int due(pacer *p, size_t i, double now, char *cluster, size_t n)
{
    pthread_mutex_lock(&p->mu);
    const slot *s = &p->slots[i];
    int d = s->enabled && p->reporter && (!s->ran || now >= s->next_due);
    snprintf(cluster, n, "%s", p->cluster);
    pthread_mutex_unlock(&p->mu);
    return d;
}

int pacer_step(pacer *p, esclient *es, double now_mono, double now_real, char *err, size_t errlen,
               char *errkey, size_t keylen)
{
    int ran = 0;
    double start = mono();
    if (err && errlen)
        err[0] = '\0';
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        char cluster[128];
        if (!due(p, i, now_mono, cluster, sizeof(cluster)))
            continue;
        const pacer_collector *c = &pacer_collectors[i];
        pacer_ctx ctx = {.cfg = p->cfg, .cluster = cluster, .state = p->slots[i].state};
        char why[256] = "";
        double t0 = mono();
        metric_set *out = metric_set_new();
        esclient_err e = out ? c->run(es, &ctx, out, why, sizeof(why)) : ESCLIENT_ERR_OTHER;
        if (!out)
            snprintf(why, sizeof(why), "%s: out of memory", c->name);
        double end = mono(), secs = end - t0;
        /* The next run is due an interval after this one ended. */
        /* pacer_store owns a good set; a failed run's partial one goes here. */
        if (e != ESCLIENT_OK)
            metric_set_free(out);
        pacer_store(p, i, e == ESCLIENT_OK ? out : NULL, e, secs, now_mono + (end - start),
                    now_real + (end - start));
        if (e != ESCLIENT_OK) {
            if (err && errlen && !err[0]) {
                snprintf(err, errlen, "%s", why);
                if (errkey)
                    snprintf(errkey, keylen, "%s:%s", c->name, esclient_err_reason(e));
            }
        }
        ran++;
    }
    return ran;
}

double pacer_wait(pacer *p, double now_mono, double cap)
{
    double w = cap;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; p->reporter && i < N_COLLECTORS; i++) {
        const slot *s = &p->slots[i];
        if (!s->enabled)
            continue;
        double d = s->ran ? s->next_due - now_mono : 0;
        if (d < w)
            w = d;
    }
    pthread_mutex_unlock(&p->mu);
    return w < 0 ? 0 : w;
}
