/* indexfilter: regcomp'd include/exclude patterns, anchored as ^(re)$ so a
 * pattern names whole indices ("logs-.*" does not match "old-logs-1"). */
#include "indexfilter.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct indexfilter {
    int has_include, has_exclude;
    regex_t include, exclude;
};

static int compile(regex_t *r, const char *re, char *why, size_t n)
{
    size_t len = strlen(re) + 5;
    char *anchored = malloc(len);
    if (!anchored) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    snprintf(anchored, len, "^(%s)$", re);
    int rc = regcomp(r, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc != 0) {
        char msg[200];
        regerror(rc, r, msg, sizeof(msg));
        snprintf(why, n, "not a POSIX extended regex (%s)", msg);
        return -1;
    }
    return 0;
}

int indexfilter_check(const char *re, char *why, size_t n)
{
    regex_t r;
    if (compile(&r, re, why, n) != 0)
        return -1;
    regfree(&r);
    return 0;
}

indexfilter *indexfilter_new(const char *include, const char *exclude, char *err, size_t errlen)
{
    indexfilter *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[256];
    if (include && *include) {
        if (compile(&f->include, include, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "es.indices.include: %s", why);
            free(f);
            return NULL;
        }
        f->has_include = 1;
    }
    if (exclude && *exclude) {
        if (compile(&f->exclude, exclude, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "es.indices.exclude: %s", why);
            indexfilter_free(f);
            return NULL;
        }
        f->has_exclude = 1;
    }
    return f;
}

void indexfilter_free(indexfilter *f)
{
    if (!f)
        return;
    if (f->has_include)
        regfree(&f->include);
    if (f->has_exclude)
        regfree(&f->exclude);
    free(f);
}

int indexfilter_keep(const indexfilter *f, const char *name, size_t len)
{
    if (!f || (!f->has_include && !f->has_exclude))
        return 1;
    char small[256];
    char *s = len < sizeof(small) ? small : malloc(len + 1);
    if (!s)
        return 0;
    memcpy(s, name, len);
    s[len] = '\0';
    /* A name with a NUL byte cannot be matched whole: only "no include" keeps it. */
    int whole = strlen(s) == len;
    int keep = f->has_include ? whole && regexec(&f->include, s, 0, NULL, 0) == 0 : 1;
    if (keep && f->has_exclude && whole)
        keep = regexec(&f->exclude, s, 0, NULL, 0) != 0;
    if (s != small)
        free(s);
    return keep;
}
