/* healthreport: streaming parser of GET /_health_report (ES >= 8.7) into the
 * reference exporter's elasticsearch_health_report_* families and esvigil's
 * per-indicator status with its symptom, every indicator ES reports. */
#ifndef ESVIGIL_HEALTHREPORT_H
#define ESVIGIL_HEALTHREPORT_H

#include <stddef.h>

#include "metric.h"

#define HEALTHREPORT_PATH "/_health_report"

typedef struct healthreport healthreport;

/* Samples go into out (borrowed) at a successful finish. cluster labels the
 * samples when the document has no cluster_name. NULL on OOM. */
healthreport *healthreport_new(metric_set *out, const char *cluster);
void healthreport_free(healthreport *p);
int healthreport_feed(void *p, const char *data, size_t len); /* an esclient_sink */
/* 0, or -1 when invalid, not an object, or without "indicators". */
int healthreport_finish(healthreport *p);
const char *healthreport_error(const healthreport *p);

size_t healthreport_indicator_count(const healthreport *p);
const char *healthreport_indicator_name(const healthreport *p, size_t i);
const char *healthreport_indicator_status(const healthreport *p, size_t i);

size_t healthreport_def_count(void);
const metric_def *healthreport_def(size_t i);

#endif
