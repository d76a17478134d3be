/* checks: each row says which family to read, how to compare, the default
 * thresholds, where the check comes from (seed) and what to do about it.
 * Evaluation, the --check report and the rule file are all generated from
 * these rows. */
#include "checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { CMP_GT, CMP_LT } check_cmp;
typedef enum { KIND_VALUE, KIND_INCREASE, KIND_RULE_ONLY } check_kind;
typedef enum { UNIT_RATIO, UNIT_BYTES, UNIT_COUNT } check_unit;

/* "Real pressure" alternatives that a critical level also requires. */
typedef struct check_guard {
    const char *family; /* label-less host family */
    double above;
} check_guard;

typedef struct check_def {
    const char *name;
    check_kind kind;
    const char *family;
    const char *selector; /* one label matcher name="value", or NULL */
    const char *by;       /* aggregation labels in the rules; the first two name the subject */
    check_cmp cmp;
    double warn, crit;    /* NAN: level unused */
    check_guard guard[2]; /* critical also needs one of these, when set */
    const char *for_;
    check_unit unit;
    const char *seed;
    const char *summary; /* what is wrong, for humans */
    const char *hint;    /* what to do */
    const char *expr;    /* KIND_RULE_ONLY: the PromQL condition, $T = threshold */
    const char *source;  /* rules read this instead of family{selector}, or NULL */
} check_def;

#define NONE NAN
#define GIB 1073741824.0

static const check_def check_table[] = {
    {"mapped_buffers",
     KIND_VALUE,
     "esvigil_mapped_buffers_ratio",
     NULL,
     "cluster, name, instance",
     CMP_GT,
     0.5,
     0.5,
     {{"esvigil_host_memory_used_ratio", 0.95}, {"esvigil_host_deleted_mapped_ratio", 0.10}},
     "15m",
     UNIT_RATIO,
     "000",
     "mmapped JVM buffers are a large share of RAM (critical once the host is short of memory "
     "or deleted segment files stay mapped)",
     "look for leaked scroll contexts (indices.search.scroll_current) and clear them: "
     "DELETE _search/scroll/_all",
     NULL,
     NULL},
    {"host_memory",
     KIND_VALUE,
     "esvigil_host_memory_used_ratio",
     NULL,
     "instance",
     CMP_GT,
     0.80,
     NONE,
     {{0}},
     "10m",
     UNIT_RATIO,
     "000",
     "host memory is nearly used up",
     "see what holds it: JVM mapped buffers, page cache, other processes (free -m; pmap -x <es "
     "pid>)",
     NULL,
     NULL},
    {"map_count",
     KIND_VALUE,
     "esvigil_host_map_count_ratio",
     NULL,
     "instance",
     CMP_GT,
     0.80,
     0.95,
     {{0}},
     "5m",
     UNIT_RATIO,
     "000",
     "the ES process nears vm.max_map_count (mmap fails past it)",
     "raise vm.max_map_count (sysctl -w vm.max_map_count=262144) and look for leaked scrolls",
     NULL,
     NULL},
    {"max_map_count_low",
     KIND_VALUE,
     "esvigil_host_vm_map_areas_max",
     NULL,
     "instance",
     CMP_LT,
     262144,
     NONE,
     {{0}},
     "1h",
     UNIT_COUNT,
     "000",
     "vm.max_map_count is below what ES needs",
     "raise vm.max_map_count to 262144 (sysctl -w vm.max_map_count=262144, persist in "
     "/etc/sysctl.d)",
     NULL,
     NULL},
    {"fds",
     KIND_VALUE,
     "esvigil_fd_ratio",
     NULL,
     "cluster, name",
     CMP_GT,
     0.80,
     0.95,
     {{0}},
     "5m",
     UNIT_RATIO,
     "000",
     "open file descriptors near the process limit",
     "raise LimitNOFILE for elasticsearch; look for leaked scroll contexts and too many shards",
     NULL,
     NULL},
    {"scroll_contexts",
     KIND_VALUE,
     "esvigil_scroll_contexts_ratio",
     NULL,
     "cluster, name",
     CMP_GT,
     0.50,
     0.90,
     {{0}},
     "5m",
     UNIT_RATIO,
     "000",
     "open scroll contexts near search.max_open_scroll_context",
     "clear scroll contexts (DELETE _search/scroll/_all) and fix clients that never clear theirs",
     NULL,
     NULL},
    {"breaker",
     KIND_VALUE,
     "esvigil_breaker_ratio",
     NULL,
     "cluster, name, breaker",
     CMP_GT,
     0.85,
     0.95,
     {{0}},
     "5m",
     UNIT_RATIO,
     "002",
     "a circuit breaker is close to its limit",
     "shed load: smaller bulks, fewer concurrent recoveries "
     "(cluster.routing.allocation.node_concurrent_recoveries), or more heap",
     NULL,
     NULL},
    {"breaker_trips",
     KIND_INCREASE,
     "elasticsearch_breakers_tripped",
     NULL,
     "cluster, name, breaker",
     CMP_GT,
     0,
     NONE,
     {{0}},
     NULL,
     UNIT_COUNT,
     "002",
     "a circuit breaker tripped: requests fail with \"Data too large\"",
     "find the breaker and what fills it (GET _nodes/stats/breaker); shed load before retrying",
     NULL,
     NULL},
    {"heap_used",
     KIND_VALUE,
     "esvigil_heap_used_ratio",
     NULL,
     "cluster, name",
     CMP_GT,
     0.80,
     0.90,
     {{0}},
     "10m",
     UNIT_RATIO,
     "003",
     "JVM heap under pressure: expect 429 rejections",
     "reduce indexing/search load or add heap/nodes; check fielddata and large aggregations",
     NULL,
     NULL},
    {"thread_pool_rejections",
     KIND_INCREASE,
     "elasticsearch_thread_pool_rejected_count",
     NULL,
     "cluster, name, type",
     CMP_GT,
     0,
     NONE,
     {{0}},
     NULL,
     UNIT_COUNT,
     "003",
     "a thread pool rejected requests: clients get 429 Too Many Requests",
     "clients should back off and retry; add capacity if the queue is always full",
     NULL,
     NULL},
    {"disk_low_watermark",
     KIND_VALUE,
     "esvigil_disk_watermark_headroom_bytes",
     "watermark=\"low\"",
     "cluster, name",
     CMP_LT,
     0,
     NONE,
     {{0}},
     "5m",
     UNIT_BYTES,
     "001",
     "disk past the low watermark: no new shards here, merges stall",
     "free disk: delete old indices, or force-merge deleted docs off-peak "
     "(POST INDEX/_forcemerge?only_expunge_deletes=true)",
     NULL,
     NULL},
    {"disk_high_watermark",
     KIND_VALUE,
     "esvigil_disk_watermark_headroom_bytes",
     "watermark=\"high\"",
     "cluster, name",
     CMP_LT,
     NONE,
     0,
     {{0}},
     "5m",
     UNIT_BYTES,
     "001",
     "disk past the high watermark: ES relocates shards away from this node",
     "free disk now or add nodes before the flood stage makes indices read-only",
     NULL,
     NULL},
    {"disk_flood_stage",
     KIND_VALUE,
     "esvigil_disk_watermark_headroom_bytes",
     "watermark=\"flood_stage\"",
     "cluster, name",
     CMP_LT,
     NONE,
     0,
     {{0}},
     "1m",
     UNIT_BYTES,
     "001",
     "disk past the flood stage: indices on this node are read-only",
     "free disk; the read_only_allow_delete block lifts by itself once below the high watermark "
     "(7.4+)",
     NULL,
     NULL},
    {"compressed_oops",
     KIND_VALUE,
     "elasticsearch_jvm_compressed_oops",
     NULL,
     "cluster, name",
     CMP_LT,
     NONE,
     1,
     {{0}},
     "5m",
     UNIT_COUNT,
     "001",
     "the JVM runs without compressed oops (heap above ~31 GB wastes memory)",
     "set -Xms/-Xmx to 31g or less (jvm.options.d)",
     NULL,
     NULL},
    {"heap_to_ram",
     KIND_VALUE,
     "esvigil_heap_to_ram_ratio",
     NULL,
     "cluster, name",
     CMP_GT,
     0.50,
     NONE,
     {{0}},
     "1h",
     UNIT_RATIO,
     "001",
     "heap takes more than half the RAM",
     "lower -Xmx: Lucene needs the rest as OS page cache",
     NULL,
     NULL},
    {"shards_per_heap",
     KIND_VALUE,
     "esvigil_shards_per_heap_gigabyte",
     NULL,
     "cluster, name",
     CMP_GT,
     20,
     NONE,
     {{0}},
     "1h",
     UNIT_COUNT,
     "004",
     "too many shards per GB of heap",
     "shrink or merge small indices; roll over by size with ILM",
     NULL,
     NULL},
    {"cluster_red",
     KIND_VALUE,
     "elasticsearch_cluster_health_status",
     "color=\"red\"",
     "cluster",
     CMP_GT,
     NONE,
     0,
     {{0}},
     "1m",
     UNIT_COUNT,
     "002",
     "cluster health is red: some primary shards are unassigned",
     "GET _cluster/allocation/explain to see why",
     NULL,
     NULL},
    {"cluster_yellow",
     KIND_VALUE,
     "elasticsearch_cluster_health_status",
     "color=\"yellow\"",
     "cluster",
     CMP_GT,
     0,
     NONE,
     {{0}},
     "15m",
     UNIT_COUNT,
     "002",
     "cluster health is yellow: some replicas are unassigned",
     "GET _cluster/allocation/explain to see why",
     NULL,
     NULL},
    {"allocation_failed",
     KIND_VALUE,
     "elasticsearch_cluster_unassigned_shards",
     "reason=\"ALLOCATION_FAILED\"",
     "cluster",
     CMP_GT,
     NONE,
     0,
     {{0}},
     "5m",
     UNIT_COUNT,
     "002",
     "shards stay unassigned after exceeding the maximum number of allocation retries",
     "fix the cause (GET _cluster/allocation/explain), then POST "
     "_cluster/reroute?retry_failed=true",
     NULL,
     NULL},
    {"allocation_disabled",
     KIND_VALUE,
     "elasticsearch_clustersettings_allocation_enable",
     "state=\"all\"",
     "cluster",
     CMP_LT,
     1,
     NONE,
     {{0}},
     "1h",
     UNIT_COUNT,
     "002",
     "shard allocation is not \"all\" (left disabled after maintenance?)",
     "PUT _cluster/settings {\"persistent\":{\"cluster.routing.allocation.enable\":null}}",
     NULL,
     NULL},
    {"imbalance",
     KIND_VALUE,
     "esvigil_imbalance_ratio",
     NULL,
     "cluster, dimension",
     CMP_GT,
     1.5,
     NONE,
     {{0}},
     "30m",
     UNIT_COUNT,
     "004",
     "load is uneven across data nodes (max / mean)",
     "check shard spread (GET _cat/allocation?v), index.routing.allocation.total_shards_per_node, "
     "and long-lived client connections pinned to a few nodes",
     NULL,
     /* per-node daemons: the recording rules below compute the same ratio */
     "(esvigil_imbalance_ratio or cluster_dimension:esvigil_imbalance:max_over_mean)"},
    {"deleted_docs",
     KIND_VALUE,
     "esvigil_deleted_docs_ratio",
     NULL,
     "cluster, name",
     CMP_GT,
     0.30,
     NONE,
     {{0}},
     "1h",
     UNIT_RATIO,
     "004",
     "many deleted documents still take space and CPU",
     "force-merge deleted docs off-peak (POST INDEX/_forcemerge?only_expunge_deletes=true)",
     NULL,
     NULL},
    {"shard_size",
     KIND_VALUE,
     "elasticsearch_node_shard_largest_bytes",
     NULL,
     "cluster, node",
     CMP_GT,
     50 * GIB,
     NONE,
     {{0}},
     "1h",
     UNIT_BYTES,
     "004",
     "a shard is larger than 50 GB",
     "split the index or reindex into more primaries; roll over by size",
     NULL,
     NULL},
    {"index_shards_per_node",
     KIND_VALUE,
     "elasticsearch_node_shards_index_max",
     NULL,
     "cluster, node",
     CMP_GT,
     5,
     NONE,
     {{0}},
     "1h",
     UNIT_COUNT,
     "004",
     "many shards of one index sit on one node",
     "set index.routing.allocation.total_shards_per_node for that index",
     NULL,
     NULL},
    {"es_unreachable",
     KIND_VALUE,
     "esvigil_up",
     NULL,
     "instance",
     CMP_LT,
     NONE,
     1,
     {{0}},
     "2m",
     UNIT_COUNT,
     NULL,
     "esvigil cannot poll Elasticsearch",
     "is the node up? are es.uri and the credentials right? see esvigil_errors_total by reason",
     NULL,
     NULL},
    {"stale_poll",
     KIND_RULE_ONLY,
     "esvigil_last_success_timestamp_seconds",
     NULL,
     "instance",
     CMP_GT,
     300,
     NONE,
     {{0}},
     "5m",
     UNIT_COUNT,
     NULL,
     "no successful poll for more than 5 minutes: the metrics are stale",
     "check the esvigil log (journalctl -u esvigil) and esvigil_errors_total",
     "time() - max by (instance) (esvigil_last_success_timestamp_seconds) > $T",
     NULL},
    {"exporter_down",
     KIND_RULE_ONLY,
     "up",
     NULL,
     "instance",
     CMP_LT,
     NONE,
     1,
     {{0}},
     "5m",
     UNIT_COUNT,
     NULL,
     "Prometheus cannot scrape esvigil",
     "systemctl status esvigil; journalctl -u esvigil",
     "up{job=~\".*esvigil.*\"} < $T",
     NULL},
};

#define CHECKS_N (sizeof(check_table) / sizeof(check_table[0]))

size_t checks_count(void)
{
    return CHECKS_N;
}

const char *checks_name(size_t i)
{
    return i < CHECKS_N ? check_table[i].name : NULL;
}

int checks_find(const char *name)
{
    for (size_t i = 0; i < CHECKS_N; i++)
        if (strcmp(check_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *check_status_name(check_status s)
{
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    return (unsigned)s <= CHECK_UNKNOWN ? names[s] : "UNKNOWN";
}

checks_thresholds *checks_thresholds_new(void)
{
    checks_thresholds *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->count = CHECKS_N;
    t->warning = calloc(CHECKS_N, sizeof(double));
    t->critical = calloc(CHECKS_N, sizeof(double));
    if (!t->warning || !t->critical) {
        checks_thresholds_free(t);
        return NULL;
    }
    for (size_t i = 0; i < CHECKS_N; i++) {
        t->warning[i] = check_table[i].warn;
        t->critical[i] = check_table[i].crit;
    }
    return t;
}

void checks_thresholds_free(checks_thresholds *t)
{
    if (!t)
        return;
    free(t->warning);
    free(t->critical);
    free(t);
}

/* ---- state for counter checks: last value per series ---- */

typedef struct state_entry {
    char *key;
    double value;
    int seen; /* set in the current evaluation; unseen entries are dropped */
} state_entry;

struct checks_state {
    state_entry *slots;
    size_t nslots, used;
};

checks_state *checks_state_new(void)
{
    return calloc(1, sizeof(checks_state));
}

void checks_state_free(checks_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nslots; i++)
        free(st->slots[i].key);
    free(st->slots);
    free(st);
}

static size_t hash_key(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static state_entry *state_slot(state_entry *slots, size_t nslots, const char *key)
{
    for (size_t i = hash_key(key) & (nslots - 1);; i = (i + 1) & (nslots - 1))
        if (!slots[i].key || strcmp(slots[i].key, key) == 0)
            return &slots[i];
}

static int state_grow(checks_state *st)
{
    size_t n = st->nslots ? st->nslots * 2 : 256;
    state_entry *slots = calloc(n, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < st->nslots; i++)
        if (st->slots[i].key)
            *state_slot(slots, n, st->slots[i].key) = st->slots[i];
    free(st->slots);
    st->slots = slots;
    st->nslots = n;
    return 0;
}

/* Stores value under key; returns 1 and the previous value when there was one. */
static int state_swap(checks_state *st, const char *key, double value, double *prev)
{
    if (st->used * 2 >= st->nslots && state_grow(st) < 0)
        return 0;
    state_entry *e = state_slot(st->slots, st->nslots, key);
    int had = e->key != NULL;
    if (!had) {
        if (!(e->key = strdup(key)))
            return 0;
        st->used++;
    } else {
        *prev = e->value;
    }
    e->value = value;
    e->seen = 1;
    return had;
}

/* Series that vanished (node left) are forgotten so the table stays bounded. */
static void state_sweep(checks_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nslots; i++)
        n += st->slots[i].key && st->slots[i].seen;
    if (n == st->used) {
        for (size_t i = 0; i < st->nslots; i++)
            st->slots[i].seen = 0;
        return;
    }
    state_entry *old = st->slots;
    size_t nold = st->nslots;
    st->slots = calloc(nold, sizeof(*old));
    if (!st->slots) { /* keep the old table rather than lose every counter */
        st->slots = old;
        return;
    }
    st->used = 0;
    for (size_t i = 0; i < nold; i++) {
        if (old[i].key && old[i].seen) {
            old[i].seen = 0;
            *state_slot(st->slots, nold, old[i].key) = old[i];
            st->used++;
        } else {
            free(old[i].key);
        }
    }
    free(old);
}

/* ---- evaluation ---- */

typedef struct subject {
    const char *cluster, *name;
    char extra[96]; /* e.g. "breaker=parent" */
} subject;

static const char *label_of(const metric_family *f, size_t i, const char *label)
{
    for (size_t j = 0; j < metric_family_label_count(f); j++)
        if (strcmp(metric_family_label_name(f, j), label) == 0)
            return metric_family_label_value(f, i, j);
    return NULL;
}

static int selector_matches(const check_def *d, const metric_family *f, size_t i)
{
    if (!d->selector)
        return 1;
    const char *eq = strchr(d->selector, '=');
    char label[64];
    snprintf(label, sizeof(label), "%.*s", (int)(eq - d->selector), d->selector);
    const char *v = label_of(f, i, label);
    size_t vlen = strlen(eq + 2) - 1; /* the value sits between the quotes */
    return v && strlen(v) == vlen && strncmp(v, eq + 2, vlen) == 0;
}

/* Walks the rule's "by" labels: cluster, name/node name the subject; any
 * other (breaker, type, dimension) is its detail. */
static void subject_of(const check_def *d, const metric_family *f, size_t i,
                       const checks_context *ctx, subject *s)
{
    s->cluster = label_of(f, i, "cluster");
    s->name = label_of(f, i, "name");
    if (!s->name)
        s->name = label_of(f, i, "node");
    if (!s->cluster)
        s->cluster = ctx && ctx->cluster ? ctx->cluster : "";
    if (!s->name)
        s->name =
            metric_family_label_count(f) == 0 && ctx && ctx->local_node ? ctx->local_node : "";
    s->extra[0] = '\0';
    char by[128];
    snprintf(by, sizeof(by), "%s", d->by);
    for (char *tok = strtok(by, ", "); tok; tok = strtok(NULL, ", ")) {
        const char *v;
        if (strcmp(tok, "cluster") && strcmp(tok, "name") && strcmp(tok, "node") &&
            strcmp(tok, "instance") && (v = label_of(f, i, tok)))
            snprintf(s->extra, sizeof(s->extra), "%s=%s", tok, v);
    }
}

static int crosses(check_cmp cmp, double v, double t)
{
    return !isnan(t) && (cmp == CMP_GT ? v > t : v < t);
}

/* The guard families describe the host esvigil runs on, so they can only
 * vouch for the local node; other nodes (cluster mode) never get past warning
 * on a guarded check. */
static int guard_holds(const check_def *d, const metric_set *set, const subject *s,
                       const checks_context *ctx)
{
    if (!d->guard[0].family)
        return 1;
    if (!ctx || !ctx->local_node || strcmp(s->name, ctx->local_node) != 0)
        return 0;
    for (size_t g = 0; g < 2 && d->guard[g].family; g++) {
        double v;
        if (metric_set_lookup(set, d->guard[g].family, NULL, &v) && v > d->guard[g].above)
            return 1;
    }
    return 0;
}

static const metric_def def_status = {
    "esvigil_check_status",
    METRIC_GAUGE,
    "esvigil's own evaluation of each check: 0 ok, 1 warning, 2 critical. severity is the "
    "highest level the check can reach; subject names a breaker, pool or dimension.",
    {"check", "severity", "cluster", "name", "subject", NULL}};

typedef struct eval {
    const metric_set *set;
    const checks_thresholds *t;
    const checks_context *ctx;
    checks_state *st;
    metric_set *out;
    checks_result *res;
    size_t cap;
} eval;

static int add_finding(eval *e, size_t row, check_status status, double v, double thr,
                       const subject *s)
{
    checks_result *r = e->res;
    if (r->nfindings == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        check_finding *p = realloc(r->findings, cap * sizeof(*p));
        if (!p)
            return -1;
        r->findings = p;
        e->cap = cap;
    }
    check_finding *f = &r->findings[r->nfindings++];
    f->check = row;
    f->status = status;
    f->value = v;
    f->threshold = thr;
    snprintf(f->subject, sizeof(f->subject), "%s%s%s%s%s", s->cluster, *s->name ? "/" : "", s->name,
             *s->extra ? " " : "", s->extra);
    return 0;
}

/* The value a row compares: the sample, or for counters its rise since the
 * previous poll (no value on the first sight or after a reset). */
static int row_value(eval *e, size_t row, const metric_family *f, size_t i, double *v)
{
    *v = metric_family_value(f, i);
    if (check_table[row].kind != KIND_INCREASE)
        return !isnan(*v);
    if (!e->st)
        return 0;
    buf key;
    buf_init(&key);
    buf_printf(&key, "%zu", row);
    for (size_t j = 0; j < metric_family_label_count(f); j++)
        buf_printf(&key, "\x1f%s", metric_family_label_value(f, i, j));
    double prev = 0;
    int had = !key.failed && state_swap(e->st, key.data, *v, &prev);
    buf_free(&key);
    if (!had || *v < prev)
        return 0;
    *v -= prev;
    return 1;
}

static int eval_sample(eval *e, size_t row, const metric_family *f, size_t i)
{
    const check_def *d = &check_table[row];
    double v;
    if (!selector_matches(d, f, i) || !row_value(e, row, f, i, &v))
        return 0;
    double warn = e->t->warning[row], crit = e->t->critical[row];
    check_status status = CHECK_OK;
    double thr = NAN;
    subject s;
    subject_of(d, f, i, e->ctx, &s);
    if (crosses(d->cmp, v, crit) && guard_holds(d, e->set, &s, e->ctx)) {
        status = CHECK_CRITICAL;
        thr = crit;
    } else if (crosses(d->cmp, v, warn)) {
        status = CHECK_WARNING;
        thr = warn;
    }
    int rc = 0;
    if (e->out) {
        const char *vals[] = {d->name, isnan(crit) ? "warning" : "critical", s.cluster, s.name,
                              s.extra};
        rc = metric_set_add(e->out, &def_status, vals, status);
    }
    if (e->res) {
        e->res->evaluated++;
        if (status != CHECK_OK && add_finding(e, row, status, v, thr, &s) < 0)
            rc = -1;
    }
    return rc;
}

static int cmp_findings(const void *a, const void *b)
{
    const check_finding *x = a, *y = b;
    if (x->status != y->status)
        return (int)y->status - (int)x->status;
    return x->check < y->check ? -1 : x->check > y->check;
}

int checks_evaluate(const metric_set *set, const checks_thresholds *t, const checks_context *ctx,
                    checks_state *st, metric_set *out, checks_result *res)
{
    eval e = {set, t, ctx, st, out, res, 0};
    if (res)
        memset(res, 0, sizeof(*res));
    int rc = 0;
    for (size_t row = 0; row < CHECKS_N && row < t->count; row++) {
        if (check_table[row].kind == KIND_RULE_ONLY)
            continue;
        const metric_family *f = metric_set_find(set, check_table[row].family);
        for (size_t i = 0; f && i < metric_family_sample_count(f); i++)
            rc |= eval_sample(&e, row, f, i);
    }
    if (st)
        state_sweep(st);
    if (res) {
        if (res->nfindings)
            qsort(res->findings, res->nfindings, sizeof(*res->findings), cmp_findings);
        res->worst = res->nfindings ? res->findings[0].status : CHECK_OK;
    }
    return rc ? -1 : 0;
}

void checks_result_free(checks_result *res)
{
    if (!res)
        return;
    free(res->findings);
    memset(res, 0, sizeof(*res));
}

/* ---- the --check report ---- */

static void format_value(check_unit unit, double v, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (unit == UNIT_RATIO) {
        snprintf(out, n, "%.1f%%", v * 100);
    } else if (unit == UNIT_BYTES) {
        double a = fabs(v);
        int u = 0;
        while (a >= 1024 && u < 5) {
            a /= 1024;
            v /= 1024;
            u++;
        }
        snprintf(out, n, "%.1f %s", v, units[u]);
    } else {
        snprintf(out, n, "%g", v);
    }
}

int checks_report(const checks_result *res, const char *es_error, buf *out)
{
    size_t count[4] = {0};
    for (size_t i = 0; i < res->nfindings; i++)
        count[res->findings[i].status]++;
    check_status worst = res->worst;
    if (es_error && *es_error && worst < CHECK_CRITICAL)
        worst = CHECK_CRITICAL;
    size_t value_checks = 0; /* rule-only and counter rows need more than one poll */
    for (size_t i = 0; i < CHECKS_N; i++)
        value_checks += check_table[i].kind == KIND_VALUE;
    buf_printf(out, "ESVIGIL %s - %zu critical, %zu warning (%zu checks on %zu subjects)\n",
               check_status_name(worst), count[CHECK_CRITICAL], count[CHECK_WARNING], value_checks,
               res->evaluated);
    if (es_error && *es_error)
        buf_printf(out, "CRITICAL es_unreachable: %s\n  hint: %s\n", es_error,
                   check_table[checks_find("es_unreachable")].hint);
    for (size_t i = 0; i < res->nfindings; i++) {
        const check_finding *f = &res->findings[i];
        const check_def *d = &check_table[f->check];
        char v[32], t[32];
        format_value(d->unit, f->value, v, sizeof(v));
        format_value(d->unit, f->threshold, t, sizeof(t));
        buf_printf(out, "%s %s %s: %s %s %s%s%s%s - %s\n  hint: %s\n", check_status_name(f->status),
                   d->name, f->subject, v, d->cmp == CMP_GT ? ">" : "<", t,
                   d->seed ? " [seed " : "", d->seed ? d->seed : "", d->seed ? "]" : "", d->summary,
                   d->hint);
    }
    return out->failed ? -1 : 0;
}

/* ---- the Prometheus rule file ---- */

static void yaml_quoted(buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static void camel(buf *b, const char *name)
{
    for (int up = 1; *name; name++) {
        if (*name == '_') {
            up = 1;
            continue;
        }
        buf_putc(b, up && *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') : *name);
        up = 0;
    }
}

static void threshold_text(double t, char *out, size_t n)
{
    if (t == floor(t) && fabs(t) < 9007199254740992.0) { /* integers as integers */
        snprintf(out, n, "%.0f", t);
        return;
    }
    snprintf(out, n, "%.17g", t);
    for (int prec = 1; prec <= 17; prec++) { /* shortest exact spelling */
        snprintf(out, n, "%.*g", prec, t);
        if (strtod(out, NULL) == t)
            break;
    }
}

static void rule_expr(buf *b, const check_def *d, double t)
{
    char thr[40];
    threshold_text(t, thr, sizeof(thr));
    if (d->kind == KIND_RULE_ONLY) { /* "$T" in expr stands for the threshold */
        const char *at = strstr(d->expr, "$T");
        buf_append(b, d->expr, at ? (size_t)(at - d->expr) : strlen(d->expr));
        if (at)
            buf_printf(b, "%s%s", thr, at + 2);
        return;
    }
    const char *op = d->cmp == CMP_GT ? ">" : "<";
    if (d->kind == KIND_INCREASE) {
        buf_printf(b, "sum by (%s) (increase(%s[10m])) %s %s", d->by, d->family, op, thr);
        return;
    }
    buf_printf(b, "max by (%s) (", d->by);
    if (d->source)
        buf_puts(b, d->source);
    else
        buf_printf(b, "%s%s%s%s", d->family, d->selector ? "{" : "", d->selector ? d->selector : "",
                   d->selector ? "}" : "");
    buf_printf(b, ") %s %s", op, thr);
}

static const char *value_template(check_unit unit)
{
    return unit == UNIT_RATIO   ? "{{ $value | humanizePercentage }}"
           : unit == UNIT_BYTES ? "{{ $value | humanize1024 }}B"
                                : "{{ $value }}";
}

static void render_alert(buf *b, const check_def *d, double t, int critical)
{
    buf_puts(b, "      - alert: Esvigil");
    camel(b, d->name);
    buf_puts(b, critical ? "Critical\n" : "Warning\n");
    buf_puts(b, "        expr: ");
    buf tmp;
    buf_init(&tmp);
    rule_expr(&tmp, d, t);
    if (critical && d->guard[0].family) {
        buf_puts(&tmp, " and on (instance) (");
        for (size_t g = 0; g < 2 && d->guard[g].family; g++) {
            char thr[40];
            threshold_text(d->guard[g].above, thr, sizeof(thr));
            buf_printf(&tmp, "%s%s > %s", g ? " or " : "", d->guard[g].family, thr);
        }
        buf_puts(&tmp, ")");
    }
    yaml_quoted(b, tmp.data ? tmp.data : "");
    buf_free(&tmp);
    buf_putc(b, '\n');
    if (d->for_)
        buf_printf(b, "        for: %s\n", d->for_);
    buf_printf(b, "        labels:\n          severity: %s\n          check: %s\n",
               critical ? "critical" : "warning", d->name);
    if (d->seed)
        buf_printf(b, "          seed: \"%s\"\n", d->seed);
    buf_puts(b, "        annotations:\n          summary: ");
    buf tmpl;
    buf_init(&tmpl);
    const char *who = strstr(d->by, "node")   ? " {{ $labels.node }}"
                      : strstr(d->by, "name") ? " {{ $labels.name }}"
                                              : "";
    buf_printf(&tmpl, "%s: %s on %s%s", d->name, value_template(d->unit),
               strstr(d->by, "cluster") ? "{{ $labels.cluster }}" : "{{ $labels.instance }}", who);
    char by[128];
    snprintf(by, sizeof(by), "%s", d->by);
    for (char *tok = strtok(by, ", "); tok; tok = strtok(NULL, ", "))
        if (strcmp(tok, "cluster") && strcmp(tok, "name") && strcmp(tok, "node") &&
            (strcmp(tok, "instance") || strstr(d->by, "cluster")))
            buf_printf(&tmpl, " %s={{ $labels.%s }}", tok, tok);
    yaml_quoted(b, tmpl.data);
    buf_free(&tmpl);
    buf_puts(b, "\n          description: ");
    yaml_quoted(b, d->summary);
    buf_puts(b, "\n          hint: ");
    yaml_quoted(b, d->hint);
    buf_putc(b, '\n');
}

/* Per-node daemons each see one node; Prometheus computes the spread. */
static const struct {
    const char *dimension;
    const char *series;
    const char *fallback; /* used where series is absent, or NULL */
} imbalance_sources[] = {
    {"shards", "elasticsearch_indices_shards{es_data_node=\"true\"}",
     /* before 8.x only the cluster reporter knows shards per node */
     "elasticsearch_node_shards_total"},
    {"disk",
     "elasticsearch_filesystem_total_size_bytes{es_data_node=\"true\"} - "
     "elasticsearch_filesystem_total_available_bytes{es_data_node=\"true\"}",
     NULL},
    {"cpu", "elasticsearch_os_cpu_percent{es_data_node=\"true\"}", NULL},
    {"http_connections", "elasticsearch_http_open_connections{es_data_node=\"true\"}", NULL},
};

static void render_recording(buf *b)
{
    buf_puts(b, "  - name: esvigil-imbalance\n    rules:\n");
    for (size_t i = 0; i < sizeof(imbalance_sources) / sizeof(imbalance_sources[0]); i++) {
        buf tmp;
        buf_init(&tmp);
        const char *a = imbalance_sources[i].series, *fb = imbalance_sources[i].fallback;
        buf_printf(&tmp, "%smax by (cluster) (%s) / avg by (cluster) (%s)%s", fb ? "(" : "", a, a,
                   fb ? ")" : "");
        if (fb)
            buf_printf(&tmp, " or (max by (cluster) (%s) / avg by (cluster) (%s))", fb, fb);
        buf_puts(b, "      - record: cluster_dimension:esvigil_imbalance:max_over_mean\n"
                    "        expr: ");
        yaml_quoted(b, tmp.data);
        buf_free(&tmp);
        buf_printf(b, "\n        labels:\n          dimension: %s\n",
                   imbalance_sources[i].dimension);
    }
}

int checks_render_rules(const checks_thresholds *t, buf *out)
{
    buf_puts(out,
             "# esvigil alert rules: the output of `esvigil --print-rules`, generated from the\n"
             "# check table in lib/checks.c (thresholds, seeds, hints). Do not edit by hand;\n"
             "# a test fails when contrib/alerts/esvigil.rules.yml drifts from the table.\n"
             "groups:\n");
    render_recording(out);
    buf_puts(out, "  - name: esvigil-alerts\n    rules:\n");
    for (size_t row = 0; row < CHECKS_N && row < t->count; row++) {
        const check_def *d = &check_table[row];
        if (!isnan(t->warning[row]))
            render_alert(out, d, t->warning[row], 0);
        if (!isnan(t->critical[row]))
            render_alert(out, d, t->critical[row], 1);
    }
    return out->failed ? -1 : 0;
}
