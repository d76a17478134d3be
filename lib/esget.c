/* esget: the optional collectors share one request path: fetch, finish the
 * parser, and classify the outcome. */
#include "esget.h"

#include <stdio.h>
#include <string.h>

static int unsupported_status(long s)
{
    return s == 400 || s == 404 || s == 405 || s == 501;
}

esget_status esget_run(esclient *es, const char *path, const esget_parser *parser, int probe,
                       esget_result *res)
{
    char detail[sizeof(res->error)] = "";
    memset(res, 0, sizeof(*res));
    esclient_err e =
        esclient_get(es, path, parser->feed, parser->p, &res->http_status, detail, sizeof(detail));
    if (e == ESCLIENT_OK && parser->finish(parser->p) != 0) {
        e = ESCLIENT_ERR_BAD_JSON;
        snprintf(detail, sizeof(detail), "GET %s: invalid JSON: %s", path,
                 parser->error(parser->p));
    }
    res->err = e;
    if (e == ESCLIENT_OK) {
        res->status = ESGET_OK;
    } else if (probe && e == ESCLIENT_ERR_HTTP_STATUS && unsupported_status(res->http_status)) {
        res->status = ESGET_UNSUPPORTED;
        snprintf(res->error, sizeof(res->error), "GET %s: HTTP %ld: not supported by this cluster",
                 path, res->http_status);
    } else {
        res->status = ESGET_FAILED;
        snprintf(res->error, sizeof(res->error), "%s", detail);
    }
    return res->status;
}

int esget_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
        size_t need = plain ? 1 : 3;
        if (len + need >= n)
            return -1;
        if (plain) {
            out[len++] = (char)c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        }
    }
    out[len] = '\0';
    return 0;
}
