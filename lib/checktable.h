/* checktable: the one table of incident checks (SPEC catalogue rows A-F and
 * esvigil's own health), read by evaluation, the --check report and the rules. */
#ifndef ESVIGIL_CHECKTABLE_H
#define ESVIGIL_CHECKTABLE_H

#include <stddef.h>

typedef enum { CMP_GT, CMP_LT } check_cmp;
typedef enum { KIND_VALUE, KIND_INCREASE, KIND_RULE_ONLY } check_kind;
typedef enum { UNIT_RATIO, UNIT_BYTES, UNIT_COUNT, UNIT_SECONDS } check_unit;

/* Evidence a level also needs: a family past a level. A host guard reads a
 * label-less esvigil_host_* family, which describes this host and so vouches
 * for the local node only; a node guard reads the subject's own sample
 * (same cluster and name), which holds for nodes seen remotely too. One host
 * or node guard holding is evidence enough. A self guard reads a label-less
 * family about the poll itself (esvigil_up) and is a precondition: every one
 * must hold, for any subject. */
typedef enum { GUARD_HOST, GUARD_NODE, GUARD_SELF } guard_scope;
typedef struct check_guard {
    const char *family;
    double above;
    guard_scope scope;
} check_guard;

#define CHECK_MAX_BY 4
#define CHECK_MAX_GUARDS 3
#define CHECK_MAX_DETAIL 4

typedef struct check_def {
    const char *name;
    check_kind kind;
    const char *family;
    const char *selector;         /* one label matcher name="value", or NULL */
    const char *by[CHECK_MAX_BY]; /* aggregation labels in the rules; cluster/name/node name the
                                     subject, any other label is its detail */
    check_cmp cmp;
    double warn, crit; /* NAN: level unused */
    /* When set, a level is reached only if one of its guards holds too. */
    check_guard guard_warn[CHECK_MAX_GUARDS];
    check_guard guard[CHECK_MAX_GUARDS];
    /* A ratio of counts means nothing on tiny numbers: the sample of this
     * family with the subject's labels (the row's "by" but instance) must
     * reach min_size, or the row is silent. min_source: what the rules read
     * instead of min_family, or NULL. */
    const char *min_family;
    double min_size;
    const char *min_source;
    const char *for_;
    check_unit unit;
    const char *seed;
    const char *summary; /* what is wrong, for humans */
    const char *hint;    /* what to do */
    const char *expr;    /* KIND_RULE_ONLY: the PromQL condition, $T = threshold */
    const char *source;  /* rules read this instead of family{selector}, or NULL */
    /* Labels of the sample that carry Elasticsearch's own words (a reason, a
     * symptom, the failed step): --check prints them under the finding. */
    const char *detail[CHECK_MAX_DETAIL];
} check_def;

size_t checktable_count(void);
/* Row i, or NULL past the end. */
const check_def *checktable_row(size_t i);
/* Index of a check by name, or -1. */
int checktable_find(const char *name);
/* Whether the rule aggregates by label. */
int checktable_by_has(const check_def *d, const char *label);

#endif
