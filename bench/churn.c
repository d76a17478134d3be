/* churn: the poller's loop without its clock, for soak runs: POLLS polls (collect, snapshot,
 * publish, trim, as daemon/poller.c does), each followed by a run of the index collectors
 * (--es.indices, every index exported, as the side poller's thread does), against an ES that
 * renames its nodes and indices, printing VmRSS every STEP polls so bench/churn.py can tell a
 * leak from a plateau.
 *   churn ES_URL PROCFS POLLS STEP */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "config.h"
#include "esclient.h"
#include "pacer.h"
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
    char *flags[] = {"churn", "--es.indices", "--es.indices.max=0", NULL};
    config *cfg = config_new();
    if (!cfg || config_apply_flags(cfg, 3, flags, NULL, err, sizeof(err)) < 0 ||
        config_finalize(cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "churn: %s\n", cfg ? err : "out of memory");
        return 1;
    }
    pacer *pc = pacer_new(cfg);
    if (!pc) {
        fprintf(stderr, "churn: out of memory\n");
        return 1;
    }
    collect_opts co = {.procfs_root = argv[2],
                       .es_all = 1,
                       .cluster = COLLECT_CLUSTER_ALWAYS,
                       .version = "churn",
                       .pacer = pc};
    unsigned render = snapshot_body_bit(EXPOSITION_OPENMETRICS, 1); /* Prometheus' body */
    int failed = 0, pacer_failed = 0;
    for (long i = 1; i <= polls; i++) {
        metric_set *set = metric_set_new();
        collect_result res;
        if (!set || collect_run(c, es, &co, set, &res) != 0) {
            fprintf(stderr, "churn: poll %ld: out of memory\n", i);
            return 1;
        }
        if (!res.es_up && !failed++)
            fprintf(stderr, "churn: poll %ld: %s\n", i, res.es_error);
        /* a day apart on the pacer's clock: every index collector is due after every poll, and
         * this poll's set holds what the previous poll's run found */
        char perr[256] = "";
        if (pacer_step(pc, es, i * 86400.0, (double)time(NULL), perr, sizeof(perr), NULL, 0) < 1 ||
            perr[0]) {
            if (!pacer_failed++)
                fprintf(stderr, "churn: poll %ld: the index collectors: %s\n", i,
                        perr[0] ? perr : "none ran");
        }
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
    pacer_free(pc);
    config_free(cfg);
    collect_free(c);
    esclient_free(es);
    return failed == polls || pacer_failed == polls ? 1 : 0;
}
