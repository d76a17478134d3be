/* buf: a growable byte buffer. Every writer in lib/ renders into one; the
 * struct is public because callers read data/len directly. */
#ifndef ESVIGIL_BUF_H
#define ESVIGIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct buf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    int failed; /* sticky: set once an allocation failed, later appends are no-ops */
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b); /* keeps the allocation */
/* Room for extra more bytes (and the NUL) past len without moving; -1 (and failed) on OOM. */
int buf_reserve(buf *b, size_t extra);
int buf_append(buf *b, const void *data, size_t n);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Replaces the contents with data[0..n) (buf_reset, then buf_append), inline
 * for the parsers that keep a field per row. */
static inline int buf_set(buf *b, const void *data, size_t n)
{
    if (n >= b->cap) {
        buf_reset(b);
        return buf_append(b, data, n);
    }
    memcpy(b->data, data, n);
    b->data[n] = '\0';
    b->len = n;
    b->failed = 0;
    return 0;
}
/* Hands the bytes to the caller (free() them) and leaves b empty. */
char *buf_steal(buf *b, size_t *len);

#endif
