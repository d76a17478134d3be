/* basicauth: checks a basic-auth password against a bcrypt hash with
 * libcrypt's crypt_r, and remembers successful checks briefly: bcrypt costs
 * ~100 ms on purpose, and Prometheus sends the same credentials every scrape. */
#ifndef ESVIGIL_BASICAUTH_H
#define ESVIGIL_BASICAUTH_H

typedef struct basicauth basicauth;

/* A check cache; successes are remembered for ttl_seconds. NULL: no memory. */
basicauth *basicauth_new(double ttl_seconds);
/* Wipes the remembered credentials. NULL is a no-op. */
void basicauth_free(basicauth *a);
/* 1 when password matches hash (for user), else 0. Thread-safe; now is a
 * monotonic time in seconds. */
int basicauth_check(basicauth *a, const char *user, const char *hash, const char *password,
                    double now);
/* How many checks ran bcrypt (cache misses), for tests. */
unsigned long basicauth_hashes_computed(const basicauth *a);

#endif
