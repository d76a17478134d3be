/* jsonwalk: streaming JSON walker (its own parser, accepting what yajl 2.1
 * did). It tracks the path from the root and hands each scalar, and each
 * container's entry and exit, to callbacks, so table-driven parsers never
 * build a document tree. */
#ifndef ESVIGIL_JSONWALK_H
#define ESVIGIL_JSONWALK_H

#include <stddef.h>

#define JSONWALK_MAX_DEPTH 64

typedef enum { JSONWALK_NUMBER, JSONWALK_STRING, JSONWALK_BOOL, JSONWALK_NULL } jsonwalk_kind;

typedef struct jsonwalk_value {
    jsonwalk_kind kind;
    double num;      /* JSONWALK_NUMBER; also 1/0 for JSONWALK_BOOL */
    const char *str; /* JSONWALK_STRING: not NUL-terminated, valid during the call */
    size_t len;
} jsonwalk_value;

/* path[0..depth-1] are the keys from the root; array elements appear as
 * their decimal index ("0", "1", ...). Any callback may be NULL; a non-zero
 * return aborts the parse. */
typedef struct jsonwalk_callbacks {
    int (*scalar)(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v);
    int (*enter)(void *ctx, const char *const *path, size_t depth, int is_array);
    int (*leave)(void *ctx, const char *const *path, size_t depth, int is_array);
} jsonwalk_callbacks;

typedef struct jsonwalk jsonwalk;

jsonwalk *jsonwalk_new(const jsonwalk_callbacks *cb, void *ctx);
void jsonwalk_free(jsonwalk *w);
/* 0, or -1 on a syntax error, excessive depth or a callback abort. */
int jsonwalk_feed(jsonwalk *w, const char *data, size_t len);
/* Ends the document; -1 if it was incomplete or invalid. */
int jsonwalk_finish(jsonwalk *w);
/* Why the walk failed (one line, owned by w), "" while it has not. */
const char *jsonwalk_error(const jsonwalk *w);

/* Strings and keys that were not valid UTF-8: the walk goes on and the
 * callbacks see them repaired by utf8_repair, so one bad index name costs
 * one odd label, not the whole answer. Counted per walk here and for the
 * whole process in utf8_repaired_total. */
unsigned long long jsonwalk_invalid_utf8(const jsonwalk *w);

/* Bytes lexed so far: each byte fed is read once, a token split across
 * feeds carried over rather than re-read, so this is the input's size,
 * linear whatever the feed size (tests prove it). */
unsigned long long jsonwalk_lexed_bytes(const jsonwalk *w);

/* Parsers built on jsonwalk fail through it, so the failure is sticky and
 * the error line has one home: records msg unless the walk already failed,
 * makes every later feed and finish fail, and returns -1 (a callback can
 * `return jsonwalk_fail(w, "...")`). */
int jsonwalk_fail(jsonwalk *w, const char *msg);
int jsonwalk_failed(const jsonwalk *w);
/* Prefix every error line with "label: " (a static string, e.g.
 * "cluster health"), for parsers whose errors must say what was parsed. */
void jsonwalk_set_label(jsonwalk *w, const char *label);

/* s[0..len) as a double when it is a plain decimal ("-12", "3.25") that
 * converts exactly the way strtod would, much faster: 0, else -1 (no
 * exponent, sign other than '-', blank, or too many digits; use strtod). */
int jsonwalk_number(const char *s, size_t len, double *out);

/* Matches path[from..depth-1] against a dotted pattern where "*" matches
 * any one segment. Up to maxcap matched "*" segments are stored in caps.
 * Returns 1 on a full match. */
int jsonwalk_match(const char *pattern, const char *const *path, size_t from, size_t depth,
                   const char **caps, size_t maxcap);

#endif
