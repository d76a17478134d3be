/* optpace: thin adapters from the pacer's run signature to optcoll_run; the
 * state of each row is an optcoll of its own. */
#include "optpace.h"

#include <stdio.h>
#include <time.h>

#include "optcoll.h"
#include "pacer.h"

void *optpace_state_new(void)
{
    return optcoll_new();
}

void optpace_state_free(void *state)
{
    optcoll_free(state);
}

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static esclient_err run(optcoll_id id, esclient *es, const pacer_ctx *ctx, metric_set *out,
                        char *err, size_t errlen)
{
    optcoll *s = ctx->state;
    if (id == OPTCOLL_TASKS && optcoll_set_tasks_actions(s, ctx->cfg->tasks_actions) < 0) {
        snprintf(err, errlen, "tasks: out of memory");
        return ESCLIENT_ERR_OTHER;
    }
    optcoll_result res;
    esclient_err e = optcoll_run(s, id, es, ctx->cluster, now_real(), out, &res);
    if (e != ESCLIENT_OK)
        snprintf(err, errlen, "%s", res.error);
    return e;
}

#define OPTPACE_DEFINE(id, ID, field)                                                              \
    int optpace_on_##id(const config *c)                                                           \
    {                                                                                              \
        return c->field;                                                                           \
    }                                                                                              \
    esclient_err optpace_run_##id(esclient *es, const struct pacer_ctx *ctx, metric_set *out,      \
                                  char *err, size_t errlen)                                        \
    {                                                                                              \
        return run(ID, es, ctx, out, err, errlen);                                                 \
    }
OPTPACE_DEFINE(snapshots, OPTCOLL_SNAPSHOTS, collector_snapshots)
OPTPACE_DEFINE(slm, OPTCOLL_SLM, collector_slm)
OPTPACE_DEFINE(ilm, OPTCOLL_ILM, collector_ilm)
OPTPACE_DEFINE(health_report, OPTCOLL_HEALTH_REPORT, collector_health_report)
OPTPACE_DEFINE(data_stream, OPTCOLL_DATA_STREAM, collector_data_stream)
OPTPACE_DEFINE(tasks, OPTCOLL_TASKS, collector_tasks)
OPTPACE_DEFINE(pending_tasks, OPTCOLL_PENDING_TASKS, collector_pending_tasks)
