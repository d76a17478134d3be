/* fuzz_jsonwalk: the streaming walker itself, fed in 2-3 chunks, with callbacks that check the
 * path bookkeeping (balanced enter/leave, array indexes, depth) and jsonwalk_match on every
 * path it reports. Some runs abort from a callback at an input-chosen event. Every input also
 * goes through the yajl walker jsonwalk replaced (jsonwalk_ref.h) in the same chunks: the
 * verdict, the events and the repairs must be the same. */
#include "../unit/jsonwalk_ref.h"
#include "fuzz_common.h"
#include "jsonwalk.h"

typedef struct walk_state {
    int is_array[JSONWALK_MAX_DEPTH];
    size_t next_index[JSONWALK_MAX_DEPTH];
    size_t open;
    size_t events;
    size_t abort_at; /* 0: never */
} walk_state;

static void check_path(const char *const *path, size_t depth)
{
    FUZZ_ASSERT(depth <= JSONWALK_MAX_DEPTH);
    char pattern[JSONWALK_MAX_DEPTH * 2 + 1];
    const char *caps[JSONWALK_MAX_DEPTH];
    size_t n = 0;
    for (size_t i = 0; i < depth; i++) {
        FUZZ_ASSERT(path[i] != NULL);
        (void)strlen(path[i]);
        pattern[n++] = '*';
        pattern[n++] = '.';
    }
    pattern[n ? n - 1 : 0] = '\0';
    /* one "*" per segment matches and captures the segments themselves */
    FUZZ_ASSERT(jsonwalk_match(pattern, path, 0, depth, caps, depth) == 1);
    for (size_t i = 0; i < depth; i++)
        FUZZ_ASSERT(caps[i] == path[i]);
    if (depth > 0) {
        FUZZ_ASSERT(jsonwalk_match("*", path, depth - 1, depth, NULL, 0) == 1);
        /* a pattern longer than the range never matches */
        FUZZ_ASSERT(jsonwalk_match(pattern, path, 1, depth, caps, 1) == 0);
        /* the path's own first segment, when it holds no dot, matches itself */
        if (!strchr(path[0], '.') && path[0][0])
            FUZZ_ASSERT(jsonwalk_match(path[0], path, 0, 1, NULL, 0) == 1);
    }
    (void)jsonwalk_match("nodes.*.jvm.mem", path, 0, depth, caps, 1);
    (void)jsonwalk_match("", path, 0, depth, NULL, 0);
}

/* Inside an array the value's last segment is its decimal index. */
static void check_element(walk_state *s, const char *const *path, size_t depth)
{
    if (depth == 0 || !s->is_array[depth - 1])
        return;
    char idx[32];
    snprintf(idx, sizeof(idx), "%zu", s->next_index[depth - 1]++);
    FUZZ_ASSERT(strcmp(path[depth - 1], idx) == 0);
}

static int tick(walk_state *s)
{
    return ++s->events == s->abort_at;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    walk_state *s = ctx;
    FUZZ_ASSERT(depth == s->open);
    check_path(path, depth);
    check_element(s, path, depth);
    FUZZ_ASSERT(v->kind == JSONWALK_NUMBER || v->kind == JSONWALK_STRING ||
                v->kind == JSONWALK_BOOL || v->kind == JSONWALK_NULL);
    if (v->kind == JSONWALK_STRING && v->len) {
        FUZZ_ASSERT(v->str != NULL);
        volatile char last = v->str[v->len - 1];
        (void)last;
    }
    if (v->kind == JSONWALK_BOOL)
        FUZZ_ASSERT(v->num == 0 || v->num == 1);
    return tick(s);
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    walk_state *s = ctx;
    FUZZ_ASSERT(depth == s->open && depth < JSONWALK_MAX_DEPTH);
    check_path(path, depth);
    check_element(s, path, depth);
    s->is_array[s->open] = is_array;
    s->next_index[s->open] = 0;
    s->open++;
    return tick(s);
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    walk_state *s = ctx;
    FUZZ_ASSERT(s->open > 0 && depth == s->open - 1);
    FUZZ_ASSERT(s->is_array[depth] == is_array);
    check_path(path, depth);
    s->open--;
    return tick(s);
}

static int walk_feed(void *w, const char *data, size_t len)
{
    return jsonwalk_feed(w, data, len);
}

/* The same chunks through jsonwalk and the yajl reference. */
static void differential(const uint8_t *data, size_t size, const fuzz_plan *plan, size_t abort_at)
{
    jwref_trace now, ref;
    jwref_trace_init(&now, abort_at);
    jwref_trace_init(&ref, abort_at);
    jwref_run(0, (const char *)data, size, plan->cut, 2, &now);
    jwref_run(1, (const char *)data, size, plan->cut, 2, &ref);
    const char *diff = jwref_compare(&now, &ref);
    if (diff)
        fprintf(stderr, "fuzz_jsonwalk: %s; jsonwalk '%s', yajl '%s'\n", diff, now.err, ref.err);
    FUZZ_ASSERT(diff == NULL);
    buf_free(&now.events);
    buf_free(&ref.events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_plan plan = fuzz_plan_of(data, size);
    differential(data, size, &plan, (plan.bits & 0x10) ? 1 + ((plan.bits >> 5) % 64) : 0);
    walk_state s = {.abort_at = (plan.bits & 0x10) ? 1 + ((plan.bits >> 5) % 64) : 0};
    static const jsonwalk_callbacks all = {on_scalar, on_enter, on_leave};
    int bare = (plan.bits & 0x8) != 0; /* no callbacks at all */
    jsonwalk *w = jsonwalk_new(bare ? NULL : &all, &s);
    FUZZ_ASSERT(w != NULL);
    int fed = fuzz_feed(walk_feed, w, data, size, &plan);
    int rc = -1;
    if (fed == 0 || (plan.bits & 1)) {
        rc = jsonwalk_finish(w);
        FUZZ_ASSERT(fed == 0 || rc != 0);
    }
    if (rc == 0) {
        FUZZ_ASSERT(s.open == 0);
        FUZZ_ASSERT(jsonwalk_error(w)[0] == '\0');
        FUZZ_ASSERT(jsonwalk_finish(w) == 0);
        FUZZ_ASSERT(jsonwalk_feed(w, " ", 1) != 0); /* nothing may follow the document */
    }
    if (rc != 0 && (fed != 0 || (plan.bits & 1)))
        FUZZ_ASSERT(jsonwalk_error(w)[0] != '\0');
    fuzz_check_line(jsonwalk_error(w));
    jsonwalk_free(w);
    return 0;
}
