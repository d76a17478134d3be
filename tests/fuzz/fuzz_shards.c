/* fuzz_shards: the _cat/shards parser fed in 2-3 chunks, then every per-node aggregate. */
#include "fuzz_common.h"
#include "shards.h"

static void check_aggregates(const shards *p)
{
    static const char *const states[] = {"STARTED", "RELOCATING", "INITIALIZING", "UNASSIGNED",
                                         "bogus"};
    size_t n = shards_node_count(p);
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = shards_node_name(p, i);
        FUZZ_ASSERT(name != NULL);
        if (i > 0)
            FUZZ_ASSERT(strcmp(shards_node_name(p, i - 1), name) < 0); /* sorted, distinct */
        const char *index = NULL;
        size_t max = shards_node_index_max(p, i, &index);
        FUZZ_ASSERT(max == 0 || index != NULL);
        (void)shards_node_index_max(p, i, NULL);
        double largest = shards_node_largest_bytes(p, i);
        FUZZ_ASSERT(largest == -1 || largest >= 0);
        started += shards_node_started(p, i);
    }
    FUZZ_ASSERT(started <= shards_total(p));
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        FUZZ_ASSERT(shards_state_count(p, states[i]) <= shards_total(p));
    FUZZ_ASSERT(shards_unassigned_count(p, "UNKNOWN") <= shards_total(p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    metric_set *out = metric_set_new();
    shards *p = out ? shards_new(out, (plan.bits & 2) ? "fuzz-cluster" : NULL) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(shards_feed, p, data, size, &plan);
    if (fed == 0 || (plan.bits & 1)) {
        int rc = shards_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            check_aggregates(p);
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(shards_error(p));
    shards_free(p);
    metric_set_free(out);
    return 0;
}
