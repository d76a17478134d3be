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
    const char *version;
} poller_opts;

/* The poller keeps its collect state (counters, previous samples, check
 * baselines, the last identity) for its whole life: a reload swaps the
 * config-derived parts only. */
typedef struct poller poller;

/* Builds the ES client from cfg and starts the thread; the first poll runs at
 * once. NULL with a message in err when the client cannot be built. */
poller *poller_start(const poller_opts *o, char *err, size_t errlen);
/* SIGHUP: a client for cfg, then the thread restarted on cfg and t (both
 * borrowed from then on); the first poll runs at once. -1 with err when the
 * client cannot be built: the poller goes on with the previous ones. */
int poller_reload(poller *p, const config *cfg, const checks_thresholds *t, char *err,
                  size_t errlen);
/* The ES client and the poll options a config asks for; shared with the
 * one-shot --check. */
esclient *poller_make_client(const config *c, char *err, size_t errlen);
collect_opts poller_collect_opts(const config *cfg, const checks_thresholds *t,
                                 const char *version);
/* poll.deadline, or the poll interval when it is 0. */
long long poller_deadline_ms(const config *cfg);

/* Seconds the poll in progress has run past its deadline; 0 while idle or
 * within it, huge when no thread runs. For the thread that owns p (the
 * watchdog feeder), while the poller thread polls. */
double poller_overdue(const poller *p);

/* The Elasticsearch URL in display form (no secrets). */
const char *poller_es_url(const poller *p);
/* Asks the thread to stop, joins it (a request in flight is abandoned within
 * about a second) and frees everything. */
void poller_stop(poller *p);

#endif
