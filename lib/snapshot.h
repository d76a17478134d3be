/* snapshot: one poll's result, published atomically; each body (text or OpenMetrics, plain or
 * gzipped) and the status page is rendered at most once, and HTTP requests take a reference and
 * serve bytes without ever waiting on Elasticsearch. */
#ifndef ESVIGIL_SNAPSHOT_H
#define ESVIGIL_SNAPSHOT_H

#include <stddef.h>

#include "exposition.h"
#include "metric.h"
#include "statuspage.h"

typedef struct snapshot_info {
    double finished_at;  /* unix time the poll ended */
    double duration;     /* seconds the poll took */
    int es_up;           /* the node's own info and stats were read */
    unsigned long polls; /* polls since start */
    char status[256];    /* one line: "ok" or what failed, free of secrets */
} snapshot_info;

typedef struct snapshot snapshot;

/* The four bodies: text and OpenMetrics, each plain and gzipped. */
#define SNAPSHOT_BODIES 4
#define SNAPSHOT_ALL_BODIES ((1u << SNAPSHOT_BODIES) - 1)
unsigned snapshot_body_bit(exposition_format fmt, int gzip);

/* Takes over set (freed with the snapshot, even on failure) and renders the bodies whose
 * snapshot_body_bit()s are in render, compressing while rendering; the others are rendered
 * from set on their first request. Returns a snapshot holding one reference (the caller's), or
 * NULL on allocation failure. */
snapshot *snapshot_new(metric_set *set, const snapshot_info *info, unsigned render);
snapshot *snapshot_ref(snapshot *s);
void snapshot_release(snapshot *s); /* frees on the last reference */

const snapshot_info *snapshot_get_info(const snapshot *s);
const metric_set *snapshot_set(const snapshot *s);
/* The body, rendered now if it was not yet (CPU only, never Elasticsearch); valid while a
 * reference is held. NULL when that render ran out of memory. */
const char *snapshot_body(snapshot *s, exposition_format fmt, int gzip, size_t *len);
/* The snapshot_body_bit()s requests asked for so far: what the next snapshot renders up front. */
unsigned snapshot_asked(const snapshot *s);
/* Seconds spent rendering and compressing this snapshot's bodies so far. */
double snapshot_render_seconds(const snapshot *s);

/* Adds esvigil_render_duration_seconds (prev's render time) to set; nothing when prev is NULL.
 * A snapshot cannot hold its own render time, so each reports its predecessor's. */
int snapshot_export_render(const snapshot *prev, metric_set *set);

/* Takes over pp, this poll's status page, before s is published; it is rendered (from pp and
 * the snapshot's set) on the first snapshot_page, so a snapshot nobody browses never is. */
void snapshot_take_page(snapshot *s, statuspage_poll *pp);
/* The status page, rendered now if it was not yet; valid while a reference is held. NULL when
 * none was taken or its render ran out of memory (the next call tries again). */
const char *snapshot_page(snapshot *s, size_t *len);
/* How many times the page was rendered: 1 at most once asked for, 0 when never asked. */
unsigned snapshot_page_renders(const snapshot *s);

/* A published slot: the latest snapshot, swapped under a mutex. */
typedef struct snapshot_slot snapshot_slot;

snapshot_slot *snapshot_slot_new(void);
void snapshot_slot_free(snapshot_slot *slot);
/* Takes over the caller's reference to s and drops the previous one. */
void snapshot_slot_publish(snapshot_slot *slot, snapshot *s);
/* A new reference to the current snapshot (release it), or NULL before the first publish. */
snapshot *snapshot_slot_acquire(snapshot_slot *slot);

#endif
