/* checkrules: the bundled Prometheus rules, one source of truth with --check. */
#ifndef ESVIGIL_CHECKRULES_H
#define ESVIGIL_CHECKRULES_H

#include "buf.h"
#include "checks.h"

/* Appends the rule file for thresholds t to out. 0, or -1 on OOM. */
int checkrules_render(const checks_thresholds *t, buf *out);

#endif
