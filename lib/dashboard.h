/* dashboard: the bundled Grafana dashboard (contrib/grafana/esvigil.json),
 * its incident panels generated from the check table like the alert rules. */
#ifndef ESVIGIL_DASHBOARD_H
#define ESVIGIL_DASHBOARD_H

#include "buf.h"
#include "checks.h"

/* Appends the dashboard JSON for thresholds t (drawn as threshold lines) to
 * out. 0, or -1 on OOM. */
int dashboard_render(const checks_thresholds *t, buf *out);

#endif
