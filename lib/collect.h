/* collect: one complete poll. Node info and the elected master first, then
 * every ES collector of the endpoint table (several at once when asked, the
 * output the same) and the procfs readers, then the derived ratios and the
 * checks, into a fresh metric_set. An ES collector that fails contributes
 * nothing (never half a response); its error is counted with a reason label. */
#ifndef ESVIGIL_COLLECT_H
#define ESVIGIL_COLLECT_H

#include "checkreport.h"
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
    const char *procfs_root; /* "/proc" or a fixture tree; NULL: no host view */
    long es_pid;             /* >0: explicit ES pid (wins: containers see another pid) */
    const char *es_pidfile;  /* NULL: none; used when node info has no pid */
    int es_all;              /* poll every node, not only the local one */
    collect_cluster_mode cluster;
    const checks_thresholds *thresholds; /* NULL: the table's defaults */
    const char *version;                 /* for esvigil_build_info */
    long long deadline_ms; /* >0: ES requests not done this long after the poll began fail
                              as timeouts */
    pacer *pacer;          /* NULL: no paced collectors; else their last good sets are merged */
    long long nodeinfo_interval_ms; /* >0: node info and the master verdict are reused for this
                                       long (see collect_run); 0: read in every poll */
    long long settings_interval_ms; /* >0: a good /_cluster/settings answer is reused for this
                                       long; 0: asked in every poll */
    int es_concurrency; /* table collectors run at once, each on its own sibling client of
                           es (esclient_sibling); <= 1: one after the other */
} collect_opts;

/* One collector that failed in this poll, for --check. */
typedef struct collect_failure {
    char collector[32]; /* the collector label */
    char detail[512];   /* endpoint, status, what ES refused; one line without secrets */
    int core;           /* node info or the node's own stats: ES counts as down */
} collect_failure;

#define COLLECT_MAX_FAILURES 16

typedef struct collect_result {
    int es_up;             /* the node's own stats were read (node info and nodes_stats) */
    int cluster_reporter;  /* this poll exported the cluster-level families */
    double duration;       /* seconds */
    int es_threads;        /* threads the table collectors ran on; 0: none ran */
    char es_error[256];    /* first ES failure, core or not, one line without secrets */
    char es_error_key[64]; /* stable "collector:reason", for log rate limiting */
    char host_error[256];  /* first procfs failure; "" when none */
    int host_permission;   /* a procfs read failed for lack of privilege */
    int host_elsewhere;    /* ES runs on another host: the host view was left out */
    char host_why[256];    /* why the host view is, or is not, this node's */
    char warning[256];     /* a setting esvigil could not read; "" when none */
    checks_result checks;  /* findings of this poll; release with collect_result_free */
    collect_failure failures[COLLECT_MAX_FAILURES]; /* the first ones, in poll order */
    size_t nfailures;
} collect_result;

/* State kept across polls: error counters, last success, the ES pid seen,
 * the previous poll's counters for rates and "new trip" checks. */
typedef struct collect collect;

collect *collect_new(void);
void collect_free(collect *c);
/* Drops the kept node info, so the next poll reads it (the ES URL may have changed). */
void collect_forget_identity(collect *c);

/* One poll into out (which should be empty). es may be NULL to skip ES.
 * With o->nodeinfo_interval_ms, a good node info answer and master verdict are
 * reused by the polls that follow (their families copied in, their collector
 * figures repeated) until the interval has passed since they were read, or at
 * once when a poll fails to read node info, the master or node stats, or when
 * the node restarted: its JVM uptime went back, or the process node info named
 * is gone from this host's procfs or was replaced (another start time).
 * With o->settings_interval_ms, a good cluster settings answer is reused the
 * same way until that interval has passed since it was read; a failed read is
 * asked again in the next poll, and a dropped node info drops it too. Its
 * reference bookkeeping then keeps up at the verdict of the last request and
 * counts in total_scrapes the requests made.
 * Returns 0, or -1 when out could not be filled (allocation failure). */
int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res);
void collect_result_free(collect_result *res);

/* The --check details of res (es_unreachable's cause, each failed
 * collector's endpoint and reason) into out[0..cap-1], borrowing from res.
 * Returns how many were written. */
size_t collect_result_details(const collect_result *res, checkreport_detail *out, size_t cap);

#endif
