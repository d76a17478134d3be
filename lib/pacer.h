/* pacer: optional cluster-level collectors (index stats, settings, ...) that
 * each poll at their own interval, off the node-stats poll, so a slow index
 * API never delays node stats or /metrics.
 *
 * How it runs: a background thread in the daemon owns its own esclient and
 * calls pacer_step() in a loop; pacer_step runs every collector that is
 * enabled and due and keeps its last good metric_set. The main poll calls
 * pacer_report() (from collect_run), which tells the pacer whether this
 * daemon reports for the cluster (and the cluster's name), and when it does
 * merges every collector's last good set plus its bookkeeping
 * (esvigil_collector_success, _duration_seconds, _last_success_timestamp_seconds,
 * esvigil_errors_total) into the snapshot. Between two runs of a collector
 * its last good values stay exported; a failed run keeps them too, and
 * esvigil_collector_last_success_timestamp_seconds shows their age.
 * Collectors run only while the last main poll said "reporter", so like the
 * other cluster-level families they follow cluster.metrics.
 *
 * How to add a collector (one row of pacer_collectors[] in pacer.c):
 *   1. Write the run function: fetch with esclient_get into a streaming
 *      parser that fills `out` (a fresh, empty set). Return ESCLIENT_OK with
 *      `out` complete, or an error with one line in err (no secrets) - then
 *      `out` is discarded and the previous good set stays exported.
 *      ctx->cluster is the "cluster" label value, ctx->cfg the config
 *      (read only: it is shared with the main poll).
 *   2. Add the config keys to lib/config.c's table and struct config: a bool
 *      turning it on and a T_DURATION interval (e.g. es.snapshots,
 *      es.snapshots.interval), documented in etc/esvigil.yml, README and
 *      doc/esvigil.8.
 *   3. Add the row: {"name", enabled_fn, offsetof(config, interval_ms_field),
 *      run_fn}. The name is the collector label of the bookkeeping families.
 *      A collector that keeps state between runs adds state_new/state_free;
 *      an interval of 0 means "every poll.interval".
 */
#ifndef ESVIGIL_PACER_H
#define ESVIGIL_PACER_H

#include <stddef.h>

#include "config.h"
#include "esclient.h"
#include "metric.h"

typedef struct pacer_ctx {
    const config *cfg;   /* borrowed, read only */
    const char *cluster; /* the reporting node's cluster name */
    void *state;         /* the collector's own, from state_new; NULL without */
} pacer_ctx;

typedef esclient_err (*pacer_run_fn)(esclient *es, const pacer_ctx *ctx, metric_set *out, char *err,
                                     size_t errlen);

typedef struct pacer_collector {
    const char *name;                  /* collector label */
    int (*enabled)(const config *cfg); /* whether the config turns it on */
    size_t interval_offset;            /* of a long long (ms) field in struct config */
    pacer_run_fn run;
    /* Optional: what the collector keeps between its runs (error counters,
     * what the cluster supports), made by pacer_new, freed by pacer_free. */
    void *(*state_new)(void);
    void (*state_free)(void *state);
} pacer_collector;

size_t pacer_collector_count(void);
const pacer_collector *pacer_collector_row(size_t i); /* NULL past the end */

typedef struct pacer pacer;

/* cfg is borrowed and must outlive the pacer (the daemon makes one pacer per
 * configuration). NULL when out of memory. */
pacer *pacer_new(const config *cfg);
void pacer_free(pacer *p);
/* Whether any collector is enabled (no thread needed otherwise). */
int pacer_any_enabled(const pacer *p);

/* Called by the main poll: records whether this daemon reports for the
 * cluster (cluster may be NULL or "" when node info failed: then nothing
 * runs). When reporter, merges the last good sets and the bookkeeping into
 * out. Thread-safe against pacer_step. 0, or -1 when out of memory. */
int pacer_report(pacer *p, int reporter, const char *cluster, metric_set *out);

/* Runs every due collector once (now_mono: CLOCK_MONOTONIC seconds, now_real:
 * Unix time). A collector is due when enabled, the daemon reports for a
 * known cluster and its interval has passed since its last run (at once the
 * first time). Returns how many ran; err/errkey (may be NULL) get the first
 * failure ("indices: GET ...: ...") and a stable "collector:reason" key for
 * rate-limited logging. Call from one thread only. */
int pacer_step(pacer *p, esclient *es, double now_mono, double now_real, char *err, size_t errlen,
               char *errkey, size_t keylen);

/* Seconds until the next collector is due (never below 0); `cap` when none is
 * or the daemon does not report yet. */
double pacer_wait(pacer *p, double now_mono, double cap);

/* For run functions: GET path into a streaming parser (feed is an
 * esclient_sink; finish and error are the parser's), err gets
 * "name: GET path: why" on failure. */
esclient_err pacer_fetch(esclient *es, const char *name, const char *path, esclient_sink feed,
                         int (*finish)(void *), const char *(*error)(void *), void *parser,
                         char *err, size_t errlen);

/* Records the outcome of a run of collector i, as pacer_step does: takes
 * good (the complete set, NULL when the run failed with e). Exposed for
 * tests, which drive the pacer without a server. */
void pacer_store(pacer *p, size_t i, metric_set *good, esclient_err e, double secs, double now_mono,
                 double now_real);

#endif
