/* tasks: counts per action in a small array; a cluster runs a handful of
 * distinct actions at a time. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esget.h"
#include "jsonparser.h"

static const metric_def def_action = {"elasticsearch_task_stats_action",
                                      METRIC_GAUGE,
                                      "Number of tasks of a certain action",
                                      {"action"}};

size_t tasks_def_count(void)
{
    return 1;
}

const metric_def *tasks_def(size_t i)
{
    return i == 0 ? &def_action : NULL;
}

int tasks_path(const char *actions, char *out, size_t n)
{
    int w = snprintf(out, n, "/_tasks?group_by=none&actions=");
    if (w < 0 || (size_t)w >= n)
        return -1;
    /* '*' and ',' are what the filter is made of; the rest is escaped */
    for (const char *a = actions ? actions : TASKS_DEFAULT_ACTIONS; *a; a++) {
        char one[2] = {*a, '\0'};
        if (*a == '*' || *a == ',' || *a == ':') {
            size_t len = strlen(out);
            if (len + 1 >= n)
                return -1;
            out[len] = *a;
            out[len + 1] = '\0';
        } else if (esget_escape(one, out, n) < 0) {
            return -1;
        }
    }
    return 0;
}

typedef struct action_count {
    char *action;
    size_t n;
} action_count;

struct tasks {
    jsonparser base;
    metric_set *out;
    action_count *a;
    size_t na, cap, count;
    int have_list;
};
JSONPARSER_FIRST(tasks, base);

static int count_action(tasks *p, const char *s, size_t len)
{
    for (size_t i = 0; i < p->na; i++)
        if (strlen(p->a[i].action) == len && strncmp(p->a[i].action, s, len) == 0) {
            p->a[i].n++;
            return 0;
        }
    if (p->na == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        action_count *na = realloc(p->a, cap * sizeof(*na));
        if (!na)
            return -1;
        p->a = na;
        p->cap = cap;
    }
    if (!(p->a[p->na].action = strndup(s, len)))
        return -1;
    p->a[p->na++].n = 1;
    return 0;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    tasks *p = ctx;
    if (depth == 3 && strcmp(path[0], "tasks") == 0 && strcmp(path[2], "action") == 0 &&
        v->kind == JSONWALK_STRING && count_action(p, v->str, v->len) < 0)
        return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    tasks *p = ctx;
    if (depth == 1 && strcmp(path[0], "tasks") == 0) {
        if (!is_array)
            return jsonparser_fail(&p->base, "\"tasks\" is not an array (group_by=none)");
        p->have_list = 1;
    } else if (depth == 2 && strcmp(path[0], "tasks") == 0) {
        p->count++;
    }
    return 0;
}

static int done(void *ctx)
{
    tasks *p = ctx;
    if (!p->have_list)
        return jsonparser_fail(&p->base, "no \"tasks\" array in the response");
    for (size_t i = 0; i < p->na; i++) {
        const char *v[] = {p->a[i].action};
        if (metric_set_add(p->out, &def_action, v, (double)p->a[i].n) < 0)
            return jsonparser_fail(&p->base, "out of memory");
    }
    return 0;
}

static const jsonparser_kind kind = {{on_scalar, on_enter, NULL}, 0, done};

tasks *tasks_new(metric_set *out)
{
    tasks *p = calloc(1, sizeof(*p));
    if (!p || jsonparser_begin(&p->base, &kind, "tasks") < 0) {
        free(p);
        return NULL;
    }
    p->out = out;
    return p;
}

void tasks_free(tasks *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->na; i++)
        free(p->a[i].action);
    free(p->a);
    jsonparser_cleanup(&p->base);
    free(p);
}

int tasks_feed(void *p, const char *data, size_t len)
{
    return jsonparser_feed(&((tasks *)p)->base, data, len);
}

int tasks_finish(tasks *p)
{
    return jsonparser_finish(&p->base);
}

const char *tasks_error(const tasks *p)
{
    return jsonparser_error(&p->base);
}

size_t tasks_count(const tasks *p)
{
    return p->count;
}
