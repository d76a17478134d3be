/* jsonparser: the walk is given the parser's callbacks as they are, but for
 * enter, which passes by here first to learn what the root is. */
#include "jsonparser.h"

#include <string.h>

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    jsonparser *jp = ctx; /* the parser, whose first member jp is */
    if (depth == 0)
        jp->is_object = !is_array;
    return jp->kind->cb.enter ? jp->kind->cb.enter(ctx, path, depth, is_array) : 0;
}

int jsonparser_begin(jsonparser *jp, const jsonparser_kind *kind, const char *label)
{
    jsonwalk_callbacks cb = kind->cb;
    cb.enter = on_enter;
    jsonwalk_free(jp->walk);
    *jp = (jsonparser){.kind = kind};
    if (!(jp->walk = jsonwalk_new(&cb, jp)))
        return -1;
    jsonwalk_set_label(jp->walk, label);
    return 0;
}

void jsonparser_cleanup(jsonparser *jp)
{
    jsonwalk_free(jp->walk);
    jp->walk = NULL;
}

int jsonparser_feed(jsonparser *jp, const char *data, size_t len)
{
    return jp->walk ? jsonwalk_feed(jp->walk, data, len) : -1;
}

int jsonparser_finish(jsonparser *jp)
{
    if (jp->finished)
        return 0;
    if (!jp->walk || jsonwalk_finish(jp->walk) < 0)
        return -1;
    if (jp->kind->object_only && !jp->is_object)
        return jsonparser_fail(jp, "the response is not a JSON object");
    if (jp->kind->done && jp->kind->done(jp) != 0)
        return jsonparser_fail(jp, "the response was refused"); /* done said why, this is kept */
    jp->finished = 1;
    return 0;
}

int jsonparser_fail(jsonparser *jp, const char *msg)
{
    return jp->walk ? jsonwalk_fail(jp->walk, msg) : -1;
}

int jsonparser_failed(const jsonparser *jp)
{
    return !jp->walk || jsonwalk_failed(jp->walk);
}

const char *jsonparser_error(const jsonparser *jp)
{
    return jp->walk ? jsonwalk_error(jp->walk) : "";
}

void jsonparser_copy_label(char *dst, size_t n, const jsonwalk_value *v)
{
    size_t len = v->len < n - 1 ? v->len : n - 1;
    memcpy(dst, v->str, len);
    dst[len] = '\0';
    for (char *q = dst; *q; q++)
        if ((unsigned char)*q < ' ')
            *q = ' ';
}

int jsonparser_is_object(const jsonparser *jp)
{
    return jp->is_object;
}

int jsonparser_finished(const jsonparser *jp)
{
    return jp->finished;
}
