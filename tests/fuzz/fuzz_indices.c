/* fuzz_indices: the index-level parsers (index stats with a filter, a budget and shard
 * copies, then aliases, health, settings, mappings, one per input) fed in 2-3 chunks. */
#include "fuzz_common.h"
#include "indexfilter.h"
#include "indexinfo.h"
#include "indexstats.h"

static void run_stats(const uint8_t *data, size_t size, const fuzz_plan *plan, const indexfilter *f)
{
    metric_set *out = metric_set_new();
    indexstats_opts o = {.cluster = "c",
                         .filter = (plan->bits & 4) ? f : NULL,
                         .max = plan->bits & 8 ? 2 : 0,
                         .shards = (plan->bits & 16) != 0};
    indexstats *p = out ? indexstats_new(out, &o) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(indexstats_feed, p, data, size, plan);
    if (fed == 0 || (plan->bits & 1)) {
        int rc = indexstats_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            FUZZ_ASSERT(indexstats_dropped(p) <= indexstats_matched(p));
            FUZZ_ASSERT(!o.max || indexstats_matched(p) - indexstats_dropped(p) <= o.max);
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(indexstats_error(p));
    indexstats_free(p);
    metric_set_free(out);
}

static void run_info(indexinfo_kind kind, const uint8_t *data, size_t size, const fuzz_plan *plan,
                     const indexfilter *f)
{
    metric_set *out = metric_set_new();
    indexinfo *p = out ? indexinfo_new(kind, out, "c", (plan->bits & 4) ? f : NULL) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(indexinfo_feed, p, data, size, plan);
    if (fed == 0 || (plan->bits & 1)) {
        int rc = indexinfo_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0)
            fuzz_check_set(out);
    }
    fuzz_check_line(indexinfo_error(p));
    indexinfo_free(p);
    metric_set_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    char err[256];
    indexfilter *f = indexfilter_new("[a-m].*", ".*x", err, sizeof(err));
    FUZZ_ASSERT(f != NULL);
    unsigned int which = (plan.bits >> 5) % 5;
    if (which == 4)
        run_stats(data, size, &plan, f);
    else
        run_info((indexinfo_kind)which, data, size, &plan, f);
    indexfilter_free(f);
    return 0;
}
