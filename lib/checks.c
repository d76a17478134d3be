/* checks: evaluation of the check table on a metric set, the thresholds in
 * force and the counter baselines that "new trip" checks compare against. */
#include "checks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checktable.h"
#include "strmap.h"

#define CHECKS_N checktable_count()

size_t checks_count(void)
{
    return CHECKS_N;
}

const char *checks_name(size_t i)
{
    return i < CHECKS_N ? checktable_row(i)->name : NULL;
}

int checks_find(const char *name)
{
    return checktable_find(name);
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
    t->minimum = calloc(CHECKS_N, sizeof(double));
    if (!t->warning || !t->critical || !t->minimum) {
        checks_thresholds_free(t);
        return NULL;
    }
    for (size_t i = 0; i < CHECKS_N; i++) {
        t->warning[i] = checktable_row(i)->warn;
        t->critical[i] = checktable_row(i)->crit;
        t->minimum[i] = checktable_row(i)->min_family ? checktable_row(i)->min_size : NAN;
    }
    return t;
}

void checks_thresholds_free(checks_thresholds *t)
{
    if (!t)
        return;
    free(t->warning);
    free(t->critical);
    free(t->minimum);
    free(t);
}

/* ---- state for counter checks: last value per series ---- */

typedef struct state_value {
    double value;
    int seen; /* set in the current evaluation; unseen entries are dropped */
} state_value;

struct checks_state {
    strmap *series;
};

checks_state *checks_state_new(void)
{
    checks_state *st = calloc(1, sizeof(*st));
    if (st && !(st->series = strmap_new(sizeof(state_value)))) {
        free(st);
        return NULL;
    }
    return st;
}

void checks_state_free(checks_state *st)
{
    if (!st)
        return;
    strmap_free(st->series);
    free(st);
}

/* Stores value under key; returns 1 and the previous value when there was one. */
static int state_swap(checks_state *st, const char *key, double value, double *prev)
{
    int created;
    size_t id = strmap_add(st->series, key, &created);
    if (id == STRMAP_NONE)
        return 0;
    state_value *e = strmap_value(st->series, id);
    if (!created)
        *prev = e->value;
    e->value = value;
    e->seen = 1;
    return !created;
}

static int state_keep(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)ctx;
    state_value *e = value;
    int keep = e->seen;
    e->seen = 0;
    return keep;
}

/* Series that vanished (node left) are forgotten so the table stays bounded. */
static void state_sweep(checks_state *st)
{
    strmap_sweep(st->series, state_keep, NULL);
}

/* ---- evaluation ---- */

typedef struct subject {
    const char *cluster, *name;
    char extra[96]; /* e.g. "breaker=parent" */
} subject;

/* Appends the NULL-ended parts to out[0..n) from len on, cut to fit and NUL-terminated, as
 * snprintf("%s%s...") did at a fraction of its cost (findings are written every poll); the
 * new length. */
static size_t append(char *out, size_t n, size_t len, const char *const *parts)
{
    for (; *parts && len + 1 < n; parts++) {
        size_t l = strlen(*parts);
        if (l > n - 1 - len)
            l = n - 1 - len;
        memcpy(out + len, *parts, l);
        len += l;
    }
    out[len] = '\0';
    return len;
}

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
    size_t llen =
        (size_t)(eq - d->selector) < sizeof(label) ? (size_t)(eq - d->selector) : sizeof(label) - 1;
    memcpy(label, d->selector, llen);
    label[llen] = '\0';
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
    /* A family without cluster or node labels describes this host or this
     * esvigil's poll (esvigil_up, esvigil_collector_success): the local node. */
    int local = metric_family_label_count(f) == 0 || !label_of(f, i, "cluster");
    if (!s->name)
        s->name = local && ctx && ctx->local_node ? ctx->local_node : "";
    s->extra[0] = '\0';
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++) {
        const char *tok = d->by[k], *v;
        if (strcmp(tok, "cluster") && strcmp(tok, "name") && strcmp(tok, "node") &&
            strcmp(tok, "instance") && (v = label_of(f, i, tok)))
            append(s->extra, sizeof(s->extra), 0, (const char *const[]){tok, "=", v, NULL});
    }
}

static int crosses(check_cmp cmp, double v, double t)
{
    return !isnan(t) && (cmp == CMP_GT ? v > t : v < t);
}

/* Host guards describe the host esvigil runs on, so they vouch for the local
 * node only; node guards read the subject's own sample. No guard set: the
 * level needs no evidence. */
static int guard_one(const check_guard *g, const metric_set *set, const subject *s,
                     const checks_context *ctx)
{
    double v;
    if (g->scope == GUARD_SELF)
        return metric_set_lookup(set, g->family, NULL, &v) && v > g->above;
    if (g->scope == GUARD_NODE) {
        const char *pairs[] = {"cluster", s->cluster, "name", s->name, NULL};
        return metric_set_lookup(set, g->family, pairs, &v) && v > g->above;
    }
    if (!ctx || !ctx->local_node || strcmp(s->name, ctx->local_node) != 0)
        return 0;
    return metric_set_lookup(set, g->family, NULL, &v) && v > g->above;
}

/* Every self guard, and one of the others when there are any. */
static int guards_hold(const check_guard *guards, const metric_set *set, const subject *s,
                       const checks_context *ctx)
{
    int others = 0, other_holds = 0;
    for (size_t g = 0; g < CHECK_MAX_GUARDS && guards[g].family; g++) {
        int holds = guard_one(&guards[g], set, s, ctx);
        if (guards[g].scope == GUARD_SELF && !holds)
            return 0;
        if (guards[g].scope != GUARD_SELF) {
            others = 1;
            other_holds |= holds;
        }
    }
    return !others || other_holds;
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
    buf key;                /* row_value's state key, reused across samples */
    metric_family *out_fam; /* def_status's family in out, once found */
} eval;

/* "label=value ..." of the row's detail labels present on sample i. */
static void detail_of(const check_def *d, const metric_family *f, size_t i, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < CHECK_MAX_DETAIL && d->detail[k] && len < n; k++) {
        const char *v = label_of(f, i, d->detail[k]);
        if (v && *v)
            len = append(out, n, len,
                         (const char *const[]){len ? " " : "", d->detail[k], "=", v, NULL});
    }
}

static int add_finding(eval *e, size_t row, check_status status, double v, double thr,
                       const subject *s, const metric_family *fam, size_t sample)
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
    append(f->subject, sizeof(f->subject), 0,
           (const char *const[]){s->cluster, *s->name ? "/" : "", s->name, *s->extra ? " " : "",
                                 s->extra, NULL});
    detail_of(checktable_row(row), fam, sample, f->detail, sizeof(f->detail));
    return 0;
}

/* The value a row compares: the sample, or for counters its rise since the
 * previous poll (no value on the first sight or after a reset). */
static int row_value(eval *e, size_t row, const metric_family *f, size_t i, double *v)
{
    *v = metric_family_value(f, i);
    if (checktable_row(row)->kind != KIND_INCREASE)
        return !isnan(*v);
    if (!e->st)
        return 0;
    /* "ROW" then "\x1fVALUE" per label, built by hand: printf here was 7% of a big poll */
    buf *key = &e->key;
    char num[24], *p = num + sizeof(num);
    size_t r = row;
    do
        *--p = (char)('0' + r % 10);
    while ((r /= 10) != 0);
    buf_reset(key);
    buf_append(key, p, (size_t)(num + sizeof(num) - p));
    const char *lv = metric_family_label_values(f, i); /* one pass over the packed values */
    for (size_t j = 0, n = metric_family_label_count(f); j < n; j++) {
        size_t l = strlen(lv);
        buf_putc(key, '\x1f');
        buf_append(key, lv, l);
        lv += l + 1;
    }
    double prev = 0;
    int had = !key->failed && state_swap(e->st, key->data, *v, &prev);
    if (!had || *v < prev)
        return 0;
    *v -= prev;
    return 1;
}

/* A ratio of counts means nothing on tiny numbers: the subject's sample of
 * the row's min_family must reach the minimum (absent: it cannot). */
static int big_enough(const eval *e, size_t row, const metric_family *f, size_t i)
{
    const check_def *d = checktable_row(row);
    double min = e->t->minimum ? e->t->minimum[row] : NAN, v;
    if (!d->min_family || isnan(min))
        return 1;
    const char *pairs[2 * CHECK_MAX_BY + 1];
    size_t n = 0;
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++) {
        const char *val = label_of(f, i, d->by[k]);
        if (val && strcmp(d->by[k], "instance") != 0) {
            pairs[n++] = d->by[k];
            pairs[n++] = val;
        }
    }
    pairs[n] = NULL;
    return metric_set_lookup(e->set, d->min_family, pairs, &v) && v >= min;
}

static int eval_sample(eval *e, size_t row, const metric_family *f, size_t i)
{
    const check_def *d = checktable_row(row);
    double v;
    if (!selector_matches(d, f, i) || !row_value(e, row, f, i, &v))
        return 0;
    double warn = e->t->warning[row], crit = e->t->critical[row];
    check_status status = CHECK_OK;
    double thr = NAN;
    subject s;
    subject_of(d, f, i, e->ctx, &s);
    int evidence = big_enough(e, row, f, i) && guards_hold(d->guard_warn, e->set, &s, e->ctx);
    if (evidence && crosses(d->cmp, v, crit) && guards_hold(d->guard, e->set, &s, e->ctx)) {
        status = CHECK_CRITICAL;
        thr = crit;
    } else if (evidence && crosses(d->cmp, v, warn)) {
        status = CHECK_WARNING;
        thr = warn;
    }
    int rc = 0;
    if (e->out) {
        const char *vals[] = {d->name, isnan(crit) ? "warning" : "critical", s.cluster, s.name,
                              s.extra};
        if (!e->out_fam)
            e->out_fam = metric_set_family_for(e->out, &def_status);
        rc = e->out_fam ? metric_set_add_to(e->out, e->out_fam, vals, status) : -1;
    }
    if (e->res) {
        e->res->evaluated++;
        if (status != CHECK_OK && add_finding(e, row, status, v, thr, &s, f, i) < 0)
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
    eval e = {set, t, ctx, st, out, res, 0, {0}, NULL};
    if (res)
        memset(res, 0, sizeof(*res));
    int rc = 0;
    for (size_t row = 0; row < CHECKS_N && row < t->count; row++) {
        if (checktable_row(row)->kind == KIND_RULE_ONLY)
            continue;
        const metric_family *f = metric_set_find(set, checktable_row(row)->family);
        for (size_t i = 0; f && i < metric_family_sample_count(f); i++)
            rc |= eval_sample(&e, row, f, i);
    }
    buf_free(&e.key);
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
