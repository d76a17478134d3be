/* healthreport: the numbers and indicators are held until the end of the
 * document, because cluster_name (the label) may come anywhere. */
#include "healthreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparser.h"

#define HR "elasticsearch_health_report_"
#define MAX_INDICATORS 32
#define SYMPTOM_MAX 200

/* indicators.<indicator>.details.<path>: a number the reference exports. */
typedef struct detail_row {
    const char *indicator;
    const char *path; /* below details, dotted */
    metric_def def;
} detail_row;

#define DR(ind, path, name, help)                                                                  \
    {                                                                                              \
        ind, path,                                                                                 \
        {                                                                                          \
            HR name, METRIC_GAUGE, help,                                                           \
            {                                                                                      \
                "cluster"                                                                          \
            }                                                                                      \
        }                                                                                          \
    }

static const detail_row details[] = {
    DR("repository_integrity", "total_repositories", "total_repositories",
       "The number of snapshot repositories"),
    DR("shards_capacity", "data.max_shards_in_cluster", "max_shards_in_cluster_data",
       "The number of maximum shards in a cluster"),
    DR("shards_capacity", "frozen.max_shards_in_cluster", "max_shards_in_cluster_frozen",
       "The number of maximum frozen shards in a cluster"),
    DR("shards_availability", "restarting_replicas", "restarting_replicas",
       "The number of restarting replica shards"),
    DR("shards_availability", "creating_primaries", "creating_primaries",
       "The number of creating primary shards"),
    DR("shards_availability", "initializing_replicas", "initializing_replicas",
       "The number of initializing replica shards"),
    DR("shards_availability", "unassigned_replicas", "unassigned_replicas",
       "The number of unassigned replica shards"),
    DR("shards_availability", "started_primaries", "started_primaries",
       "The number of started primary shards"),
    DR("shards_availability", "restarting_primaries", "restarting_primaries",
       "The number of restarting primary shards"),
    DR("shards_availability", "initializing_primaries", "initializing_primaries",
       "The number of initializing primary shards"),
    DR("shards_availability", "creating_replicas", "creating_replicas",
       "The number of creating replica shards"),
    DR("shards_availability", "started_replicas", "started_replicas",
       "The number of started replica shards"),
    DR("shards_availability", "unassigned_primaries", "unassigned_primaries",
       "The number of unassigned primary shards"),
    DR("slm", "policies", "slm_policies", "The number of SLM policies"),
    DR("ilm", "policies", "ilm_policies", "The number of ILM Policies"),
    DR("ilm", "stagnating_indices", "ilm_stagnating_indices", "The number of stagnating indices"),
};
#define NDETAILS (sizeof(details) / sizeof(details[0]))

/* The reference's per-indicator color families ("" = the overall status). */
typedef struct status_row {
    const char *indicator;
    metric_def def;
} status_row;

#define SR(ind, name, help)                                                                        \
    {                                                                                              \
        ind,                                                                                       \
        {                                                                                          \
            HR name, METRIC_GAUGE, help,                                                           \
            {                                                                                      \
                "cluster", "color"                                                                 \
            }                                                                                      \
        }                                                                                          \
    }

static const status_row statuses[] = {
    SR("", "status", "Overall cluster status"),
    SR("master_is_stable", "master_is_stable_status", "Master is stable status"),
    SR("repository_integrity", "repository_integrity_status", "Repository integrity status"),
    SR("disk", "disk_status", "Disk status"),
    SR("shards_capacity", "shards_capacity_status", "Shards capacity status"),
    /* sic: the reference's spelling */
    SR("shards_availability", "shards_availabilty_status", "Shards availabilty status"),
    SR("data_stream_lifecycle", "data_stream_lifecycle_status", "Data stream lifecycle status"),
    SR("slm", "slm_status", "SLM status"),
    SR("ilm", "ilm_status", "ILM status"),
};
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

static const metric_def def_indicator = {
    "esvigil_health_report_indicator",
    METRIC_GAUGE,
    "Every health report indicator: 0 green, 1 yellow, 2 red, -1 any other status (unknown, "
    "unavailable); status and symptom as Elasticsearch gives them (symptom shortened).",
    {"cluster", "indicator", "status", "symptom"}};

static const char *const colors[] = {"green", "yellow", "red"};

size_t healthreport_def_count(void)
{
    return NDETAILS + NSTATUSES + 1;
}

const metric_def *healthreport_def(size_t i)
{
    if (i < NDETAILS)
        return &details[i].def;
    if (i < NDETAILS + NSTATUSES)
        return &statuses[i - NDETAILS].def;
    return i == NDETAILS + NSTATUSES ? &def_indicator : NULL;
}

typedef struct indicator {
    char name[64];
    char status[32];
    char symptom[SYMPTOM_MAX + 1];
} indicator;

struct healthreport {
    jsonparser base;
    metric_set *out;
    char *cluster; /* from the document, else the caller's */
    double value[NDETAILS];
    char status[32];
    indicator ind[MAX_INDICATORS];
    size_t nind;
    int have_indicators;
};
JSONPARSER_FIRST(healthreport, base);

static indicator *find_indicator(healthreport *p, const char *name)
{
    for (size_t i = 0; i < p->nind; i++)
        if (strcmp(p->ind[i].name, name) == 0)
            return &p->ind[i];
    return NULL;
}

static void on_detail(healthreport *p, const char *const *path, size_t depth, double v)
{
    char dotted[128] = "";
    for (size_t k = 3; k < depth; k++)
        snprintf(dotted + strlen(dotted), sizeof(dotted) - strlen(dotted), "%s%s", k > 3 ? "." : "",
                 path[k]);
    for (size_t i = 0; i < NDETAILS; i++)
        if (strcmp(path[1], details[i].indicator) == 0 && strcmp(dotted, details[i].path) == 0)
            p->value[i] = v;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    healthreport *p = ctx;
    if (depth == 1 && v->kind == JSONWALK_STRING) {
        if (strcmp(path[0], "status") == 0) {
            jsonparser_copy_label(p->status, sizeof(p->status), v);
        } else if (strcmp(path[0], "cluster_name") == 0) {
            free(p->cluster);
            if (!(p->cluster = strndup(v->str, v->len)))
                return jsonparser_fail(&p->base, "out of memory");
        }
        return 0;
    }
    if (depth < 3 || strcmp(path[0], "indicators") != 0)
        return 0;
    indicator *in = find_indicator(p, path[1]);
    if (depth == 3 && in && v->kind == JSONWALK_STRING) {
        if (strcmp(path[2], "status") == 0)
            jsonparser_copy_label(in->status, sizeof(in->status), v);
        else if (strcmp(path[2], "symptom") == 0)
            jsonparser_copy_label(in->symptom, sizeof(in->symptom), v);
    } else if (depth >= 4 && v->kind == JSONWALK_NUMBER && strcmp(path[2], "details") == 0) {
        on_detail(p, path, depth, v->num);
    }
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    healthreport *p = ctx;
    (void)is_array;
    if (depth == 1 && strcmp(path[0], "indicators") == 0)
        p->have_indicators = 1;
    if (depth == 2 && strcmp(path[0], "indicators") == 0 && !find_indicator(p, path[1])) {
        if (p->nind == MAX_INDICATORS)
            return 0; /* more than ES has ever had: the rest are not kept */
        snprintf(p->ind[p->nind++].name, sizeof(p->ind[0].name), "%s", path[1]);
    }
    return 0;
}

static int done(void *ctx);
static const jsonparser_kind kind = {{on_scalar, on_enter, NULL}, 1, done};

healthreport *healthreport_new(metric_set *out, const char *cluster)
{
    healthreport *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->cluster = strdup(cluster ? cluster : "");
    if (!p->cluster || jsonparser_begin(&p->base, &kind, "health report") < 0) {
        healthreport_free(p);
        return NULL;
    }
    return p;
}

void healthreport_free(healthreport *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

int healthreport_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((healthreport *)p)->base, data, len);
}

static const char *status_of(const healthreport *p, const char *which)
{
    if (!*which)
        return p->status;
    for (size_t i = 0; i < p->nind; i++)
        if (strcmp(p->ind[i].name, which) == 0)
            return p->ind[i].status;
    return "";
}

static double severity(const char *status)
{
    for (int c = 0; c < 3; c++)
        if (strcmp(status, colors[c]) == 0)
            return c;
    return -1;
}

static int emit(healthreport *p)
{
    const char *c[] = {p->cluster, NULL, NULL, NULL};
    int rc = 0;
    for (size_t i = 0; i < NDETAILS; i++)
        rc |= metric_set_add(p->out, &details[i].def, c, p->value[i]);
    for (size_t s = 0; s < NSTATUSES; s++) {
        const char *st = status_of(p, statuses[s].indicator);
        for (size_t k = 0; k < 3; k++) {
            c[1] = colors[k];
            rc |= metric_set_add(p->out, &statuses[s].def, c, strcmp(st, colors[k]) == 0);
        }
    }
    for (size_t i = 0; i < p->nind; i++) {
        const indicator *in = &p->ind[i];
        const char *v[] = {p->cluster, in->name, in->status, in->symptom};
        rc |= metric_set_add(p->out, &def_indicator, v, severity(in->status));
    }
    return rc;
}

static int done(void *ctx)
{
    healthreport *p = ctx;
    if (!p->have_indicators)
        return jsonparser_fail(&p->base, "no \"indicators\" in the response");
    if (emit(p) != 0)
        return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

int healthreport_finish(healthreport *p)
{
    return jsonparser_finish(&p->base);
}

const char *healthreport_error(const healthreport *p)
{
    return jsonparser_error(&p->base);
}

size_t healthreport_indicator_count(const healthreport *p)
{
    return p->nind;
}

const char *healthreport_indicator_name(const healthreport *p, size_t i)
{
    return i < p->nind ? p->ind[i].name : NULL;
}

const char *healthreport_indicator_status(const healthreport *p, size_t i)
{
    return i < p->nind ? p->ind[i].status : NULL;
}
