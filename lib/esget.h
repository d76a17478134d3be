/* esget: one GET into a streaming parser for the optional collectors, with
 * "this cluster has no such API" (OSS builds, old versions, OpenSearch) told
 * apart from a failure, so an absent feature is not an error every poll. */
#ifndef ESVIGIL_ESGET_H
#define ESVIGIL_ESGET_H

#include <stddef.h>

#include "esclient.h"

typedef struct esget_parser {
    void *p;
    int (*feed)(void *p, const char *data, size_t len);
    int (*finish)(void *p);
    const char *(*error)(void *p);
} esget_parser;

typedef enum { ESGET_OK, ESGET_FAILED, ESGET_UNSUPPORTED } esget_status;

typedef struct esget_result {
    esget_status status;
    esclient_err err; /* ESCLIENT_OK unless FAILED */
    long http_status; /* 0 when none was received */
    char error[256];  /* "GET path: why", one line; "" when OK */
} esget_result;

/* GETs path into parser. With probe set, HTTP 400, 404, 405 and 501 (what
 * ES, OpenSearch and their OSS builds answer for an API they lack) give
 * ESGET_UNSUPPORTED instead of a failure. Returns res->status. */
esget_status esget_run(esclient *es, const char *path, const esget_parser *parser, int probe,
                       esget_result *res);

/* Appends s to out (size n, NUL-terminated) percent-encoded for a URL path
 * segment. 0, or -1 when it does not fit. */
int esget_escape(const char *s, char *out, size_t n);

#endif
