/* nodeinfo: reads the local node's info (identity, roles, pid, heap, compressed
 * oops) and the elected master's id through jsonwalk, keeping only the fields used. */
#include "nodeinfo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonparser.h"

/* The reference exporter's getRoles roles, in es_*_node label order. */
enum { ROLE_MASTER, ROLE_DATA, ROLE_INGEST, ROLE_CLIENT, NROLES };
static const char *const role_names[NROLES] = {"master", "data", "ingest", "client"};

enum { S_ID, S_NAME, S_HOST, S_VERSION, S_CLUSTER, NSTRS };

/* What a value below nodes.<id> means; matched with jsonwalk_match. */
typedef enum {
    K_NAME,
    K_HOST,
    K_VERSION,
    K_PID,
    K_HEAP,
    K_OOPS,
    K_ROLE,
    K_ATTR,
    K_JVM_START
} field_kind;
static const struct {
    const char *pattern;
    field_kind kind;
} node_fields[] = {
    {"name", K_NAME},
    {"host", K_HOST},
    {"version", K_VERSION},
    {"process.id", K_PID},
    {"jvm.mem.heap_max_in_bytes", K_HEAP},
    {"jvm.using_compressed_ordinary_object_pointers", K_OOPS},
    {"jvm.start_time_in_millis", K_JVM_START},
    {"roles.*", K_ROLE},
    {"attributes.*", K_ATTR},
};
#define NFIELDS (sizeof(node_fields) / sizeof(node_fields[0]))

#define NBASE 7
#define BASE_LABELS                                                                                \
    "cluster", "host", "name", "es_master_node", "es_data_node", "es_ingest_node", "es_client_node"

enum { DEF_OOPS, DEF_INFO, NDEFS };
static const metric_def nodeinfo_defs[NDEFS] = {
    {"elasticsearch_jvm_compressed_oops",
     METRIC_GAUGE,
     "Whether the JVM uses compressed ordinary object pointers (1) or not (0)",
     {BASE_LABELS}},
    {"elasticsearch_node_info",
     METRIC_GAUGE,
     "Node identity and version, always 1",
     {BASE_LABELS, "node_id", "version"}},
};

struct nodeinfo {
    jsonparser base;
    metric_set *out;
    buf str[NSTRS];
    int in_node, have_node;
    long pid;
    double heap;
    double jvm_start_ms;
    int oops;
    int has_roles, has_http, data_tier;
    int role[NROLES];
    int attr_set[NROLES], attr_val[NROLES];
};
JSONPARSER_FIRST(nodeinfo, base);

static int set_str(nodeinfo *p, int which, const char *s, size_t len)
{
    buf_reset(&p->str[which]);
    if (buf_append(&p->str[which], s, len) < 0)
        return jsonparser_fail(&p->base, "out of memory");
    return 0;
}

static int role_index(const char *s, size_t len)
{
    for (int r = 0; r < NROLES; r++)
        if (strlen(role_names[r]) == len && memcmp(role_names[r], s, len) == 0)
            return r;
    if (len == 15 && memcmp(s, "cluster_manager", 15) == 0) /* OpenSearch's master */
        return ROLE_MASTER;
    return -1;
}

static int is_str(const jsonwalk_value *v, const char *s)
{
    return v->kind == JSONWALK_STRING && v->len == strlen(s) && memcmp(v->str, s, v->len) == 0;
}

/* "true"/"false" strings, or booleans in hand-made input; -1 otherwise. */
static int tristate(const jsonwalk_value *v)
{
    if (v->kind == JSONWALK_BOOL)
        return v->num != 0;
    if (is_str(v, "true"))
        return 1;
    if (is_str(v, "false"))
        return 0;
    return -1;
}

static void on_role(nodeinfo *p, const jsonwalk_value *v)
{
    if (v->kind != JSONWALK_STRING)
        return;
    p->has_roles = 1; /* any role at all: the attributes no longer count */
    int r = role_index(v->str, v->len);
    if (r >= 0)
        p->role[r] = 1;
    static const char *const tiers[] = {"data_hot", "data_warm", "data_cold", "data_frozen",
                                        "data_content"};
    for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
        if (is_str(v, tiers[i]))
            p->data_tier = 1; /* the reference's isDataNode (#1224) */
}

/* Pre-5.x nodes declare roles as attributes, e.g. "master": "false". */
static void on_attr(nodeinfo *p, const char *key, const jsonwalk_value *v)
{
    int r = role_index(key, strlen(key));
    if (r < 0 || strcmp(key, "cluster_manager") == 0)
        return;
    p->attr_set[r] = 1;
    p->attr_val[r] = tristate(v) != 0; /* like the reference: anything but "false" is true */
}

static int on_field(nodeinfo *p, field_kind k, const char *key, const jsonwalk_value *v)
{
    int is_string = v->kind == JSONWALK_STRING;
    switch (k) {
    case K_NAME:
        return is_string ? set_str(p, S_NAME, v->str, v->len) : 0;
    case K_HOST:
        return is_string ? set_str(p, S_HOST, v->str, v->len) : 0;
    case K_VERSION:
        return is_string ? set_str(p, S_VERSION, v->str, v->len) : 0;
    case K_PID:
        if (v->kind == JSONWALK_NUMBER && v->num >= 1 && v->num <= 4194304 &&
            v->num == floor(v->num))
            p->pid = (long)v->num;
        return 0;
    case K_HEAP:
        if (v->kind == JSONWALK_NUMBER && v->num >= 0)
            p->heap = v->num;
        return 0;
    case K_OOPS:
        p->oops = tristate(v);
        return 0;
    case K_JVM_START:
        if (v->kind == JSONWALK_NUMBER && v->num > 0)
            p->jvm_start_ms = v->num;
        return 0;
    case K_ROLE:
        on_role(p, v);
        return 0;
    case K_ATTR:
        on_attr(p, key, v);
        return 0;
    }
    return 0;
}

static int is_node(const char *const *path, size_t depth)
{
    return depth == 2 && strcmp(path[0], "nodes") == 0;
}

/* Any value directly under the node's "http" key: the node serves HTTP. */
static void note_http(nodeinfo *p, const char *const *path, size_t depth)
{
    if (p->in_node && depth == 3 && strcmp(path[2], "http") == 0)
        p->has_http = 1;
}

static int on_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    nodeinfo *p = ctx;
    if (depth == 0 && is_array)
        return jsonparser_fail(&p->base, "expected a JSON object (node info)");
    if (is_node(path, depth) && !is_array && !p->have_node) {
        p->in_node = 1;
        p->have_node = 1;
        return set_str(p, S_ID, path[1], strlen(path[1]));
    }
    note_http(p, path, depth);
    return 0;
}

static int on_leave(void *ctx, const char *const *path, size_t depth, int is_array)
{
    nodeinfo *p = ctx;
    (void)is_array;
    if (is_node(path, depth))
        p->in_node = 0; /* later nodes (from /_nodes) are ignored */
    return 0;
}

static int on_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    nodeinfo *p = ctx;
    if (depth == 0)
        return jsonparser_fail(&p->base, "expected a JSON object (node info)");
    if (depth == 1 && strcmp(path[0], "cluster_name") == 0 && v->kind == JSONWALK_STRING)
        return set_str(p, S_CLUSTER, v->str, v->len);
    if (!p->in_node || depth < 3)
        return 0;
    note_http(p, path, depth);
    for (size_t i = 0; i < NFIELDS; i++)
        if (jsonwalk_match(node_fields[i].pattern, path, 2, depth, NULL, 0))
            return on_field(p, node_fields[i].kind, path[depth - 1], v);
    return 0;
}

static int done(void *ctx);
static const jsonparser_kind nodeinfo_kind = {{on_scalar, on_enter, on_leave}, 0, done};

nodeinfo *nodeinfo_new(metric_set *out)
{
    nodeinfo *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->out = out;
    p->heap = NAN;
    p->oops = -1;
    for (int i = 0; i < NSTRS; i++)
        buf_init(&p->str[i]);
    if (jsonparser_begin(&p->base, &nodeinfo_kind, NULL) < 0) {
        nodeinfo_free(p);
        return NULL;
    }
    return p;
}

void nodeinfo_free(nodeinfo *p)
{
    if (!p)
        return;
    jsonparser_cleanup(&p->base);
    for (int i = 0; i < NSTRS; i++)
        buf_free(&p->str[i]);
    free(p);
}

int nodeinfo_feed(void *ctx, const char *data, size_t len)
{
    return jsonparser_feed(&((nodeinfo *)ctx)->base, data, len);
}

/* The reference's getRoles: roles win, else attributes; client unless no http. */
static void node_roles(const nodeinfo *p, int role[NROLES])
{
    for (int r = 0; r < NROLES; r++)
        role[r] = p->has_roles ? p->role[r] : p->attr_set[r] ? p->attr_val[r] : r == ROLE_CLIENT;
    if (p->has_roles)
        role[ROLE_CLIENT] = 1;
    if (!p->has_http)
        role[ROLE_CLIENT] = 0;
}

static const char *sval(const nodeinfo *p, int which)
{
    return p->str[which].data ? p->str[which].data : "";
}

static int add(nodeinfo *p, int def, const char *const *values, double v)
{
    if (metric_set_add(p->out, &nodeinfo_defs[def], values, v) < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "cannot add %s sample", nodeinfo_defs[def].name);
        return jsonparser_fail(&p->base, msg);
    }
    return 0;
}

static int emit(nodeinfo *p)
{
    int role[NROLES];
    node_roles(p, role);
    const char *values[NBASE + 2] = {
        sval(p, S_CLUSTER),
        sval(p, S_HOST),
        sval(p, S_NAME),
        role[ROLE_MASTER] ? "true" : "false",
        role[ROLE_DATA] || p->data_tier ? "true" : "false",
        role[ROLE_INGEST] ? "true" : "false",
        role[ROLE_CLIENT] ? "true" : "false",
        sval(p, S_ID),
        sval(p, S_VERSION),
    };
    if (p->oops >= 0 && add(p, DEF_OOPS, values, p->oops) < 0) /* never a made-up value */
        return -1;
    return add(p, DEF_INFO, values, 1);
}

static int done(void *ctx)
{
    nodeinfo *p = ctx;
    if (!p->have_node)
        return jsonparser_fail(&p->base, "no node under \"nodes\" in the node info");
    return emit(p);
}

int nodeinfo_finish(nodeinfo *p)
{
    return jsonparser_finish(&p->base);
}

const char *nodeinfo_error(const nodeinfo *p)
{
    return jsonparser_error(&p->base);
}

static int ready(const nodeinfo *p)
{
    return jsonparser_finished(&p->base);
}

static const char *field(const nodeinfo *p, int which)
{
    return ready(p) ? sval(p, which) : "";
}

const char *nodeinfo_node_id(const nodeinfo *p)
{
    return field(p, S_ID);
}

const char *nodeinfo_name(const nodeinfo *p)
{
    return field(p, S_NAME);
}

const char *nodeinfo_host(const nodeinfo *p)
{
    return field(p, S_HOST);
}

const char *nodeinfo_version(const nodeinfo *p)
{
    return field(p, S_VERSION);
}

const char *nodeinfo_cluster_name(const nodeinfo *p)
{
    return field(p, S_CLUSTER);
}

long nodeinfo_pid(const nodeinfo *p)
{
    return ready(p) ? p->pid : 0;
}

double nodeinfo_jvm_start_ms(const nodeinfo *p)
{
    return ready(p) ? p->jvm_start_ms : 0;
}

double nodeinfo_heap_max(const nodeinfo *p)
{
    return ready(p) ? p->heap : NAN;
}

int nodeinfo_compressed_oops(const nodeinfo *p)
{
    return ready(p) ? p->oops : -1;
}

int nodeinfo_is_master_eligible(const nodeinfo *p)
{
    int role[NROLES];
    node_roles(p, role);
    return ready(p) && role[ROLE_MASTER];
}

int nodeinfo_is_data(const nodeinfo *p)
{
    int role[NROLES];
    node_roles(p, role);
    return ready(p) && (role[ROLE_DATA] || p->data_tier);
}

size_t nodeinfo_def_count(void)
{
    return NDEFS;
}

const metric_def *nodeinfo_def(size_t i)
{
    return i < NDEFS ? &nodeinfo_defs[i] : NULL;
}

/* ---- /_cluster/state/master_node ---- */

struct nodeinfo_master {
    jsonparser base;
    buf id;
    int has_id;
};
JSONPARSER_FIRST(nodeinfo_master, base);

static int master_enter(void *ctx, const char *const *path, size_t depth, int is_array)
{
    (void)path;
    if (depth == 0 && is_array)
        return jsonparser_fail(&((nodeinfo_master *)ctx)->base,
                               "expected a JSON object (cluster state)");
    return 0;
}

static int master_scalar(void *ctx, const char *const *path, size_t depth, const jsonwalk_value *v)
{
    nodeinfo_master *m = ctx;
    if (depth == 0)
        return jsonparser_fail(&m->base, "expected a JSON object (cluster state)");
    if (depth != 1 || strcmp(path[0], "master_node") != 0)
        return 0;
    buf_reset(&m->id);
    m->has_id = 0;
    if (v->kind != JSONWALK_STRING || v->len == 0)
        return 0; /* null: no master elected right now */
    if (buf_append(&m->id, v->str, v->len) < 0)
        return jsonparser_fail(&m->base, "out of memory");
    m->has_id = 1;
    return 0;
}

static const jsonparser_kind master_kind = {{master_scalar, master_enter, NULL}, 0, NULL};

nodeinfo_master *nodeinfo_master_new(void)
{
    nodeinfo_master *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    buf_init(&m->id);
    if (jsonparser_begin(&m->base, &master_kind, NULL) < 0) {
        free(m);
        return NULL;
    }
    return m;
}

void nodeinfo_master_free(nodeinfo_master *m)
{
    if (!m)
        return;
    jsonparser_cleanup(&m->base);
    buf_free(&m->id);
    free(m);
}

int nodeinfo_master_feed(void *ctx, const char *data, size_t len)
{
    return jsonparser_feed(&((nodeinfo_master *)ctx)->base, data, len);
}

int nodeinfo_master_finish(nodeinfo_master *m)
{
    return jsonparser_finish(&m->base);
}

const char *nodeinfo_master_error(const nodeinfo_master *m)
{
    return jsonparser_error(&m->base);
}

const char *nodeinfo_master_id(const nodeinfo_master *m)
{
    return jsonparser_finished(&m->base) && m->has_id ? m->id.data : NULL;
}
