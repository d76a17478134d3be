/* httpd: one internal polling thread is enough because every answer is a
 * prebuilt buffer; the snapshot's reference count keeps it alive while
 * libmicrohttpd sends it. */
#include "httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"
#include "exposition.h"
#include "httpheader.h"
#include "logging.h"

struct httpd {
    struct MHD_Daemon *mhd;
    snapshot_slot *slot;
    char *version;
    char *rules;
    pthread_mutex_t mu; /* guards the two reloadable strings below */
    char telemetry_path[256];
    char es_url[512];
    char url[300];
    char last_error[256]; /* libmicrohttpd's last complaint, for a bind failure */
};

typedef struct request {
    httpd *h;
    struct MHD_Connection *conn;
    int head;
} request;

typedef enum MHD_Result (*route_fn)(request *r);

static enum MHD_Result send_response(request *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
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

static void html_escaped(buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

static void landing_poll(buf *b, snapshot *s)
{
    if (!s) {
        buf_puts(b, "<p>Last poll: <b>not finished yet</b></p>\n");
        return;
    }
    const snapshot_info *in = snapshot_get_info(s);
    time_t t = (time_t)in->finished_at;
    struct tm tm;
    char when[40];
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    buf_printf(b, "<p>Last poll: %s, took %.3f s, polls so far: %lu</p>\n<p>Result: <b>", when,
               in->duration, in->polls);
    html_escaped(b, in->status);
    buf_puts(b, "</b></p>\n");
}

static enum MHD_Result route_landing(request *r)
{
    buf b;
    buf_init(&b);
    pthread_mutex_lock(&r->h->mu);
    buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>esvigil</title>"
                 "</head>\n<body>\n<h1>esvigil ");
    html_escaped(&b, r->h->version);
    buf_puts(&b, "</h1>\n<p>Elasticsearch node health exporter. Elasticsearch: <code>");
    html_escaped(&b, r->h->es_url);
    buf_puts(&b, "</code></p>\n");
    snapshot *s = snapshot_slot_acquire(r->h->slot);
    landing_poll(&b, s);
    snapshot_release(s);
    buf_puts(&b, "<ul>\n<li><a href=\"");
    html_escaped(&b, r->h->telemetry_path);
    buf_puts(&b, "\">Metrics</a></li>\n");
    pthread_mutex_unlock(&r->h->mu);
    buf_puts(&b, "<li><a href=\"/rules\">Alert rules</a></li>\n"
                 "<li><a href=\"/-/healthy\">/-/healthy</a></li>\n"
                 "<li><a href=\"/-/ready\">/-/ready</a></li>\n</ul>\n</body></html>\n");
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

/* Fixed routes; the telemetry path is matched separately because it is
 * configurable. */
static const struct {
    const char *path;
    route_fn fn;
} routes[] = {
    {"/", route_landing},
    {"/-/healthy", route_healthy},
    {"/-/ready", route_ready},
    {"/rules", route_rules},
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
    vsnprintf(h->last_error, sizeof(h->last_error), fmt, ap);
    h->last_error[strcspn(h->last_error, "\n")] = '\0';
    log_debug("http: %s", h->last_error);
}

/* Splits "host:port", ":port" or "[v6]:port". host is "" for all addresses. */
static int split_address(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1] || strlen(colon + 1) >= portlen)
        return -1;
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hostlen)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

static struct MHD_Daemon *start_mhd(httpd *h, const httpd_opts *o, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem common[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, h},
        {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, 128, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (o->listen_fd >= 0)
        return MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_ARRAY, common,
                                MHD_OPTION_LISTEN_SOCKET, o->listen_fd, MHD_OPTION_END);
    char host[256], port[16];
    if (split_address(o->listen_address, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "web.listen-address: not host:port: \"%s\"", o->listen_address);
        return NULL;
    }
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    if (!host[0]) /* all addresses: dual stack, so IPv4 and IPv6 scrapers both work */
        return MHD_start_daemon(flags | MHD_USE_DUAL_STACK, (uint16_t)atoi(port), NULL, NULL,
                                handle, h, MHD_OPTION_ARRAY, common, MHD_OPTION_END);
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "web.listen-address: %s: %s", o->listen_address, gai_strerror(gai));
        return NULL;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_ARRAY, common,
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
    if (strchr(host, ':'))
        snprintf(h->url, sizeof(h->url), "http://[%s]:%u", host, port);
    else
        snprintf(h->url, sizeof(h->url), "http://%s:%u", host, port);
}

httpd *httpd_start(const httpd_opts *o, char *err, size_t errlen)
{
    httpd *h = calloc(1, sizeof(*h));
    if (!h || pthread_mutex_init(&h->mu, NULL) != 0) {
        free(h);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->slot = o->slot;
    h->version = strdup(o->version);
    httpd_update(h, o->telemetry_path, o->es_url, o->rules);
    err[0] = '\0';
    h->mhd = h->version ? start_mhd(h, o, err, errlen) : NULL;
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

void httpd_stop(httpd *h)
{
    if (!h)
        return;
    if (h->mhd)
        MHD_stop_daemon(h->mhd);
    pthread_mutex_destroy(&h->mu);
    free(h->version);
    free(h->rules);
    free(h);
}
