/* selfstats: one definition of each per-collector self family, so the node
 * poll and the paced collectors cannot drift apart in help or labels. */
#include "selfstats.h"
#include "clock.h"

const metric_def selfstats_collector_success = {"esvigil_collector_success",
                                                METRIC_GAUGE,
                                                "1 if the collector succeeded in the last poll.",
                                                {"collector", NULL}};
const metric_def selfstats_collector_duration = {"esvigil_collector_duration_seconds",
                                                 METRIC_GAUGE,
                                                 "How long each collector took in the last poll.",
                                                 {"collector", NULL}};
const metric_def selfstats_errors = {
    "esvigil_errors_total",
    METRIC_COUNTER,
    "Failed collector runs since esvigil started, by collector and reason.",
    {"collector", "reason", NULL}};

int selfstats_add_run(metric_set *out, const char *name, double secs, int ok)
{
    const char *v[] = {name};
    if (metric_set_add(out, &selfstats_collector_duration, v, clock_round_ns(secs)) < 0)
        return -1;
    return metric_set_add(out, &selfstats_collector_success, v, ok ? 1 : 0);
}
