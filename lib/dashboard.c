/* dashboard: Grafana JSON written by hand (no JSON library writes here). A
 * cluster row of fixed panels plus a panel per cluster-level check family,
 * an incident row with a panel per check family (rows sharing a family, the
 * three disk watermarks, share one panel), index and snapshot rows when the
 * table has such checks, esvigil's own row, and first a table of current
 * findings. A new check row gets its panel without an edit here. */
#include "dashboard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "checktable.h"

/* Every query carries these; Grafana fills them, the test substitutes them. */
#define DS "{\"type\": \"prometheus\", \"uid\": \"${datasource}\"}"
#define CL "cluster=~\"$cluster\""

typedef enum { GROUP_CLUSTER, GROUP_INCIDENT, GROUP_INDEX, GROUP_BACKUP, GROUP_SELF } panel_group;

/* The rows in order; a row without panels is left out. */
static const char *const group_titles[] = {
    [GROUP_CLUSTER] = "Cluster", [GROUP_INCIDENT] = "Incidents (one panel per check family)",
    [GROUP_INDEX] = "Indices",   [GROUP_BACKUP] = "Snapshots and lifecycle policies",
    [GROUP_SELF] = "esvigil",
};

/* Per-index families can hold thousands of series: panels show the worst. */
#define INDEX_TOPK 20

/* A panel not derived from a check: what the checks alone do not show. */
typedef struct fixed_panel {
    panel_group group;
    const char *title;
    const char *description;
    const char *unit;
    const char *expr;
    const char *legend;
    const char *covers; /* a check family this panel already shows, or NULL */
} fixed_panel;

static const fixed_panel fixed_panels[] = {
    {GROUP_CLUSTER, "Cluster health", "1 for the cluster's current color.", "short",
     "max by (cluster, color) (elasticsearch_cluster_health_status{" CL "}) == 1",
     "{{cluster}} {{color}}", "elasticsearch_cluster_health_status"},
    {GROUP_CLUSTER, "Nodes", "Nodes and data nodes in the cluster.", "short",
     "max by (cluster) (elasticsearch_cluster_health_number_of_nodes{" CL "})", "{{cluster}} nodes",
     NULL},
    {GROUP_CLUSTER, "Shards by state", "Shards of the cluster by state (_cat/shards).", "short",
     "max by (cluster, state) (elasticsearch_cluster_shards{" CL "})", "{{cluster}} {{state}}",
     NULL},
    {GROUP_CLUSTER, "Unassigned shards by reason", "Why shards are unassigned (_cat/shards).",
     "short", "max by (cluster, reason) (elasticsearch_cluster_unassigned_shards{" CL "})",
     "{{cluster}} {{reason}}", "elasticsearch_cluster_unassigned_shards"},
    {GROUP_CLUSTER, "Pending tasks", "Cluster-state updates waiting on the master.", "short",
     "max by (cluster) (elasticsearch_cluster_health_number_of_pending_tasks{" CL "})",
     "{{cluster}}", NULL},
    {GROUP_INDEX, "Indices by health (--es.indices)", "How many indices are green, yellow, red.",
     "short", "count by (cluster, color) (elasticsearch_index_health_status{" CL "} == 1)",
     "{{cluster}} {{color}}", NULL},
    {GROUP_INDEX, "Largest indices (--es.indices)", "Primary store size of the 20 largest indices.",
     "bytes",
     "topk(20, max by (cluster, index) (elasticsearch_indices_store_size_bytes_primary{" CL "}))",
     "{{cluster}} {{index}}", NULL},
    {GROUP_INCIDENT, "GC time", "Seconds per second spent in garbage collection, by collector.",
     "percentunit",
     "sum by (cluster, name, gc) (rate(elasticsearch_jvm_gc_collection_seconds_sum{" CL
     ", name=~\"$node\"}[5m]))",
     "{{cluster}}/{{name}} {{gc}}", NULL},
    {GROUP_INCIDENT, "Deleted files still mapped (vs RAM)",
     "Bytes of deleted segment files the ES process still maps, over RAM: what scroll "
     "contexts pin (seed 000).",
     "percentunit",
     "esvigil_host_deleted_mapped_ratio * on (instance) group_left (cluster, name) "
     "esvigil_host_node{" CL ", name=~\"$node\"}",
     "{{cluster}}/{{name}}", NULL},
};
#define FIXED_PANELS (sizeof(fixed_panels) / sizeof(fixed_panels[0]))

static void json_str(buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c == '\n')
            buf_puts(b, "\\n");
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

static panel_group group_of(const check_def *d)
{
    if (checktable_by_has(d, "repository") || checktable_by_has(d, "policy"))
        return GROUP_BACKUP;
    if (checktable_by_has(d, "index"))
        return GROUP_INDEX;
    if (checktable_by_has(d, "cluster"))
        return checktable_by_has(d, "name") || checktable_by_has(d, "node") ||
                       checktable_by_has(d, "dimension")
                   ? GROUP_INCIDENT
                   : GROUP_CLUSTER;
    return strncmp(d->family, "esvigil_host_", 13) == 0 ? GROUP_INCIDENT : GROUP_SELF;
}

/* The first row of family, so rows sharing it make one panel. */
static int first_of_family(size_t row)
{
    const char *fam = checktable_row(row)->family;
    for (size_t i = 0; i < row; i++)
        if (strcmp(checktable_row(i)->family, fam) == 0)
            return 0;
    return 1;
}

static int shares_family(size_t row)
{
    const char *fam = checktable_row(row)->family;
    for (size_t i = row + 1; i < checktable_count(); i++)
        if (strcmp(checktable_row(i)->family, fam) == 0)
            return 1;
    return 0;
}

static int covered(const check_def *d)
{
    for (size_t i = 0; i < FIXED_PANELS; i++)
        if (fixed_panels[i].covers && strcmp(fixed_panels[i].covers, d->family) == 0)
            return 1;
    return 0;
}

/* Reference families without a cluster label: the cluster variable cannot
 * pick their series, so their panels show them per instance. */
static int cluster_less(const check_def *d)
{
    return strcmp(d->family, "elasticsearch_clustersettings_allocation_enable") == 0;
}

/* The selector's label name ("watermark" of watermark="low") into out. */
static void selector_label(const char *sel, char *out, size_t n)
{
    size_t len = strcspn(sel, "=!~");
    snprintf(out, n, "%.*s", (int)len, sel);
}

/* The label matchers of a panel on d's family: cluster and node variables. */
static void matchers(buf *b, const check_def *d, const char *selector)
{
    if (cluster_less(d)) {
        buf_printf(b, "%s%s%s", selector ? "{" : "", selector ? selector : "", selector ? "}" : "");
        return;
    }
    buf_puts(b, "{" CL);
    if (checktable_by_has(d, "name"))
        buf_puts(b, ", name=~\"$node\"");
    else if (checktable_by_has(d, "node"))
        buf_puts(b, ", node=~\"$node\"");
    if (selector)
        buf_printf(b, ", %s", selector);
    buf_putc(b, '}');
}

static void by_list(buf *b, const check_def *d, const char *extra)
{
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++)
        buf_printf(b, "%s%s", k ? ", " : "",
                   cluster_less(d) && !strcmp(d->by[k], "cluster") ? "instance" : d->by[k]);
    if (extra && *extra)
        buf_printf(b, ", %s", extra);
}

/* A rule-only row's expression without its " > $T" comparison. */
static void rule_only_expr(buf *b, const check_def *d)
{
    const char *at = strstr(d->expr, "$T");
    size_t n = at ? (size_t)(at - d->expr) : strlen(d->expr);
    while (n > 0 && strchr(" <>=!", d->expr[n - 1]))
        n--;
    buf_append(b, d->expr, n);
}

/* The PromQL of the panel for row (and the rows sharing its family). */
static void panel_expr(buf *b, const check_def *d, int shared, char *extra, size_t extralen)
{
    extra[0] = '\0';
    if (shared && d->selector)
        selector_label(d->selector, extra, extralen);
    const char *sel = shared ? NULL : d->selector;
    if (d->kind == KIND_RULE_ONLY) {
        rule_only_expr(b, d);
        return;
    }
    if (group_of(d) == GROUP_INCIDENT && !checktable_by_has(d, "cluster")) {
        /* host families are label-less: esvigil_host_node names their node */
        buf_printf(b,
                   "%s * on (instance) group_left (cluster, name) esvigil_host_node{" CL
                   ", name=~\"$node\"}",
                   d->family);
        return;
    }
    int topk = group_of(d) == GROUP_INDEX;
    if (topk)
        buf_printf(b, "topk(%d, ", INDEX_TOPK);
    buf_puts(b, d->kind == KIND_INCREASE ? "sum by (" : "max by (");
    by_list(b, d, extra);
    buf_puts(b, d->kind == KIND_INCREASE ? ") (increase(" : ") (");
    buf_puts(b, d->family);
    if (group_of(d) == GROUP_SELF)
        buf_printf(b, "%s%s%s", sel ? "{" : "", sel ? sel : "", sel ? "}" : "");
    else
        matchers(b, d, sel);
    buf_puts(b, d->kind == KIND_INCREASE ? "[10m]))" : ")");
    if (topk)
        buf_putc(b, ')');
    if (d->source) /* where Prometheus computes it (the imbalance recording rule) */
        buf_printf(b, " or max by (cluster, dimension) (cluster_dimension:esvigil_imbalance:"
                      "max_over_mean{" CL "})");
}

static void legend(buf *b, const check_def *d, const char *extra)
{
    buf tmp;
    buf_init(&tmp);
    if (cluster_less(d))
        buf_puts(&tmp, "{{instance}}");
    else if (checktable_by_has(d, "cluster") || group_of(d) == GROUP_INCIDENT)
        buf_puts(&tmp, "{{cluster}}");
    if (checktable_by_has(d, "name") || !checktable_by_has(d, "cluster"))
        buf_puts(&tmp, group_of(d) == GROUP_SELF ? "{{instance}}" : "/{{name}}");
    if (checktable_by_has(d, "node"))
        buf_puts(&tmp, "/{{node}}");
    for (size_t k = 0; k < CHECK_MAX_BY && d->by[k]; k++)
        if (strcmp(d->by[k], "cluster") && strcmp(d->by[k], "name") && strcmp(d->by[k], "node") &&
            strcmp(d->by[k], "instance"))
            buf_printf(&tmp, " {{%s}}", d->by[k]);
    if (*extra)
        buf_printf(&tmp, " {{%s}}", extra);
    json_str(b, tmp.data ? tmp.data : "");
    buf_free(&tmp);
}

static const char *unit_name(check_unit u)
{
    return u == UNIT_RATIO ? "percentunit" : u == UNIT_BYTES ? "bytes" : "short";
}

/* Grafana colours a value by the highest step it reaches, so "below is bad"
 * starts red and turns green at the warning level. */
static void thresholds(buf *b, const check_def *d, double warn, double crit)
{
    char w[40], c[40];
    snprintf(w, sizeof(w), "%.17g", warn);
    snprintf(c, sizeof(c), "%.17g", crit);
    buf_puts(b, "\"thresholds\": {\"mode\": \"absolute\", \"steps\": [");
    if (d->cmp == CMP_GT) {
        buf_puts(b, "{\"color\": \"green\", \"value\": null}");
        if (!isnan(warn))
            buf_printf(b, ", {\"color\": \"yellow\", \"value\": %s}", w);
        if (!isnan(crit))
            buf_printf(b, ", {\"color\": \"red\", \"value\": %s}", c);
    } else {
        buf_printf(b, "{\"color\": \"%s\", \"value\": null}", isnan(crit) ? "yellow" : "red");
        if (!isnan(crit) && !isnan(warn))
            buf_printf(b, ", {\"color\": \"yellow\", \"value\": %s}", c);
        buf_printf(b, ", {\"color\": \"green\", \"value\": %s}", isnan(warn) ? c : w);
    }
    buf_puts(b, "]}");
}

typedef struct layout {
    int id;
    int x, y; /* next free cell */
} layout;

static void row_header(buf *b, layout *l, const char *title)
{
    if (l->x)
        l->y += 7;
    l->x = 0;
    buf_printf(b,
               "%s    {\"type\": \"row\", \"id\": %d, \"collapsed\": false, \"panels\": [], "
               "\"gridPos\": {\"h\": 1, \"w\": 24, \"x\": 0, \"y\": %d}, \"title\": ",
               l->id > 1 ? ",\n" : "", l->id, l->y);
    json_str(b, title);
    buf_puts(b, "}");
    l->id++;
    l->y++;
}

static void panel_open(buf *b, layout *l, const char *title, const char *description)
{
    buf_printf(b,
               ",\n    {\"type\": \"timeseries\", \"id\": %d, \"datasource\": " DS ", "
               "\"gridPos\": {\"h\": 7, \"w\": 8, \"x\": %d, \"y\": %d},\n     \"title\": ",
               l->id++, l->x, l->y);
    json_str(b, title);
    buf_puts(b, ", \"description\": ");
    json_str(b, description);
    l->x += 8;
    if (l->x >= 24) {
        l->x = 0;
        l->y += 7;
    }
}

/* The panel's one query; extra adds fields to it. Closes the panel. */
static void target(buf *b, const char *expr, const char *legend_json, const char *extra)
{
    buf_puts(b, ",\n     \"targets\": [{\"refId\": \"A\", \"datasource\": " DS ", \"expr\": ");
    json_str(b, expr);
    buf_printf(b, ", \"legendFormat\": %s%s}]}", legend_json, extra);
}

static void fixed_panel_render(buf *b, layout *l, const fixed_panel *p)
{
    panel_open(b, l, p->title, p->description);
    buf_printf(b, ",\n     \"fieldConfig\": {\"defaults\": {\"unit\": \"%s\"}, \"overrides\": []}",
               p->unit);
    buf tmp;
    buf_init(&tmp);
    json_str(&tmp, p->legend);
    target(b, p->expr, tmp.data ? tmp.data : "\"\"", "");
    buf_free(&tmp);
}

/* The names of every row on row's family: "disk_low_watermark / ...". */
static void family_title(buf *b, size_t row)
{
    const char *fam = checktable_row(row)->family;
    for (size_t i = row, n = 0; i < checktable_count(); i++)
        if (strcmp(checktable_row(i)->family, fam) == 0)
            buf_printf(b, "%s%s", n++ ? " / " : "", checktable_row(i)->name);
}

static void check_panel(buf *b, layout *l, size_t row, const checks_thresholds *t)
{
    const check_def *d = checktable_row(row);
    buf title, desc, expr, leg;
    buf_init(&title);
    buf_init(&desc);
    buf_init(&expr);
    buf_init(&leg);
    family_title(&title, row);
    buf_printf(&desc, "%s%s%s. Hint: %s", d->summary, d->seed ? " (seed " : "",
               d->seed ? d->seed : "", d->hint);
    if (d->seed)
        buf_puts(&desc, ")");
    char extra[64];
    int shared = shares_family(row);
    panel_expr(&expr, d, shared, extra, sizeof(extra));
    legend(&leg, d, extra);
    panel_open(b, l, title.data, desc.data);
    buf_printf(b,
               ",\n     \"fieldConfig\": {\"defaults\": {\"unit\": \"%s\", \"custom\": "
               "{\"thresholdsStyle\": {\"mode\": \"line\"}}, ",
               d->kind == KIND_INCREASE ? "short" : unit_name(d->unit));
    thresholds(b, d, row < t->count ? t->warning[row] : d->warn,
               row < t->count ? t->critical[row] : d->crit);
    buf_puts(b, "}, \"overrides\": []}");
    target(b, expr.data, leg.data, "");
    buf_free(&title);
    buf_free(&desc);
    buf_free(&expr);
    buf_free(&leg);
}

static int group_has_panels(panel_group g)
{
    for (size_t i = 0; i < FIXED_PANELS; i++)
        if (fixed_panels[i].group == g)
            return 1;
    for (size_t row = 0; row < checktable_count(); row++)
        if (group_of(checktable_row(row)) == g && !covered(checktable_row(row)))
            return 1;
    return 0;
}

static void group_panels(buf *b, layout *l, panel_group g, const checks_thresholds *t)
{
    if (!group_has_panels(g))
        return;
    row_header(b, l, group_titles[g]);
    for (size_t i = 0; i < FIXED_PANELS; i++)
        if (fixed_panels[i].group == g)
            fixed_panel_render(b, l, &fixed_panels[i]);
    for (size_t row = 0; row < checktable_count(); row++) {
        const check_def *d = checktable_row(row);
        if (group_of(d) == g && first_of_family(row) && !covered(d))
            check_panel(b, l, row, t);
    }
}

static void findings_table(buf *b, layout *l)
{
    row_header(b, l, "Findings");
    buf_printf(b,
               ",\n    {\"type\": \"table\", \"id\": %d, \"datasource\": " DS ", "
               "\"gridPos\": {\"h\": 9, \"w\": 24, \"x\": 0, \"y\": %d},\n     \"title\": "
               "\"Current findings (esvigil_check_status > 0)\", \"description\": \"Every "
               "check not OK now: 1 at its warning level, 2 at its critical level; hints in "
               "esvigil --check and the status page.\",\n"
               "     \"transformations\": [{\"id\": \"organize\", \"options\": "
               "{\"excludeByName\": {\"Time\": true, \"__name__\": true, \"job\": true}, "
               "\"indexByName\": {\"check\": 0, \"severity\": 1, \"cluster\": 2, \"name\": 3, "
               "\"subject\": 4, \"instance\": 5, \"Value\": 6}}}]",
               l->id++, l->y);
    target(b,
           "max by (check, severity, cluster, name, subject, instance) "
           "(esvigil_check_status{" CL "}) > 0",
           "\"\"", ", \"instant\": true, \"format\": \"table\"");
    l->y += 9;
}

static void variables(buf *b)
{
    buf_puts(b, "  \"templating\": {\"list\": [\n"
                "    {\"name\": \"datasource\", \"label\": \"Data source\", \"type\": "
                "\"datasource\", \"query\": \"prometheus\", \"current\": {}, \"hide\": 0},\n");
    static const struct {
        const char *name, *label, *query;
    } vars[] = {
        {"cluster", "Cluster", "label_values(esvigil_check_status, cluster)"},
        {"node", "Node", "label_values(elasticsearch_jvm_memory_max_bytes{" CL "}, name)"},
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        buf_printf(b,
                   "    {\"name\": \"%s\", \"label\": \"%s\", \"type\": \"query\", "
                   "\"datasource\": " DS ", \"definition\": ",
                   vars[i].name, vars[i].label);
        json_str(b, vars[i].query);
        buf_puts(b, ", \"query\": {\"query\": ");
        json_str(b, vars[i].query);
        buf_printf(b,
                   ", \"refId\": \"%s\"}, \"refresh\": 2, \"includeAll\": true, \"multi\": "
                   "true, \"allValue\": \".*\", \"current\": {\"text\": \"All\", \"value\": "
                   "\"$__all\"}, \"sort\": 1, \"hide\": 0}%s\n",
                   vars[i].name, i + 1 < sizeof(vars) / sizeof(vars[0]) ? "," : "");
    }
    buf_puts(b, "  ]},\n");
}

int dashboard_render(const checks_thresholds *t, buf *out)
{
    buf_puts(out,
             "{\n  \"__comment\": \"esvigil dashboard: the output of `esvigil --print-dashboard`, "
             "its incident panels generated from the check table in lib/checktable.c. Do not "
             "edit by hand; a test fails when contrib/grafana/esvigil.json drifts.\",\n"
             "  \"title\": \"esvigil\", \"uid\": \"esvigil\", \"tags\": [\"elasticsearch\", "
             "\"esvigil\"],\n  \"editable\": true, \"schemaVersion\": 39, \"version\": 1, "
             "\"refresh\": \"30s\", \"timezone\": \"\",\n"
             "  \"time\": {\"from\": \"now-6h\", \"to\": \"now\"},\n");
    variables(out);
    buf_puts(out, "  \"panels\": [\n");
    layout l = {.id = 1};
    findings_table(out, &l); /* first: what is wrong now, before the history */
    for (int g = GROUP_CLUSTER; g <= GROUP_SELF; g++)
        group_panels(out, &l, (panel_group)g, t);
    buf_puts(out, "\n  ]\n}\n");
    return out->failed ? -1 : 0;
}
