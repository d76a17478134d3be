/* test_dashboard: the Grafana dashboard from the check table: a panel per
 * check family, thresholds as lines that follow overrides, balanced JSON. */
#include "dashboard.h"
#include "unit.h"

#include <math.h>
#include <string.h>

#include "checktable.h"

static char *render(const checks_thresholds *t)
{
    buf b;
    buf_init(&b);
    ck_assert_int_eq(dashboard_render(t, &b), 0);
    size_t len;
    return buf_steal(&b, &len);
}

/* Brackets balance outside strings, and strings close. */
static void assert_balanced(const char *s)
{
    int depth = 0, in_str = 0;
    for (; *s; s++) {
        if (in_str) {
            if (*s == '\\')
                s++;
            else if (*s == '"')
                in_str = 0;
            continue;
        }
        if (*s == '"')
            in_str = 1;
        else if (*s == '{' || *s == '[')
            depth++;
        else if (*s == '}' || *s == ']')
            ck_assert_int_ge(--depth, 0);
    }
    ck_assert_int_eq(in_str, 0);
    ck_assert_int_eq(depth, 0);
}

START_TEST(test_every_family_has_a_panel)
{
    checks_thresholds *t = checks_thresholds_new();
    char *json = render(t);
    assert_balanced(json);
    for (size_t i = 0; i < checktable_count(); i++) {
        const check_def *d = checktable_row(i);
        ck_assert_msg(strstr(json, d->family) != NULL, "no panel reads %s", d->family);
    }
    /* the three watermarks share one panel, split by their label */
    ck_assert_ptr_nonnull(
        strstr(json, "\"title\": \"disk_low_watermark / disk_high_watermark / disk_flood_stage\""));
    ck_assert_ptr_nonnull(strstr(json, "max by (cluster, name, watermark) "
                                       "(esvigil_disk_watermark_headroom_bytes{"));
    ck_assert_ptr_nonnull(strstr(json, "\"name\": \"datasource\""));
    ck_assert_ptr_nonnull(strstr(json, "esvigil_check_status{cluster=~\\\"$cluster\\\"}) > 0"));
    free(json);
    checks_thresholds_free(t);
}
END_TEST

START_TEST(test_thresholds_follow_overrides)
{
    checks_thresholds *t = checks_thresholds_new();
    int heap = checktable_find("heap_used");
    ck_assert_int_ge(heap, 0);
    t->warning[heap] = 0.75;
    t->critical[heap] = NAN;
    char *json = render(t);
    const char *p = strstr(json, "\"title\": \"heap_used\"");
    ck_assert_ptr_nonnull(p);
    const char *steps = strstr(p, "\"steps\": [");
    ck_assert_ptr_nonnull(steps);
    ck_assert_int_eq(strncmp(steps,
                             "\"steps\": [{\"color\": \"green\", \"value\": null}, "
                             "{\"color\": \"yellow\", \"value\": 0.75}]",
                             77),
                     0);
    free(json);
    checks_thresholds_free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dashboard");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_every_family_has_a_panel);
    tcase_add_test(tc, test_thresholds_follow_overrides);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
