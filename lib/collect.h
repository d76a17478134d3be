/* collect: one complete poll. Runs every ES collector of the endpoint table
 * and the procfs readers, and adds esvigil's own self metrics, into a fresh
 * metric_set. An ES collector that fails contributes nothing (never half a
 * response); its error is counted with a reason label. */
#ifndef ESVIGIL_COLLECT_H
#define ESVIGIL_COLLECT_H

#include "esclient.h"
#include "metric.h"

typedef struct collect_opts {
    const char *procfs_root; /* "/proc" or a fixture tree */
    long es_pid;             /* 0: from the pidfile, else no process metrics */
    const char *es_pidfile;  /* NULL: none */
    int es_all;              /* poll every node, not only the local one */
    const char *version;     /* for esvigil_build_info */
} collect_opts;

typedef struct collect_result {
    int es_up;               /* every ES collector succeeded */
    double duration;         /* seconds */
    char es_error[256];      /* first ES failure, one line without secrets; "" when none */
    char es_error_key[64];   /* stable "collector:reason", for log rate limiting */
    char host_error[256];    /* first procfs failure; "" when none */
    int host_permission;     /* a procfs read failed for lack of privilege */
} collect_result;

/* State kept across polls: error counters, last success, the ES pid seen. */
typedef struct collect collect;

collect *collect_new(void);
void collect_free(collect *c);

/* One poll into out (which should be empty). es may be NULL to skip ES.
 * Returns 0, or -1 when out could not be filled (allocation failure). */
int collect_run(collect *c, esclient *es, const collect_opts *o, metric_set *out,
                collect_result *res);

#endif
