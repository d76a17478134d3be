/* feed: shared glue for parser tests: a document fed to an esclient-style
 * sink in pieces, and sample lookups by label pairs. */
#ifndef ESVIGIL_TEST_FEED_H
#define ESVIGIL_TEST_FEED_H

#include <math.h>
#include <string.h>

#include "metric.h"
#include "unit.h"

typedef int (*feed_sink)(void *p, const char *data, size_t len);

/* Feeds len bytes of doc in pieces of chunk bytes (0: at once); first non-zero return. */
static inline int feed_doc(feed_sink sink, void *p, const char *doc, size_t len, size_t chunk)
{
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len; off += step) {
        int rc = sink(p, doc + off, off + step > len ? len - off : step);
        if (rc)
            return rc;
    }
    return 0;
}

static inline int feed_file(feed_sink sink, void *p, const char *rel, size_t chunk)
{
    size_t len;
    char *doc = unit_slurp(unit_src(rel), &len);
    ck_assert_msg(doc != NULL, "cannot read %s", rel);
    int rc = feed_doc(sink, p, doc, len, chunk);
    free(doc);
    return rc;
}

/* The value of the sample of name whose labels include pairs; NAN when none
 * (so an expectation of "absent" is a NAN in a table). */
static inline double feed_value(const metric_set *s, const char *name, const char *const *pairs)
{
    double v;
    return metric_set_lookup(s, name, pairs, &v) ? v : NAN;
}

/* One expectation of a table: family, up to three label pairs, value (NAN: absent). */
typedef struct feed_expect {
    const char *family;
    const char *pairs[7];
    double value;
} feed_expect;

static inline void feed_check(const metric_set *s, const feed_expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = feed_value(s, e[i].family, e[i].pairs);
        if (isnan(e[i].value))
            ck_assert_msg(isnan(v), "%s{%s=%s}: want absent, got %g", e[i].family,
                          e[i].pairs[0] ? e[i].pairs[0] : "", e[i].pairs[1] ? e[i].pairs[1] : "",
                          v);
        else
            ck_assert_msg(v == e[i].value || (isinf(v) && isinf(e[i].value)),
                          "%s{%s=%s,%s=%s}: want %.17g, got %.17g", e[i].family,
                          e[i].pairs[0] ? e[i].pairs[0] : "", e[i].pairs[1] ? e[i].pairs[1] : "",
                          e[i].pairs[2] ? e[i].pairs[2] : "", e[i].pairs[3] ? e[i].pairs[3] : "",
                          e[i].value, v);
    }
}

#endif
