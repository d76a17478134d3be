/* checks: evaluates the check table (checktable.h) on a metric set. The same
 * rows drive esvigil_check_status, the --check report (checkreport.h) and
 * the Prometheus alert rules (checkrules.h), so they cannot disagree. */
#ifndef ESVIGIL_CHECKS_H
#define ESVIGIL_CHECKS_H

#include <stddef.h>

#include "buf.h"
#include "metric.h"

typedef enum {
    CHECK_OK = 0,
    CHECK_WARNING = 1,
    CHECK_CRITICAL = 2,
    CHECK_UNKNOWN = 3
} check_status;

const char *check_status_name(check_status s); /* "OK", "WARNING", "CRITICAL", "UNKNOWN" */

/* Thresholds in force, one pair per check row (NAN = level unused).
 * Public: the config module fills overrides. */
typedef struct checks_thresholds {
    size_t count;
    double *warning;
    double *critical;
    double *minimum; /* size a row's min_family must reach; NAN = no minimum */
} checks_thresholds;

size_t checks_count(void);
const char *checks_name(size_t i);
/* Index of a check by name, or -1. */
int checks_find(const char *name);

/* Defaults from the table; free with checks_thresholds_free. NULL on OOM. */
checks_thresholds *checks_thresholds_new(void);
void checks_thresholds_free(checks_thresholds *t);

/* One finding: a check that is not OK on one subject. */
typedef struct check_finding {
    size_t check; /* row index */
    check_status status;
    double value;
    double threshold;
    char subject[160]; /* "es-data-1", "es-data-1 breaker=parent", "cluster prod" */
    char detail[320];  /* the row's detail labels, "reason=..."; "" when it has none */
} check_finding;

typedef struct checks_result {
    check_finding *findings; /* owned; worst first */
    size_t nfindings;
    size_t evaluated; /* how many (check, subject) pairs had data */
    check_status worst;
} checks_result;

/* Counter values seen at the previous evaluation, for "new trip" checks. */
typedef struct checks_state checks_state;
checks_state *checks_state_new(void);
void checks_state_free(checks_state *st);

typedef struct checks_context {
    const char *cluster; /* labels for host-level checks; "" when unknown */
    const char *local_node;
} checks_context;

/* Evaluates every row on set (raw + derived families). Adds
 * esvigil_check_status samples to out (may be NULL) and fills res (may be
 * NULL; release with checks_result_free). st may be NULL: counter checks
 * then have no previous value and stay OK. 0, or -1 on OOM. */
int checks_evaluate(const metric_set *set, const checks_thresholds *t, const checks_context *ctx,
                    checks_state *st, metric_set *out, checks_result *res);
void checks_result_free(checks_result *res);

#endif
