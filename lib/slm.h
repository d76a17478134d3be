/* slm: the snapshot lifecycle collector. GET /_slm/status and /_slm/stats
 * give the reference exporter's elasticsearch_slm_stats_* families; GET
 * /_slm/policy gives esvigil's per-policy last success, last failure (with
 * Elasticsearch's failure detail) and next execution. */
#ifndef ESVIGIL_SLM_H
#define ESVIGIL_SLM_H

#include <stddef.h>

#include "esclient.h"
#include "metric.h"

#define SLM_STATUS_PATH "/_slm/status"
#define SLM_STATS_PATH "/_slm/stats"
#define SLM_POLICY_PATH "/_slm/policy"

typedef enum { SLM_STATUS, SLM_STATS, SLM_POLICY } slm_doc;

/* What one run learnt from the three documents. */
typedef struct slm slm;

slm *slm_new(void);
void slm_free(slm *p);
/* Starts parsing one document (which one says how to read it). 0 or -1 (OOM). */
int slm_begin(slm *p, slm_doc doc);
int slm_feed(void *p, const char *data, size_t len); /* an esclient_sink */
/* 0 when the document was complete and had the expected shape, else -1. */
int slm_finish(slm *p);
const char *slm_error(const slm *p);

/* Valid after the documents were parsed. */
const char *slm_operation_mode(const slm *p); /* "" when none */
size_t slm_policy_count(const slm *p);
const char *slm_policy_name(const slm *p, size_t i);
/* 1 when the policy's last failure is newer than its last success. */
int slm_policy_failing(const slm *p, size_t i);
const char *slm_policy_failure_detail(const slm *p, size_t i); /* "" when none */

/* Adds every family the parsed documents allow. 0 or -1 (OOM). */
int slm_emit(const slm *p, metric_set *out, const char *cluster);

/* One run: status (probing: an SLM-less cluster gives *unsupported = 1 and
 * an error), stats, policies. ESCLIENT_OK, or why it failed with err set. */
esclient_err slm_collect(esclient *es, const char *cluster, metric_set *out, int *unsupported,
                         char *err, size_t errlen);

size_t slm_def_count(void);
const metric_def *slm_def(size_t i);

#endif
