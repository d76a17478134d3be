/* snapshot: one poll's result rendered once (text and OpenMetrics, each also
 * gzipped) and published atomically; HTTP requests take a reference and
 * serve bytes without ever waiting on Elasticsearch. */
#ifndef ESVIGIL_SNAPSHOT_H
#define ESVIGIL_SNAPSHOT_H

#include <stddef.h>

#include "exposition.h"
#include "metric.h"

typedef struct snapshot_info {
    double finished_at;  /* unix time the poll ended */
    double duration;     /* seconds the poll took */
    int es_up;           /* the node's own info and stats were read */
    unsigned long polls; /* polls since start */
    char status[256];    /* one line: "ok" or what failed, free of secrets */
} snapshot_info;

typedef struct snapshot snapshot;

/* Renders set in every format and gzips each. Returns a snapshot holding
 * one reference (the caller's), or NULL on allocation failure. */
snapshot *snapshot_build(const metric_set *set, const snapshot_info *info);
snapshot *snapshot_ref(snapshot *s);
void snapshot_release(snapshot *s); /* frees on the last reference */

const snapshot_info *snapshot_get_info(const snapshot *s);
/* The rendered body; valid while a reference is held. */
const char *snapshot_body(const snapshot *s, exposition_format fmt, int gzip, size_t *len);

/* Hands the status page (malloc'd HTML) to s, before s is published. */
void snapshot_set_page(snapshot *s, char *html, size_t len);
/* The status page, or NULL when none was set; valid while a reference is held. */
const char *snapshot_page(const snapshot *s, size_t *len);

/* A published slot: the latest snapshot, swapped under a mutex. */
typedef struct snapshot_slot snapshot_slot;

snapshot_slot *snapshot_slot_new(void);
void snapshot_slot_free(snapshot_slot *slot);
/* Takes over the caller's reference to s and drops the previous one. */
void snapshot_slot_publish(snapshot_slot *slot, snapshot *s);
/* A new reference to the current snapshot (release it), or NULL before the first publish. */
snapshot *snapshot_slot_acquire(snapshot_slot *slot);

#endif
