/* jsonparser: what every parser of one Elasticsearch answer built on jsonwalk
 * shares (the walk and its error label, whether the document is an object, a
 * finish that runs once), so a parser keeps only its callbacks and checks. */
#ifndef ESVIGIL_JSONPARSER_H
#define ESVIGIL_JSONPARSER_H

#include <stddef.h>

#include "jsonwalk.h"

/* What one parser is. The callbacks get the parser itself as ctx: the
 * jsonparser must be the first member of the parser's struct (say so with
 * JSONPARSER_FIRST). */
typedef struct jsonparser_kind {
    jsonwalk_callbacks cb;
    int object_only; /* a document that is not a JSON object fails at finish */
    /* After a complete document: the parser's own checks, and its samples.
     * 0, or the result of jsonparser_fail. NULL: nothing to do. */
    int (*done)(void *parser);
} jsonparser_kind;

typedef struct jsonparser {
    const jsonparser_kind *kind;
    jsonwalk *walk;
    int is_object, finished;
} jsonparser;

#define JSONPARSER_FIRST(type, member)                                                             \
    _Static_assert(offsetof(type, member) == 0, #type ": the jsonparser must come first")

/* Starts a document: jp is zeroed (calloc) or was begun before, when the old
 * walk is dropped. label (static; NULL: none) prefixes every error line
 * ("cluster health").
 * 0, or -1 when out of memory (jp then has no walk). */
int jsonparser_begin(jsonparser *jp, const jsonparser_kind *kind, const char *label);
/* Frees what jp holds, not jp. */
void jsonparser_cleanup(jsonparser *jp);

/* 0, or -1 on invalid JSON or once anything failed (the failure sticks). */
int jsonparser_feed(jsonparser *jp, const char *data, size_t len);
/* Ends the document, checks it (object_only, then done) the first time it is
 * called; later calls return what the first did. 0, or -1. */
int jsonparser_finish(jsonparser *jp);

/* Records msg (unless something failed before) and returns -1, so a callback
 * or done can `return jsonparser_fail(jp, "...")`. */
int jsonparser_fail(jsonparser *jp, const char *msg);
/* Whether anything failed (or no document was begun). */
int jsonparser_failed(const jsonparser *jp);
/* Why it failed, one line with the label; "" when nothing failed (or no
 * document was begun). */
const char *jsonparser_error(const jsonparser *jp);

/* Copies string value v into dst (size n > 0), cut to fit and NUL-terminated,
 * control characters made spaces so that a label value stays on one line. */
void jsonparser_copy_label(char *dst, size_t n, const jsonwalk_value *v);

/* Whether the document's root is an object: known from its first "{". */
int jsonparser_is_object(const jsonparser *jp);
/* Whether finish succeeded: the parser's results are complete. */
int jsonparser_finished(const jsonparser *jp);

#endif
