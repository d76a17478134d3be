/* churn: the poller's loop without its clock, for soak runs: POLLS polls (collect, snapshot,
 * publish, trim, as daemon/poller.c does) against an ES that renames its nodes, printing
 * VmRSS every STEP polls so bench/churn.py can tell a leak from a plateau.
 *   churn ES_URL PROCFS POLLS STEP */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "esclient.h"
#include "snapshot.h"

static long vm_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: churn ES_URL PROCFS POLLS STEP\n");
        return 2;
    }
    long polls = atol(argv[3]), step = atol(argv[4]);
    char err[256];
    esclient_opts eo = {.base_url = argv[1], .timeout_ms = 30000, .max_response_bytes = 1 << 28};
    esclient *es = esclient_new(&eo, err, sizeof(err));
    collect *c = collect_new();
    snapshot_slot *slot = snapshot_slot_new();
    if (!es || !c || !slot) {
        fprintf(stderr, "churn: %s\n", es ? "out of memory" : err);
        return 1;
    }
    collect_opts co = {
        .procfs_root = argv[2], .es_all = 1, .cluster = COLLECT_CLUSTER_ALWAYS, .version = "churn"};
    unsigned render = snapshot_body_bit(EXPOSITION_OPENMETRICS, 1); /* Prometheus' body */
    int failed = 0;
    for (long i = 1; i <= polls; i++) {
        metric_set *set = metric_set_new();
        collect_result res;
        if (!set || collect_run(c, es, &co, set, &res) != 0) {
            fprintf(stderr, "churn: poll %ld: out of memory\n", i);
            return 1;
        }
        if (!res.es_up && !failed++)
            fprintf(stderr, "churn: poll %ld: %s\n", i, res.es_error);
        snapshot_info info = {.es_up = res.es_up, .polls = (unsigned long)i};
        collect_result_free(&res);
        snapshot *prev = snapshot_slot_acquire(slot);
        snapshot_export_render(prev, set);
        snapshot_release(prev);
        snapshot *s = snapshot_new(set, &info, render);
        size_t len = 0; /* every tenth poll, a body rendered on request too */
        if (!s || (i % 10 == 0 && !snapshot_body(s, EXPOSITION_TEXT, 0, &len))) {
            fprintf(stderr, "churn: poll %ld: snapshot: out of memory\n", i);
            return 1;
        }
        snapshot_slot_publish(slot, s);
        malloc_trim(0);
        if (i % step == 0 || i == 1)
            printf("%ld %ld %zu\n", i, vm_rss_kib(), len), fflush(stdout);
    }
    snapshot_slot_free(slot);
    collect_free(c);
    esclient_free(es);
    return failed == polls ? 1 : 0;
}
