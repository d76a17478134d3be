/* fuzz_nodeinfo: the /_nodes/_local and /_cluster/state/master_node parsers, both fed the same
 * input in 2-3 chunks (cut differently). */
#include "fuzz_common.h"
#include "nodeinfo.h"

static void fuzz_node(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    metric_set *out = metric_set_new();
    nodeinfo *p = out ? nodeinfo_new(out) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(nodeinfo_feed, p, data, size, plan);
    if (fed == 0 || (plan->bits & 1)) {
        int rc = nodeinfo_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            const char *strs[] = {nodeinfo_node_id(p), nodeinfo_name(p), nodeinfo_host(p),
                                  nodeinfo_version(p), nodeinfo_cluster_name(p)};
            for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
                FUZZ_ASSERT(strs[i] != NULL);
                (void)strlen(strs[i]);
            }
            (void)nodeinfo_pid(p);
            (void)nodeinfo_heap_max(p);
            int oops = nodeinfo_compressed_oops(p);
            FUZZ_ASSERT(oops >= -1 && oops <= 1);
            (void)nodeinfo_is_master_eligible(p);
            (void)nodeinfo_is_data(p);
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(nodeinfo_error(p));
    nodeinfo_free(p);
    metric_set_free(out);
}

static void fuzz_master(const uint8_t *data, size_t size, const fuzz_plan *plan)
{
    nodeinfo_master *m = nodeinfo_master_new();
    FUZZ_ASSERT(m != NULL);
    FUZZ_ASSERT(nodeinfo_master_id(m) == NULL);
    int fed = fuzz_feed(nodeinfo_master_feed, m, data, size, plan);
    if (fed == 0 || (plan->bits & 1)) {
        int rc = nodeinfo_master_finish(m);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0 && nodeinfo_master_id(m))
            (void)strlen(nodeinfo_master_id(m));
    }
    fuzz_check_line(nodeinfo_master_error(m));
    nodeinfo_master_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    fuzz_node(data, size, &plan);
    /* other cuts for the second parser */
    fuzz_plan other = plan;
    other.cut[0] = size - plan.cut[1];
    other.cut[1] = size - plan.cut[0];
    other.bits = plan.bits >> 1;
    fuzz_master(data, size, &other);
    return 0;
}
