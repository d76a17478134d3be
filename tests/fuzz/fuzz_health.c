/* fuzz_health: the /_cluster/health parser fed in 2-3 chunks. */
#include "fuzz_common.h"
#include "health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    metric_set *out = metric_set_new();
    health *p = out ? health_new(out) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(health_feed, p, data, size, &plan);
    if (fed == 0 || (plan.bits & 1)) {
        int rc = health_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            const char *st = health_status(p);
            FUZZ_ASSERT(st == NULL || !strcmp(st, "green") || !strcmp(st, "yellow") ||
                        !strcmp(st, "red"));
            FUZZ_ASSERT(health_cluster_name(p) != NULL);
            (void)strlen(health_cluster_name(p));
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(health_error(p));
    health_free(p);
    metric_set_free(out);
    return 0;
}
