/* gzwriter: gzip compression of a body written in pieces, into one gzip member. A body that fits
 * one chunk is compressed in a single call; a longer one is cut into chunks that a second thread
 * compresses while the writer goes on (pigz's method), with bounded memory. */
#ifndef ESVIGIL_GZWRITER_H
#define ESVIGIL_GZWRITER_H

#include <stddef.h>

typedef struct gzwriter gzwriter;

/* Plain bytes per chunk: 512 KiB keeps a handful in flight cheap next to a 30 MB body, and the
 * per-chunk cost (a sync marker, 32 KiB of dictionary) is under 0.1 % of it. */
#define GZWRITER_CHUNK (512u * 1024u)

/* chunk 0 means GZWRITER_CHUNK (tests pass small ones to cross boundaries). NULL when out of
 * memory. */
gzwriter *gzwriter_new(size_t chunk);
/* Adds len bytes of the body; -1 once anything failed (out of memory, zlib). */
int gzwriter_write(gzwriter *g, const void *data, size_t len);
/* Ends the member and hands over the compressed body (malloc'd, free() it, NUL-terminated past
 * *len), or NULL on failure. Either way only gzwriter_free may follow. */
char *gzwriter_finish(gzwriter *g, size_t *len);
void gzwriter_free(gzwriter *g);

#endif
