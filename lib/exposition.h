/* exposition: renders a metric_set as Prometheus text format 0.0.4 or
 * OpenMetrics 1.0.0, and picks the format from an HTTP Accept header. */
#ifndef ESVIGIL_EXPOSITION_H
#define ESVIGIL_EXPOSITION_H

#include "buf.h"
#include "metric.h"

typedef enum { EXPOSITION_TEXT = 0, EXPOSITION_OPENMETRICS = 1 } exposition_format;

/* Appends the whole set to out (families in set order). 0 on success,
 * -1 when out failed to grow. */
int exposition_render(const metric_set *s, exposition_format fmt, buf *out);

/* Receives the rendered page in pieces; returns -1 to stop rendering (out of memory). */
typedef int (*exposition_sink)(void *ctx, const void *data, size_t len);

/* Renders the set into sink(ctx, ...) in pieces of up to 64 KiB, so a compressor can consume
 * the page without it ever being held whole. 0 on success, -1 when the sink or an allocation
 * failed. */
int exposition_render_to(const metric_set *s, exposition_format fmt, exposition_sink sink,
                         void *ctx);

/* The Content-Type header value for fmt. */
const char *exposition_content_type(exposition_format fmt);

/* OpenMetrics when accept (may be NULL) asks for application/openmetrics-text
 * with a non-zero q (and does not give text/plain a higher q), text otherwise. */
exposition_format exposition_negotiate(const char *accept);

/* Room for any value exposition_format_value writes, NUL included. */
#define EXPOSITION_VALUE_MAX 32

/* Formats a sample value per spec: NaN, +Inf, -Inf, integers without
 * exponent where exact, else shortest round-trip %.17g. Needs n >=
 * EXPOSITION_VALUE_MAX to never truncate; always NUL-terminates when n > 0. */
void exposition_format_value(double v, char *out, size_t n);

#endif
