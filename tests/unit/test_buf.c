/* test_buf: the growable buffer every renderer writes into: appends, printf, growth, reset,
 * steal and the sticky failure flag. */
#include "buf.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

START_TEST(test_init_is_empty)
{
    buf b;
    memset(&b, 0x5a, sizeof(b));
    buf_init(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    ck_assert_int_eq(b.failed, 0);
    buf_free(&b); /* freeing an untouched buffer is fine, and so is freeing twice */
    buf_free(&b);
}
END_TEST

START_TEST(test_append_puts_putc)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
    ck_assert_int_eq(buf_puts(&b, "def"), 0);
    ck_assert_int_eq(buf_putc(&b, 'g'), 0);
    ck_assert_int_eq(buf_append(&b, "xyz", 0), 0);
    ck_assert_int_eq(buf_puts(&b, ""), 0);
    ck_assert_uint_eq(b.len, 7);
    ck_assert_str_eq(b.data, "abcdefg");
    ck_assert_uint_ge(b.cap, b.len + 1);
    buf_free(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_empty_append_terminates)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "", 0), 0);
    ck_assert_ptr_nonnull(b.data);
    ck_assert_str_eq(b.data, "");
    ck_assert_uint_eq(b.len, 0);
    buf_free(&b);
}
END_TEST

/* Binary data is kept byte for byte; len, not strlen, is the truth. */
START_TEST(test_embedded_nul)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
    ck_assert_int_eq(buf_putc(&b, '\0'), 0);
    ck_assert_uint_eq(b.len, 4);
    ck_assert_int_eq(memcmp(b.data, "a\0b\0", 5), 0);
    buf_free(&b);
}
END_TEST

START_TEST(test_printf)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_puts(&b, "x="), 0);
    ck_assert_int_eq(buf_printf(&b, "%d %s %.2f", 42, "ok", 1.5), 0);
    ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
    ck_assert_int_eq(buf_printf(&b, "|%5s|", "ab"), 0);
    ck_assert_str_eq(b.data, "x=42 ok 1.50|   ab|");
    ck_assert_uint_eq(b.len, strlen("x=42 ok 1.50|   ab|"));
    buf_free(&b);
}
END_TEST

/* One printf far bigger than the initial allocation, then another on top of it. */
START_TEST(test_large_printf)
{
    enum { BIG = 300000 };
    char *s = malloc(BIG + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < BIG; i++)
        s[i] = (char)('a' + i % 26);
    s[BIG] = '\0';
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_printf(&b, "<%s>", s), 0);
    ck_assert_int_eq(buf_printf(&b, "%0*d", 100000, 7), 0);
    ck_assert_uint_eq(b.len, BIG + 2 + 100000);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(memcmp(b.data + 1, s, BIG), 0);
    ck_assert_int_eq(b.data[BIG + 1], '>');
    ck_assert_int_eq(b.data[BIG + 2], '0');
    ck_assert_int_eq(b.data[b.len - 1], '7');
    ck_assert_int_eq(b.data[b.len], '\0');
    buf_free(&b);
    free(s);
}
END_TEST

/* Many small appends cross many growth steps without losing or reordering a byte. */
START_TEST(test_growth_many_appends)
{
    enum { N = 200000 };
    buf b;
    buf_init(&b);
    int errors = 0, wrong = 0; /* counted, not asserted per byte: check asserts are slow */
    for (int i = 0; i < N; i++) {
        char c = (char)('0' + i % 10);
        errors += buf_append(&b, &c, 1) != 0;
    }
    ck_assert_int_eq(errors, 0);
    ck_assert_uint_eq(b.len, N);
    ck_assert_uint_ge(b.cap, N + 1);
    for (int i = 0; i < N; i++)
        wrong += b.data[i] != '0' + i % 10;
    ck_assert_int_eq(wrong, 0);
    ck_assert_int_eq(b.data[N], '\0');
    buf_free(&b);
}
END_TEST

START_TEST(test_reset_keeps_allocation)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "some text that is long enough");
    char *data = b.data;
    size_t cap = b.cap;
    buf_reset(&b);
    ck_assert_ptr_eq(b.data, data);
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_str_eq(b.data, "");
    buf_puts(&b, "new");
    ck_assert_str_eq(b.data, "new");
    buf_free(&b);

    buf e; /* resetting a never-used buffer must not touch a NULL pointer */
    buf_init(&e);
    buf_reset(&e);
    ck_assert_ptr_null(e.data);
}
END_TEST

START_TEST(test_steal)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "hello");
    size_t len = 0;
    char *p = buf_steal(&b, &len);
    ck_assert_str_eq(p, "hello");
    ck_assert_uint_eq(len, 5);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    free(p);

    /* The buffer is reusable afterwards, and stealing from an empty one gives "" to free. */
    buf_puts(&b, "again");
    p = buf_steal(&b, NULL);
    ck_assert_str_eq(p, "again");
    free(p);
    p = buf_steal(&b, &len);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, "");
    ck_assert_uint_eq(len, 0);
    free(p);
}
END_TEST

/* Once failed, every writer refuses without touching the content, until reset. */
START_TEST(test_failure_is_sticky)
{
    buf b;
    buf_init(&b);
    buf_puts(&b, "kept");
    b.failed = 1;
    ck_assert_int_eq(buf_append(&b, "x", 1), -1);
    ck_assert_int_eq(buf_puts(&b, "x"), -1);
    ck_assert_int_eq(buf_putc(&b, 'x'), -1);
    ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
    ck_assert_uint_eq(b.len, 4);
    ck_assert_str_eq(b.data, "kept");
    buf_reset(&b);
    ck_assert_int_eq(b.failed, 0);
    ck_assert_int_eq(buf_puts(&b, "ok"), 0);
    ck_assert_str_eq(b.data, "ok");
    buf_free(&b);
}
END_TEST

/* A size no allocation can satisfy fails cleanly (without trying to allocate it) and the
 * content so far stays intact. */
START_TEST(test_impossible_size_fails)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(buf_append(&b, "x", SIZE_MAX - 16), -1);
    ck_assert_int_eq(b.failed, 1);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(buf_puts(&b, "y"), -1);
    buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_init_is_empty);
    tcase_add_test(tc, test_append_puts_putc);
    tcase_add_test(tc, test_empty_append_terminates);
    tcase_add_test(tc, test_embedded_nul);
    tcase_add_test(tc, test_printf);
    tcase_add_test(tc, test_large_printf);
    tcase_add_test(tc, test_growth_many_appends);
    tcase_add_test(tc, test_reset_keeps_allocation);
    tcase_add_test(tc, test_steal);
    tcase_add_test(tc, test_failure_is_sticky);
    tcase_add_test(tc, test_impossible_size_fails);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
