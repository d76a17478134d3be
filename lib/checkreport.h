/* checkreport: the --check report of one evaluation. */
#ifndef ESVIGIL_CHECKREPORT_H
#define ESVIGIL_CHECKREPORT_H

#include "buf.h"
#include "checks.h"

/* What the report adds under a finding of check whose subject ends with
 * label=value (label NULL: any subject of that check): why ES could not be
 * polled, which endpoint refused which privilege. Strings are borrowed. */
typedef struct checkreport_detail {
    const char *check;
    const char *label, *value;
    const char *text;
} checkreport_detail;

/* Appends the report of res to out: a status line whose counts are the
 * findings, then one line per finding, with the first matching detail of
 * details[0..ndetails-1]. 0, or -1 on OOM. */
int checkreport_render(const checks_result *res, const checkreport_detail *details, size_t ndetails,
                       buf *out);

#endif
