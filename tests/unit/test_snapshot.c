/* test_snapshot: bodies rendered up front or on first request (plain and gzip) match the
 * exposition, each is rendered once, the status page only when asked for and once, and the
 * slot's reference counting holds under concurrent readers. */
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "exposition.h"
#include "gzwriter.h"
#include "snapshot.h"

static const metric_def up_def = {"demo_up", METRIC_GAUGE, "Demo.", {NULL}};
static const metric_def req_def = {
    "demo_requests_total", METRIC_COUNTER, "Demo requests.", {"code", NULL}};

static metric_set *demo_set(double v)
{
    metric_set *s = metric_set_new();
    const char *ok[] = {"200"}, *err[] = {"500"};
    metric_set_add(s, &up_def, NULL, v);
    metric_set_add(s, &req_def, ok, 10 * v);
    metric_set_add(s, &req_def, err, v);
    return s;
}

static char *gunzip(const char *in, size_t len, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = z.total_out;
    inflateEnd(&z);
    return out;
}

/* Every body equals exposition_render's page (gzipped or not), whether the snapshot rendered it
 * up front (render = all) or on the first request (render = none), or a mix. */
START_TEST(test_bodies_match_exposition)
{
    static const unsigned modes[] = {SNAPSHOT_ALL_BODIES, 0, 1u << 1, 1u << 2};
    metric_set *ref = demo_set(1);
    snapshot_info info = {.finished_at = 1700000000.5, .duration = 0.25, .es_up = 1, .polls = 3};
    strcpy(info.status, "ok");
    snapshot *snap = snapshot_new(demo_set(1), &info, modes[_i]);
    ck_assert_ptr_nonnull(snap);
    for (int fmt = EXPOSITION_TEXT; fmt <= EXPOSITION_OPENMETRICS; fmt++) {
        buf want;
        buf_init(&want);
        ck_assert_int_eq(exposition_render(ref, (exposition_format)fmt, &want), 0);
        size_t len, zlen, unzlen;
        const char *gz = snapshot_body(snap, (exposition_format)fmt, 1, &zlen);
        ck_assert_ptr_nonnull(gz);
        ck_assert_uint_gt(zlen, 10);
        ck_assert_int_eq((unsigned char)gz[0], 0x1f); /* gzip magic */
        const char *plain = snapshot_body(snap, (exposition_format)fmt, 0, &len);
        ck_assert_ptr_nonnull(plain);
        ck_assert_uint_eq(len, want.len);
        ck_assert_int_eq(memcmp(plain, want.data, len), 0);
        char *unz = gunzip(gz, zlen, &unzlen);
        ck_assert_uint_eq(unzlen, len);
        ck_assert_int_eq(memcmp(unz, plain, len), 0);
        free(unz);
        buf_free(&want);
        /* rendered once: the same bytes again */
        size_t again;
        ck_assert_ptr_eq(snapshot_body(snap, (exposition_format)fmt, 1, &again), gz);
    }
    ck_assert_uint_eq(snapshot_asked(snap), SNAPSHOT_ALL_BODIES);
    size_t len;
    const char *om = snapshot_body(snap, EXPOSITION_OPENMETRICS, 0, &len);
    ck_assert_str_eq(om + len - 6, "# EOF\n");
    const snapshot_info *got = snapshot_get_info(snap);
    ck_assert_double_eq(got->finished_at, 1700000000.5);
    ck_assert_uint_eq(got->polls, 3);
    ck_assert_str_eq(got->status, "ok");
    snapshot_release(snap);
    metric_set_free(ref);
}
END_TEST

/* snapshot_asked says which bodies were requested, so the next poll renders just those. */
START_TEST(test_asked_bodies)
{
    snapshot_info info = {0};
    snapshot *snap = snapshot_new(demo_set(1), &info, SNAPSHOT_ALL_BODIES);
    ck_assert_uint_eq(snapshot_asked(snap), 0);
    size_t len;
    snapshot_body(snap, EXPOSITION_OPENMETRICS, 1, &len);
    ck_assert_uint_eq(snapshot_asked(snap), snapshot_body_bit(EXPOSITION_OPENMETRICS, 1));
    snapshot_body(snap, EXPOSITION_TEXT, 0, &len);
    ck_assert_uint_eq(snapshot_asked(snap), snapshot_body_bit(EXPOSITION_OPENMETRICS, 1) |
                                                snapshot_body_bit(EXPOSITION_TEXT, 0));
    ck_assert_uint_ne(snapshot_body_bit(EXPOSITION_TEXT, 1), snapshot_body_bit(EXPOSITION_TEXT, 0));
    snapshot_release(snap);
}
END_TEST

/* Each snapshot exports its predecessor's render time; the first has none to export. */
START_TEST(test_export_render)
{
    snapshot_info info = {0};
    metric_set *next = metric_set_new();
    ck_assert_int_eq(snapshot_export_render(NULL, next), 0);
    ck_assert_ptr_null(metric_set_find(next, "esvigil_render_duration_seconds"));
    snapshot *prev = snapshot_new(demo_set(1), &info, SNAPSHOT_ALL_BODIES);
    ck_assert_int_eq(snapshot_export_render(prev, next), 0);
    double v = -1;
    ck_assert_int_eq(metric_set_lookup(next, "esvigil_render_duration_seconds", NULL, &v), 1);
    ck_assert_double_eq(v, snapshot_render_seconds(prev));
    snapshot_release(prev);
    metric_set_free(next);
}
END_TEST

START_TEST(test_empty_set)
{
    snapshot_info info = {0};
    snapshot *snap = snapshot_new(metric_set_new(), &info, 0);
    ck_assert_ptr_nonnull(snap);
    size_t len;
    snapshot_body(snap, EXPOSITION_TEXT, 0, &len);
    ck_assert_uint_eq(len, 0);
    const char *om = snapshot_body(snap, EXPOSITION_OPENMETRICS, 0, &len);
    ck_assert_uint_eq(len, 6);
    ck_assert_int_eq(memcmp(om, "# EOF\n", 6), 0);
    snapshot_release(snap);
}
END_TEST

/* A reader holding the old snapshot keeps its bytes valid after a publish. */
START_TEST(test_slot_keeps_old_snapshot_alive)
{
    snapshot_slot *slot = snapshot_slot_new();
    ck_assert_ptr_null(snapshot_slot_acquire(slot));
    snapshot_info info = {.polls = 1};
    snapshot_slot_publish(slot, snapshot_new(demo_set(1), &info, SNAPSHOT_ALL_BODIES));
    snapshot *held = snapshot_slot_acquire(slot);
    ck_assert_ptr_nonnull(held);
    info.polls = 2;
    snapshot_slot_publish(slot, snapshot_new(demo_set(2), &info, 0));
    size_t len;
    const char *body = snapshot_body(held, EXPOSITION_TEXT, 0, &len);
    ck_assert_ptr_nonnull(strstr(body, "demo_up 1\n"));
    ck_assert_uint_eq(snapshot_get_info(held)->polls, 1);
    snapshot_release(held);
    snapshot *now = snapshot_slot_acquire(slot);
    ck_assert_uint_eq(snapshot_get_info(now)->polls, 2);
    snapshot_release(now);
    snapshot_slot_free(slot);
}
END_TEST

typedef struct race {
    snapshot_slot *slot;
    atomic_int done; /* the publisher's stop signal: volatile orders nothing */
    atomic_ulong reads;
} race;

static void *reader(void *arg)
{
    race *r = arg;
    while (!atomic_load(&r->done)) {
        snapshot *s = snapshot_slot_acquire(r->slot);
        if (!s)
            continue;
        size_t len;
        exposition_format fmt =
            atomic_load(&r->reads) % 2 ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT;
        const char *body = snapshot_body(s, fmt, 1, &len);
        ck_assert_ptr_nonnull(body);
        ck_assert_uint_gt(len, 0);
        ck_assert_int_eq((unsigned char)body[0], 0x1f);
        snapshot_release(s);
        atomic_fetch_add_explicit(&r->reads, 1, memory_order_relaxed);
    }
    return NULL;
}

/* Publishing while readers acquire, render on first request and release: ASan, ThreadSanitizer
 * and valgrind see any use after free, race or leak. */
START_TEST(test_concurrent_publish_and_read)
{
    race r = {.slot = snapshot_slot_new()};
    atomic_init(&r.done, 0);
    atomic_init(&r.reads, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, reader, &r);
    /* Until the readers got in at least once (gzipping is fast enough now for 300 publishes to
     * end before a busy host schedules them), bounded in case they never can. */
    for (int i = 0; i < 300 || (atomic_load(&r.reads) == 0 && i < 1000000); i++) {
        snapshot_info info = {.polls = (unsigned long)i};
        snapshot_slot_publish(r.slot, snapshot_new(demo_set(i), &info, i % 3 ? 0 : 1u << 1));
    }
    atomic_store(&r.done, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    ck_assert_uint_gt(atomic_load(&r.reads), 0);
    snapshot_slot_free(r.slot);
}
END_TEST

/* A page of several gzip chunks (the big-cluster case, compressed in parallel) inflates as one
 * member to exactly the text page, and the plain body rendered alongside is that page. */
START_TEST(test_big_body_gzip)
{
    static const metric_def def = {
        "demo_shard_bytes", METRIC_GAUGE, "Demo shard size.", {"index", "shard", NULL}};
    metric_set *set = metric_set_new(), *ref = metric_set_new();
    for (int i = 0; i < 40000; i++) {
        char index[32], shard[16];
        snprintf(index, sizeof(index), "logs-2026.12.%02d", i % 31);
        snprintf(shard, sizeof(shard), "%d", i);
        const char *v[] = {index, shard};
        metric_set_add(set, &def, v, i * 1.5);
        metric_set_add(ref, &def, v, i * 1.5);
    }
    buf want;
    buf_init(&want);
    ck_assert_int_eq(exposition_render(ref, EXPOSITION_TEXT, &want), 0);
    ck_assert_uint_gt(want.len, 3 * GZWRITER_CHUNK);
    snapshot_info info = {.polls = 1};
    snapshot *snap = snapshot_new(set, &info, SNAPSHOT_ALL_BODIES);
    ck_assert_ptr_nonnull(snap);
    size_t len, zlen;
    const char *plain = snapshot_body(snap, EXPOSITION_TEXT, 0, &len);
    const char *gz = snapshot_body(snap, EXPOSITION_TEXT, 1, &zlen);
    ck_assert_uint_eq(len, want.len);
    ck_assert(memcmp(plain, want.data, len) == 0);
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    char *out = malloc(want.len + 1);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)zlen;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)want.len + 1;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(z.avail_in, 0);
    ck_assert_uint_eq(z.total_out, want.len);
    ck_assert(memcmp(out, want.data, want.len) == 0);
    inflateEnd(&z);
    free(out);
    buf_free(&want);
    metric_set_free(ref);
    snapshot_release(snap);
}
END_TEST

static const metric_def success_def = {
    "esvigil_collector_success", METRIC_GAUGE, "Demo.", {"collector", NULL}};

/* A poll's set with its collectors' verdicts, and res with one finding (malloc'd: the page
 * takes it). */
static metric_set *page_poll(collect_result *res)
{
    metric_set *set = demo_set(1);
    const char *ok[] = {"nodes_stats"}, *bad[] = {"cat_shards"};
    metric_set_add(set, &success_def, ok, 1);
    metric_set_add(set, &success_def, bad, 0);
    memset(res, 0, sizeof(*res));
    res->es_up = 1;
    res->duration = 0.5;
    res->checks.findings = calloc(1, sizeof(check_finding));
    res->checks.nfindings = 1;
    res->checks.worst = res->checks.findings->status = CHECK_WARNING;
    strcpy(res->checks.findings->subject, "es-<1>");
    strcpy(res->failures[0].collector, "cat_shards");
    strcpy(res->failures[0].detail, "GET /_cat/shards: HTTP 403");
    res->nfailures = 1;
    return set;
}

static const statuspage_info page_info = {
    .version = "1.0", .es_url = "http://es:9200", .telemetry_path = "/metrics", .polls = 1};

/* A snapshot holding the page (as the poller builds it), and in *want the page
 * statuspage_render gives eagerly for the same poll. */
static snapshot *snapshot_with_page(char **want)
{
    collect_result res;
    metric_set *set = page_poll(&res);
    statuspage_state *eager = statuspage_state_new(), *lazy = statuspage_state_new();
    buf b;
    buf_init(&b);
    ck_assert_int_eq(statuspage_render(eager, &page_info, set, &res, &b), 0);
    size_t len;
    *want = buf_steal(&b, &len);
    snapshot_info info = {.polls = 1};
    snapshot *snap = snapshot_new(set, &info, 0);
    ck_assert_ptr_nonnull(snap);
    statuspage_poll *pp = statuspage_poll_take(lazy, &page_info, snapshot_set(snap), &res);
    ck_assert_ptr_nonnull(pp);
    snapshot_take_page(snap, pp);
    collect_result_free(&res);
    statuspage_state_free(eager);
    statuspage_state_free(lazy);
    return snap;
}

/* Scrapes alone never render the page, and releasing frees what it kept (valgrind). */
START_TEST(test_page_not_asked_not_rendered)
{
    char *want;
    snapshot *snap = snapshot_with_page(&want);
    size_t len;
    ck_assert_ptr_nonnull(snapshot_body(snap, EXPOSITION_TEXT, 1, &len));
    ck_assert_ptr_nonnull(snapshot_body(snap, EXPOSITION_OPENMETRICS, 0, &len));
    ck_assert_uint_eq(snapshot_page_renders(snap), 0);
    snapshot_release(snap);
    free(want);
    snapshot_info info = {0};
    snap = snapshot_new(demo_set(1), &info, 0);
    ck_assert_ptr_null(snapshot_page(snap, &len)); /* none taken: / says pending */
    ck_assert_uint_eq(snapshot_page_renders(snap), 0);
    snapshot_release(snap);
}
END_TEST

#define PAGE_READERS 8

typedef struct page_reader_arg {
    snapshot *snap;
    pthread_barrier_t *go;
    const char *got;
} page_reader_arg;

static void *page_reader(void *arg)
{
    page_reader_arg *a = arg;
    pthread_barrier_wait(a->go);
    size_t len;
    a->got = snapshot_page(a->snap, &len);
    return NULL;
}

/* First requests for / at once render it once, under the snapshot's mutex, to the page
 * statuspage_render gives for that poll. */
START_TEST(test_page_rendered_once)
{
    char *want;
    snapshot *snap = snapshot_with_page(&want);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, PAGE_READERS);
    pthread_t t[PAGE_READERS];
    page_reader_arg a[PAGE_READERS];
    for (int i = 0; i < PAGE_READERS; i++) {
        a[i] = (page_reader_arg){snap, &go, NULL};
        pthread_create(&t[i], NULL, page_reader, &a[i]);
    }
    for (int i = 0; i < PAGE_READERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    ck_assert_uint_eq(snapshot_page_renders(snap), 1);
    size_t len;
    const char *page = snapshot_page(snap, &len);
    ck_assert_ptr_nonnull(page);
    for (int i = 0; i < PAGE_READERS; i++)
        ck_assert_ptr_eq(a[i].got, page);
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_int_eq(memcmp(page, want, len), 0);
    ck_assert_uint_eq(snapshot_page_renders(snap), 1);
    snapshot_release(snap);
    free(want);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_bodies_match_exposition, 0, 4);
    tcase_add_test(tc, test_asked_bodies);
    tcase_add_test(tc, test_export_render);
    tcase_add_test(tc, test_empty_set);
    tcase_add_test(tc, test_big_body_gzip);
    tcase_add_test(tc, test_slot_keeps_old_snapshot_alive);
    tcase_add_test(tc, test_concurrent_publish_and_read);
    tcase_add_test(tc, test_page_not_asked_not_rendered);
    tcase_add_test(tc, test_page_rendered_once);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
