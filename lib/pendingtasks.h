/* pendingtasks: streaming parser of GET /_cluster/pending_tasks: how many
 * cluster-state updates wait, by priority, and the oldest one's time in queue. */
#ifndef ESVIGIL_PENDINGTASKS_H
#define ESVIGIL_PENDINGTASKS_H

#include <stddef.h>

#include "metric.h"

#define PENDINGTASKS_PATH "/_cluster/pending_tasks"

typedef struct pendingtasks pendingtasks;

/* Samples go into out (borrowed) at a successful finish; cluster is copied.
 * Memory does not grow with the number of tasks. */
pendingtasks *pendingtasks_new(metric_set *out, const char *cluster);
void pendingtasks_free(pendingtasks *p);
int pendingtasks_feed(void *p, const char *data, size_t len); /* an esclient_sink */
/* 0, or -1 when invalid or without a "tasks" array. */
int pendingtasks_finish(pendingtasks *p);
const char *pendingtasks_error(const pendingtasks *p);

size_t pendingtasks_count(const pendingtasks *p);
double pendingtasks_oldest_seconds(const pendingtasks *p); /* 0 when none wait */

size_t pendingtasks_def_count(void);
const metric_def *pendingtasks_def(size_t i);

#endif
