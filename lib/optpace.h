/* optpace: the optional backup and lifecycle collectors (lib/optcoll.h) as
 * rows of the pacer (lib/pacer.h): each enabled by its --collector.* flag, at
 * its own interval, with its own state between runs. */
#ifndef ESVIGIL_OPTPACE_H
#define ESVIGIL_OPTPACE_H

#include <stddef.h>

#include "config.h"
#include "esclient.h"
#include "metric.h"

struct pacer_ctx;

void *optpace_state_new(void);
void optpace_state_free(void *state);

#define OPTPACE_DECLARE(id)                                                                        \
    int optpace_on_##id(const config *c);                                                          \
    esclient_err optpace_run_##id(esclient *es, const struct pacer_ctx *ctx, metric_set *out,      \
                                  char *err, size_t errlen);
OPTPACE_DECLARE(snapshots)
OPTPACE_DECLARE(slm)
OPTPACE_DECLARE(ilm)
OPTPACE_DECLARE(health_report)
OPTPACE_DECLARE(data_stream)
OPTPACE_DECLARE(tasks)
OPTPACE_DECLARE(pending_tasks)

#define OPTPACE_ROW(id, field)                                                                     \
    {                                                                                              \
#id, optpace_on_##id, offsetof(config, field), optpace_run_##id, optpace_state_new,        \
            optpace_state_free                                                                     \
    }

/* The rows, for pacer.c's table. */
#define OPTPACE_ROWS                                                                               \
    OPTPACE_ROW(snapshots, collector_snapshots_interval_ms),                                       \
        OPTPACE_ROW(slm, collector_slm_interval_ms), OPTPACE_ROW(ilm, collector_ilm_interval_ms),  \
        OPTPACE_ROW(health_report, collector_health_report_interval_ms),                           \
        OPTPACE_ROW(data_stream, collector_data_stream_interval_ms),                               \
        OPTPACE_ROW(tasks, collector_tasks_interval_ms),                                           \
        OPTPACE_ROW(pending_tasks, collector_pending_tasks_interval_ms)

#endif
