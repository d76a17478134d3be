/* compressors: gzip size and CPU time of zlib levels 1-6, libdeflate levels 1-12 and (built with
 * -DHAVE_ISAL -lisal) ISA-L igzip levels 0-3 on one body (bench/README.md, "Compression"), whole
 * buffer in, best of RUNS.
 *   cc -O2 -o compressors bench/compressors.c -lz -ldeflate [-DHAVE_ISAL -lisal]
 *   compressors FILE [RUNS] */
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* zlib as lib/snapshot.c drives it: a gzip stream fed 64 KiB at a time. */
static size_t zlib_gzip(const char *in, size_t len, char *out, size_t cap, int level)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    for (size_t off = 0; off < len; off += 65536) {
        z.next_in = (Bytef *)in + off;
        z.avail_in = (uInt)(len - off < 65536 ? len - off : 65536);
        deflate(&z, Z_NO_FLUSH);
    }
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static size_t ld_gzip(const char *in, size_t len, char *out, size_t cap, int level)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    size_t n = libdeflate_gzip_compress(c, in, len, out, cap);
    libdeflate_free_compressor(c);
    return n;
}

#ifdef HAVE_ISAL
static const uint32_t isal_level_buf[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                          ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};

/* igzip as lib/gzwriter.c drives a whole body: one call, its hash tables allocated each time. */
static size_t isal_gzip(const char *in, size_t len, char *out, size_t cap, int level)
{
    struct isal_zstream z;
    unsigned char *lb = calloc(1, isal_level_buf[level] ? isal_level_buf[level] : 1);
    isal_deflate_init(&z);
    z.level = (uint32_t)level;
    z.level_buf = lb;
    z.level_buf_size = isal_level_buf[level];
    z.gzip_flag = IGZIP_GZIP;
    z.end_of_stream = 1;
    z.next_in = (uint8_t *)in;
    z.avail_in = (uint32_t)len;
    z.next_out = (uint8_t *)out;
    z.avail_out = (uint32_t)cap;
    int rc = isal_deflate(&z);
    free(lb);
    return rc == COMP_OK && z.internal_state.state == ZSTATE_END ? z.total_out : 0;
}
#endif

static size_t run(int lib, const char *in, size_t len, char *out, size_t cap, int level)
{
#ifdef HAVE_ISAL
    if (lib == 2)
        return isal_gzip(in, len, out, cap, level);
#endif
    return lib ? ld_gzip(in, len, out, cap, level) : zlib_gzip(in, len, out, cap, level);
}

static const char *const lib_names[] = {"zlib", "libdeflate", "igzip"};
static const int lib_levels[][2] = {{1, 6}, {1, 12}, {0, 3}};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: compressors FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *in = malloc(len), *out = malloc(len + len / 8 + 4096);
    if (!in || !out || fread(in, 1, len, f) != len)
        return 2;
    fclose(f);
    size_t cap = len + len / 8 + 4096;
    printf("%s: %zu bytes\n| compressor | level | bytes | ratio | CPU ms | MB/s |\n", argv[1], len);
#ifdef HAVE_ISAL
    int libs = 3;
#else
    int libs = 2;
#endif
    for (int lib = 0; lib < libs; lib++) {
        for (int level = lib_levels[lib][0]; level <= lib_levels[lib][1]; level++) {
            double best = 1e9;
            size_t n = 0;
            for (int r = 0; r < runs; r++) {
                double t0 = cpu_now();
                n = run(lib, in, len, out, cap, level);
                double t = cpu_now() - t0;
                best = t < best ? t : best;
            }
            printf("| %s | %d | %zu | %.1f | %.2f | %.0f |\n", lib_names[lib], level, n,
                   (double)len / (double)n, best * 1e3, (double)len / best / 1e6);
        }
    }
    free(in);
    free(out);
    return 0;
}
