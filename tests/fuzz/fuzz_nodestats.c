/* fuzz_nodestats: the /_nodes/stats parser fed in 2-3 chunks; whatever it accepts must render
 * as a well-formed exposition page. */
#include "fuzz_common.h"
#include "nodestats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    metric_set *out = metric_set_new();
    nodestats *p = out ? nodestats_new(out) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(nodestats_feed, p, data, size, &plan);
    /* After a refused chunk esclient never calls finish; do it anyway now and then: it must
     * still just fail. */
    if (fed == 0 || (plan.bits & 1)) {
        int rc = nodestats_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            FUZZ_ASSERT(nodestats_cluster_name(p) != NULL);
            (void)nodestats_node_count(p);
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(nodestats_error(p));
    for (size_t i = 0; i < nodestats_def_count(p); i++)
        FUZZ_ASSERT(nodestats_def(p, i) && nodestats_def(p, i)->name);
    nodestats_free(p);
    metric_set_free(out);
    return 0;
}
