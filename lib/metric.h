/* metric: the in-memory snapshot model. A metric_set holds families (name,
 * type, help, label names) and their samples; collectors fill one per poll,
 * the exposition writer and the derived core read it. */
#ifndef ESVIGIL_METRIC_H
#define ESVIGIL_METRIC_H

#include <stddef.h>

typedef enum { METRIC_GAUGE, METRIC_COUNTER, METRIC_UNTYPED } metric_type;

#define METRIC_MAX_LABELS 16

/* A family definition. Usually a static table row; metric_set copies what it
 * keeps, so a def may also live on the stack. */
typedef struct metric_def {
    const char *name;
    metric_type type;
    const char *help;
    const char *labels[METRIC_MAX_LABELS + 1]; /* label names, NULL-terminated */
} metric_def;

typedef struct metric_set metric_set;
typedef struct metric_family metric_family;

metric_set *metric_set_new(void);
void metric_set_free(metric_set *s);

/* Adds one sample. values[] holds one value per label name of def (may be
 * NULL when def has no labels). The family is created on first use; a later
 * def with the same name but other labels or type is refused (-1), as is an
 * allocation failure. A series (family and label values) is held once: adding
 * it again replaces its value, so the last one wins. */
int metric_set_add(metric_set *s, const metric_def *def, const char *const *values, double v);

/* The family def describes in s, created (empty) on first use, for callers
 * that add many samples to it: metric_set_add_to then skips finding it by
 * name per sample. NULL when def conflicts with s's family of that name (as
 * metric_set_add refuses) or out of memory. Valid while the family is in s:
 * until metric_set_remove of it, or s is absorbed into another set or freed. */
metric_family *metric_set_family_for(metric_set *s, const metric_def *def);
/* metric_set_add into a family of s that metric_set_family_for returned. */
int metric_set_add_to(metric_set *s, metric_family *f, const char *const *values, double v);
/* metric_set_add_to for the many samples whose first label values are the
 * same (a node's): prefix[0..plen) holds the first nprefix values packed,
 * each followed by its NUL, back to back (as metric_pack builds them);
 * rest[] holds the family's other values. The same series as
 * metric_set_add_to makes, without measuring and copying each value again. */
int metric_set_add_prefixed(metric_set *s, metric_family *f, const char *prefix, size_t plen,
                            size_t nprefix, const char *const *rest, double v);
/* Appends values[0..n) to out as metric_set_add_prefixed's prefix; offs[k]
 * (k <= n; offs may be NULL) gets the length of the first k values packed. */
struct buf;
int metric_pack(struct buf *out, const char *const *values, size_t n, size_t *offs);

/* Until metric_set_settle, adds to s append without looking for the series
 * in its family's index: a parser that adds each of 500 nodes' samples to
 * hundreds of families (a cache miss per sample) indexes once at its end,
 * family by family. Meanwhile s takes adds and relabels only (and counts a
 * repeated series twice); anything else needs it settled. */
void metric_set_defer_index(metric_set *s);
/* Indexes what was added since metric_set_defer_index, a repeated series
 * merged as an add would have (its first place, its last value), and ends
 * the deferral. 0, or -1 when out of memory. */
int metric_set_settle(metric_set *s);

/* In family name, gives every sample whose label `label` is `from` the value
 * `to` instead (a series that then repeats another is merged into it, last
 * value winning). Returns how many samples changed, -1 when out of memory. */
int metric_set_relabel(metric_set *s, const char *name, const char *label, const char *from,
                       const char *to);

/* Copies every sample of src into dst (families merged by name). */
int metric_set_merge(metric_set *dst, const metric_set *src);
/* As merge, but moves the samples instead of copying them, and leaves src empty (also on
 * failure, which drops what was not moved yet): a collector's scratch set joins the poll's
 * without holding both at once. */
int metric_set_absorb(metric_set *dst, metric_set *src);

/* Drops a family and its samples; 1 if it was there. Later families move
 * up one place, so indexes from metric_set_family() are invalidated. */
int metric_set_remove(metric_set *s, const char *name);

/* Frees what only adding needs (each family's series index, spare sample room) in a set that
 * is done growing, such as a published snapshot's; a later add rebuilds the index. */
void metric_set_trim(metric_set *s);

size_t metric_set_family_count(const metric_set *s);
size_t metric_set_sample_count(const metric_set *s);
const metric_family *metric_set_family(const metric_set *s, size_t i);
const metric_family *metric_set_find(const metric_set *s, const char *name);

const char *metric_family_name(const metric_family *f);
const char *metric_family_help(const metric_family *f);
metric_type metric_family_type(const metric_family *f);
const char *metric_type_name(metric_type t);
size_t metric_family_label_count(const metric_family *f);
const char *metric_family_label_name(const metric_family *f, size_t j);
size_t metric_family_sample_count(const metric_family *f);
double metric_family_value(const metric_family *f, size_t i);
const char *metric_family_label_value(const metric_family *f, size_t i, size_t j);
/* All label values of sample i, each NUL-terminated, back to back in label order: a writer
 * walks them in one pass where label_value would rescan from the first for every label. */
const char *metric_family_label_values(const metric_family *f, size_t i);

/* Finds the first sample whose labels include every name=value pair of
 * pairs (name, value, name, value, ..., NULL). Returns 1 and sets *v when
 * found, 0 otherwise. */
int metric_family_lookup(const metric_family *f, const char *const *pairs, double *v);
/* Shorthand: family by name, then metric_family_lookup. */
int metric_set_lookup(const metric_set *s, const char *name, const char *const *pairs, double *v);

#endif
