/* checkreport: the --check report of one evaluation. */
#ifndef ESVIGIL_CHECKREPORT_H
#define ESVIGIL_CHECKREPORT_H

#include "buf.h"
#include "checks.h"
#include "checktable.h"

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

/* v as the report shows it: a percentage, bytes in binary units, or %g. */
void checkreport_format_value(check_unit unit, double v, char *out, size_t n);
/* The detail for finding f: its check's, for its subject when one is named;
 * NULL when none matches. */
const char *checkreport_detail_of(const check_finding *f, const checkreport_detail *details,
                                  size_t n);

#endif
