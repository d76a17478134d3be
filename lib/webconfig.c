/* webconfig: exporter-toolkit's web config file, read with libyaml's document
 * API (the file is small) and checked as strictly as exporter-toolkit does:
 * an unknown key is an error, not a silently open endpoint. */
#include "webconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define WEBCONFIG_FILE_MAX (1024 * 1024)

typedef struct parse {
    yaml_document_t doc;
    const char *name;
    const char *base_dir;
    webconfig *w;
    char *err;
    size_t errlen;
} parse;

static int fail(parse *p, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%lu: %s: %s", p->name,
             at ? (unsigned long)at->start_mark.line + 1 : 1UL, key, why);
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *path_value(const parse *p, const char *text)
{
    if (!p->base_dir || text[0] == '/')
        return strdup(text);
    size_t n = strlen(p->base_dir) + strlen(text) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", p->base_dir, text);
    return s;
}

/* A string-valued key: its scalar or an error naming the key. */
static const char *want_scalar(parse *p, const yaml_node_t *v, const char *key)
{
    const char *s = scalar(v);
    if (!s)
        fail(p, v, key, "not a string");
    return s;
}

static int set_path(parse *p, char **field, const yaml_node_t *v, const char *key)
{
    p->w->lines[field == &p->w->cert_file  ? 0
                : field == &p->w->key_file ? 1
                                           : 2] = (unsigned)v->start_mark.line + 1;
    const char *s = want_scalar(p, v, key);
    if (!s)
        return -1;
    free(*field);
    *field = s[0] ? path_value(p, s) : NULL;
    if (s[0] && !*field)
        return fail(p, v, key, "out of memory");
    return 0;
}

static const char *const client_auth_names[] = {
    [WEBCONFIG_NO_CLIENT_CERT] = "NoClientCert",
    [WEBCONFIG_REQUEST_CLIENT_CERT] = "RequestClientCert",
    [WEBCONFIG_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
    [WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
    [WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

const char *webconfig_client_auth_name(webconfig_client_auth a)
{
    return client_auth_names[a];
}

static int set_client_auth(parse *p, const yaml_node_t *v, const char *key)
{
    const char *s = want_scalar(p, v, key);
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof(client_auth_names) / sizeof(client_auth_names[0]); i++)
        if (strcmp(s, client_auth_names[i]) == 0) {
            p->w->client_auth = (webconfig_client_auth)i;
            return 0;
        }
    return fail(p, v, key,
                "not one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
                "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
}

static int set_version(parse *p, int *field, const yaml_node_t *v, const char *key)
{
    static const char *const names[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
    const char *s = want_scalar(p, v, key);
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *field = WEBCONFIG_TLS10 + i;
            return 0;
        }
    return fail(p, v, key, "not one of TLS10, TLS11, TLS12, TLS13");
}

typedef int (*section_fn)(parse *p, const char *key, const yaml_node_t *v, const char *path);

/* Calls fn for every key of a mapping; path is the dotted prefix for errors. */
static int each_key(parse *p, const yaml_node_t *map, const char *path, section_fn fn)
{
    if (!map || (map->type == YAML_SCALAR_NODE && !map->data.scalar.length))
        return 0; /* "key:" with nothing: an empty section */
    if (map->type != YAML_MAPPING_NODE)
        return fail(p, map, path, "not a mapping");
    for (yaml_node_pair_t *kv = map->data.mapping.pairs.start; kv < map->data.mapping.pairs.top;
         kv++) {
        const yaml_node_t *k = yaml_document_get_node(&p->doc, kv->key);
        const yaml_node_t *v = yaml_document_get_node(&p->doc, kv->value);
        const char *name = scalar(k);
        char full[256];
        snprintf(full, sizeof(full), "%s%s%s", path, path[0] ? "." : "", name ? name : "?");
        if (!name)
            return fail(p, k, path[0] ? path : "(top)", "a key that is not a string");
        if (fn(p, name, v, full) != 0)
            return -1;
    }
    return 0;
}

static int tls_key(parse *p, const char *key, const yaml_node_t *v, const char *path)
{
    webconfig *w = p->w;
    if (strcmp(key, "cert_file") == 0)
        return set_path(p, &w->cert_file, v, path);
    if (strcmp(key, "key_file") == 0)
        return set_path(p, &w->key_file, v, path);
    if (strcmp(key, "client_ca_file") == 0)
        return set_path(p, &w->client_ca_file, v, path);
    if (strcmp(key, "client_auth_type") == 0)
        return set_client_auth(p, v, path);
    if (strcmp(key, "min_version") == 0)
        return set_version(p, &w->min_version, v, path);
    if (strcmp(key, "max_version") == 0)
        return set_version(p, &w->max_version, v, path);
    if (strcmp(key, "cipher_suites") == 0 || strcmp(key, "curve_preferences") == 0 ||
        strcmp(key, "prefer_server_cipher_suites") == 0 ||
        strcmp(key, "client_allowed_sans") == 0 || strcmp(key, "cert") == 0 ||
        strcmp(key, "key") == 0)
        return fail(p, v, path, "not supported by esvigil (GnuTLS chooses ciphers and curves)");
    return fail(p, v, path, "unknown key");
}

/* Headers esvigil sets itself, or that would break HTTP framing. */
static int reserved_header(const char *name)
{
    static const char *const reserved[] = {
        "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding",
        "Connection",   "Vary",           "WWW-Authenticate", "Date",
        "Keep-Alive",   "Upgrade",        "Trailer",          "Set-Cookie",
    };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

static int valid_header_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("!#$%&'*+-.^_`|~", *s) && !(*s >= '0' && *s <= '9') &&
            !((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'))
            return 0;
    return 1;
}

static int add_pair(webconfig_pair **arr, size_t *n, const char *name, const char *value)
{
    webconfig_pair *grown = realloc(*arr, (*n + 1) * sizeof(**arr));
    if (!grown)
        return -1;
    *arr = grown;
    grown[*n].name = strdup(name);
    grown[*n].value = strdup(value);
    if (!grown[*n].name || !grown[*n].value) {
        free(grown[*n].name);
        free(grown[*n].value);
        return -1;
    }
    (*n)++;
    return 0;
}

static int header_key(parse *p, const char *key, const yaml_node_t *v, const char *path)
{
    const char *value = want_scalar(p, v, path);
    if (!value)
        return -1;
    if (!valid_header_name(key))
        return fail(p, v, path, "not a valid header name");
    if (reserved_header(key))
        return fail(p, v, path, "set by esvigil itself, cannot be configured");
    if (strpbrk(value, "\r\n"))
        return fail(p, v, path, "a header value cannot hold a line break");
    for (size_t i = 0; i < p->w->n_headers; i++)
        if (strcasecmp(p->w->headers[i].name, key) == 0)
            return fail(p, v, path, "duplicate header");
    if (add_pair(&p->w->headers, &p->w->n_headers, key, value) != 0)
        return fail(p, v, path, "out of memory");
    return 0;
}

static int http_key(parse *p, const char *key, const yaml_node_t *v, const char *path)
{
    if (strcmp(key, "headers") == 0)
        return each_key(p, v, path, header_key);
    if (strcmp(key, "http2") == 0) { /* esvigil speaks HTTP/1.1 only: nothing to turn off */
        const char *s = want_scalar(p, v, path);
        if (!s)
            return -1;
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return fail(p, v, path, "not a boolean (true or false)");
        return 0;
    }
    return fail(p, v, path, "unknown key");
}

/* bcrypt as crypt(3) writes it: $2a$, $2b$ or $2y$, a two-digit cost, $,
 * 53 characters of salt and hash. */
static int bcrypt_hash(const char *h)
{
    if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
        h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || h[6] != '$')
        return 0;
    for (const char *c = h + 7; *c; c++)
        if (!strchr("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", *c))
            return 0;
    return 1;
}

static int user_key(parse *p, const char *key, const yaml_node_t *v, const char *path)
{
    const char *hash = want_scalar(p, v, path);
    if (!hash)
        return -1;
    if (!key[0] || strchr(key, ':'))
        return fail(p, v, path, "a user name cannot be empty or hold ':'");
    if (!bcrypt_hash(hash))
        return fail(p, v, path, "not a bcrypt hash ($2a$, $2b$ or $2y$; htpasswd -nBC 10 USER)");
    if (webconfig_user_hash(p->w, key))
        return fail(p, v, path, "duplicate user");
    if (add_pair(&p->w->users, &p->w->n_users, key, hash) != 0)
        return fail(p, v, path, "out of memory");
    return 0;
}

static int top_key(parse *p, const char *key, const yaml_node_t *v, const char *path)
{
    if (strcmp(key, "tls_server_config") == 0)
        return each_key(p, v, path, tls_key);
    if (strcmp(key, "http_server_config") == 0)
        return each_key(p, v, path, http_key);
    if (strcmp(key, "basic_auth_users") == 0)
        return each_key(p, v, path, user_key);
    return fail(p, v, path, "unknown key");
}

/* Cross-checks, as exporter-toolkit makes them. */
static int validate(parse *p, const yaml_node_t *root)
{
    const webconfig *w = p->w;
    if (!w->cert_file != !w->key_file)
        return fail(p, root,
                    w->cert_file ? "tls_server_config.key_file" : "tls_server_config.cert_file",
                    "cert_file and key_file go together");
    if (!w->cert_file && (w->client_ca_file || w->client_auth != WEBCONFIG_NO_CLIENT_CERT))
        return fail(p, root, "tls_server_config.cert_file",
                    "client certificates need TLS: set cert_file and key_file");
    if (w->client_ca_file && w->client_auth == WEBCONFIG_NO_CLIENT_CERT)
        return fail(p, root, "tls_server_config.client_ca_file",
                    "client CAs configured without a client_auth_type that uses them");
    /* libmicrohttpd asks for a client certificate only when it has a CA list */
    if (!w->client_ca_file && w->client_auth != WEBCONFIG_NO_CLIENT_CERT)
        return fail(p, root, "tls_server_config.client_ca_file",
                    "%s needs the CA to verify client certificates with",
                    client_auth_names[w->client_auth]);
    if (w->max_version && w->max_version < w->min_version)
        return fail(p, root, "tls_server_config.max_version", "lower than min_version");
    return 0;
}

webconfig *webconfig_parse(const char *text, size_t len, const char *name, const char *base_dir,
                           char *err, size_t errlen)
{
    parse p = {.name = name, .base_dir = base_dir, .err = err, .errlen = errlen};
    p.w = calloc(1, sizeof(*p.w));
    yaml_parser_t parser;
    if (!p.w || !yaml_parser_initialize(&parser)) {
        free(p.w);
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    p.w->min_version = WEBCONFIG_TLS12;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &p.doc)) {
        snprintf(err, errlen, "%s:%lu: YAML syntax error: %s", name,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unknown");
        yaml_parser_delete(&parser);
        webconfig_free(p.w);
        return NULL;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&p.doc);
    rc = each_key(&p, root, "", top_key);
    if (rc == 0)
        rc = validate(&p, root);
    yaml_document_delete(&p.doc);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        webconfig_free(p.w);
        return NULL;
    }
    return p.w;
}

/* The certificate files must be readable now, so a typo fails at start with
 * the line that holds it rather than at the first TLS handshake. */
static int check_files(const webconfig *w, const char *path, char *err, size_t errlen)
{
    const char *files[] = {w->cert_file, w->key_file, w->client_ca_file};
    static const char *const keys[] = {"cert_file", "key_file", "client_ca_file"};
    for (int i = 0; i < 3; i++) {
        FILE *f = files[i] ? fopen(files[i], "rb") : NULL;
        if (files[i] && !f) {
            snprintf(err, errlen, "%s:%u: tls_server_config.%s: %s: cannot read: %s", path,
                     w->lines[i], keys[i], files[i], strerror(errno));
            return -1;
        }
        if (f)
            fclose(f);
    }
    return 0;
}

webconfig *webconfig_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(WEBCONFIG_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, WEBCONFIG_FILE_MAX + 1, f) : 0;
    int bad = !text || ferror(f);
    fclose(f);
    if (bad || n > WEBCONFIG_FILE_MAX) {
        snprintf(err, errlen, "%s: cannot read: %s", path,
                 !text ? "out of memory"
                 : bad ? "read error"
                       : "larger than 1 MiB");
        free(text);
        return NULL;
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = slash == dir ? (slash[1] = '\0', '/') : '\0';
    webconfig *w = webconfig_parse(text, n, path, slash ? dir : NULL, err, errlen);
    free(text);
    return w && check_files(w, path, err, errlen) != 0 ? (webconfig_free(w), NULL) : w;
}

static void free_pairs(webconfig_pair *a, size_t n, int secret)
{
    for (size_t i = 0; i < n; i++) {
        if (secret && a[i].value)
            memset(a[i].value, 0, strlen(a[i].value));
        free(a[i].name);
        free(a[i].value);
    }
    free(a);
}

void webconfig_free(webconfig *w)
{
    if (!w)
        return;
    free(w->cert_file);
    free(w->key_file);
    free(w->client_ca_file);
    free_pairs(w->users, w->n_users, 1);
    free_pairs(w->headers, w->n_headers, 0);
    free(w);
}

const char *webconfig_user_hash(const webconfig *w, const char *user)
{
    for (size_t i = 0; w && i < w->n_users; i++)
        if (strcmp(w->users[i].name, user) == 0)
            return w->users[i].value;
    return NULL;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int webconfig_same_tls(const webconfig *a, const webconfig *b)
{
    if (!a || !b)
        return (!a || !a->cert_file) && (!b || !b->cert_file);
    return same_str(a->cert_file, b->cert_file) && same_str(a->key_file, b->key_file) &&
           same_str(a->client_ca_file, b->client_ca_file) && a->client_auth == b->client_auth &&
           a->min_version == b->min_version && a->max_version == b->max_version;
}

void webconfig_tls_priorities(const webconfig *w, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "NORMAL:-VERS-ALL");
    int max = w->max_version ? w->max_version : WEBCONFIG_TLS13;
    for (int v = w->min_version; v <= max && n < outlen; v++)
        n += (size_t)snprintf(out + n, outlen - n, ":+VERS-TLS1.%d", v - WEBCONFIG_TLS10);
}
