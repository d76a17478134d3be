/* checkreport: the --check report of one evaluation. */
#ifndef ESVIGIL_CHECKREPORT_H
#define ESVIGIL_CHECKREPORT_H

#include "buf.h"
#include "checks.h"

/* Appends the report of res to out; es_error, when set, is why Elasticsearch
 * could not be polled. 0, or -1 on OOM. */
int checkreport_render(const checks_result *res, const char *es_error, buf *out);

#endif
