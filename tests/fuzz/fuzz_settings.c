/* fuzz_settings: the /_cluster/settings parser fed in 2-3 chunks, then every accessor the
 * derived checks use. */
#include "fuzz_common.h"
#include "settings.h"

static void check_accessors(const settings *p)
{
    static const char *const which[] = {"low", "high", "flood_stage", "medium", ""};
    for (size_t i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
        settings_watermark wm = {SETTINGS_WM_NONE, -7, -7};
        int rc = settings_get_watermark(p, which[i], &wm);
        FUZZ_ASSERT(rc == (i < 3 ? 0 : -1));
        FUZZ_ASSERT(wm.kind == SETTINGS_WM_NONE || wm.kind == SETTINGS_WM_RATIO ||
                    wm.kind == SETTINGS_WM_BYTES);
        if (wm.kind == SETTINGS_WM_RATIO)
            FUZZ_ASSERT(wm.value >= 0 && wm.value <= 1);
    }
    int te = settings_threshold_enabled(p);
    FUZZ_ASSERT(te >= -1 && te <= 1);
    const char *en = settings_allocation_enable(p);
    FUZZ_ASSERT(en == NULL || !strcmp(en, "all") || !strcmp(en, "primaries") ||
                !strcmp(en, "new_primaries") || !strcmp(en, "none"));
    fuzz_check_line(settings_warning(p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    metric_set *out = metric_set_new();
    settings *p = out ? settings_new(out) : NULL;
    FUZZ_ASSERT(p != NULL);
    int fed = fuzz_feed(settings_feed, p, data, size, &plan);
    if (fed == 0 || (plan.bits & 1)) {
        int rc = settings_finish(p);
        FUZZ_ASSERT(fed == 0 || rc != 0);
        if (rc == 0) {
            check_accessors(p);
            fuzz_check_set(out);
        }
    }
    fuzz_check_line(settings_error(p));
    settings_free(p);
    metric_set_free(out);
    return 0;
}
