/* strmap: string key -> fixed-size value, open addressing. Entries have dense
 * ids in insertion order (0..count-1), so a map doubles as an interning
 * table and as an index into a caller's array kept in the same order. */
#ifndef ESVIGIL_STRMAP_H
#define ESVIGIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_NONE ((size_t)-1)

typedef struct strmap strmap;

/* Every value is value_size bytes, zeroed when its key is added (0: keys
 * only). NULL when out of memory. */
/* The hash strmap uses, for tables that index bytes they do not copy (metric's series). */
uint64_t strmap_hash(const char *s, size_t len);
strmap *strmap_new(size_t value_size);
void strmap_free(strmap *m);
size_t strmap_count(const strmap *m);

/* The id of the len bytes at key (they may hold NUL), or STRMAP_NONE. */
size_t strmap_find(const strmap *m, const char *key, size_t len);
/* The id of key, added with a zeroed value when absent (*created says which;
 * created may be NULL). The map keeps its own copy of the key. STRMAP_NONE
 * when out of memory: the map is unchanged then. */
size_t strmap_put(strmap *m, const char *key, size_t len, int *created);

/* A key with its length and hash worked out once, for a key looked up or added more than once
 * (a metric family's name: found, then added, then found again in the set absorbing it). */
typedef struct strmap_hkey {
    const char *s;
    size_t len;
    uint64_t hash;
} strmap_hkey;
strmap_hkey strmap_hkey_of(const char *key, size_t len);
size_t strmap_find_hkey(const strmap *m, strmap_hkey k);
size_t strmap_put_hkey(strmap *m, strmap_hkey k, int *created);

/* Room for n more keys of key_bytes in all (NULs not counted), so that adding them grows the
 * tables once instead of step by step. 0, or -1 when out of memory (the entries unchanged). */
int strmap_reserve(strmap *m, size_t n, size_t key_bytes);

/* NUL-terminated shorthands for strmap_find and strmap_put. */
size_t strmap_get(const strmap *m, const char *key);
size_t strmap_add(strmap *m, const char *key, int *created);

/* The map's copy of an entry's key (NUL-terminated) and its length. */
const char *strmap_key(const strmap *m, size_t id);
size_t strmap_key_len(const strmap *m, size_t id);
/* An entry's value: valid until the next put, sweep or free. */
void *strmap_value(const strmap *m, size_t id);
/* The value of key, or NULL when absent: lookups that need no id. */
void *strmap_value_of(const strmap *m, const char *key);

/* Iteration is `for (size_t id = 0; id < strmap_count(m); id++)`, in
 * insertion order. */

/* Keeps the entries for which keep() returns non-zero and drops the rest in
 * one pass (removal is a sweep: open addressing cannot blank one slot). The
 * kept entries keep their order and are renumbered 0..count-1. Works in
 * place, so it cannot fail. Returns the number dropped. */
size_t strmap_sweep(strmap *m, int (*keep)(const char *key, void *value, void *ctx), void *ctx);
/* Drops key if present (ids after it shift down by one); 1 when it was. */
int strmap_remove(strmap *m, const char *key);

#endif
