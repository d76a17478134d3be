/* statuspage: one self-contained page per poll. Prometheus never asks for /,
 * so a poll only keeps what its page shows (statuspage_poll_take) and the
 * HTML is built when someone asks. Node, index and cluster names come from
 * Elasticsearch and so from whoever can name a node: they go through
 * statuspage_escape, and the page carries no script to attack. */
#include "statuspage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkreport.h"
#include "checktable.h"
#include "strmap.h"

struct statuspage_state {
    strmap *last_ok; /* collector label -> double: unix time of its last success */
};

/* One row of the collectors table. */
typedef struct page_collector {
    const char *name;
    double last_ok;
} page_collector;

/* One allocation: the rows, the failures, then the strings the rest point to. The rows are
 * copies because later polls move the state on while this poll's page may still be asked for.
 * Of the ~10 KB collect_result only what the page reads is kept: copying it whole was most of
 * the per-poll cost left. */
struct statuspage_poll {
    statuspage_info info;
    double duration;
    int es_up;
    const char *es_error;
    checks_result checks; /* owned */
    collect_failure *failures;
    size_t nfailures;
    size_t ncollectors;
    page_collector collectors[];
};

statuspage_state *statuspage_state_new(void)
{
    statuspage_state *st = calloc(1, sizeof(*st));
    if (st && !(st->last_ok = strmap_new(sizeof(double)))) {
        free(st);
        return NULL;
    }
    return st;
}

void statuspage_state_free(statuspage_state *st)
{
    if (!st)
        return;
    strmap_free(st->last_ok);
    free(st);
}

void statuspage_escape(buf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        default:
            buf_putc(out, *s);
        }
    }
}

static void put_time(buf *out, double t)
{
    if (t <= 0) {
        buf_puts(out, "never");
        return;
    }
    time_t secs = (time_t)t;
    struct tm tm;
    char when[40];
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    buf_puts(out, when);
}

/* No external stylesheet: the page must render where only esvigil answers. */
static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}"
    "h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}"
    "table{border-collapse:collapse;background:#fff;width:100%}"
    "th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#eee}code{font-size:.95em}.hint{color:#444}.detail{color:#900}"
    ".banner{padding:.5em .8em;border-radius:4px;font-weight:bold;display:inline-block}"
    ".OK{background:#d4edda}.WARNING{background:#fff3cd}.CRITICAL{background:#f8d7da}"
    ".UNKNOWN{background:#e2e3e5}.failed{background:#f8d7da}.ok{background:#d4edda}"
    ".not-run{background:#e2e3e5}"
    "nav a{margin-right:1em}";

static void put_head(buf *out, const statuspage_info *in)
{
    int refresh = in->refresh_seconds > 0 ? in->refresh_seconds : 1;
    buf_printf(out,
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta http-equiv=\"refresh\" content=\"%d\">"
               "<meta name=\"viewport\" content=\"width=device-width\">"
               "<title>esvigil</title><style>%s</style></head>\n<body>\n<h1>esvigil ",
               refresh, style);
    statuspage_escape(out, in->version);
    buf_puts(out, "</h1>\n<p>Elasticsearch node health exporter. Elasticsearch: <code>");
    statuspage_escape(out, in->es_url);
    buf_puts(out, "</code></p>\n<nav id=\"links\"><a href=\"");
    statuspage_escape(out, in->telemetry_path);
    buf_puts(out, "\">Metrics</a><a href=\"/rules\">Alert rules</a>"
                  "<a href=\"/-/healthy\">/-/healthy</a><a href=\"/-/ready\">/-/ready</a></nav>\n");
}

static void put_poll(buf *out, const statuspage_info *in, const collect_result *res)
{
    buf_puts(out, "<h2>Last poll</h2>\n<p id=\"last-poll\">Finished ");
    put_time(out, in->finished_at);
    buf_printf(out, ", took %.3f s, polls so far: %lu. Result: <b id=\"poll-result\">",
               res->duration, in->polls);
    statuspage_escape(out, res->es_up ? "ok" : res->es_error);
    buf_puts(out, "</b>. Elasticsearch last answered: ");
    put_time(out, in->last_success);
    buf_puts(out, ".</p>\n");
}

static void put_finding(buf *out, const check_finding *f, const checkreport_detail *details,
                        size_t ndetails)
{
    const check_def *d = checktable_row(f->check);
    const char *sev = check_status_name(f->status);
    char v[32], t[32];
    checkreport_format_value(d->unit, f->value, v, sizeof(v));
    checkreport_format_value(d->unit, f->threshold, t, sizeof(t));
    buf_printf(out,
               "<tr class=\"finding %s\"><td class=\"severity\">%s</td><td class=\"check\">%s"
               "</td><td class=\"subject\">",
               sev, sev, d->name);
    statuspage_escape(out, f->subject);
    buf_printf(out, "</td><td class=\"value\">%s %s %s</td><td class=\"seed\">%s</td><td>", v,
               d->cmp == CMP_GT ? "&gt;" : "&lt;", t, d->seed ? d->seed : "");
    statuspage_escape(out, d->summary);
    const char *detail = checkreport_detail_of(f, details, ndetails);
    if (detail) {
        buf_puts(out, "<div class=\"detail\">detail: ");
        statuspage_escape(out, detail);
        buf_puts(out, "</div>");
    }
    buf_puts(out, "<div class=\"hint\">hint: ");
    statuspage_escape(out, d->hint);
    buf_puts(out, "</div></td></tr>\n");
}

static void put_findings(buf *out, const collect_result *res)
{
    const checks_result *c = &res->checks;
    size_t count[4] = {0};
    for (size_t i = 0; i < c->nfindings; i++)
        count[c->findings[i].status]++;
    const char *worst = check_status_name(c->worst);
    buf_printf(out,
               "<h2>Findings</h2>\n<p><span id=\"worst\" class=\"banner %s\">%s</span> "
               "%zu critical, %zu warning, %zu (check, subject) pairs evaluated</p>\n",
               worst, worst, count[CHECK_CRITICAL], count[CHECK_WARNING], c->evaluated);
    if (!c->nfindings) {
        buf_puts(out, "<p id=\"no-findings\">Every check is OK.</p>\n");
        return;
    }
    checkreport_detail details[COLLECT_MAX_FAILURES + 1];
    size_t n = collect_result_details(res, details, COLLECT_MAX_FAILURES + 1);
    buf_puts(out, "<table id=\"findings\"><tr><th>Severity</th><th>Check</th><th>Subject</th>"
                  "<th>Value vs threshold</th><th>Seed</th><th>What and what to do</th></tr>\n");
    for (size_t i = 0; i < c->nfindings; i++)
        put_finding(out, &c->findings[i], details, n);
    buf_puts(out, "</table>\n");
}

static const char *failure_of(const collect_result *res, const char *collector)
{
    for (size_t i = 0; i < res->nfailures; i++)
        if (strcmp(res->failures[i].collector, collector) == 0)
            return res->failures[i].detail;
    return NULL;
}

/* The collector label's index in fam (0 as defined; looked up so a relabel
 * cannot shift it). */
static size_t collector_label(const metric_family *fam)
{
    for (size_t j = 0; j < metric_family_label_count(fam); j++)
        if (strcmp(metric_family_label_name(fam, j), "collector") == 0)
            return j;
    return 0;
}

/* Remembers when each collector last succeeded; -1 on OOM. */
static int note_collectors(statuspage_state *st, const metric_family *fam, double now)
{
    for (size_t i = 0; fam && i < metric_family_sample_count(fam); i++) {
        const char *name = metric_family_label_value(fam, i, collector_label(fam));
        size_t id = strmap_add(st->last_ok, name, NULL);
        if (id == STRMAP_NONE)
            return -1;
        if (metric_family_value(fam, i) == 1)
            *(double *)strmap_value(st->last_ok, id) = now;
    }
    return 0;
}

/* This poll's verdict on collector name: 1 ok, 0 failed, -1 not run. */
static int collector_status(const metric_family *fam, const char *name)
{
    for (size_t i = 0; fam && i < metric_family_sample_count(fam); i++)
        if (strcmp(metric_family_label_value(fam, i, collector_label(fam)), name) == 0)
            return metric_family_value(fam, i) == 1;
    return -1;
}

/* Every collector seen since start, so one that did not run this poll (ES
 * down: nothing after node info runs) still shows, with its last success. */
static void put_collectors(buf *out, const page_collector *rows, size_t nrows,
                           const metric_family *fam, const collect_result *res)
{
    static const char *const word[] = {"not run", "failed", "ok"};
    static const char *const cls[] = {"not-run", "failed", "ok"};
    buf_puts(out, "<h2>Collectors</h2>\n<table id=\"collectors\"><tr><th>Collector</th>"
                  "<th>Last poll</th><th>Last success</th><th>Why it failed</th></tr>\n");
    for (size_t id = 0; id < nrows; id++) {
        const char *name = rows[id].name;
        int status = collector_status(fam, name);
        double last = rows[id].last_ok;
        buf_printf(out, "<tr class=\"collector %s\"><td class=\"name\">", cls[status + 1]);
        statuspage_escape(out, name);
        buf_printf(out, "</td><td class=\"status\">%s</td><td class=\"last-success\">",
                   word[status + 1]);
        put_time(out, last);
        buf_puts(out, "</td><td class=\"why\">");
        statuspage_escape(out, status == 0 ? failure_of(res, name) : "");
        buf_puts(out, "</td></tr>\n");
    }
    buf_puts(out, "</table>\n");
}

static int put_page(const statuspage_info *info, const collect_result *res,
                    const page_collector *rows, size_t nrows, const metric_set *set, buf *out)
{
    const metric_family *fam = metric_set_find(set, "esvigil_collector_success");
    put_head(out, info);
    put_poll(out, info, res);
    put_findings(out, res);
    put_collectors(out, rows, nrows, fam, res);
    buf_puts(out, "</body></html>\n");
    return out->failed ? -1 : 0;
}

/* statuspage_escape prints NULL as nothing; so does the copy. */
static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static size_t text_size(const statuspage_state *st, const statuspage_info *info,
                        const collect_result *res)
{
    size_t n = strlen(or_empty(info->version)) + strlen(or_empty(info->es_url)) +
               strlen(or_empty(info->telemetry_path)) + strlen(res->es_error) + 4;
    for (size_t id = 0; id < strmap_count(st->last_ok); id++)
        n += strmap_key_len(st->last_ok, id) + 1;
    return n;
}

static const char *stash(char **at, const char *s, size_t len)
{
    char *p = memcpy(*at, s, len + 1);
    *at += len + 1;
    return p;
}

static const char *stash_str(char **at, const char *s)
{
    return stash(at, or_empty(s), strlen(or_empty(s)));
}

/* The state's rows as of now, names borrowed from it. */
static page_collector *borrow_rows(const statuspage_state *st)
{
    size_t n = strmap_count(st->last_ok);
    page_collector *rows = malloc((n ? n : 1) * sizeof(*rows));
    for (size_t id = 0; rows && id < n; id++)
        rows[id] = (page_collector){strmap_key(st->last_ok, id),
                                    *(const double *)strmap_value(st->last_ok, id)};
    return rows;
}

/* Copies of the state's rows, res's failures and the strings into pp's own block. */
static void copy_shown(statuspage_poll *pp, const statuspage_state *st, const statuspage_info *info,
                       const collect_result *res, size_t nrows)
{
    pp->failures = (collect_failure *)&pp->collectors[nrows];
    pp->nfailures = res->nfailures;
    memcpy(pp->failures, res->failures, res->nfailures * sizeof(res->failures[0]));
    char *at = (char *)&pp->failures[res->nfailures];
    pp->info = *info;
    pp->info.version = stash_str(&at, info->version);
    pp->info.es_url = stash_str(&at, info->es_url);
    pp->info.telemetry_path = stash_str(&at, info->telemetry_path);
    pp->es_error = stash_str(&at, res->es_error);
    for (size_t id = 0; id < nrows; id++)
        pp->collectors[id] = (page_collector){
            stash(&at, strmap_key(st->last_ok, id), strmap_key_len(st->last_ok, id)),
            *(const double *)strmap_value(st->last_ok, id)};
    pp->ncollectors = nrows;
    pp->duration = res->duration;
    pp->es_up = res->es_up;
}

statuspage_poll *statuspage_poll_take(statuspage_state *st, const statuspage_info *info,
                                      const metric_set *set, collect_result *res)
{
    const metric_family *fam = metric_set_find(set, "esvigil_collector_success");
    if (note_collectors(st, fam, info->finished_at) < 0)
        return NULL;
    size_t n = strmap_count(st->last_ok);
    statuspage_poll *pp =
        malloc(sizeof(*pp) + n * sizeof(pp->collectors[0]) +
               res->nfailures * sizeof(res->failures[0]) + text_size(st, info, res));
    if (!pp)
        return NULL;
    copy_shown(pp, st, info, res, n);
    pp->checks = res->checks;
    memset(&res->checks, 0, sizeof(res->checks));
    return pp;
}

/* The page's code reads a collect_result (collect_result_details among it): one is put back
 * together here, per render rather than per poll. Its findings stay pp's. */
int statuspage_poll_render(const statuspage_poll *pp, const metric_set *set, buf *out)
{
    collect_result *res = calloc(1, sizeof(*res));
    if (!res)
        return -1;
    res->duration = pp->duration;
    res->es_up = pp->es_up;
    snprintf(res->es_error, sizeof(res->es_error), "%s", pp->es_error);
    res->checks = pp->checks;
    memcpy(res->failures, pp->failures, pp->nfailures * sizeof(pp->failures[0]));
    res->nfailures = pp->nfailures;
    int rc = put_page(&pp->info, res, pp->collectors, pp->ncollectors, set, out);
    free(res);
    return rc;
}

void statuspage_poll_free(statuspage_poll *pp)
{
    if (!pp)
        return;
    checks_result_free(&pp->checks);
    free(pp);
}

int statuspage_render(statuspage_state *st, const statuspage_info *info, const metric_set *set,
                      const collect_result *res, buf *out)
{
    const metric_family *fam = metric_set_find(set, "esvigil_collector_success");
    page_collector *rows = NULL;
    if (note_collectors(st, fam, info->finished_at) < 0 || !(rows = borrow_rows(st)))
        return -1;
    int rc = put_page(info, res, rows, strmap_count(st->last_ok), set, out);
    free(rows);
    return rc;
}

int statuspage_render_pending(const statuspage_info *info, buf *out)
{
    put_head(out, info);
    buf_puts(out, "<h2>Last poll</h2>\n<p id=\"last-poll\">Last poll: <b id=\"poll-result\">not "
                  "finished yet</b></p>\n</body></html>\n");
    return out->failed ? -1 : 0;
}
