/* test_pendingtasks: pending cluster tasks, data stream stats and running
 * tasks (the three small one-document collectors) against the generated
 * fixtures, chunked, and bad documents. */
#include <math.h>

#include "datastream.h"
#include "feed.h"
#include "pendingtasks.h"
#include "tasks.h"

#define FIX "tests/fixtures/lifecycle/"

static const feed_expect pending[] = {
    {"esvigil_pending_tasks_count", {"cluster", "c1"}, 4},
    {"esvigil_pending_tasks_oldest_seconds", {"cluster", "c1"}, 842},
    {"esvigil_pending_tasks_by_priority", {"cluster", "c1", "priority", "HIGH"}, 2},
    {"esvigil_pending_tasks_by_priority", {"priority", "URGENT"}, 1},
    {"esvigil_pending_tasks_by_priority", {"priority", "NORMAL"}, 1},
    {"esvigil_pending_tasks_by_priority", {"priority", "LANGUID"}, 0},
    {"esvigil_pending_tasks_by_priority", {"priority", "IMMEDIATE"}, 0},
};

static const feed_expect pending_empty[] = {
    {"esvigil_pending_tasks_count", {"cluster", "c1"}, 0},
    {"esvigil_pending_tasks_oldest_seconds", {"cluster", "c1"}, 0},
    {"esvigil_pending_tasks_by_priority", {"priority", "HIGH"}, 0},
};

static metric_set *parse_pending(const char *rel, size_t chunk)
{
    metric_set *s = metric_set_new();
    pendingtasks *p = pendingtasks_new(s, "c1");
    ck_assert_int_eq(feed_file(pendingtasks_feed, p, rel, chunk), 0);
    ck_assert_msg(pendingtasks_finish(p) == 0, "%s", pendingtasks_error(p));
    pendingtasks_free(p);
    return s;
}

START_TEST(pending_tasks)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        metric_set *s = parse_pending(FIX "pending_tasks.json", chunk);
        feed_check(s, pending, sizeof(pending) / sizeof(pending[0]));
        metric_set_free(s);
        s = parse_pending(FIX "pending_tasks_empty.json", chunk);
        feed_check(s, pending_empty, sizeof(pending_empty) / sizeof(pending_empty[0]));
        metric_set_free(s);
    }
}
END_TEST

/* A priority esvigil does not list is exported as it is. */
START_TEST(pending_unknown_priority)
{
    static const char doc[] = "{\"tasks\":[{\"priority\":\"SUPER\",\"time_in_queue_millis\":5}]}";
    metric_set *s = metric_set_new();
    pendingtasks *p = pendingtasks_new(s, "c1");
    ck_assert_int_eq(feed_doc(pendingtasks_feed, p, doc, strlen(doc), 0), 0);
    ck_assert_int_eq(pendingtasks_finish(p), 0);
    const char *pairs[] = {"priority", "SUPER", NULL};
    ck_assert_double_eq(feed_value(s, "esvigil_pending_tasks_by_priority", pairs), 1);
    ck_assert_double_eq(pendingtasks_oldest_seconds(p), 0.005);
    ck_assert_uint_eq(pendingtasks_count(p), 1);
    pendingtasks_free(p);
    metric_set_free(s);
}
END_TEST

static const feed_expect streams[] = {
    {"elasticsearch_data_stream_backing_indices_total", {"data_stream", "logs-nginx"}, 6},
    {"elasticsearch_data_stream_store_size_bytes", {"data_stream", "logs-nginx"}, 2147483648.0},
    /* the name comes last in this entry */
    {"elasticsearch_data_stream_backing_indices_total", {"data_stream", "metrics-app"}, 3},
    {"elasticsearch_data_stream_store_size_bytes", {"data_stream", "metrics-app"}, 1073741824.0},
};

START_TEST(data_streams)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        metric_set *s = metric_set_new();
        datastream *p = datastream_new(s);
        ck_assert_int_eq(feed_file(datastream_feed, p, FIX "data_stream_stats.json", chunk), 0);
        ck_assert_int_eq(datastream_finish(p), 0);
        ck_assert_uint_eq(datastream_count(p), 2);
        feed_check(s, streams, sizeof(streams) / sizeof(streams[0]));
        datastream_free(p);
        metric_set_free(s);
    }
}
END_TEST

static const feed_expect running[] = {
    {"elasticsearch_task_stats_action", {"action", "indices:data/write/bulk"}, 2},
    {"elasticsearch_task_stats_action", {"action", "indices:data/write/bulk[s]"}, 1},
    {"elasticsearch_task_stats_action", {"action", "indices:data/read/search"}, 1},
};

START_TEST(tasks_by_action)
{
    for (size_t chunk = 0; chunk < 2; chunk++) {
        metric_set *s = metric_set_new();
        tasks *p = tasks_new(s);
        ck_assert_int_eq(feed_file(tasks_feed, p, FIX "tasks.json", chunk), 0);
        ck_assert_int_eq(tasks_finish(p), 0);
        ck_assert_uint_eq(tasks_count(p), 4);
        feed_check(s, running, sizeof(running) / sizeof(running[0]));
        tasks_free(p);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(tasks_request_path)
{
    char path[128];
    ck_assert_int_eq(tasks_path(NULL, path, sizeof(path)), 0);
    ck_assert_str_eq(path, "/_tasks?group_by=none&actions=indices:*");
    ck_assert_int_eq(tasks_path("cluster:*,indices:data/write/bulk&x", path, sizeof(path)), 0);
    ck_assert_str_eq(path,
                     "/_tasks?group_by=none&actions=cluster:*,indices:data%2Fwrite%2Fbulk%26x");
    ck_assert_int_eq(tasks_path("indices:*", path, 20), -1);
}
END_TEST

typedef struct bad_case {
    int which; /* 0 pending, 1 data streams, 2 tasks */
    const char *doc, *why;
} bad_case;

static const bad_case bad[] = {
    {0, "{}", "pending tasks: no \"tasks\""},
    {0, "{\"tasks\":{}}", "pending tasks: \"tasks\" is not an array"},
    {1, "{\"data_streams\":", "data stream stats"},
    {1, "{\"error\":\"x\"}", "data stream stats: no \"data_streams\""},
    {2, "{\"nodes\":{}}", "tasks: no \"tasks\""},
    {2, "{\"tasks\":{\"n:1\":{}}}", "tasks: \"tasks\" is not an array"},
};

START_TEST(bad_documents)
{
    const bad_case *b = &bad[_i];
    metric_set *s = metric_set_new();
    int rc;
    const char *err;
    char msg[256];
    if (b->which == 0) {
        pendingtasks *p = pendingtasks_new(s, "c");
        rc = feed_doc(pendingtasks_feed, p, b->doc, strlen(b->doc), 0) || pendingtasks_finish(p);
        snprintf(msg, sizeof(msg), "%s", pendingtasks_error(p));
        pendingtasks_free(p);
    } else if (b->which == 1) {
        datastream *p = datastream_new(s);
        rc = feed_doc(datastream_feed, p, b->doc, strlen(b->doc), 0) || datastream_finish(p);
        snprintf(msg, sizeof(msg), "%s", datastream_error(p));
        datastream_free(p);
    } else {
        tasks *p = tasks_new(s);
        rc = feed_doc(tasks_feed, p, b->doc, strlen(b->doc), 0) || tasks_finish(p);
        snprintf(msg, sizeof(msg), "%s", tasks_error(p));
        tasks_free(p);
    }
    err = msg;
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strncmp(err, b->why, strlen(b->why)) == 0, "error: %s", err);
    metric_set_free(s);
}
END_TEST

START_TEST(real_data_streams)
{
    const char *rel = "../shared/fixtures/es-responses/datastream_7.15.0.json";
    metric_set *s = metric_set_new();
    datastream *p = datastream_new(s);
    size_t len;
    char *doc = unit_slurp(unit_src(rel), &len);
    if (doc) {
        ck_assert_int_eq(feed_doc(datastream_feed, p, doc, len, 0), 0);
        ck_assert_int_eq(datastream_finish(p), 0);
        const char *foo[] = {"data_stream", "foo", NULL};
        ck_assert_double_eq(feed_value(s, "elasticsearch_data_stream_backing_indices_total", foo),
                            5);
        free(doc);
    }
    datastream_free(p);
    metric_set_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pendingtasks");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, pending_tasks);
    tcase_add_test(tc, pending_unknown_priority);
    tcase_add_test(tc, data_streams);
    tcase_add_test(tc, tasks_by_action);
    tcase_add_test(tc, tasks_request_path);
    tcase_add_loop_test(tc, bad_documents, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, real_data_streams);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
