/* optcoll: the optional cluster-level collectors (snapshots, SLM, ILM/ISM,
 * health report, data streams, tasks, pending cluster tasks), one table row
 * each: name, default interval, run. Each run fills its own metric set, so a
 * caller can keep a collector's last good answer while it is slow or down. */
#ifndef ESVIGIL_OPTCOLL_H
#define ESVIGIL_OPTCOLL_H

#include <stddef.h>

#include "esclient.h"
#include "metric.h"

typedef enum {
    OPTCOLL_SNAPSHOTS,
    OPTCOLL_SLM,
    OPTCOLL_ILM,
    OPTCOLL_HEALTH_REPORT,
    OPTCOLL_DATA_STREAM,
    OPTCOLL_TASKS,
    OPTCOLL_PENDING_TASKS,
    OPTCOLL_COUNT
} optcoll_id;

/* The collector label ("snapshots", "health_report", ...). */
const char *optcoll_name(optcoll_id id);
/* Seconds between runs by default; 0: every poll. */
double optcoll_default_interval(optcoll_id id);
/* By name, or -1. */
int optcoll_find(const char *name);

typedef struct optcoll_result {
    esclient_err err;  /* ESCLIENT_OK on success */
    int unsupported;   /* the cluster lacks the API (OSS, old version, OpenSearch) */
    char error[256];   /* why it failed; "" on success */
    char warning[256]; /* a partial failure (one snapshot repository); "" when none */
} optcoll_result;

/* What the collectors remember between runs (per-repository error counts,
 * whether the cluster speaks ILM or ISM). One per cluster; not thread-safe. */
typedef struct optcoll optcoll;

optcoll *optcoll_new(void);
void optcoll_free(optcoll *s);
/* The filter of the tasks collector (copied; NULL: the reference's default). 0 or -1. */
int optcoll_set_tasks_actions(optcoll *s, const char *actions);

/* Runs collector id into out (empty; on failure out is left empty). now is
 * the Unix time, for ages. A cluster without the API is a success with
 * res->unsupported set and esvigil_collector_unsupported in out; it is asked
 * again an hour later. Returns res->err. */
esclient_err optcoll_run(optcoll *s, optcoll_id id, esclient *es, const char *cluster, double now,
                         metric_set *out, optcoll_result *res);

/* Every family the optional collectors can emit, for docs and compatibility. */
size_t optcoll_def_count(void);
const metric_def *optcoll_def(size_t i);

#endif
