/* fuzz_exposition: a metric_set built from the input (help texts, label values with any bytes
 * including invalid UTF-8, quotes, backslashes and newlines, and any double) rendered in both
 * formats; fuzz_common checks each page line by line, so a raw newline inside a label value
 * or help text shows up as a malformed line. */
#include "fuzz_common.h"

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static int rd_byte(reader *r, uint8_t *b)
{
    if (!r->left)
        return -1;
    *b = *r->p++;
    r->left--;
    return 0;
}

/* A length byte, then that many bytes (fewer at the end of the input); NUL-terminated. */
static char *rd_string(reader *r)
{
    uint8_t n = 0;
    (void)rd_byte(r, &n);
    size_t len = n % 64;
    if (len > r->left)
        len = r->left;
    char *s = malloc(len + 1);
    FUZZ_ASSERT(s != NULL);
    memcpy(s, r->p, len);
    s[len] = '\0'; /* an embedded NUL just ends the string early */
    r->p += len;
    r->left -= len;
    return s;
}

static double rd_value(reader *r, unsigned mode)
{
    static const double special[] = {0.0,
                                     -0.0,
                                     1.0,
                                     -1.0,
                                     0.1,
                                     1.0 / 3.0,
                                     1e20,
                                     -1e-300,
                                     9007199254740992.0,
                                     9007199254740994.0,
                                     -9223372036854775808.0,
                                     1.7976931348623157e308,
                                     4.9406564584124654e-324,
                                     NAN,
                                     INFINITY,
                                     -INFINITY};
    uint8_t raw[8] = {0};
    for (size_t i = 0; i < (mode == 1 || mode == 2 ? 1u : 8u); i++)
        (void)rd_byte(r, &raw[i]);
    double v;
    int64_t i64;
    switch (mode) {
    case 0:
        memcpy(&v, raw, sizeof(v));
        return v;
    case 1:
        return special[raw[0] % (sizeof(special) / sizeof(special[0]))];
    case 2:
        return (double)(int8_t)raw[0];
    default:
        memcpy(&i64, raw, sizeof(i64));
        return (double)i64;
    }
}

static void check_value(double v)
{
    char out[EXPOSITION_VALUE_MAX];
    exposition_format_value(v, out, sizeof(out));
    FUZZ_ASSERT(memchr(out, '\0', sizeof(out)) != NULL);
    double back = strtod(out, NULL);
    FUZZ_ASSERT(isnan(v) ? isnan(back) : back == v);
    char tiny[4];
    exposition_format_value(v, tiny, sizeof(tiny)); /* truncates but stays terminated */
    FUZZ_ASSERT(memchr(tiny, '\0', sizeof(tiny)) != NULL);
}

#define N_FAMILIES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* name, type and label names are the caller's (static tables in lib/); the rest is input */
    static const metric_def shapes[N_FAMILIES] = {
        {"fz_heap_bytes", METRIC_GAUGE, NULL, {"cluster", "node", NULL}},
        {"fz_requests_total", METRIC_COUNTER, NULL, {"method", NULL}},
        {"fz_restarts", METRIC_COUNTER, NULL, {"a", "b", "c", NULL}},
        {"fz_uptime", METRIC_UNTYPED, NULL, {NULL}},
    };
    char *help[N_FAMILIES] = {NULL};
    reader r = {data, size};
    metric_set *s = metric_set_new();
    FUZZ_ASSERT(s != NULL);
    uint8_t op;
    size_t added = 0;
    while (added < 256 && rd_byte(&r, &op) == 0) {
        size_t fam = op % N_FAMILIES;
        metric_def def = shapes[fam];
        if (!help[fam])
            help[fam] = rd_string(&r);
        def.help = help[fam];
        char *values[METRIC_MAX_LABELS] = {NULL};
        size_t nl = 0;
        while (def.labels[nl])
            values[nl] = rd_string(&r), nl++;
        double v = rd_value(&r, (op >> 2) & 3);
        check_value(v);
        FUZZ_ASSERT(metric_set_add(s, &def, nl ? (const char *const *)values : NULL, v) == 0);
        added++;
        for (size_t i = 0; i < nl; i++)
            free(values[i]);
    }
    /* the same series twice is one series (the last value wins) */
    FUZZ_ASSERT(metric_set_sample_count(s) <= added);
    fuzz_check_set(s);
    metric_set_free(s);
    for (size_t i = 0; i < N_FAMILIES; i++)
        free(help[i]);
    return 0;
}
