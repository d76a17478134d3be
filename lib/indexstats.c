/* indexstats: one table row per family (section, stats path, divisor), looked
 * up by binary search on "section.group.field" while the body streams by.
 * Kept indices hold one number per row until the end, because es.indices.max
 * keeps the largest by primary store size and that needs every index seen. */
#include "indexstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparser.h"
#include "parserops.h"

enum { OPTIONAL = 1 }; /* exported only when the field is present (reference: a pointer) */

typedef struct is_row {
    const char *path; /* "primaries.docs.count" under indices.NAME */
    double div;       /* 1000 for *_time_in_millis -> seconds */
    int flags;
    metric_def def;
} is_row;

#define IL                                                                                         \
    {                                                                                              \
        "index", "cluster"                                                                         \
    }
#define R(path, name, type, div, flags, help)                                                      \
    {                                                                                              \
        path, div, flags,                                                                          \
        {                                                                                          \
            "elasticsearch_" name, type, help, IL                                                  \
        }                                                                                          \
    }
#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define PT(group_field, name, what)                                                                \
    R("primaries." group_field, "indices_" name "_primary", G, 1, 0,                               \
      "Current " what " with only primary shards on all nodes"),                                   \
        R("total." group_field, "indices_" name "_total", G, 1, 0,                                 \
          "Current " what " with all shards on all nodes")

/* Names, types and values as the reference exporter's collector/indices.go. */
static const is_row rows[] = {
    R("primaries.docs.count", "indices_docs_primary", G, 1, 0,
      "Count of documents with only primary shards"),
    R("primaries.docs.deleted", "indices_deleted_docs_primary", G, 1, 0,
      "Count of deleted documents with only primary shards"),
    R("total.docs.count", "indices_docs_total", G, 1, 0, "Total count of documents"),
    R("total.docs.deleted", "indices_deleted_docs_total", G, 1, 0,
      "Total count of deleted documents"),
    PT("store.size_in_bytes", "store_size_bytes", "total size of stored index data in bytes"),
    PT("segments.count", "segment_count", "number of segments"),
    PT("segments.memory_in_bytes", "segment_memory_bytes", "size of segments in bytes"),
    PT("segments.terms_memory_in_bytes", "segment_terms_memory", "size of terms in bytes"),
    PT("segments.stored_fields_memory_in_bytes", "segment_fields_memory_bytes",
       "size of fields in bytes"),
    R("primaries.segments.term_vectors_memory_in_bytes",
      "indices_segment_term_vectors_memory_primary_bytes", G, 1, 0,
      "Current size of term vectors with only primary shards on all nodes in bytes"),
    R("total.segments.term_vectors_memory_in_bytes",
      "indices_segment_term_vectors_memory_total_bytes", G, 1, 0,
      "Current size of term vectors with all shards on all nodes in bytes"),
    PT("segments.norms_memory_in_bytes", "segment_norms_memory_bytes", "size of norms in bytes"),
    PT("segments.points_memory_in_bytes", "segment_points_memory_bytes", "size of points in bytes"),
    PT("segments.doc_values_memory_in_bytes", "segment_doc_values_memory_bytes",
       "size of doc values in bytes"),
    PT("segments.index_writer_memory_in_bytes", "segment_index_writer_memory_bytes",
       "size of index writer in bytes"),
    PT("segments.version_map_memory_in_bytes", "segment_version_map_memory_bytes",
       "size of version map in bytes"),
    PT("segments.fixed_bit_set_memory_in_bytes", "segment_fixed_bit_set_memory_bytes",
       "size of fixed bit in bytes"),
    PT("completion.size_in_bytes", "completion_bytes", "size of completion in bytes"),
    R("total.search.query_time_in_millis", "index_stats_search_query_time_seconds_total", C, 1000,
      0, "Total search query time in seconds"),
    R("total.search.query_current", "search_active_queries", G, 1, 0,
      "The number of currently active queries"),
    R("total.search.query_total", "index_stats_search_query_total", C, 1, 0,
      "Total number of queries"),
    R("total.search.fetch_time_in_millis", "index_stats_search_fetch_time_seconds_total", C, 1000,
      0, "Total search fetch time in seconds"),
    R("total.search.fetch_total", "index_stats_search_fetch_total", C, 1, 0,
      "Total search fetch count"),
    R("total.search.scroll_time_in_millis", "index_stats_search_scroll_time_seconds_total", C, 1000,
      0, "Total search scroll time in seconds"),
    R("total.search.scroll_current", "index_stats_search_scroll_current", G, 1, 0,
      "Current search scroll count"),
    R("total.search.scroll_total", "index_stats_search_scroll_total", C, 1, 0,
      "Total search scroll count"),
    R("total.search.suggest_time_in_millis", "index_stats_search_suggest_time_seconds_total", C,
      1000, 0, "Total search suggest time in seconds"),
    R("total.search.suggest_total", "index_stats_search_suggest_total", C, 1, 0,
      "Total search suggest count"),
    R("total.indexing.index_time_in_millis", "index_stats_indexing_index_time_seconds_total", C,
      1000, 0, "Total indexing index time in seconds"),
    R("total.indexing.index_current", "index_stats_index_current", G, 1, 0,
      "The number of documents currently being indexed to an index"),
    R("total.indexing.index_total", "index_stats_indexing_index_total", C, 1, 0,
      "Total indexing index count"),
    R("total.indexing.delete_time_in_millis", "index_stats_indexing_delete_time_seconds_total", C,
      1000, 0, "Total indexing delete time in seconds"),
    R("total.indexing.delete_total", "index_stats_indexing_delete_total", C, 1, 0,
      "Total indexing delete count"),
    R("total.indexing.noop_update_total", "index_stats_indexing_noop_update_total", C, 1, 0,
      "Total indexing no-op update count"),
    R("total.indexing.throttle_time_in_millis", "index_stats_indexing_throttle_time_seconds_total",
      C, 1000, 0, "Total indexing throttle time in seconds"),
    R("total.indexing.index_failed", "index_stats_indexing_index_failed_total", C, 1, OPTIONAL,
      "Total number of failed indexing operations"),
    R("total.indexing.delete_current", "index_stats_indexing_delete_current", G, 1, 0,
      "The number of documents currently being deleted from an index"),
    R("total.indexing.write_load", "index_stats_indexing_write_load", G, 1, OPTIONAL,
      "Write load for indexing operations"),
    R("total.indexing.is_throttled", "index_stats_indexing_is_throttled", G, 1, 0,
      "Whether indexing is currently throttled for an index (1=throttled, 0=not throttled)"),
    R("total.get.time_in_millis", "index_stats_get_time_seconds_total", C, 1000, 0,
      "Total get time in seconds"),
    R("total.get.total", "index_stats_get_total", C, 1, 0, "Total get count"),
    R("total.merges.total_time_in_millis", "index_stats_merge_time_seconds_total", C, 1000, 0,
      "Total merge time in seconds"),
    R("total.merges.total", "index_stats_merge_total", C, 1, 0, "Total merge count"),
    R("total.merges.total_throttled_time_in_millis",
      "index_stats_merge_throttle_time_seconds_total", C, 1000, 0,
      "Total merge I/O throttle time in seconds"),
    R("total.merges.total_stopped_time_in_millis", "index_stats_merge_stopped_time_seconds_total",
      C, 1000, 0, "Total large merge stopped time in seconds, allowing smaller merges to complete"),
    R("total.merges.total_auto_throttle_in_bytes", "index_stats_merge_auto_throttle_bytes_total", C,
      1, 0, "Total bytes that were auto-throttled during merging"),
    R("total.refresh.total_time_in_millis", "index_stats_refresh_time_seconds_total", C, 1000, 0,
      "Total refresh time in seconds"),
    R("total.refresh.external_total_time_in_millis",
      "index_stats_refresh_external_time_seconds_total", C, 1000, 0,
      "Total external refresh time in seconds"),
    R("total.refresh.external_total", "index_stats_refresh_external_total", C, 1, 0,
      "Total external refresh count"),
    R("total.refresh.total", "index_stats_refresh_total", C, 1, 0, "Total refresh count"),
    R("total.flush.total_time_in_millis", "index_stats_flush_time_seconds_total", C, 1000, 0,
      "Total flush time in seconds"),
    R("total.flush.total", "index_stats_flush_total", C, 1, 0, "Total flush count"),
    R("total.warmer.total_time_in_millis", "index_stats_warmer_time_seconds_total", C, 1000, 0,
      "Total warmer time in seconds"),
    R("total.warmer.total", "index_stats_warmer_total", C, 1, 0, "Total warmer count"),
    R("total.query_cache.memory_size_in_bytes", "index_stats_query_cache_memory_bytes_total", C, 1,
      0, "Total query cache memory bytes"),
    R("total.query_cache.cache_size", "index_stats_query_cache_size", G, 1, 0,
      "Total query cache size"),
    R("total.query_cache.hit_count", "index_stats_query_cache_hits_total", C, 1, 0,
      "Total query cache hits count"),
    R("total.query_cache.miss_count", "index_stats_query_cache_misses_total", C, 1, 0,
      "Total query cache misses count"),
    R("total.query_cache.cache_count", "index_stats_query_cache_caches_total", C, 1, 0,
      "Total query cache caches count"),
    R("total.query_cache.evictions", "index_stats_query_cache_evictions_total", C, 1, 0,
      "Total query cache evictions count"),
    R("total.request_cache.memory_size_in_bytes", "index_stats_request_cache_memory_bytes_total", C,
      1, 0, "Total request cache memory bytes"),
    R("total.request_cache.hit_count", "index_stats_request_cache_hits_total", C, 1, 0,
      "Total request cache hits count"),
    R("total.request_cache.miss_count", "index_stats_request_cache_misses_total", C, 1, 0,
      "Total request cache misses count"),
    R("total.request_cache.evictions", "index_stats_request_cache_evictions_total", C, 1, 0,
      "Total request cache evictions count"),
    R("total.fielddata.memory_size_in_bytes", "index_stats_fielddata_memory_bytes_total", C, 1, 0,
      "Total fielddata memory bytes"),
    R("total.fielddata.evictions", "index_stats_fielddata_evictions_total", C, 1, 0,
      "Total fielddata evictions count"),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

#define SL                                                                                         \
    {                                                                                              \
        "index", "shard", "node", "primary", "cluster"                                             \
    }
enum { SH_DOCS, SH_DELETED, SH_STORE, SH_N };
static const metric_def shard_defs[SH_N] = {
    {"elasticsearch_indices_shards_docs", G, "Count of documents on this shard", SL},
    {"elasticsearch_indices_shards_docs_deleted", G, "Count of deleted documents on this shard",
     SL},
    {"elasticsearch_indices_shards_store_size_in_bytes", G, "Store size of this shard", SL},
};
static const metric_def def_dropped = {
    "esvigil_indices_dropped",
    G,
    "Indices that matched es.indices.include/exclude but were left out of the index stats "
    "because more than es.indices.max matched (the smallest by primary store size).",
    {"cluster", NULL}};

typedef struct shard_copy {
    char *shard, *node;
    int primary;
    double v[SH_N];
} shard_copy;

typedef struct index_row {
    char *name;
    double v[NROWS];
    unsigned char have[NROWS];
    shard_copy *copies;
    size_t ncopies, cap;
} index_row;

struct indexstats {
    jsonparser base;
    metric_set *out;
    indexstats_opts o;
    char *cluster;
    const is_row *order[NROWS]; /* rows sorted by path, for bsearch */
    index_row *idx;
    size_t n, cap;
    index_row *cur;   /* the kept index being read, NULL inside a skipped one */
    shard_copy *copy; /* the shard copy being read */
    size_t matched, dropped;
};
JSONPARSER_FIRST(indexstats, base);

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array);
static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array);
static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v);
static int done(void *ctx);

static int cmp_order(const void *a, const void *b)
{
    return strcmp((*(const is_row *const *)a)->path, (*(const is_row *const *)b)->path);
}

indexstats *indexstats_new(metric_set *out, const indexstats_opts *o)
{
    static const jsonparser_kind kind = {{on_scalar, on_enter, on_leave}, 0, done};
    indexstats *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->o = *o;
    p->cluster = strdup(o->cluster ? o->cluster : "");
    if (!p->cluster || jsonparser_begin(&p->base, &kind, "index stats") < 0) {
        indexstats_free(p);
        return NULL;
    }
    for (size_t i = 0; i < NROWS; i++)
        p->order[i] = &rows[i];
    qsort(p->order, NROWS, sizeof(p->order[0]), cmp_order);
    p->o.cluster = p->cluster;
    return p;
}

static void index_row_free(index_row *r)
{
    for (size_t i = 0; i < r->ncopies; i++) {
        free(r->copies[i].shard);
        free(r->copies[i].node);
    }
    free(r->copies);
    free(r->name);
}

void indexstats_free(indexstats *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        index_row_free(&p->idx[i]);
    free(p->idx);
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

int indexstats_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((indexstats *)p)->base, data, len);
}

const char *indexstats_error(const indexstats *p)
{
    return jsonparser_error(&p->base);
}

size_t indexstats_matched(const indexstats *p)
{
    return p->matched;
}

size_t indexstats_dropped(const indexstats *p)
{
    return p->dropped;
}

static int begin_index(indexstats *p, const char *name)
{
    p->cur = NULL;
    if (!indexfilter_keep(p->o.filter, name, strlen(name)))
        return 0;
    p->matched++;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        index_row *r = realloc(p->idx, cap * sizeof(*r));
        if (!r)
            return jsonparser_fail(&p->base, "out of memory");
        p->idx = r;
        p->cap = cap;
    }
    index_row *r = &p->idx[p->n];
    memset(r, 0, sizeof(*r));
    if (!(r->name = strdup(name)))
        return jsonparser_fail(&p->base, "out of memory");
    p->n++;
    p->cur = r;
    return 0;
}

static int begin_copy(indexstats *p, const char *shard)
{
    index_row *r = p->cur;
    if (r->ncopies == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        shard_copy *c = realloc(r->copies, cap * sizeof(*c));
        if (!c)
            return jsonparser_fail(&p->base, "out of memory");
        r->copies = c;
        r->cap = cap;
    }
    shard_copy *c = &r->copies[r->ncopies];
    memset(c, 0, sizeof(*c));
    if (!(c->shard = strdup(shard)))
        return jsonparser_fail(&p->base, "out of memory");
    r->ncopies++;
    p->copy = c;
    return 0;
}

/* indices(0).NAME(1) is an index; with shards, indices.NAME.shards.N(3).K(4)
 * is one copy of shard N. */
static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    indexstats *p = ctx;
    if (depth == 0 && is_array)
        return jsonparser_fail(&p->base, "expected a JSON object");
    if (depth < 2 || strcmp(path[0], "indices") != 0)
        return 0;
    if (depth == 2)
        return is_array ? jsonparser_fail(&p->base, "expected each index to be an object")
                        : begin_index(p, path[1]);
    if (depth == 5 && p->cur && p->o.shards && !is_array && strcmp(path[2], "shards") == 0)
        return begin_copy(p, path[3]);
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    indexstats *p = ctx;
    (void)path;
    (void)is_array;
    if (depth == 2)
        p->cur = NULL;
    if (depth == 5)
        p->copy = NULL;
    return 0;
}

static int find_row(const indexstats *p, const char *key)
{
    size_t lo = 0, hi = NROWS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->order[mid]->path, key);
        if (c == 0)
            return (int)(p->order[mid] - rows);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int copy_scalar(indexstats *p, const char *const *path, const jsonwalk_value *v)
{
    shard_copy *c = p->copy;
    const char *g = path[5], *f = path[6];
    double num = v->kind == JSONWALK_NUMBER ? v->num : 0;
    if (strcmp(g, "routing") == 0 && strcmp(f, "node") == 0 && v->kind == JSONWALK_STRING) {
        free(c->node);
        if (!(c->node = strndup(v->str, v->len)))
            return jsonparser_fail(&p->base, "out of memory");
    } else if (strcmp(g, "routing") == 0 && strcmp(f, "primary") == 0) {
        c->primary = v->kind == JSONWALK_BOOL && v->num != 0;
    } else if (strcmp(g, "docs") == 0 && strcmp(f, "count") == 0) {
        c->v[SH_DOCS] = num;
    } else if (strcmp(g, "docs") == 0 && strcmp(f, "deleted") == 0) {
        c->v[SH_DELETED] = num;
    } else if (strcmp(g, "store") == 0 && strcmp(f, "size_in_bytes") == 0) {
        c->v[SH_STORE] = num;
    }
    return 0;
}

/* "section.group.field" into key; 0 when it cannot be a row (snprintf was a
 * quarter of the parse time on 10,000 indices). */
static int join_key(char *key, size_t n, const char *const *seg)
{
    if (strcmp(seg[0], "total") != 0 && strcmp(seg[0], "primaries") != 0)
        return 0;
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(seg[i]);
        if (at + len + 2 > n)
            return 0;
        memcpy(key + at, seg[i], len);
        at += len;
        key[at++] = i < 2 ? '.' : '\0';
    }
    return 1;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    indexstats *p = ctx;
    if (!p->cur)
        return 0;
    if (depth == 7 && p->copy)
        return copy_scalar(p, path, v);
    if (depth != 5 || (v->kind != JSONWALK_NUMBER && v->kind != JSONWALK_BOOL))
        return 0;
    char key[192];
    if (!join_key(key, sizeof(key), path + 2))
        return 0;
    int r = find_row(p, key);
    if (r >= 0) {
        p->cur->v[r] = v->num / rows[r].div;
        p->cur->have[r] = 1;
    }
    return 0;
}

/* Row of primaries.store.size_in_bytes, which es.indices.max ranks by. */
#define STORE_ROW 4

static int cmp_size(const void *a, const void *b)
{
    const index_row *x = *(index_row *const *)a, *y = *(index_row *const *)b;
    if (x->v[STORE_ROW] != y->v[STORE_ROW])
        return x->v[STORE_ROW] > y->v[STORE_ROW] ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int emit_index(indexstats *p, const index_row *r)
{
    const char *lv[] = {r->name, p->cluster};
    int rc = 0;
    for (size_t i = 0; i < NROWS; i++)
        if (r->have[i] || !(rows[i].flags & OPTIONAL))
            rc |= metric_set_add(p->out, &rows[i].def, lv, r->v[i]);
    for (size_t k = 0; k < r->ncopies; k++) {
        const shard_copy *c = &r->copies[k];
        const char *sv[] = {r->name, c->shard, c->node ? c->node : "",
                            c->primary ? "true" : "false", p->cluster};
        for (int f = 0; f < SH_N; f++)
            rc |= metric_set_add(p->out, &shard_defs[f], sv, c->v[f]);
    }
    return rc;
}

/* The whole document is read: the largest indices, up to max, are emitted. */
static int done(void *ctx)
{
    indexstats *p = ctx;
    index_row **sorted = malloc((p->n ? p->n : 1) * sizeof(*sorted));
    if (!sorted)
        return jsonparser_fail(&p->base, "out of memory");
    for (size_t i = 0; i < p->n; i++)
        sorted[i] = &p->idx[i];
    size_t keep = p->n;
    if (p->o.max && p->n > p->o.max) {
        qsort(sorted, p->n, sizeof(*sorted), cmp_size);
        keep = p->o.max;
    }
    p->dropped = p->n - keep;
    int rc = 0;
    for (size_t i = 0; i < keep; i++)
        rc |= emit_index(p, sorted[i]);
    const char *cv[] = {p->cluster};
    rc |= metric_set_add(p->out, &def_dropped, cv, (double)p->dropped);
    free(sorted);
    return rc ? jsonparser_fail(&p->base, "out of memory") : 0;
}

int indexstats_finish(indexstats *p)
{
    return jsonparser_finish(&p->base);
}

size_t indexstats_def_count(void)
{
    return NROWS + SH_N + 1;
}

const metric_def *indexstats_def(size_t i)
{
    if (i < NROWS)
        return &rows[i].def;
    if (i < NROWS + SH_N)
        return &shard_defs[i - NROWS];
    return i == NROWS + SH_N ? &def_dropped : NULL;
}

PARSEROPS_ADAPT(indexstats)

esclient_err indexstats_run(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                            size_t errlen)
{
    const config *cfg = ctx->cfg;
    indexfilter *f = indexfilter_new(cfg->es_indices_include, cfg->es_indices_exclude, err, errlen);
    if (!f)
        return ESCLIENT_ERR_OTHER;
    indexstats_opts o = {.cluster = ctx->cluster,
                         .filter = f,
                         .max = (size_t)cfg->es_indices_max,
                         .shards = cfg->es_shards};
    indexstats *p = indexstats_new(out, &o);
    esclient_err e = ESCLIENT_ERR_OTHER;
    snprintf(err, errlen, "indices: out of memory");
    if (p)
        e = pacer_fetch(es, "indices", o.shards ? INDEXSTATS_PATH_SHARDS : INDEXSTATS_PATH,
                        indexstats_feed, indexstats_finish_v, indexstats_error_v, p, err, errlen);
    indexstats_free(p);
    indexfilter_free(f);
    return e;
}
