/* test_gzwriter: whatever the body's size and however it is written, the result is one gzip
 * member that zlib inflates (checking its CRC and length) back to exactly the bytes written:
 * empty, within one chunk, on and across chunk boundaries, and incompressible. */
#include "unit.h"

#include <string.h>
#include <zlib.h>

#include "gzwriter.h"

/* Inflates one gzip member that must use up all of in; returns the bytes (free them). */
static char *gunzip_one(const char *in, size_t len, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1024, n = 0;
    char *out = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (n == cap)
            out = realloc(out, cap *= 2);
        z.next_out = (Bytef *)out + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        n = z.total_out;
    } while (rc == Z_OK);
    ck_assert_int_eq(rc, Z_STREAM_END);
    ck_assert_uint_eq(z.avail_in, 0); /* one member, nothing after it */
    inflateEnd(&z);
    *outlen = n;
    return out;
}

/* Deterministic text that compresses like a page (repeats with a changing counter). */
static char *page_like(size_t len)
{
    char *p = malloc(len + 32);
    size_t n = 0;
    for (unsigned i = 0; n < len; i++)
        n += (size_t)sprintf(p + n, "demo_bytes{node=\"n%u\"} %u\n", i % 97, i * 7919u);
    return p;
}

/* xorshift bytes: nothing to compress, so outputs outgrow their first guess. */
static char *noise(size_t len)
{
    char *p = malloc(len ? len : 1);
    unsigned long x = 88172645463325252UL;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (char)x;
    }
    return p;
}

static void check_roundtrip(const char *body, size_t len, size_t chunk, size_t piece)
{
    gzwriter *g = gzwriter_new(chunk);
    ck_assert_ptr_nonnull(g);
    for (size_t off = 0; off < len; off += piece)
        ck_assert_int_eq(gzwriter_write(g, body + off, len - off < piece ? len - off : piece), 0);
    size_t zlen = 0, outlen = 0;
    char *z = gzwriter_finish(g, &zlen);
    gzwriter_free(g);
    ck_assert_ptr_nonnull(z);
    ck_assert_uint_ge(zlen, 18);
    ck_assert_int_eq((unsigned char)z[0], 0x1f);
    ck_assert_int_eq((unsigned char)z[1], 0x8b);
    char *out = gunzip_one(z, zlen, &outlen);
    ck_assert_uint_eq(outlen, len);
    ck_assert(memcmp(out, body, len) == 0);
    free(out);
    free(z);
}

START_TEST(test_empty_body)
{
    gzwriter *g = gzwriter_new(0);
    size_t zlen = 0, outlen = 1;
    char *z = gzwriter_finish(g, &zlen);
    gzwriter_free(g);
    ck_assert_ptr_nonnull(z);
    char *out = gunzip_one(z, zlen, &outlen);
    ck_assert_uint_eq(outlen, 0);
    free(out);
    free(z);
    /* nothing but zero-length writes: still empty */
    check_roundtrip("", 0, 0, 1);
}
END_TEST

/* One chunk or less: compressed whole, never a thread. */
START_TEST(test_within_one_chunk)
{
    char *p = page_like(200000);
    check_roundtrip(p, 1, 0, 1);
    check_roundtrip(p, 200000, 0, 65536);
    check_roundtrip(p, GZWRITER_CHUNK < 200000 ? GZWRITER_CHUNK : 200000, 0, 7);
    free(p);
}
END_TEST

/* Chunk sizes around the body's length and pieces of every size relative to a chunk: the
 * boundary cases are a body of exactly one or two chunks, one byte more, and a piece that
 * spans several chunks at once. */
START_TEST(test_chunk_boundaries)
{
    static const size_t chunks[] = {1000, 4096, 65536};
    char *p = page_like(300000);
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        size_t k = chunks[c];
        const size_t lens[] = {k, k + 1, 2 * k, 2 * k + 1, 7 * k - 1, 300000};
        const size_t pieces[] = {1, 999, k, k + 3, 3 * k, 300000};
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            for (size_t j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++)
                check_roundtrip(p, lens[i] < 300000 ? lens[i] : 300000, k, pieces[j]);
    }
    free(p);
}
END_TEST

/* Past the default chunk, with the ring full most of the time (a fast writer), and data that
 * does not compress. */
START_TEST(test_many_chunks)
{
    size_t len = 9 * GZWRITER_CHUNK + 12345;
    char *p = page_like(len);
    check_roundtrip(p, len, 0, 65536);
    free(p);
    char *n = noise(3 * GZWRITER_CHUNK + 1);
    check_roundtrip(n, 3 * GZWRITER_CHUNK + 1, 0, 65536);
    check_roundtrip(n, 200000, 0, 65536);
    free(n);
}
END_TEST

/* A writer freed without finishing (the render failed half way) stops its worker and leaks
 * nothing (valgrind and ASan runs see to the leak). */
START_TEST(test_free_unfinished)
{
    char *p = page_like(100000);
    gzwriter *g = gzwriter_new(1000);
    ck_assert_int_eq(gzwriter_write(g, p, 100000), 0);
    gzwriter_free(g);
    gzwriter_free(NULL);
    free(p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gzwriter");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_empty_body);
    tcase_add_test(tc, test_within_one_chunk);
    tcase_add_test(tc, test_chunk_boundaries);
    tcase_add_test(tc, test_many_chunks);
    tcase_add_test(tc, test_free_unfinished);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
