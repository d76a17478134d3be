/* ilm: one walker per document; an explained index is gathered while its
 * object is open and emitted when it closes, so memory stays flat. */
#include "ilm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esget.h"
#include "jsonparser.h"
#include "parserops.h"

#define REASON_MAX 200

enum {
    D_INDEX_STATUS,
    D_STATUS,
    D_ILM_ERROR,
    D_ILM_ERRORS,
    D_ISM_FAILED,
    D_ISM_FAILURES,
    D_ISM_MANAGED,
    D_N
};
static const metric_def defs[D_N] = {
    [D_INDEX_STATUS] = {"elasticsearch_ilm_index_status",
                        METRIC_GAUGE,
                        "Status of ILM policy for index",
                        {"index", "phase", "action", "step"}},
    [D_STATUS] = {"elasticsearch_ilm_status",
                  METRIC_GAUGE,
                  "Current status of ILM. Status can be STOPPED, RUNNING, STOPPING.",
                  {"operation_mode"}},
    [D_ILM_ERROR] = {"esvigil_ilm_index_error",
                     METRIC_GAUGE,
                     "1 for an index in ILM's ERROR step: its policy, the step that failed and "
                     "Elasticsearch's reason (shortened).",
                     {"cluster", "index", "policy", "step", "reason"}},
    [D_ILM_ERRORS] = {"esvigil_ilm_error_indices",
                      METRIC_GAUGE,
                      "Indices in ILM's ERROR step.",
                      {"cluster"}},
    [D_ISM_FAILED] = {"esvigil_ism_index_failed",
                      METRIC_GAUGE,
                      "1 for an index whose ISM action failed: its policy, action, step and "
                      "OpenSearch's message (shortened).",
                      {"cluster", "index", "policy", "action", "step", "reason"}},
    [D_ISM_FAILURES] = {"esvigil_ism_failed_indices",
                        METRIC_GAUGE,
                        "Indices whose ISM action failed.",
                        {"cluster"}},
    [D_ISM_MANAGED] = {"esvigil_ism_managed_indices",
                       METRIC_GAUGE,
                       "Indices managed by ISM.",
                       {"cluster"}},
};

static const char *const modes[] = {"STOPPED", "RUNNING", "STOPPING"};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

size_t ilm_def_count(void)
{
    return D_N;
}

const metric_def *ilm_def(size_t i)
{
    return i < D_N ? &defs[i] : NULL;
}

/* The index being read. */
typedef struct entry {
    char index[256];
    char policy[256];
    char phase[64], action[64], step[64], failed_step[64];
    char reason[REASON_MAX + 1], type[128];
    int managed, failed;
} entry;

struct ilm {
    jsonparser base;
    metric_set *out;
    char *cluster;
    ilm_doc doc;
    entry cur;
    char mode[32];
    size_t indices, errors, failed;
    double managed_total;
    int have_managed_total;
};
JSONPARSER_FIRST(ilm, base);

/* _all/_ilm/explain: indices.NAME.{managed, policy, phase, action, step,
 * failed_step, step_info.{type, reason}} */
static void on_ilm(entry *e, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    if (depth == 3 && v->kind == JSONWALK_BOOL && strcmp(path[2], "managed") == 0) {
        e->managed = v->num != 0;
        return;
    }
    if (v->kind != JSONWALK_STRING)
        return;
    if (depth == 3) {
        static const struct {
            const char *key;
            size_t off, size;
        } f[] = {
            {"index", offsetof(entry, index), sizeof(((entry *)0)->index)},
            {"policy", offsetof(entry, policy), sizeof(((entry *)0)->policy)},
            {"phase", offsetof(entry, phase), sizeof(((entry *)0)->phase)},
            {"action", offsetof(entry, action), sizeof(((entry *)0)->action)},
            {"step", offsetof(entry, step), sizeof(((entry *)0)->step)},
            {"failed_step", offsetof(entry, failed_step), sizeof(((entry *)0)->failed_step)},
        };
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
            if (strcmp(path[2], f[i].key) == 0)
                jsonparser_copy_label((char *)e + f[i].off, f[i].size, v);
    } else if (depth == 4 && strcmp(path[2], "step_info") == 0) {
        if (strcmp(path[3], "reason") == 0)
            jsonparser_copy_label(e->reason, sizeof(e->reason), v);
        else if (strcmp(path[3], "type") == 0)
            jsonparser_copy_label(e->type, sizeof(e->type), v);
    }
}

/* _plugins/_ism/explain: NAME.{index, policy_id, state.name, action.{name,
 * failed}, step.{name, step_status}, retry_info.failed, info.{message, cause}} */
static void on_ism(entry *e, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    const char *k = path[1];
    if (depth == 2 && v->kind == JSONWALK_STRING) {
        if (strcmp(k, "index") == 0)
            jsonparser_copy_label(e->index, sizeof(e->index), v);
        else if (strcmp(k, "policy_id") == 0)
            jsonparser_copy_label(e->policy, sizeof(e->policy), v);
        return;
    }
    if (depth != 3)
        return;
    const char *f = path[2];
    if (v->kind == JSONWALK_BOOL && strcmp(f, "failed") == 0 &&
        (strcmp(k, "action") == 0 || strcmp(k, "retry_info") == 0)) {
        e->failed |= v->num != 0;
    } else if (v->kind == JSONWALK_STRING) {
        if (strcmp(k, "state") == 0 && strcmp(f, "name") == 0)
            jsonparser_copy_label(e->phase, sizeof(e->phase), v);
        else if (strcmp(k, "action") == 0 && strcmp(f, "name") == 0)
            jsonparser_copy_label(e->action, sizeof(e->action), v);
        else if (strcmp(k, "step") == 0 && strcmp(f, "name") == 0)
            jsonparser_copy_label(e->step, sizeof(e->step), v);
        else if (strcmp(k, "step") == 0 && strcmp(f, "step_status") == 0)
            e->failed |= v->len == 6 && strncmp(v->str, "failed", 6) == 0;
        else if (strcmp(k, "info") == 0 && strcmp(f, "message") == 0)
            jsonparser_copy_label(e->reason, sizeof(e->reason), v);
        else if (strcmp(k, "info") == 0 && strcmp(f, "cause") == 0)
            jsonparser_copy_label(e->type, sizeof(e->type), v);
    }
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    ilm *p = ctx;
    if (p->doc == ILM_STATUS) {
        if (depth == 1 && v->kind == JSONWALK_STRING && strcmp(path[0], "operation_mode") == 0)
            jsonparser_copy_label(p->mode, sizeof(p->mode), v);
    } else if (p->doc == ILM_EXPLAIN) {
        if (depth >= 3 && strcmp(path[0], "indices") == 0)
            on_ilm(&p->cur, path, depth, v);
    } else if (depth == 1 && v->kind == JSONWALK_NUMBER &&
               strcmp(path[0], "total_managed_indices") == 0) {
        p->managed_total = v->num;
        p->have_managed_total = 1;
    } else if (depth >= 2) {
        on_ism(&p->cur, path, depth, v);
    }
    return 0;
}

static int entry_depth(const ilm *p)
{
    return p->doc == ILM_EXPLAIN ? 2 : 1;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    ilm *p = ctx;
    (void)is_array;
    if (p->doc == ILM_EXPLAIN && depth == 2 && strcmp(path[0], "indices") != 0)
        return 0;
    if (p->doc != ILM_STATUS && (int)depth == entry_depth(p)) {
        memset(&p->cur, 0, sizeof(p->cur));
        /* the key names the index when the body does not */
        snprintf(p->cur.index, sizeof(p->cur.index), "%s", path[depth - 1]);
    }
    return 0;
}

static int emit_ilm(ilm *p, const entry *e)
{
    const char *v[] = {e->index, e->phase, e->action, e->step};
    int rc = metric_set_add(p->out, &defs[D_INDEX_STATUS], v, e->managed);
    if (strcmp(e->step, "ERROR") == 0) {
        const char *ev[] = {p->cluster, e->index, e->policy,
                            e->failed_step[0] ? e->failed_step : e->action,
                            e->reason[0] ? e->reason : e->type};
        rc |= metric_set_add(p->out, &defs[D_ILM_ERROR], ev, 1);
        p->errors++;
    }
    return rc;
}

static int emit_ism(ilm *p, const entry *e)
{
    if (!e->failed)
        return 0;
    p->failed++;
    const char *v[] = {p->cluster, e->index, e->policy,
                       e->action,  e->step,  e->reason[0] ? e->reason : e->type};
    return metric_set_add(p->out, &defs[D_ISM_FAILED], v, 1);
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    ilm *p = ctx;
    (void)is_array;
    if (p->doc == ILM_STATUS || (int)depth != entry_depth(p))
        return 0;
    if (p->doc == ILM_EXPLAIN && strcmp(path[0], "indices") != 0)
        return 0;
    p->indices++;
    int rc = p->doc == ILM_EXPLAIN ? emit_ilm(p, &p->cur) : emit_ism(p, &p->cur);
    return rc ? jsonparser_fail(&p->base, "out of memory") : 0;
}

ilm *ilm_new(metric_set *out, const char *cluster)
{
    ilm *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    if (!(p->cluster = strdup(cluster ? cluster : ""))) {
        free(p);
        return NULL;
    }
    return p;
}

void ilm_free(ilm *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

static int done(void *ctx);

int ilm_begin(ilm *p, ilm_doc doc)
{
    static const jsonparser_kind kind = {{on_scalar, on_enter, on_leave}, 1, done};
    static const char *const labels[] = {"ILM status", "ILM explain", "ISM explain"};
    p->doc = doc;
    return jsonparser_begin(&p->base, &kind, labels[doc]);
}

int ilm_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((ilm *)p)->base, data, len);
}

static int emit_status(ilm *p)
{
    int rc = 0, known = 0;
    for (size_t m = 0; m < NMODES; m++) {
        const char *v[] = {modes[m]};
        known |= strcmp(p->mode, modes[m]) == 0;
        rc |= metric_set_add(p->out, &defs[D_STATUS], v, strcmp(p->mode, modes[m]) == 0);
    }
    if (!known && p->mode[0]) { /* as Elasticsearch spells it */
        const char *v[] = {p->mode};
        rc |= metric_set_add(p->out, &defs[D_STATUS], v, 1);
    }
    return rc;
}

static int done(void *ctx)
{
    ilm *p = ctx;
    const char *c[] = {p->cluster};
    int rc = 0;
    if (p->doc == ILM_STATUS)
        rc = emit_status(p);
    else if (p->doc == ILM_EXPLAIN)
        rc = metric_set_add(p->out, &defs[D_ILM_ERRORS], c, (double)p->errors);
    else
        rc = metric_set_add(p->out, &defs[D_ISM_FAILURES], c, (double)p->failed) |
             metric_set_add(p->out, &defs[D_ISM_MANAGED], c,
                            p->have_managed_total ? p->managed_total : (double)p->indices);
    return rc ? jsonparser_fail(&p->base, "out of memory") : 0;
}

int ilm_finish(ilm *p)
{
    return jsonparser_finish(&p->base);
}

const char *ilm_error(const ilm *p)
{
    return jsonparser_error(&p->base);
}

size_t ilm_index_count(const ilm *p)
{
    return p->indices;
}

size_t ilm_error_count(const ilm *p)
{
    return p->errors;
}

size_t ilm_failed_count(const ilm *p)
{
    return p->failed;
}

PARSEROPS_ADAPT(ilm)

static esget_status fetch(esclient *es, ilm *p, ilm_doc doc, const char *path, int probe,
                          esclient_err *e, char *err, size_t errlen)
{
    if (ilm_begin(p, doc) < 0) {
        snprintf(err, errlen, "ilm: out of memory");
        *e = ESCLIENT_ERR_OTHER;
        return ESGET_FAILED;
    }
    esget_parser pp = {p, ilm_feed, ilm_finish_v, ilm_error_v};
    esget_result r;
    if (esget_run(es, path, &pp, probe, &r) != ESGET_OK)
        snprintf(err, errlen, "ilm: %.200s", r.error);
    *e = r.err;
    return r.status;
}

/* The next API to try after one was found missing. */
static ilm_api next_api(ilm_api a)
{
    return a == ILM_API_ILM ? ILM_API_ISM : a == ILM_API_ISM ? ILM_API_ISM_ODFE : ILM_API_NONE;
}

static esget_status run_api(esclient *es, ilm *p, ilm_api a, esclient_err *e, char *err,
                            size_t errlen)
{
    if (a == ILM_API_ILM) {
        esget_status st = fetch(es, p, ILM_STATUS, ILM_STATUS_PATH, 1, e, err, errlen);
        return st == ESGET_OK ? fetch(es, p, ILM_EXPLAIN, ILM_EXPLAIN_PATH, 0, e, err, errlen) : st;
    }
    return fetch(es, p, ISM_EXPLAIN, a == ILM_API_ISM ? ISM_EXPLAIN_PATH : ISM_EXPLAIN_PATH_ODFE, 1,
                 e, err, errlen);
}

esclient_err ilm_collect(esclient *es, const char *cluster, ilm_api *api, metric_set *out,
                         int *unsupported, char *err, size_t errlen)
{
    *unsupported = 0;
    err[0] = '\0';
    ilm *p = ilm_new(out, cluster);
    if (!p) {
        snprintf(err, errlen, "ilm: out of memory");
        return ESCLIENT_ERR_OTHER;
    }
    ilm_api a = *api == ILM_API_UNKNOWN ? ILM_API_ILM : *api;
    esget_status st = ESGET_UNSUPPORTED;
    esclient_err e = ESCLIENT_ERR_HTTP_STATUS;
    while (a != ILM_API_NONE && (st = run_api(es, p, a, &e, err, errlen)) == ESGET_UNSUPPORTED &&
           *api == ILM_API_UNKNOWN)
        a = next_api(a);
    if (st == ESGET_OK || *api == ILM_API_UNKNOWN)
        *api = st == ESGET_OK ? a : st == ESGET_UNSUPPORTED ? ILM_API_NONE : ILM_API_UNKNOWN;
    *unsupported = st == ESGET_UNSUPPORTED;
    if (*unsupported)
        snprintf(err, errlen, "ilm: neither ILM nor ISM is available on this cluster");
    ilm_free(p);
    return st == ESGET_OK ? ESCLIENT_OK : e;
}
