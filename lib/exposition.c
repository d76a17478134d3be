/* exposition: writes a metric_set as Prometheus text 0.0.4 or OpenMetrics 1.0.0 straight into a
 * buf (no per-sample allocation: this runs over ~350k samples per scrape on big clusters). */
#include "exposition.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OM_COUNTER_SUFFIX "_total"
#define OM_COUNTER_SUFFIX_LEN (sizeof(OM_COUNTER_SUFFIX) - 1)

/* ---- values ---- */

/* The digit writers below build a number from its last digit; this copies the len bytes of tmp
 * to out backwards, NUL-terminated, at most n - 1 of them. */
static size_t put_reversed(const char *tmp, size_t len, char *out, size_t n)
{
    size_t k = 0;
    for (; k < len && k + 1 < n; k++)
        out[k] = tmp[len - 1 - k];
    out[k] = '\0';
    return k;
}

/* Integers are by far the common case (bytes, counts); writing them by hand skips snprintf and
 * the round-trip check below. */
static size_t format_integer(int64_t i, char *out, size_t n)
{
    char tmp[24];
    size_t len = 0;
    uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    do {
        tmp[len++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        tmp[len++] = '-';
    return put_reversed(tmp, len, out, n);
}

/* Writes |v| < 1e15 with d (1..15) decimals as u / 10^d, u < 10^15 holding every digit. */
static size_t format_fixed(int neg, uint64_t u, int d, char *out, size_t n)
{
    char tmp[40];
    size_t len = 0;
    for (int k = 0; k < d; k++, u /= 10)
        tmp[len++] = (char)('0' + u % 10);
    tmp[len++] = '.';
    do {
        tmp[len++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        tmp[len++] = '-';
    return put_reversed(tmp, len, out, n);
}

/* Where format_short looks: %.15g writes plain notation from 1e-4 on, and up to 19 decimals
 * keep 15 significant digits down to there (10^19 is still an exact double). */
#define SHORT_MIN 1e-4
#define SHORT_MAX_DECIMALS 19

/* Whether format_short decides |v| = a: one rule for it and for format_value's printf loop. */
static int short_range(double a)
{
    return a >= SHORT_MIN && a < 1e15;
}

/* The common non-integer (a ratio, seconds, a percentage): when some decimal of at most 15
 * significant digits reads back as v, %.15g prints exactly that decimal, in plain notation for
 * 1e-4 <= |v| < 1e15; this finds it without printf. The fewest decimals d whose rounding u
 * satisfies u / 10^d == v (one correctly rounded division, just as strtod reads the digits)
 * gives it with no trailing zero. 0 when there is none: printf decides. */
static size_t format_short(double v, char *out, size_t n)
{
    static const double pow10[SHORT_MAX_DECIMALS + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                                         1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                                         1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
    double a = fabs(v);
    if (!short_range(a))
        return 0;
    for (int d = 1; d <= SHORT_MAX_DECIMALS; d++) {
        double m = a * pow10[d];
        if (m >= 1e15)
            return 0;
        double u = nearbyint(m);
        if (u / pow10[d] == a)
            return format_fixed(v < 0, (uint64_t)u, d, out, n);
    }
    return 0;
}

/* The decimal of prec (16 or 17) significant digits nearest to a, a in short_range and not an
 * integer, as %.*g writes it: a = m / 2^sh exactly, and m * 10^k (< 2^123 here) holds a * 10^k
 * to the last bit, so the digits are rounded once, half to even, as glibc rounds. For 16 digits
 * it also tells whether they read back as a: the decimal must lie within half a gap of a's
 * neighbours (a tie goes to the even mantissa, as strtod rounds). 0 when they do not: a ratio's
 * 16- and 17-digit values took two to four printf and strtod calls, ~3,000 instructions each. */
static size_t format_digits(double v, int prec, char *out, size_t n)
{
#ifndef __SIZEOF_INT128__ /* 32-bit targets: printf decides */
    (void)v, (void)prec, (void)out, (void)n;
    return 0;
#else
    typedef unsigned __int128 u128;
    double a = fabs(v);
    uint64_t bits;
    memcpy(&bits, &a, sizeof(bits));
    uint64_t m = (bits & ((1ull << 52) - 1)) | 1ull << 52;
    int sh = 1075 - (int)(bits >> 52); /* 3..67 in short_range */
    int x = (int)floor(log10(a));      /* a guess: log10 rounds, so the digits decide */
    u128 lo = 1, p10, num, d;
    for (int j = 1; j < prec; j++)
        lo *= 10;
    for (int tries = 0;; tries++) {
        int k = prec - 1 - x;
        if (tries == 3 || k < 0 || k > 21 || sh < 1 || sh > 100)
            return 0;
        p10 = 1;
        for (int j = 0; j < k; j++)
            p10 *= 10;
        num = (u128)m * p10;
        d = num >> sh; /* a * 10^k, its fraction cut off: prec digits when x is right */
        if (d >= lo * 10)
            x++;
        else if (d < lo)
            x--;
        else
            break;
    }
    u128 half = (u128)1 << (sh - 1), r = num & (((u128)1 << sh) - 1);
    if (r > half || (r == half && (d & 1)))
        d++;
    if (d == lo * 10) { /* 9...9.5 and up: %g's exponent is the rounded value's */
        d = lo;
        x++;
        p10 /= 10;
    }
    if (prec == 16) {
        u128 q = d << (sh + 2), at = ((u128)m * p10) << 2;
        u128 up = p10 * 2, down = m == 1ull << 52 ? p10 : p10 * 2;
        u128 off = q >= at ? q - at : at - q, lim = q >= at ? up : down;
        if (off > lim || (off == lim && (m & 1)))
            return 0;
    }
    int decimals = prec - 1 - x;
    uint64_t u = (uint64_t)d;
    for (; decimals > 0 && u % 10 == 0; decimals--)
        u /= 10;
    if (decimals == 0)
        return format_integer(v < 0 ? -(int64_t)u : (int64_t)u, out, n);
    return format_fixed(v < 0, u, decimals, out, n);
#endif
}

/* exposition_format_value into out[EXPOSITION_VALUE_MAX], returning the length written (the
 * writer needs no strlen). */
static size_t format_value(double v, char *out)
{
    static const double exact_limit = 9007199254740992.0; /* 2^53 */
    const size_t n = EXPOSITION_VALUE_MAX;
    size_t len;
    if (isnan(v) || isinf(v)) {
        const char *w = isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
        len = strlen(w);
        memcpy(out, w, len + 1);
        return len;
    }
    if (fabs(v) <= exact_limit && v == trunc(v))
        return format_integer((int64_t)v, out, n);
    if ((len = format_short(v, out, n)) > 0)
        return len;
    /* Where format_short looked, it has shown that 15 digits do not read back; 17 always do. */
    if (short_range(fabs(v)) &&
        ((len = format_digits(v, 16, out, n)) > 0 || (len = format_digits(v, 17, out, n)) > 0))
        return len;
    /* Shortest of the three precisions that reads back as the same double. */
    for (int prec = short_range(fabs(v)) ? 16 : 15; prec <= 17; prec++) {
        snprintf(out, n, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return strlen(out);
}

void exposition_format_value(double v, char *out, size_t n)
{
    char tmp[EXPOSITION_VALUE_MAX];
    if (!out || n == 0)
        return;
    size_t len = format_value(v, tmp);
    if (len >= n)
        len = n - 1;
    memcpy(out, tmp, len);
    out[len] = '\0';
}

/* ---- escaping ---- */

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when it is not one. Overlongs,
 * surrogates and code points past U+10FFFF are rejected, as Prometheus' parser rejects them. */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

/* ---- batched output ---- */

/* Collects output in a stack chunk and hands it to the sink a chunk at a time: going through
 * buf_append for every label piece cost more than everything else put together, and a
 * compressing sink works best on big pieces. */
/* The label pairs of the last sample as rendered (pairs joined by ',', no braces) and where its
 * packed values are: consecutive samples, across families too, mostly share their leading
 * labels (cluster, host, name and the roles on every node family), and copying a rendered
 * prefix costs a fraction of escaping it again. */
#define LABEL_TEXT_MAX 4096
typedef struct label_cache {
    size_t n;                            /* pairs held */
    const char *values;                  /* the sample's packed values (alive while rendering) */
    const char *name[METRIC_MAX_LABELS]; /* its label names */
    size_t text_end[METRIC_MAX_LABELS];  /* where pair j ends in text */
    size_t value_end[METRIC_MAX_LABELS]; /* where value j ends in values, its NUL included */
    char text[LABEL_TEXT_MAX];
} label_cache;

typedef struct writer {
    exposition_sink sink;
    void *ctx;
    int failed;
    size_t n;
    label_cache labels;
    char chunk[65536];
} writer;

static void w_write(writer *w, const void *s, size_t len)
{
    if (!w->failed && w->sink(w->ctx, s, len) < 0)
        w->failed = 1;
}

static void w_flush(writer *w)
{
    if (w->n)
        w_write(w, w->chunk, w->n);
    w->n = 0;
}

static void w_put_slow(writer *w, const void *s, size_t len)
{
    w_flush(w);
    if (len > sizeof(w->chunk)) {
        w_write(w, s, len);
        return;
    }
    memcpy(w->chunk, s, len);
    w->n = len;
}

/* Inline: it runs several times per sample, and the call cost more than the copy. */
static inline void w_put(writer *w, const void *s, size_t len)
{
    if (len > sizeof(w->chunk) - w->n) {
        w_put_slow(w, s, len);
        return;
    }
    memcpy(w->chunk + w->n, s, len);
    w->n += len;
}

static void w_puts(writer *w, const char *s)
{
    w_put(w, s, strlen(s));
}

static inline void w_putc(writer *w, char c)
{
    if (w->n == sizeof(w->chunk))
        w_flush(w);
    w->chunk[w->n++] = c;
}

/* Bytes put_escaped must look at: 1 for NUL, backslash and newline, 2 for the double quote
 * (escaped only in quoted strings), 4 for every non-ASCII byte. One table load per byte keeps
 * the scan of plain runs (nearly every label value) to a few instructions a byte. */
static const unsigned char special[256] = {
    [0] = 1,
    ['\\'] = 1,
    ['\n'] = 1,
    ['"'] = 2,
#define SPECIAL_HIGH4(b) [b] = 4, [b + 1] = 4, [b + 2] = 4, [b + 3] = 4
#define SPECIAL_HIGH16(b)                                                                          \
    SPECIAL_HIGH4(b), SPECIAL_HIGH4(b + 4), SPECIAL_HIGH4(b + 8), SPECIAL_HIGH4(b + 12)
    SPECIAL_HIGH16(0x80),
    SPECIAL_HIGH16(0x90),
    SPECIAL_HIGH16(0xA0),
    SPECIAL_HIGH16(0xB0),
    SPECIAL_HIGH16(0xC0),
    SPECIAL_HIGH16(0xD0),
    SPECIAL_HIGH16(0xE0),
    SPECIAL_HIGH16(0xF0),
#undef SPECIAL_HIGH16
#undef SPECIAL_HIGH4
};

/* The end of the plain run at p: the first byte to escape (or replace), or the NUL. Valid
 * multi-byte UTF-8 sequences belong to the run. */
static const unsigned char *plain_run(const unsigned char *p, unsigned stop)
{
    for (size_t seq;; p += seq) {
        seq = 1;
        while (!(special[*p] & stop))
            p++;
        if (*p < 0x80 || (seq = utf8_seq_len(p)) == 0)
            return p;
    }
}

/* What the byte that ended a plain run becomes: an escape, or U+FFFD for an invalid UTF-8
 * byte (ES node names and attributes are not guaranteed clean, and scrapers reject the whole
 * page for one). Its length is 2 or 3. */
static const char *escape_of(unsigned char c, size_t *len)
{
    *len = 2;
    if (c == '\\')
        return "\\\\";
    if (c == '\n')
        return "\\n";
    if (c == '"')
        return "\\\"";
    *len = 3;
    return "\xEF\xBF\xBD";
}

static unsigned escape_stop(int quote)
{
    return quote ? 1u | 2u | 4u : 1u | 4u;
}

/* Appends s with backslash and newline escaped, plus double quote when quote is set, invalid
 * UTF-8 replaced. Plain runs go out in one piece. Returns s's NUL. */
static const char *put_escaped(writer *w, const char *s, int quote)
{
    const unsigned stop = escape_stop(quote);
    const unsigned char *p = (const unsigned char *)s;
    for (;; p++) {
        const unsigned char *run = p;
        p = plain_run(p, stop);
        w_put(w, run, (size_t)(p - run));
        if (!*p)
            return (const char *)p;
        size_t len;
        const char *e = escape_of(*p, &len);
        w_put(w, e, len);
    }
}

/* put_escaped (quoted) into dst, which has room for 3 bytes per byte of s; returns the end of
 * what it wrote and sets *nul to s's NUL. */
static char *copy_escaped(char *dst, const char *s, const char **nul)
{
    const unsigned stop = escape_stop(1);
    const unsigned char *p = (const unsigned char *)s;
    for (;; p++) {
        const unsigned char *run = p;
        p = plain_run(p, stop);
        memcpy(dst, run, (size_t)(p - run));
        dst += p - run;
        if (!*p) {
            *nul = (const char *)p;
            return dst;
        }
        size_t len;
        const char *e = escape_of(*p, &len);
        memcpy(dst, e, len);
        dst += len;
    }
}

/* ---- families ---- */

static int ends_with_total(const char *name, size_t len)
{
    return len >= OM_COUNTER_SUFFIX_LEN && memcmp(name + len - OM_COUNTER_SUFFIX_LEN,
                                                  OM_COUNTER_SUFFIX, OM_COUNTER_SUFFIX_LEN) == 0;
}

/* How one family is named on the page: the family (TYPE/HELP) name and the sample name. They
 * differ only for OpenMetrics counters, whose samples carry _total and whose family does not.
 * A counter whose name lacks _total (the reference's elasticsearch_breakers_tripped and the
 * like) is an OpenMetrics "unknown" instead: appending _total would store it in Prometheus
 * under another name than the text format gives, and blank every dashboard and rule on it.
 * Label names are measured once per family rather than once per sample. */
typedef struct names {
    const char *family;
    size_t family_len;
    size_t sample_len; /* bytes of family name used for samples */
    int as_unknown;    /* an OpenMetrics counter without _total, typed unknown */
    size_t nlabels;
    const char *label[METRIC_MAX_LABELS];
    size_t label_len[METRIC_MAX_LABELS];
    size_t kept; /* leading label names the label cache holds too */
} names;

static names family_names(const metric_family *f, exposition_format fmt)
{
    const char *name = metric_family_name(f);
    size_t len = strlen(name);
    names n = {name, len, len, 0, metric_family_label_count(f), {NULL}, {0}, 0};
    for (size_t j = 0; j < n.nlabels; j++) {
        n.label[j] = metric_family_label_name(f, j);
        n.label_len[j] = strlen(n.label[j]);
    }
    if (fmt == EXPOSITION_OPENMETRICS && metric_family_type(f) == METRIC_COUNTER) {
        if (ends_with_total(name, len))
            n.family_len = len - OM_COUNTER_SUFFIX_LEN;
        else
            n.as_unknown = 1;
    }
    return n;
}

static const char *type_word(metric_type t, exposition_format fmt)
{
    if (t == METRIC_UNTYPED && fmt == EXPOSITION_OPENMETRICS)
        return "unknown";
    return metric_type_name(t);
}

static void put_meta(writer *w, const char *what, const names *n)
{
    w_puts(w, what);
    w_put(w, n->family, n->family_len);
    w_putc(w, ' ');
}

/* An empty help gets no HELP line: both formats allow that, and it avoids a trailing blank. */
static void put_header(writer *w, const metric_family *f, const names *n, exposition_format fmt)
{
    const char *help = metric_family_help(f);
    int om = fmt == EXPOSITION_OPENMETRICS;
    if (!om && help[0]) {
        put_meta(w, "# HELP ", n);
        put_escaped(w, help, 0);
        w_putc(w, '\n');
    }
    put_meta(w, "# TYPE ", n);
    w_puts(w, n->as_unknown ? "unknown" : type_word(metric_family_type(f), fmt));
    w_putc(w, '\n');
    if (om && help[0]) {
        put_meta(w, "# HELP ", n);
        put_escaped(w, help, 1);
        w_putc(w, '\n');
    }
}

/* How many of the family's leading label names the cache holds (by content: families own
 * their strings). */
static size_t names_kept(const label_cache *c, const names *n)
{
    size_t j = 0;
    while (j < c->n && j < n->nlabels && strcmp(c->name[j], n->label[j]) == 0)
        j++;
    return j;
}

/* Renders pair j and the ones after it from v + vpos into the cache after its first j pairs;
 * 0 when they would not fit (the cache is then empty). */
static int cache_pairs(label_cache *c, const names *n, const char *v, size_t j, size_t vpos)
{
    size_t tpos = j ? c->text_end[j - 1] : 0;
    for (; j < n->nlabels; j++) {
        size_t vlen = strlen(v + vpos);
        if (tpos + n->label_len[j] + 3 * vlen + 4 > sizeof(c->text)) {
            c->n = 0;
            return 0;
        }
        char *t = c->text + tpos;
        if (j)
            *t++ = ',';
        memcpy(t, n->label[j], n->label_len[j]);
        t += n->label_len[j];
        *t++ = '=';
        *t++ = '"';
        const char *nul;
        t = copy_escaped(t, v + vpos, &nul);
        *t++ = '"';
        tpos = (size_t)(t - c->text);
        vpos += vlen + 1;
        c->name[j] = n->label[j];
        c->text_end[j] = tpos;
        c->value_end[j] = vpos;
    }
    c->n = n->nlabels;
    c->values = v;
    return 1;
}

/* The sample's {pairs}: the prefix it shares with the last sample comes from the cache. */
static void put_labels(writer *w, names *n, const char *v)
{
    label_cache *c = &w->labels;
    size_t j = 0, vpos = 0;
    for (; j < n->kept && strcmp(v + vpos, c->values + vpos) == 0; j++)
        vpos = c->value_end[j];
    w_putc(w, '{');
    if (cache_pairs(c, n, v, j, vpos)) {
        n->kept = n->nlabels;
        w_put(w, c->text, c->text_end[n->nlabels - 1]);
    } else {
        n->kept = 0;
        for (j = 0; j < n->nlabels; j++) {
            if (j)
                w_putc(w, ',');
            w_put(w, n->label[j], n->label_len[j]);
            w_put(w, "=\"", 2);
            v = put_escaped(w, v, 1) + 1;
            w_putc(w, '"');
        }
    }
    w_putc(w, '}');
}

static void put_sample(writer *w, const metric_family *f, names *n, size_t i)
{
    char value[EXPOSITION_VALUE_MAX];
    w_put(w, n->family, n->sample_len);
    if (n->nlabels)
        put_labels(w, n, metric_family_label_values(f, i));
    w_putc(w, ' ');
    w_put(w, value, format_value(metric_family_value(f, i), value));
    w_putc(w, '\n');
}

static void render_family(writer *w, const metric_family *f, exposition_format fmt)
{
    size_t count = metric_family_sample_count(f);
    if (count == 0)
        return;
    names n = family_names(f, fmt);
    n.kept = names_kept(&w->labels, &n);
    put_header(w, f, &n, fmt);
    for (size_t i = 0; i < count && !w->failed; i++)
        put_sample(w, f, &n, i);
}

int exposition_render_to(const metric_set *s, exposition_format fmt, exposition_sink sink,
                         void *ctx)
{
    writer *w = malloc(sizeof(*w)); /* 64 KiB: too much for a thread's stack frame */
    if (!w)
        return -1;
    w->sink = sink;
    w->ctx = ctx;
    w->failed = 0;
    w->n = 0;
    w->labels.n = 0;
    size_t nfams = metric_set_family_count(s);
    for (size_t i = 0; i < nfams && !w->failed; i++)
        render_family(w, metric_set_family(s, i), fmt);
    if (fmt == EXPOSITION_OPENMETRICS)
        w_puts(w, "# EOF\n");
    w_flush(w);
    int rc = w->failed ? -1 : 0;
    free(w);
    return rc;
}

static int buf_sink(void *ctx, const void *p, size_t n)
{
    return buf_append(ctx, p, n) < 0 || ((buf *)ctx)->failed ? -1 : 0;
}

int exposition_render(const metric_set *s, exposition_format fmt, buf *out)
{
    if (out->failed)
        return -1;
    return exposition_render_to(s, fmt, buf_sink, out);
}

const char *exposition_content_type(exposition_format fmt)
{
    if (fmt == EXPOSITION_OPENMETRICS)
        return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    return "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- Accept negotiation ---- */

/* One parsed media range: its type/subtype (not NUL-terminated) and q in thousandths. */
typedef struct media_range {
    const char *type;
    size_t type_len;
    int q;
} media_range;

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static size_t trimmed_len(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return (size_t)(end - start);
}

/* RFC 9110 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"], in thousandths. Anything else is
 * treated as 0 (not acceptable) rather than guessed at. */
static int parse_qvalue(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1'))
        return 0;
    int q = (s[0] - '0') * 1000;
    if (len == 1)
        return q;
    if (s[1] != '.' || len > 5)
        return 0;
    int scale = 100;
    for (size_t k = 2; k < len; k++, scale /= 10) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
        q += (s[k] - '0') * scale;
    }
    return q > 1000 ? 0 : q;
}

/* Reads a parameter value (token or quoted-string) at p; sets its span, returns the end. */
static const char *param_value(const char *p, const char **val, size_t *len)
{
    p = skip_ows(p);
    if (*p == '"') {
        *val = ++p;
        while (*p && *p != '"')
            p += (p[0] == '\\' && p[1]) ? 2 : 1;
        *len = (size_t)(p - *val);
        if (*p == '"')
            p++;
        return p;
    }
    *val = p;
    while (*p && *p != ';' && *p != ',')
        p++;
    *len = trimmed_len(*val, p);
    return p;
}

/* Parses one media range with its parameters starting at p; returns where the next begins. */
static const char *parse_range(const char *p, media_range *r)
{
    p = skip_ows(p);
    r->type = p;
    while (*p && *p != ';' && *p != ',')
        p++;
    r->type_len = trimmed_len(r->type, p);
    r->q = 1000;
    while (*p == ';') {
        const char *name = skip_ows(p + 1), *val = "";
        size_t vlen = 0;
        p = name;
        while (*p && *p != '=' && *p != ';' && *p != ',')
            p++;
        size_t nlen = trimmed_len(name, p);
        if (*p == '=')
            p = param_value(p + 1, &val, &vlen);
        if (nlen == 1 && (name[0] == 'q' || name[0] == 'Q'))
            r->q = parse_qvalue(val, vlen);
        while (*p && *p != ';' && *p != ',') /* junk after a quoted value */
            p++;
    }
    return *p == ',' ? p + 1 : p;
}

static int range_is(const media_range *r, const char *type)
{
    return r->type_len == strlen(type) && strncasecmp(r->type, type, r->type_len) == 0;
}

/* OpenMetrics when it is acceptable (q > 0) and text/plain is not explicitly preferred over it;
 * wildcards never select OpenMetrics, since old scrapers send bare Accept: * / *. */
exposition_format exposition_negotiate(const char *accept)
{
    int om_q = 0, text_q = 0;
    const char *p = accept ? accept : "";
    while (*p) {
        media_range r;
        p = parse_range(p, &r);
        if (range_is(&r, "application/openmetrics-text") && r.q > om_q)
            om_q = r.q;
        else if (range_is(&r, "text/plain") && r.q > text_q)
            text_q = r.q;
    }
    return (om_q > 0 && om_q >= text_q) ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT;
}
