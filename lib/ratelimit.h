/* ratelimit: decides whether a repeated identical log message is written
 * now or folded into a "repeated N times" count, so a node that stays down
 * for a day does not fill the journal with one line per poll. */
#ifndef ESVIGIL_RATELIMIT_H
#define ESVIGIL_RATELIMIT_H

#include <stddef.h>

#define RATELIMIT_SLOTS 16
#define RATELIMIT_KEY_MAX 160

typedef struct ratelimit_slot {
    char key[RATELIMIT_KEY_MAX];
    double last_logged; /* when this key was last written */
    double last_seen;
    unsigned suppressed; /* identical messages dropped since then */
} ratelimit_slot;

/* Public so callers can embed it; zero-initialise, then ratelimit_init. */
typedef struct ratelimit {
    double interval; /* seconds between two writes of one key */
    ratelimit_slot slots[RATELIMIT_SLOTS];
} ratelimit;

void ratelimit_init(ratelimit *r, double interval);

/* Returns 1 when a message with this key should be written at time now;
 * *suppressed then holds how many identical ones were dropped since the
 * last write. Returns 0 when it should be dropped. */
int ratelimit_allow(ratelimit *r, const char *key, double now, unsigned *suppressed);

/* Forgets key, so the next failure after a recovery is logged at once. */
void ratelimit_clear(ratelimit *r, const char *key);

#endif
