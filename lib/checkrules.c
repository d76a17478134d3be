/* checkrules: the Prometheus rule file (recording and alert rules) generated
 * from the check table, thresholds from the configuration. */
#include "checkrules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checktable.h"

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

/* The rule's aggregation labels as PromQL spells them: "cluster, name". */
static void by_list(buf *b, const check_def *d)
{
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++)
        buf_printf(b, "%s%s", k ? ", " : "", d->by[k]);
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
        buf_puts(b, "sum by (");
        by_list(b, d);
        buf_printf(b, ") (increase(%s[10m])) %s %s", d->family, op, thr);
        return;
    }
    buf_puts(b, "max by (");
    by_list(b, d);
    buf_puts(b, ") (");
    if (d->source)
        buf_puts(b, d->source);
    else
        buf_printf(b, "%s%s%s%s", d->family, d->selector ? "{" : "", d->selector ? d->selector : "",
                   d->selector ? "}" : "");
    buf_printf(b, ") %s %s", op, thr);
}

static const char *value_template(check_unit unit)
{
    return unit == UNIT_RATIO     ? "{{ $value | humanizePercentage }}"
           : unit == UNIT_BYTES   ? "{{ $value | humanize1024 }}B"
           : unit == UNIT_SECONDS ? "{{ $value | humanizeDuration }}"
                                  : "{{ $value }}";
}

/* " and on (by) (evidence or ...)": host evidence is label-less, so it is
 * joined to the node the host view belongs to (esvigil_host_node); node
 * evidence is the subject's own series. */
/* " and on (instance) (esvigil_up > 0)" per self guard: the poll's own
 * state, one series per instance, whatever the subject's labels. */
static int render_self_guards(buf *b, const check_guard *guards)
{
    int others = 0;
    for (size_t g = 0; g < CHECK_MAX_GUARDS && guards[g].family; g++) {
        char thr[40];
        threshold_text(guards[g].above, thr, sizeof(thr));
        if (guards[g].scope == GUARD_SELF)
            buf_printf(b, " and on (instance) (%s > %s)", guards[g].family, thr);
        else
            others = 1;
    }
    return others;
}

static void render_guards(buf *b, const check_def *d, const check_guard *guards)
{
    if (!render_self_guards(b, guards))
        return;
    buf_puts(b, " and on (");
    by_list(b, d);
    buf_puts(b, ") (");
    int any = 0, host = 0;
    for (size_t g = 0; g < CHECK_MAX_GUARDS && guards[g].family; g++) {
        char thr[40];
        threshold_text(guards[g].above, thr, sizeof(thr));
        if (guards[g].scope != GUARD_HOST)
            continue;
        buf_printf(b, "%s%s > %s",
                   host ? " or " : "esvigil_host_node * on (instance) group_left () (",
                   guards[g].family, thr);
        host = any = 1;
    }
    if (host)
        buf_puts(b, ")");
    for (size_t g = 0; g < CHECK_MAX_GUARDS && guards[g].family; g++) {
        char thr[40];
        threshold_text(guards[g].above, thr, sizeof(thr));
        if (guards[g].scope != GUARD_NODE)
            continue;
        buf_printf(b, "%smax by (", any ? " or " : "");
        by_list(b, d);
        buf_printf(b, ") (%s) > %s", guards[g].family, thr);
        any = 1;
    }
    buf_puts(b, ")");
}

/* " and on (by) max by (by) (min_family) >= minimum" */
static void render_minimum(buf *b, const check_def *d, double min)
{
    if (!d->min_family || isnan(min))
        return;
    char thr[40];
    threshold_text(min, thr, sizeof(thr));
    buf_puts(b, " and on (");
    by_list(b, d);
    buf_puts(b, ") max by (");
    by_list(b, d);
    buf_printf(b, ") (%s) >= %s", d->min_source ? d->min_source : d->min_family, thr);
}

static void render_alert(buf *b, const check_def *d, double t, double min, int critical)
{
    buf_puts(b, "      - alert: Esvigil");
    camel(b, d->name);
    buf_puts(b, critical ? "Critical\n" : "Warning\n");
    buf_puts(b, "        expr: ");
    buf tmp;
    buf_init(&tmp);
    rule_expr(&tmp, d, t);
    render_minimum(&tmp, d, min);
    render_guards(&tmp, d, d->guard_warn);
    if (critical)
        render_guards(&tmp, d, d->guard);
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
    int by_cluster = checktable_by_has(d, "cluster");
    const char *who = checktable_by_has(d, "node")   ? " {{ $labels.node }}"
                      : checktable_by_has(d, "name") ? " {{ $labels.name }}"
                                                     : "";
    buf_printf(&tmpl, "%s: %s on %s%s", d->name, value_template(d->unit),
               by_cluster ? "{{ $labels.cluster }}" : "{{ $labels.instance }}", who);
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++) {
        const char *tok = d->by[k];
        if (strcmp(tok, "cluster") && strcmp(tok, "name") && strcmp(tok, "node") &&
            (strcmp(tok, "instance") || by_cluster))
            buf_printf(&tmpl, " %s={{ $labels.%s }}", tok, tok);
    }
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

/* One recording rule per dimension: max / mean, or the mean alone (which the
 * imbalance check's minimum size reads). */
static void render_record(buf *b, size_t i, int mean_only)
{
    buf tmp;
    buf_init(&tmp);
    const char *a = imbalance_sources[i].series, *fb = imbalance_sources[i].fallback;
    if (mean_only) {
        buf_printf(&tmp, "%savg by (cluster) (%s)%s", fb ? "(" : "", a, fb ? ")" : "");
        if (fb)
            buf_printf(&tmp, " or avg by (cluster) (%s)", fb);
    } else {
        buf_printf(&tmp, "%smax by (cluster) (%s) / avg by (cluster) (%s)%s", fb ? "(" : "", a, a,
                   fb ? ")" : "");
        if (fb)
            buf_printf(&tmp, " or (max by (cluster) (%s) / avg by (cluster) (%s))", fb, fb);
    }
    buf_printf(b, "      - record: cluster_dimension:esvigil_imbalance:%s\n        expr: ",
               mean_only ? "mean" : "max_over_mean");
    yaml_quoted(b, tmp.data);
    buf_free(&tmp);
    buf_printf(b, "\n        labels:\n          dimension: %s\n", imbalance_sources[i].dimension);
}

static void render_recording(buf *b)
{
    buf_puts(b, "  - name: esvigil-imbalance\n    rules:\n");
    for (size_t i = 0; i < sizeof(imbalance_sources) / sizeof(imbalance_sources[0]); i++) {
        render_record(b, i, 0);
        render_record(b, i, 1);
    }
}

int checkrules_render(const checks_thresholds *t, buf *out)
{
    buf_puts(out,
             "# esvigil alert rules: the output of `esvigil --print-rules`, generated from the\n"
             "# check table in lib/checktable.c (thresholds, seeds, hints). Do not edit by hand;\n"
             "# a test fails when contrib/alerts/esvigil.rules.yml drifts from the table.\n"
             "groups:\n");
    render_recording(out);
    buf_puts(out, "  - name: esvigil-alerts\n    rules:\n");
    for (size_t row = 0; row < checktable_count() && row < t->count; row++) {
        const check_def *d = checktable_row(row);
        if (!isnan(t->warning[row]))
            render_alert(out, d, t->warning[row], t->minimum[row], 0);
        if (!isnan(t->critical[row]))
            render_alert(out, d, t->critical[row], t->minimum[row], 1);
    }
    return out->failed ? -1 : 0;
}
