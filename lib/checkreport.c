/* checkreport: the human report of --check, a Nagios status line then one
 * line per finding with value, threshold, seed and hint. */
#include "checkreport.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "checktable.h"

void checkreport_format_value(check_unit unit, double v, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (unit == UNIT_RATIO) {
        snprintf(out, n, "%.1f%%", v * 100);
    } else if (unit == UNIT_BYTES) {
        double a = fabs(v);
        int u = 0;
        while (a >= 1024 && u < 5) {
            a /= 1024;
            v /= 1024;
            u++;
        }
        snprintf(out, n, "%.1f %s", v, units[u]);
    } else if (unit == UNIT_SECONDS && isfinite(v) && fabs(v) >= 60) {
        double h = v / 3600;
        if (fabs(h) >= 1)
            snprintf(out, n, "%.1fh", h);
        else
            snprintf(out, n, "%.1fm", v / 60);
    } else if (unit == UNIT_SECONDS) {
        snprintf(out, n, isinf(v) ? (v > 0 ? "+Inf" : "-Inf") : "%gs", v); /* never happened */
    } else {
        snprintf(out, n, "%g", v);
    }
}

const char *checkreport_detail_of(const check_finding *f, const checkreport_detail *details,
                                  size_t n)
{
    const char *name = checktable_row(f->check)->name;
    for (size_t i = 0; i < n; i++) {
        const checkreport_detail *d = &details[i];
        if (strcmp(d->check, name) != 0 || !d->text || !*d->text)
            continue;
        if (!d->label)
            return d->text;
        char want[160];
        snprintf(want, sizeof(want), "%s=%s", d->label, d->value ? d->value : "");
        size_t sl = strlen(f->subject), wl = strlen(want);
        if (sl >= wl && strcmp(f->subject + sl - wl, want) == 0 &&
            (sl == wl || f->subject[sl - wl - 1] == ' '))
            return d->text;
    }
    return NULL;
}

int checkreport_render(const checks_result *res, const checkreport_detail *details, size_t ndetails,
                       buf *out)
{
    size_t count[4] = {0};
    for (size_t i = 0; i < res->nfindings; i++)
        count[res->findings[i].status]++;
    size_t value_checks = 0; /* rule-only and counter rows need more than one poll */
    for (size_t i = 0; i < checktable_count(); i++)
        value_checks += checktable_row(i)->kind == KIND_VALUE;
    buf_printf(out, "ESVIGIL %s - %zu critical, %zu warning (%zu checks on %zu subjects)\n",
               check_status_name(res->worst), count[CHECK_CRITICAL], count[CHECK_WARNING],
               value_checks, res->evaluated);
    for (size_t i = 0; i < res->nfindings; i++) {
        const check_finding *f = &res->findings[i];
        const check_def *d = checktable_row(f->check);
        char v[32], t[32];
        checkreport_format_value(d->unit, f->value, v, sizeof(v));
        checkreport_format_value(d->unit, f->threshold, t, sizeof(t));
        buf_printf(out, "%s %s %s: %s %s %s%s%s%s - %s\n", check_status_name(f->status), d->name,
                   f->subject, v, d->cmp == CMP_GT ? ">" : "<", t, d->seed ? " [seed " : "",
                   d->seed ? d->seed : "", d->seed ? "]" : "", d->summary);
        const char *detail = checkreport_detail_of(f, details, ndetails);
        if (detail)
            buf_printf(out, "  detail: %s\n", detail);
        buf_printf(out, "  hint: %s\n", d->hint);
        if (f->detail[0]) /* Elasticsearch's own words, after ours */
            buf_printf(out, "  es: %s\n", f->detail);
    }
    return out->failed ? -1 : 0;
}
