/* test_exposition: golden-file tests for both exposition formats, plus table tests for value
 * formatting and Accept negotiation. The golden files are the hand-written spec. */
#include "exposition.h"
#include "unit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const metric_def heap_def = {
    "demo_heap_used_bytes", METRIC_GAUGE, "Heap in use, per node.", {"cluster", "node", NULL}};
static const metric_def requests_def = {
    "demo_requests_total",
    METRIC_COUNTER,
    "Requests served.\nSecond line: a backslash \\ and \"quotes\".",
    {"method", NULL}};
static const metric_def empty_def = {
    "demo_empty_bytes", METRIC_GAUGE, "Never gets a sample.", {"x", NULL}};
static const metric_def ratio_def = {
    "demo_value_ratio", METRIC_GAUGE, "Values that need care when formatted.", {"case", NULL}};
static const metric_def uptime_def = {
    "demo_uptime_seconds", METRIC_UNTYPED, "Seconds since start, untyped on purpose.", {NULL}};
static const metric_def restarts_def = {
    "demo_restarts_total", METRIC_COUNTER, "Restarts, a family without labels.", {NULL}};

static void add1(metric_set *s, const metric_def *d, const char *v1, double v)
{
    const char *vals[] = {v1};
    ck_assert_int_eq(metric_set_add(s, d, vals, v), 0);
}

static void add2(metric_set *s, const metric_def *d, const char *v1, const char *v2, double v)
{
    const char *vals[] = {v1, v2};
    ck_assert_int_eq(metric_set_add(s, d, vals, v), 0);
}

/* The set behind tests/golden/basic.{prom,om}. */
static metric_set *basic_set(void)
{
    metric_set *s = metric_set_new();
    ck_assert_ptr_nonnull(s);
    add2(s, &heap_def, "prod", "es-1", 15300820992.0);
    add2(s, &heap_def, "prod", "quote\"back\\slash\nnewline", 0);
    add2(s, &heap_def, "z\xc3\xbcrich", "", -1);
    add1(s, &requests_def, "GET", 9007199254740992.0);
    add1(s, &requests_def, "POST", 9007199254740994.0);
    add1(s, &requests_def, "PUT", 0);
    /* A labelled def without values is refused and leaves no family behind. */
    ck_assert_int_eq(metric_set_add(s, &empty_def, NULL, 1), -1);
    ck_assert_ptr_null(metric_set_find(s, "demo_empty_bytes"));
    add1(s, &ratio_def, "nan", NAN);
    add1(s, &ratio_def, "pos_inf", INFINITY);
    add1(s, &ratio_def, "neg_inf", -INFINITY);
    add1(s, &ratio_def, "max", 1.7976931348623157e308);
    add1(s, &ratio_def, "denormal", 4.9406564584124654e-324);
    add1(s, &ratio_def, "tiny", 1e-9);
    add1(s, &ratio_def, "big_integral", 1e20);
    add1(s, &ratio_def, "tenth", 0.1);
    add1(s, &ratio_def, "third", 1.0 / 3.0);
    add1(s, &ratio_def, "negative_half", -0.5);
    add1(s, &ratio_def, "negative_one", -1);
    add1(s, &ratio_def, "negative_zero", -0.0);
    add1(s, &ratio_def, "min_exact", -9007199254740992.0);
    ck_assert_int_eq(metric_set_add(s, &uptime_def, NULL, 12345.5), 0);
    ck_assert_int_eq(metric_set_add(s, &restarts_def, NULL, 3), 0);
    return s;
}

static void check_golden(exposition_format fmt, const char *rel)
{
    size_t want_len;
    char *want = unit_slurp(unit_src(rel), &want_len);
    ck_assert_msg(want != NULL, "cannot read %s (ESVIGIL_SRCDIR set?)", rel);
    metric_set *s = basic_set();
    buf out;
    buf_init(&out);
    ck_assert_int_eq(exposition_render(s, fmt, &out), 0);
    ck_assert_uint_eq(out.len, want_len);
    ck_assert_int_eq(memcmp(out.data, want, want_len), 0);
    buf_free(&out);
    metric_set_free(s);
    free(want);
}

START_TEST(test_golden_text)
{
    check_golden(EXPOSITION_TEXT, "tests/golden/basic.prom");
}
END_TEST

START_TEST(test_golden_openmetrics)
{
    check_golden(EXPOSITION_OPENMETRICS, "tests/golden/basic.om");
}
END_TEST

static char *render(const metric_set *s, exposition_format fmt)
{
    buf out;
    buf_init(&out);
    ck_assert_int_eq(exposition_render(s, fmt, &out), 0);
    return buf_steal(&out, NULL);
}

START_TEST(test_empty_set)
{
    metric_set *s = metric_set_new();
    char *text = render(s, EXPOSITION_TEXT), *om = render(s, EXPOSITION_OPENMETRICS);
    ck_assert_str_eq(text, "");
    ck_assert_str_eq(om, "# EOF\n");
    free(text);
    free(om);
    metric_set_free(s);
}
END_TEST

/* A counter whose def lacks _total (reference names such as elasticsearch_breakers_tripped)
 * keeps its name in both formats: OpenMetrics would store "<name>_total" in Prometheus and
 * blank every dashboard and rule on the name, so it is typed unknown there. */
START_TEST(test_counter_without_total_suffix)
{
    static const metric_def d = {"demo_errors", METRIC_COUNTER, "Errors.", {"kind", NULL}};
    metric_set *s = metric_set_new();
    add1(s, &d, "io", 2);
    char *text = render(s, EXPOSITION_TEXT), *om = render(s, EXPOSITION_OPENMETRICS);
    ck_assert_str_eq(text, "# HELP demo_errors Errors.\n"
                           "# TYPE demo_errors counter\n"
                           "demo_errors{kind=\"io\"} 2\n");
    ck_assert_str_eq(om, "# TYPE demo_errors unknown\n"
                         "# HELP demo_errors Errors.\n"
                         "demo_errors{kind=\"io\"} 2\n"
                         "# EOF\n");
    free(text);
    free(om);
    metric_set_free(s);
}
END_TEST

/* _total on a gauge is just part of its name. */
START_TEST(test_gauge_total_untouched)
{
    static const metric_def d = {"demo_odd_total", METRIC_GAUGE, "Odd.", {NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &d, NULL, 1), 0);
    char *om = render(s, EXPOSITION_OPENMETRICS);
    ck_assert_str_eq(om, "# TYPE demo_odd_total gauge\n# HELP demo_odd_total Odd.\n"
                         "demo_odd_total 1\n# EOF\n");
    free(om);
    metric_set_free(s);
}
END_TEST

START_TEST(test_empty_help_has_no_help_line)
{
    static const metric_def d = {"demo_x", METRIC_GAUGE, NULL, {NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &d, NULL, 1), 0);
    char *text = render(s, EXPOSITION_TEXT), *om = render(s, EXPOSITION_OPENMETRICS);
    ck_assert_str_eq(text, "# TYPE demo_x gauge\ndemo_x 1\n");
    ck_assert_str_eq(om, "# TYPE demo_x gauge\ndemo_x 1\n# EOF\n");
    free(text);
    free(om);
    metric_set_free(s);
}
END_TEST

/* Invalid UTF-8 never reaches the page: each bad byte becomes U+FFFD, valid multi-byte
 * sequences (including 4-byte ones) pass untouched, in label values and help alike. */
START_TEST(test_invalid_utf8_replaced)
{
#define FFFD "\xef\xbf\xbd"
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"bad\xff"
         "end",
         "bad" FFFD "end"},
        {"\xc3(", FFFD "("},                                      /* lead byte, no continuation */
        {"\xc0\xaf", FFFD FFFD},                                  /* overlong '/' */
        {"\xed\xa0\x80", FFFD FFFD FFFD},                         /* UTF-16 surrogate */
        {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD},                /* past U+10FFFF */
        {"cut\xe2\x82", "cut" FFFD FFFD},                         /* truncated at the end */
        {"\xf0\x9f\x98\x80 ok", "\xf0\x9f\x98\x80 ok"},           /* emoji */
        {"\xe2\x82\xac\\\xff\"", "\xe2\x82\xac\\\\" FFFD "\\\""}, /* mixed with escapes */
    };
    static const metric_def d = {"demo_u", METRIC_GAUGE, "h", {"v", NULL}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        metric_set *s = metric_set_new();
        add1(s, &d, cases[i].in, 1);
        char want[256];
        snprintf(want, sizeof(want), "# HELP demo_u h\n# TYPE demo_u gauge\ndemo_u{v=\"%s\"} 1\n",
                 cases[i].want);
        char *text = render(s, EXPOSITION_TEXT);
        ck_assert_msg(strcmp(text, want) == 0, "case %zu: got %s", i, text);
        free(text);
        metric_set_free(s);
    }
    static const metric_def h = {"demo_h", METRIC_GAUGE, "x\xfe\xc3\xa9y", {NULL}};
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &h, NULL, 0), 0);
    char *om = render(s, EXPOSITION_OPENMETRICS);
    ck_assert_str_eq(om,
                     "# TYPE demo_h gauge\n# HELP demo_h x" FFFD "\xc3\xa9y\ndemo_h 0\n# EOF\n");
    free(om);
    metric_set_free(s);
#undef FFFD
}
END_TEST

/* Render appends after what the buffer holds, and a buffer that already failed reports it. */
START_TEST(test_render_appends_and_reports_failure)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(metric_set_add(s, &restarts_def, NULL, 1), 0);
    buf out;
    buf_init(&out);
    buf_puts(&out, "prefix\n");
    ck_assert_int_eq(exposition_render(s, EXPOSITION_TEXT, &out), 0);
    ck_assert_str_eq(out.data, "prefix\n# HELP demo_restarts_total Restarts, a family without "
                               "labels.\n# TYPE demo_restarts_total counter\n"
                               "demo_restarts_total 1\n");
    out.failed = 1;
    ck_assert_int_eq(exposition_render(s, EXPOSITION_OPENMETRICS, &out), -1);
    buf_free(&out);
    metric_set_free(s);
}
END_TEST

/* Label values and help longer than any internal batching chunk come out whole and in order,
 * escapes included (quotes are escaped in label values, not in 0.0.4 help). */
START_TEST(test_long_value_and_help)
{
    enum { LONG = 70000 };
    char *val = malloc(LONG + 1);
    ck_assert_ptr_nonnull(val);
    for (size_t i = 0; i < LONG; i++)
        val[i] = i % 1000 == 999 ? '"' : (char)('a' + i % 26);
    val[LONG] = '\0';
    buf want;
    buf_init(&want);
    buf_printf(&want, "# HELP demo_long %s\n# TYPE demo_long gauge\n", val);
    buf_puts(&want, "demo_long{v=\"\"} 0\ndemo_long{v=\"");
    for (size_t i = 0; i < LONG; i++) {
        if (val[i] == '"')
            buf_putc(&want, '\\');
        buf_putc(&want, val[i]);
    }
    buf_puts(&want, "\"} 1\n");

    metric_def d = {"demo_long", METRIC_GAUGE, val, {"v", NULL}};
    metric_set *s = metric_set_new();
    add1(s, &d, "", 0);
    add1(s, &d, val, 1);
    char *text = render(s, EXPOSITION_TEXT);
    ck_assert_uint_eq(strlen(text), want.len);
    ck_assert_int_eq(memcmp(text, want.data, want.len), 0);
    free(text);
    free(val);
    buf_free(&want);
    metric_set_free(s);
}
END_TEST

/* Many samples across many families: every line is there, in order. */
START_TEST(test_large_render)
{
    enum { FAMS = 50, PER = 2000 };
    int errors = 0;
    metric_set *s = metric_set_new();
    for (int f = 0; f < FAMS; f++) {
        char name[32], lv[32];
        snprintf(name, sizeof(name), "demo_f%d_bytes", f);
        metric_def d = {name, METRIC_GAUGE, "Load.", {"i", NULL}};
        for (int i = 0; i < PER; i++) {
            const char *vals[] = {lv};
            snprintf(lv, sizeof(lv), "%d", i);
            errors += metric_set_add(s, &d, vals, (double)i * 1024) != 0;
        }
    }
    ck_assert_int_eq(errors, 0);
    char *text = render(s, EXPOSITION_TEXT);
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, FAMS * (PER + 2));
    ck_assert_ptr_nonnull(strstr(text, "demo_f49_bytes{i=\"1999\"} 2046976\n"));
    const char *f3 = strstr(text, "demo_f3_bytes{i=\"0\"}");
    const char *f4 = strstr(text, "demo_f4_bytes{i=\"0\"}");
    ck_assert(f3 && f4 && f3 < f4);
    free(text);
    metric_set_free(s);
}
END_TEST

/* Samples repeat the leading labels of the sample before them, across families too, and the
 * renderer copies that prefix instead of escaping it again: the page must read as if each
 * sample were rendered on its own, whatever the names, values and lengths around it. */
typedef struct prefix_case {
    const char *family;
    const char *labels[4];
    const char *values[4];
} prefix_case;

static void naive_escape(buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            buf_putc(b, '\\');
        if (*v == '\n')
            buf_puts(b, "\\n");
        else
            buf_putc(b, *v);
    }
}

START_TEST(test_shared_label_prefixes)
{
    static char big[6000];
    memset(big, 'b', sizeof(big) - 1);
    big[100] = '"';
    const prefix_case cases[] = {
        {"demo_a", {"cluster", "node", "name"}, {"c1", "n\"1", "x"}},
        {"demo_a", {"cluster", "node", "name"}, {"c1", "n\"1", "y"}},
        {"demo_a", {"cluster", "node", "name"}, {"c1", "n2", "x"}},
        {"demo_a", {"cluster", "node", "name"}, {"c2", "n\"1", "x"}},
        {"demo_a", {"cluster", "node", "name"}, {"c2", "n\"12", "x"}},
        {"demo_a", {"cluster", "node", "name"}, {"c2", "", "x"}},
        {"demo_b", {"cluster", "node"}, {"c2", ""}},
        {"demo_c", {"cluster", "other"}, {"c2", ""}},
        {"demo_c", {"cluster", "other"}, {"c2", "back\\slash\nnewline"}},
        {"demo_d", {"node", "cluster"}, {"c2", "c2"}},
        {"demo_e", {NULL}, {NULL}},
        {"demo_f", {"node", "big"}, {"c2", big}},
        {"demo_f", {"node", "big"}, {"c2", "small"}},
        {"demo_g", {"node", "big", "name"}, {"c2", "small", big}},
        {"demo_g", {"node", "big", "name"}, {"c2", "small", "x"}},
        {"demo_h", {"node", "big", "name", "more"}, {"c2", "small", "x", "y"}},
    };
    metric_set *s = metric_set_new();
    buf want;
    buf_init(&want);
    const char *last = NULL;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const prefix_case *c = &cases[i];
        metric_def d = {c->family,
                        METRIC_GAUGE,
                        "",
                        {c->labels[0], c->labels[1], c->labels[2], c->labels[3], NULL}};
        ck_assert_int_eq(metric_set_add(s, &d, c->values, (double)i), 0);
        if (!last || strcmp(last, c->family) != 0)
            buf_printf(&want, "# TYPE %s gauge\n", c->family);
        last = c->family;
        buf_puts(&want, c->family);
        for (size_t j = 0; j < 4 && c->labels[j]; j++) {
            buf_printf(&want, "%c%s=\"", j ? ',' : '{', c->labels[j]);
            naive_escape(&want, c->values[j]);
            buf_putc(&want, '"');
        }
        buf_printf(&want, "%s %zu\n", c->labels[0] ? "}" : "", i);
    }
    char *text = render(s, EXPOSITION_TEXT);
    ck_assert_str_eq(text, want.data);
    free(text);
    buf_free(&want);
    metric_set_free(s);
}
END_TEST

START_TEST(test_format_value_table)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {1, "1"},
        {-1, "-1"},
        {15300820992.0, "15300820992"},
        {9007199254740992.0, "9007199254740992"},
        {-9007199254740992.0, "-9007199254740992"},
        {9007199254740994.0, "9007199254740994"},
        {1e20, "1e+20"},
        {0.1, "0.1"},
        {0.5, "0.5"},
        {-2.25, "-2.25"},
        {1.0 / 3.0, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {123456.789, "123456.789"},
        /* 16 and 17 digits without printf: a tie at the 17th digit goes to the even one (.125
         * -> .12), the 16th digit's tie is no decimal that reads back, so 17 are written */
        {123456789012345.125, "123456789012345.12"},
        {12345678901234.125, "12345678901234.125"},
        {-2.0 / 3.0, "-0.6666666666666666"},
        {999999999999999.875, "999999999999999.9"},
        {99999999999999.98, "99999999999999.98"},
        {0.00016278463105360666, "0.00016278463105360666"},
        {0.00010000000000000002, "0.00010000000000000002"},
        {444745350369.99994, "444745350369.99994"},
        {1e-9, "1e-09"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {NAN, "NaN"},
        {-NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[EXPOSITION_VALUE_MAX];
        exposition_format_value(cases[i].v, out, sizeof(out));
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: want %s got %s", i, cases[i].want,
                      out);
    }
}
END_TEST

/* Whatever the value, the text parses back to the same double. */
START_TEST(test_format_value_round_trips)
{
    double v = 1e-300;
    int bad = 0;
    char first_bad[EXPOSITION_VALUE_MAX] = "";
    for (int i = 0; i < 3990; i++, v *= -1.4142135623730951) {
        char out[EXPOSITION_VALUE_MAX];
        exposition_format_value(v, out, sizeof(out));
        if (strtod(out, NULL) != v && !bad++)
            memcpy(first_bad, out, sizeof(out));
    }
    ck_assert_msg(bad == 0, "%d values do not round-trip, first: %s", bad, first_bad);
}
END_TEST

/* What the writer printed before its printf-free paths: the shortest of %.15g, %.16g and %.17g
 * that reads back as v. The fast paths must print byte for byte the same. */
static void printf_value(double v, char *out, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
}

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 11;
}

/* Many non-integers of every shape the stats produce (few decimals, ratios, thirds, tiny and
 * huge magnitudes, arbitrary bit patterns), each against printf. */
START_TEST(test_format_value_matches_printf)
{
    static const double pow10[] = {1,    1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
    uint64_t x = 42;
    for (int i = 0; i < 400000; i++) {
        double v;
        switch (i % 5) {
        case 0: /* k / 10^d: what a percentage or a seconds field looks like */
            v = (double)(lcg(&x) % 100000000000ULL) / pow10[lcg(&x) % 19];
            break;
        case 1: /* a ratio of two counters */
            v = (double)(lcg(&x) % 1000000 + 1) / (double)(lcg(&x) % 1000000 + 1);
            break;
        case 2: { /* any finite double */
            uint64_t bits = (lcg(&x) << 11) ^ lcg(&x);
            memcpy(&v, &bits, sizeof(v));
            if (!isfinite(v))
                continue;
            break;
        }
        case 3: /* near the plain/exponent boundaries of %g */
            v = (1 + (double)(lcg(&x) % 1000) / 1000.0) * pow10[lcg(&x) % 19] / 1e4;
            break;
        default: /* a number with 16-17 significant digits */
            v = (double)lcg(&x) / 1024.0;
            break;
        }
        if (i % 2)
            v = -v;
        char got[EXPOSITION_VALUE_MAX], want[EXPOSITION_VALUE_MAX];
        exposition_format_value(v, got, sizeof(got));
        if (v == trunc(v) && fabs(v) <= 9007199254740992.0)
            snprintf(want, sizeof(want), "%.0f", v); /* integers: no exponent */
        else
            printf_value(v, want, sizeof(want));
        if (strcmp(got, want) != 0)
            ck_abort_msg("%.17g: got %s, printf says %s", v, got, want);
    }
}
END_TEST

START_TEST(test_format_value_small_buffer)
{
    char out[4] = "zzz";
    exposition_format_value(15300820992.0, out, sizeof(out));
    ck_assert_str_eq(out, "153");
    exposition_format_value(0.1, out, 1);
    ck_assert_str_eq(out, "");
    exposition_format_value(1, NULL, 0); /* must not crash */
}
END_TEST

START_TEST(test_negotiate_table)
{
    static const struct {
        const char *accept;
        exposition_format want;
    } cases[] = {
        {NULL, EXPOSITION_TEXT},
        {"", EXPOSITION_TEXT},
        {"   ", EXPOSITION_TEXT},
        {"*/*", EXPOSITION_TEXT},
        {"application/*", EXPOSITION_TEXT},
        {"text/plain", EXPOSITION_TEXT},
        {"text/plain;version=0.0.4", EXPOSITION_TEXT},
        {"application/openmetrics-text", EXPOSITION_OPENMETRICS},
        {"application/openmetrics-text; version=1.0.0; charset=utf-8", EXPOSITION_OPENMETRICS},
        /* What Prometheus 2.x sends. */
        {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
         "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         EXPOSITION_OPENMETRICS},
        {"APPLICATION/OpenMetrics-Text", EXPOSITION_OPENMETRICS},
        {"  application/openmetrics-text  ;  q = 0.5 ", EXPOSITION_OPENMETRICS},
        {"application/openmetrics-text;q=0", EXPOSITION_TEXT},
        {"application/openmetrics-text;q=0.000", EXPOSITION_TEXT},
        {"application/openmetrics-text;Q=0.001", EXPOSITION_OPENMETRICS},
        {"application/openmetrics-text;q=1.000", EXPOSITION_OPENMETRICS},
        {"text/html, application/openmetrics-text;q=0.2, */*;q=0.8", EXPOSITION_OPENMETRICS},
        {"text/plain;q=0.9, application/openmetrics-text;q=0.5", EXPOSITION_TEXT},
        {"text/plain;q=0.5, application/openmetrics-text;q=0.5", EXPOSITION_OPENMETRICS},
        {"application/openmetrics-text;q=0, application/openmetrics-text;q=0.3",
         EXPOSITION_OPENMETRICS},
        {"application/openmetrics-textual", EXPOSITION_TEXT},
        {"application/openmetrics", EXPOSITION_TEXT},
        {"xapplication/openmetrics-text", EXPOSITION_TEXT},
        /* A comma inside a quoted parameter does not start a new range. */
        {"text/plain;foo=\"a,application/openmetrics-text\"", EXPOSITION_TEXT},
        {"text/plain;foo=\"a\\\"b\", application/openmetrics-text", EXPOSITION_OPENMETRICS},
        /* Garbage: malformed q values count as not acceptable; nothing crashes. */
        {"application/openmetrics-text;q=banana", EXPOSITION_TEXT},
        {"application/openmetrics-text;q=2", EXPOSITION_TEXT},
        {"application/openmetrics-text;q=0.12345", EXPOSITION_TEXT},
        {"application/openmetrics-text;q=", EXPOSITION_TEXT},
        {"application/openmetrics-text;q", EXPOSITION_TEXT},
        {"application/openmetrics-text;;;", EXPOSITION_OPENMETRICS},
        {",,,;;;===\"\"\"", EXPOSITION_TEXT},
        {"application/openmetrics-text;x=\"unterminated", EXPOSITION_OPENMETRICS},
        {"\xff\xfe application/openmetrics-text", EXPOSITION_TEXT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(exposition_negotiate(cases[i].accept) == cases[i].want, "case %zu: %s", i,
                      cases[i].accept ? cases[i].accept : "(null)");
}
END_TEST

START_TEST(test_content_types)
{
    ck_assert_str_eq(exposition_content_type(EXPOSITION_TEXT),
                     "text/plain; version=0.0.4; charset=utf-8");
    ck_assert_str_eq(exposition_content_type(EXPOSITION_OPENMETRICS),
                     "application/openmetrics-text; version=1.0.0; charset=utf-8");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("exposition");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, test_golden_text);
    tcase_add_test(tc, test_golden_openmetrics);
    tcase_add_test(tc, test_empty_set);
    tcase_add_test(tc, test_counter_without_total_suffix);
    tcase_add_test(tc, test_gauge_total_untouched);
    tcase_add_test(tc, test_empty_help_has_no_help_line);
    tcase_add_test(tc, test_invalid_utf8_replaced);
    tcase_add_test(tc, test_render_appends_and_reports_failure);
    tcase_add_test(tc, test_long_value_and_help);
    tcase_add_test(tc, test_large_render);
    tcase_add_test(tc, test_shared_label_prefixes);
    suite_add_tcase(s, tc);
    TCase *tv = tcase_create("values");
    tcase_add_test(tv, test_format_value_table);
    tcase_add_test(tv, test_format_value_round_trips);
    tcase_add_test(tv, test_format_value_matches_printf);
    tcase_add_test(tv, test_format_value_small_buffer);
    suite_add_tcase(s, tv);
    TCase *tn = tcase_create("negotiate");
    tcase_add_test(tn, test_negotiate_table);
    tcase_add_test(tn, test_content_types);
    suite_add_tcase(s, tn);
    return s;
}

UNIT_MAIN(suite)
