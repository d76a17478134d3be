/* httpd: a small pool of epoll threads (a bcrypt check takes ~100 ms and must
 * not stall other scrapers); every answer is a prebuilt buffer, and the
 * snapshot's reference count keeps it alive while libmicrohttpd sends it.
 * Slow clients cost an fd and a small pool each, so the limits below keep a
 * few hundred of them from locking a scraper out. --web.config.file adds TLS
 * (libmicrohttpd's GnuTLS), client certificates, basic auth and headers. */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "basicauth.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "exposition.h"
#include "httpheader.h"
#include "logging.h"
#include "prober.h"
#include "statuspage.h"
#include "webconfig.h"

/* What a TLS listener was started with: libmicrohttpd keeps pointers. */
typedef struct tls_files {
    char *cert, *key, *ca;
    char priorities[128];
} tls_files;

struct httpd {
    struct MHD_Daemon *mhd;
    snapshot_slot *slot;
    char *version;
    char *rules;
    pthread_mutex_t mu; /* guards the reloadable fields below */
    char telemetry_path[256];
    char es_url[512];
    webconfig *web; /* NULL: plain HTTP, no auth */
    basicauth *auth;
    tls_files tls;
    char url[300];
    prober *probe;           /* NULL: /probe is not served */
    unsigned probe_threads;  /* extra server threads, kept for TLS restarts */
    unsigned idle_timeout_s; /* guarded by mu: an answered connection's keep-alive */
    pthread_mutex_t log_mu;
    char last_error[256]; /* libmicrohttpd's last complaint, for a bind failure */
};

/* Slowloris clients reset the idle timeout with every byte, so the defence is
 * room: enough connections that a few hundred slow ones leave space, capped so
 * the worst case (MAX_CONNECTIONS x POOL_BYTES) stays far below the unit's
 * MemoryMax; and a per-address share so one host cannot take all of it.
 * A connection gets REQUEST_TIMEOUT_S of silence until a request of it has
 * passed authorization, then web.idle-timeout: Prometheus keeps its connection
 * for 5 minutes between scrapes, and closing it sooner made every scrape pay a
 * new connection (and, with TLS, a handshake: 3.6 ms of CPU against 0.1-0.2). */
enum {
    HTTPD_MAX_CONNECTIONS = 4096,
    HTTPD_PER_IP_CONNECTIONS = 64,
    HTTPD_FD_RESERVE = 64, /* ES connections, procfs reads, the log */
    HTTPD_POOL_BYTES = 16 * 1024,
    HTTPD_REQUEST_TIMEOUT_S = 10,
    HTTPD_DEFAULT_IDLE_TIMEOUT_S = 360,
    HTTPD_THREADS = 4,       /* at most; one per CPU below that (server_threads) */
    HTTPD_AUTH_CACHE_S = 60, /* exporter-toolkit caches successes too */
};

typedef struct request {
    httpd *h;
    struct MHD_Connection *conn;
    int head;
} request;

typedef enum MHD_Result (*route_fn)(request *r);

/* http_server_config.headers, on every answer. */
static void add_configured_headers(httpd *h, struct MHD_Response *resp)
{
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; h->web && i < h->web->n_headers; i++)
        MHD_add_response_header(resp, h->web->headers[i].name, h->web->headers[i].value);
    pthread_mutex_unlock(&h->mu);
}

static enum MHD_Result send_response(request *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    add_configured_headers(r->h, resp);
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_text(request *r, unsigned status, const char *type, const char *body)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (resp)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return send_response(r, status, resp);
}

static void release_snapshot(void *cls)
{
    snapshot_release(cls);
}

static enum MHD_Result route_metrics(request *r)
{
    snapshot *s = snapshot_slot_acquire(r->h->slot);
    if (!s)
        return send_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                         "first poll not finished yet\n");
    const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept");
    const char *enc = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding");
    exposition_format fmt = exposition_negotiate(accept);
    int gz = httpheader_accepts(enc, "gzip");
    size_t len;
    const char *body = snapshot_body(s, fmt, gz, &len);
    if (!body) {
        snapshot_release(s);
        return send_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                         "out of memory rendering /metrics\n");
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        len, (void *)body, release_snapshot, s);
    if (!resp) {
        snapshot_release(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, exposition_content_type(fmt));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    return send_response(r, MHD_HTTP_OK, resp);
}

static enum MHD_Result route_healthy(request *r)
{
    return send_text(r, MHD_HTTP_OK, "text/plain; charset=utf-8", "OK\n");
}

static enum MHD_Result route_ready(request *r)
{
    snapshot *s = snapshot_slot_acquire(r->h->slot);
    snapshot_release(s);
    if (!s)
        return send_text(r, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                         "first poll not finished yet\n");
    return send_text(r, MHD_HTTP_OK, "text/plain; charset=utf-8", "OK\n");
}

static enum MHD_Result route_rules(request *r)
{
    pthread_mutex_lock(&r->h->mu); /* a reload may swap the text */
    struct MHD_Response *resp =
        r->h->rules ? MHD_create_response_from_buffer(strlen(r->h->rules), r->h->rules,
                                                      MHD_RESPMEM_MUST_COPY)
                    : NULL;
    pthread_mutex_unlock(&r->h->mu);
    if (!resp)
        return send_text(r, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "no rules\n");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/yaml; charset=utf-8");
    return send_response(r, MHD_HTTP_OK, resp);
}

/* Before the first poll there is no snapshot and so no status page yet. */
static enum MHD_Result route_pending(request *r)
{
    buf b;
    buf_init(&b);
    pthread_mutex_lock(&r->h->mu);
    statuspage_info in = {
        .version = r->h->version, .es_url = r->h->es_url, .telemetry_path = r->h->telemetry_path};
    statuspage_render_pending(&in, &b);
    pthread_mutex_unlock(&r->h->mu);
    if (b.failed) {
        buf_free(&b);
        return MHD_NO;
    }
    size_t len;
    char *body = buf_steal(&b, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    return send_response(r, MHD_HTTP_OK, resp);
}

/* The snapshot's status page, rendered by the first request for it. */
static enum MHD_Result route_landing(request *r)
{
    snapshot *s = snapshot_slot_acquire(r->h->slot);
    size_t len = 0;
    const char *page = s ? snapshot_page(s, &len) : NULL;
    if (!page) {
        snapshot_release(s);
        return route_pending(r);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        len, (void *)page, release_snapshot, s);
    if (!resp) {
        snapshot_release(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    return send_response(r, MHD_HTTP_OK, resp);
}

/* /probe?target=URL&auth_module=NAME: the prober decides and renders. */
static enum MHD_Result route_probe(request *r)
{
    if (!r->h->probe)
        return send_text(r, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
    const char *target = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "target");
    const char *mod = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "auth_module");
    const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept");
    buf b;
    buf_init(&b);
    const char *ctype;
    unsigned st = prober_run(r->h->probe, target, mod, exposition_negotiate(accept), &b, &ctype);
    size_t len;
    char *body = buf_steal(&b, &len);
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer_with_free_callback(len, body, free) : NULL;
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    return send_response(r, st, resp);
}

/* Fixed routes; the telemetry path is matched separately because it is
 * configurable. */
static const struct {
    const char *path;
    route_fn fn;
} routes[] = {
    {"/", route_landing},    {"/-/healthy", route_healthy}, {"/-/ready", route_ready},
    {"/rules", route_rules}, {"/probe", route_probe},
};

static route_fn find_route(httpd *h, const char *url)
{
    pthread_mutex_lock(&h->mu);
    int telemetry = strcmp(url, h->telemetry_path) == 0;
    pthread_mutex_unlock(&h->mu);
    if (telemetry)
        return route_metrics;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].fn;
    return NULL;
}

/* The client certificate against client_auth_type: NULL when it passes, else
 * why not. libmicrohttpd asked for it because a trust list (client_ca_file)
 * was given; GnuTLS verifies against that list. */
static const char *client_cert_problem(struct MHD_Connection *conn, webconfig_client_auth policy)
{
    if (policy <= WEBCONFIG_REQUEST_CLIENT_CERT)
        return NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t session = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned n = 0;
    if (session)
        gnutls_certificate_get_peers(session, &n);
    if (n == 0)
        return policy == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ? NULL
                                                               : "client certificate required\n";
    if (policy == WEBCONFIG_REQUIRE_ANY_CLIENT_CERT)
        return NULL;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0)
        return "client certificate not trusted\n";
    return NULL;
}

/* Basic auth when users are configured: 1 allowed, 0 not. The hash is copied
 * so a reload cannot free it during the (slow) check. */
static int authorized(httpd *h, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&h->mu);
    int open = !h->web || h->web->n_users == 0;
    pthread_mutex_unlock(&h->mu);
    if (open)
        return 1;
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &password);
    int ok = 0;
    if (user && password) {
        pthread_mutex_lock(&h->mu);
        const char *hash = webconfig_user_hash(h->web, user);
        char *copy = hash ? strdup(hash) : NULL;
        basicauth *auth = h->auth;
        pthread_mutex_unlock(&h->mu);
        /* an unknown user costs the same as a known one: no user probing */
        ok = basicauth_check(auth, user,
                             copy ? copy
                                  : "$2b$10$........................"
                                    ".............................",
                             password, clock_mono()) &&
             copy;
        free(copy);
    }
    if (password) {
        memset(password, 0, strlen(password));
        MHD_free(password);
    }
    if (user)
        MHD_free(user);
    return ok;
}

static enum MHD_Result deny_auth(request *r)
{
    static const char body[] = "Unauthorized\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    add_configured_headers(r->h, resp);
    enum MHD_Result ret = MHD_queue_basic_auth_fail_response(r->conn, "esvigil", resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Only a client that got past authorization earns the long keep-alive. */
static void keep_alive_for(struct MHD_Connection *conn, unsigned idle_s)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_TIMEOUT);
    if (!ci || ci->connection_timeout != idle_s)
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, idle_s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    /* The first call only says the headers are in: answering then counts as answering early,
     * and libmicrohttpd closes the connection after it. Answering once the request is read
     * keeps it alive, which a scraper reusing its connection needs. A body is read and
     * ignored. */
    static int headers_seen;
    if (*con_cls == NULL) {
        *con_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    request r = {.h = cls, .conn = conn, .head = strcmp(method, "HEAD") == 0};
    pthread_mutex_lock(&r.h->mu);
    webconfig_client_auth policy = r.h->web ? r.h->web->client_auth : WEBCONFIG_NO_CLIENT_CERT;
    unsigned idle_s = r.h->idle_timeout_s;
    pthread_mutex_unlock(&r.h->mu);
    const char *cert_problem = client_cert_problem(conn, policy);
    if (cert_problem)
        return send_text(&r, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8", cert_problem);
    if (!authorized(r.h, conn))
        return deny_auth(&r);
    keep_alive_for(conn, idle_s);
    if (strcmp(method, "GET") != 0 && !r.head)
        return send_text(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                         "only GET and HEAD\n");
    route_fn fn = find_route(r.h, url);
    if (!fn)
        return send_text(&r, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
    return fn(&r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    httpd *h = cls;
    char line[256];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    pthread_mutex_lock(&h->log_mu); /* pool threads log too */
    memcpy(h->last_error, line, sizeof(line));
    pthread_mutex_unlock(&h->log_mu);
    log_debug("http: %s", line);
}

/* "host:port", ":port" or "[v6]:port" as config validated it (one parser:
 * config_listen_split); host is "" for all addresses, port a string for
 * getaddrinfo. */
static int split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    int p;
    if (config_listen_split(addr, host, hostlen, &p) < 0)
        return -1;
    snprintf(port, portlen, "%d", p);
    return 0;
}

/* The soft fd limit is often 1024 for the sake of select(); epoll has no such
 * bound, so raise it to the hard limit and size the connection limit to it. */
static unsigned connection_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 128;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (want.rlim_cur > 65536)
            want.rlim_cur = 65536;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > HTTPD_MAX_CONNECTIONS + HTTPD_FD_RESERVE)
        return HTTPD_MAX_CONNECTIONS;
    if (rl.rlim_cur < 2 * HTTPD_FD_RESERVE)
        return (unsigned)rl.rlim_cur / 2;
    return (unsigned)rl.rlim_cur - HTTPD_FD_RESERVE;
}

/* A PEM file whole, for libmicrohttpd's in-memory TLS options. */
static char *slurp_pem(const char *path, const char *key, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "web.config.file: tls_server_config.%s: %s: cannot read: %s", key,
                 path, strerror(errno));
        return NULL;
    }
    enum { PEM_MAX = 1024 * 1024 };
    char *text = malloc(PEM_MAX + 1);
    size_t n = text ? fread(text, 1, PEM_MAX, f) : 0;
    int bad = !text || ferror(f) || n == 0;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "web.config.file: tls_server_config.%s: %s: cannot read: %s", key,
                 path, text ? "empty or unreadable" : "out of memory");
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

static void tls_files_free(tls_files *t)
{
    if (t->key)
        memset(t->key, 0, strlen(t->key));
    free(t->cert);
    free(t->key);
    free(t->ca);
    *t = (tls_files){0};
}

/* Reads what w's TLS needs (nothing for plain HTTP). */
static int tls_files_load(tls_files *t, const webconfig *w, char *err, size_t errlen)
{
    *t = (tls_files){0};
    if (!w || !w->cert_file)
        return 0;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen,
                 "web.config.file: tls_server_config: this libmicrohttpd has no TLS "
                 "(it is built without GnuTLS)");
        return -1;
    }
    t->cert = slurp_pem(w->cert_file, "cert_file", err, errlen);
    t->key = t->cert ? slurp_pem(w->key_file, "key_file", err, errlen) : NULL;
    t->ca = t->key && w->client_ca_file
                ? slurp_pem(w->client_ca_file, "client_ca_file", err, errlen)
                : NULL;
    if (!t->key || (w->client_ca_file && !t->ca)) {
        tls_files_free(t);
        return -1;
    }
    webconfig_tls_priorities(w, t->priorities, sizeof(t->priorities));
    return 0;
}

/* GnuTLS's own verdict on the files, before a reload touches the running
 * listener (a failed libmicrohttpd start would close the socket it got). */
static int tls_files_check(const tls_files *t, char *err, size_t errlen)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS) {
        snprintf(err, errlen, "web.config.file: TLS: out of memory");
        return -1;
    }
    gnutls_datum_t cert = {(unsigned char *)t->cert, (unsigned)strlen(t->cert)};
    gnutls_datum_t key = {(unsigned char *)t->key, (unsigned)strlen(t->key)};
    int rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
    const char *what = "cert_file/key_file";
    if (rc >= 0 && t->ca) {
        gnutls_datum_t ca = {(unsigned char *)t->ca, (unsigned)strlen(t->ca)};
        rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
        rc = rc == 0 ? GNUTLS_E_NO_CERTIFICATE_FOUND : rc; /* no CA in the file */
        rc = rc > 0 ? 0 : rc;
        what = "client_ca_file";
    }
    gnutls_certificate_free_credentials(cred);
    if (rc < 0) {
        snprintf(err, errlen, "web.config.file: TLS: tls_server_config.%s: %s", what,
                 gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

/* Threads that serve scrapes: one per CPU, up to HTTPD_THREADS. Every worker waits on the
 * listening socket, so each new connection wakes them all and all but one find nothing to
 * accept; a body served from memory needs no more threads than CPUs to keep them busy. */
static unsigned server_threads(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 1 ? 1 : cpus < HTTPD_THREADS ? (unsigned)cpus : HTTPD_THREADS;
}

/* Starts libmicrohttpd on fd (>= 0), or on the address of o. TLS when t has
 * a certificate: such a listener speaks TLS only. */
static struct MHD_Daemon *start_mhd(httpd *h, const httpd_opts *o, int fd, const tls_files *t,
                                    char *err, size_t errlen)
{
    /* ITC: a reload can quiesce the daemon and hand its socket to the next */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    struct MHD_OptionItem opts[16] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, h},
        {MHD_OPTION_CONNECTION_TIMEOUT, HTTPD_REQUEST_TIMEOUT_S, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, connection_limit(), NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTPD_PER_IP_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTPD_POOL_BYTES, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        /* a probe holds its thread for up to probe.timeout: one more thread
           per probe keeps the scrape threads free to accept /metrics scrapes */
        {MHD_OPTION_THREAD_POOL_SIZE, server_threads() + h->probe_threads, NULL},
    };
    size_t n = 7;
    if (t->cert) {
        flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, t->cert};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, t->key};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)t->priorities};
        if (t->ca) /* makes libmicrohttpd ask for a client certificate */
            opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, t->ca};
    }
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (fd >= 0)
        return MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_ARRAY, opts,
                                MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_END);
    char host[256], port[16];
    if (split_address(o->listen_address, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "web.listen-address: not host:port: \"%s\"", o->listen_address);
        return NULL;
    }
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    if (!host[0]) /* all addresses: dual stack, so IPv4 and IPv6 scrapers both work */
        return MHD_start_daemon(flags | MHD_USE_DUAL_STACK, (uint16_t)atoi(port), NULL, NULL,
                                handle, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "web.listen-address: %s: %s", o->listen_address, gai_strerror(gai));
        return NULL;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_ARRAY, opts,
                                            MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_END);
    freeaddrinfo(ai);
    return d;
}

static void compute_url(httpd *h, const httpd_opts *o)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char host[256] = "", sport[16];
    if (o->listen_fd >= 0 ||
        split_address(o->listen_address, host, sizeof(host), sport, sizeof(sport)) < 0 || !host[0])
        snprintf(host, sizeof(host), "localhost");
    const char *scheme = h->tls.cert ? "https" : "http";
    if (strchr(host, ':'))
        snprintf(h->url, sizeof(h->url), "%s://[%s]:%u", scheme, host, port);
    else
        snprintf(h->url, sizeof(h->url), "%s://%s:%u", scheme, host, port);
}

httpd *httpd_start(const httpd_opts *o, char *err, size_t errlen)
{
    httpd *h = calloc(1, sizeof(*h));
    if (!h || pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->log_mu, NULL);
    h->slot = o->slot;
    h->probe = o->probe;
    h->probe_threads = o->probe_threads;
    httpd_set_idle_timeout(h, o->idle_timeout_ms);
    h->version = strdup(o->version);
    h->auth = basicauth_new(HTTPD_AUTH_CACHE_S);
    httpd_update(h, o->telemetry_path, o->es_url, o->rules);
    err[0] = '\0';
    if (o->web_config_file && !(h->web = webconfig_load(o->web_config_file, err, errlen))) {
        httpd_stop(h);
        return NULL;
    }
    if (tls_files_load(&h->tls, h->web, err, errlen) != 0 ||
        (h->tls.cert && tls_files_check(&h->tls, err, errlen) != 0)) {
        httpd_stop(h);
        return NULL;
    }
    h->mhd = h->version && h->auth ? start_mhd(h, o, o->listen_fd, &h->tls, err, errlen) : NULL;
    if (!h->mhd) {
        if (!err[0])
            snprintf(err, errlen, "web.listen-address: cannot listen on %s: %s",
                     o->listen_fd >= 0 ? "the socket from systemd" : o->listen_address,
                     h->last_error[0] ? h->last_error : "unknown error");
        httpd_stop(h);
        return NULL;
    }
    compute_url(h, o);
    return h;
}

/* TLS settings (or renewed certificate files) need a new libmicrohttpd: the
 * old one stops accepting, the new one takes over its socket, then the old
 * one finishes. If the new one cannot start, the old settings go back on. */
static int restart_tls(httpd *h, tls_files *next, char *err, size_t errlen)
{
    if (next->cert && tls_files_check(next, err, errlen) != 0)
        return -1;
    MHD_socket fd = MHD_quiesce_daemon(h->mhd);
    if (fd == MHD_INVALID_SOCKET) {
        snprintf(err, errlen, "web.config.file: cannot hand over the listening socket");
        return -1;
    }
    pthread_mutex_lock(&h->log_mu);
    h->last_error[0] = '\0';
    pthread_mutex_unlock(&h->log_mu);
    /* the new daemon gets a copy: a failed start closes the socket it got */
    int copy = dup(fd);
    struct MHD_Daemon *old = h->mhd,
                      *d = copy >= 0 ? start_mhd(h, NULL, copy, next, err, errlen) : NULL;
    int rc = 0;
    if (d)
        close(fd);
    else {
        pthread_mutex_lock(&h->log_mu);
        snprintf(err, errlen, "web.config.file: TLS: %s",
                 h->last_error[0] ? h->last_error : "cannot start");
        pthread_mutex_unlock(&h->log_mu);
        d = start_mhd(h, NULL, fd, &h->tls, err + strlen(err), 0);
        if (!d)
            snprintf(err + strlen(err), errlen - strlen(err), "; and the old settings failed too");
        rc = -1;
    }
    MHD_stop_daemon(old);
    h->mhd = d;
    if (!d)
        return -1; /* nothing listens any more; err says why */
    if (rc == 0) {
        tls_files_free(&h->tls);
        h->tls = *next;
        *next = (tls_files){0};
    }
    const char *rest = strstr(h->url, "://");
    if (rest) { /* the scheme follows TLS on or off */
        char url[sizeof(h->url)];
        snprintf(url, sizeof(url), "%s%s", h->tls.cert ? "https" : "http", rest);
        memcpy(h->url, url, sizeof(url));
    }
    return rc;
}

int httpd_reload_web(httpd *h, const char *web_config_file, char *err, size_t errlen)
{
    webconfig *w = NULL;
    if (web_config_file && !(w = webconfig_load(web_config_file, err, errlen)))
        return -1;
    tls_files next;
    if (tls_files_load(&next, w, err, errlen) != 0) {
        webconfig_free(w);
        return -1;
    }
    if ((next.cert || h->tls.cert) && restart_tls(h, &next, err, errlen) != 0) {
        tls_files_free(&next);
        webconfig_free(w);
        return -1;
    }
    tls_files_free(&next);
    /* The check cache stays: its entries include the hash, so a changed
     * password or a removed user never matches an old success. */
    pthread_mutex_lock(&h->mu);
    webconfig *old = h->web;
    h->web = w;
    pthread_mutex_unlock(&h->mu);
    webconfig_free(old);
    return 0;
}

const char *httpd_url(const httpd *h)
{
    return h->url;
}

void httpd_update(httpd *h, const char *telemetry_path, const char *es_url, const char *rules)
{
    char *copy = rules ? strdup(rules) : NULL;
    pthread_mutex_lock(&h->mu);
    if (copy) {
        free(h->rules);
        h->rules = copy;
    }
    snprintf(h->telemetry_path, sizeof(h->telemetry_path), "%s", telemetry_path);
    snprintf(h->es_url, sizeof(h->es_url), "%s", es_url ? es_url : "");
    pthread_mutex_unlock(&h->mu);
}

void httpd_set_idle_timeout(httpd *h, long long idle_timeout_ms)
{
    long long s =
        idle_timeout_ms > 0 ? (idle_timeout_ms + 999) / 1000 : HTTPD_DEFAULT_IDLE_TIMEOUT_S;
    pthread_mutex_lock(&h->mu);
    h->idle_timeout_s = s > UINT_MAX ? UINT_MAX : (unsigned)s;
    pthread_mutex_unlock(&h->mu);
}

void httpd_stop(httpd *h)
{
    if (!h)
        return;
    if (h->mhd)
        MHD_stop_daemon(h->mhd);
    tls_files_free(&h->tls);
    webconfig_free(h->web);
    basicauth_free(h->auth);
    pthread_mutex_destroy(&h->log_mu);
    pthread_mutex_destroy(&h->mu);
    free(h->version);
    free(h->rules);
    free(h);
}
