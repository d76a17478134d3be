/* derived: the core that turns one poll's raw metric_set into the esvigil_*
 * ratios that predict the incidents of SPEC.md. Pure: no I/O, no clock. */
#ifndef ESVIGIL_DERIVED_H
#define ESVIGIL_DERIVED_H

#include <stddef.h>

#include "metric.h"

/* What a rate needs from the previous call: per node (cluster + name) the GC
 * seconds summed over collectors, and that call's time. */
typedef struct derived_state derived_state;

derived_state *derived_state_new(void); /* NULL when out of memory */
void derived_state_free(derived_state *st);

typedef struct derived_opts {
    /* Name of the node esvigil runs beside: its RAM is the host's MemTotal
     * (esvigil_host_memory_total_bytes); other nodes use their own
     * elasticsearch_os_mem_total_bytes. NULL when unknown: a raw set holding
     * exactly one node then treats that node as local. */
    const char *local_node;
    double now; /* seconds, any monotonic or wall clock, for the GC rate */
} derived_opts;

/* Adds every derived sample computable from raw to out (which must not be
 * raw). An input that is absent, non-finite or a denominator that is not > 0
 * gives no sample: never a division by zero, a fake 0 or a NaN.
 *
 * Node families are labelled {cluster,name} (+ breaker / watermark), host
 * ones carry no label, imbalance ones {cluster,dimension[,name]}.
 *
 * o may be NULL (no local node, now = 0). st (may be NULL: no GC rate) is
 * read for the previous poll and replaced by this one; it is left as it was
 * when the call fails. Returns 0, or -1 when out of memory or out == raw;
 * out may then hold part of the samples and should be discarded. */
int derived_compute(const metric_set *raw, const derived_opts *o, derived_state *st,
                    metric_set *out);

/* Every family definition derived_compute can emit, for docs and
 * compatibility checks. */
size_t derived_def_count(void);
const metric_def *derived_def(size_t i);

#endif
