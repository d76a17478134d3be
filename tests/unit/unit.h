/* unit: shared glue for the check-based unit tests: a main() per suite and
 * paths to files in the source tree (tests run from the build tree). */
#ifndef ESVIGIL_UNIT_H
#define ESVIGIL_UNIT_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

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

/* Skips counted across check's forked children: a page shared before the
 * fork, since a child's globals die with it. */
static int *unit_skips;

/* Call, then return from the test: says why on stderr and makes the
 * program exit 77 (automake's SKIP) unless another test failed. The other
 * tests still ran; the log lists them. */
__attribute__((format(printf, 1, 2))) static inline void unit_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("SKIP: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (unit_skips)
        __atomic_add_fetch(unit_skips, 1, __ATOMIC_SEQ_CST);
}

static inline int unit_exit_status(int failed)
{
    if (failed)
        return EXIT_FAILURE;
    return unit_skips && *unit_skips ? 77 : EXIT_SUCCESS;
}

#define UNIT_MAIN(suite_fn)                                                                        \
    int main(void)                                                                                 \
    {                                                                                              \
        void *page =                                                                               \
            mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);    \
        if (page == MAP_FAILED)                                                                    \
            return 99; /* automake: hard error */                                                  \
        unit_skips = page;                                                                         \
        SRunner *sr = srunner_create(suite_fn());                                                  \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return unit_exit_status(failed);                                                           \
    }

#endif
