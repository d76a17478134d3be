/* snapstats: two small streaming parsers (repository names, one repository's
 * listing) and the run that asks for the list and then each repository. */
#include "snapstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esget.h"
#include "jsonparser.h"
#include "parserops.h"

#define SS "elasticsearch_snapshot_stats_"
#define REF_LATEST_LABELS                                                                          \
    {                                                                                              \
        "repository", "state", "version"                                                           \
    }

/* Names, types, labels and help strings as the reference exporter's. */
enum {
    D_INDICES,
    D_START,
    D_END,
    D_FAILURES,
    D_SHARDS_TOTAL,
    D_SHARDS_FAILED,
    D_SHARDS_OK,
    D_COUNT,
    D_OLDEST,
    D_LATEST,
    D_LAST_SUCCESS,
    D_LAST_SUCCESS_AGE,
    D_LATEST_FAILED,
    D_REPO_UP,
    D_REPO_ERRORS,
    D_N
};
static const metric_def defs[D_N] = {
    [D_INDICES] = {SS "snapshot_number_of_indices", METRIC_GAUGE,
                   "Number of indices in the last snapshot", REF_LATEST_LABELS},
    [D_START] = {SS "snapshot_start_time_timestamp", METRIC_GAUGE, "Last snapshot start timestamp",
                 REF_LATEST_LABELS},
    [D_END] = {SS "snapshot_end_time_timestamp", METRIC_GAUGE, "Last snapshot end timestamp",
               REF_LATEST_LABELS},
    [D_FAILURES] = {SS "snapshot_number_of_failures", METRIC_GAUGE,
                    "Last snapshot number of failures", REF_LATEST_LABELS},
    [D_SHARDS_TOTAL] = {SS "snapshot_total_shards", METRIC_GAUGE, "Last snapshot total shards",
                        REF_LATEST_LABELS},
    [D_SHARDS_FAILED] = {SS "snapshot_failed_shards", METRIC_GAUGE, "Last snapshot failed shards",
                         REF_LATEST_LABELS},
    [D_SHARDS_OK] = {SS "snapshot_successful_shards", METRIC_GAUGE,
                     "Last snapshot successful shards", REF_LATEST_LABELS},
    [D_COUNT] = {SS "number_of_snapshots",
                 METRIC_GAUGE,
                 "Number of snapshots in a repository",
                 {"repository"}},
    [D_OLDEST] = {SS "oldest_snapshot_timestamp",
                  METRIC_GAUGE,
                  "Timestamp of the oldest snapshot",
                  {"repository"}},
    [D_LATEST] = {SS "latest_snapshot_timestamp_seconds",
                  METRIC_GAUGE,
                  "Timestamp of the latest SUCCESS or PARTIAL snapshot",
                  {"repository"}},
    [D_LAST_SUCCESS] = {"esvigil_snapshot_last_success_timestamp_seconds",
                        METRIC_GAUGE,
                        "End time of the newest SUCCESS snapshot of the repository; 0 when it has "
                        "snapshots but none succeeded.",
                        {"cluster", "repository"}},
    [D_LAST_SUCCESS_AGE] = {"esvigil_snapshot_last_success_age_seconds",
                            METRIC_GAUGE,
                            "Seconds since the newest SUCCESS snapshot ended, +Inf when the "
                            "repository has snapshots but none succeeded.",
                            {"cluster", "repository"}},
    [D_LATEST_FAILED] = {"esvigil_snapshot_latest_failed",
                         METRIC_GAUGE,
                         "1 when the repository's newest snapshot is FAILED or PARTIAL; the labels "
                         "name it and give its state as Elasticsearch spells it.",
                         {"cluster", "repository", "snapshot", "state"}},
    [D_REPO_UP] = {"esvigil_snapshot_repository_up",
                   METRIC_GAUGE,
                   "1 if the repository's snapshots could be listed in the last run.",
                   {"cluster", "repository"}},
    [D_REPO_ERRORS] = {"esvigil_snapshot_repository_errors_total",
                       METRIC_COUNTER,
                       "Failed listings of the repository since esvigil started.",
                       {"cluster", "repository"}},
};

size_t snapstats_def_count(void)
{
    return D_N;
}

const metric_def *snapstats_def(size_t i)
{
    return i < D_N ? &defs[i] : NULL;
}

/* ---- repository names ---- */

struct snapstats_repos {
    jsonparser base;
    char **names;
    size_t n, cap;
};
JSONPARSER_FIRST(snapstats_repos, base);

static int repos_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    snapstats_repos *p = ctx;
    (void)is_array;
    if (depth != 1)
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        char **names = realloc(p->names, cap * sizeof(*names));
        if (!names)
            return jsonparser_fail(&p->base, "out of memory");
        p->names = names;
        p->cap = cap;
    }
    if (!(p->names[p->n] = strdup(path[0])))
        return jsonparser_fail(&p->base, "out of memory");
    p->n++;
    return 0;
}

snapstats_repos *snapstats_repos_new(void)
{
    static const jsonparser_kind kind = {{NULL, repos_enter, NULL}, 1, NULL};
    snapstats_repos *p = calloc(1, sizeof(*p));
    if (!p || jsonparser_begin(&p->base, &kind, "snapshot repositories") < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void snapstats_repos_free(snapstats_repos *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->names[i]);
    free(p->names);
    jsonparser_cleanup(&p->base);
    free(p);
}

int snapstats_repos_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((snapstats_repos *)p)->base, data, len);
}

int snapstats_repos_finish(snapstats_repos *p)
{
    return jsonparser_finish(&p->base);
}

const char *snapstats_repos_error(const snapstats_repos *p)
{
    return jsonparser_error(&p->base);
}

size_t snapstats_repos_count(const snapstats_repos *p)
{
    return jsonparser_finished(&p->base) ? p->n : 0;
}

const char *snapstats_repos_name(const snapstats_repos *p, size_t i)
{
    return jsonparser_finished(&p->base) && i < p->n ? p->names[i] : NULL;
}

/* ---- one repository's listing ---- */

typedef struct snap {
    char name[256];
    char state[32];
    char version[32];
    double start_ms, end_ms;
    double indices, failures;
    double shards_total, shards_failed, shards_ok;
} snap;

struct snapstats_list {
    jsonparser base;
    snap cur, last;
    size_t count;
    double oldest_start_ms; /* the first listed snapshot's */
    double ref_latest_ms;   /* the last SUCCESS or PARTIAL one's start */
    double success_end_ms;  /* the newest SUCCESS one's end */
    int have_success, have_list;
};
JSONPARSER_FIRST(snapstats_list, base);

static void copy_str(char *dst, size_t n, const jsonwalk_value *v)
{
    size_t len = v->len < n - 1 ? v->len : n - 1;
    memcpy(dst, v->str, len);
    dst[len] = '\0';
}

static int is_snapshot(const char *const *path, size_t depth)
{
    return depth >= 2 && strcmp(path[0], "snapshots") == 0;
}

static void snap_field(snap *s, const char *key, const jsonwalk_value *v)
{
    if (v->kind == JSONWALK_STRING) {
        if (strcmp(key, "snapshot") == 0)
            copy_str(s->name, sizeof(s->name), v);
        else if (strcmp(key, "state") == 0)
            copy_str(s->state, sizeof(s->state), v);
        else if (strcmp(key, "version") == 0)
            copy_str(s->version, sizeof(s->version), v);
    } else if (v->kind == JSONWALK_NUMBER) {
        if (strcmp(key, "start_time_in_millis") == 0)
            s->start_ms = v->num;
        else if (strcmp(key, "end_time_in_millis") == 0)
            s->end_ms = v->num;
    }
}

static int list_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    snapstats_list *p = ctx;
    if (!is_snapshot(path, depth))
        return 0;
    snap *s = &p->cur;
    if (depth == 3) {
        snap_field(s, path[2], v);
    } else if (depth == 4 && strcmp(path[2], "indices") == 0) {
        s->indices++;
    } else if (depth == 4 && strcmp(path[2], "failures") == 0) {
        s->failures++;
    } else if (depth == 4 && strcmp(path[2], "shards") == 0 && v->kind == JSONWALK_NUMBER) {
        if (strcmp(path[3], "total") == 0)
            s->shards_total = v->num;
        else if (strcmp(path[3], "failed") == 0)
            s->shards_failed = v->num;
        else if (strcmp(path[3], "successful") == 0)
            s->shards_ok = v->num;
    }
    return 0;
}

static int list_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    snapstats_list *p = ctx;
    if (depth == 1 && strcmp(path[0], "snapshots") == 0) {
        if (!is_array)
            return jsonparser_fail(&p->base, "\"snapshots\" is not an array");
        p->have_list = 1;
    } else if (depth == 2 && is_snapshot(path, depth)) {
        memset(&p->cur, 0, sizeof(p->cur));
    } else if (depth == 4 && is_snapshot(path, depth) && strcmp(path[2], "failures") == 0) {
        p->cur.failures++;
    }
    return 0;
}

static int list_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    snapstats_list *p = ctx;
    (void)is_array;
    if (depth != 2 || !is_snapshot(path, depth))
        return 0;
    const snap *s = &p->cur;
    if (p->count++ == 0)
        p->oldest_start_ms = s->start_ms;
    if (strcmp(s->state, "SUCCESS") == 0 || strcmp(s->state, "PARTIAL") == 0)
        p->ref_latest_ms = s->start_ms;
    if (strcmp(s->state, "SUCCESS") == 0 && (!p->have_success || s->end_ms > p->success_end_ms)) {
        p->success_end_ms = s->end_ms;
        p->have_success = 1;
    }
    p->last = *s;
    return 0;
}

static int list_done(void *ctx)
{
    snapstats_list *p = ctx;
    return p->have_list ? 0 : jsonparser_fail(&p->base, "no \"snapshots\" array in the response");
}

snapstats_list *snapstats_list_new(void)
{
    static const jsonparser_kind kind = {{list_scalar, list_enter, list_leave}, 0, list_done};
    snapstats_list *p = calloc(1, sizeof(*p));
    if (!p || jsonparser_begin(&p->base, &kind, "snapshots") < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void snapstats_list_free(snapstats_list *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p);
}

int snapstats_list_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((snapstats_list *)p)->base, data, len);
}

int snapstats_list_finish(snapstats_list *p)
{
    return jsonparser_finish(&p->base);
}

const char *snapstats_list_error(const snapstats_list *p)
{
    return jsonparser_error(&p->base);
}

size_t snapstats_list_count(const snapstats_list *p)
{
    return p->count;
}

const char *snapstats_list_latest_name(const snapstats_list *p)
{
    return p->count ? p->last.name : "";
}

const char *snapstats_list_latest_state(const snapstats_list *p)
{
    return p->count ? p->last.state : "";
}

double snapstats_list_last_success_end(const snapstats_list *p)
{
    return p->have_success ? floor(p->success_end_ms / 1000) : 0;
}

/* The reference truncates milliseconds to whole seconds. */
static double secs(double ms)
{
    return floor(ms / 1000);
}

static int emit_latest(const snapstats_list *p, metric_set *out, const char *repository)
{
    const snap *s = &p->last;
    const char *v[] = {repository, s->state, s->version};
    const double vals[] = {
        [D_INDICES] = s->indices,           [D_START] = secs(s->start_ms),
        [D_END] = secs(s->end_ms),          [D_FAILURES] = s->failures,
        [D_SHARDS_TOTAL] = s->shards_total, [D_SHARDS_FAILED] = s->shards_failed,
        [D_SHARDS_OK] = s->shards_ok,
    };
    int rc = 0;
    for (int d = D_INDICES; d <= D_SHARDS_OK; d++)
        rc |= metric_set_add(out, &defs[d], v, vals[d]);
    return rc;
}

int snapstats_list_emit(const snapstats_list *p, metric_set *out, const char *cluster,
                        const char *repository, double now)
{
    const char *repo[] = {repository};
    const char *own[] = {cluster ? cluster : "", repository};
    int rc = metric_set_add(out, &defs[D_COUNT], repo, (double)p->count);
    rc |= metric_set_add(out, &defs[D_OLDEST], repo, p->count ? secs(p->oldest_start_ms) : 0);
    rc |= metric_set_add(out, &defs[D_LATEST], repo, secs(p->ref_latest_ms));
    if (p->count == 0)
        return rc;
    rc |= emit_latest(p, out, repository);
    double end = snapstats_list_last_success_end(p);
    rc |= metric_set_add(out, &defs[D_LAST_SUCCESS], own, end);
    rc |= metric_set_add(out, &defs[D_LAST_SUCCESS_AGE], own,
                         p->have_success ? (now > end ? now - end : 0) : INFINITY);
    const char *st = p->last.state;
    const char *lv[] = {own[0], repository, p->last.name, st};
    rc |= metric_set_add(out, &defs[D_LATEST_FAILED], lv,
                         strcmp(st, "FAILED") == 0 || strcmp(st, "PARTIAL") == 0);
    return rc;
}

/* ---- the collector ---- */

typedef struct repo_count {
    char *name;
    unsigned long long errors;
} repo_count;

struct snapstats {
    repo_count *repos;
    size_t n, cap;
};

snapstats *snapstats_new(void)
{
    return calloc(1, sizeof(snapstats));
}

void snapstats_free(snapstats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->repos[i].name);
    free(s->repos);
    free(s);
}

/* The counter of a repository, created at first sight; NULL on OOM. */
static repo_count *repo_counter(snapstats *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->repos[i].name, name) == 0)
            return &s->repos[i];
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        repo_count *r = realloc(s->repos, cap * sizeof(*r));
        if (!r)
            return NULL;
        s->repos = r;
        s->cap = cap;
    }
    repo_count *r = &s->repos[s->n];
    if (!(r->name = strdup(name)))
        return NULL;
    r->errors = 0;
    s->n++;
    return r;
}

PARSEROPS_ADAPT(snapstats_repos)
PARSEROPS_ADAPT(snapstats_list)

static esclient_err list_repos(esclient *es, snapstats_repos *repos, char *err, size_t errlen)
{
    esget_parser pp = {repos, snapstats_repos_feed, snapstats_repos_finish_v,
                       snapstats_repos_error_v};
    esget_result r;
    if (esget_run(es, "/_snapshot", &pp, 0, &r) != ESGET_OK)
        snprintf(err, errlen, "snapshots: %.200s", r.error);
    return r.err;
}

/* One repository into a scratch set, merged only when the listing was whole. */
static int list_one(esclient *es, const char *cluster, const char *repo, double now,
                    metric_set *out, char *err, size_t errlen)
{
    char path[600] = "/_snapshot/";
    snprintf(err, errlen, "snapshots: repository %.200s: out of memory", repo);
    if (esget_escape(repo, path, sizeof(path) - 8) < 0) {
        snprintf(err, errlen, "snapshots: repository name too long");
        return -1;
    }
    strcat(path, "/_all");
    metric_set *scratch = metric_set_new();
    snapstats_list *p = snapstats_list_new();
    int rc = -1;
    if (scratch && p) {
        esget_parser pp = {p, snapstats_list_feed, snapstats_list_finish_v, snapstats_list_error_v};
        esget_result r;
        if (esget_run(es, path, &pp, 0, &r) != ESGET_OK)
            snprintf(err, errlen, "snapshots: %.200s", r.error);
        else if (snapstats_list_emit(p, scratch, cluster, repo, now) == 0)
            rc = metric_set_merge(out, scratch) == 0 ? 0 : -1;
    }
    snapstats_list_free(p);
    metric_set_free(scratch);
    return rc;
}

esclient_err snapstats_collect(snapstats *s, esclient *es, const char *cluster, double now,
                               metric_set *out, char *err, size_t errlen)
{
    snapstats_repos *repos = snapstats_repos_new();
    err[0] = '\0';
    if (!repos) {
        snprintf(err, errlen, "snapshots: out of memory");
        return ESCLIENT_ERR_OTHER;
    }
    esclient_err e = list_repos(es, repos, err, errlen);
    if (e != ESCLIENT_OK) {
        snapstats_repos_free(repos);
        return e;
    }
    int rc = 0;
    for (size_t i = 0; i < snapstats_repos_count(repos); i++) {
        const char *name = snapstats_repos_name(repos, i);
        const char *own[] = {cluster ? cluster : "", name};
        repo_count *rc_ = repo_counter(s, name);
        char why[256];
        int ok = list_one(es, cluster, name, now, out, why, sizeof(why)) == 0;
        if (!ok && rc_)
            rc_->errors++;
        if (!ok && !err[0]) /* the first failed repository, as a warning */
            snprintf(err, errlen, "%s", why);
        rc |= metric_set_add(out, &defs[D_REPO_UP], own, ok);
        rc |= metric_set_add(out, &defs[D_REPO_ERRORS], own, rc_ ? (double)rc_->errors : 0);
    }
    snapstats_repos_free(repos);
    if (rc)
        snprintf(err, errlen, "snapshots: out of memory");
    return rc ? ESCLIENT_ERR_OTHER : ESCLIENT_OK;
}
