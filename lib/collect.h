/* collect: one complete poll. Node info and the elected master first, then
 * every ES collector of the endpoint table and the procfs readers, then the
 * derived ratios and the checks, into a fresh metric_set. An ES collector
 * that fails contributes nothing (never half a response); its error is
 * counted with a reason label. */
#ifndef ESVIGIL_COLLECT_H
#define ESVIGIL_COLLECT_H

#include "checks.h"
#include "esclient.h"
#include "metric.h"
#include "pacer.h"

typedef enum {
    COLLECT_CLUSTER_AUTO, /* cluster-level families only beside the elected master */
    COLLECT_CLUSTER_ALWAYS,
    COLLECT_CLUSTER_NEVER
} collect_cluster_mode;

typedef struct collect_opts {
    const char *procfs_root; /* "/proc" or a fixture tree */
    long es_pid;             /* >0: explicit ES pid (wins: containers see another pid) */
    const char *es_pidfile;  /* NULL: none; used when node info has no pid */
    int es_all;              /* poll every node, not only the local one */
    collect_cluster_mode cluster;
    const checks_thresholds *thresholds; /* NULL: the table's defaults */
    const char *version;                 /* for esvigil_build_info */
    pacer *pacer; /* NULL: no paced collectors; else their last good sets are merged */
} collect_opts;

typedef struct collect_result {
    int es_up;             /* every ES collector succeeded */
    int cluster_reporter;  /* this poll exported the cluster-level families */
    double duration;       /* seconds */
    char es_error[256];    /* first ES failure, one line without secrets; "" when none */
    char es_error_key[64]; /* stable "collector:reason", for log rate limiting */
    char host_error[256];  /* first procfs failure; "" when none */
    int host_permission;   /* a procfs read failed for lack of privilege */
    char warning[256];     /* a setting esvigil could not read; "" when none */
    checks_result checks;  /* findings of this poll; release with collect_result_free */
} collect_result;

/* State kept across polls: error counters, last success, the ES pid seen,
 * the previous poll's counters for rates and "new trip" checks. */
typedef struct collect collect;

collect *collect_new(void);
void collect_free(collect *c);

/* One poll into out (which should be empty). es may be NULL to skip ES.
 * Returns 0, or -1 when out could not be filled (allocation failure). */
int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res);
void collect_result_free(collect_result *res);

#endif
