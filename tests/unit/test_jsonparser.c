/* test_jsonparser: the base of the jsonwalk-backed parsers: bad and cut-short
 * documents, the sticky failure, the object check, a finish that runs once. */
#include <string.h>

#include "jsonparser.h"
#include "unit.h"

/* A parser that counts what it saw and can refuse the document in done. */
typedef struct counter {
    jsonparser base;
    int enters, scalars, dones;
    int root_seen_as_object; /* what jsonparser_is_object said at the root's enter */
    int refuse;              /* done fails */
} counter;
JSONPARSER_FIRST(counter, base);

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    (void)path, (void)depth, (void)v;
    ((counter *)ctx)->scalars++;
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    counter *c = ctx;
    (void)path, (void)is_array;
    if (depth == 0)
        c->root_seen_as_object = jsonparser_is_object(&c->base);
    c->enters++;
    return 0;
}

static int done(void *ctx)
{
    counter *c = ctx;
    c->dones++;
    return c->refuse ? jsonparser_fail(&c->base, "no \"x\" in the response") : 0;
}

static const jsonparser_kind object_kind = {{on_scalar, on_enter, NULL}, 1, done};
static const jsonparser_kind any_kind = {{on_scalar, NULL, NULL}, 0, NULL};

static void begin(counter *c, const jsonparser_kind *kind)
{
    memset(c, 0, sizeof(*c));
    ck_assert_int_eq(jsonparser_begin(&c->base, kind, "test doc"), 0);
    ck_assert_str_eq(jsonparser_error(&c->base), "");
    ck_assert(!jsonparser_failed(&c->base));
}

static int feed(counter *c, const char *json)
{
    return jsonparser_feed(&c->base, json, strlen(json));
}

START_TEST(complete_object)
{
    counter c;
    begin(&c, &object_kind);
    ck_assert_int_eq(feed(&c, "{\"a\":[1,2],"), 0);
    ck_assert_int_eq(feed(&c, "\"b\":{}}"), 0);
    ck_assert(!jsonparser_finished(&c.base));
    ck_assert_int_eq(jsonparser_finish(&c.base), 0);
    ck_assert(jsonparser_finished(&c.base));
    ck_assert(jsonparser_is_object(&c.base));
    ck_assert(c.root_seen_as_object); /* known before the parser's own enter */
    ck_assert_int_eq(c.enters, 3);    /* the parser's enter still sees every one */
    ck_assert_int_eq(c.scalars, 2);
    ck_assert_int_eq(jsonparser_finish(&c.base), 0); /* once: done does not run again */
    ck_assert_int_eq(c.dones, 1);
    ck_assert_str_eq(jsonparser_error(&c.base), "");
    jsonparser_cleanup(&c.base);
    jsonparser_cleanup(&c.base); /* twice is harmless */
}
END_TEST

START_TEST(truncated)
{
    counter c;
    begin(&c, &object_kind);
    ck_assert_int_eq(feed(&c, "{\"a\":[1,2"), 0);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "test doc: document incomplete");
    ck_assert(!jsonparser_finished(&c.base));
    ck_assert_int_eq(c.dones, 0);
    jsonparser_cleanup(&c.base);

    begin(&c, &object_kind); /* a number cut short: only the end of input says so */
    ck_assert_int_eq(feed(&c, "{\"a\":1"), 0);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "test doc: document incomplete");
    jsonparser_cleanup(&c.base);
}
END_TEST

START_TEST(feed_after_error)
{
    counter c;
    begin(&c, &object_kind);
    ck_assert_int_eq(feed(&c, "{\"a\":]"), -1);
    char first[256];
    snprintf(first, sizeof(first), "%s", jsonparser_error(&c.base));
    ck_assert_msg(strncmp(first, "test doc: ", 10) == 0, "%s", first);
    int scalars = c.scalars;
    ck_assert_int_eq(feed(&c, "{\"b\":1}"), -1); /* sticky: nothing more is read */
    ck_assert_int_eq(c.scalars, scalars);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_int_eq(c.dones, 0);
    ck_assert_str_eq(jsonparser_error(&c.base), first); /* the first reason stays */
    ck_assert(jsonparser_failed(&c.base));
    jsonparser_cleanup(&c.base);
}
END_TEST

START_TEST(finish_without_data)
{
    counter c;
    begin(&c, &object_kind);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "test doc: empty document");
    ck_assert_int_eq(c.dones, 0);
    jsonparser_cleanup(&c.base);

    begin(&c, &any_kind); /* white space only is no document either */
    ck_assert_int_eq(feed(&c, " \n"), 0);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "test doc: document incomplete");
    jsonparser_cleanup(&c.base);
}
END_TEST

START_TEST(not_an_object)
{
    static const char *const docs[] = {"[1,2]", "3", "\"x\"", "null"};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        counter c;
        begin(&c, &object_kind);
        ck_assert_int_eq(feed(&c, docs[i]), 0);
        ck_assert_int_eq(jsonparser_finish(&c.base), -1);
        ck_assert_str_eq(jsonparser_error(&c.base), "test doc: the response is not a JSON object");
        ck_assert_int_eq(c.dones, 0);
        jsonparser_cleanup(&c.base);

        begin(&c, &any_kind); /* without object_only any complete document will do */
        ck_assert_int_eq(feed(&c, docs[i]), 0);
        ck_assert_int_eq(jsonparser_finish(&c.base), 0);
        ck_assert(!jsonparser_is_object(&c.base));
        jsonparser_cleanup(&c.base);
    }
}
END_TEST

START_TEST(done_refuses)
{
    counter c;
    begin(&c, &object_kind);
    c.refuse = 1;
    ck_assert_int_eq(feed(&c, "{}"), 0);
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "test doc: no \"x\" in the response");
    ck_assert(!jsonparser_finished(&c.base));
    ck_assert_int_eq(jsonparser_finish(&c.base), -1); /* and stays refused */
    ck_assert_int_eq(c.dones, 1);
    jsonparser_cleanup(&c.base);
}
END_TEST

START_TEST(begin_again)
{
    counter c;
    begin(&c, &object_kind);
    ck_assert_int_eq(feed(&c, "{]"), -1);
    /* a second document on the same parser (ilm, slm: one per request) */
    ck_assert_int_eq(jsonparser_begin(&c.base, &any_kind, "second"), 0);
    ck_assert_str_eq(jsonparser_error(&c.base), "");
    ck_assert(!jsonparser_is_object(&c.base));
    ck_assert_int_eq(feed(&c, "[true]"), 0);
    ck_assert_int_eq(jsonparser_finish(&c.base), 0);
    ck_assert(jsonparser_finished(&c.base));
    ck_assert_int_eq(jsonparser_begin(&c.base, &any_kind, "third"), 0);
    ck_assert(!jsonparser_finished(&c.base));
    ck_assert_int_eq(jsonparser_finish(&c.base), -1);
    ck_assert_str_eq(jsonparser_error(&c.base), "third: empty document");
    jsonparser_cleanup(&c.base);
}
END_TEST

START_TEST(never_begun)
{
    jsonparser jp = {0};
    ck_assert_str_eq(jsonparser_error(&jp), "");
    ck_assert_int_eq(jsonparser_feed(&jp, "{}", 2), -1);
    ck_assert_int_eq(jsonparser_finish(&jp), -1);
    ck_assert_int_eq(jsonparser_fail(&jp, "x"), -1);
    ck_assert(jsonparser_failed(&jp));
    ck_assert(!jsonparser_finished(&jp));
    jsonparser_cleanup(&jp);
}
END_TEST

START_TEST(copy_label)
{
    char out[6];
    jsonwalk_value v = {.kind = JSONWALK_STRING, .str = "a\nb\tc-long", .len = 11};
    jsonparser_copy_label(out, sizeof(out), &v);
    ck_assert_str_eq(out, "a b c"); /* one line, cut to fit */
    v.len = 0;
    jsonparser_copy_label(out, sizeof(out), &v);
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jsonparser");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, complete_object);
    tcase_add_test(tc, truncated);
    tcase_add_test(tc, feed_after_error);
    tcase_add_test(tc, finish_without_data);
    tcase_add_test(tc, not_an_object);
    tcase_add_test(tc, done_refuses);
    tcase_add_test(tc, begin_again);
    tcase_add_test(tc, never_begun);
    tcase_add_test(tc, copy_label);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
