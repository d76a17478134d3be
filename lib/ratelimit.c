/* ratelimit: a handful of slots keyed by message text; the least recently
 * seen slot is recycled, which is enough for the few distinct failures a
 * poller can have at once. */
#include "ratelimit.h"

#include <string.h>

void ratelimit_init(ratelimit *r, double interval)
{
    memset(r, 0, sizeof(*r));
    r->interval = interval;
}

static ratelimit_slot *slot_for(ratelimit *r, const char *key)
{
    ratelimit_slot *oldest = &r->slots[0];
    for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
        ratelimit_slot *s = &r->slots[i];
        if (s->key[0] && strncmp(s->key, key, RATELIMIT_KEY_MAX - 1) == 0)
            return s;
        if (!s->key[0] || (oldest->key[0] && s->last_seen < oldest->last_seen))
            oldest = s;
    }
    memset(oldest, 0, sizeof(*oldest));
    strncpy(oldest->key, key, RATELIMIT_KEY_MAX - 1);
    return oldest;
}

int ratelimit_allow(ratelimit *r, const char *key, double now, unsigned *suppressed)
{
    ratelimit_slot *s = slot_for(r, key);
    int fresh = s->last_seen == 0 && s->last_logged == 0;
    s->last_seen = now;
    if (fresh || now - s->last_logged >= r->interval) {
        if (suppressed)
            *suppressed = s->suppressed;
        s->suppressed = 0;
        s->last_logged = now;
        return 1;
    }
    s->suppressed++;
    return 0;
}

void ratelimit_clear(ratelimit *r, const char *key)
{
    for (size_t i = 0; i < RATELIMIT_SLOTS; i++)
        if (strncmp(r->slots[i].key, key, RATELIMIT_KEY_MAX - 1) == 0)
            memset(&r->slots[i], 0, sizeof(r->slots[i]));
}
