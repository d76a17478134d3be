/* slm: one walker per document into one slm record; policies are few, so
 * they are kept whole until emit. */
#include "slm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esget.h"
#include "jsonparser.h"
#include "parserops.h"

#define SL "elasticsearch_slm_stats_"
#define DETAIL_MAX 200

/* Top-level numbers of /_slm/stats. */
typedef struct stat_row {
    const char *field;
    double scale;
    metric_def def;
} stat_row;

static const stat_row stat_rows[] = {
    {"retention_runs", 1, {SL "retention_runs_total", METRIC_COUNTER, "Total retention runs", {0}}},
    {"retention_failed",
     1,
     {SL "retention_failed_total", METRIC_COUNTER, "Total failed retention runs", {0}}},
    {"retention_timed_out",
     1,
     {SL "retention_timed_out_total", METRIC_COUNTER, "Total timed out retention runs", {0}}},
    {"retention_deletion_time_millis",
     0.001,
     {SL "retention_deletion_time_seconds", METRIC_GAUGE, "Retention run deletion time", {0}}},
    {"total_snapshots_taken",
     1,
     {SL "total_snapshots_taken_total", METRIC_COUNTER, "Total snapshots taken", {0}}},
    {"total_snapshots_failed",
     1,
     {SL "total_snapshots_failed_total", METRIC_COUNTER, "Total snapshots failed", {0}}},
    {"total_snapshots_deleted",
     1,
     {SL "total_snapshots_deleted_total", METRIC_COUNTER, "Total snapshots deleted", {0}}},
    {"total_snapshot_deletion_failures",
     1,
     {SL "total_snapshot_deletion_failures_total",
      METRIC_COUNTER,
      "Total snapshot deletion failures",
      {0}}},
};
#define NSTAT (sizeof(stat_rows) / sizeof(stat_rows[0]))

/* Numbers of each policy_stats entry. */
static const stat_row policy_rows[] = {
    {"snapshots_taken",
     1,
     {SL "snapshots_taken_total", METRIC_COUNTER, "Total snapshots taken", {"policy"}}},
    {"snapshots_failed",
     1,
     {SL "snapshots_failed_total", METRIC_COUNTER, "Total snapshots failed", {"policy"}}},
    {"snapshots_deleted",
     1,
     {SL "snapshots_deleted_total", METRIC_COUNTER, "Total snapshots deleted", {"policy"}}},
    {"snapshot_deletion_failures",
     1,
     {SL "snapshot_deletion_failures_total",
      METRIC_COUNTER,
      "Total snapshot deletion failures",
      {"policy"}}},
};
#define NPOLSTAT (sizeof(policy_rows) / sizeof(policy_rows[0]))

enum { D_MODE, D_SUCCESS, D_FAILURE, D_NEXT, D_FAILING, D_N };
static const metric_def defs[D_N] = {
    [D_MODE] = {SL "operation_mode", METRIC_GAUGE, "Operating status of SLM", {"operation_mode"}},
    [D_SUCCESS] = {"esvigil_slm_policy_last_success_timestamp_seconds",
                   METRIC_GAUGE,
                   "When the SLM policy last took a snapshot successfully (GET _slm/policy).",
                   {"cluster", "policy"}},
    [D_FAILURE] = {"esvigil_slm_policy_last_failure_timestamp_seconds",
                   METRIC_GAUGE,
                   "When the SLM policy last failed to take a snapshot.",
                   {"cluster", "policy"}},
    [D_NEXT] = {"esvigil_slm_policy_next_execution_timestamp_seconds",
                METRIC_GAUGE,
                "When the SLM policy runs next.",
                {"cluster", "policy"}},
    [D_FAILING] = {"esvigil_slm_policy_failing",
                   METRIC_GAUGE,
                   "1 when the policy's last failure is newer than its last success; reason is "
                   "Elasticsearch's failure detail (shortened).",
                   {"cluster", "policy", "snapshot", "reason"}},
};

static const char *const modes[] = {"RUNNING", "STOPPING", "STOPPED"};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

size_t slm_def_count(void)
{
    return D_N + NSTAT + NPOLSTAT;
}

const metric_def *slm_def(size_t i)
{
    if (i < D_N)
        return &defs[i];
    if (i < D_N + NSTAT)
        return &stat_rows[i - D_N].def;
    return i < slm_def_count() ? &policy_rows[i - D_N - NSTAT].def : NULL;
}

/* One policy_stats entry of /_slm/stats. */
typedef struct pstat {
    char *name; /* NULL until its "policy" field is read */
    double counters[NPOLSTAT];
} pstat;

/* One policy of /_slm/policy. */
typedef struct policy {
    char *name;
    double success_ms, failure_ms, next_ms; /* NAN when absent */
    char failed_snapshot[256];
    char detail[DETAIL_MAX + 1];
} policy;

struct slm {
    jsonparser base;
    slm_doc doc;
    char mode[32];
    double stats[NSTAT];
    int have_stat[NSTAT];
    policy *pols;
    size_t n, cap;
    policy *cur; /* the policy being read */
    pstat *pstats;
    size_t np, pcap;
};
JSONPARSER_FIRST(slm, base);

/* The policy called name, created on first sight; NULL on OOM. */
static policy *policy_get(slm *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->pols[i].name, name) == 0)
            return &p->pols[i];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        policy *np = realloc(p->pols, cap * sizeof(*np));
        if (!np)
            return NULL;
        p->pols = np;
        p->cap = cap;
    }
    policy *pol = &p->pols[p->n];
    memset(pol, 0, sizeof(*pol));
    pol->success_ms = pol->failure_ms = pol->next_ms = NAN;
    if (!(pol->name = strdup(name)))
        return NULL;
    p->n++;
    return pol;
}

static void on_stats(slm *p, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    if (depth == 1 && v->kind == JSONWALK_NUMBER) {
        for (size_t i = 0; i < NSTAT; i++)
            if (strcmp(path[0], stat_rows[i].field) == 0) {
                p->stats[i] = v->num * stat_rows[i].scale;
                p->have_stat[i] = 1;
            }
        return;
    }
    /* policy_stats.N.field: the name may come after the numbers */
    if (depth != 3 || strcmp(path[0], "policy_stats") != 0 || !p->np)
        return;
    pstat *ps = &p->pstats[p->np - 1];
    if (v->kind == JSONWALK_STRING && strcmp(path[2], "policy") == 0) {
        free(ps->name);
        if (!(ps->name = strndup(v->str, v->len)))
            jsonparser_fail(&p->base, "out of memory");
    } else if (v->kind == JSONWALK_NUMBER) {
        for (size_t i = 0; i < NPOLSTAT; i++)
            if (strcmp(path[2], policy_rows[i].field) == 0)
                ps->counters[i] = v->num;
    }
}

static void on_policy(slm *p, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    policy *pol = p->cur;
    if (!pol)
        return;
    if (depth == 2 && v->kind == JSONWALK_NUMBER && strcmp(path[1], "next_execution_millis") == 0)
        pol->next_ms = v->num;
    if (depth != 3)
        return;
    int success = strcmp(path[1], "last_success") == 0;
    if (!success && strcmp(path[1], "last_failure") != 0)
        return;
    if (v->kind == JSONWALK_NUMBER && strcmp(path[2], "time") == 0) {
        if (success)
            pol->success_ms = v->num;
        else
            pol->failure_ms = v->num;
    } else if (!success && v->kind == JSONWALK_STRING) {
        if (strcmp(path[2], "snapshot_name") == 0)
            jsonparser_copy_label(pol->failed_snapshot, sizeof(pol->failed_snapshot), v);
        else if (strcmp(path[2], "details") == 0)
            jsonparser_copy_label(pol->detail, sizeof(pol->detail), v);
    }
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    slm *p = ctx;
    if (p->doc == SLM_STATUS) {
        if (depth == 1 && v->kind == JSONWALK_STRING && strcmp(path[0], "operation_mode") == 0)
            jsonparser_copy_label(p->mode, sizeof(p->mode), v);
    } else if (p->doc == SLM_STATS) {
        on_stats(p, path, depth, v);
    } else {
        on_policy(p, path, depth, v);
    }
    return jsonparser_failed(&p->base) ? -1 : 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    slm *p = ctx;
    (void)is_array;
    if (p->doc == SLM_POLICY && depth == 1) {
        if (!(p->cur = policy_get(p, path[0])))
            return jsonparser_fail(&p->base, "out of memory");
    } else if (p->doc == SLM_STATS && depth == 2 && strcmp(path[0], "policy_stats") == 0) {
        if (p->np == p->pcap) {
            size_t cap = p->pcap ? p->pcap * 2 : 8;
            pstat *np = realloc(p->pstats, cap * sizeof(*np));
            if (!np)
                return jsonparser_fail(&p->base, "out of memory");
            p->pstats = np;
            p->pcap = cap;
        }
        memset(&p->pstats[p->np++], 0, sizeof(pstat));
    }
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    slm *p = ctx;
    (void)path;
    (void)is_array;
    if (p->doc == SLM_POLICY && depth == 1)
        p->cur = NULL;
    return 0;
}

slm *slm_new(void)
{
    return calloc(1, sizeof(slm));
}

void slm_free(slm *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->pols[i].name);
    free(p->pols);
    for (size_t i = 0; i < p->np; i++)
        free(p->pstats[i].name);
    free(p->pstats);
    jsonparser_cleanup(&p->base);
    free(p);
}

int slm_begin(slm *p, slm_doc doc)
{
    static const jsonparser_kind kind = {{on_scalar, on_enter, on_leave}, 1, NULL};
    static const char *const labels[] = {"SLM status", "SLM stats", "SLM policies"};
    p->doc = doc;
    p->cur = NULL;
    return jsonparser_begin(&p->base, &kind, labels[doc]);
}

int slm_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((slm *)p)->base, data, len);
}

int slm_finish(slm *p)
{
    return jsonparser_finish(&p->base);
}

const char *slm_error(const slm *p)
{
    return jsonparser_error(&p->base);
}

const char *slm_operation_mode(const slm *p)
{
    return p->mode;
}

size_t slm_policy_count(const slm *p)
{
    return p->n;
}

const char *slm_policy_name(const slm *p, size_t i)
{
    return i < p->n ? p->pols[i].name : NULL;
}

static int failing(const policy *pol)
{
    return !isnan(pol->failure_ms) && (isnan(pol->success_ms) || pol->failure_ms > pol->success_ms);
}

int slm_policy_failing(const slm *p, size_t i)
{
    return i < p->n && failing(&p->pols[i]);
}

const char *slm_policy_failure_detail(const slm *p, size_t i)
{
    return i < p->n ? p->pols[i].detail : "";
}

static int emit_mode(const slm *p, metric_set *out)
{
    int rc = 0, known = 0;
    for (size_t m = 0; m < NMODES; m++) {
        const char *v[] = {modes[m]};
        known |= strcmp(p->mode, modes[m]) == 0;
        rc |= metric_set_add(out, &defs[D_MODE], v, strcmp(p->mode, modes[m]) == 0);
    }
    if (!known && p->mode[0]) { /* a mode this table does not know, as ES spells it */
        const char *v[] = {p->mode};
        rc |= metric_set_add(out, &defs[D_MODE], v, 1);
    }
    return rc;
}

static int emit_policy(const policy *pol, metric_set *out, const char *cluster)
{
    const char *v[] = {cluster, pol->name};
    int rc = 0;
    if (!isnan(pol->success_ms))
        rc |= metric_set_add(out, &defs[D_SUCCESS], v, floor(pol->success_ms / 1000));
    if (!isnan(pol->failure_ms))
        rc |= metric_set_add(out, &defs[D_FAILURE], v, floor(pol->failure_ms / 1000));
    if (!isnan(pol->next_ms))
        rc |= metric_set_add(out, &defs[D_NEXT], v, floor(pol->next_ms / 1000));
    int bad = failing(pol);
    const char *fv[] = {cluster, pol->name, bad ? pol->failed_snapshot : "",
                        bad ? pol->detail : ""};
    return rc | metric_set_add(out, &defs[D_FAILING], fv, bad);
}

int slm_emit(const slm *p, metric_set *out, const char *cluster)
{
    int rc = emit_mode(p, out);
    for (size_t i = 0; i < NSTAT; i++)
        if (p->have_stat[i])
            rc |= metric_set_add(out, &stat_rows[i].def, NULL, p->stats[i]);
    for (size_t i = 0; i < p->np; i++) {
        const char *v[] = {p->pstats[i].name};
        for (size_t k = 0; k < NPOLSTAT && v[0]; k++) /* an entry without a name is skipped */
            rc |= metric_set_add(out, &policy_rows[k].def, v, p->pstats[i].counters[k]);
    }
    for (size_t i = 0; i < p->n; i++)
        rc |= emit_policy(&p->pols[i], out, cluster ? cluster : "");
    return rc ? -1 : 0;
}

PARSEROPS_ADAPT(slm)

static esget_status fetch(esclient *es, slm *p, slm_doc doc, const char *path, int probe,
                          esclient_err *e, char *err, size_t errlen)
{
    if (slm_begin(p, doc) < 0) {
        snprintf(err, errlen, "slm: out of memory");
        *e = ESCLIENT_ERR_OTHER;
        return ESGET_FAILED;
    }
    esget_parser pp = {p, slm_feed, slm_finish_v, slm_error_v};
    esget_result r;
    if (esget_run(es, path, &pp, probe, &r) != ESGET_OK)
        snprintf(err, errlen, "slm: %.200s", r.error);
    *e = r.err;
    return r.status;
}

esclient_err slm_collect(esclient *es, const char *cluster, metric_set *out, int *unsupported,
                         char *err, size_t errlen)
{
    *unsupported = 0;
    err[0] = '\0';
    slm *p = slm_new();
    if (!p) {
        snprintf(err, errlen, "slm: out of memory");
        return ESCLIENT_ERR_OTHER;
    }
    esclient_err e = ESCLIENT_OK;
    esget_status st = fetch(es, p, SLM_STATUS, SLM_STATUS_PATH, 1, &e, err, errlen);
    *unsupported = st == ESGET_UNSUPPORTED;
    if (st == ESGET_OK)
        st = fetch(es, p, SLM_STATS, SLM_STATS_PATH, 0, &e, err, errlen);
    if (st == ESGET_OK)
        st = fetch(es, p, SLM_POLICY, SLM_POLICY_PATH, 0, &e, err, errlen);
    if (st == ESGET_OK && slm_emit(p, out, cluster) < 0) {
        snprintf(err, errlen, "slm: out of memory");
        e = ESCLIENT_ERR_OTHER;
    }
    slm_free(p);
    return e;
}
