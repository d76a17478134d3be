/* tasks: streaming parser of GET /_tasks?group_by=none&actions=FILTER into
 * the reference exporter's elasticsearch_task_stats_action (tasks running
 * now, by action). */
#ifndef ESVIGIL_TASKS_H
#define ESVIGIL_TASKS_H

#include <stddef.h>

#include "metric.h"

/* The reference's default filter (its --tasks.actions). */
#define TASKS_DEFAULT_ACTIONS "indices:*"

/* Writes the request path for an action filter into out; 0, or -1 when it
 * does not fit. */
int tasks_path(const char *actions, char *out, size_t n);

typedef struct tasks tasks;

/* Samples go into out (borrowed) at a successful finish. Memory grows with
 * distinct actions only. NULL on OOM. */
tasks *tasks_new(metric_set *out);
void tasks_free(tasks *p);
int tasks_feed(void *p, const char *data, size_t len); /* an esclient_sink */
/* 0, or -1 when invalid or without a "tasks" array. */
int tasks_finish(tasks *p);
const char *tasks_error(const tasks *p);
size_t tasks_count(const tasks *p);

size_t tasks_def_count(void);
const metric_def *tasks_def(size_t i);

#endif
