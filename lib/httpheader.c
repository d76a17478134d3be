/* httpheader: a small tokenizer for "a;q=0.5, b" lists; no allocation. */
#include "httpheader.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The q parameter among ";k=v" parameters in [p, end); 1.0 when absent. */
static double element_q(const char *p, const char *end)
{
    double q = 1.0;
    while (p < end && (p = memchr(p, ';', (size_t)(end - p))) != NULL) {
        p = skip_ws(p + 1);
        if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
            char *stop;
            q = strtod(p + 2, &stop);
            if (stop == p + 2 || q < 0 || q > 1)
                q = 0; /* a malformed q must not turn a refusal into consent */
        }
    }
    return q;
}

double httpheader_qvalue(const char *header, const char *token)
{
    if (!header)
        return -1;
    double exact = -1, wild = -1;
    size_t tlen = strlen(token);
    const char *p = header;
    while (*p) {
        p = skip_ws(p);
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        size_t n = strcspn(p, ";, \t");
        if (n > (size_t)(end - p))
            n = (size_t)(end - p);
        if (n == tlen && strncasecmp(p, token, n) == 0)
            exact = element_q(p, end);
        else if (n == 1 && *p == '*')
            wild = element_q(p, end);
        p = *end ? end + 1 : end;
    }
    return exact >= 0 ? exact : wild;
}

int httpheader_accepts(const char *header, const char *token)
{
    return httpheader_qvalue(header, token) > 0;
}
