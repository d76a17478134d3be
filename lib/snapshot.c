/* snapshot: rendering and compression happen once per poll on the poller
 * thread; readers only bump a reference count. */
#include "snapshot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"

#define BODY_COUNT 4

struct snapshot {
    atomic_uint refs;
    snapshot_info info;
    char *body[BODY_COUNT];
    size_t len[BODY_COUNT];
    char *page; /* the status page at / */
    size_t page_len;
};

struct snapshot_slot {
    pthread_mutex_t mu;
    snapshot *cur;
};

static int body_index(exposition_format fmt, int gzip)
{
    return (fmt == EXPOSITION_OPENMETRICS ? 2 : 0) + (gzip ? 1 : 0);
}

/* Level 1: a 50 MB cluster-mode exposition still compresses ~8x and the
 * poller's CPU matters more than the last few percent of bandwidth. */
static int gzip_bytes(const char *in, size_t inlen, char **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)inlen);
    char *p = malloc(cap ? cap : 1);
    if (!p) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)inlen;
    z.next_out = (Bytef *)p;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

static int render_format(snapshot *s, const metric_set *set, exposition_format fmt)
{
    buf b;
    buf_init(&b);
    if (exposition_render(set, fmt, &b) < 0 || b.failed) {
        buf_free(&b);
        return -1;
    }
    int plain = body_index(fmt, 0), gz = body_index(fmt, 1);
    s->body[plain] = buf_steal(&b, &s->len[plain]);
    return gzip_bytes(s->body[plain], s->len[plain], &s->body[gz], &s->len[gz]);
}

snapshot *snapshot_build(const metric_set *set, const snapshot_info *info)
{
    snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->info = *info;
    if (render_format(s, set, EXPOSITION_TEXT) < 0 ||
        render_format(s, set, EXPOSITION_OPENMETRICS) < 0) {
        snapshot_release(s);
        return NULL;
    }
    return s;
}

snapshot *snapshot_ref(snapshot *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void snapshot_release(snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (int i = 0; i < BODY_COUNT; i++)
        free(s->body[i]);
    free(s->page);
    free(s);
}

const snapshot_info *snapshot_get_info(const snapshot *s)
{
    return &s->info;
}

const char *snapshot_body(const snapshot *s, exposition_format fmt, int gzip, size_t *len)
{
    int i = body_index(fmt, gzip);
    *len = s->len[i];
    return s->body[i];
}

void snapshot_set_page(snapshot *s, char *html, size_t len)
{
    free(s->page);
    s->page = html;
    s->page_len = len;
}

const char *snapshot_page(const snapshot *s, size_t *len)
{
    *len = s->page_len;
    return s->page;
}

snapshot_slot *snapshot_slot_new(void)
{
    snapshot_slot *slot = calloc(1, sizeof(*slot));
    if (slot && pthread_mutex_init(&slot->mu, NULL) != 0) {
        free(slot);
        return NULL;
    }
    return slot;
}

void snapshot_slot_free(snapshot_slot *slot)
{
    if (!slot)
        return;
    snapshot_release(slot->cur);
    pthread_mutex_destroy(&slot->mu);
    free(slot);
}

void snapshot_slot_publish(snapshot_slot *slot, snapshot *s)
{
    pthread_mutex_lock(&slot->mu);
    snapshot *old = slot->cur;
    slot->cur = s;
    pthread_mutex_unlock(&slot->mu);
    snapshot_release(old);
}

snapshot *snapshot_slot_acquire(snapshot_slot *slot)
{
    pthread_mutex_lock(&slot->mu);
    snapshot *s = snapshot_ref(slot->cur);
    pthread_mutex_unlock(&slot->mu);
    return s;
}
