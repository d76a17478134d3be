/* checkreport: the human report of --check, a Nagios status line then one
 * line per finding with value, threshold, seed and hint. */
#include "checkreport.h"

#include <math.h>
#include <stdio.h>

#include "checktable.h"

static void format_value(check_unit unit, double v, char *out, size_t n)
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

int checkreport_render(const checks_result *res, const char *es_error, buf *out)
{
    size_t count[4] = {0};
    for (size_t i = 0; i < res->nfindings; i++)
        count[res->findings[i].status]++;
    check_status worst = res->worst;
    if (es_error && *es_error && worst < CHECK_CRITICAL)
        worst = CHECK_CRITICAL;
    size_t value_checks = 0; /* rule-only and counter rows need more than one poll */
    for (size_t i = 0; i < checktable_count(); i++)
        value_checks += checktable_row(i)->kind == KIND_VALUE;
    buf_printf(out, "ESVIGIL %s - %zu critical, %zu warning (%zu checks on %zu subjects)\n",
               check_status_name(worst), count[CHECK_CRITICAL], count[CHECK_WARNING], value_checks,
               res->evaluated);
    if (es_error && *es_error)
        buf_printf(out, "CRITICAL es_unreachable: %s\n  hint: %s\n", es_error,
                   checktable_row((size_t)checktable_find("es_unreachable"))->hint);
    for (size_t i = 0; i < res->nfindings; i++) {
        const check_finding *f = &res->findings[i];
        const check_def *d = checktable_row(f->check);
        char v[32], t[32];
        format_value(d->unit, f->value, v, sizeof(v));
        format_value(d->unit, f->threshold, t, sizeof(t));
        buf_printf(out, "%s %s %s: %s %s %s%s%s%s - %s\n  hint: %s\n", check_status_name(f->status),
                   d->name, f->subject, v, d->cmp == CMP_GT ? ">" : "<", t,
                   d->seed ? " [seed " : "", d->seed ? d->seed : "", d->seed ? "]" : "", d->summary,
                   d->hint);
        if (f->detail[0]) /* Elasticsearch's own words, after ours */
            buf_printf(out, "  es: %s\n", f->detail);
    }
    return out->failed ? -1 : 0;
}
