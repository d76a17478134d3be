/* test_catjson: the _cat JSON scanner against yajl+jsonwalk (catjson_ref.h)
 * on the project's fixtures and on tricky and broken documents at many feed
 * sizes, then its errors on every other shape, huge strings and callbacks. */
#include <dirent.h>
#include <string.h>

#include "buf.h"
#include "catjson.h"
#include "catjson_ref.h"
#include "unit.h"
#include "utf8.h"

static const char *const shard_cols[] = {"index", "state", "node", "unassigned.reason", "store"};
#define NSHARD_COLS (sizeof(shard_cols) / sizeof(shard_cols[0]))

/* Both paths over doc in feeds of step bytes (0: one feed); any difference fails. */
static void differential_cols(const char *what, const char *doc, size_t len, size_t step,
                              const char *const *cols, size_t ncols)
{
    size_t ncuts = step && len ? (len - 1) / step : 0;
    size_t *cuts = malloc((ncuts ? ncuts : 1) * sizeof(*cuts));
    ck_assert_ptr_nonnull(cuts);
    for (size_t i = 0; i < ncuts; i++)
        cuts[i] = (i + 1) * step;
    cjref_trace a, b;
    cjref_init(&a);
    cjref_init(&b);
    cjref_catjson(cols, ncols, doc, len, cuts, ncuts, &a);
    cjref_jsonwalk(cols, ncols, doc, len, cuts, ncuts, &b);
    const char *diff = cjref_compare(&a, &b);
    ck_assert_msg(diff == NULL, "%s (feeds of %zu): %s; catjson '%s', jsonwalk '%s'", what, step,
                  diff, a.err, b.err);
    ck_assert_msg(a.ok || a.err[0], "%s: refused without a reason", what);
    cjref_free(&a);
    cjref_free(&b);
    free(cuts);
}

static void differential(const char *what, const char *doc, size_t len)
{
    static const size_t small[] = {0, 1, 2, 3, 5, 7, 16, 64, 4096};
    static const size_t big[] = {0, 4093, 16384};
    const size_t *steps = len > 100000 ? big : small;
    size_t n = len > 100000 ? sizeof(big) / sizeof(big[0]) : sizeof(small) / sizeof(small[0]);
    for (size_t i = 0; i < n; i++)
        differential_cols(what, doc, len, steps[i], shard_cols, NSHARD_COLS);
}

static void differential_str(const char *doc)
{
    differential(doc, doc, strlen(doc));
}

/* Every NAME/cat_shards.json under dir; the number found. */
static size_t differential_sets(const char *dir)
{
    DIR *d = opendir(unit_src(dir));
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char rel[512];
        snprintf(rel, sizeof(rel), "%s/%s/cat_shards.json", dir, e->d_name);
        size_t len;
        char *body = unit_slurp(unit_src(rel), &len);
        if (!body)
            continue;
        differential(rel, body, len);
        free(body);
        n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_fixtures_match_jsonwalk)
{
    ck_assert_uint_ge(differential_sets("tests/fixtures/es"), 8);
    ck_assert_uint_ge(differential_sets("tests/fixtures/scenarios"), 1);
    const char *files[] = {"mixed.json", "empty.json", "human_sizes.json", "escapes.json"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "tests/fixtures/shards/%s", files[i]);
        size_t len;
        char *body = unit_slurp(unit_src(rel), &len);
        ck_assert_msg(body != NULL, "cannot read %s", rel);
        differential(rel, body, len);
        free(body);
    }
    char shared[4096];
    snprintf(shared, sizeof(shared), "%s",
             unit_src("../shared/fixtures/es-responses/shards_7.15.0.json"));
    size_t len;
    char *body = unit_slurp(shared, &len);
    if (body)
        differential(shared, body, len);
    free(body);
}
END_TEST

/* 30k rows with escapes, non-ASCII, invalid UTF-8, numbers and nulls mixed in. */
START_TEST(test_generated_matches_jsonwalk)
{
    static const char *const odd[] = {"plain",     "t\\u00e9st",     "caf\xc3\xa9",  "bad\xff",
                                      "q\\\"uote", "\\uD83D\\uDE00", "lone\\uD800x", "low\\uDC00",
                                      "tab\\t",    "trunc\xe2\x82",  "nul\\u0000in", "\\/slash"};
    enum { N = sizeof(odd) / sizeof(odd[0]) };
    buf b;
    buf_init(&b);
    buf_puts(&b, "[");
    for (size_t i = 0; i < 30000; i++) {
        buf_printf(&b, "%s{\"index\":\"idx-%zu-%s\",\"shard\":\"%zu\",\"state\":%s,",
                   i ? ",\n" : "", i % 97, odd[i % N], i % 7, i % 11 ? "\"STARTED\"" : "null");
        if (i % 13 == 0)
            buf_printf(&b, "\"store\":%zu.%zu,", i, i % 10);
        else
            buf_printf(&b, "\"store\":\"%zu\",", i * 7919);
        buf_printf(&b, "\"node\":\"n-%s-%zu\",\"%s\":%s}", odd[(i * 5) % N], i % 50,
                   odd[(i * 3) % N], i % 3 ? "true" : "\"x\"");
    }
    buf_puts(&b, "]");
    ck_assert_int_eq(b.failed, 0);
    differential("generated", b.data, b.len);
    buf_free(&b);
}
END_TEST

/* Documents both paths must read alike. */
static const char *const tricky[] = {
    "[]",
    " \t\r\n\f\v[ \f\v]\n",
    "[{}]",
    "[{},{}]",
    "[ { } , { \"node\" : \"a\" } ]",
    "[{\"index\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}]",
    "[{\"node\":\"\\u00e9\\u20AC\\uD83D\\uDE00\\uffff\"}]",
    "[{\"node\":\"a\\uD800b\"}]",
    "[{\"node\":\"a\\uD800\"}]",
    "[{\"node\":\"\\uD800\\uD800\\u0041\"}]",
    "[{\"node\":\"\\uDBFF\\uDFFF\\uDC00\\uD800\"}]",
    "[{\"node\":\"\\uD800\\\\u0041\"}]",
    "[{\"node\":\"\\uD800\\\"\"}]",
    "[{\"node\":\"\\uD800\\n\"}]",
    "[{\"node\":\"\\u0000\",\"n\\u0000ode\":\"x\",\"node\\u0000\":\"y\",\"node\\u0000x\":\"z\"}]",
    "[{\"node\":\"\x80\",\"index\":\"\xc0\xaf\",\"state\":\"\xed\xa0\x80\",\"store\":\"\xf4\x90\"}"
    "]",
    "[{\"node\":\"\xff\xfe\",\"index\":\"ok\xe2\x82\",\"st\xff"
    "ate\":\"x\",\"\xc3\":\"y\"}]",
    "[{\"node\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}]",
    "[{\"store\":0},{\"store\":-0},{\"store\":1.5},{\"store\":-1e5},{\"store\":1E+2}]",
    "[{\"store\":2e-3,\"docs\":123456789012345678901234567890,\"store\":0.000001}]",
    "[{\"store\":true,\"node\":false,\"index\":null,\"x\":true,\"y\":false,\"z\":null}]",
    "[{\"node\":\"a\",\"node\":\"b\",\"node\":null,\"node\":\"\"}]",
    "[{\"nodes\":\"a\",\"nod\":\"b\",\"Node\":\"c\",\"unassigned.reasons\":\"d\"}]",
    "[{\"a-very-long-column-name-nobody-reads-at-all\":\"v\",\"\":\"empty key\"}]",
    "[{\"index\":\"\\u0069\",\"\\u0069ndex\":\"escaped key\"}]",
    "[{\"node\":\"x\"}]   \n\n",
};

/* Documents both paths must refuse. */
static const char *const broken[] = {
    "",
    "   ",
    "[",
    "[{",
    "[{\"a\"",
    "[{\"a\":",
    "[{\"a\":\"b\"",
    "[{\"a\":\"b\"}",
    "[{\"a\":\"b\",}]",
    "[{\"a\":\"b\"},]",
    "[,]",
    "[{\"a\" \"b\"}]",
    "[{\"a\":b}]",
    "[{\"a\":01}]",
    "[{\"a\":1.}]",
    "[{\"a\":.5}]",
    "[{\"a\":-}]",
    "[{\"a\":1e}]",
    "[{\"a\":1e+}]",
    "[{\"a\":+1}]",
    "[{\"a\":1-2}]",
    "[{\"a\":1.5.3}]",
    "[{\"a\":tru}]",
    "[{\"a\":truex}]",
    "[{\"a\":nul}]",
    "[{\"a\":nulll}]",
    "[{\"a\":NaN}]",
    "[{\"a\":\"\\x\"}]",
    "[{\"a\":\"\\u12\"}]",
    "[{\"a\":\"\\u12G4\"}]",
    "[{\"a\":\"x\ny\"}]",
    "[{\"a\":\"\x01\"}]",
    "[{\"a\":\"\x1f\"}]",
    "[{\"a\":\"unterminated}]",
    "[] x",
    "[][]",
    "{}",
    "{\"error\":{\"type\":\"x\"},\"status\":500}",
    "\"x\"",
    "1",
    "null",
    "[1]",
    "[\"a\"]",
    "[null]",
    "[[]]",
    "/*c*/[]",
    "\xef\xbb\xbf[]",
    "[{'a':'b'}]",
    "[{\"a\":\"b\"}}",
    "[{\"a\":\"b\"]",
    "[{a:\"b\"}]",
    "[{\"a\":\"b\"} {\"c\":\"d\"}]",
    "[{\"a\":\"b\"}]]",
    "[{\"a\":\"b\"\x01}]",
};

START_TEST(test_tricky_match_jsonwalk)
{
    for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
        differential_str(tricky[i]);
        cjref_trace t;
        cjref_init(&t);
        cjref_catjson(shard_cols, NSHARD_COLS, tricky[i], strlen(tricky[i]), NULL, 0, &t);
        ck_assert_msg(t.ok, "%s: %s", tricky[i], t.err);
        cjref_free(&t);
    }
}
END_TEST

START_TEST(test_broken_refused_by_both)
{
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        differential_str(broken[i]);
        cjref_trace t;
        cjref_init(&t);
        cjref_catjson(shard_cols, NSHARD_COLS, broken[i], strlen(broken[i]), NULL, 0, &t);
        ck_assert_msg(!t.ok, "read %s", broken[i]);
        ck_assert_ptr_null(strchr(t.err, '\n'));
        cjref_free(&t);
    }
}
END_TEST

/* Every prefix of a real answer is refused, by both, however it is fed. */
START_TEST(test_every_truncation_refused)
{
    size_t len;
    char *body = unit_slurp(unit_src("tests/fixtures/shards/escapes.json"), &len);
    ck_assert_ptr_nonnull(body);
    while (len > 0 && body[len - 1] != ']') /* the closing bracket ends the document */
        len--;
    for (size_t cut = 0; cut < len; cut++) {
        for (size_t feeds = 1; feeds <= 2; feeds++) { /* at once, then in two halves */
            cjref_trace t;
            cjref_init(&t);
            size_t half[1] = {cut / 2};
            cjref_catjson(shard_cols, NSHARD_COLS, body, cut, half, feeds - 1, &t);
            ck_assert_msg(!t.ok, "read the first %zu bytes", cut);
            cjref_free(&t);
        }
    }
    differential("escapes.json whole", body, len);
    free(body);
}
END_TEST

/* ---- errors ---- */

static const char *error_of(const char *doc, size_t step)
{
    static char err[256];
    cjref_trace t;
    cjref_init(&t);
    size_t cuts[4096], n = 0, len = strlen(doc);
    for (size_t at = step; step && at < len && n < 4096; at += step)
        cuts[n++] = at;
    cjref_catjson(shard_cols, NSHARD_COLS, doc, len, cuts, n, &t);
    ck_assert_msg(!t.ok, "read %s", doc);
    snprintf(err, sizeof(err), "%s", t.err);
    cjref_free(&t);
    return err;
}

static void expect_error(const char *doc, const char *want)
{
    for (size_t step = 0; step <= 1; step++) {
        const char *err = error_of(doc, step);
        ck_assert_msg(strstr(err, want) != NULL, "%s: got '%s', want '%s'", doc, err, want);
    }
}

START_TEST(test_errors_say_what_and_where)
{
    expect_error("[{\"node\":{\"a\":1}}]", "at byte 9 (row 1): a nested object or array");
    expect_error("[{},{\"index\":[1,2]}]", "at byte 13 (row 2): a nested");
    expect_error("{\"error\":\"x\"}", "at byte 0 (row 1): expected a JSON array of rows");
    expect_error(" 42", "at byte 1 (row 1): expected a JSON array of rows");
    expect_error("[1]", "expected a row (an object) or ']'");
    expect_error("[{},1]", "at byte 4 (row 2): expected a row (an object)");
    expect_error("[{1:2}]", "expected a quoted key or '}'");
    expect_error("[{\"a\":1,}]", "expected a quoted key");
    expect_error("[{\"a\" 1}]", "expected ':' after a key");
    expect_error("[{\"a\":}]", "expected a value");
    expect_error("[{\"a\":1 2}]", "expected ',' or '}' after a value");
    expect_error("[{} {}]", "expected ',' or ']' after a row");
    expect_error("[] []", "at byte 3 (row 1): data after the closing ']'");
    expect_error("[]\"abc", "at byte 2 (row 1): data after the closing ']'"); /* yajl takes it */
    expect_error("[{\"a\":\"x\ty\"}]", "at byte 8 (row 1): control character in a string");
    expect_error("[{\"a\":\"\\q\"}]", "at byte 8 (row 1): invalid escape in a string");
    expect_error("[{\"a\":\"\\u00zz\"}]", "at byte 11 (row 1): invalid \\u escape");
    expect_error("[{\"a\":1.}]", "invalid number");
    expect_error("[{\"a\":nope}]", "at byte 7 (row 1): invalid literal");
    expect_error("", "empty document");
    expect_error("[{\"a\":\"b\"}", "document incomplete after 10 bytes (1 rows)");
    expect_error("[{\"a\":\"b", "document incomplete");
    expect_error("[{\"a\":12", "document incomplete");
    expect_error("[{\"a\":tr", "document incomplete");
}
END_TEST

START_TEST(test_after_finish_and_failure)
{
    catjson *c = catjson_new(shard_cols, NSHARD_COLS, NULL, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(catjson_error(c), "");
    ck_assert_int_eq(catjson_feed(c, "[{\"node\":\"a\"}]", 14), 0);
    ck_assert_int_eq(catjson_feed(c, "", 0), 0);
    ck_assert_int_eq(catjson_finish(c), 0);
    ck_assert_int_eq(catjson_finish(c), 0); /* idempotent */
    ck_assert_uint_eq(catjson_rows(c), 1);
    ck_assert_int_eq(catjson_feed(c, " ", 1), -1);
    ck_assert_str_eq(catjson_error(c), "data after the end of the document");
    ck_assert_int_eq(catjson_finish(c), -1);
    catjson_free(c);

    c = catjson_new(shard_cols, NSHARD_COLS, NULL, NULL);
    ck_assert_int_eq(catjson_feed(c, "[x", 2), -1);
    ck_assert_int_eq(catjson_failed(c), 1);
    ck_assert_int_eq(catjson_feed(c, "]", 1), -1); /* stays failed, first reason kept */
    ck_assert_int_eq(catjson_fail(c, "later"), -1);
    ck_assert_ptr_nonnull(strstr(catjson_error(c), "expected a row"));
    catjson_free(c);
    catjson_free(NULL);
}
END_TEST

/* ---- values, callbacks, columns ---- */

typedef struct seen {
    size_t values, rows, fail_at;
    buf last; /* the last value of column 0 */
    int last_nul;
} seen;

static int seen_value(void *ctx, size_t column, const catjson_value *v)
{
    seen *s = ctx;
    if (++s->values == s->fail_at)
        return 1;
    if (column == 0) {
        buf_reset(&s->last);
        buf_append(&s->last, v->str, v->len);
        s->last_nul = v->has_nul;
    }
    return 0;
}

static int seen_row(void *ctx)
{
    ((seen *)ctx)->rows++;
    return 0;
}

static const catjson_callbacks seen_cbs = {seen_value, seen_row};

/* A 4 MiB index name (with an escape every 1000 bytes) in 16 KiB feeds:
 * delivered whole, once, and the work stays linear (no quadratic carry). */
START_TEST(test_huge_string_across_feeds)
{
    enum { BIG = 4 << 20 };
    buf doc, want;
    buf_init(&doc);
    buf_init(&want);
    buf_puts(&doc, "[{\"state\":\"STARTED\",\"index\":\"");
    for (size_t i = 0; i < BIG; i++) {
        if (i % 1000 == 999) {
            buf_puts(&doc, "\\u00e9");
            buf_puts(&want, "\xc3\xa9");
        } else {
            buf_putc(&doc, (char)('a' + i % 26));
            buf_putc(&want, (char)('a' + i % 26));
        }
    }
    buf_puts(&doc, "\",\"node\":\"n\"}]");
    ck_assert_int_eq(doc.failed || want.failed, 0);
    static const char *const cols[] = {"index"};
    seen s = {0, 0, 0, {0}, 0};
    buf_init(&s.last);
    catjson *c = catjson_new(cols, 1, &seen_cbs, &s);
    for (size_t off = 0; off < doc.len; off += 16384)
        ck_assert_int_eq(
            catjson_feed(c, doc.data + off, doc.len - off < 16384 ? doc.len - off : 16384), 0);
    ck_assert_int_eq(catjson_finish(c), 0);
    ck_assert_uint_eq(s.values, 1);
    ck_assert_uint_eq(s.rows, 1);
    ck_assert_uint_eq(s.last.len, want.len);
    ck_assert_int_eq(memcmp(s.last.data, want.data, want.len), 0);
    ck_assert_int_eq(s.last_nul, 0);
    catjson_free(c);
    buf_free(&s.last);
    buf_free(&doc);
    buf_free(&want);
}
END_TEST

START_TEST(test_callback_abort)
{
    const char *doc = "[{\"index\":\"a\"},{\"index\":\"b\"},{\"index\":\"c\"}]";
    seen s = {0, 0, 2, {0}, 0};
    buf_init(&s.last);
    catjson *c = catjson_new(shard_cols, NSHARD_COLS, &seen_cbs, &s);
    ck_assert_int_eq(catjson_feed(c, doc, strlen(doc)), -1);
    ck_assert_str_eq(catjson_error(c), "aborted by callback");
    ck_assert_uint_eq(s.rows, 1);
    ck_assert_int_eq(catjson_finish(c), -1);
    catjson_free(c);
    buf_free(&s.last);
}
END_TEST

/* A callback that calls catjson_fail first keeps its own reason. */
static int failing_value(void *ctx, size_t column, const catjson_value *v)
{
    (void)column;
    (void)v;
    return catjson_fail(*(catjson **)ctx, "no such node");
}

START_TEST(test_callback_reason_kept)
{
    static const catjson_callbacks cbs = {failing_value, NULL};
    catjson *c = NULL;
    c = catjson_new(shard_cols, NSHARD_COLS, &cbs, &c);
    ck_assert_int_eq(catjson_feed(c, "[{\"node\":\"x\"}]", 14), -1);
    ck_assert_str_eq(catjson_error(c), "no such node");
    catjson_free(c);
}
END_TEST

START_TEST(test_has_nul)
{
    static const char *const cols[] = {"node"};
    const char *docs[] = {"[{\"node\":\"a\\u0000b\"}]", "[{\"node\":\"a\\u0041b\"}]",
                          "[{\"node\":\"plain\"}]"};
    const int want[] = {1, 0, 0};
    const size_t want_len[] = {3, 3, 5};
    for (size_t i = 0; i < 3; i++) {
        seen s = {0, 0, 0, {0}, 0};
        buf_init(&s.last);
        catjson *c = catjson_new(cols, 1, &seen_cbs, &s);
        ck_assert_int_eq(catjson_feed(c, docs[i], strlen(docs[i])), 0);
        ck_assert_int_eq(catjson_finish(c), 0);
        ck_assert_int_eq(s.last_nul, want[i]);
        ck_assert_uint_eq(s.last.len, want_len[i]);
        catjson_free(c);
        buf_free(&s.last);
    }
}
END_TEST

/* Columns named twice, many columns (past the hash slots), the empty name. */
START_TEST(test_column_tables)
{
    static const char *const twice[] = {"node", "state", "node"};
    const char *dup = "[{\"node\":\"a\",\"state\":\"b\",\"node\":null}]";
    differential_cols("twice", dup, strlen(dup), 0, twice, 3);
    static const char *const empty[] = {"", "x"};
    const char *blank = "[{\"\":\"empty key\",\"x\":\"y\"}]";
    differential_cols("empty", blank, strlen(blank), 1, empty, 2);
    char names[300][8];
    const char *many[300];
    for (size_t i = 0; i < 300; i++) {
        snprintf(names[i], sizeof(names[i]), "c%zu", i);
        many[i] = names[i];
    }
    buf doc;
    buf_init(&doc);
    buf_puts(&doc, "[{");
    for (size_t i = 0; i < 320; i++)
        buf_printf(&doc, "%s\"c%zu\":\"v%zu\"", i ? "," : "", (i * 7) % 320, i);
    buf_puts(&doc, "}]");
    differential_cols("many", doc.data, doc.len, 0, many, 300);
    differential_cols("many", doc.data, doc.len, 3, many, 300);
    buf_free(&doc);
}
END_TEST

START_TEST(test_invalid_utf8_counted)
{
    const char *doc =
        "[{\"node\":\"a\xff\",\"x\xfe\":\"b\",\"docs\":\"\\uDC00\",\"index\":\"ok\"}]";
    unsigned long long before = utf8_repaired_total();
    catjson *c = catjson_new(shard_cols, NSHARD_COLS, NULL, NULL);
    ck_assert_int_eq(catjson_feed(c, doc, strlen(doc)), 0);
    ck_assert_int_eq(catjson_finish(c), 0);
    ck_assert_uint_eq(catjson_invalid_utf8(c), 3);
    ck_assert_uint_eq(utf8_repaired_total() - before, 3);
    catjson_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("catjson");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fixtures_match_jsonwalk);
    tcase_add_test(tc, test_generated_matches_jsonwalk);
    tcase_add_test(tc, test_tricky_match_jsonwalk);
    tcase_add_test(tc, test_broken_refused_by_both);
    tcase_add_test(tc, test_every_truncation_refused);
    tcase_add_test(tc, test_errors_say_what_and_where);
    tcase_add_test(tc, test_after_finish_and_failure);
    tcase_add_test(tc, test_huge_string_across_feeds);
    tcase_add_test(tc, test_callback_abort);
    tcase_add_test(tc, test_callback_reason_kept);
    tcase_add_test(tc, test_has_nul);
    tcase_add_test(tc, test_column_tables);
    tcase_add_test(tc, test_invalid_utf8_counted);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
