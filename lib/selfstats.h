/* selfstats: the per-collector self families (success, duration, errors by
 * reason) that every collector path exports under the same definitions. */
#ifndef ESVIGIL_SELFSTATS_H
#define ESVIGIL_SELFSTATS_H

#include "metric.h"

extern const metric_def selfstats_collector_success;  /* {collector} */
extern const metric_def selfstats_collector_duration; /* {collector} */
extern const metric_def selfstats_errors;             /* {collector,reason} */

/* One run of collector name: its duration and whether it succeeded. 0, or
 * -1 on OOM. */
int selfstats_add_run(metric_set *out, const char *name, double secs, int ok);

#endif
