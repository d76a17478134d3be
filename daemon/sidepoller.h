/* sidepoller: the thread that runs the paced collectors (lib/pacer.h) with
 * its own Elasticsearch client, so they never hold up the node-stats poll. */
#ifndef ESVIGIL_SIDEPOLLER_H
#define ESVIGIL_SIDEPOLLER_H

#include <stddef.h>

#include "config.h"
#include "pacer.h"

typedef struct sidepoller sidepoller;

/* Starts the thread over p (borrowed; must outlive the sidepoller). NULL
 * with a message in err when the client or the thread cannot be made. */
sidepoller *sidepoller_start(const config *cfg, pacer *p, char *err, size_t errlen);
/* Stops the thread (a request in flight is abandoned within about a second)
 * and frees it. NULL is a no-op. */
void sidepoller_stop(sidepoller *s);

#endif
