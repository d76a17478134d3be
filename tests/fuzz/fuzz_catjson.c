/* fuzz_catjson: the _cat JSON scanner against yajl+jsonwalk on the same input cut into the same
 * 2-3 chunks: whatever catjson reads, jsonwalk must read alike (events, values, invalid UTF-8
 * count); whatever catjson refuses, jsonwalk must refuse too or have met a nested value. */
#include "../unit/catjson_ref.h"
#include "fuzz_common.h"

static const char *const shard_cols[] = {"index", "state", "node", "unassigned.reason", "store"};
static const char *const other_cols[] = {"docs", "", "node", "shard", "prirep", "node"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    const char *const *cols = plan.bits & 1 ? other_cols : shard_cols;
    size_t ncols = plan.bits & 1 ? sizeof(other_cols) / sizeof(other_cols[0])
                                 : sizeof(shard_cols) / sizeof(shard_cols[0]);
    cjref_trace cat, walk;
    cjref_init(&cat);
    cjref_init(&walk);
    cjref_catjson(cols, ncols, (const char *)data, size, plan.cut, 2, &cat);
    cjref_jsonwalk(cols, ncols, (const char *)data, size, plan.cut, 2, &walk);
    const char *diff = cjref_compare(&cat, &walk);
    if (diff)
        fprintf(stderr, "fuzz_catjson: %s; catjson '%s', jsonwalk '%s'\n", diff, cat.err, walk.err);
    FUZZ_ASSERT(diff == NULL);
    FUZZ_ASSERT(cat.ok || cat.err[0]);
    fuzz_check_line(cat.err);
    cjref_free(&cat);
    cjref_free(&walk);
    return 0;
}
