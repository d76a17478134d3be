/* test_jsonwalk_diff: jsonwalk against the yajl walker it replaced
 * (jsonwalk_ref.h) on every JSON fixture, on mutants of them (truncations,
 * byte flips, insertions), on generated documents (deep nesting, escapes,
 * surrogates, invalid UTF-8, big numbers, exponents) and on hand-picked
 * corner cases, each fed in random splits of 1..N bytes: the same verdict,
 * the same events with the same paths and values, the same repairs. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "jsonwalk.h"
#include "jsonwalk_ref.h"
#include "unit.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t below(size_t n)
{
    return n ? (size_t)(next() % n) : 0;
}

static size_t runs; /* documents-times-splits compared, for the log */

/* One document with one split through both walkers; abort_at as in jwref_trace. */
static void compare_cuts(const char *what, const char *doc, size_t len, const size_t *cuts,
                         size_t ncuts, size_t abort_at)
{
    jwref_trace now, ref;
    jwref_trace_init(&now, abort_at);
    jwref_trace_init(&ref, abort_at);
    jwref_run(0, doc, len, cuts, ncuts, &now);
    jwref_run(1, doc, len, cuts, ncuts, &ref);
    const char *diff = jwref_compare(&now, &ref);
    if (diff) {
        size_t at = 0; /* the first differing event line, to say where */
        while (at < now.events.len && at < ref.events.len &&
               now.events.data[at] == ref.events.data[at])
            at++;
        ck_abort_msg("%s (%zu bytes, %zu feeds, abort at %zu): %s; jsonwalk '%s', yajl '%s'; "
                     "events differ from byte %zu: '%.60s' vs '%.60s'",
                     what, len, ncuts + 1, abort_at, diff, now.err, ref.err, at,
                     now.events.data ? now.events.data + at : "",
                     ref.events.data ? ref.events.data + at : "");
    }
    runs++;
    buf_free(&now.events);
    buf_free(&ref.events);
}

/* Feeds of 1..maxfeed bytes (0: the whole document at once). */
static void compare_split(const char *what, const char *doc, size_t len, size_t maxfeed,
                          size_t abort_at)
{
    size_t cap = maxfeed ? len + 1 : 1, n = 0;
    size_t *cuts = malloc(cap * sizeof(*cuts));
    ck_assert_ptr_nonnull(cuts);
    for (size_t at = 0; maxfeed && (at += 1 + below(maxfeed)) < len;)
        cuts[n++] = at;
    compare_cuts(what, doc, len, cuts, n, abort_at);
    free(cuts);
}

/* Whole, byte by byte when small, and in three random splits. */
static void compare_all(const char *what, const char *doc, size_t len)
{
    static const size_t maxfeeds[] = {2, 7, 64, 1000, 16384};
    compare_split(what, doc, len, 0, 0);
    if (len <= 4096)
        compare_split(what, doc, len, 1, 0);
    for (int i = 0; i < 3; i++)
        compare_split(what, doc, len, maxfeeds[below(5)], 0);
    compare_split(what, doc, len, maxfeeds[below(5)], 1 + below(64)); /* a callback aborts */
}

static void compare_str(const char *doc)
{
    size_t len = strlen(doc);
    compare_all(doc, doc, len);
    for (size_t cut = 1; cut < len; cut++) /* every single cut point */
        compare_cuts(doc, doc, len, &cut, 1, 0);
}

/* ---- mutants ---- */

static const char interesting[] = "\"\\{}[],:0-+.eE ut\x00\x01\x7f\x80\xbf\xc3\xed\xff\n\v\f";

/* A copy of doc with one mutation: cut short, a byte replaced, or bytes put in. */
static char *mutate(const char *doc, size_t len, size_t *outlen)
{
    char *m = malloc(len + 16);
    ck_assert_ptr_nonnull(m);
    memcpy(m, doc, len);
    size_t at = below(len + 1);
    switch (below(4)) {
    case 0: /* truncation */
        *outlen = at;
        return m;
    case 1: /* the end cut and a stray byte after it */
        m[at] = interesting[below(sizeof(interesting) - 1)];
        *outlen = at + 1;
        return m;
    case 2: /* a byte replaced */
        if (at < len)
            m[at] = below(3) ? interesting[below(sizeof(interesting) - 1)] : (char)next();
        *outlen = len;
        return m;
    default: { /* a snippet put in */
        static const char *const snippets[] = {"\\u", "\\uD800", "\\uDC00", "1e", "-",   "0",
                                               "\"",  "{",       "[",       ",",  "tru", "\xc3"};
        const char *s = snippets[below(sizeof(snippets) / sizeof(snippets[0]))];
        size_t n = strlen(s);
        memmove(m + at + n, m + at, len - at);
        memcpy(m + at, s, n);
        *outlen = len + n;
        return m;
    }
    }
}

static void compare_mutants(const char *what, const char *doc, size_t len, int count)
{
    static const size_t maxfeeds[] = {0, 1, 3, 64, 4096};
    for (int i = 0; i < count; i++) {
        size_t n;
        char *m = mutate(doc, len, &n);
        size_t maxfeed = maxfeeds[below(5)];
        compare_split(what, m, n, maxfeed == 1 && n > 4096 ? 2 : maxfeed, 0);
        free(m);
    }
}

/* ---- the fixtures ---- */

static size_t fixtures;

static void walk_dir(const char *rel)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", unit_src(rel));
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", rel);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096], path[8192];
        snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk_dir(sub);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        size_t len;
        char *body = unit_slurp(path, &len);
        ck_assert_ptr_nonnull(body);
        compare_all(sub, body, len);
        compare_mutants(sub, body, len, len > 200000 ? 4 : 24);
        free(body);
        fixtures++;
    }
    closedir(d);
}

START_TEST(test_fixtures)
{
    walk_dir("tests/fixtures");
    fprintf(stderr, "test_jsonwalk_diff: %zu fixtures, %zu walks compared\n", fixtures, runs);
    ck_assert_uint_ge(fixtures, 200);
}
END_TEST

/* ---- corner cases ---- */

START_TEST(test_corner_cases)
{
    static const char *const docs[] = {
        /* numbers as yajl's lexer reads them */
        "0", "-0", "1", "-", "--1", "01", "-01", "00", "1.", "1.5", ".5", "1.5.3", "1e", "1e+",
        "1e-", "1e5", "1E+05", "1e-5", "1e5e", "1e5.", "0e0", "-0.0e-0", "1x", "0x1", "+1", "[1,2]",
        "[01]", "[1-2]", "[1+2]", "[1.e3]", "[1e3.5]", "[-]", "[-a]", "[0.]", "[1 2]",
        "123456789012345", "1234567890123456", "12345678901234567890123", "9007199254740993",
        "-9007199254740993", "1e400", "-1e400", "1e-400", "4.9e-324", "0.1", "123.456e-7",
        "[0,-0,0.0,1E2,1e+2,2.5E-3,18446744073709551616,-9223372036854775809]",
        /* literals */
        "true", "false", "null", "tru", "nul", "truex", "[true1]", "[nulll]", "[t]", "[True]",
        "[falsefalse]", "[true,false,null]",
        /* strings and escapes */
        "\"\"", "\"abc\"", "\"a\\\"b\"", "\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\x\"", "\"\\u\"",
        "\"\\u12\"", "\"\\u12g4\"", "\"\\u0041\\u00e9\\u20ac\"", "\"\\u0000\"", "\"a\\u0000b\"",
        "{\"\\u0000k\":1}", "\"\\uD83D\\uDE00\"", "\"\\uD800\"", "\"\\uD800x\"", "\"\\uD800\\n\"",
        "\"\\uD800\\u0041\"", "\"\\uDC00\"", "\"\\uDBFF\\uDFFF\"", "\"\\uD800\\uD800\\uDC00\"",
        "\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"a\tb\"", "\"\xc3\xa9\"", "\"\xff\"",
        "\"\xed\xa0\x80\"", "\"\xc3\"", "{\"\xff\":\"\xfe\"}", "\"abc", "\"\\", "\"\\u00",
        /* structure */
        "{}", "[]", "{", "[", "}", "]", "[}", "{]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}",
        "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{1:2}", "{\"a\":1 \"b\":2}", "[[[]]]", "[[],[{}]]",
        "{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":[]}", "{\"a\":1,\"a\":2}", "[\"a\",[\"b\"]]",
        /* blanks and what may follow the top value */
        "", " ", "\t\n\v\f\r ", " {} ", "{}\v", "{}\f\r\n", "{}x", "{}{}", "{} []", "1 2", "{}\"",
        "{}\"abc", "[]\"abc\\", "[]\"a\\u12", "[]\"a\\u1234", "{}\"a\x01", "{} \"a\"", "0\"abc",
        "true\"", "{}/", "{}//c", "/*c*/{}", "{}\x00", "\x00{}", "\xef\xbb\xbf{}", "{}tru", "{}1",
        "{}-", "\"a\"\"b\"", NULL};
    for (size_t i = 0; docs[i]; i++)
        compare_str(docs[i]);
}
END_TEST

/* ---- generated documents ---- */

static void gen_string(buf *b)
{
    static const char *const parts[] = {"a",
                                        "key",
                                        "\\n",
                                        "\\\"",
                                        "\\\\",
                                        "\\/",
                                        "\\u0041",
                                        "\\u00e9",
                                        "\\u0000",
                                        "\\uD83D\\uDE00",
                                        "\\uD800",
                                        "\\uDC00x",
                                        "\xc3\xa9",
                                        "\xff",
                                        "\xe2\x82",
                                        "\xed\xa0\x80",
                                        "\xf0\x9f\x98\x80",
                                        "0",
                                        ".",
                                        " ",
                                        "\\t"};
    buf_putc(b, '"');
    for (size_t n = below(6); n > 0; n--)
        buf_puts(b, parts[below(sizeof(parts) / sizeof(parts[0]))]);
    buf_putc(b, '"');
}

static void gen_number(buf *b)
{
    static const char *const nums[] = {"0",
                                       "-0",
                                       "7",
                                       "-12",
                                       "3.25",
                                       "1e3",
                                       "1E-7",
                                       "2.5e+300",
                                       "1e999",
                                       "123456789012345678901234567890",
                                       "0.1",
                                       "-0.000001",
                                       "9007199254740993",
                                       "4.9e-324"};
    buf_puts(b, nums[below(sizeof(nums) / sizeof(nums[0]))]);
}

static void gen_blank(buf *b)
{
    static const char *const blanks[] = {"", "", "", " ", "\n  ", "\t", "\r\n", "\v", "\f"};
    buf_puts(b, blanks[below(sizeof(blanks) / sizeof(blanks[0]))]);
}

static void gen_value(buf *b, int depth)
{
    size_t kind = depth > 70 ? 3 + below(4) : below(depth < 3 ? 3 : 8);
    gen_blank(b);
    if (kind <= 1) {
        int arr = kind == 1;
        buf_putc(b, arr ? '[' : '{');
        for (size_t n = below(depth > 20 ? 2 : 5), i = 0; i < n; i++) {
            if (i)
                buf_putc(b, ',');
            if (!arr) {
                gen_blank(b);
                gen_string(b);
                gen_blank(b);
                buf_putc(b, ':');
            }
            gen_value(b, depth + 1);
        }
        gen_blank(b);
        buf_putc(b, arr ? ']' : '}');
    } else if (kind == 2) {
        /* a chain deep enough to reach the depth limit, sometimes */
        size_t n = 50 + below(20);
        for (size_t i = 0; i < n; i++)
            buf_puts(b, i % 2 ? "{\"k\":" : "[");
        gen_value(b, depth + (int)n);
        for (size_t i = n; i-- > 0;)
            buf_puts(b, i % 2 ? "}" : "]");
    } else if (kind == 3 || kind == 4) {
        gen_string(b);
    } else if (kind == 5) {
        gen_number(b);
    } else {
        static const char *const lits[] = {"true", "false", "null"};
        buf_puts(b, lits[below(3)]);
    }
    gen_blank(b);
}

START_TEST(test_generated)
{
    for (int i = 0; i < 3000; i++) {
        buf b;
        buf_init(&b);
        gen_value(&b, 0);
        ck_assert(!b.failed);
        char what[64];
        snprintf(what, sizeof(what), "generated document %d", i);
        compare_all(what, b.data, b.len);
        compare_mutants(what, b.data, b.len, 4);
        buf_free(&b);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jsonwalk_diff");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_corner_cases);
    tcase_add_test(tc, test_generated);
    tcase_add_test(tc, test_fixtures);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
