/* parserops: void * adapters of a streaming parser's typed finish, error and
 * free, for the tables that drive every parser one way (collect's endpoints,
 * the optional collectors, esget): a call through a pointer of another type
 * would be undefined behaviour. Header only: the adapters are static. */
#ifndef ESVIGIL_PARSEROPS_H
#define ESVIGIL_PARSEROPS_H

/* Defines mod##_finish_v and mod##_error_v around mod##_finish and mod##_error. */
#define PARSEROPS_ADAPT(mod)                                                                       \
    static int mod##_finish_v(void *p)                                                             \
    {                                                                                              \
        return mod##_finish(p);                                                                    \
    }                                                                                              \
    static const char *mod##_error_v(void *p)                                                      \
    {                                                                                              \
        return mod##_error(p);                                                                     \
    }

/* The same, and mod##_close around mod##_free. */
#define PARSEROPS_ADAPT_CLOSE(mod)                                                                 \
    PARSEROPS_ADAPT(mod)                                                                           \
    static void mod##_close(void *p)                                                               \
    {                                                                                              \
        mod##_free(p);                                                                             \
    }

#endif
