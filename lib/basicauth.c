/* basicauth: crypt_r does the bcrypt work (no crypto here); the cache holds
 * user, hash and password of recent successes only, wiped when replaced, so a
 * wrong password always pays the full bcrypt cost. */
#include "basicauth.h"

#include <crypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BASICAUTH_SLOTS 32

typedef struct entry {
    char *key; /* user \0 hash \0 password */
    size_t len;
    double expires;
} entry;

struct basicauth {
    pthread_mutex_t mu;
    double ttl;
    entry slots[BASICAUTH_SLOTS];
    unsigned long computed;
};

basicauth *basicauth_new(double ttl_seconds)
{
    basicauth *a = calloc(1, sizeof(*a));
    if (a && pthread_mutex_init(&a->mu, NULL) != 0) {
        free(a);
        return NULL;
    }
    if (a)
        a->ttl = ttl_seconds;
    return a;
}

static void entry_clear(entry *e)
{
    if (e->key) {
        memset(e->key, 0, e->len);
        free(e->key);
    }
    *e = (entry){0};
}

void basicauth_free(basicauth *a)
{
    if (!a)
        return;
    for (int i = 0; i < BASICAUTH_SLOTS; i++)
        entry_clear(&a->slots[i]);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* Equal without an early exit, so timing does not tell how much matched. */
static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    unsigned char diff = 0;
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static char *make_key(const char *user, const char *hash, const char *password, size_t *len)
{
    size_t u = strlen(user), h = strlen(hash), p = strlen(password);
    *len = u + h + p + 2;
    char *k = malloc(*len);
    if (!k)
        return NULL;
    memcpy(k, user, u + 1);
    memcpy(k + u + 1, hash, h + 1);
    memcpy(k + u + h + 2, password, p);
    return k;
}

static int cached(basicauth *a, const char *key, size_t len, double now)
{
    int hit = 0;
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < BASICAUTH_SLOTS; i++) {
        entry *e = &a->slots[i];
        if (e->key && e->expires <= now)
            entry_clear(e);
        else if (e->key && same_bytes(e->key, e->len, key, len))
            hit = 1;
    }
    pthread_mutex_unlock(&a->mu);
    return hit;
}

/* Takes key: into a free slot, else over the one expiring first. */
static void remember(basicauth *a, char *key, size_t len, double now)
{
    pthread_mutex_lock(&a->mu);
    entry *victim = &a->slots[0];
    for (int i = 0; i < BASICAUTH_SLOTS; i++) {
        entry *e = &a->slots[i];
        if (!e->key) {
            victim = e;
            break;
        }
        if (e->expires < victim->expires)
            victim = e;
    }
    entry_clear(victim);
    *victim = (entry){.key = key, .len = len, .expires = now + a->ttl};
    pthread_mutex_unlock(&a->mu);
}

static int bcrypt_matches(const char *hash, const char *password)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    if (!cd)
        return 0;
    const char *out = crypt_r(password, hash, cd);
    /* crypt_r fails with a string starting with '*', never equal to a hash */
    int ok = out && out[0] == '$' && same_bytes(out, strlen(out), hash, strlen(hash));
    memset(cd, 0, sizeof(*cd));
    free(cd);
    return ok;
}

int basicauth_check(basicauth *a, const char *user, const char *hash, const char *password,
                    double now)
{
    size_t len;
    char *key = make_key(user, hash, password, &len);
    if (!key)
        return 0;
    if (cached(a, key, len, now)) {
        memset(key, 0, len);
        free(key);
        return 1;
    }
    pthread_mutex_lock(&a->mu);
    a->computed++;
    pthread_mutex_unlock(&a->mu);
    int ok = bcrypt_matches(hash, password);
    if (ok && a->ttl > 0) {
        remember(a, key, len, now);
        return 1;
    }
    memset(key, 0, len);
    free(key);
    return ok;
}

unsigned long basicauth_hashes_computed(const basicauth *a)
{
    return a->computed;
}
