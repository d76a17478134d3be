/* unit: shared glue for the check-based unit tests: a main() per suite and
 * paths to files in the source tree (tests run from the build tree). */
#ifndef ESVIGIL_UNIT_H
#define ESVIGIL_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Path of a file relative to the source tree root, in a static buffer. */
static inline const char *unit_src(const char *rel)
{
    static char path[4096];
    const char *root = getenv("ESVIGIL_SRCDIR");
    snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
    return path;
}

/* Reads a whole file; the caller frees. NULL if unreadable. */
static inline char *unit_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t r;
    while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *q = realloc(p, cap *= 2);
            if (!q) {
                free(p);
                p = NULL;
            } else {
                p = q;
            }
        }
    }
    fclose(f);
    if (p)
        p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

#define UNIT_MAIN(suite_fn)                                                                        \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *sr = srunner_create(suite_fn());                                                  \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

#endif
