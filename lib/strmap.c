/* strmap: keys back to back in one arena, per-id arrays for offsets, hashes
 * and values, and a power-of-two slot table at most half full (linear
 * probing, a word-at-a-time multiply hash). Growth is geometric everywhere,
 * so n puts cost O(n). */
#include "strmap.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap {
    size_t vsize;
    char *arena; /* every key NUL-terminated, in id order */
    size_t used, arena_cap;
    size_t *off, *len;
    uint64_t *hash;      /* per id, so growing the slots never rehashes a key */
    unsigned char *vals; /* vsize bytes per id */
    size_t n, cap;
    size_t *slot; /* id + 1; 0 = empty */
    size_t nslot;
};

uint64_t strmap_hash(const char *s, size_t len)
{
    /* 8 bytes per multiply (byte-wise FNV showed in big-cluster profiles) */
    uint64_t h = 1469598103934665603ull ^ len, w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0x94d049bb133111ebull;
    return h ^ (h >> 29);
}

strmap *strmap_new(size_t value_size)
{
    strmap *m = calloc(1, sizeof(*m));
    if (m)
        m->vsize = value_size;
    return m;
}

void strmap_free(strmap *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m->off);
    free(m->len);
    free(m->hash);
    free(m->vals);
    free(m->slot);
    free(m);
}

size_t strmap_count(const strmap *m)
{
    return m->n;
}

/* The slot holding key, or the empty one where it would go. */
static size_t *probe(const strmap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->nslot - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        size_t *s = &m->slot[i];
        if (*s == 0)
            return s;
        size_t id = *s - 1;
        if (m->hash[id] == h && m->len[id] == len && memcmp(m->arena + m->off[id], key, len) == 0)
            return s;
    }
}

strmap_hkey strmap_hkey_of(const char *key, size_t len)
{
    return (strmap_hkey){key, len, strmap_hash(key, len)};
}

size_t strmap_find_hkey(const strmap *m, strmap_hkey k)
{
    if (m->nslot == 0)
        return STRMAP_NONE;
    size_t *s = probe(m, k.s, k.len, k.hash);
    return *s ? *s - 1 : STRMAP_NONE;
}

size_t strmap_find(const strmap *m, const char *key, size_t len)
{
    return m->nslot ? strmap_find_hkey(m, strmap_hkey_of(key, len)) : STRMAP_NONE;
}

size_t strmap_get(const strmap *m, const char *key)
{
    return strmap_find(m, key, strlen(key));
}

static void reslot(strmap *m)
{
    memset(m->slot, 0, m->nslot * sizeof(*m->slot));
    for (size_t id = 0; id < m->n; id++)
        *probe(m, m->arena + m->off[id], m->len[id], m->hash[id]) = id + 1;
}

static int set_slots(strmap *m, size_t n)
{
    size_t *slot = calloc(n, sizeof(*slot));
    if (!slot)
        return -1;
    free(m->slot);
    m->slot = slot;
    m->nslot = n;
    reslot(m);
    return 0;
}

static int grow_slots(strmap *m)
{
    return set_slots(m, m->nslot ? m->nslot * 2 : 64);
}

/* realloc of one per-id array to cap elements; *p untouched on failure. */
static int resize(void *pp, size_t cap, size_t elem)
{
    void **p = pp;
    if (elem == 0)
        return 0;
    void *q = realloc(*p, cap * elem);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

static int set_ids(strmap *m, size_t cap)
{
    if (resize(&m->off, cap, sizeof(*m->off)) || resize(&m->len, cap, sizeof(*m->len)) ||
        resize(&m->hash, cap, sizeof(*m->hash)) || resize(&m->vals, cap, m->vsize))
        return -1;
    m->cap = cap;
    return 0;
}

static int grow_ids(strmap *m)
{
    return set_ids(m, m->cap ? m->cap * 2 : 16);
}

static int reserve_arena(strmap *m, size_t extra)
{
    if (m->used + extra <= m->arena_cap)
        return 0;
    size_t cap = m->arena_cap ? m->arena_cap : 256;
    while (cap < m->used + extra)
        cap *= 2;
    char *p = realloc(m->arena, cap);
    if (!p)
        return -1;
    m->arena = p;
    m->arena_cap = cap;
    return 0;
}

int strmap_reserve(strmap *m, size_t n, size_t key_bytes)
{
    if (n > (size_t)-1 / 4 - m->n || key_bytes > (size_t)-1 / 2 - n)
        return -1;
    size_t want = m->n + n, nslot = m->nslot ? m->nslot : 64, cap = m->cap ? m->cap : 16;
    while (want * 2 > nslot)
        nslot *= 2;
    while (cap < want)
        cap *= 2;
    if ((nslot != m->nslot && set_slots(m, nslot) < 0) || (cap != m->cap && set_ids(m, cap) < 0))
        return -1;
    return reserve_arena(m, key_bytes + n);
}

size_t strmap_put_hkey(strmap *m, strmap_hkey k, int *created)
{
    const char *key = k.s;
    size_t len = k.len;
    uint64_t h = k.hash;
    if (created)
        *created = 0;
    if (m->nslot) {
        size_t *s = probe(m, key, len, h);
        if (*s)
            return *s - 1;
    }
    /* everything that can fail comes before the first change that counts */
    if (len >= (size_t)-1 / 2 || ((m->n + 1) * 2 > m->nslot && grow_slots(m) < 0) ||
        (m->n == m->cap && grow_ids(m) < 0) || reserve_arena(m, len + 1) < 0)
        return STRMAP_NONE;
    size_t id = m->n++;
    memcpy(m->arena + m->used, key, len);
    m->arena[m->used + len] = '\0';
    m->off[id] = m->used;
    m->len[id] = len;
    m->hash[id] = h;
    m->used += len + 1;
    if (m->vsize)
        memset(m->vals + id * m->vsize, 0, m->vsize);
    *probe(m, key, len, h) = id + 1;
    if (created)
        *created = 1;
    return id;
}

size_t strmap_put(strmap *m, const char *key, size_t len, int *created)
{
    return strmap_put_hkey(m, strmap_hkey_of(key, len), created);
}

size_t strmap_add(strmap *m, const char *key, int *created)
{
    return strmap_put(m, key, strlen(key), created);
}

const char *strmap_key(const strmap *m, size_t id)
{
    assert(id < m->n);
    return m->arena + m->off[id];
}

size_t strmap_key_len(const strmap *m, size_t id)
{
    assert(id < m->n);
    return m->len[id];
}

void *strmap_value(const strmap *m, size_t id)
{
    assert(id < m->n && m->vsize > 0);
    return m->vals + id * m->vsize;
}

void *strmap_value_of(const strmap *m, const char *key)
{
    size_t id = strmap_get(m, key);
    return id == STRMAP_NONE ? NULL : strmap_value(m, id);
}

size_t strmap_sweep(strmap *m, int (*keep)(const char *key, void *value, void *ctx), void *ctx)
{
    size_t kept = 0, used = 0;
    for (size_t id = 0; id < m->n; id++) {
        void *v = m->vsize ? m->vals + id * m->vsize : NULL;
        if (!keep(m->arena + m->off[id], v, ctx))
            continue;
        /* move down: the new place never lies after the old one */
        memmove(m->arena + used, m->arena + m->off[id], m->len[id] + 1);
        m->off[kept] = used;
        m->len[kept] = m->len[id];
        m->hash[kept] = m->hash[id];
        if (m->vsize)
            memmove(m->vals + kept * m->vsize, v, m->vsize);
        used += m->len[kept] + 1;
        kept++;
    }
    size_t dropped = m->n - kept;
    m->n = kept;
    m->used = used;
    if (dropped && m->nslot)
        reslot(m);
    return dropped;
}

typedef struct drop_one {
    size_t target, at;
} drop_one;

/* sweep visits ids in order, so counting finds the one to drop. */
static int keep_other(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)value;
    drop_one *d = ctx;
    return d->at++ != d->target;
}

int strmap_remove(strmap *m, const char *key)
{
    drop_one d = {strmap_get(m, key), 0};
    if (d.target == STRMAP_NONE)
        return 0;
    return strmap_sweep(m, keep_other, &d) == 1;
}
