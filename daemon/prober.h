/* prober: serves /probe?target=URL&auth_module=NAME, one collection of another
 * cluster on the request's thread (lib/probe.h decides what is admitted). */
#ifndef ESVIGIL_PROBER_H
#define ESVIGIL_PROBER_H

#include "buf.h"
#include "config.h"
#include "exposition.h"

typedef struct prober prober;

/* cfg stays the caller's and must outlive it or the next prober_update.
 * cap: the most probes ever run at once, whatever a reload says (the HTTP
 * server was sized for that many at start). */
prober *prober_new(const config *cfg, const char *version, int cap);
/* A reloaded config; the old one may be freed once this returns. */
void prober_update(prober *p, const config *cfg);
/* Makes the probes in flight give up (shutdown must not wait probe.timeout). */
void prober_cancel(prober *p);
void prober_free(prober *p);

/* Runs a probe: the HTTP status, the body in out (the exposition on 200,
 * one line of text otherwise) and its Content-Type in *ctype. */
unsigned prober_run(prober *p, const char *target, const char *auth_module, exposition_format fmt,
                    buf *out, const char **ctype);

#endif
