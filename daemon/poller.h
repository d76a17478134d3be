/* poller: the thread that polls every interval, renders a complete new
 * snapshot and publishes it, and pings the systemd watchdog. */
#ifndef ESVIGIL_POLLER_H
#define ESVIGIL_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "collect.h"
#include "config.h"
#include "esclient.h"
#include "snapshot.h"

typedef struct poller_opts {
    const config *cfg;                   /* borrowed: must outlive the poller */
    snapshot_slot *slot;                 /* where snapshots are published */
    const checks_thresholds *thresholds; /* borrowed: must outlive the poller */
    uint64_t watchdog_usec;              /* 0: no systemd watchdog */
    const char *version;
} poller_opts;

typedef struct poller poller;

/* Builds the ES client from cfg and starts the thread; the first poll runs at
 * once. NULL with a message in err when the client cannot be built. */
poller *poller_start(const poller_opts *o, char *err, size_t errlen);
/* The ES client and the poll options a config asks for; shared with the
 * one-shot --check. */
esclient *poller_make_client(const config *c, char *err, size_t errlen);
collect_opts poller_collect_opts(const config *cfg, const checks_thresholds *t,
                                 const char *version);

/* The Elasticsearch URL in display form (no secrets). */
const char *poller_es_url(const poller *p);
/* Asks the thread to stop, joins it (a poll in flight ends within
 * es.timeout) and frees everything. */
void poller_stop(poller *p);

#endif
