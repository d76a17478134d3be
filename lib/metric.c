/* metric: families in insertion order, found by name through a strmap whose
 * ids are the family indexes, so 500-node polls stay linear; within a family
 * a hash over the label values keeps every series unique (a repeated series
 * overwrites: the last value wins, as JSON's last duplicate key). */
#include "metric.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"

/* A set's small pieces (its families with their strings, each family's label chunks up to
 * ARENA_CHUNK_MAX, and its sample array and series index up to ARENA_ARRAY_MAX) are cut from
 * the set's arena and freed with it at once: a single node's poll made ~1,500 mallocs and as
 * many frees of them (most of its families have one sample), and malloc and free were a tenth
 * of its CPU in perf. Bigger pieces are malloc'd, so a 500-node set's big arrays are still
 * handed back by metric_set_trim and metric_set_free as before. An array that outgrows its
 * arena piece leaves it unused until the set is freed, hence the low bound for arrays (at most
 * ~700 bytes a family: 0.3 MB of a 500-node set's ~400 big families); a chunk is filled, never
 * outgrown. */
typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(16) char data[];
} arena_block;

#define ARENA_ARRAY_MAX 256
#define ARENA_CHUNK_MAX 4096
#define ARENA_BLOCK_MIN 4096
#define ARENA_BLOCK_MAX 65536

/* A family's label values live in chunks freed with it: a 500-node poll packs ~200k of them,
 * and a malloc each cost 16-30 bytes of overhead and a free each. A value replaced in place
 * (relabel, a repeated series) stays in its chunk until the family goes. */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    int heap; /* malloc'd, else in the set's arena */
    char data[];
} chunk;

#define CHUNK_MIN 256
#define CHUNK_MAX 65536

typedef struct sample {
    double v;
    char *values;  /* label values, each NUL-terminated, back to back */
    uint32_t len;  /* bytes of values */
    uint32_t hash; /* of values: rehashing and probing never rescan them */
} sample;

struct metric_family {
    char *name;
    size_t name_len;
    uint64_t name_hash; /* strmap's: the set absorbing this one finds it without hashing again */
    char *help;
    metric_type type;
    size_t nlabels;
    char *labels[METRIC_MAX_LABELS];
    sample *samples;
    size_t nsamples, cap;
    chunk *chunks;   /* the first is the one being filled */
    uint64_t *slots; /* series hash: SLOT(hash, sample index + 1), 0 = empty */
    size_t nslots;
    size_t unique; /* samples [0, unique) are distinct series, in slots when there are slots */
    int samples_heap, slots_heap; /* malloc'd, else in the set's arena */
    char strings[];               /* name, help and label names, which the pointers above borrow */
};

struct metric_set {
    metric_family **fams;
    size_t nfams, cap;
    int deferred;   /* adds skip the series index until metric_set_settle */
    strmap *byname; /* family name -> its index in fams (same order, same count) */
    size_t nsamples;
    arena_block *arena; /* the first is the one being filled; the families live here */
};

/* The size of the next arena block or label chunk: twice the last (min for the first), at
 * most max, but never less than the len bytes it must hold. */
static size_t grown_cap(size_t last, size_t min, size_t max, size_t len)
{
    size_t cap = last ? last * 2 : min;
    if (cap > max)
        cap = max;
    return cap < len ? len : cap;
}

/* len bytes (16-aligned) from s's arena, in a new block when the current one lacks room. */
static void *arena_alloc(metric_set *s, size_t len)
{
    len = (len + 15) & ~(size_t)15;
    arena_block *b = s->arena;
    if (!b || b->cap - b->used < len) {
        size_t cap = grown_cap(b ? b->cap : 0, ARENA_BLOCK_MIN, ARENA_BLOCK_MAX, len);
        arena_block *n = malloc(sizeof(*n) + cap);
        if (!n)
            return NULL;
        n->next = b;
        n->used = 0;
        n->cap = cap;
        s->arena = b = n;
    }
    void *p = b->data + b->used;
    b->used += len;
    return p;
}

/* Links list src (of type T, linked through next) in behind the first element of the list at
 * *head: arena blocks and label chunks both fill their first element, which must stay first. */
#define SPLICE_BEHIND_FIRST(T, head, src)                                                          \
    do {                                                                                           \
        T **tail_ = *(head) ? &(*(head))->next : (head);                                           \
        T *rest_ = *tail_;                                                                         \
        *tail_ = (src);                                                                            \
        while (*tail_)                                                                             \
            tail_ = &(*tail_)->next;                                                               \
        *tail_ = rest_;                                                                            \
    } while (0)

/* Hands src's blocks to dst, behind the one dst is filling, so the families absorbed from src
 * stay valid. */
static void arena_take(metric_set *dst, metric_set *src)
{
    SPLICE_BEHIND_FIRST(arena_block, &dst->arena, src->arena);
    src->arena = NULL;
}

static void arena_free(arena_block *b)
{
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
}

/* n bytes for a piece of a family: from the arena up to max (*heap = 0), else malloc'd. */
static void *piece_alloc(metric_set *s, size_t n, size_t max, int *heap)
{
    *heap = n > max;
    return *heap ? malloc(n) : arena_alloc(s, n);
}

static void piece_free(void *p, int heap)
{
    if (heap)
        free(p);
}

/* The series index points into the samples' own packed values rather than
 * copying them into a strmap: a 500-node poll holds ~200k series. */
static uint32_t hash_mem(const char *s, size_t len)
{
    uint64_t h = strmap_hash(s, len);
    return (uint32_t)(h ^ (h >> 32));
}

metric_set *metric_set_new(void)
{
    metric_set *s = calloc(1, sizeof(metric_set));
    if (s && !(s->byname = strmap_new(0))) {
        free(s);
        return NULL;
    }
    return s;
}

/* Frees f's malloc'd pieces; the rest (f itself included) goes with the set's arena. */
static void family_free(metric_family *f)
{
    if (!f) /* moved out by metric_set_absorb */
        return;
    while (f->chunks) {
        chunk *next = f->chunks->next;
        piece_free(f->chunks, f->chunks->heap);
        f->chunks = next;
    }
    piece_free(f->samples, f->samples_heap);
    piece_free(f->slots, f->slots_heap);
}

void metric_set_free(metric_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nfams; i++)
        family_free(s->fams[i]);
    free(s->fams);
    strmap_free(s->byname);
    arena_free(s->arena);
    free(s);
}

const metric_family *metric_set_find(const metric_set *s, const char *name)
{
    size_t i = strmap_get(s->byname, name);
    return i == STRMAP_NONE ? NULL : s->fams[i];
}

static size_t def_label_count(const metric_def *def)
{
    size_t n = 0;
    while (n < METRIC_MAX_LABELS && def->labels[n])
        n++;
    return n;
}

static char *put_string(char **at, const char *s, size_t len)
{
    char *p = memcpy(*at, s, len);
    p[len] = '\0';
    *at += len + 1;
    return p;
}

/* One allocation with its strings: every poll makes each family anew, and a
 * strdup (and free) per name, help and label was a tenth of a single node's
 * poll. Each length is taken once (strlen was 4 % of a single node's cycle). */
static metric_family *family_new(metric_set *s, const metric_def *def, strmap_hkey name)
{
    const char *help = def->help ? def->help : "";
    size_t nlabels = def_label_count(def), help_len = strlen(help), label_len[METRIC_MAX_LABELS];
    size_t room = name.len + 1 + help_len + 1;
    for (size_t j = 0; j < nlabels; j++)
        room += (label_len[j] = strlen(def->labels[j])) + 1;
    metric_family *f = arena_alloc(s, sizeof(*f) + room);
    if (!f)
        return NULL;
    memset(f, 0, sizeof(*f));
    char *at = f->strings;
    f->name = put_string(&at, name.s, name.len);
    f->name_len = name.len;
    f->name_hash = name.hash;
    f->help = put_string(&at, help, help_len);
    f->type = def->type;
    f->nlabels = nlabels;
    for (size_t j = 0; j < nlabels; j++)
        f->labels[j] = put_string(&at, def->labels[j], label_len[j]);
    return f;
}

static strmap_hkey family_key(const metric_family *f)
{
    return (strmap_hkey){f->name, f->name_len, f->name_hash};
}

static int labels_match(const metric_family *f, const metric_def *def)
{
    if (f->type != def->type || f->nlabels != def_label_count(def))
        return 0;
    for (size_t j = 0; j < f->nlabels; j++)
        if (strcmp(f->labels[j], def->labels[j]) != 0)
            return 0;
    return 1;
}

/* Room in s->fams for n more families. */
static int fams_reserve_n(metric_set *s, size_t n)
{
    if (s->nfams + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        while (cap < s->nfams + n)
            cap *= 2;
        metric_family **p = realloc(s->fams, cap * sizeof(*p));
        if (!p)
            return -1;
        s->fams = p;
        s->cap = cap;
    }
    return 0;
}

static int fams_reserve(metric_set *s)
{
    return fams_reserve_n(s, 1);
}

static metric_family *family_get(metric_set *s, const metric_def *def)
{
    strmap_hkey name = strmap_hkey_of(def->name, strlen(def->name));
    size_t i = strmap_find_hkey(s->byname, name);
    if (i != STRMAP_NONE)
        return labels_match(s->fams[i], def) ? s->fams[i] : NULL;
    if (fams_reserve(s) < 0)
        return NULL;
    metric_family *f = family_new(s, def, name);
    if (!f)
        return NULL;
    if (strmap_put_hkey(s->byname, name, NULL) == STRMAP_NONE)
        return NULL; /* f stays in the arena, unused */
    s->fams[s->nfams++] = f;
    assert(strmap_count(s->byname) == s->nfams);
    return f;
}

/* The slot of the series with these packed values (and their hash), or the
 * empty one to fill. A slot holds the series' hash beside its sample, so a probe past other
 * series reads no sample: a node's ~350 samples go to ~350 families, whose
 * samples are long out of cache by the next node (a tenth of a 500-node
 * poll's CPU was these misses). */
#define SLOT(hash, n) ((uint64_t)(hash) << 32 | (uint32_t)(n))
#define SLOT_SAMPLE(slot) ((size_t)(uint32_t)(slot)-1)

static uint64_t *series_slot(const metric_family *f, const char *packed, size_t len, uint32_t hash)
{
    size_t mask = f->nslots - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        uint64_t *slot = &f->slots[i];
        if (*slot == 0)
            return slot;
        if ((uint32_t)(*slot >> 32) != hash)
            continue;
        const sample *x = &f->samples[SLOT_SAMPLE(*slot)];
        if (x->len == len && memcmp(x->values, packed, len) == 0)
            return slot;
    }
}

/* An empty table at most half full for one more sample: twice the last size,
 * or (after metric_set_trim dropped it, or deferred adds outgrew it) what the
 * samples need. */
static int series_table(metric_set *s, metric_family *f)
{
    size_t n = f->nslots ? f->nslots * 2 : 8;
    while (n < 2 * (f->nsamples + 1))
        n *= 2;
    int heap;
    uint64_t *slots = piece_alloc(s, n * sizeof(*slots), ARENA_ARRAY_MAX, &heap);
    if (!slots)
        return -1;
    memset(slots, 0, n * sizeof(*slots));
    piece_free(f->slots, f->slots_heap);
    f->slots = slots;
    f->slots_heap = heap;
    f->nslots = n;
    return 0;
}

/* series_table, then every sample (distinct series) back in. */
static int series_rehash(metric_set *s, metric_family *f)
{
    if (series_table(s, f) < 0)
        return -1;
    for (size_t i = 0; i < f->nsamples; i++) {
        const sample *x = &f->samples[i];
        *series_slot(f, x->values, x->len, x->hash) = SLOT(x->hash, i + 1);
    }
    return 0;
}

/* len bytes in f's current chunk, or a new one twice the last (up to CHUNK_MAX, or len). */
static char *family_alloc(metric_set *s, metric_family *f, size_t len)
{
    chunk *c = f->chunks;
    if (!c || c->cap - c->used < len) {
        size_t cap = grown_cap(c ? c->cap : 0, CHUNK_MIN, CHUNK_MAX, len);
        int heap;
        chunk *n = piece_alloc(s, sizeof(*n) + cap, ARENA_CHUNK_MAX, &heap);
        if (!n)
            return NULL;
        n->heap = heap;
        n->next = c;
        n->used = 0;
        n->cap = cap;
        f->chunks = c = n;
    }
    char *p = c->data + c->used;
    c->used += len;
    return p;
}

/* Gives back the last family_alloc (a repeated series needs no second copy). */
static void family_unalloc(metric_family *f, const char *p, size_t len)
{
    chunk *c = f->chunks;
    if (c && c->used >= len && p == c->data + c->used - len)
        c->used -= len;
}

/* Hands sf's chunks to f (behind f's current one), so values moved from sf stay valid. */
static void family_take_chunks(metric_family *f, metric_family *sf)
{
    SPLICE_BEHIND_FIRST(chunk, &f->chunks, sf->chunks);
    sf->chunks = NULL;
}

/* The label values of one series back to back, each with its NUL, in f's
 * chunk: prefix[0..plen) (values packed already) then values[0..n). */
static char *pack_values(metric_set *s, metric_family *f, const char *prefix, size_t plen,
                         const char *const *values, size_t n, size_t *lenp)
{
    size_t len = plen, l[METRIC_MAX_LABELS];
    for (size_t j = 0; j < n; j++)
        len += (l[j] = strlen(values[j] ? values[j] : "") + 1);
    *lenp = len;
    char *p = family_alloc(s, f, len), *w = p;
    if (!p)
        return NULL;
    if (plen)
        memcpy(w, prefix, plen);
    w += plen;
    for (size_t j = 0; j < n; j++) {
        memcpy(w, values[j] ? values[j] : "", l[j]);
        w += l[j];
    }
    return p;
}

/* Adds one series whose packed values (len bytes, hashed, in one of f's chunks) are f's.
 * Returns 1 when it was there already (its value replaced), 0 when added, -1 when too long.
 * While s defers its index the series is appended unchecked: metric_set_settle merges. */
static int family_add_packed(metric_set *s, metric_family *f, char *packed, size_t len,
                             uint32_t hash, double v)
{
    if (len > UINT32_MAX)
        return -1;
    if (s->deferred) {
        f->samples[f->nsamples++] = (sample){v, packed, (uint32_t)len, hash};
        s->nsamples++;
        return 0;
    }
    uint64_t *slot = series_slot(f, packed, len, hash);
    if (*slot) { /* the same series again: one series, the last value */
        f->samples[SLOT_SAMPLE(*slot)].v = v;
        return 1;
    }
    f->samples[f->nsamples] = (sample){v, packed, (uint32_t)len, hash};
    f->nsamples++;
    *slot = SLOT(hash, f->nsamples);
    f->unique = f->nsamples;
    s->nsamples++;
    return 0;
}

static int family_reindex(metric_set *s, metric_family *f);

/* Room for one more sample, its slot included unless s defers its index. */
static int family_grow(metric_set *s, metric_family *f)
{
    if (f->nsamples >= UINT32_MAX - 1) /* a slot holds the sample index in 32 bits */
        return -1;
    if (f->nsamples == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        sample *p;
        int heap = 1;
        if (f->samples_heap) /* it only grows: once malloc'd, it stays so */
            p = realloc(f->samples, cap * sizeof(*p));
        else if ((p = piece_alloc(s, cap * sizeof(*p), ARENA_ARRAY_MAX, &heap)) && f->nsamples)
            memcpy(p, f->samples, f->nsamples * sizeof(*p));
        if (!p)
            return -1;
        f->samples = p;
        f->samples_heap = heap;
        f->cap = cap;
    }
    if (s->deferred)
        return 0;
    if (f->unique != f->nsamples && family_reindex(s, f) < 0) /* added while deferred */
        return -1;
    if (f->nsamples * 2 >= f->nslots && series_rehash(s, f) < 0)
        return -1;
    return 0;
}

metric_family *metric_set_family_for(metric_set *s, const metric_def *def)
{
    return family_get(s, def);
}

int metric_set_add(metric_set *s, const metric_def *def, const char *const *values, double v)
{
    if (def_label_count(def) && !values)
        return -1;
    metric_family *f = family_get(s, def);
    return f ? metric_set_add_to(s, f, values, v) : -1;
}

static int add_packing(metric_set *s, metric_family *f, const char *prefix, size_t plen,
                       const char *const *values, size_t n, double v)
{
    if ((n && !values) || family_grow(s, f) < 0)
        return -1;
    size_t len;
    char *packed = pack_values(s, f, prefix, plen, values, n, &len);
    if (!packed)
        return -1;
    int rc = family_add_packed(s, f, packed, len, hash_mem(packed, len), v);
    if (rc != 0)
        family_unalloc(f, packed, len);
    return rc < 0 ? -1 : 0;
}

int metric_set_add_to(metric_set *s, metric_family *f, const char *const *values, double v)
{
    return add_packing(s, f, NULL, 0, values, f->nlabels, v);
}

int metric_pack(struct buf *out, const char *const *values, size_t n, size_t *offs)
{
    size_t start = out->len;
    if (offs)
        offs[0] = 0;
    for (size_t j = 0; j < n; j++) {
        const char *v = values[j] ? values[j] : "";
        buf_append(out, v, strlen(v) + 1);
        if (offs)
            offs[j + 1] = out->len - start;
    }
    return out->failed ? -1 : 0;
}

int metric_set_add_prefixed(metric_set *s, metric_family *f, const char *prefix, size_t plen,
                            size_t nprefix, const char *const *rest, double v)
{
    if (nprefix > f->nlabels)
        return -1;
    return add_packing(s, f, prefix, plen, rest, f->nlabels - nprefix, v);
}

/* Rebuilds the series hash after label values changed in place; a series
 * that now repeats an earlier one gives it its value and is dropped. */
static int family_reindex(metric_set *s, metric_family *f)
{
    /* samples added while the index was deferred may have outgrown it */
    if (!f->slots || f->nsamples * 2 >= f->nslots) {
        if (series_table(s, f) < 0)
            return -1;
    } else {
        memset(f->slots, 0, f->nslots * sizeof(*f->slots));
    }
    size_t kept = 0;
    for (size_t i = 0; i < f->nsamples; i++) {
        sample x = f->samples[i];
        uint64_t *slot = series_slot(f, x.values, x.len, x.hash);
        if (*slot) {
            f->samples[SLOT_SAMPLE(*slot)].v = x.v;
            s->nsamples--;
            continue;
        }
        f->samples[kept++] = x;
        *slot = SLOT(x.hash, kept);
    }
    f->nsamples = kept;
    f->unique = kept;
    return 0;
}

/* One sample's packed values with label j replaced by to; NULL on OOM. */
static char *repack(metric_set *s, metric_family *f, size_t i, size_t j, const char *to,
                    size_t *len)
{
    const char *vals[METRIC_MAX_LABELS];
    for (size_t k = 0; k < f->nlabels; k++)
        vals[k] = k == j ? to : metric_family_label_value(f, i, k);
    return pack_values(s, f, NULL, 0, vals, f->nlabels, len);
}

int metric_set_relabel(metric_set *s, const char *name, const char *label, const char *from,
                       const char *to)
{
    size_t id = strmap_get(s->byname, name);
    if (id == STRMAP_NONE)
        return 0;
    metric_family *f = s->fams[id];
    size_t j = 0;
    while (j < f->nlabels && strcmp(f->labels[j], label) != 0)
        j++;
    if (j == f->nlabels)
        return 0;
    int changed = 0;
    for (size_t i = 0; i < f->nsamples; i++) {
        if (strcmp(metric_family_label_value(f, i, j), from) != 0)
            continue;
        size_t len;
        char *packed = repack(s, f, i, j, to, &len);
        if (!packed)
            return -1;
        if (len > UINT32_MAX)
            return -1;
        f->samples[i].values = packed;
        f->samples[i].len = (uint32_t)len;
        f->samples[i].hash = hash_mem(packed, len);
        changed++;
    }
    if (changed && family_reindex(s, f) < 0)
        return -1;
    return changed;
}

void metric_set_defer_index(metric_set *s)
{
    s->deferred = 1;
}

int metric_set_settle(metric_set *s)
{
    s->deferred = 0;
    for (size_t i = 0; i < s->nfams; i++) {
        metric_family *f = s->fams[i];
        if (f->unique != f->nsamples && family_reindex(s, f) < 0)
            return -1;
    }
    return 0;
}

static void family_def(const metric_family *f, metric_def *def)
{
    memset(def, 0, sizeof(*def));
    def->name = f->name;
    def->help = f->help;
    def->type = f->type;
    for (size_t j = 0; j < f->nlabels; j++)
        def->labels[j] = f->labels[j];
}

/* Copies the packed values as they are (and their hash): no unpacking, no rescan. */
int metric_set_merge(metric_set *dst, const metric_set *src)
{
    if (dst == src) /* would chase its own growing tail */
        return -1;
    for (size_t i = 0; i < src->nfams; i++) {
        const metric_family *sf = src->fams[i];
        if (sf->nsamples == 0) /* as if added one by one: nothing to add, no family */
            continue;
        metric_def def;
        family_def(sf, &def);
        metric_family *f = family_get(dst, &def);
        if (!f)
            return -1;
        for (size_t k = 0; k < sf->nsamples; k++) {
            const sample *x = &sf->samples[k];
            char *packed = family_grow(dst, f) < 0 ? NULL : family_alloc(dst, f, x->len);
            if (!packed)
                return -1;
            memcpy(packed, x->values, x->len);
            int rc = family_add_packed(dst, f, packed, x->len, x->hash, x->v);
            if (rc < 0)
                return -1;
            if (rc == 1)
                family_unalloc(f, packed, x->len);
        }
    }
    return 0;
}

/* Appends family f, taken from another set, to s, which has no family of that name. */
static int family_adopt(metric_set *s, metric_family *f)
{
    if (fams_reserve(s) < 0 || strmap_put_hkey(s->byname, family_key(f), NULL) == STRMAP_NONE)
        return -1;
    s->fams[s->nfams++] = f;
    s->nsamples += f->nsamples;
    return 0;
}

/* Moves sf's samples into f, which has the same labels; sf's chunks go first, so even a move
 * cut short leaves f pointing at memory it owns. */
static int family_absorb(metric_set *dst, metric_family *f, metric_family *sf)
{
    family_take_chunks(f, sf);
    for (size_t k = 0; k < sf->nsamples; k++) {
        sample *x = &sf->samples[k];
        if (family_grow(dst, f) < 0 ||
            family_add_packed(dst, f, x->values, x->len, x->hash, x->v) < 0)
            return -1;
    }
    return 0;
}

static int keep_none(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)value;
    (void)ctx;
    return 0;
}

/* Room in dst for every family of src: a poll's set absorbs each collector's, and growing its
 * tables step by step was a third of the cost of absorbing. */
static int reserve_for(metric_set *dst, const metric_set *src)
{
    size_t bytes = 0;
    for (size_t i = 0; i < src->nfams; i++)
        bytes += src->fams[i]->name_len;
    return fams_reserve_n(dst, src->nfams) < 0 || strmap_reserve(dst->byname, src->nfams, bytes) < 0
               ? -1
               : 0;
}

/* A family new to dst changes hands whole; one dst has takes src's samples without copies. */
int metric_set_absorb(metric_set *dst, metric_set *src)
{
    if (dst == src)
        return -1;
    int rc = metric_set_settle(src); /* a family changing hands whole takes its index along */
    if (rc == 0)
        arena_take(dst, src);
    if (rc == 0)
        rc = reserve_for(dst, src); /* src's families and label chunks, moved or not, live there */
    for (size_t i = 0; i < src->nfams && rc == 0; i++) {
        metric_family *sf = src->fams[i];
        if (sf->nsamples == 0) /* as merge: nothing to add, no family */
            continue;
        size_t id = strmap_find_hkey(dst->byname, family_key(sf));
        if (id == STRMAP_NONE) {
            rc = family_adopt(dst, sf);
            if (rc == 0)
                src->fams[i] = NULL;
            continue;
        }
        metric_def def;
        family_def(sf, &def);
        rc = labels_match(dst->fams[id], &def) ? family_absorb(dst, dst->fams[id], sf) : -1;
    }
    for (size_t i = 0; i < src->nfams; i++)
        family_free(src->fams[i]);
    src->nfams = 0;
    src->nsamples = 0;
    strmap_sweep(src->byname, keep_none, NULL);
    return rc;
}

int metric_set_remove(metric_set *s, const char *name)
{
    size_t i = strmap_get(s->byname, name);
    if (i == STRMAP_NONE)
        return 0;
    /* before the family goes: name may be its own */
    strmap_remove(s->byname, name); /* the later ids shift down, as fams do below */
    s->nsamples -= s->fams[i]->nsamples;
    family_free(s->fams[i]);
    memmove(&s->fams[i], &s->fams[i + 1], (s->nfams - i - 1) * sizeof(*s->fams));
    s->nfams--;
    assert(strmap_count(s->byname) == s->nfams);
    return 1;
}

void metric_set_trim(metric_set *s)
{
    for (size_t i = 0; i < s->nfams; i++) {
        metric_family *f = s->fams[i];
        piece_free(f->slots, f->slots_heap);
        f->slots = NULL;
        f->nslots = 0;
        if (f->samples_heap && f->cap > f->nsamples && f->nsamples) {
            sample *p = realloc(f->samples, f->nsamples * sizeof(*p));
            if (p) {
                f->samples = p;
                f->cap = f->nsamples;
            }
        }
    }
}

size_t metric_set_family_count(const metric_set *s)
{
    return s->nfams;
}

size_t metric_set_sample_count(const metric_set *s)
{
    return s->nsamples;
}

const metric_family *metric_set_family(const metric_set *s, size_t i)
{
    return i < s->nfams ? s->fams[i] : NULL;
}

const char *metric_family_name(const metric_family *f)
{
    return f->name;
}

const char *metric_family_help(const metric_family *f)
{
    return f->help;
}

metric_type metric_family_type(const metric_family *f)
{
    return f->type;
}

const char *metric_type_name(metric_type t)
{
    switch (t) {
    case METRIC_GAUGE:
        return "gauge";
    case METRIC_COUNTER:
        return "counter";
    default:
        return "untyped";
    }
}

size_t metric_family_label_count(const metric_family *f)
{
    return f->nlabels;
}

const char *metric_family_label_name(const metric_family *f, size_t j)
{
    return j < f->nlabels ? f->labels[j] : NULL;
}

size_t metric_family_sample_count(const metric_family *f)
{
    return f->nsamples;
}

double metric_family_value(const metric_family *f, size_t i)
{
    return f->samples[i].v;
}

const char *metric_family_label_values(const metric_family *f, size_t i)
{
    return i < f->nsamples ? f->samples[i].values : NULL;
}

const char *metric_family_label_value(const metric_family *f, size_t i, size_t j)
{
    if (i >= f->nsamples || j >= f->nlabels)
        return NULL;
    const char *p = f->samples[i].values;
    while (j--)
        p += strlen(p) + 1;
    return p;
}

/* With every label asked for there is at most one series, and the series
 * index finds it without scanning: the checks' guard lookups per node made a
 * 500-node poll's evaluation quadratic. The sample's index, -1 when absent,
 * -2 when the index cannot answer (a label left open, no index, too long). */
static long indexed_lookup(const metric_family *f, const char *const *want)
{
    char packed[1024];
    size_t len = 0;
    if (!f->nslots || f->unique != f->nsamples)
        return -2;
    for (size_t j = 0; j < f->nlabels; j++) {
        size_t l = want[j] ? strlen(want[j]) + 1 : 0;
        if (!l || len + l > sizeof(packed))
            return -2;
        memcpy(packed + len, want[j], l);
        len += l;
    }
    uint64_t slot = *series_slot(f, packed, len, hash_mem(packed, len));
    return slot ? (long)SLOT_SAMPLE(slot) : -1;
}

/* The label names are resolved once per lookup, then each sample's packed
 * values are walked once: checks look up per subject, ~1000 per big poll. */
int metric_family_lookup(const metric_family *f, const char *const *pairs, double *v)
{
    if (!f)
        return 0;
    const char *want[METRIC_MAX_LABELS] = {0}; /* per label: the value asked for, or NULL */
    size_t last = 0;                           /* labels past the last one asked are skipped */
    for (size_t k = 0; pairs && pairs[k]; k += 2) {
        size_t j = 0;
        while (j < f->nlabels && strcmp(f->labels[j], pairs[k]) != 0)
            j++;
        if (j == f->nlabels || (want[j] && strcmp(want[j], pairs[k + 1]) != 0))
            return 0; /* no sample can match */
        want[j] = pairs[k + 1];
        last = j + 1 > last ? j + 1 : last;
    }
    long hit = indexed_lookup(f, want);
    if (hit != -2) {
        if (hit >= 0)
            *v = f->samples[hit].v;
        return hit >= 0;
    }
    for (size_t i = 0; i < f->nsamples; i++) {
        const char *p = f->samples[i].values;
        size_t j = 0;
        for (; j < last; j++, p += strlen(p) + 1)
            if (want[j] && strcmp(p, want[j]) != 0)
                break;
        if (j == last) {
            *v = f->samples[i].v;
            return 1;
        }
    }
    return 0;
}

int metric_set_lookup(const metric_set *s, const char *name, const char *const *pairs, double *v)
{
    return metric_family_lookup(metric_set_find(s, name), pairs, v);
}
