/* derived: indexes the raw families it needs per node (cluster + name) in one
 * pass each, then emits ratios from a table of numerator/denominator slots
 * plus a few special cases (disk watermarks, GC rate, imbalance). */
#include "derived.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "settings.h"
#include "strmap.h"

#define NONE ((size_t)-1)
#define SCROLL_LIMIT_DEFAULT 500.0 /* search.max_open_scroll_context when unset */
#define GIB 1073741824.0

/* ---- state ---- */

struct derived_state {
    strmap *gc; /* "cluster\x1fname\x1f" -> GC seconds (double) of the last poll */
    double t;
};

derived_state *derived_state_new(void)
{
    derived_state *st = calloc(1, sizeof(derived_state));
    if (st && !(st->gc = strmap_new(sizeof(double)))) {
        free(st);
        return NULL;
    }
    return st;
}

void derived_state_free(derived_state *st)
{
    if (!st)
        return;
    strmap_free(st->gc);
    free(st);
}

/* ---- per-node inputs ---- */

typedef enum {
    IN_MAPPED,
    IN_HEAP_USED,
    IN_HEAP_MAX,
    IN_GC,
    IN_OPEN_FILES,
    IN_MAX_FILES,
    IN_SCROLL,
    IN_DOCS,
    IN_DELETED,
    IN_MERGE,
    IN_OS_MEM,
    IN_CPU,
    IN_HTTP,
    IN_SHARDS_COUNT,
    IN_NODE_SHARDS,
    IN_FS_TOTAL_SIZE,
    IN_FS_TOTAL_AVAIL,
    IN_PRESSURE,
    IN_PRESSURE_LIMIT,
    /* computed from the above once everything is indexed */
    IN_RAM,
    IN_HEAP_GB,
    IN_DOCS_ALL,
    IN_SCROLL_LIMIT,
    IN_SHARDS,
    IN_FS_SIZE,  /* of the fullest data path, else fs.total */
    IN_FS_AVAIL, /* same path */
    IN_DISK_BYTES,
    NIN
} din;

typedef struct dnode {
    const char *cluster, *name; /* borrowed from raw */
    size_t cluster_idx;
    int data; /* es_data_node: 1 "true", 0 other, -1 not seen */
    double in[NIN];
    unsigned char has[NIN];
    double fs_used; /* fullest data path so far, when has[IN_FS_SIZE] */
} dnode;

typedef struct in_row {
    din slot;
    const char *family;
    const char *node_label;     /* label naming the node */
    const char *filter, *value; /* only samples with filter=value; NULL: all */
    int sum;                    /* add matching samples up (one per GC collector) */
    int create;                 /* a node first seen here is a node of the poll */
} in_row;

static const in_row in_table[] = {
    {IN_MAPPED, "elasticsearch_jvm_buffer_pool_used_bytes", "name", "type", "mapped", 0, 1},
    {IN_HEAP_USED, "elasticsearch_jvm_memory_used_bytes", "name", "area", "heap", 0, 1},
    {IN_HEAP_MAX, "elasticsearch_jvm_memory_max_bytes", "name", "area", "heap", 0, 1},
    {IN_GC, "elasticsearch_jvm_gc_collection_seconds_sum", "name", NULL, NULL, 1, 1},
    {IN_OPEN_FILES, "elasticsearch_process_open_files_count", "name", NULL, NULL, 0, 1},
    {IN_MAX_FILES, "elasticsearch_process_max_files_descriptors", "name", NULL, NULL, 0, 1},
    {IN_SCROLL, "elasticsearch_indices_search_scroll_current", "name", NULL, NULL, 0, 1},
    {IN_DOCS, "elasticsearch_indices_docs", "name", NULL, NULL, 0, 1},
    {IN_DELETED, "elasticsearch_indices_docs_deleted", "name", NULL, NULL, 0, 1},
    {IN_MERGE, "elasticsearch_indices_merges_current_size_in_bytes", "name", NULL, NULL, 0, 1},
    {IN_OS_MEM, "elasticsearch_os_mem_total_bytes", "name", NULL, NULL, 0, 1},
    {IN_CPU, "elasticsearch_os_cpu_percent", "name", NULL, NULL, 0, 1},
    {IN_HTTP, "elasticsearch_http_open_connections", "name", NULL, NULL, 0, 1},
    {IN_SHARDS_COUNT, "elasticsearch_indices_shards", "name", NULL, NULL, 0, 1},
    /* _cat/shards knows nodes the node-stats poll may not (local mode) */
    {IN_NODE_SHARDS, "elasticsearch_node_shards_total", "node", NULL, NULL, 0, 0},
    {IN_FS_TOTAL_SIZE, "elasticsearch_filesystem_total_size_bytes", "name", NULL, NULL, 0, 1},
    {IN_FS_TOTAL_AVAIL, "elasticsearch_filesystem_total_available_bytes", "name", NULL, NULL, 0, 1},
    {IN_PRESSURE, "elasticsearch_indexing_pressure_current_all_in_bytes", "name",
     "indexing_pressure", "memory", 0, 1},
    {IN_PRESSURE_LIMIT, "elasticsearch_indexing_pressure_limit_in_bytes", "name",
     "indexing_pressure", "memory", 0, 1},
};

/* ---- output definitions ---- */

#define NODE_LABELS                                                                                \
    {                                                                                              \
        "cluster", "name", NULL                                                                    \
    }
#define GAUGE(n, h, ...)                                                                           \
    {                                                                                              \
        n, METRIC_GAUGE, h, __VA_ARGS__                                                            \
    }

/* num / den per node; complement: 1 - num / den. */
typedef struct ratio_row {
    metric_def def;
    din num, den;
    int complement;
} ratio_row;

static const ratio_row ratio_table[] = {
    {GAUGE("esvigil_mapped_buffers_ratio",
           "Mapped (mmap) JVM buffers / RAM (host MemTotal for the local node, os.mem.total "
           "otherwise): segment files kept mapped, e.g. merged-away ones held by leaked scroll "
           "contexts (seed 000).",
           NODE_LABELS),
     IN_MAPPED, IN_RAM, 0},
    {GAUGE("esvigil_heap_to_ram_ratio",
           "JVM max heap / RAM: above 0.5 the heap starves Lucene of OS page cache (seeds 001, "
           "004).",
           NODE_LABELS),
     IN_HEAP_MAX, IN_RAM, 0},
    {GAUGE("esvigil_heap_used_ratio",
           "JVM heap used / max heap: sustained high values precede parent breaker trips and "
           "memory flow control (seeds 002, 003).",
           NODE_LABELS),
     IN_HEAP_USED, IN_HEAP_MAX, 0},
    {GAUGE("esvigil_fd_ratio",
           "Open file descriptors / max file descriptors, as Elasticsearch sees them: at 1 new "
           "segments and sockets fail (seed 000).",
           NODE_LABELS),
     IN_OPEN_FILES, IN_MAX_FILES, 0},
    {GAUGE("esvigil_scroll_contexts_ratio",
           "Open scroll contexts / search.max_open_scroll_context (default 500): leaked scrolls "
           "pin deleted segment files in memory (seed 000).",
           NODE_LABELS),
     IN_SCROLL, IN_SCROLL_LIMIT, 0},
    {GAUGE("esvigil_deleted_docs_ratio",
           "Deleted docs / (docs + deleted docs): space and search work spent on documents "
           "merges have not yet expunged (seed 004).",
           NODE_LABELS),
     IN_DELETED, IN_DOCS_ALL, 0},
    {GAUGE("esvigil_disk_used_ratio",
           "Used share of the fullest data path (1 - available / size; fs.total when no data "
           "paths are reported): compare with esvigil_disk_watermark_ratio (seed 001).",
           NODE_LABELS),
     IN_FS_AVAIL, IN_FS_SIZE, 1},
    {GAUGE("esvigil_merge_to_free_ratio",
           "Bytes under merge / available bytes on the fullest data path: near 1 a deep merge "
           "can fill the disk and stall at the low watermark (seed 001).",
           NODE_LABELS),
     IN_MERGE, IN_FS_AVAIL, 0},
    {GAUGE("esvigil_shards_per_heap_gigabyte",
           "Shards on the node per GiB of max heap: above 20 the per-shard heap overhead "
           "crowds out queries (seeds 001, 004).",
           NODE_LABELS),
     IN_SHARDS, IN_HEAP_GB, 0},
    {GAUGE("esvigil_indexing_pressure_ratio",
           "Memory held by indexing requests in flight (coordinating, primary and replica) / "
           "indexing_pressure.memory.limit: at 1 ES rejects writes with 429s, its built-in form "
           "of the flow control of seed 003 (ES 7.9+).",
           NODE_LABELS),
     IN_PRESSURE, IN_PRESSURE_LIMIT, 0},
};
#define NRATIOS (sizeof(ratio_table) / sizeof(ratio_table[0]))

/* Label-less host families from procfs: num / den (or 1 - num / den). */
typedef struct host_row {
    metric_def def;
    const char *num, *den;
    int complement;
} host_row;

static const host_row host_table[] = {
    {GAUGE("esvigil_host_memory_used_ratio",
           "1 - MemAvailable / MemTotal: with mapped segment files this nears 1 while the heap "
           "looks healthy (seed 000).",
           {NULL}),
     "esvigil_host_memory_available_bytes", "esvigil_host_memory_total_bytes", 1},
    {GAUGE("esvigil_host_map_count_ratio",
           "Memory maps of the Elasticsearch process / vm.max_map_count: at 1 mmap fails and "
           "the node dies (seed 000).",
           {NULL}),
     "esvigil_host_es_process_maps", "esvigil_host_vm_map_areas_max", 0},
    {GAUGE("esvigil_host_deleted_mapped_ratio",
           "Bytes of deleted files still mapped by the Elasticsearch process / MemTotal: the "
           "fingerprint of leaked scroll contexts (seed 000).",
           {NULL}),
     "esvigil_host_es_process_deleted_mapped_bytes", "esvigil_host_memory_total_bytes", 0},
    {GAUGE("esvigil_host_fd_ratio",
           "Open fds of the Elasticsearch process / its open-files limit (/proc view; no sample "
           "when unlimited) (seed 000).",
           {NULL}),
     "esvigil_host_es_process_open_fds", "esvigil_host_es_process_max_fds", 0},
};
#define NHOST (sizeof(host_table) / sizeof(host_table[0]))

static const metric_def def_breaker =
    GAUGE("esvigil_breaker_ratio",
          "Circuit breaker estimated size / limit: at 1 requests fail with \"Data too large\" and "
          "429s (seed 002).",
          {"cluster", "name", "breaker", NULL});
static const metric_def def_gc =
    GAUGE("esvigil_gc_time_ratio",
          "Share of wall time spent in JVM garbage collection between the last two polls: rising "
          "with heap pressure before breaker trips (seeds 002, 003).",
          NODE_LABELS);
static const metric_def def_wm_ratio =
    GAUGE("esvigil_disk_watermark_ratio",
          "Used share of the fullest data path at which it crosses the disk watermark (low: no new "
          "shards, high: shards move away, flood_stage: indices read-only) (seed 001).",
          {"cluster", "name", "watermark", NULL});
static const metric_def def_wm_headroom =
    GAUGE("esvigil_disk_watermark_headroom_bytes",
          "Available bytes on the fullest data path minus the free space the watermark requires; "
          "negative once past it (seed 001).",
          {"cluster", "name", "watermark", NULL});
static const metric_def def_imbalance =
    GAUGE("esvigil_imbalance_ratio",
          "Max / mean across the data nodes of a cluster (shards, used disk bytes, OS CPU percent, "
          "open HTTP connections): hot nodes from uneven shards or pinned clients (seed 004).",
          {"cluster", "dimension", NULL});
static const metric_def def_imbalance_mean =
    GAUGE("esvigil_imbalance_mean",
          "Mean across the data nodes of esvigil_imbalance_ratio's dimension: a spread of tiny "
          "numbers (3 shards against 1) is no imbalance.",
          {"cluster", "dimension", NULL});
static const metric_def def_imbalance_node =
    GAUGE("esvigil_imbalance_max_node",
          "1 for the data node holding the maximum of esvigil_imbalance_ratio's dimension.",
          {"cluster", "dimension", "name", NULL});

static const metric_def *const all_defs[] = {
    &ratio_table[0].def, &ratio_table[1].def, &ratio_table[2].def, &ratio_table[3].def,
    &ratio_table[4].def, &ratio_table[5].def, &ratio_table[6].def, &ratio_table[7].def,
    &ratio_table[8].def, &ratio_table[9].def, &host_table[0].def,  &host_table[1].def,
    &host_table[2].def,  &host_table[3].def,  &def_breaker,        &def_gc,
    &def_wm_ratio,       &def_wm_headroom,    &def_imbalance,      &def_imbalance_node,
    &def_imbalance_mean,
};
_Static_assert(sizeof(all_defs) / sizeof(all_defs[0]) == NRATIOS + NHOST + 7,
               "every output family is listed in all_defs");

size_t derived_def_count(void)
{
    return sizeof(all_defs) / sizeof(all_defs[0]);
}

const metric_def *derived_def(size_t i)
{
    return i < derived_def_count() ? all_defs[i] : NULL;
}

/* ---- imbalance dimensions ---- */

typedef struct dim_row {
    const char *name;
    din slot;
} dim_row;

static const dim_row dim_table[] = {
    {"shards", IN_SHARDS},
    {"disk", IN_DISK_BYTES},
    {"cpu", IN_CPU},
    {"http_connections", IN_HTTP},
};
#define NDIMS (sizeof(dim_table) / sizeof(dim_table[0]))

typedef struct dim_acc {
    size_t n, argmax;
    double sum, max;
} dim_acc;

/* ---- the work of one call ---- */

typedef struct ctx {
    const metric_set *raw;
    metric_set *out;
    strmap *nodes; /* "cluster\x1fname\x1f" -> index into node (ids are the indexes) */
    dnode *node;
    size_t nnodes, cap;
    strmap *clusters; /* cluster name -> cluster_idx (ids are the indexes) */
    buf key;
    int oom;
} ctx;

static const char *lv(const metric_family *f, size_t i, size_t j)
{
    return j == NONE ? "" : metric_family_label_value(f, i, j);
}

static size_t label_idx(const metric_family *f, const char *name)
{
    for (size_t j = 0; name && j < metric_family_label_count(f); j++)
        if (strcmp(metric_family_label_name(f, j), name) == 0)
            return j;
    return NONE;
}

/* parts joined by \x1f, in c->key; NULL (and c->oom) on allocation failure. */
static const char *mkkey(ctx *c, const char *const *parts, size_t n)
{
    buf_reset(&c->key);
    for (size_t k = 0; k < n; k++) {
        buf_puts(&c->key, parts[k]);
        buf_putc(&c->key, '\x1f');
    }
    if (c->key.failed)
        c->oom = 1;
    return c->key.failed ? NULL : c->key.data;
}

static int cluster_index(ctx *c, const char *cluster, size_t *idx)
{
    *idx = strmap_add(c->clusters, cluster, NULL);
    return *idx == STRMAP_NONE ? -1 : 0;
}

/* The node the map just gave id: nodes are only created here, right after
 * their key, so map ids and node indexes stay equal. */
static dnode *node_create(ctx *c, size_t id, const char *cluster, const char *name)
{
    assert(id == c->nnodes);
    if (c->nnodes == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        dnode *p = realloc(c->node, cap * sizeof(*p));
        if (!p)
            return NULL;
        c->node = p;
        c->cap = cap;
    }
    dnode *n = &c->node[c->nnodes];
    memset(n, 0, sizeof(*n));
    n->cluster = cluster;
    n->name = name;
    n->data = -1;
    if (cluster_index(c, cluster, &n->cluster_idx) < 0)
        return NULL;
    c->nnodes++;
    return n;
}

/* Label positions of a node family, found once per family. */
typedef struct fam_ix {
    size_t cluster, name, data;
} fam_ix;

static fam_ix fam_index(const metric_family *f, const char *node_label)
{
    fam_ix ix = {label_idx(f, "cluster"), label_idx(f, node_label), label_idx(f, "es_data_node")};
    return ix;
}

/* The node of sample i; NULL when absent and !create, or (c->oom) on OOM. */
static dnode *node_of(ctx *c, const metric_family *f, size_t i, const fam_ix *ix, int create)
{
    const char *parts[] = {lv(f, i, ix->cluster), lv(f, i, ix->name)};
    const char *key = mkkey(c, parts, 2);
    if (!key)
        return NULL;
    int created = 0;
    size_t id = create ? strmap_add(c->nodes, key, &created) : strmap_get(c->nodes, key);
    dnode *n = NULL;
    if (id != STRMAP_NONE)
        n = created ? node_create(c, id, parts[0], parts[1]) : &c->node[id];
    if (!n && create)
        c->oom = 1;
    if (n && n->data < 0 && ix->data != NONE)
        n->data = strcmp(lv(f, i, ix->data), "true") == 0;
    return n;
}

static void set_in(dnode *n, din slot, double v, int sum)
{
    n->in[slot] = (sum && n->has[slot]) ? n->in[slot] + v : v;
    n->has[slot] = 1;
}

static void index_row(ctx *c, const in_row *r)
{
    const metric_family *f = metric_set_find(c->raw, r->family);
    if (!f)
        return;
    fam_ix ix = fam_index(f, r->node_label);
    size_t fj = label_idx(f, r->filter);
    if (ix.name == NONE || (r->filter && fj == NONE))
        return;
    for (size_t i = 0; i < metric_family_sample_count(f) && !c->oom; i++) {
        if (r->filter && strcmp(lv(f, i, fj), r->value) != 0)
            continue;
        dnode *n = node_of(c, f, i, &ix, r->create);
        if (n)
            set_in(n, r->slot, metric_family_value(f, i), r->sum);
    }
}

/* Pairs sample of num with the sample of den carrying the same node and
 * extra labels, then calls fn. */
typedef int (*pair_fn)(ctx *c, dnode *n, const char *const *extra, double num, double den);

#define PAIR_MAX_EXTRA 2

static int index_pairs(ctx *c, const char *num_family, const char *den_family,
                       const char *const *extra, size_t nextra, pair_fn fn)
{
    const metric_family *fn_ = metric_set_find(c->raw, num_family);
    const metric_family *fd = metric_set_find(c->raw, den_family);
    if (!fn_ || !fd)
        return 0;
    strmap *dens = strmap_new(sizeof(double)); /* the denominators by key */
    const metric_family *fams[2] = {fd, fn_};
    int rc = dens ? 0 : -1;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        const metric_family *f = fams[pass];
        fam_ix ix = fam_index(f, "name");
        size_t xj[PAIR_MAX_EXTRA];
        for (size_t k = 0; k < nextra; k++)
            xj[k] = label_idx(f, extra[k]);
        for (size_t i = 0; i < metric_family_sample_count(f) && !rc; i++) {
            const char *parts[2 + PAIR_MAX_EXTRA] = {lv(f, i, ix.cluster), lv(f, i, ix.name)};
            for (size_t k = 0; k < nextra; k++)
                parts[2 + k] = lv(f, i, xj[k]);
            const char *key = mkkey(c, parts, 2 + nextra);
            size_t id = !key        ? STRMAP_NONE
                        : pass == 0 ? strmap_add(dens, key, NULL)
                                    : strmap_get(dens, key);
            if (pass == 0 && id == STRMAP_NONE) {
                rc = -1;
            } else if (pass == 0) {
                *(double *)strmap_value(dens, id) = metric_family_value(f, i);
            } else if (id != STRMAP_NONE) {
                dnode *n = node_of(c, f, i, &ix, 1);
                double den = *(double *)strmap_value(dens, id);
                rc = n ? fn(c, n, parts + 2, metric_family_value(f, i), den) : -1;
            }
            rc = c->oom ? -1 : rc;
        }
    }
    strmap_free(dens);
    if (rc)
        c->oom = 1;
    return rc;
}

static int usable(double num, double den)
{
    return isfinite(num) && isfinite(den) && num >= 0 && den > 0;
}

static int add_node(ctx *c, const metric_def *d, const dnode *n, const char *extra, double v)
{
    const char *vals[] = {n->cluster, n->name, extra};
    return metric_set_add(c->out, d, vals, v);
}

/* num = estimated, den = limit (-1 when the breaker has none). */
static int pair_breaker(ctx *c, dnode *n, const char *const *extra, double num, double den)
{
    return usable(num, den) ? add_node(c, &def_breaker, n, extra[0], num / den) : 0;
}

/* num = available, den = size of one data path: keeps the fullest. */
static int pair_fs_data(ctx *c, dnode *n, const char *const *extra, double num, double den)
{
    (void)c;
    (void)extra;
    if (!usable(num, den))
        return 0;
    double used = 1 - num / den;
    if (!n->has[IN_FS_SIZE] || used > n->fs_used) {
        set_in(n, IN_FS_SIZE, den, 0);
        set_in(n, IN_FS_AVAIL, num, 0);
        n->fs_used = used;
    }
    return 0;
}

static int index_all(ctx *c)
{
    for (size_t r = 0; r < sizeof(in_table) / sizeof(in_table[0]) && !c->oom; r++)
        index_row(c, &in_table[r]);
    static const char *const breaker[] = {"breaker"}, *const path[] = {"mount", "path"};
    if (!c->oom)
        index_pairs(c, "elasticsearch_breakers_estimated_size_bytes",
                    "elasticsearch_breakers_limit_size_bytes", breaker, 1, pair_breaker);
    if (!c->oom)
        index_pairs(c, "elasticsearch_filesystem_data_available_bytes",
                    "elasticsearch_filesystem_data_size_bytes", path, 2, pair_fs_data);
    return c->oom ? -1 : 0;
}

/* ---- computed slots ---- */

static int label_less(const metric_set *raw, const char *name, double *v)
{
    return metric_set_lookup(raw, name, NULL, v) && isfinite(*v);
}

static int is_local(const ctx *c, const dnode *n, const derived_opts *o)
{
    if (o->local_node)
        return strcmp(n->name, o->local_node) == 0;
    return c->nnodes == 1;
}

static void compute_slots(ctx *c, const derived_opts *o)
{
    double host_ram, scroll_limit = SCROLL_LIMIT_DEFAULT;
    int have_host_ram = label_less(c->raw, "esvigil_host_memory_total_bytes", &host_ram);
    label_less(c->raw, "elasticsearch_clustersettings_search_max_open_scroll_context",
               &scroll_limit);
    for (size_t i = 0; i < c->nnodes; i++) {
        dnode *n = &c->node[i];
        /* the host's own view wins for the local node: ES may see a cgroup or
         * report nothing; it falls back to ES's view when procfs failed */
        if (have_host_ram && is_local(c, n, o))
            set_in(n, IN_RAM, host_ram, 0);
        else if (n->has[IN_OS_MEM])
            set_in(n, IN_RAM, n->in[IN_OS_MEM], 0);
        if (n->has[IN_HEAP_MAX])
            set_in(n, IN_HEAP_GB, n->in[IN_HEAP_MAX] / GIB, 0);
        if (n->has[IN_DOCS] && n->has[IN_DELETED])
            set_in(n, IN_DOCS_ALL, n->in[IN_DOCS] + n->in[IN_DELETED], 0);
        set_in(n, IN_SCROLL_LIMIT, scroll_limit, 0);
        if (n->has[IN_SHARDS_COUNT])
            set_in(n, IN_SHARDS, n->in[IN_SHARDS_COUNT], 0);
        else if (n->has[IN_NODE_SHARDS])
            set_in(n, IN_SHARDS, n->in[IN_NODE_SHARDS], 0);
        int total = n->has[IN_FS_TOTAL_SIZE] && n->has[IN_FS_TOTAL_AVAIL];
        if (total && !n->has[IN_FS_SIZE]) {
            set_in(n, IN_FS_SIZE, n->in[IN_FS_TOTAL_SIZE], 0);
            set_in(n, IN_FS_AVAIL, n->in[IN_FS_TOTAL_AVAIL], 0);
        }
        if (total)
            set_in(n, IN_DISK_BYTES, n->in[IN_FS_TOTAL_SIZE] - n->in[IN_FS_TOTAL_AVAIL], 0);
    }
}

/* ---- emitters ---- */

static int emit_ratios(ctx *c)
{
    for (size_t r = 0; r < NRATIOS; r++) {
        const ratio_row *row = &ratio_table[r];
        for (size_t i = 0; i < c->nnodes; i++) {
            const dnode *n = &c->node[i];
            if (!n->has[row->num] || !n->has[row->den] || !usable(n->in[row->num], n->in[row->den]))
                continue;
            double v = n->in[row->num] / n->in[row->den];
            if (add_node(c, &row->def, n, NULL, row->complement ? 1 - v : v) < 0)
                return -1;
        }
    }
    return 0;
}

static int emit_host(ctx *c)
{
    for (size_t r = 0; r < NHOST; r++) {
        const host_row *row = &host_table[r];
        double num, den; /* +Inf (unlimited fds) is not usable: no sample */
        if (!label_less(c->raw, row->num, &num) || !label_less(c->raw, row->den, &den) ||
            !usable(num, den))
            continue;
        double v = num / den;
        if (metric_set_add(c->out, &row->def, NULL, row->complement ? 1 - v : v) < 0)
            return -1;
    }
    return 0;
}

/* The watermark model is settings.h's; here it is read back from the
 * families settings exported (the settings themselves may come from another
 * poll's parser, or from a test). */
static void read_watermark(const metric_set *raw, const char *which, settings_watermark *w)
{
    char name[128];
    double v;
    w->kind = SETTINGS_WM_NONE;
    w->max_headroom = -1;
    snprintf(name, sizeof(name), "elasticsearch_clustersettings_allocation_watermark_%s_ratio",
             which);
    if (label_less(raw, name, &v) && v >= 0 && v <= 1) {
        w->kind = SETTINGS_WM_RATIO;
        w->value = v;
        snprintf(name, sizeof(name),
                 "elasticsearch_clustersettings_allocation_watermark_%s_max_headroom_bytes", which);
        if (label_less(raw, name, &v) && v >= 0)
            w->max_headroom = v;
        return;
    }
    snprintf(name, sizeof(name), "elasticsearch_clustersettings_allocation_watermark_%s_bytes",
             which);
    if (label_less(raw, name, &v) && v >= 0) {
        w->kind = SETTINGS_WM_BYTES;
        w->value = v;
    }
}

/* Major version of the first node of raw, or -1. */
static int es_major(const metric_set *raw)
{
    const metric_family *f = metric_set_find(raw, "elasticsearch_node_info");
    for (size_t j = 0; f && metric_family_sample_count(f) && j < metric_family_label_count(f); j++)
        if (strcmp(metric_family_label_name(f, j), "version") == 0)
            return atoi(metric_family_label_value(f, 0, j));
    return -1;
}

/* Whether ES acts on a watermark. With the disk decider off it acts on none.
 * Before 8.0 (and in OpenSearch, which forked from 7.10) the allocation
 * decider ignores the low and high watermarks on a cluster with a single
 * data node unless enable_for_single_data_node is true; 8.x accepts only
 * true. The flood stage block comes from the disk monitor, which that
 * setting does not govern. Unknown settings: assume ES's defaults. */
static int wm_enforced(const metric_set *raw, const char *wm)
{
    double v;
    if (label_less(raw, "elasticsearch_clustersettings_allocation_threshold_enabled", &v) && v == 0)
        return 0;
    if (strcmp(wm, "flood_stage") == 0)
        return 1;
    int major = es_major(raw);
    double data_nodes, single;
    if (major < 0 || major >= 8 ||
        !label_less(raw, "elasticsearch_cluster_health_number_of_data_nodes", &data_nodes) ||
        data_nodes != 1)
        return 1;
    return label_less(
               raw,
               "elasticsearch_clustersettings_allocation_watermark_enable_for_single_data_node",
               &single) &&
           single == 1;
}

static int emit_watermarks(ctx *c)
{
    static const char *const names[] = {"low", "high", "flood_stage"};
    settings_watermark wm[3];
    for (size_t k = 0; k < 3; k++) {
        read_watermark(c->raw, names[k], &wm[k]);
        if (wm[k].kind != SETTINGS_WM_NONE && !wm_enforced(c->raw, names[k]))
            wm[k].kind = SETTINGS_WM_NONE; /* ES ignores it: no headroom to run out of */
    }
    for (size_t i = 0; i < c->nnodes; i++) {
        const dnode *n = &c->node[i];
        double size = n->in[IN_FS_SIZE], avail = n->in[IN_FS_AVAIL];
        if (!n->has[IN_FS_SIZE] || !usable(avail, size))
            continue;
        for (size_t k = 0; k < 3; k++) {
            if (wm[k].kind == SETTINGS_WM_NONE)
                continue;
            double req = settings_watermark_required_free(&wm[k], size);
            /* a byte watermark above the disk size is always crossed: 0, not < 0 */
            double ratio = req >= size ? 0 : 1 - req / size;
            if (add_node(c, &def_wm_ratio, n, names[k], ratio) < 0 ||
                add_node(c, &def_wm_headroom, n, names[k], avail - req) < 0)
                return -1;
        }
    }
    return 0;
}

static int emit_gc(ctx *c, const derived_opts *o, derived_state *st)
{
    /* a fresh map: nodes gone from this poll drop out of the state */
    strmap *next = strmap_new(sizeof(double));
    for (size_t i = 0; next && i < c->nnodes; i++) {
        const dnode *n = &c->node[i];
        if (!n->has[IN_GC] || !isfinite(n->in[IN_GC]))
            continue;
        const char *parts[] = {n->cluster, n->name};
        const char *key = mkkey(c, parts, 2);
        size_t id = key ? strmap_add(next, key, NULL) : STRMAP_NONE;
        if (id == STRMAP_NONE)
            goto fail;
        *(double *)strmap_value(next, id) = n->in[IN_GC];
        const double *prev = strmap_value_of(st->gc, key);
        double dt = o->now - st->t, dgc = prev ? n->in[IN_GC] - *prev : -1;
        /* dgc < 0: the JVM restarted and its counter began again */
        if (prev && dt > 0 && dgc >= 0 && isfinite(dt) &&
            add_node(c, &def_gc, n, NULL, dgc / dt) < 0)
            goto fail;
    }
    if (!next)
        return -1;
    strmap_free(st->gc);
    st->gc = next;
    st->t = o->now;
    return 0;
fail:
    strmap_free(next);
    return -1;
}

static int emit_imbalance(ctx *c)
{
    size_t nclusters = strmap_count(c->clusters);
    dim_acc *acc = calloc(nclusters * NDIMS + 1, sizeof(*acc));
    if (!acc)
        return -1;
    for (size_t i = 0; i < c->nnodes; i++) {
        const dnode *n = &c->node[i];
        for (size_t d = 0; d < NDIMS && n->data == 1; d++) {
            double v = n->in[dim_table[d].slot];
            /* ES reports -1 for an unavailable CPU percent */
            if (!n->has[dim_table[d].slot] || !isfinite(v) || v < 0)
                continue;
            dim_acc *a = &acc[n->cluster_idx * NDIMS + d];
            if (!a->n || v > a->max) {
                a->max = v;
                a->argmax = i;
            }
            a->n++;
            a->sum += v;
        }
    }
    int rc = 0;
    for (size_t k = 0; k < nclusters * NDIMS && !rc; k++) {
        const dim_acc *a = &acc[k];
        double mean = a->n ? a->sum / (double)a->n : 0;
        if (a->n < 2 || !(mean > 0))
            continue;
        const char *vals[] = {strmap_key(c->clusters, k / NDIMS), dim_table[k % NDIMS].name,
                              c->node[a->argmax].name};
        rc = metric_set_add(c->out, &def_imbalance, vals, a->max / mean) < 0 ||
             metric_set_add(c->out, &def_imbalance_mean, vals, mean) < 0 ||
             metric_set_add(c->out, &def_imbalance_node, vals, 1) < 0;
    }
    free(acc);
    return rc ? -1 : 0;
}

int derived_compute(const metric_set *raw, const derived_opts *o, derived_state *st,
                    metric_set *out)
{
    static const derived_opts none = {NULL, 0};
    if (!raw || !out || (const metric_set *)out == raw)
        return -1;
    o = o ? o : &none;
    ctx c = {.raw = raw, .out = out, .nodes = strmap_new(0), .clusters = strmap_new(0)};
    buf_init(&c.key);
    int rc = c.nodes && c.clusters ? index_all(&c) : -1;
    if (!rc)
        compute_slots(&c, o);
    /* the GC state goes last so that a failure leaves it as it was */
    if (rc || emit_ratios(&c) || emit_host(&c) || emit_watermarks(&c) || emit_imbalance(&c) ||
        (st && emit_gc(&c, o, st)))
        rc = -1;
    strmap_free(c.nodes);
    strmap_free(c.clusters);
    free(c.node);
    buf_free(&c.key);
    return rc;
}
