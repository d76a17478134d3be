/* indexfilter: which indices the index-level collectors export, from the
 * es.indices.include / es.indices.exclude regexes (POSIX extended, matched
 * against the whole index name). */
#ifndef ESVIGIL_INDEXFILTER_H
#define ESVIGIL_INDEXFILTER_H

#include <stddef.h>

typedef struct indexfilter indexfilter;

/* include/exclude may be NULL or "" (no such filter). NULL with one line in
 * err when a regex does not compile or memory runs out. */
indexfilter *indexfilter_new(const char *include, const char *exclude, char *err, size_t errlen);
void indexfilter_free(indexfilter *f);
/* 1 when the index (len bytes, need not be NUL-terminated) is exported. A
 * NULL filter keeps everything. */
int indexfilter_keep(const indexfilter *f, const char *name, size_t len);
/* 0 when re compiles, else -1 with regerror's reason in why (for config). */
int indexfilter_check(const char *re, char *why, size_t n);

#endif
