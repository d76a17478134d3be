/* yajl_floor: the floor under any JSON exporter's collection, parsing the same bodies with
 * yajl and callbacks that do nothing. bench.py compares esvigil's poll time with it.
 *   yajl_floor REPEATS FILE...   prints the median seconds (CPU) of one pass over every file */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

/* Every callback returns 1 (go on): yajl still tokenises and validates everything. */
static int on_null(void *ctx)
{
    (void)ctx;
    return 1;
}
static int on_bool(void *ctx, int b)
{
    (void)ctx;
    (void)b;
    return 1;
}
static int on_number(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    (void)s;
    (void)len;
    return 1;
}
static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    (void)ctx;
    (void)s;
    (void)len;
    return 1;
}
static int on_mark(void *ctx)
{
    (void)ctx;
    return 1;
}

/* Numbers as text, as esvigil's parser takes them (no conversion the exporter would skip). */
static const yajl_callbacks callbacks = {on_null, on_bool,   NULL,    NULL,    on_number, on_string,
                                         on_mark, on_string, on_mark, on_mark, on_mark};

typedef struct body {
    unsigned char *data;
    size_t len;
} body;

static int read_file(const char *path, body *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16;
    b->data = malloc(cap);
    b->len = 0;
    size_t n;
    while (b->data && (n = fread(b->data + b->len, 1, cap - b->len, f)) > 0) {
        b->len += n;
        if (b->len == cap)
            b->data = realloc(b->data, cap *= 2);
    }
    fclose(f);
    return b->data ? 0 : -1;
}

/* Fed in 16 KiB pieces, as libcurl hands a response to its write callback. */
static int parse(const body *b)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, NULL);
    int ok = h != NULL;
    for (size_t off = 0; ok && off < b->len; off += 16384) {
        size_t n = b->len - off < 16384 ? b->len - off : 16384;
        ok = yajl_parse(h, b->data + off, n) == yajl_status_ok;
    }
    ok = ok && yajl_complete_parse(h) == yajl_status_ok;
    if (h)
        yajl_free(h);
    return ok ? 0 : -1;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeats = argc > 2 ? atoi(argv[1]) : 0;
    if (repeats < 1) {
        fprintf(stderr, "usage: yajl_floor REPEATS FILE...\n");
        return 2;
    }
    int nfiles = argc - 2;
    body *bodies = calloc((size_t)nfiles, sizeof(*bodies));
    double *took = calloc((size_t)repeats, sizeof(*took));
    for (int i = 0; i < nfiles; i++) {
        if (read_file(argv[i + 2], &bodies[i]) < 0) {
            fprintf(stderr, "yajl_floor: cannot read %s\n", argv[i + 2]);
            return 1;
        }
    }
    for (int r = 0; r < repeats; r++) {
        double t0 = cpu_now();
        for (int i = 0; i < nfiles; i++) {
            if (parse(&bodies[i]) < 0) {
                fprintf(stderr, "yajl_floor: %s is not valid JSON\n", argv[i + 2]);
                return 1;
            }
        }
        took[r] = cpu_now() - t0;
    }
    qsort(took, (size_t)repeats, sizeof(*took), cmp_double);
    printf("%.9f\n", took[repeats / 2]);
    for (int i = 0; i < nfiles; i++)
        free(bodies[i].data);
    free(bodies);
    free(took);
    return 0;
}
