/* health: the top-level numbers of /_cluster/health are held until the end of
 * the document, because the cluster label (cluster_name) may come last. */
#include "health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonparser.h"

typedef struct hl_row {
    const char *field; /* top-level key of the response */
    metric_def def;
} hl_row;

#define HL(field, name, help)                                                                      \
    {                                                                                              \
        field,                                                                                     \
        {                                                                                          \
            "elasticsearch_cluster_health_" name, METRIC_GAUGE, help,                              \
            {                                                                                      \
                "cluster"                                                                          \
            }                                                                                      \
        }                                                                                          \
    }

/* Names, types and help strings exactly as the reference exporter's. */
static const hl_row hl_table[] = {
    HL("active_primary_shards", "active_primary_shards",
       "The number of primary shards in your cluster. This is an aggregate total across all "
       "indices."),
    HL("active_shards", "active_shards",
       "Aggregate total of all shards across all indices, which includes replica shards."),
    HL("delayed_unassigned_shards", "delayed_unassigned_shards",
       "Shards delayed to reduce reallocation overhead"),
    HL("initializing_shards", "initializing_shards",
       "Count of shards that are being freshly created."),
    HL("number_of_data_nodes", "number_of_data_nodes", "Number of data nodes in the cluster."),
    HL("number_of_in_flight_fetch", "number_of_in_flight_fetch",
       "The number of ongoing shard info requests."),
    HL("number_of_nodes", "number_of_nodes", "Number of nodes in the cluster."),
    HL("number_of_pending_tasks", "number_of_pending_tasks",
       "Cluster level changes which have not yet been executed"),
    HL("relocating_shards", "relocating_shards",
       "The number of shards that are currently moving from one node to another node."),
    HL("task_max_waiting_in_queue_millis", "task_max_waiting_in_queue_millis",
       "Tasks max time waiting in queue."),
    HL("unassigned_shards", "unassigned_shards",
       "The number of shards that exist in the cluster state, but cannot be found in the "
       "cluster itself."),
};

#define HL_NROWS (sizeof(hl_table) / sizeof(hl_table[0]))

static const metric_def hl_status_def = {
    "elasticsearch_cluster_health_status",
    METRIC_GAUGE,
    "Whether all primary and replica shards are allocated.",
    {"cluster", "color"},
};

static const char *const hl_colors[] = {"green", "yellow", "red"};
#define HL_NCOLORS (sizeof(hl_colors) / sizeof(hl_colors[0]))

struct health {
    jsonparser base;
    metric_set *out;
    double value[HL_NROWS];
    int have[HL_NROWS];
    int color; /* index into hl_colors, -1 when none */
    int have_status_field;
    char *cluster;
};
JSONPARSER_FIRST(health, base);

static int color_index(const char *s, size_t len)
{
    for (size_t i = 0; i < HL_NCOLORS; i++)
        if (strlen(hl_colors[i]) == len && strncasecmp(hl_colors[i], s, len) == 0)
            return (int)i;
    return -1;
}

static int on_string(health *p, const char *key, const jsonwalk_value *v)
{
    if (strcmp(key, "status") == 0) {
        p->have_status_field = 1;
        p->color = color_index(v->str, v->len);
    } else if (strcmp(key, "cluster_name") == 0) {
        free(p->cluster);
        if (!(p->cluster = strndup(v->str, v->len)))
            return jsonparser_fail(&p->base, "out of memory");
    }
    return 0;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    health *p = ctx;
    if (depth != 1)
        return 0;
    if (v->kind == JSONWALK_STRING)
        return on_string(p, path[0], v);
    if (v->kind != JSONWALK_NUMBER)
        return 0;
    for (size_t i = 0; i < HL_NROWS; i++) {
        if (strcmp(path[0], hl_table[i].field) == 0) {
            p->value[i] = v->num;
            p->have[i] = 1;
            break;
        }
    }
    return 0;
}

static int emit(health *p)
{
    const char *labels[2] = {p->cluster ? p->cluster : "", NULL};
    for (size_t i = 0; i < HL_NROWS; i++)
        if (p->have[i] && metric_set_add(p->out, &hl_table[i].def, labels, p->value[i]) < 0)
            return jsonparser_fail(&p->base, "out of memory");
    if (p->color < 0)
        return 0;
    for (size_t c = 0; c < HL_NCOLORS; c++) {
        labels[1] = hl_colors[c];
        if (metric_set_add(p->out, &hl_status_def, labels, (int)c == p->color) < 0)
            return jsonparser_fail(&p->base, "out of memory");
    }
    return 0;
}

/* The document is complete and an object: checks it and emits. */
static int done(void *ctx)
{
    health *p = ctx;
    if (!p->cluster && !p->have_status_field)
        return jsonparser_fail(&p->base, "neither cluster_name nor status in the response");
    return emit(p);
}

static const jsonparser_kind kind = {{on_scalar, NULL, NULL}, 1, done};

health *health_new(metric_set *out)
{
    health *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->color = -1;
    if (jsonparser_begin(&p->base, &kind, "cluster health") < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void health_free(health *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

int health_feed(void *ctx, const char *data, size_t len)
{
    return jsonparser_feed(&((health *)ctx)->base, data, len);
}

int health_finish(health *p)
{
    return jsonparser_finish(&p->base);
}

const char *health_error(const health *p)
{
    return jsonparser_error(&p->base);
}

const char *health_status(const health *p)
{
    return jsonparser_finished(&p->base) && p->color >= 0 ? hl_colors[p->color] : NULL;
}

const char *health_cluster_name(const health *p)
{
    return jsonparser_finished(&p->base) && p->cluster ? p->cluster : "";
}
