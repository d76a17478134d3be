/* ilm: index lifecycle. Elasticsearch's ILM (GET /_ilm/status, GET
 * /_all/_ilm/explain) gives the reference exporter's elasticsearch_ilm_*
 * families and esvigil's indices in the ERROR step; OpenSearch's ISM (GET
 * /_plugins/_ism/explain) gives its failed actions the same way. */
#ifndef ESVIGIL_ILM_H
#define ESVIGIL_ILM_H

#include <stddef.h>

#include "esclient.h"
#include "metric.h"

#define ILM_STATUS_PATH "/_ilm/status"
#define ILM_EXPLAIN_PATH "/_all/_ilm/explain"
#define ISM_EXPLAIN_PATH "/_plugins/_ism/explain"
#define ISM_EXPLAIN_PATH_ODFE "/_opendistro/_ism/explain" /* Open Distro, before OpenSearch */

typedef enum { ILM_STATUS, ILM_EXPLAIN, ISM_EXPLAIN } ilm_doc;

/* Streams explain answers into out as each index is read (the list may be
 * long); on a failure the caller discards out. cluster is copied. */
typedef struct ilm ilm;

ilm *ilm_new(metric_set *out, const char *cluster);
void ilm_free(ilm *p);
int ilm_begin(ilm *p, ilm_doc doc);                  /* 0 or -1 (OOM) */
int ilm_feed(void *p, const char *data, size_t len); /* an esclient_sink */
int ilm_finish(ilm *p); /* 0, or -1 (invalid, not an object); emits the status families */
const char *ilm_error(const ilm *p);

/* Counts of the documents parsed so far. */
size_t ilm_index_count(const ilm *p);  /* indices explained */
size_t ilm_error_count(const ilm *p);  /* ILM indices in the ERROR step */
size_t ilm_failed_count(const ilm *p); /* ISM indices with a failed action */

/* Which lifecycle API the cluster has, learnt by the first runs. */
typedef enum { ILM_API_UNKNOWN, ILM_API_ILM, ILM_API_ISM, ILM_API_ISM_ODFE, ILM_API_NONE } ilm_api;

/* One run: ILM, or ISM where the cluster has no ILM. *api carries what was
 * learnt between runs; a cluster with neither gives *unsupported = 1.
 * ESCLIENT_OK, or why it failed with err set. */
esclient_err ilm_collect(esclient *es, const char *cluster, ilm_api *api, metric_set *out,
                         int *unsupported, char *err, size_t errlen);

size_t ilm_def_count(void);
const metric_def *ilm_def(size_t i);

#endif
