/* snapshot: the poller renders, while compressing, the bodies scrapers asked for last time;
 * any other body is rendered from the kept set on its first request. Readers of a rendered
 * body only bump a reference count. */
#include "snapshot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "gzwriter.h"

struct snapshot {
    atomic_uint refs;
    snapshot_info info;
    metric_set *set;    /* read-only from here on: renders run concurrently with reads */
    pthread_mutex_t mu; /* one render at a time; guards body[] and len[] while unready */
    atomic_uint ready;  /* SNAPSHOT_BODY bits whose body[] is final */
    atomic_uint asked;  /* SNAPSHOT_BODY bits some request asked for */
    atomic_llong render_ns;
    char *body[SNAPSHOT_BODIES];
    size_t len[SNAPSHOT_BODIES];
    statuspage_poll *page_src; /* what / shows, until rendered; guarded by mu */
    atomic_uint page_ready;    /* page is final */
    atomic_uint page_renders;
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

unsigned snapshot_body_bit(exposition_format fmt, int gzip)
{
    return 1u << body_index(fmt, gzip);
}

/* ---- rendering: one pass per format feeds the plain copy and the compressor ---- */

typedef struct render_out {
    buf *plain;   /* NULL: not wanted */
    gzwriter *gz; /* NULL: not wanted */
} render_out;

static int render_sink(void *ctx, const void *data, size_t len)
{
    render_out *o = ctx;
    if (o->plain && buf_append(o->plain, data, len) < 0)
        return -1;
    return o->gz ? gzwriter_write(o->gz, data, len) : 0;
}

static int render_format(snapshot *s, exposition_format fmt, int plain, int gzip)
{
    buf pb;
    buf_init(&pb);
    gzwriter *gz = gzip ? gzwriter_new(0) : NULL;
    if (gzip && !gz)
        return -1;
    render_out o = {plain ? &pb : NULL, gz};
    int rc = exposition_render_to(s->set, fmt, render_sink, &o);
    char *gzbody = NULL;
    size_t gzlen = 0;
    if (rc == 0 && gzip && !(gzbody = gzwriter_finish(gz, &gzlen)))
        rc = -1;
    gzwriter_free(gz);
    if (rc == 0 && plain && !pb.data)
        rc = buf_append(&pb, "", 0);
    if (rc < 0 || pb.failed) {
        buf_free(&pb);
        free(gzbody);
        return -1;
    }
    int pi = body_index(fmt, 0), gi = body_index(fmt, 1);
    if (plain)
        s->body[pi] = buf_steal(&pb, &s->len[pi]);
    if (gzip) {
        s->body[gi] = gzbody;
        s->len[gi] = gzlen;
    }
    atomic_fetch_or(&s->ready, (plain ? 1u << pi : 0) | (gzip ? 1u << gi : 0));
    return 0;
}

/* Renders the bodies of want not yet ready; caller holds s->mu. */
static int render_bodies(snapshot *s, unsigned want)
{
    double t0 = clock_mono();
    int rc = 0;
    for (int om = 0; om <= 1 && rc == 0; om++) {
        exposition_format fmt = om ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT;
        unsigned todo = want & ~atomic_load(&s->ready);
        int plain = (todo & snapshot_body_bit(fmt, 0)) != 0;
        int gzip = (todo & snapshot_body_bit(fmt, 1)) != 0;
        if (plain || gzip)
            rc = render_format(s, fmt, plain, gzip);
    }
    atomic_fetch_add(&s->render_ns, (long long)((clock_mono() - t0) * 1e9));
    return rc;
}

snapshot *snapshot_new(metric_set *set, const snapshot_info *info, unsigned render)
{
    snapshot *s = calloc(1, sizeof(*s));
    if (!s || pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        metric_set_free(set);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    atomic_init(&s->ready, 0);
    atomic_init(&s->asked, 0);
    atomic_init(&s->render_ns, 0);
    atomic_init(&s->page_ready, 0);
    atomic_init(&s->page_renders, 0);
    s->info = *info;
    s->set = set;
    metric_set_trim(set); /* read-only from here on */
    if (render_bodies(s, render & SNAPSHOT_ALL_BODIES) < 0) {
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
    for (int i = 0; i < SNAPSHOT_BODIES; i++)
        free(s->body[i]);
    free(s->page);
    statuspage_poll_free(s->page_src);
    metric_set_free(s->set);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const snapshot_info *snapshot_get_info(const snapshot *s)
{
    return &s->info;
}

const metric_set *snapshot_set(const snapshot *s)
{
    return s->set;
}

const char *snapshot_body(snapshot *s, exposition_format fmt, int gzip, size_t *len)
{
    unsigned bit = snapshot_body_bit(fmt, gzip);
    int i = body_index(fmt, gzip);
    atomic_fetch_or(&s->asked, bit);
    if (!(atomic_load(&s->ready) & bit)) {
        pthread_mutex_lock(&s->mu);
        int rc = (atomic_load(&s->ready) & bit) ? 0 : render_bodies(s, bit);
        pthread_mutex_unlock(&s->mu);
        if (rc < 0)
            return NULL;
    }
    *len = s->len[i];
    return s->body[i];
}

void snapshot_take_page(snapshot *s, statuspage_poll *pp)
{
    statuspage_poll_free(s->page_src);
    s->page_src = pp;
}

/* Caller holds s->mu. The source goes once rendered: the page is all / needs from then on. */
static int render_page(snapshot *s)
{
    buf b;
    buf_init(&b);
    atomic_fetch_add(&s->page_renders, 1);
    if (statuspage_poll_render(s->page_src, s->set, &b) < 0) {
        buf_free(&b);
        return -1;
    }
    s->page = buf_steal(&b, &s->page_len);
    statuspage_poll_free(s->page_src);
    s->page_src = NULL;
    atomic_store(&s->page_ready, 1);
    return 0;
}

const char *snapshot_page(snapshot *s, size_t *len)
{
    if (!atomic_load(&s->page_ready)) {
        pthread_mutex_lock(&s->mu);
        int rc = atomic_load(&s->page_ready) ? 0 : s->page_src ? render_page(s) : -1;
        pthread_mutex_unlock(&s->mu);
        if (rc < 0)
            return NULL;
    }
    *len = s->page_len;
    return s->page;
}

unsigned snapshot_page_renders(const snapshot *s)
{
    return atomic_load(&s->page_renders);
}

unsigned snapshot_asked(const snapshot *s)
{
    return atomic_load(&s->asked);
}

double snapshot_render_seconds(const snapshot *s)
{
    return (double)atomic_load(&s->render_ns) / 1e9;
}

static const metric_def def_render = {
    "esvigil_render_duration_seconds",
    METRIC_GAUGE,
    "Seconds spent rendering and compressing the previous poll's /metrics bodies (those "
    "rendered on first request included).",
    {NULL}};

int snapshot_export_render(const snapshot *prev, metric_set *set)
{
    return prev ? metric_set_add(set, &def_render, NULL, snapshot_render_seconds(prev)) : 0;
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
