/* catjson: streaming scanner for the JSON of Elasticsearch's _cat APIs, an
 * array of flat objects whose values are scalars, cheaper than yajl+jsonwalk
 * for that one shape; any other shape is a parse error. */
#ifndef ESVIGIL_CATJSON_H
#define ESVIGIL_CATJSON_H

#include <stddef.h>

typedef enum { CATJSON_STRING, CATJSON_NUMBER, CATJSON_BOOL, CATJSON_NULL } catjson_kind;

/* Strings as yajl+jsonwalk hand them over: escapes decoded (a high surrogate
 * not followed by a \u escape becomes '?', \u0000 a NUL byte), then
 * ill-formed UTF-8 repaired by utf8_repair. Numbers are the token as
 * written (JSON's grammar, checked); booleans and null their literal. */
typedef struct catjson_value {
    catjson_kind kind;
    const char *str; /* not NUL-terminated, valid during the callback only */
    size_t len;
    int has_nul; /* a STRING holding a NUL byte (only a \u0000 escape makes one) */
} catjson_value;

/* A non-zero return aborts the scan (call catjson_fail first to say why). */
typedef struct catjson_callbacks {
    /* The value of columns[column] in the current row; a column named twice
     * in a row is reported twice, other columns not at all. */
    int (*value)(void *ctx, size_t column, const catjson_value *v);
    /* The current row's closing brace. */
    int (*row)(void *ctx);
} catjson_callbacks;

typedef struct catjson catjson;

/* columns[0..ncolumns) are the names the caller reads (borrowed, must
 * outlive the scanner); a key is matched as yajl+jsonwalk would: decoded,
 * repaired and up to its first NUL. NULL when out of memory. */
catjson *catjson_new(const char *const *columns, size_t ncolumns, const catjson_callbacks *cb,
                     void *ctx);
void catjson_free(catjson *c);
/* Feeds the next piece of the document (pieces may split anything, even an
 * escape). 0, or -1 on invalid JSON, another shape, out of memory or a
 * callback abort. Work and memory are linear in the input: only a token
 * that spans pieces is copied. */
int catjson_feed(catjson *c, const char *data, size_t len);
/* Ends the document; -1 if it was incomplete or invalid. */
int catjson_finish(catjson *c);
/* Why the scan failed (one line, owned by c), "" while it has not. */
const char *catjson_error(const catjson *c);
/* Records msg unless the scan already failed, makes every later feed and
 * finish fail, and returns -1. */
int catjson_fail(catjson *c, const char *msg);
int catjson_failed(const catjson *c);
/* Strings and keys repaired (also counted in utf8_repaired_total). */
unsigned long long catjson_invalid_utf8(const catjson *c);
/* Rows completed so far. */
size_t catjson_rows(const catjson *c);

#endif
