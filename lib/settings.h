/* settings: streaming parser of GET /_cluster/settings (include_defaults,
 * flat or nested) into elasticsearch_clustersettings_* families, keeping only
 * the allocation, watermark and recovery keys the checks need. */
#ifndef ESVIGIL_SETTINGS_H
#define ESVIGIL_SETTINGS_H

#include <stddef.h>

#include "metric.h"

typedef struct settings settings;

/* Samples go into out (borrowed, must outlive the parser), all of them from
 * settings_finish and only when it succeeds.
 *
 * The document is {"persistent":{...},"transient":{...},"defaults":{...}} in
 * any section order; a key's value comes from transient, else persistent,
 * else defaults. Keys may be flat ("cluster.routing.allocation.enable") or
 * nested ({"cluster":{"routing":...}}) or a mix: nested keys are joined with
 * ".". JSON strings, numbers and booleans are accepted as values; null means
 * "not set in this section".
 *
 * A value that ES itself would refuse (a watermark "85", an allocation mode
 * "some") gives no sample and a warning (settings_warning) but does not fail
 * the parse. NULL on allocation failure. */
settings *settings_new(metric_set *out);
void settings_free(settings *p);
/* An esclient_sink: 0, or non-zero to abort on invalid JSON. */
int settings_feed(void *p, const char *data, size_t len);
/* 0 when the document was a complete settings object, -1 otherwise (invalid
 * or truncated JSON, not an object, none of the three sections). */
int settings_finish(settings *p);
/* Why the last call failed, one line; "" when nothing failed. */
const char *settings_error(const settings *p);
/* Values skipped by the last successful finish, "; "-separated, one line;
 * "" when none. Owned by p. */
const char *settings_warning(const settings *p);

/* ---- for the derived checks; valid after a successful finish ---- */

typedef enum {
    SETTINGS_WM_NONE,  /* absent or invalid */
    SETTINGS_WM_RATIO, /* value: used-space ratio 0..1 ("85%", "0.85") */
    SETTINGS_WM_BYTES  /* value: minimum FREE space in bytes ("10gb") */
} settings_wm_kind;

typedef struct settings_watermark {
    settings_wm_kind kind;
    double value;
    /* ES 8.5+: cap on the free space a ratio watermark requires, in bytes;
     * < 0 when unset ("-1", absent or invalid). */
    double max_headroom;
} settings_watermark;

/* The free bytes a watermark requires on a disk of size bytes: a byte
 * watermark as it is, a ratio's share capped by max_headroom when set. */
double settings_watermark_required_free(const settings_watermark *w, double size);

/* which: "low", "high" or "flood_stage". 0, or -1 for another name (out is
 * then left untouched). */
int settings_get_watermark(const settings *p, const char *which, settings_watermark *out);

/* cluster.routing.allocation.disk.threshold_enabled: 1, 0, or -1 when absent
 * or invalid. */
int settings_threshold_enabled(const settings *p);

/* cluster.routing.allocation.enable in lower case ("all", "primaries",
 * "new_primaries", "none"), or NULL when absent or invalid. Static string. */
const char *settings_allocation_enable(const settings *p);

#endif
