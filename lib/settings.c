/* settings: each wanted key keeps its raw value per section while the document
 * streams by; at the end the winning section's value is validated and turned
 * into samples. Every other key (about a thousand defaults) is dropped. */
#include "settings.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "jsonparser.h"
#include "units.h"

/* In precedence order: a value in an earlier section wins. */
enum { SEC_TRANSIENT, SEC_PERSISTENT, SEC_DEFAULTS, NSEC };
static const char *const st_sections[NSEC] = {"transient", "persistent", "defaults"};

typedef enum {
    ST_WATERMARK, /* ratio, percentage or minimum free bytes */
    ST_HEADROOM,  /* bytes, "-1" = unset */
    ST_BOOL,
    ST_ENABLE, /* an allocation mode */
    ST_COUNT,  /* a non-negative integer */
    ST_BYTES
} st_type;

enum {
    K_WM_LOW,
    K_WM_HIGH,
    K_WM_FLOOD,
    K_HR_LOW,
    K_HR_HIGH,
    K_HR_FLOOD,
    K_THRESHOLD,
    K_SINGLE_NODE,
    K_ENABLE,
    K_RECOVERIES,
    K_RECOVERY_RATE,
    K_MAX_SHARDS,
    K_MAX_SCROLL,
    NKEYS
};

typedef struct st_key {
    const char *key;
    st_type type;
    metric_def def;  /* watermarks: the ratio family */
    metric_def def2; /* watermarks: the bytes family; enable: the state set */
} st_key;

/* clang-format off */
#define WM "cluster.routing.allocation.disk.watermark."
#define FAM(name, help) {"elasticsearch_clustersettings_" name, METRIC_GAUGE, help, {NULL}}
#define NOFAM {NULL, METRIC_GAUGE, NULL, {NULL}}

/* The first names and help strings are the reference exporter's (its
 * "flood stage ... as in bytes" included); the headroom, state set,
 * recoveries and recovery-rate families are ours, in its naming style. */
static const st_key st_keys[NKEYS] = {
    [K_WM_LOW] = {WM "low", ST_WATERMARK,
                  FAM("allocation_watermark_low_ratio", "Low watermark for disk usage as a ratio."),
                  FAM("allocation_watermark_low_bytes", "Low watermark for disk usage in bytes.")},
    [K_WM_HIGH] = {WM "high", ST_WATERMARK,
                   FAM("allocation_watermark_high_ratio",
                       "High watermark for disk usage as a ratio."),
                   FAM("allocation_watermark_high_bytes",
                       "High watermark for disk usage in bytes.")},
    [K_WM_FLOOD] = {WM "flood_stage", ST_WATERMARK,
                    FAM("allocation_watermark_flood_stage_ratio",
                        "Flood stage watermark as a ratio."),
                    FAM("allocation_watermark_flood_stage_bytes",
                        "Flood stage watermark as in bytes.")},
    [K_HR_LOW] = {WM "low.max_headroom", ST_HEADROOM,
                  FAM("allocation_watermark_low_max_headroom_bytes",
                      "Cap on the free space the low watermark requires, in bytes."),
                  NOFAM},
    [K_HR_HIGH] = {WM "high.max_headroom", ST_HEADROOM,
                   FAM("allocation_watermark_high_max_headroom_bytes",
                       "Cap on the free space the high watermark requires, in bytes."),
                   NOFAM},
    [K_HR_FLOOD] = {WM "flood_stage.max_headroom", ST_HEADROOM,
                    FAM("allocation_watermark_flood_stage_max_headroom_bytes",
                        "Cap on the free space the flood stage watermark requires, in bytes."),
                    NOFAM},
    [K_THRESHOLD] = {"cluster.routing.allocation.disk.threshold_enabled", ST_BOOL,
                     FAM("allocation_threshold_enabled", "Is disk allocation decider enabled."),
                     NOFAM},
    [K_SINGLE_NODE] = {WM "enable_for_single_data_node", ST_BOOL,
                       FAM("allocation_watermark_enable_for_single_data_node",
                           "Whether the disk watermarks apply to a cluster with a single data node "
                           "(before 8.0 they did not by default)."),
                       NOFAM},
    [K_ENABLE] = {"cluster.routing.allocation.enable", ST_ENABLE,
                  FAM("stats_shard_allocation_enabled",
                      "Current mode of cluster wide shard routing allocation settings."),
                  {"elasticsearch_clustersettings_allocation_enable", METRIC_GAUGE,
                   "Cluster wide shard allocation mode: 1 for the current state, 0 for the others.",
                   {"state", NULL}}},
    [K_RECOVERIES] = {"cluster.routing.allocation.node_concurrent_recoveries", ST_COUNT,
                      FAM("allocation_node_concurrent_recoveries",
                          "Concurrent shard recoveries allowed per node."),
                      NOFAM},
    [K_RECOVERY_RATE] = {"indices.recovery.max_bytes_per_sec", ST_BYTES,
                         FAM("indices_recovery_max_bytes_per_second",
                             "Recovery bandwidth limit per node in bytes per second."),
                         NOFAM},
    [K_MAX_SHARDS] = {"cluster.max_shards_per_node", ST_COUNT,
                      FAM("stats_max_shards_per_node",
                          "Current maximum number of shards per node setting."),
                      NOFAM},
    [K_MAX_SCROLL] = {"search.max_open_scroll_context", ST_COUNT,
                      FAM("search_max_open_scroll_context",
                          "Open scroll contexts allowed per node (search.max_open_scroll_context)."),
                      NOFAM},
};
/* clang-format on */

/* The reference's shard_allocation_enabled values are the indices. */
static const char *const st_modes[] = {"all", "primaries", "new_primaries", "none"};
#define NMODES (sizeof(st_modes) / sizeof(st_modes[0]))

#define ST_MAX_KEY 128  /* longer joined keys cannot be ours */
#define ST_MAX_VALUE 64 /* longer values cannot be valid */

typedef struct slot {
    int set, too_long;
    jsonwalk_kind kind;
    double num;
    char str[ST_MAX_VALUE];
} slot;

typedef enum { R_ABSENT, R_OK, R_UNSET, R_INVALID } st_result;

struct settings {
    jsonparser base;
    metric_set *out;
    slot raw[NKEYS][NSEC];
    /* after finish */
    st_result res[NKEYS];
    double val[NKEYS];
    settings_wm_kind wm_kind[3];
    buf warn;
    int nsections;
};
JSONPARSER_FIRST(settings, base);

/* ---- streaming: keep the raw values of the wanted keys ---- */

static int section_index(const char *name)
{
    for (int s = 0; s < NSEC; s++)
        if (strcmp(name, st_sections[s]) == 0)
            return s;
    return -1;
}

/* Joins path[from..depth-1] with "."; -1 when it does not fit. */
static int join_key(const char *const *path, size_t from, size_t depth, char *out, size_t n)
{
    size_t len = 0;
    for (size_t i = from; i < depth; i++) {
        size_t seg = strlen(path[i]);
        if (len + seg + (i > from) >= n)
            return -1;
        if (i > from)
            out[len++] = '.';
        memcpy(out + len, path[i], seg);
        len += seg;
    }
    out[len] = '\0';
    return 0;
}

static int key_index(const char *key)
{
    for (int k = 0; k < NKEYS; k++)
        if (strcmp(key, st_keys[k].key) == 0)
            return k;
    return -1;
}

static void store(slot *s, const jsonwalk_value *v)
{
    memset(s, 0, sizeof(*s));
    s->set = 1;
    s->kind = v->kind;
    s->num = v->num;
    if (v->kind != JSONWALK_STRING)
        return;
    if (v->len >= sizeof(s->str)) {
        s->too_long = 1;
        return;
    }
    memcpy(s->str, v->str, v->len);
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    settings *p = ctx;
    char key[ST_MAX_KEY];
    if (depth < 2 || v->kind == JSONWALK_NULL)
        return 0;
    int sec = section_index(path[0]);
    if (sec < 0 || join_key(path, 1, depth, key, sizeof(key)) < 0)
        return 0;
    int k = key_index(key);
    if (k >= 0)
        store(&p->raw[k][sec], v);
    return 0;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    settings *p = ctx;
    if (depth == 1 && jsonparser_is_object(&p->base) && !is_array && section_index(path[0]) >= 0)
        p->nsections++;
    return 0;
}

/* ---- validation of the winning values ---- */

/* An unsigned plain decimal ("12", "0.85", ".5") as a correctly rounded
 * double divided by 10^shift: one division of exact operands. */
static int scan_decimal(const char *s, int shift, double *v)
{
    static const double tens[] = {1e0, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                  1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
    unsigned long long mant = 0;
    int digits = 0, frac = 0, dot = 0;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
        } else if (isdigit((unsigned char)*s) && digits < 15) {
            mant = mant * 10 + (unsigned)(*s - '0');
            digits++;
            frac += dot;
        } else {
            return -1;
        }
    }
    if (digits == 0)
        return -1;
    *v = (double)mant / tens[frac + shift];
    return 0;
}

static int parse_watermark(const slot *s, double *v, settings_wm_kind *kind, const char **why)
{
    *why = "not a ratio, percentage or byte size";
    if (s->kind == JSONWALK_NUMBER) {
        *kind = SETTINGS_WM_RATIO;
        *v = s->num;
        if (s->num > 1)
            *why = "a bare number above 1 (write N% or a byte size)";
        return s->num >= 0 && s->num <= 1 ? 0 : -1;
    }
    if (s->kind != JSONWALK_STRING)
        return -1;
    size_t len = strlen(s->str);
    char tmp[ST_MAX_VALUE];
    if (len > 0 && s->str[len - 1] == '%') {
        memcpy(tmp, s->str, len - 1);
        tmp[len - 1] = '\0';
        *kind = SETTINGS_WM_RATIO;
        if (scan_decimal(tmp, 2, v) < 0 || *v > 1)
            return (*why = "not a percentage from 0% to 100%"), -1;
        return 0;
    }
    if (scan_decimal(s->str, 0, v) == 0) {
        *kind = SETTINGS_WM_RATIO;
        if (*v > 1)
            *why = "a bare number above 1 (write N% or a byte size)";
        return *v <= 1 ? 0 : -1;
    }
    *kind = SETTINGS_WM_BYTES;
    return units_parse_bytes(s->str, v);
}

static int parse_bytes(const slot *s, double *v)
{
    if (s->kind == JSONWALK_NUMBER) {
        *v = s->num;
        return isfinite(s->num) && s->num >= 0 ? 0 : -1;
    }
    return s->kind == JSONWALK_STRING ? units_parse_bytes(s->str, v) : -1;
}

static int parse_count(const slot *s, double *v)
{
    if (s->kind == JSONWALK_NUMBER) {
        *v = s->num;
        return s->num >= 0 && s->num <= 1e15 && s->num == floor(s->num) ? 0 : -1;
    }
    if (s->kind != JSONWALK_STRING || strchr(s->str, '.'))
        return -1;
    return scan_decimal(s->str, 0, v);
}

static int parse_bool(const slot *s, double *v)
{
    if (s->kind == JSONWALK_BOOL) {
        *v = s->num;
        return 0;
    }
    if (s->kind != JSONWALK_STRING)
        return -1;
    if (strcasecmp(s->str, "true") == 0 || strcasecmp(s->str, "false") == 0) {
        *v = s->str[0] == 't' || s->str[0] == 'T';
        return 0;
    }
    return -1;
}

static int parse_enable(const slot *s, double *v)
{
    if (s->kind != JSONWALK_STRING)
        return -1;
    for (size_t m = 0; m < NMODES; m++) {
        if (strcasecmp(s->str, st_modes[m]) == 0) {
            *v = (double)m;
            return 0;
        }
    }
    return -1;
}

/* The value of key k from slot s: R_OK, R_UNSET (headroom "-1") or R_INVALID. */
static st_result parse_value(settings *p, int k, const slot *s, const char **why)
{
    double *v = &p->val[k];
    int wm = k - K_WM_LOW;
    *why = NULL;
    if (s->too_long)
        return R_INVALID;
    switch (st_keys[k].type) {
    case ST_WATERMARK:
        return parse_watermark(s, v, &p->wm_kind[wm], why) == 0 ? R_OK : R_INVALID;
    case ST_HEADROOM:
        if ((s->kind == JSONWALK_NUMBER && s->num == -1) || strcmp(s->str, "-1") == 0)
            return R_UNSET;
        return parse_bytes(s, v) == 0 ? R_OK : R_INVALID;
    case ST_BOOL:
        return parse_bool(s, v) == 0 ? R_OK : R_INVALID;
    case ST_ENABLE:
        return parse_enable(s, v) == 0 ? R_OK : R_INVALID;
    case ST_COUNT:
        return parse_count(s, v) == 0 ? R_OK : R_INVALID;
    case ST_BYTES:
        return parse_bytes(s, v) == 0 ? R_OK : R_INVALID;
    }
    return R_INVALID;
}

/* One line naming the key, the value (made printable) and its section. */
static void warn(settings *p, int k, int sec, const slot *s, const char *why)
{
    char shown[ST_MAX_VALUE + 8];
    if (s->too_long)
        snprintf(shown, sizeof(shown), "(over %d bytes)", ST_MAX_VALUE - 1);
    else if (s->kind == JSONWALK_STRING)
        snprintf(shown, sizeof(shown), "\"%s\"", s->str);
    else if (s->kind == JSONWALK_BOOL)
        snprintf(shown, sizeof(shown), "%s", s->num ? "true" : "false");
    else
        snprintf(shown, sizeof(shown), "%.17g", s->num);
    for (char *c = shown; *c; c++)
        if (!isprint((unsigned char)*c))
            *c = '?';
    buf_printf(&p->warn, "%s%s: invalid value %s in %s%s%s", p->warn.len ? "; " : "",
               st_keys[k].key, shown, st_sections[sec], why ? ": " : "", why ? why : "");
}

static void resolve(settings *p)
{
    for (int k = 0; k < NKEYS; k++) {
        p->res[k] = R_ABSENT;
        for (int sec = 0; sec < NSEC; sec++) {
            const slot *s = &p->raw[k][sec];
            if (!s->set)
                continue;
            const char *why;
            p->res[k] = parse_value(p, k, s, &why);
            if (p->res[k] == R_INVALID)
                warn(p, k, sec, s, why);
            break;
        }
    }
}

/* ---- samples ---- */

static int emit_key(settings *p, int k)
{
    const st_key *t = &st_keys[k];
    double v = p->val[k];
    if (t->type == ST_WATERMARK)
        return metric_set_add(
            p->out, p->wm_kind[k - K_WM_LOW] == SETTINGS_WM_RATIO ? &t->def : &t->def2, NULL, v);
    if (metric_set_add(p->out, &t->def, NULL, v) < 0)
        return -1;
    if (t->type != ST_ENABLE)
        return 0;
    for (size_t m = 0; m < NMODES; m++) {
        const char *state[1] = {st_modes[m]};
        if (metric_set_add(p->out, &t->def2, state, (double)m == v) < 0)
            return -1;
    }
    return 0;
}

static int emit(settings *p)
{
    for (int k = 0; k < NKEYS; k++)
        if (p->res[k] == R_OK && emit_key(p, k) < 0)
            return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

/* ---- public API ---- */

static int done(void *ctx)
{
    settings *p = ctx;
    if (p->nsections == 0)
        return jsonparser_fail(&p->base,
                               "no persistent, transient or defaults section in the response");
    resolve(p);
    if (p->warn.failed || emit(p) < 0)
        return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

settings *settings_new(metric_set *out)
{
    static const jsonparser_kind kind = {{on_scalar, on_enter, NULL}, 1, done};
    settings *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    buf_init(&p->warn);
    if (jsonparser_begin(&p->base, &kind, "cluster settings") < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void settings_free(settings *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    buf_free(&p->warn);
    free(p);
}

int settings_feed(void *ctx, const char *data, size_t len)
{
    return jsonparser_feed(&((settings *)ctx)->base, data, len);
}

int settings_finish(settings *p)
{
    return jsonparser_finish(&p->base);
}

const char *settings_error(const settings *p)
{
    return jsonparser_error(&p->base);
}

const char *settings_warning(const settings *p)
{
    return jsonparser_finished(&p->base) && p->warn.len ? p->warn.data : "";
}

int settings_get_watermark(const settings *p, const char *which, settings_watermark *out)
{
    static const char *const names[3] = {"low", "high", "flood_stage"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(which, names[i]) != 0)
            continue;
        int ok = jsonparser_finished(&p->base) && p->res[K_WM_LOW + i] == R_OK;
        int hr = jsonparser_finished(&p->base) && p->res[K_HR_LOW + i] == R_OK;
        out->kind = ok ? p->wm_kind[i] : SETTINGS_WM_NONE;
        out->value = ok ? p->val[K_WM_LOW + i] : 0;
        out->max_headroom = hr ? p->val[K_HR_LOW + i] : -1;
        return 0;
    }
    return -1;
}

double settings_watermark_required_free(const settings_watermark *w, double size)
{
    if (w->kind == SETTINGS_WM_BYTES)
        return w->value;
    double req = (1 - w->value) * size;
    return w->max_headroom >= 0 && req > w->max_headroom ? w->max_headroom : req;
}

int settings_threshold_enabled(const settings *p)
{
    return jsonparser_finished(&p->base) && p->res[K_THRESHOLD] == R_OK ? (int)p->val[K_THRESHOLD]
                                                                        : -1;
}

const char *settings_allocation_enable(const settings *p)
{
    return jsonparser_finished(&p->base) && p->res[K_ENABLE] == R_OK
               ? st_modes[(int)p->val[K_ENABLE]]
               : NULL;
}
