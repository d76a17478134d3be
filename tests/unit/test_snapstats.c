/* test_snapstats: the repository list and one repository's listing, against
 * the generated fixtures (times fixed, see tests/gen_lifecycle.py), chunked
 * feeds, bad documents and the shared real responses when present. */
#include <math.h>

#include "feed.h"
#include "snapstats.h"

#define NOW 1716286800.0
#define FIX "tests/fixtures/lifecycle/"
#define SS "elasticsearch_snapshot_stats_"

static metric_set *list_file(const char *rel, const char *repo, size_t chunk, snapstats_list **out)
{
    metric_set *s = metric_set_new();
    snapstats_list *p = snapstats_list_new();
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(feed_file(snapstats_list_feed, p, rel, chunk), 0);
    ck_assert_int_eq(snapstats_list_finish(p), 0);
    ck_assert_int_eq(snapstats_list_emit(p, s, "c1", repo, NOW), 0);
    if (out)
        *out = p;
    else
        snapstats_list_free(p);
    return s;
}

#define R(repo) "repository", repo
#define OWN(repo) "cluster", "c1", "repository", repo

static const feed_expect nightly[] = {
    {SS "number_of_snapshots", {R("nightly")}, 3},
    {SS "oldest_snapshot_timestamp", {R("nightly")}, NOW - 2 * 86400 - 7200},
    {SS "latest_snapshot_timestamp_seconds", {R("nightly")}, NOW - 7200},
    {SS "snapshot_number_of_indices", {R("nightly"), "state", "SUCCESS", "version", "8.9.2"}, 3},
    {SS "snapshot_start_time_timestamp", {R("nightly"), "state", "SUCCESS"}, NOW - 7200},
    {SS "snapshot_end_time_timestamp", {R("nightly")}, NOW - 7200 + 300},
    {SS "snapshot_number_of_failures", {R("nightly")}, 0},
    {SS "snapshot_total_shards", {R("nightly")}, 12},
    {SS "snapshot_failed_shards", {R("nightly")}, 0},
    {SS "snapshot_successful_shards", {R("nightly")}, 12},
    {"esvigil_snapshot_last_success_timestamp_seconds", {OWN("nightly")}, NOW - 6900},
    {"esvigil_snapshot_last_success_age_seconds", {OWN("nightly")}, 6900},
    {"esvigil_snapshot_latest_failed", {OWN("nightly"), "snapshot", "nightly-2"}, 0},
};

/* Newest FAILED after a PARTIAL: the reference's "latest" is the PARTIAL's
 * start, esvigil's last success is the SUCCESS 30 h ago. */
static const feed_expect archive[] = {
    {SS "number_of_snapshots", {R("s3-archive")}, 3},
    {SS "latest_snapshot_timestamp_seconds", {R("s3-archive")}, NOW - 7 * 3600},
    {SS "snapshot_number_of_failures", {R("s3-archive"), "state", "FAILED"}, 1},
    {SS "snapshot_failed_shards", {R("s3-archive"), "state", "FAILED"}, 12},
    {SS "snapshot_successful_shards", {R("s3-archive"), "state", "FAILED"}, 0},
    {SS "snapshot_number_of_failures", {R("s3-archive"), "state", "PARTIAL"}, NAN},
    {"esvigil_snapshot_last_success_timestamp_seconds", {OWN("s3-archive")}, NOW - 30 * 3600},
    {"esvigil_snapshot_last_success_age_seconds", {OWN("s3-archive")}, 30 * 3600},
    {"esvigil_snapshot_latest_failed", {OWN("s3-archive"), "snapshot", "archive-3"}, 1},
    {"esvigil_snapshot_latest_failed", {OWN("s3-archive"), "state", "FAILED"}, 1},
};

/* Snapshots but none succeeded; the newest is IN_PROGRESS, kept as ES spells it. */
static const feed_expect broken[] = {
    {SS "number_of_snapshots", {R("broken")}, 2},
    {SS "latest_snapshot_timestamp_seconds", {R("broken")}, 0},
    {SS "snapshot_total_shards", {R("broken"), "state", "IN_PROGRESS"}, 3},
    {"esvigil_snapshot_last_success_timestamp_seconds", {OWN("broken")}, 0},
    {"esvigil_snapshot_last_success_age_seconds", {OWN("broken")}, INFINITY},
    {"esvigil_snapshot_latest_failed", {OWN("broken"), "state", "IN_PROGRESS"}, 0},
};

/* No snapshots: the reference's zeros, and nothing to be stale about. */
static const feed_expect empty[] = {
    {SS "number_of_snapshots", {R("empty")}, 0},
    {SS "oldest_snapshot_timestamp", {R("empty")}, 0},
    {SS "latest_snapshot_timestamp_seconds", {R("empty")}, 0},
    {SS "snapshot_total_shards", {R("empty")}, NAN},
    {"esvigil_snapshot_last_success_timestamp_seconds", {OWN("empty")}, NAN},
    {"esvigil_snapshot_last_success_age_seconds", {OWN("empty")}, NAN},
    {"esvigil_snapshot_latest_failed", {OWN("empty")}, NAN},
};

static const struct {
    const char *file, *repo;
    const feed_expect *e;
    size_t n;
} cases[] = {
    {FIX "snapshots_nightly.json", "nightly", nightly, sizeof(nightly) / sizeof(nightly[0])},
    {FIX "snapshots_s3-archive.json", "s3-archive", archive, sizeof(archive) / sizeof(archive[0])},
    {FIX "snapshots_broken.json", "broken", broken, sizeof(broken) / sizeof(broken[0])},
    {FIX "snapshots_empty.json", "empty", empty, sizeof(empty) / sizeof(empty[0])},
};

START_TEST(listing_table)
{
    /* whole, then byte by byte: the walker must not care where reads split */
    for (size_t chunk = 0; chunk < 2; chunk++) {
        metric_set *s = list_file(cases[_i].file, cases[_i].repo, chunk, NULL);
        feed_check(s, cases[_i].e, cases[_i].n);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(accessors)
{
    snapstats_list *p;
    metric_set *s = list_file(FIX "snapshots_s3-archive.json", "s3-archive", 0, &p);
    ck_assert_uint_eq(snapstats_list_count(p), 3);
    ck_assert_str_eq(snapstats_list_latest_name(p), "archive-3");
    ck_assert_str_eq(snapstats_list_latest_state(p), "FAILED");
    ck_assert_double_eq(snapstats_list_last_success_end(p), NOW - 30 * 3600);
    snapstats_list_free(p);
    metric_set_free(s);
}
END_TEST

START_TEST(repository_names)
{
    snapstats_repos *p = snapstats_repos_new();
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(feed_file(snapstats_repos_feed, p, FIX "snapshot_repos.json", 7), 0);
    ck_assert_int_eq(snapstats_repos_finish(p), 0);
    ck_assert_uint_eq(snapstats_repos_count(p), 5);
    ck_assert_str_eq(snapstats_repos_name(p, 0), "nightly");
    ck_assert_str_eq(snapstats_repos_name(p, 4), "gone");
    ck_assert_ptr_null(snapstats_repos_name(p, 5));
    snapstats_repos_free(p);
}
END_TEST

static const struct {
    const char *doc, *why;
} bad_lists[] = {
    {"", "empty"},
    {"[1,2]", "snapshots"},
    {"{\"snapshots\":{}}", "not an array"},
    {"{\"error\":{\"type\":\"repository_missing_exception\"},\"status\":404}", "no \"snapshots\""},
    {"{\"snapshots\":[{\"snapshot\":\"a\"", "incomplete"},
    {"<html>", ""},
};

START_TEST(bad_listing)
{
    snapstats_list *p = snapstats_list_new();
    int rc = feed_doc(snapstats_list_feed, p, bad_lists[_i].doc, strlen(bad_lists[_i].doc), 0);
    if (rc == 0)
        rc = snapstats_list_finish(p);
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(snapstats_list_error(p), "snapshots") != NULL, "unlabelled: %s",
                  snapstats_list_error(p));
    ck_assert_msg(strstr(snapstats_list_error(p), bad_lists[_i].why) != NULL, "error: %s",
                  snapstats_list_error(p));
    snapstats_list_free(p);
}
END_TEST

START_TEST(bad_repos)
{
    static const char *const docs[] = {"[]", "{\"a\":", "nope"};
    snapstats_repos *p = snapstats_repos_new();
    int rc = feed_doc(snapstats_repos_feed, p, docs[_i], strlen(docs[_i]), 0);
    if (rc == 0)
        rc = snapstats_repos_finish(p);
    ck_assert_int_ne(rc, 0);
    ck_assert_str_ne(snapstats_repos_error(p), "");
    ck_assert_uint_eq(snapstats_repos_count(p), 0);
    snapstats_repos_free(p);
}
END_TEST

/* The shared real 5.4 answers, when the checkout has them. */
START_TEST(real_responses)
{
    static const struct {
        const char *file;
        double failures;
    } real[] = {
        {"../shared/fixtures/es-responses/snapshots_5.4.2.json", 0},
        {"../shared/fixtures/es-responses/snapshots_5.4.2-failed.json", 1},
    };
    for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
        size_t len;
        char *doc = unit_slurp(unit_src(real[i].file), &len);
        if (!doc)
            continue;
        snapstats_list *p = snapstats_list_new();
        metric_set *s = metric_set_new();
        ck_assert_int_eq(feed_doc(snapstats_list_feed, p, doc, len, 0), 0);
        ck_assert_int_eq(snapstats_list_finish(p), 0);
        ck_assert_int_eq(snapstats_list_emit(p, s, "c", "r", NOW), 0);
        const char *pairs[] = {"repository", "r", NULL};
        ck_assert_double_eq(feed_value(s, SS "snapshot_number_of_failures", pairs),
                            real[i].failures);
        ck_assert_double_eq(feed_value(s, SS "snapshot_start_time_timestamp", pairs), 1536053353);
        ck_assert_double_eq(feed_value(s, SS "snapshot_number_of_indices", pairs), 2);
        metric_set_free(s);
        snapstats_list_free(p);
        free(doc);
    }
}
END_TEST

START_TEST(defs_unique)
{
    for (size_t i = 0; i < snapstats_def_count(); i++)
        for (size_t j = i + 1; j < snapstats_def_count(); j++)
            ck_assert_str_ne(snapstats_def(i)->name, snapstats_def(j)->name);
    ck_assert_ptr_null(snapstats_def(snapstats_def_count()));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("snapstats");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, listing_table, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, accessors);
    tcase_add_test(tc, repository_names);
    tcase_add_loop_test(tc, bad_listing, 0, sizeof(bad_lists) / sizeof(bad_lists[0]));
    tcase_add_loop_test(tc, bad_repos, 0, 3);
    tcase_add_test(tc, real_responses);
    tcase_add_test(tc, defs_unique);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
