/* pendingtasks: every priority Elasticsearch knows is exported, zeros
 * included, so a rule can compare them; an unknown one is exported as it is. */
#include "pendingtasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparser.h"

enum { D_COUNT, D_BY_PRIORITY, D_OLDEST, D_N };
static const metric_def defs[D_N] = {
    [D_COUNT] = {"esvigil_pending_tasks_count",
                 METRIC_GAUGE,
                 "Cluster-state updates waiting on the master (GET _cluster/pending_tasks).",
                 {"cluster"}},
    [D_BY_PRIORITY] = {"esvigil_pending_tasks_by_priority",
                       METRIC_GAUGE,
                       "Cluster-state updates waiting, by priority.",
                       {"cluster", "priority"}},
    [D_OLDEST] = {"esvigil_pending_tasks_oldest_seconds",
                  METRIC_GAUGE,
                  "How long the oldest waiting cluster-state update has been queued; 0 when none.",
                  {"cluster"}},
};

#define MAX_PRIORITIES 12
static const char *const known[] = {"IMMEDIATE", "URGENT", "HIGH", "NORMAL", "LOW", "LANGUID"};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

size_t pendingtasks_def_count(void)
{
    return D_N;
}

const metric_def *pendingtasks_def(size_t i)
{
    return i < D_N ? &defs[i] : NULL;
}

struct pendingtasks {
    jsonparser base;
    metric_set *out;
    char *cluster;
    char prio[MAX_PRIORITIES][32];
    size_t per[MAX_PRIORITIES];
    size_t nprio, count;
    double oldest_ms;
    int have_tasks;
};
JSONPARSER_FIRST(pendingtasks, base);

static size_t prio_slot(pendingtasks *p, const char *s, size_t len)
{
    char name[32];
    snprintf(name, sizeof(name), "%.*s", (int)(len < 31 ? len : 31), s);
    for (size_t i = 0; i < p->nprio; i++)
        if (strcmp(p->prio[i], name) == 0)
            return i;
    if (p->nprio == MAX_PRIORITIES) /* more unknown priorities than can be: the last slot */
        return MAX_PRIORITIES - 1;
    snprintf(p->prio[p->nprio], sizeof(p->prio[0]), "%s", name);
    return p->nprio++;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    pendingtasks *p = ctx;
    if (depth != 3 || strcmp(path[0], "tasks") != 0)
        return 0;
    if (v->kind == JSONWALK_STRING && strcmp(path[2], "priority") == 0)
        p->per[prio_slot(p, v->str, v->len)]++;
    else if (v->kind == JSONWALK_NUMBER && strcmp(path[2], "time_in_queue_millis") == 0 &&
             v->num > p->oldest_ms)
        p->oldest_ms = v->num;
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    pendingtasks *p = ctx;
    if (depth == 1 && strcmp(path[0], "tasks") == 0) {
        if (!is_array)
            return jsonparser_fail(&p->base, "\"tasks\" is not an array");
        p->have_tasks = 1;
    } else if (depth == 2 && strcmp(path[0], "tasks") == 0) {
        p->count++;
    }
    return 0;
}

static int done(void *ctx)
{
    pendingtasks *p = ctx;
    if (!p->have_tasks)
        return jsonparser_fail(&p->base, "no \"tasks\" array in the response");
    const char *c[] = {p->cluster, NULL};
    int rc = metric_set_add(p->out, &defs[D_COUNT], c, (double)p->count);
    rc |= metric_set_add(p->out, &defs[D_OLDEST], c, p->oldest_ms / 1000);
    for (size_t i = 0; i < p->nprio; i++) {
        c[1] = p->prio[i];
        rc |= metric_set_add(p->out, &defs[D_BY_PRIORITY], c, (double)p->per[i]);
    }
    return rc ? jsonparser_fail(&p->base, "out of memory") : 0;
}

static const jsonparser_kind kind = {{on_scalar, on_enter, NULL}, 0, done};

pendingtasks *pendingtasks_new(metric_set *out, const char *cluster)
{
    pendingtasks *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->cluster = strdup(cluster ? cluster : "");
    if (!p->cluster || jsonparser_begin(&p->base, &kind, "pending tasks") < 0) {
        pendingtasks_free(p);
        return NULL;
    }
    for (size_t i = 0; i < NKNOWN; i++)
        snprintf(p->prio[p->nprio++], sizeof(p->prio[0]), "%s", known[i]);
    return p;
}

void pendingtasks_free(pendingtasks *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    free(p->cluster);
    free(p);
}

int pendingtasks_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((pendingtasks *)p)->base, data, len);
}

int pendingtasks_finish(pendingtasks *p)
{
    return jsonparser_finish(&p->base);
}

const char *pendingtasks_error(const pendingtasks *p)
{
    return jsonparser_error(&p->base);
}

size_t pendingtasks_count(const pendingtasks *p)
{
    return p->count;
}

double pendingtasks_oldest_seconds(const pendingtasks *p)
{
    return p->oldest_ms / 1000;
}
