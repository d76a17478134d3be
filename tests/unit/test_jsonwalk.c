/* test_jsonwalk: paths, arrays, numbers, chunking, depth limit, bad input
 * and the dotted pattern matcher of the streaming JSON walker. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonwalk.h"
#include "unit.h"
#include "utf8.h"

/* Every event as one line: "{ a.b", "} a.b", "[ x", "] x", "a.b.0 = n:1.5". */
typedef struct logctx {
    buf log;
    int abort_at; /* abort on the n-th scalar (1-based), 0 = never */
    int scalars;
} logctx;

static void put_path(buf *b, const char *const *path, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        buf_printf(b, "%s%s", i ? "." : "", path[i]);
}

static int log_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    logctx *c = ctx;
    put_path(&c->log, path, depth);
    switch (v->kind) {
    case JSONWALK_NUMBER:
        buf_printf(&c->log, " = n:%.17g\n", v->num);
        break;
    case JSONWALK_STRING:
        buf_printf(&c->log, " = s:%.*s\n", (int)v->len, v->str);
        break;
    case JSONWALK_BOOL:
        buf_printf(&c->log, " = b:%g\n", v->num);
        break;
    case JSONWALK_NULL:
        buf_puts(&c->log, " = null\n");
        break;
    }
    return ++c->scalars == c->abort_at;
}

static int log_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    logctx *c = ctx;
    buf_puts(&c->log, is_array ? "[ " : "{ ");
    put_path(&c->log, path, depth);
    buf_putc(&c->log, '\n');
    return 0;
}

static int log_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    logctx *c = ctx;
    buf_puts(&c->log, is_array ? "] " : "} ");
    put_path(&c->log, path, depth);
    buf_putc(&c->log, '\n');
    return 0;
}

static const jsonwalk_callbacks log_cb = {log_scalar, log_enter, log_leave};

/* Walks doc in chunks of `chunk` bytes (0 = all at once); returns 0 or -1
 * and leaves the event log and error text in c / err. */
static int walk(const char *doc, size_t len, size_t chunk, logctx *c, char *err, size_t errlen)
{
    buf_init(&c->log);
    c->scalars = 0;
    jsonwalk *w = jsonwalk_new(&log_cb, c);
    ck_assert_ptr_nonnull(w);
    int rc = 0;
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = jsonwalk_feed(w, doc + off, len - off < chunk ? len - off : chunk);
    if (rc == 0)
        rc = jsonwalk_finish(w);
    snprintf(err, errlen, "%s", jsonwalk_error(w));
    jsonwalk_free(w);
    return rc;
}

static int walk_str(const char *doc, size_t chunk, logctx *c, char *err)
{
    return walk(doc, strlen(doc), chunk, c, err, 256);
}

START_TEST(test_paths_and_arrays)
{
    logctx c = {0};
    char err[256];
    const char *doc = "{\"a\":{\"b\":[1,{\"x\":true},[null,\"s\"]],\"c\":\"t\"},\"d\":[]}";
    ck_assert_int_eq(walk_str(doc, 0, &c, err), 0);
    ck_assert_str_eq(err, "");
    const char *want = "{ \n"
                       "{ a\n"
                       "[ a.b\n"
                       "a.b.0 = n:1\n"
                       "{ a.b.1\n"
                       "a.b.1.x = b:1\n"
                       "} a.b.1\n"
                       "[ a.b.2\n"
                       "a.b.2.0 = null\n"
                       "a.b.2.1 = s:s\n"
                       "] a.b.2\n"
                       "] a.b\n"
                       "a.c = s:t\n"
                       "} a\n"
                       "[ d\n"
                       "] d\n"
                       "} \n";
    ck_assert_str_eq(c.log.data, want);
    buf_free(&c.log);
}
END_TEST

START_TEST(test_root_scalar_and_array)
{
    logctx c = {0};
    char err[256];
    ck_assert_int_eq(walk_str("42", 1, &c, err), 0);
    ck_assert_str_eq(c.log.data, " = n:42\n");
    buf_free(&c.log);
    ck_assert_int_eq(walk_str("[\"x\",[7]]", 0, &c, err), 0);
    ck_assert_str_eq(c.log.data, "[ \n0 = s:x\n[ 1\n1.0 = n:7\n] 1\n] \n");
    buf_free(&c.log);
}
END_TEST

START_TEST(test_big_numbers)
{
    logctx c = {0};
    char err[256];
    const char *doc = "{\"heap\":15300820992,\"max\":9223372036854775807,\"big\":"
                      "18446744073709551616,\"neg\":-42,\"frac\":-1.5e-3,\"exp\":1E3,\"f\":0.25}";
    ck_assert_int_eq(walk_str(doc, 0, &c, err), 0);
    ck_assert_str_eq(c.log.data, "{ \n"
                                 "heap = n:15300820992\n"
                                 "max = n:9.2233720368547758e+18\n"
                                 "big = n:1.8446744073709552e+19\n"
                                 "neg = n:-42\n"
                                 "frac = n:-0.0015\n"
                                 "exp = n:1000\n"
                                 "f = n:0.25\n"
                                 "} \n");
    buf_free(&c.log);
}
END_TEST

/* The fast path either declines (-1) or gives strtod's double, bit for bit. */
static void number_like_strtod(const char *s)
{
    double fast, slow = strtod(s, NULL);
    if (jsonwalk_number(s, strlen(s), &fast) == 0)
        ck_assert_msg(memcmp(&fast, &slow, sizeof(fast)) == 0, "%s: %.17g, strtod %.17g", s, fast,
                      slow);
}

START_TEST(test_number_fast_path)
{
    static const struct {
        const char *s;
        int fast; /* 1: converted without strtod */
    } cases[] = {
        {"0", 1},
        {"-0", 1},
        {"42", 1},
        {"-1.5", 1},
        {"0.1", 1},
        {"15300820992", 1},
        {"9007199254740992", 1},          /* 2^53 */
        {"9007199254740993", 0},          /* not exact as a double */
        {"0.0000000000000000000001", 1},  /* 22 fraction digits */
        {"0.00000000000000000000001", 0}, /* 23 */
        {"123456789012345678", 0},
        {"1234567890123456789", 0},
        {"1e3", 0},
        {"1E3", 0},
        {"+1", 0},
        {" 1", 0},
        {"1.2.3", 0},
        {"", 0},
        {"-", 0},
        {".", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v;
        int rc = jsonwalk_number(cases[i].s, strlen(cases[i].s), &v);
        ck_assert_msg((rc == 0) == cases[i].fast, "%s: rc %d", cases[i].s, rc);
        number_like_strtod(cases[i].s);
    }
    /* random decimals of every digit count and scale, fast or not */
    unsigned long long x = 88172645463325252ull;
    for (int n = 0; n < 20000; n++) {
        char s[64], *p = s;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x & 1)
            *p++ = '-';
        int digits = 1 + (int)((x >> 1) % 19), point = (int)((x >> 8) % (digits + 1));
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                *p++ = '.';
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            *p++ = (char)('0' + x % 10);
        }
        *p = '\0';
        number_like_strtod(s);
    }
}
END_TEST

/* Indices past one digit, and numbers through both paths on a walk. */
START_TEST(test_array_indices_and_numbers)
{
    logctx c = {0};
    char err[256];
    const char *doc = "{\"a\":[0,1,2,3,4,5,6,7,8,9,10.5,-0.25,123456789012345678901,1e2]}";
    ck_assert_int_eq(walk_str(doc, 1, &c, err), 0);
    ck_assert_ptr_nonnull(strstr(c.log.data, "\na.9 = n:9\na.10 = n:10.5\na.11 = n:-0.25\n"
                                             "a.12 = n:1.2345678901234568e+20\na.13 = n:100\n"));
    buf_free(&c.log);
}
END_TEST

START_TEST(test_string_escapes)
{
    logctx c = {0};
    char err[256];
    ck_assert_int_eq(walk_str("{\"k\\\"ey\":\"a\\nb\\u00e9\"}", 1, &c, err), 0);
    ck_assert_str_eq(c.log.data, "{ \nk\"ey = s:a\nb\xc3\xa9\n} \n");
    buf_free(&c.log);
}
END_TEST

/* A document with long keys, deep nesting and numbers of every kind must give
 * the same events whatever the chunk size, including one byte at a time. */
START_TEST(test_chunked_feeding_identical)
{
    buf doc;
    buf_init(&doc);
    buf_puts(&doc, "{\"nodes\":{\"");
    for (int i = 0; i < 5000; i++) /* one key far longer than any chunk */
        buf_putc(&doc, (char)('a' + i % 26));
    buf_puts(&doc, "\":{\"jvm\":{\"buffer_pools\":{\"mapped\":{\"used_in_bytes\":6657199308,"
                   "\"count\":2140}},\"x\":[1.5,-2,true,false,null,\"s\\\"q\"]},"
                   "\"fs\":{\"data\":[{\"path\":\"/var/lib/es\",\"total\":1e12}]}}}}");
    logctx one = {0}, c = {0};
    char err[256];
    ck_assert_int_eq(walk(doc.data, doc.len, 0, &one, err, sizeof(err)), 0);
    size_t chunks[] = {1, 2, 3, 7, 64, 4096};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        ck_assert_int_eq(walk(doc.data, doc.len, chunks[i], &c, err, sizeof(err)), 0);
        ck_assert_str_eq(c.log.data, one.log.data);
        buf_free(&c.log);
    }
    ck_assert_ptr_nonnull(
        strstr(one.log.data, ".jvm.buffer_pools.mapped.used_in_bytes = n:6657199308\n"));
    ck_assert_ptr_nonnull(strstr(one.log.data, ".fs.data.0.total = n:1000000000000\n"));
    buf_free(&one.log);
    buf_free(&doc);
}
END_TEST

static void nested_arrays(buf *b, int n)
{
    buf_init(b);
    for (int i = 0; i < n; i++)
        buf_putc(b, '[');
    buf_putc(b, '1');
    for (int i = 0; i < n; i++)
        buf_putc(b, ']');
}

START_TEST(test_depth_limit)
{
    logctx c = {0};
    char err[256];
    buf doc;
    nested_arrays(&doc, JSONWALK_MAX_DEPTH);
    ck_assert_int_eq(walk(doc.data, doc.len, 0, &c, err, sizeof(err)), 0);
    buf_free(&c.log);
    buf_free(&doc);

    nested_arrays(&doc, JSONWALK_MAX_DEPTH + 1);
    ck_assert_int_eq(walk(doc.data, doc.len, 0, &c, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
    ck_assert_ptr_null(strstr(c.log.data, " = n:1")); /* never reached the value */
    buf_free(&c.log);
    buf_free(&doc);
}
END_TEST

START_TEST(test_truncated)
{
    const char *docs[] = {"{\"a\":[1,2",           "{\"a\":", "{\"a\":tru",
                          "{\"a\":\"unterminated", "12.",     "{\"a\":1}   {"};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            logctx c = {0};
            char err[256];
            ck_assert_int_eq(walk_str(docs[i], chunk, &c, err), -1);
            ck_assert_msg(err[0] != '\0', "no error for %s", docs[i]);
            ck_assert_ptr_null(strchr(err, '\n'));
            buf_free(&c.log);
        }
    }
    logctx c = {0};
    char err[256];
    ck_assert_int_eq(walk_str("{\"a\":[1,2", 0, &c, err), -1);
    ck_assert_str_eq(err, "document incomplete");
    buf_free(&c.log);
    ck_assert_int_eq(walk_str("", 0, &c, err), -1);
    ck_assert_str_eq(err, "empty document");
    buf_free(&c.log);
}
END_TEST

START_TEST(test_garbage)
{
    const char *docs[] = {"<html><body>502 Bad Gateway</body></html>",
                          "{\"a\" 1}",
                          "{a:1}",
                          "[1,]",
                          "{\"a\":1}{\"b\":2}",
                          "\x01\x02",
                          "{\"a\":01}",
                          "nul"};
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        logctx c = {0};
        char err[256];
        ck_assert_msg(walk_str(docs[i], 0, &c, err) == -1, "accepted %s", docs[i]);
        ck_assert_msg(err[0] != '\0', "no error for %s", docs[i]);
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_assert_int_ne(err[strlen(err) - 1], ' ');
        buf_free(&c.log);
    }
}
END_TEST

START_TEST(test_error_is_sticky)
{
    logctx c = {0};
    buf_init(&c.log);
    jsonwalk *w = jsonwalk_new(&log_cb, &c);
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\" x", 6), -1);
    const char *first = jsonwalk_error(w);
    ck_assert_ptr_nonnull(strstr(first, "error"));
    ck_assert_int_eq(jsonwalk_feed(w, "}", 1), -1);
    ck_assert_int_eq(jsonwalk_finish(w), -1);
    jsonwalk_free(w);
    buf_free(&c.log);

    /* nothing may follow a finished document */
    buf_init(&c.log);
    w = jsonwalk_new(&log_cb, &c);
    ck_assert_int_eq(jsonwalk_feed(w, "{}", 2), 0);
    ck_assert_int_eq(jsonwalk_finish(w), 0);
    ck_assert_int_eq(jsonwalk_feed(w, "{}", 2), -1);
    jsonwalk_free(w);
    buf_free(&c.log);
}
END_TEST

START_TEST(test_callback_abort)
{
    logctx c = {0};
    char err[256];
    c.abort_at = 2;
    ck_assert_int_eq(walk_str("{\"a\":1,\"b\":2,\"c\":3}", 0, &c, err), -1);
    ck_assert_str_eq(err, "aborted by callback");
    ck_assert_ptr_null(strstr(c.log.data, "c = ")); /* stopped right there */
    buf_free(&c.log);
}
END_TEST

START_TEST(test_null_callbacks)
{
    jsonwalk *w = jsonwalk_new(NULL, NULL);
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\":[1,{\"b\":null}]}", 20), 0);
    ck_assert_int_eq(jsonwalk_finish(w), 0);
    ck_assert_str_eq(jsonwalk_error(w), "");
    jsonwalk_free(w);
    jsonwalk_free(NULL);
}
END_TEST

START_TEST(test_match_table)
{
    static const struct {
        const char *pattern;
        const char *path[6];
        size_t from;
        int match;
        const char *cap0, *cap1;
    } rows[] = {
        {"jvm.buffer_pools.*.used_in_bytes",
         {"jvm", "buffer_pools", "mapped", "used_in_bytes"},
         0,
         1,
         "mapped",
         NULL},
        {"jvm.buffer_pools.*.used_in_bytes",
         {"jvm", "buffer_pools", "mapped - 'non-volatile memory'", "used_in_bytes"},
         0,
         1,
         "mapped - 'non-volatile memory'",
         NULL},
        {"jvm.buffer_pools.*.used_in_bytes",
         {"jvm", "buffer_pools", "mapped", "count"},
         0,
         0,
         NULL,
         NULL},
        {"jvm.buffer_pools.*.used_in_bytes", {"jvm", "buffer_pools", "mapped"}, 0, 0, NULL, NULL},
        {"jvm.buffer_pools.*",
         {"jvm", "buffer_pools", "mapped", "used_in_bytes"},
         0,
         0,
         NULL,
         NULL},
        {"*.*", {"a", "b"}, 0, 1, "a", "b"},
        {"indices.docs.count", {"nodes", "id1", "indices", "docs", "count"}, 2, 1, NULL, NULL},
        {"indices.docs.count", {"nodes", "id1", "indices", "docs", "count"}, 0, 0, NULL, NULL},
        {"indices.docs.count", {"indices", "docs", "countx"}, 0, 0, NULL, NULL},
        {"indices.docs.count", {"indices", "docs", "coun"}, 0, 0, NULL, NULL},
        {"indices.doc.count", {"indices", "docs", "count"}, 0, 0, NULL, NULL},
        {"fs.data.*.path", {"fs", "data", "0", "path"}, 0, 1, "0", NULL},
        {"*", {"ml.machine_memory"}, 0, 1, "ml.machine_memory", NULL},
        {"", {NULL}, 0, 1, NULL, NULL},
        {"a", {NULL}, 0, 0, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t depth = 0;
        while (depth < 6 && rows[i].path[depth])
            depth++;
        const char *caps[2] = {NULL, NULL};
        int m = jsonwalk_match(rows[i].pattern, rows[i].path, rows[i].from, depth, caps, 2);
        ck_assert_msg(m == rows[i].match, "row %zu (%s): got %d", i, rows[i].pattern, m);
        if (m && rows[i].cap0)
            ck_assert_str_eq(caps[0], rows[i].cap0);
        if (m && rows[i].cap1)
            ck_assert_str_eq(caps[1], rows[i].cap1);
    }
    /* captures beyond maxcap are matched but not stored */
    const char *path[] = {"a", "b", "c"};
    const char *caps[1] = {NULL};
    ck_assert_int_eq(jsonwalk_match("*.*.*", path, 0, 3, caps, 1), 1);
    ck_assert_str_eq(caps[0], "a");
    ck_assert_int_eq(jsonwalk_match("*.*.*", path, 0, 3, NULL, 0), 1);
}
END_TEST

/* The walker's own paths feed jsonwalk_match directly. */
typedef struct matchctx {
    int hits;
    char cap[64];
} matchctx;

static int match_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    matchctx *m = ctx;
    const char *cap = NULL;
    if (v->kind == JSONWALK_NUMBER &&
        jsonwalk_match("thread_pool.*.rejected", path, 2, depth, &cap, 1)) {
        m->hits++;
        snprintf(m->cap, sizeof(m->cap), "%s", cap);
    }
    return 0;
}

START_TEST(test_match_on_walk)
{
    matchctx m = {0};
    jsonwalk_callbacks cb = {match_scalar, NULL, NULL};
    jsonwalk *w = jsonwalk_new(&cb, &m);
    const char *doc =
        "{\"nodes\":{\"n1\":{\"thread_pool\":{\"write\":{\"queue\":0,\"rejected\":7}},"
        "\"rejected\":1}}}";
    ck_assert_int_eq(jsonwalk_feed(w, doc, strlen(doc)), 0);
    ck_assert_int_eq(jsonwalk_finish(w), 0);
    ck_assert_int_eq(m.hits, 1);
    ck_assert_str_eq(m.cap, "write");
    jsonwalk_free(w);
}
END_TEST

/* A callback that fails without aborting still fails the walk; the first
 * message wins, the label prefixes it, and every later call fails. */
static int fail_on_b(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    (void)v;
    if (depth == 1 && strcmp(path[0], "b") == 0)
        jsonwalk_fail(*(jsonwalk **)ctx, "b is not allowed");
    return 0;
}

START_TEST(test_fail_is_sticky_and_labelled)
{
    jsonwalk *w = NULL;
    jsonwalk_callbacks cb = {fail_on_b, NULL, NULL};
    w = jsonwalk_new(&cb, &w);
    jsonwalk_set_label(w, "demo");
    ck_assert_int_eq(jsonwalk_failed(w), 0);
    ck_assert_str_eq(jsonwalk_error(w), "");
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\":1,\"b\":2", 14), -1);
    ck_assert_int_eq(jsonwalk_failed(w), 1);
    ck_assert_str_eq(jsonwalk_error(w), "demo: b is not allowed");
    ck_assert_int_eq(jsonwalk_fail(w, "second"), -1);
    ck_assert_str_eq(jsonwalk_error(w), "demo: b is not allowed");
    ck_assert_int_eq(jsonwalk_feed(w, "}", 1), -1);
    ck_assert_int_eq(jsonwalk_finish(w), -1);
    jsonwalk_free(w);

    jsonwalk_callbacks none = {NULL, NULL, NULL};
    w = jsonwalk_new(&none, NULL);
    jsonwalk_set_label(w, "demo");
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\":]", 7), -1);
    ck_assert_msg(strncmp(jsonwalk_error(w), "demo: ", 6) == 0, "%s", jsonwalk_error(w));
    ck_assert_ptr_null(strchr(jsonwalk_error(w), '\n'));
    jsonwalk_free(w);
}
END_TEST

/* ---- invalid UTF-8: repaired, counted, never fatal ---- */

#define FFFD "\xef\xbf\xbd"
static const struct {
    const char *in, *out; /* the string's bytes, and what the callback sees */
} utf8_cases[] = {
    {"plain", "plain"},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"es-\xff-1", "es-" FFFD "-1"},
    {"end\xc3", "end" FFFD},                   /* cut short by the quote */
    {"\xc3\x28", FFFD "("},                    /* a lead without its continuation */
    {"\xe2\x82x", FFFD "x"},                   /* one U+FFFD per maximal subpart */
    {"\xc0\xaf", FFFD FFFD},                   /* overlong */
    {"\xed\xa0\x80", FFFD FFFD FFFD},          /* a surrogate */
    {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD}, /* above U+10FFFF */
    {"\x80\x80", FFFD FFFD},                   /* lone continuations */
    {"\xf0\x9f\x98", FFFD},                    /* a 4-byte sequence missing its end */
    /* around the 8-byte ASCII fast path: bad bytes at, before and past a word's end */
    {"abcdefgh\xff", "abcdefgh" FFFD},
    {"abcdefg\xffxyzabcdefgh", "abcdefg" FFFD "xyzabcdefgh"},
    {"abcdefghijklmno\xc3\xa9-\xff", "abcdefghijklmno\xc3\xa9-" FFFD},
    {"abcdefghijklmnopqrstuvwxyz\xe2\x82\xac", "abcdefghijklmnopqrstuvwxyz\xe2\x82\xac"},
};

/* Each case as a value and as a key, whole and byte by byte: the document
 * parses, the text is the repaired one, each bad string counts once. */
START_TEST(test_invalid_utf8_repaired)
{
    const char *in = utf8_cases[_i].in, *out = utf8_cases[_i].out;
    int bad = strcmp(in, out) != 0;
    char doc[256], want[512];
    snprintf(doc, sizeof(doc), "{\"%s\":\"%s\"}", in, in);
    snprintf(want, sizeof(want), "{ \n%s = s:%s\n} \n", out, out);
    size_t chunks[] = {0, 1};
    for (size_t k = 0; k < 2; k++) {
        logctx c = {0};
        buf_init(&c.log);
        jsonwalk *w = jsonwalk_new(&log_cb, &c);
        unsigned long long total = utf8_repaired_total();
        size_t len = strlen(doc), step = chunks[k] ? chunks[k] : len;
        int rc = 0;
        for (size_t off = 0; off < len && rc == 0; off += step)
            rc = jsonwalk_feed(w, doc + off, len - off < step ? len - off : step);
        ck_assert_msg(rc == 0 && jsonwalk_finish(w) == 0, "%s", jsonwalk_error(w));
        ck_assert_str_eq(c.log.data, want);
        ck_assert_uint_eq(jsonwalk_invalid_utf8(w), bad ? 2 : 0);
        ck_assert_uint_eq(utf8_repaired_total() - total, bad ? 2 : 0);
        jsonwalk_free(w);
        buf_free(&c.log);
    }
}
END_TEST

/* Deeper keys keep their own repaired copy: the scratch buffer of the next
 * string must not change a path segment already stored. */
START_TEST(test_invalid_utf8_in_path)
{
    logctx c = {0};
    char err[256];
    ck_assert_int_eq(walk_str("{\"nodes\":{\"n\xff\":{\"name\":\"a\xfe\",\"v\":1}}}", 0, &c, err),
                     0);
    ck_assert_ptr_nonnull(strstr(c.log.data, "nodes.n" FFFD ".name = s:a" FFFD "\n"));
    ck_assert_ptr_nonnull(strstr(c.log.data, "nodes.n" FFFD ".v = n:1\n"));
    buf_free(&c.log);
}
END_TEST

/* ---- one huge token: linear work ---- */

/* Bytes jsonwalk lexed for a document holding one string of n bytes, fed in
 * chunks of `chunk`. */
static unsigned long long lexed_for_string(size_t n, size_t chunk)
{
    static const jsonwalk_callbacks none = {NULL, NULL, NULL};
    jsonwalk *w = jsonwalk_new(&none, NULL);
    char *block = malloc(chunk);
    memset(block, 'x', chunk);
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\":\"", 6), 0);
    for (size_t left = n; left > 0;) {
        size_t k = left < chunk ? left : chunk;
        ck_assert_int_eq(jsonwalk_feed(w, block, k), 0);
        left -= k;
    }
    ck_assert_int_eq(jsonwalk_feed(w, "\"}", 2), 0);
    ck_assert_msg(jsonwalk_finish(w) == 0, "%s", jsonwalk_error(w));
    unsigned long long lexed = jsonwalk_lexed_bytes(w);
    jsonwalk_free(w);
    free(block);
    return lexed;
}

/* yajl re-lexed a token split across feeds from its start on every feed:
 * fed as it came (16 KB from curl), a 70 MB string cost 70e6^2/32e3 bytes
 * of lexing. A token cut by a feed's end is now carried over, so the work
 * stays within a constant factor of the size whatever the chunk: a
 * structural bound, no clock involved. */
START_TEST(test_long_string_linear)
{
    size_t sizes[] = {2u << 20, 20u << 20};
    size_t chunks[] = {1024, 16384};
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < 2; k++) {
            unsigned long long lexed = lexed_for_string(sizes[i], chunks[k]);
            ck_assert_msg(lexed <= 3ull * sizes[i] + 64, "%zu bytes in %zu-byte chunks: %llu lexed",
                          sizes[i], chunks[k], lexed);
            ck_assert_uint_ge(lexed, sizes[i]);
        }
}
END_TEST

/* Ordinary documents are not held back: each feed reaches the callbacks
 * before it returns (parsers and their size checks see data as it comes). */
START_TEST(test_small_tokens_not_held_back)
{
    static const char *const parts[] = {"{\"a\":1,", "\"b\":\"xy\",", "\"c\":[true]}"};
    static const char *const seen[] = {"a = n:1\n", "b = s:xy\n", "c.0 = b:1\n"};
    logctx c = {0};
    buf_init(&c.log);
    jsonwalk *w = jsonwalk_new(&log_cb, &c);
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(jsonwalk_feed(w, parts[i], strlen(parts[i])), 0);
        ck_assert_msg(strstr(c.log.data, seen[i]), "after feed %zu: %s", i, c.log.data);
        total += strlen(parts[i]);
    }
    ck_assert_int_eq(jsonwalk_finish(w), 0);
    ck_assert_uint_eq(jsonwalk_lexed_bytes(w), total);
    jsonwalk_free(w);
    buf_free(&c.log);
}
END_TEST

/* A syntax error in held-back input still fails, at the latest in finish. */
START_TEST(test_error_in_held_back_input)
{
    jsonwalk *w = jsonwalk_new(NULL, NULL);
    ck_assert_int_eq(jsonwalk_feed(w, "{\"a\":\"xxxxxxxx", 14), 0);
    ck_assert_int_eq(jsonwalk_feed(w, "xxxx", 4), 0); /* held back */
    ck_assert_int_eq(jsonwalk_feed(w, "\"x}", 3) == 0 ? jsonwalk_finish(w) : -1, -1);
    ck_assert_str_ne(jsonwalk_error(w), "");
    jsonwalk_free(w);
}
END_TEST

/* One bad byte at every position of strings of 1 to 20 bytes, as a key and
 * as a value: the ASCII test loads overlapping words, each must see it. */
START_TEST(test_invalid_byte_at_every_position)
{
    for (size_t n = 1; n <= 20; n++) {
        for (size_t at = 0; at <= n; at++) { /* at == n: all ASCII */
            char str[32], doc[96], want[128];
            memset(str, 'a', n);
            str[n] = '\0';
            if (at < n)
                str[at] = '\xff';
            snprintf(doc, sizeof(doc), "{\"%s\":\"%s\"}", str, str);
            logctx c = {0};
            buf_init(&c.log);
            jsonwalk *w = jsonwalk_new(&log_cb, &c);
            ck_assert_int_eq(jsonwalk_feed(w, doc, strlen(doc)), 0);
            ck_assert_int_eq(jsonwalk_finish(w), 0);
            ck_assert_uint_eq(jsonwalk_invalid_utf8(w), at < n ? 2 : 0);
            char fixed[40];
            snprintf(fixed, sizeof(fixed), "%.*s%s%s", (int)at, str, at < n ? FFFD : "",
                     at < n ? str + at + 1 : "");
            snprintf(want, sizeof(want), "{ \n%s = s:%s\n} \n", fixed, fixed);
            ck_assert_str_eq(c.log.data, want);
            jsonwalk_free(w);
            buf_free(&c.log);
        }
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jsonwalk");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paths_and_arrays);
    tcase_add_test(tc, test_root_scalar_and_array);
    tcase_add_test(tc, test_big_numbers);
    tcase_add_test(tc, test_string_escapes);
    tcase_add_test(tc, test_number_fast_path);
    tcase_add_test(tc, test_array_indices_and_numbers);
    tcase_add_test(tc, test_chunked_feeding_identical);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_error_is_sticky);
    tcase_add_test(tc, test_callback_abort);
    tcase_add_test(tc, test_null_callbacks);
    tcase_add_test(tc, test_match_table);
    tcase_add_test(tc, test_match_on_walk);
    tcase_add_test(tc, test_fail_is_sticky_and_labelled);
    tcase_add_loop_test(tc, test_invalid_utf8_repaired, 0,
                        (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
    tcase_add_test(tc, test_invalid_utf8_in_path);
    tcase_add_test(tc, test_invalid_byte_at_every_position);
    tcase_add_test(tc, test_long_string_linear);
    tcase_add_test(tc, test_small_tokens_not_held_back);
    tcase_add_test(tc, test_error_in_held_back_input);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
