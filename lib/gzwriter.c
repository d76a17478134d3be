/* gzwriter: one gzip member from a body written in pieces. Up to one chunk, the body is held and
 * compressed in one call: by ISA-L's igzip when configure found it, else by libdeflate (faster
 * than zlib level 1, and smaller). Past that, libdeflate cannot help: it only writes whole
 * streams ending in a final block. So each chunk becomes a raw deflate stream primed with the
 * previous chunk's last 32 KiB and ended by a sync flush (byte-aligned, not final), the last one
 * by a final block; the pieces, in order, between one gzip header and a trailer whose CRC is
 * combined from the chunks' (pigz's method), are one valid member. Chunks are deflated by igzip
 * when configure found it (level 1: a sixth of zlib level 1's CPU on a 34 MB page, and 7 %
 * smaller), else by zlib. A worker thread compresses chunks while the writer renders the next;
 * when the ring of chunks is full the writer compresses one itself instead of waiting. */
#include "gzwriter.h"

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"

/* Level 1: a 30 MB cluster-mode exposition still compresses ~20x and the poller's CPU matters
 * more than the last few percent of bandwidth (bench/README.md, "Compression"). */
#define GZ_LEVEL 1
#define GZ_DICT 32768u
/* Chunks in flight: one being written, one being compressed by each thread. */
#define GZ_RING 3

enum { SLOT_FREE, SLOT_FILLING, SLOT_PENDING, SLOT_RUNNING, SLOT_DONE };

typedef struct slot {
    int state; /* guarded by gzwriter.mu */
    int last;  /* ends the member (Z_FINISH) */
    int failed;
    char *in; /* the chunk's plain bytes: in_cap stays within one chunk (a buf would double) */
    size_t in_len, in_cap;
    buf out;
    unsigned char *dict; /* the previous chunk's tail: GZ_DICT bytes of gzwriter.dicts */
    size_t dict_len;
    unsigned long crc;
} slot;

/* One thread's deflate state, reused for every chunk it compresses. */
typedef struct chunkz {
#ifdef HAVE_ISAL
    struct isal_zstream z;
    unsigned char *level_buf; /* igzip's hash tables for level 1 */
#else
    z_stream z;
#endif
} chunkz;

struct gzwriter {
    size_t chunk;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot ring[GZ_RING];
    unsigned long fill_seq; /* the chunk being written: ring[fill_seq % GZ_RING] */
    unsigned long join_seq; /* the next chunk to append to out */
    int multi;              /* a chunk was handed on: the body is compressed in chunks */
    int failed;
    buf out;
    unsigned long crc;
    unsigned long total;
    /* the slots' dictionaries and the tail of the last chunk handed on, GZ_DICT bytes each:
     * allocated once the body spans chunks (a small body's writer was 128 KB bigger) */
    unsigned char *dicts;
    unsigned char *dict; /* the last tail */
    size_t dict_len;
    chunkz *zmain; /* the writer's, when it compresses a chunk itself */
    pthread_t worker;
    int worker_started;
    int stop;
};

static slot *cur(gzwriter *g)
{
    return &g->ring[g->fill_seq % GZ_RING];
}

gzwriter *gzwriter_new(size_t chunk)
{
    gzwriter *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        free(g);
        return NULL;
    }
    if (pthread_cond_init(&g->cv, NULL) != 0) {
        pthread_mutex_destroy(&g->mu);
        free(g);
        return NULL;
    }
    g->chunk = chunk ? chunk : GZWRITER_CHUNK;
    for (int i = 0; i < GZ_RING; i++)
        buf_init(&g->ring[i].out);
    buf_init(&g->out);
    g->ring[0].state = SLOT_FILLING;
    return g;
}

/* ---- one chunk ---- */

#ifdef HAVE_ISAL

static int chunkz_init(chunkz *c)
{
    /* zeroed: igzip's hash may read entries it has not written yet (harmless, but not to
     * valgrind); chunkz_run resets the rest for every chunk */
    c->level_buf = calloc(1, ISAL_DEF_LVL1_DEFAULT);
    return c->level_buf ? 0 : -1;
}

static void chunkz_end(chunkz *c)
{
    free(c->level_buf);
}

/* Deflates s->in onto s->out: sync flush, or a final block when s is the last chunk. */
static int chunkz_run(chunkz *c, slot *s)
{
    struct isal_zstream *z = &c->z;
    isal_deflate_init(z);
    z->level = GZ_LEVEL;
    z->level_buf = c->level_buf;
    z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    z->flush = s->last ? NO_FLUSH : SYNC_FLUSH;
    z->end_of_stream = s->last;
    if (s->dict_len && isal_deflate_set_dict(z, s->dict, (uint32_t)s->dict_len) != COMP_OK)
        return -1;
    z->next_in = (uint8_t *)s->in;
    z->avail_in = (uint32_t)s->in_len;
    /* a page compresses ~20x: an eighth is ample, and incompressible data just grows it */
    size_t room = s->in_len / 8 + 4096;
    do {
        if (buf_reserve(&s->out, room) < 0)
            return -1;
        z->next_out = (uint8_t *)s->out.data + s->out.len;
        z->avail_out = (uint32_t)(s->out.cap - s->out.len - 1);
        if (isal_deflate(z) != COMP_OK)
            return -1;
        s->out.len = (size_t)((char *)z->next_out - s->out.data);
        room = s->in_len / 4 + 4096;
    } while (z->avail_out == 0 || (s->last && z->internal_state.state != ZSTATE_END));
    return z->avail_in == 0 ? 0 : -1;
}

#else

static int chunkz_init(chunkz *c)
{
    memset(&c->z, 0, sizeof(c->z));
    return deflateInit2(&c->z, GZ_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static void chunkz_end(chunkz *c)
{
    deflateEnd(&c->z);
}

static int chunkz_run(chunkz *c, slot *s)
{
    z_stream *z = &c->z;
    int flush = s->last ? Z_FINISH : Z_SYNC_FLUSH;
    if (deflateReset(z) != Z_OK ||
        (s->dict_len && deflateSetDictionary(z, s->dict, (uInt)s->dict_len) != Z_OK))
        return -1;
    z->next_in = (Bytef *)s->in;
    z->avail_in = (uInt)s->in_len;
    /* a page compresses ~20x: an eighth is ample, and incompressible data just grows it */
    size_t room = s->in_len / 8 + 4096;
    int rc;
    do {
        if (buf_reserve(&s->out, room) < 0)
            return -1;
        z->next_out = (Bytef *)s->out.data + s->out.len;
        z->avail_out = (uInt)(s->out.cap - s->out.len - 1);
        rc = deflate(z, flush);
        s->out.len = (size_t)((char *)z->next_out - s->out.data);
        room = s->in_len / 4 + 4096;
    } while (rc == Z_OK && (z->avail_out == 0 || flush == Z_FINISH));
    /* Z_BUF_ERROR: a flush that had just filled the buffer exactly had nothing left to do */
    if (flush == Z_FINISH ? rc != Z_STREAM_END : (rc != Z_OK && rc != Z_BUF_ERROR))
        return -1;
    return 0;
}

#endif

/* One deflate state (igzip's: 80 KB of stream and 276 KB of level-1 tables) outlives its body
 * for the next one: allocated and freed with every poll's body, the heap handed its pages back
 * in between and the next poll faulted them in again (~65 page faults, 6 % of a single node's
 * CPU in perf). One is kept, not one per thread: a body of one chunk needs one, and a big body
 * pays little for its second. */
static pthread_mutex_t spare_mu = PTHREAD_MUTEX_INITIALIZER;
static chunkz *spare;

/* A ready state, the kept one if there is one; NULL when out of memory. */
static chunkz *chunkz_take(void)
{
    pthread_mutex_lock(&spare_mu);
    chunkz *c = spare;
    spare = NULL;
    pthread_mutex_unlock(&spare_mu);
    if (c)
        return c;
    c = calloc(1, sizeof(*c));
    if (c && chunkz_init(c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

/* Keeps c for the next body, or frees it when one is kept already. */
static void chunkz_give(chunkz *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&spare_mu);
    if (!spare) {
        spare = c;
        c = NULL;
    }
    pthread_mutex_unlock(&spare_mu);
    if (c) {
        chunkz_end(c);
        free(c);
    }
}

/* Compresses s with c; runs without the lock: s is RUNNING, so nobody else touches it. */
static void compress_slot(chunkz *c, slot *s)
{
    /* libdeflate's CRC is twice as fast as zlib's here (6 vs 14 ms on a 34 MB page) */
    s->crc = libdeflate_crc32(0, s->in, s->in_len);
    if (chunkz_run(c, s) < 0)
        s->failed = 1;
}

/* The oldest chunk handed on and not yet taken; NULL when there is none. Caller holds mu. */
static slot *pending(gzwriter *g)
{
    for (unsigned long q = g->join_seq; q <= g->fill_seq; q++)
        if (g->ring[q % GZ_RING].state == SLOT_PENDING)
            return &g->ring[q % GZ_RING];
    return NULL;
}

static void *worker_main(void *arg)
{
    gzwriter *g = arg;
    chunkz *z = chunkz_take();
    pthread_mutex_lock(&g->mu);
    for (;;) {
        slot *s = NULL;
        while (!g->stop && !(s = pending(g)))
            pthread_cond_wait(&g->cv, &g->mu);
        if (g->stop)
            break;
        s->state = SLOT_RUNNING;
        pthread_mutex_unlock(&g->mu);
        if (z)
            compress_slot(z, s);
        else
            s->failed = 1;
        pthread_mutex_lock(&g->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    chunkz_give(z);
    return NULL;
}

/* ---- the member ---- */

/* Appends done chunks in order, else compresses a pending one here, else waits for the worker.
 * Caller holds mu. */
static void progress(gzwriter *g)
{
    int joined = 0;
    slot *s;
    while (g->join_seq <= g->fill_seq && g->ring[g->join_seq % GZ_RING].state == SLOT_DONE) {
        s = &g->ring[g->join_seq % GZ_RING];
        if (s->failed || buf_append(&g->out, s->out.data, s->out.len) < 0)
            g->failed = 1;
        g->crc = crc32_combine(g->crc, s->crc, (z_off_t)s->in_len);
        g->total += (unsigned long)s->in_len;
        s->in_len = 0;
        buf_reset(&s->out);
        s->state = SLOT_FREE;
        g->join_seq++;
        joined = 1;
    }
    if (joined)
        return;
    if ((s = pending(g))) {
        s->state = SLOT_RUNNING;
        pthread_mutex_unlock(&g->mu);
        if (!g->zmain)
            g->zmain = chunkz_take();
        if (g->zmain)
            compress_slot(g->zmain, s);
        else
            s->failed = 1;
        pthread_mutex_lock(&g->mu);
        s->state = SLOT_DONE;
        return;
    }
    pthread_cond_wait(&g->cv, &g->mu);
}

/* zlib's own header for this level: no name, no mtime, "fastest" flag, Unix. */
static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};

/* Hands the current chunk on (last: it ends the member) and, unless last, makes the next slot
 * current once it is free. The worker starts with the first chunk: a body of one chunk never
 * pays for a thread. */
static void hand_on(gzwriter *g, int last)
{
    slot *s = cur(g);
    if (!g->dicts) { /* the first chunk: g->multi is set below */
        if (!(g->dicts = malloc((GZ_RING + 1) * GZ_DICT))) {
            g->failed = 1;
            return;
        }
        for (int i = 0; i < GZ_RING; i++)
            g->ring[i].dict = g->dicts + i * GZ_DICT;
        g->dict = g->dicts + GZ_RING * GZ_DICT;
    }
    size_t tail = s->in_len < GZ_DICT ? s->in_len : GZ_DICT;
    memcpy(g->dict, s->in + s->in_len - tail, tail);
    g->dict_len = tail;
    if (!g->multi) {
        g->multi = 1;
        g->crc = crc32(0L, Z_NULL, 0);
        if (buf_append(&g->out, gzip_header, sizeof(gzip_header)) < 0)
            g->failed = 1;
        /* without a worker the writer compresses every chunk itself: slower, still right */
        g->worker_started = pthread_create(&g->worker, NULL, worker_main, g) == 0;
    }
    pthread_mutex_lock(&g->mu);
    s->last = last;
    s->state = SLOT_PENDING;
    pthread_cond_broadcast(&g->cv);
    if (!last) {
        g->fill_seq++;
        while (cur(g)->state != SLOT_FREE)
            progress(g);
        cur(g)->state = SLOT_FILLING;
    }
    pthread_mutex_unlock(&g->mu);
    if (!last) {
        memcpy(cur(g)->dict, g->dict, g->dict_len);
        cur(g)->dict_len = g->dict_len;
    }
}

/* Room for need more bytes in s, never past one chunk: a whole chunk at once once the body
 * is known to span several, else doubling (a small body stays small). */
static int slot_grow(gzwriter *g, slot *s, size_t need)
{
    if (s->in_len + need <= s->in_cap)
        return 0;
    size_t cap = s->in_cap ? s->in_cap * 2 : 4096;
    if (g->multi || cap > g->chunk)
        cap = g->chunk;
    if (cap < s->in_len + need)
        cap = s->in_len + need;
    char *p = realloc(s->in, cap);
    if (!p)
        return -1;
    s->in = p;
    s->in_cap = cap;
    return 0;
}

int gzwriter_write(gzwriter *g, const void *data, size_t len)
{
    const char *p = data;
    while (len && !g->failed) {
        slot *s = cur(g);
        if (s->in_len == g->chunk) {
            hand_on(g, 0);
            continue;
        }
        size_t n = g->chunk - s->in_len < len ? g->chunk - s->in_len : len;
        if (slot_grow(g, s, n) < 0) {
            g->failed = 1;
            break;
        }
        memcpy(s->in + s->in_len, p, n);
        s->in_len += n;
        p += n;
        len -= n;
    }
    return g->failed ? -1 : 0;
}

static void put_le32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

#ifdef HAVE_ISAL

/* The whole body as the one and last chunk between the header and the trailer: igzip level 1
 * takes 0.07 ms for a single node's 138 KB page where libdeflate level 1 took 0.18 ms, for a
 * body 5 % bigger (14.6 against 13.9 KB; bench/README.md, "Compression"). */
static char *compress_whole(gzwriter *g, size_t *len)
{
    slot *s = cur(g);
    s->last = 1;
    if (!g->zmain && !(g->zmain = chunkz_take()))
        return NULL;
    compress_slot(g->zmain, s);
    unsigned char trailer[8];
    put_le32(trailer, s->crc);
    put_le32(trailer + 4, (unsigned long)s->in_len & 0xffffffffUL);
    if (s->failed || buf_append(&g->out, gzip_header, sizeof(gzip_header)) < 0 ||
        buf_append(&g->out, s->out.data, s->out.len) < 0 ||
        buf_append(&g->out, trailer, sizeof(trailer)) < 0)
        return NULL;
    return buf_steal(&g->out, len);
}

#else

/* The whole body in one call: libdeflate's gzip, one member (faster than zlib level 1, and
 * smaller). */
static char *compress_whole(gzwriter *g, size_t *len)
{
    slot *s = cur(g);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(GZ_LEVEL);
    if (!c)
        return NULL;
    size_t bound = libdeflate_gzip_compress_bound(c, s->in_len);
    char *out = malloc(bound + 1);
    size_t n = out ? libdeflate_gzip_compress(c, s->in ? s->in : "", s->in_len, out, bound) : 0;
    libdeflate_free_compressor(c);
    if (n == 0) {
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *len = n;
    return out;
}

#endif

char *gzwriter_finish(gzwriter *g, size_t *len)
{
    if (g->failed)
        return NULL;
    if (!g->multi)
        return compress_whole(g, len);
    hand_on(g, 1);
    pthread_mutex_lock(&g->mu);
    while (g->join_seq <= g->fill_seq)
        progress(g);
    pthread_mutex_unlock(&g->mu);
    unsigned char trailer[8];
    put_le32(trailer, g->crc);
    put_le32(trailer + 4, g->total & 0xffffffffUL);
    if (g->failed || buf_append(&g->out, trailer, sizeof(trailer)) < 0)
        return NULL;
    g->failed = 1; /* only free may follow */
    return buf_steal(&g->out, len);
}

void gzwriter_free(gzwriter *g)
{
    if (!g)
        return;
    if (g->worker_started) {
        pthread_mutex_lock(&g->mu);
        g->stop = 1;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
        pthread_join(g->worker, NULL);
    }
    chunkz_give(g->zmain);
    for (int i = 0; i < GZ_RING; i++) {
        free(g->ring[i].in);
        buf_free(&g->ring[i].out);
    }
    buf_free(&g->out);
    free(g->dicts);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
