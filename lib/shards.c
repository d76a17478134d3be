/* shards: streams _cat/shards rows through catjson into strmap-held per-node
 * aggregates; one reused row buffer, so memory follows distinct names only. */
#include "shards.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catjson.h"
#include "jsonwalk.h"
#include "strmap.h"
#include "units.h"

/* ---- (node, index) -> shard count ---- */

typedef struct pair {
    uint32_t node, index; /* node == UINT32_MAX: empty slot */
    size_t count;
} pair;

typedef struct pairtab {
    pair *slot;
    size_t n, nslot;
} pairtab;

static size_t pairtab_probe(const pairtab *t, uint32_t node, uint32_t index)
{
    size_t mask = t->nslot - 1;
    uint64_t h = ((uint64_t)node << 32 | index) * 0x9E3779B97F4A7C15ull;
    for (size_t i = (size_t)(h >> 17) & mask;; i = (i + 1) & mask) {
        const pair *e = &t->slot[i];
        if (e->node == UINT32_MAX || (e->node == node && e->index == index))
            return i;
    }
}

static int pairtab_rehash(pairtab *t)
{
    size_t nslot = t->nslot ? t->nslot * 2 : 256;
    pair *slot = malloc(nslot * sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < nslot; i++)
        slot[i].node = UINT32_MAX;
    pairtab old = *t;
    t->slot = slot;
    t->nslot = nslot;
    for (size_t i = 0; i < old.nslot; i++)
        if (old.slot[i].node != UINT32_MAX)
            t->slot[pairtab_probe(t, old.slot[i].node, old.slot[i].index)] = old.slot[i];
    free(old.slot);
    return 0;
}

static int pairtab_add(pairtab *t, uint32_t node, uint32_t index)
{
    if ((t->n + 1) * 2 > t->nslot && pairtab_rehash(t) < 0)
        return -1;
    pair *e = &t->slot[pairtab_probe(t, node, index)];
    if (e->node == UINT32_MAX) {
        e->node = node;
        e->index = index;
        e->count = 0;
        t->n++;
    }
    e->count++;
    return 0;
}

/* ---- the parser ---- */

/* Row fields we read (catjson's columns); any other column is ignored. */
enum { F_INDEX, F_STATE, F_NODE, F_REASON, F_STORE, NFIELDS };
static const char *const field_keys[NFIELDS] = {"index", "state", "node", "unassigned.reason",
                                                "store"};

/* Always reported so dashboards and alerts can compare against 0. */
static const char *const known_states[] = {"STARTED", "INITIALIZING", "RELOCATING", "UNASSIGNED"};
static const char *const known_reasons[] = {"ALLOCATION_FAILED"};

enum { DEF_NODE_TOTAL, DEF_INDEX_MAX, DEF_LARGEST, DEF_UNASSIGNED, DEF_STATES, NDEFS };
static const metric_def shards_defs[NDEFS] = {
    {"elasticsearch_node_shards_total", METRIC_GAUGE, "Total shards per node", {"node", "cluster"}},
    {"elasticsearch_node_shards_index_max",
     METRIC_GAUGE,
     "Most shards of a single index assigned to the node",
     {"node", "cluster"}},
    {"elasticsearch_node_shard_largest_bytes",
     METRIC_GAUGE,
     "Store size of the largest shard on the node",
     {"node", "cluster"}},
    {"elasticsearch_cluster_unassigned_shards",
     METRIC_GAUGE,
     "Unassigned shards by unassigned.reason (UNKNOWN when ES gave none)",
     {"cluster", "reason"}},
    {"elasticsearch_cluster_shards", METRIC_GAUGE, "Shards by state", {"cluster", "state"}},
};

/* All zero is the state of a node not seen yet. */
typedef struct node_agg {
    size_t started;
    size_t imax; /* counted as the rows come while each index's rows are one run */
    uint32_t imax_index;
    uint32_t run_index; /* 1 + the index whose run is counting in run_count; 0: none */
    size_t run_count;
    int has_size;
    double largest;
} node_agg;

/* One (node, index) per assigned row, kept in case an index's rows turn out not to be one run. */
typedef struct pairlog {
    uint32_t (*row)[2];
    size_t n, cap;
} pairlog;

struct shards {
    metric_set *out;
    char *cluster;
    catjson *scan;
    strmap *nodes;            /* node name -> node_agg */
    strmap *indices;          /* index names, interned for the pair table */
    strmap *states, *reasons; /* name -> size_t count */
    pairlog log;
    int ungrouped; /* an index came back after another's rows: maxima from the log at finish */
    /* the id each map gave last: rows of one index and one state come in runs */
    size_t last_index, last_state;
    size_t total;
    uint32_t *order; /* node ids sorted by name, after finish */
    /* the row being read */
    buf field[NFIELDS];
    int set[NFIELDS];
    double store_num; /* a numeric "store" (hand-made input) */
    int store_is_num;
    buf num; /* scratch for NUL-terminating a number for strtod */
    int finished;
};

/* A field's bytes are read only while it is set, so they stay as they are. */
static void row_reset(shards *p)
{
    memset(p->set, 0, sizeof(p->set));
    p->store_is_num = 0;
}

/* strmap_put, but first the key of *last (s holds no NUL: on_value refuses them). */
static size_t put_again(strmap *tab, size_t *last, const char *s, size_t len)
{
    if (*last != STRMAP_NONE) {
        const char *k = strmap_key(tab, *last);
        if (strncmp(k, s, len) == 0 && k[len] == '\0')
            return *last;
    }
    return *last = strmap_put(tab, s, len, NULL);
}

/* Counts s in a name -> size_t map. */
static int count_name(strmap *tab, const char *s, size_t len)
{
    size_t id = strmap_put(tab, s, len, NULL);
    if (id == STRMAP_NONE)
        return -1;
    (*(size_t *)strmap_value(tab, id))++;
    return 0;
}

/* A RELOCATING row names "src -> ip id dst"; the shard still lives on src. */
static size_t source_node_len(const char *node, size_t len)
{
    /* memchr first: most node names have no blank at all, and memmem's setup cost more */
    const char *sp = memchr(node, ' ', len);
    const char *arrow = sp ? memmem(sp, len - (size_t)(sp - node), " -> ", 4) : NULL;
    return arrow ? (size_t)(arrow - node) : len;
}

/* bytes=b prints the store as plain digits: up to 15 of them are exact in a
 * double, the value jsonwalk_number gives too, for a fifth of its work. */
static int plain_digits(const char *s, size_t len, double *v)
{
    if (len == 0 || len > 15)
        return -1;
    uint64_t m = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return -1;
        m = m * 10 + d;
    }
    *v = (double)m;
    return 0;
}

/* The row's store in bytes, or -1 when absent or unreadable. */
static double row_store(const shards *p)
{
    if (p->store_is_num)
        return p->store_num >= 0 ? p->store_num : -1;
    if (!p->set[F_STORE])
        return -1;
    const char *s = p->field[F_STORE].data;
    size_t len = p->field[F_STORE].len;
    char *end;
    double v;
    if (plain_digits(s, len, &v) == 0 || (jsonwalk_number(s, len, &v) == 0 && v >= 0))
        return v;
    errno = 0;
    v = strtod(s, &end);
    if (end != s && *end == '\0' && errno == 0 && v >= 0 && isfinite(v))
        return v;
    /* without bytes=b, cat prints human sizes such as "36.4mb" */
    return units_parse_bytes(s, &v) == 0 && v >= 0 ? v : -1;
}

static int pairlog_add(pairlog *l, size_t node, size_t index)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        void *row = realloc(l->row, cap * sizeof(*l->row));
        if (!row)
            return -1;
        l->row = row;
        l->cap = cap;
    }
    l->row[l->n][0] = (uint32_t)node;
    l->row[l->n][1] = (uint32_t)index;
    l->n++;
    return 0;
}

/* Whether count shards of index ix beat a's maximum: more, or as many of an index named first. */
static int beats(const shards *p, const node_agg *a, size_t count, uint32_t ix)
{
    return count > a->imax ||
           (count == a->imax &&
            strcmp(strmap_key(p->indices, ix), strmap_key(p->indices, a->imax_index)) < 0);
}

/* While every index's rows are one run, a node's count of the running index only grows, so its
 * maximum is kept as the rows come: no table of every (node, index) pair, whose random probes
 * missed the cache on every row (three quarters of the row's time at 400k shards). */
static void count_run(const shards *p, node_agg *a, uint32_t ix)
{
    if (a->run_index != ix + 1) {
        a->run_index = ix + 1;
        a->run_count = 0;
    }
    if (beats(p, a, ++a->run_count, ix)) {
        a->imax = a->run_count;
        a->imax_index = ix;
    }
}

static int row_node(shards *p, const char *state)
{
    const char *node = p->field[F_NODE].data;
    size_t len = source_node_len(node, p->field[F_NODE].len);
    size_t id = strmap_put(p->nodes, node, len, NULL);
    if (id == STRMAP_NONE || id >= UINT32_MAX) /* the pair table holds 32-bit ids */
        return catjson_fail(p->scan, "out of memory");
    node_agg *a = strmap_value(p->nodes, id);
    if (strcmp(state, "STARTED") == 0)
        a->started++;
    double store = row_store(p);
    if (store >= 0 && (!a->has_size || store > a->largest)) {
        a->largest = store;
        a->has_size = 1;
    }
    if (p->set[F_INDEX]) {
        size_t last = p->last_index, known = strmap_count(p->indices);
        size_t ix =
            put_again(p->indices, &p->last_index, p->field[F_INDEX].data, p->field[F_INDEX].len);
        if (ix == STRMAP_NONE || ix >= UINT32_MAX || pairlog_add(&p->log, id, ix) < 0)
            return catjson_fail(p->scan, "out of memory");
        p->ungrouped |= ix != last && ix < known;
        if (!p->ungrouped)
            count_run(p, a, (uint32_t)ix);
    }
    return 0;
}

static int row_done(shards *p)
{
    const char *state = p->set[F_STATE] ? p->field[F_STATE].data : "UNKNOWN";
    size_t st = put_again(p->states, &p->last_state, state, strlen(state));
    p->total++;
    if (st == STRMAP_NONE)
        return catjson_fail(p->scan, "out of memory");
    (*(size_t *)strmap_value(p->states, st))++;
    if (strcmp(state, "UNASSIGNED") == 0) {
        const char *reason = p->set[F_REASON] ? p->field[F_REASON].data : "UNKNOWN";
        if (count_name(p->reasons, reason, strlen(reason)) < 0)
            return catjson_fail(p->scan, "out of memory");
    } else if (p->set[F_NODE]) {
        return row_node(p, state);
    }
    return 0;
}

/* A number the way jsonwalk reads one: the exact fast path, else strtod. */
static int number_of(shards *p, const char *s, size_t len, double *v)
{
    if (jsonwalk_number(s, len, v) == 0)
        return 0;
    buf_reset(&p->num);
    if (buf_append(&p->num, s, len) < 0)
        return -1;
    *v = strtod(p->num.data, NULL);
    return 0;
}

static int on_value(void *ctx, size_t f, const catjson_value *v)
{
    shards *p = ctx;
    if (v->kind == CATJSON_NUMBER && f == F_STORE) {
        if (number_of(p, v->str, v->len, &p->store_num) < 0)
            return catjson_fail(p->scan, "out of memory");
        p->store_is_num = 1;
    } else if (v->kind == CATJSON_STRING && v->len > 0) {
        if (v->has_nul)
            return catjson_fail(p->scan, "NUL byte in a shard row string");
        if (buf_set(&p->field[f], v->str, v->len) < 0)
            return catjson_fail(p->scan, "out of memory");
        p->set[f] = 1;
    }
    return 0; /* null (unassigned rows) and empty strings mean "absent" */
}

static int on_row(void *ctx)
{
    shards *p = ctx;
    int rc = row_done(p);
    row_reset(p);
    return rc;
}

static const catjson_callbacks shards_cbs = {on_value, on_row};

shards *shards_new(metric_set *out, const char *cluster)
{
    shards *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->cluster = strdup(cluster ? cluster : "");
    p->scan = catjson_new(field_keys, NFIELDS, &shards_cbs, p);
    for (int i = 0; i < NFIELDS; i++)
        buf_init(&p->field[i]);
    buf_init(&p->num);
    p->nodes = strmap_new(sizeof(node_agg));
    p->indices = strmap_new(0);
    p->states = strmap_new(sizeof(size_t));
    p->reasons = strmap_new(sizeof(size_t));
    p->last_index = p->last_state = STRMAP_NONE;
    if (!p->cluster || !p->scan || !p->nodes || !p->indices || !p->states || !p->reasons) {
        shards_free(p);
        return NULL;
    }
    return p;
}

void shards_free(shards *p)
{
    if (!p)
        return;
    catjson_free(p->scan);
    free(p->cluster);
    strmap_free(p->nodes);
    strmap_free(p->indices);
    strmap_free(p->states);
    strmap_free(p->reasons);
    free(p->log.row);
    free(p->order);
    for (int i = 0; i < NFIELDS; i++)
        buf_free(&p->field[i]);
    buf_free(&p->num);
    free(p);
}

int shards_feed(void *ctx, const char *data, size_t len)
{
    return catjson_feed(((shards *)ctx)->scan, data, len);
}

/* ---- finish: maxima, ordering, samples ---- */

/* Rows of an index in several runs: every node's maximum again, from the log's pairs counted. */
static int recount_index_max(shards *p)
{
    pairtab pairs = {0};
    int rc = 0;
    for (size_t i = 0; i < p->log.n && rc == 0; i++)
        rc = pairtab_add(&pairs, p->log.row[i][0], p->log.row[i][1]);
    for (size_t i = 0; i < strmap_count(p->nodes); i++)
        ((node_agg *)strmap_value(p->nodes, i))->imax = 0;
    for (size_t i = 0; i < pairs.nslot && rc == 0; i++) {
        const pair *e = &pairs.slot[i];
        node_agg *a = e->node == UINT32_MAX ? NULL : strmap_value(p->nodes, e->node);
        if (a && beats(p, a, e->count, e->index)) {
            a->imax = e->count;
            a->imax_index = e->index;
        }
    }
    free(pairs.slot);
    return rc < 0 ? catjson_fail(p->scan, "out of memory") : 0;
}

typedef struct named {
    const char *name;
    uint32_t id;
} named;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Ids of t sorted by name; caller frees. NULL when out of memory (or empty). */
static named *sorted_ids(const strmap *t)
{
    size_t n = strmap_count(t);
    named *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        v[i].name = strmap_key(t, i);
        v[i].id = (uint32_t)i;
    }
    qsort(v, n, sizeof(*v), cmp_named);
    return v;
}

static int add(shards *p, int def, const char *a, const char *b, double v)
{
    const char *values[2] = {a, b};
    if (metric_set_add(p->out, &shards_defs[def], values, v) < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "cannot add %s sample", shards_defs[def].name);
        return catjson_fail(p->scan, msg);
    }
    return 0;
}

static int emit_nodes(shards *p)
{
    size_t n = strmap_count(p->nodes);
    named *v = sorted_ids(p->nodes);
    p->order = malloc((n ? n : 1) * sizeof(*p->order));
    if (!v || !p->order) {
        free(v);
        return catjson_fail(p->scan, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const node_agg *a = strmap_value(p->nodes, v[i].id);
        p->order[i] = v[i].id;
        if (a->started > 0) /* the reference lists nodes with STARTED shards only */
            rc = add(p, DEF_NODE_TOTAL, v[i].name, p->cluster, (double)a->started);
        if (rc == 0 && a->imax > 0)
            rc = add(p, DEF_INDEX_MAX, v[i].name, p->cluster, (double)a->imax);
        if (rc == 0 && a->has_size)
            rc = add(p, DEF_LARGEST, v[i].name, p->cluster, a->largest);
    }
    free(v);
    return rc;
}

/* One sample per name seen plus the always-reported ones (0 when unseen). */
static int emit_counts(shards *p, int def, const strmap *t, const char *const *always,
                       size_t nalways)
{
    for (size_t i = 0; i < nalways; i++)
        if (strmap_get(t, always[i]) == STRMAP_NONE && add(p, def, p->cluster, always[i], 0))
            return -1;
    named *v = sorted_ids(t);
    if (!v)
        return catjson_fail(p->scan, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < strmap_count(t) && rc == 0; i++)
        rc = add(p, def, p->cluster, v[i].name, (double)*(size_t *)strmap_value(t, v[i].id));
    free(v);
    return rc;
}

int shards_finish(shards *p)
{
    if (p->finished)
        return catjson_failed(p->scan) ? -1 : 0;
    p->finished = 1;
    if (catjson_finish(p->scan) < 0)
        return -1;
    if (p->ungrouped && recount_index_max(p) < 0)
        return -1;
    free(p->log.row);
    p->log = (pairlog){0};
    if (emit_nodes(p) < 0)
        return -1;
    if (emit_counts(p, DEF_UNASSIGNED, p->reasons, known_reasons,
                    sizeof(known_reasons) / sizeof(known_reasons[0])) < 0)
        return -1;
    return emit_counts(p, DEF_STATES, p->states, known_states,
                       sizeof(known_states) / sizeof(known_states[0]));
}

const char *shards_error(const shards *p)
{
    return catjson_error(p->scan);
}

/* ---- accessors ---- */

static int ready(const shards *p)
{
    return p->finished && !catjson_failed(p->scan);
}

size_t shards_total(const shards *p)
{
    return ready(p) ? p->total : 0;
}

size_t shards_node_count(const shards *p)
{
    return ready(p) ? strmap_count(p->nodes) : 0;
}

const char *shards_node_name(const shards *p, size_t i)
{
    return i < shards_node_count(p) ? strmap_key(p->nodes, p->order[i]) : NULL;
}

/* The aggregate of the i-th node by name (i < shards_node_count). */
static const node_agg *agg_at(const shards *p, size_t i)
{
    return strmap_value(p->nodes, p->order[i]);
}

size_t shards_node_started(const shards *p, size_t i)
{
    return i < shards_node_count(p) ? agg_at(p, i)->started : 0;
}

size_t shards_node_index_max(const shards *p, size_t i, const char **index)
{
    if (index)
        *index = NULL;
    if (i >= shards_node_count(p))
        return 0;
    const node_agg *a = agg_at(p, i);
    if (index && a->imax > 0)
        *index = strmap_key(p->indices, a->imax_index);
    return a->imax;
}

double shards_node_largest_bytes(const shards *p, size_t i)
{
    if (i >= shards_node_count(p) || !agg_at(p, i)->has_size)
        return -1;
    return agg_at(p, i)->largest;
}

static size_t lookup_count(const shards *p, const strmap *t, const char *s)
{
    const size_t *n = ready(p) && s ? strmap_value_of(t, s) : NULL;
    return n ? *n : 0;
}

size_t shards_state_count(const shards *p, const char *state)
{
    return lookup_count(p, p->states, state);
}

size_t shards_unassigned_count(const shards *p, const char *reason)
{
    return lookup_count(p, p->reasons, reason);
}

size_t shards_def_count(void)
{
    return NDEFS;
}

const metric_def *shards_def(size_t i)
{
    return i < NDEFS ? &shards_defs[i] : NULL;
}
