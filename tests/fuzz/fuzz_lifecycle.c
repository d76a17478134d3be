/* fuzz_lifecycle: every backup and lifecycle parser on the same input (snapshot
 * repositories and listings, SLM's three documents, ILM status and explain, ISM
 * explain, health report, pending tasks, data streams, tasks), each fed in 2-3
 * chunks; what a parser accepted must render as a well-formed page. */
#include "datastream.h"
#include "fuzz_common.h"
#include "healthreport.h"
#include "ilm.h"
#include "pendingtasks.h"
#include "slm.h"
#include "snapstats.h"
#include "tasks.h"

static void run_snaplist(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    metric_set *out = metric_set_new();
    snapstats_list *p = snapstats_list_new();
    FUZZ_ASSERT(out && p);
    int fed = fuzz_feed(snapstats_list_feed, p, data, size, plan);
    if (fed == 0 && snapstats_list_finish(p) == 0) {
        FUZZ_ASSERT(snapstats_list_emit(p, out, "c", "r", 1e9) == 0);
        FUZZ_ASSERT(snapstats_list_latest_name(p) && snapstats_list_latest_state(p));
        fuzz_check_set(out);
    }
    fuzz_check_line(snapstats_list_error(p));
    snapstats_list_free(p);
    metric_set_free(out);
}

static void run_repos(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    snapstats_repos *p = snapstats_repos_new();
    FUZZ_ASSERT(p);
    if (fuzz_feed(snapstats_repos_feed, p, data, size, plan) == 0 && snapstats_repos_finish(p) == 0)
        for (size_t i = 0; i < snapstats_repos_count(p); i++)
            FUZZ_ASSERT(snapstats_repos_name(p, i) != NULL);
    fuzz_check_line(snapstats_repos_error(p));
    snapstats_repos_free(p);
}

static void run_slm(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    metric_set *out = metric_set_new();
    slm *p = slm_new();
    FUZZ_ASSERT(out && p);
    for (int doc = SLM_STATUS; doc <= SLM_POLICY; doc++) {
        FUZZ_ASSERT(slm_begin(p, (slm_doc)doc) == 0);
        if (fuzz_feed(slm_feed, p, data, size, plan) == 0)
            (void)slm_finish(p);
        fuzz_check_line(slm_error(p));
    }
    FUZZ_ASSERT(slm_emit(p, out, "c") == 0);
    for (size_t i = 0; i < slm_policy_count(p); i++)
        FUZZ_ASSERT(slm_policy_name(p, i) && slm_policy_failure_detail(p, i));
    fuzz_check_set(out);
    slm_free(p);
    metric_set_free(out);
}

static void run_ilm(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    for (int doc = ILM_STATUS; doc <= ISM_EXPLAIN; doc++) {
        metric_set *out = metric_set_new();
        ilm *p = ilm_new(out, "c");
        FUZZ_ASSERT(out && p);
        FUZZ_ASSERT(ilm_begin(p, (ilm_doc)doc) == 0);
        if (fuzz_feed(ilm_feed, p, data, size, plan) == 0 && ilm_finish(p) == 0)
            fuzz_check_set(out);
        FUZZ_ASSERT(ilm_error_count(p) <= ilm_index_count(p));
        fuzz_check_line(ilm_error(p));
        ilm_free(p);
        metric_set_free(out);
    }
}

/* The one-document parsers share a shape: new(out), feed, finish, error, free. */
#define ONE_DOC(name, make, mod)                                                                   \
    static void name(const uint8_t *data, size_t size, const fuzz_plan *plan)                      \
    {                                                                                              \
        metric_set *out = metric_set_new();                                                        \
        mod *p = make;                                                                             \
        FUZZ_ASSERT(out &&p);                                                                      \
        if (fuzz_feed(mod##_feed, p, data, size, plan) == 0 && mod##_finish(p) == 0)               \
            fuzz_check_set(out);                                                                   \
        fuzz_check_line(mod##_error(p));                                                           \
        mod##_free(p);                                                                             \
        metric_set_free(out);                                                                      \
    }
ONE_DOC(run_health, healthreport_new(out, "c"), healthreport)
ONE_DOC(run_pending, pendingtasks_new(out, "c"), pendingtasks)
ONE_DOC(run_streams, datastream_new(out), datastream)
ONE_DOC(run_tasks, tasks_new(out), tasks)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    run_snaplist(data, size, &plan);
    run_repos(data, size, &plan);
    run_slm(data, size, &plan);
    run_ilm(data, size, &plan);
    run_health(data, size, &plan);
    run_pending(data, size, &plan);
    run_streams(data, size, &plan);
    run_tasks(data, size, &plan);
    return 0;
}
