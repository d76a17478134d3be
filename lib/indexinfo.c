/* indexinfo: four small walkers sharing one state. Per-index values are
 * emitted when the index's object closes, with the reference exporter's
 * defaults for what is missing (settings: 1000 for an unparsable count, 0
 * for the creation date; mappings: its field-counting rule). */
#include "indexinfo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparser.h"
#include "parserops.h"

enum {
    D_ALIAS,
    D_HEALTH,
    D_UNASSIGNED,
    D_FIELDS,
    D_TOTAL_FIELDS,
    D_REPLICAS,
    D_SHARDS,
    D_CREATED,
    D_READ_ONLY,
    D_BLOCKED,
    D_N
};

static const metric_def defs[D_N] = {
    [D_ALIAS] = {"elasticsearch_indices_aliases",
                 METRIC_GAUGE,
                 "Record aliases associated with an index",
                 {"index", "alias", "cluster"}},
    [D_HEALTH] = {"elasticsearch_index_health_status",
                  METRIC_GAUGE,
                  "Whether all primary and replica shards of the index are allocated: 1 for "
                  "the current color.",
                  {"cluster", "index", "color"}},
    [D_UNASSIGNED] = {"elasticsearch_index_health_unassigned_shards",
                      METRIC_GAUGE,
                      "Shards of the index that are not allocated to any node.",
                      {"cluster", "index"}},
    [D_FIELDS] = {"elasticsearch_indices_mappings_stats_fields",
                  METRIC_GAUGE,
                  "Current number fields within cluster.",
                  {"index"}},
    [D_TOTAL_FIELDS] = {"elasticsearch_indices_settings_total_fields",
                        METRIC_GAUGE,
                        "index mapping setting for total_fields",
                        {"index"}},
    [D_REPLICAS] = {"elasticsearch_indices_settings_replicas",
                    METRIC_GAUGE,
                    "index setting number_of_replicas",
                    {"index"}},
    [D_SHARDS] = {"elasticsearch_indices_settings_shards",
                  METRIC_GAUGE,
                  "index setting number_of_shards",
                  {"index"}},
    [D_CREATED] = {"elasticsearch_indices_settings_creation_timestamp_seconds",
                   METRIC_GAUGE,
                   "index setting creation_date",
                   {"index"}},
    [D_READ_ONLY] = {"elasticsearch_indices_settings_stats_read_only_indices",
                     METRIC_GAUGE,
                     "Current number of read only indices within cluster",
                     {NULL}},
    [D_BLOCKED] = {"esvigil_index_blocked",
                   METRIC_GAUGE,
                   "1 when the index carries the block (index.blocks.BLOCK true), 0 when the "
                   "setting is present but false; every index, whatever es.indices.include says.",
                   {"cluster", "index", "block"}},
};

static const char *const colors[] = {"green", "yellow", "red"};
enum { S_TOTAL_FIELDS, S_REPLICAS, S_SHARDS, S_CREATED, S_N };
static const char *const blocks[] = {"read_only_allow_delete", "read_only", "write"};
#define N_BLOCKS 3

#define MAX_DEPTH JSONWALK_MAX_DEPTH

/* One property of a mapping, by the reference's rule: 1 when it has a type
 * other than "object", plus 1 per typed sub-field then; 1 when it has
 * (non-null) properties of its own. */
typedef struct prop_state {
    int countable, typed_fields, has_props;
} prop_state;

struct indexinfo {
    jsonparser base;
    indexinfo_kind kind;
    metric_set *out;
    char *cluster;
    const indexfilter *filter;
    int keep;         /* the current index passes the filter */
    double read_only; /* indices with read_only_allow_delete */
    /* settings of the current index: the string value, NULL when absent */
    char *setting[S_N];
    int block[N_BLOCKS]; /* -1 absent, 0 false, 1 true */
    /* mappings: field count of the current index, and per-depth property state */
    double fields;
    prop_state prop[MAX_DEPTH];
};
JSONPARSER_FIRST(indexinfo, base);

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array);
static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array);
static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v);
static int done(void *ctx);

static const char *const labels[] = {"aliases", "index health", "index settings", "index mappings"};

indexinfo *indexinfo_new(indexinfo_kind kind, metric_set *out, const char *cluster,
                         const indexfilter *filter)
{
    static const jsonparser_kind parser_kind = {{on_scalar, on_enter, on_leave}, 0, done};
    indexinfo *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->kind = kind;
    p->out = out;
    p->filter = filter;
    p->cluster = strdup(cluster ? cluster : "");
    if (!p->cluster || jsonparser_begin(&p->base, &parser_kind, labels[kind]) < 0) {
        indexinfo_free(p);
        return NULL;
    }
    return p;
}

static void reset_index(indexinfo *p)
{
    for (int i = 0; i < S_N; i++) {
        free(p->setting[i]);
        p->setting[i] = NULL;
    }
    for (int i = 0; i < N_BLOCKS; i++)
        p->block[i] = -1;
    p->fields = 0;
}

void indexinfo_free(indexinfo *p)
{
    if (!p)
        return;
    reset_index(p);
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

int indexinfo_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((indexinfo *)p)->base, data, len);
}

const char *indexinfo_error(const indexinfo *p)
{
    return jsonparser_error(&p->base);
}

const char *indexinfo_path(indexinfo_kind kind)
{
    static const char *const paths[] = {"/_alias", "/_cluster/health?level=indices",
                                        "/_all/_settings", "/_all/_mappings"};
    return paths[kind];
}

static int add(indexinfo *p, int d, const char *const *v, double x)
{
    return metric_set_add(p->out, &defs[d], v, x) ? jsonparser_fail(&p->base, "out of memory") : 0;
}

/* Go's strconv.ParseFloat on the setting string, with the reference's
 * fallback when it does not parse. */
static double setting_num(const char *s, double fallback)
{
    if (!s || !*s)
        return fallback;
    char *end;
    double v = strtod(s, &end);
    return *end ? fallback : v;
}

static int emit_settings(indexinfo *p, const char *index)
{
    const char *iv[] = {index};
    int rc = 0;
    if (p->block[0] == 1)
        p->read_only++;
    if (p->keep) {
        rc |= add(p, D_TOTAL_FIELDS, iv, setting_num(p->setting[S_TOTAL_FIELDS], 1000));
        rc |= add(p, D_REPLICAS, iv, setting_num(p->setting[S_REPLICAS], 1000));
        rc |= add(p, D_SHARDS, iv, setting_num(p->setting[S_SHARDS], 1000));
        rc |= add(p, D_CREATED, iv, setting_num(p->setting[S_CREATED], 0) / 1000.0);
    }
    for (int b = 0; b < N_BLOCKS; b++)
        if (p->block[b] >= 0) {
            const char *bv[] = {p->cluster, index, blocks[b]};
            rc |= add(p, D_BLOCKED, bv, p->block[b]);
        }
    return rc;
}

/* The index's object (top level, or under "indices" for health) opens. */
static int index_depth(const indexinfo *p)
{
    return p->kind == INDEXINFO_HEALTH ? 2 : 1;
}

/* Whether path[0..d-1] is a property object of the mappings. */
static int is_property(const char *const *path, size_t d)
{
    if (d < 4 || d % 2 || d >= MAX_DEPTH || strcmp(path[1], "mappings") != 0)
        return 0;
    for (size_t k = 2; k < d; k += 2)
        if (strcmp(path[k], "properties") != 0)
            return 0;
    return 1;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    indexinfo *p = ctx;
    if (depth == 0 && is_array)
        return jsonparser_fail(&p->base, "expected a JSON object");
    if (depth == (size_t)index_depth(p) &&
        (p->kind != INDEXINFO_HEALTH || !strcmp(path[0], "indices"))) {
        const char *name = path[depth - 1];
        p->keep = indexfilter_keep(p->filter, name, strlen(name));
        reset_index(p);
        return 0;
    }
    if (!p->keep || depth < 2)
        return 0;
    if (p->kind == INDEXINFO_ALIASES && depth == 3 && !strcmp(path[1], "aliases")) {
        const char *v[] = {path[0], path[2], p->cluster};
        return add(p, D_ALIAS, v, 1);
    }
    if (p->kind != INDEXINFO_MAPPINGS || depth >= MAX_DEPTH || is_array)
        return 0;
    if (is_property(path, depth))
        memset(&p->prop[depth], 0, sizeof(p->prop[depth]));
    else if (depth % 2 && !strcmp(path[depth - 1], "properties") && is_property(path, depth - 1))
        p->prop[depth - 1].has_props = 1;
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    indexinfo *p = ctx;
    (void)is_array;
    if (p->kind == INDEXINFO_MAPPINGS && p->keep && is_property(path, depth)) {
        const prop_state *f = &p->prop[depth];
        p->fields += (f->countable ? 1 + f->typed_fields : 0) + (f->has_props ? 1 : 0);
    }
    if (depth != (size_t)index_depth(p) ||
        (p->kind == INDEXINFO_HEALTH && strcmp(path[0], "indices")))
        return 0;
    const char *index = path[depth - 1];
    if (p->kind == INDEXINFO_SETTINGS)
        return emit_settings(p, index);
    if (p->kind == INDEXINFO_MAPPINGS && p->keep) {
        const char *iv[] = {index};
        return add(p, D_FIELDS, iv, p->fields);
    }
    return 0;
}

static int health_scalar(indexinfo *p, const char *const *path, const jsonwalk_value *v)
{
    const char *iv[] = {p->cluster, path[1]};
    if (!strcmp(path[2], "unassigned_shards") && v->kind == JSONWALK_NUMBER)
        return add(p, D_UNASSIGNED, iv, v->num);
    if (strcmp(path[2], "status") != 0 || v->kind != JSONWALK_STRING)
        return 0;
    int rc = 0;
    for (int c = 0; c < 3; c++) {
        const char *cv[] = {p->cluster, path[1], colors[c]};
        int is = strlen(colors[c]) == v->len && !strncmp(v->str, colors[c], v->len);
        rc |= add(p, D_HEALTH, cv, is);
    }
    return rc;
}

static int set_string(indexinfo *p, int which, const jsonwalk_value *v)
{
    free(p->setting[which]);
    p->setting[which] = NULL;
    char num[64];
    if (v->kind == JSONWALK_NUMBER) {
        snprintf(num, sizeof(num), "%.17g", v->num);
        p->setting[which] = strdup(num);
    } else if (v->kind == JSONWALK_STRING) {
        p->setting[which] = strndup(v->str, v->len);
    } else {
        return 0;
    }
    return p->setting[which] ? 0 : jsonparser_fail(&p->base, "out of memory");
}

static int settings_scalar(indexinfo *p, const char *const *path, size_t depth,
                           const jsonwalk_value *v)
{
    if (depth < 4 || strcmp(path[1], "settings") || strcmp(path[2], "index"))
        return 0;
    if (depth == 4) {
        static const char *const keys[] = {[S_REPLICAS] = "number_of_replicas",
                                           [S_SHARDS] = "number_of_shards",
                                           [S_CREATED] = "creation_date"};
        for (int i = S_REPLICAS; i < S_N; i++)
            if (!strcmp(path[3], keys[i]))
                return set_string(p, i, v);
    } else if (depth == 5 && !strcmp(path[3], "blocks")) {
        for (int b = 0; b < N_BLOCKS; b++)
            if (!strcmp(path[4], blocks[b]))
                p->block[b] =
                    (v->kind == JSONWALK_STRING && v->len == 4 && !strncmp(v->str, "true", 4)) ||
                    (v->kind == JSONWALK_BOOL && v->num != 0);
    } else if (depth == 6 && !strcmp(path[3], "mapping") && !strcmp(path[4], "total_fields") &&
               !strcmp(path[5], "limit")) {
        return set_string(p, S_TOTAL_FIELDS, v);
    }
    return 0;
}

static int mappings_scalar(indexinfo *p, const char *const *path, size_t depth,
                           const jsonwalk_value *v)
{
    int is_type = !strcmp(path[depth - 1], "type") && v->kind == JSONWALK_STRING;
    if (is_type && is_property(path, depth - 1))
        p->prop[depth - 1].countable = !(v->len == 6 && !strncmp(v->str, "object", 6));
    else if (is_type && depth >= 7 && !strcmp(path[depth - 3], "fields") &&
             is_property(path, depth - 3))
        p->prop[depth - 3].typed_fields++;
    return 0;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    indexinfo *p = ctx;
    if (depth == 0)
        return jsonparser_fail(&p->base, "expected a JSON object");
    if (!p->keep && p->kind != INDEXINFO_SETTINGS)
        return 0;
    switch (p->kind) {
    case INDEXINFO_HEALTH:
        return depth == 3 && !strcmp(path[0], "indices") ? health_scalar(p, path, v) : 0;
    case INDEXINFO_SETTINGS:
        return settings_scalar(p, path, depth, v);
    case INDEXINFO_MAPPINGS:
        return mappings_scalar(p, path, depth, v);
    default:
        return 0;
    }
}

static int done(void *ctx)
{
    indexinfo *p = ctx;
    return p->kind == INDEXINFO_SETTINGS ? add(p, D_READ_ONLY, NULL, p->read_only) : 0;
}

int indexinfo_finish(indexinfo *p)
{
    return jsonparser_finish(&p->base);
}

size_t indexinfo_def_count(void)
{
    return D_N;
}

const metric_def *indexinfo_def(size_t i)
{
    return i < D_N ? &defs[i] : NULL;
}

PARSEROPS_ADAPT(indexinfo)

static esclient_err run(indexinfo_kind kind, const char *name, esclient *es, const pacer_ctx *ctx,
                        metric_set *out, char *err, size_t errlen)
{
    const config *cfg = ctx->cfg;
    indexfilter *f = indexfilter_new(cfg->es_indices_include, cfg->es_indices_exclude, err, errlen);
    if (!f)
        return ESCLIENT_ERR_OTHER;
    indexinfo *p = indexinfo_new(kind, out, ctx->cluster, f);
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, errlen, "%s: out of memory", name);
    if (p)
        e = pacer_fetch(es, name, indexinfo_path(kind), indexinfo_feed, indexinfo_finish_v,
                        indexinfo_error_v, p, err, errlen);
    indexinfo_free(p);
    indexfilter_free(f);
    return e;
}

esclient_err indexinfo_run_aliases(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                   size_t errlen)
{
    return run(INDEXINFO_ALIASES, "indices_aliases", es, ctx, out, err, errlen);
}

esclient_err indexinfo_run_health(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                  size_t errlen)
{
    return run(INDEXINFO_HEALTH, "index_health", es, ctx, out, err, errlen);
}

esclient_err indexinfo_run_settings(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                    size_t errlen)
{
    return run(INDEXINFO_SETTINGS, "indices_settings", es, ctx, out, err, errlen);
}

esclient_err indexinfo_run_mappings(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                    size_t errlen)
{
    return run(INDEXINFO_MAPPINGS, "indices_mappings", es, ctx, out, err, errlen);
}
