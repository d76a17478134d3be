/* test_esclient: esclient against a tiny HTTP server run in a thread on
 * 127.0.0.1 (canned answers, requests recorded), plus openssl s_server for TLS. */
#include "unit.h"

#include "buf.h"
#include "esclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define SRV_MAX 4
#define SRV_WAIT_MS 10000 /* upper bound on any wait, so a broken test cannot hang */

typedef struct {
    const char *data; /* the raw response: status line, headers, body */
    size_t len;
    size_t chunk;    /* send in pieces of this size, 0 = at once */
    int delay_ms;    /* before answering; cut short when the client goes away */
    int close_after; /* close the connection once sent */
    int no_request;  /* answer at once without reading a request (TLS garbage) */
} canned;

typedef struct {
    int lfd;
    int port;
    int stop[2]; /* a byte on stop[1] ends the thread */
    pthread_t th;
    canned resp[SRV_MAX];
    size_t nresp;
    char req[SRV_MAX][4096]; /* the requests seen, headers only */
    size_t nreq;
    int accepts;
} server;

/* 1 when fd is readable, 0 on timeout, -1 when asked to stop. */
static int wait_fd(const server *s, int fd, int ms)
{
    struct pollfd p[2] = {{.fd = s->stop[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    int n = poll(p, 2, ms);
    if (n > 0 && p[0].revents)
        return -1;
    return n > 0 ? 1 : 0;
}

/* Reads one request's headers into out; -1 if the client went away first. */
static int read_request(server *s, int fd, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    while (!strstr(out, "\r\n\r\n")) {
        if (n + 1 >= cap || wait_fd(s, fd, SRV_WAIT_MS) != 1)
            return -1;
        ssize_t r = recv(fd, out + n, cap - n - 1, 0);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        out[n] = '\0';
    }
    return 0;
}

static void send_canned(server *s, int fd, const canned *c)
{
    if (c->delay_ms && wait_fd(s, fd, c->delay_ms) != 0)
        return;
    size_t step = c->chunk ? c->chunk : c->len;
    for (size_t off = 0; off < c->len; off += step) {
        size_t n = c->len - off < step ? c->len - off : step;
        if (send(fd, c->data + off, n, MSG_NOSIGNAL) < 0)
            return;
        if (c->chunk) /* pacing so the client sees separate reads; not asserted */
            poll(NULL, 0, 5);
    }
}

static void *serve(void *arg)
{
    server *s = arg;
    int fd = -1;
    for (size_t i = 0; i < s->nresp;) {
        if (fd < 0) {
            if (wait_fd(s, s->lfd, SRV_WAIT_MS) != 1)
                break;
            fd = accept(s->lfd, NULL, NULL);
            if (fd < 0)
                break;
            s->accepts++;
        }
        const canned *c = &s->resp[i];
        if (!c->no_request) {
            if (read_request(s, fd, s->req[s->nreq], sizeof(s->req[0])) != 0) {
                close(fd);
                fd = -1;
                continue;
            }
            s->nreq++;
        }
        send_canned(s, fd, c);
        i++;
        if (c->close_after) {
            close(fd);
            fd = -1;
        }
    }
    char byte;
    while (wait_fd(s, s->stop[0], SRV_WAIT_MS) == 0)
        ;
    (void)!read(s->stop[0], &byte, 1);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(fd, 8), 0);
    socklen_t alen = sizeof(a);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void srv_start(server *s)
{
    s->lfd = listen_any(&s->port);
    ck_assert_int_eq(pipe(s->stop), 0);
    ck_assert_int_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void srv_stop(server *s)
{
    ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
}

static void srv_add(server *s, const char *data, size_t len)
{
    ck_assert_uint_lt(s->nresp, SRV_MAX);
    s->resp[s->nresp++] = (canned){.data = data, .len = len};
}

#define SRV_ADD(s, lit) srv_add((s), (lit), sizeof(lit) - 1)

/* Sink collecting the body; rejects once it sees reject_at (if set). */
typedef struct {
    buf body;
    int calls;
    const char *reject_at;
} sink_state;

static int collect(void *ctx, const char *data, size_t len)
{
    sink_state *st = ctx;
    st->calls++;
    buf_append(&st->body, data, len);
    return st->reject_at && st->body.data && strstr(st->body.data, st->reject_at) ? 1 : 0;
}

static esclient *client_for(const server *s, const char *userinfo, esclient_opts o)
{
    char url[256], err[256];
    snprintf(url, sizeof(url), "http://%s127.0.0.1:%d", userinfo ? userinfo : "", s->port);
    o.base_url = url;
    if (!o.timeout_ms)
        o.timeout_ms = 5000;
    esclient *c = esclient_new(&o, err, sizeof(err));
    ck_assert_msg(c != NULL, "esclient_new: %s", err);
    return c;
}

static const char json_ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Content-Length: 26\r\n\r\n{\"cluster_name\":\"esvigil\"}";

START_TEST(test_get_streams_chunks)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    s.resp[0].chunk = 7;
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {0};
    long status = -1;
    char err[256] = "untouched";
    esclient_err e =
        esclient_get(c, "/_nodes/_local/stats", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(err, "");
    ck_assert_str_eq(st.body.data, "{\"cluster_name\":\"esvigil\"}");
    ck_assert_int_gt(st.calls, 1);
    ck_assert_uint_eq(s.nreq, 1);
    ck_assert_msg(strncmp(s.req[0], "GET /_nodes/_local/stats HTTP/1.1\r\n", 35) == 0, "%s",
                  s.req[0]);
    ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nUser-Agent: esvigil"));
    ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nAccept-Encoding: "));
    ck_assert_ptr_null(strstr(s.req[0], "Authorization"));
    buf_free(&st.body);
}
END_TEST

START_TEST(test_keepalive_reuses_connection)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state a = {0}, b = {0};
    esclient_err e1 = esclient_get(c, "/first", collect, &a, NULL, NULL, 0);
    esclient_err e2 = esclient_get(c, "/second?local=true", collect, &b, NULL, NULL, 0);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e1, ESCLIENT_OK);
    ck_assert_int_eq(e2, ESCLIENT_OK);
    ck_assert_int_eq(s.accepts, 1);
    ck_assert_uint_eq(s.nreq, 2);
    ck_assert_msg(strncmp(s.req[1], "GET /second?local=true ", 22) == 0, "%s", s.req[1]);
    ck_assert_str_eq(a.body.data, b.body.data);
    buf_free(&a.body);
    buf_free(&b.body);
}
END_TEST

START_TEST(test_base_prefix_and_trailing_slash)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    char url[128], err[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/es//", s.port);
    esclient *c =
        esclient_new(&(esclient_opts){.base_url = url, .timeout_ms = 5000}, err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/es", s.port);
    ck_assert_str_eq(esclient_display_url(c), url);
    esclient_err e = esclient_get(c, "/_cluster/health", NULL, NULL, NULL, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_msg(strncmp(s.req[0], "GET /es/_cluster/health HTTP", 28) == 0, "%s", s.req[0]);
}
END_TEST

/* Basic auth from opts; the header must carry base64("elastic:s3cr3t-pw"). */
START_TEST(test_basic_auth_header)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c =
        client_for(&s, NULL, (esclient_opts){.username = "elastic", .password = "s3cr3t-pw"});
    esclient_err e = esclient_get(c, "/", NULL, NULL, NULL, NULL, 0);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_ptr_nonnull(
        strstr(s.req[0], "\r\nAuthorization: Basic ZWxhc3RpYzpzM2NyM3QtcHc=\r\n"));
}
END_TEST

/* URL userinfo is percent-decoded and used, but redacted for display. */
START_TEST(test_url_userinfo_auth_and_redaction)
{
    server s = {0};
    SRV_ADD(&s, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\ndenied");
    srv_start(&s);
    esclient *c = client_for(&s, "elastic:p%40ss:w0rd@", (esclient_opts){0});
    char want[128], err[256];
    snprintf(want, sizeof(want), "http://<redacted>@127.0.0.1:%d", s.port);
    ck_assert_str_eq(esclient_display_url(c), want);
    long status = 0;
    sink_state st = {0};
    esclient_err e =
        esclient_get(c, "/_nodes/_local/stats", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    /* base64("elastic:p@ss:w0rd") */
    ck_assert_ptr_nonnull(
        strstr(s.req[0], "\r\nAuthorization: Basic ZWxhc3RpYzpwQHNzOncwcmQ=\r\n"));
    ck_assert_int_eq(e, ESCLIENT_ERR_UNAUTHORIZED);
    ck_assert_int_eq(status, 401);
    ck_assert_int_eq(st.calls, 0);
    snprintf(want, sizeof(want), "GET http://<redacted>@127.0.0.1:%d/_nodes/_local/stats: HTTP 401",
             s.port);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(strstr(err, "w0rd"));
    ck_assert_ptr_null(strstr(err, "elastic"));
}
END_TEST

START_TEST(test_opts_win_over_url_userinfo)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c =
        client_for(&s, "urluser:urlpass@", (esclient_opts){.username = "u", .password = "p"});
    esclient_err e = esclient_get(c, "/", NULL, NULL, NULL, NULL, 0);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nAuthorization: Basic dTpw\r\n")); /* "u:p" */
}
END_TEST

START_TEST(test_api_key_header_and_secret_free_err)
{
    server s = {0};
    SRV_ADD(&s, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){.api_key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g="});
    char err[256];
    long status = 0;
    esclient_err e = esclient_get(c, "/_nodes", NULL, NULL, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_ptr_nonnull(
        strstr(s.req[0], "\r\nAuthorization: ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g=\r\n"));
    ck_assert_int_eq(e, ESCLIENT_ERR_FORBIDDEN);
    ck_assert_int_eq(status, 403);
    ck_assert_ptr_nonnull(strstr(err, ": HTTP 403"));
    ck_assert_ptr_null(strstr(err, "VnVhQ2ZH"));
    ck_assert_ptr_null(strstr(err, "Authorization"));
}
END_TEST

/* An ES 8 security_exception (the shape managed services send to a monitoring
 * user without cluster:monitor/state), sent in small pieces. */
static const char denial_body[] =
    "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"action "
    "[cluster:monitor/state] is unauthorized for user [mon] with effective roles [viewer], "
    "this action is granted by the cluster privileges [monitor,manage,all]\"}],"
    "\"type\":\"security_exception\",\"reason\":\"action [cluster:monitor/state] is "
    "unauthorized\"},\"status\":403}";

START_TEST(test_forbidden_names_action_and_privilege)
{
    char resp[1024];
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(denial_body), denial_body);
    server s = {0};
    srv_add(&s, resp, (size_t)n);
    s.resp[0].chunk = 7;
    SRV_ADD(&s, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\n{\"x\":\"[\"}");
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {0};
    long status = 0;
    char err[512];
    esclient_err e = esclient_get(c, "/_cat/shards", collect, &st, &status, err, sizeof(err));
    ck_assert_int_eq(e, ESCLIENT_ERR_FORBIDDEN);
    ck_assert_int_eq(status, 403);
    ck_assert_int_eq(st.calls, 0);
    ck_assert_msg(strstr(err, "/_cat/shards: HTTP 403 forbidden, action [cluster:monitor/state] "
                              "refused, missing privilege: one of the cluster privileges "
                              "[monitor,manage,all]"),
                  "%s", err);
    /* A body that names nothing adds nothing, and is not the previous one's. */
    e = esclient_get(c, "/_cluster/settings", collect, &st, &status, err, sizeof(err));
    ck_assert_int_eq(e, ESCLIENT_ERR_FORBIDDEN);
    ck_assert_msg(strstr(err, "/_cluster/settings: HTTP 403 forbidden") &&
                      !strstr(err, "privilege") && !strstr(err, "action"),
                  "%s", err);
    /* The error pages were drained, so the connection is still good. */
    e = esclient_get(c, "/", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_int_eq(s.accepts, 1);
    buf_free(&st.body);
}
END_TEST

START_TEST(test_server_error_not_fed_to_sink)
{
    server s = {0};
    SRV_ADD(&s,
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 14\r\n\r\n{\"error\":\"x\"}\n");
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {0};
    long status = 0;
    char err[256];
    esclient_err e = esclient_get(c, "/_cluster/health", collect, &st, &status, err, sizeof(err));
    ck_assert_int_eq(e, ESCLIENT_ERR_HTTP_STATUS);
    ck_assert_int_eq(status, 500);
    ck_assert_int_eq(st.calls, 0);
    ck_assert_ptr_nonnull(strstr(err, "/_cluster/health: HTTP 500"));
    /* The error page was drained, so the connection is still good. */
    e = esclient_get(c, "/_cluster/health", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_int_eq(status, 200);
    ck_assert_int_eq(s.accepts, 1);
    ck_assert_str_eq(st.body.data, "{\"cluster_name\":\"esvigil\"}");
    buf_free(&st.body);
}
END_TEST

START_TEST(test_truncated_body)
{
    server s = {0};
    SRV_ADD(&s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"nodes\":{");
    s.resp[0].close_after = 1;
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {0};
    char err[256];
    long status = 0;
    esclient_err e = esclient_get(c, "/_nodes", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_TRUNCATED);
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(st.body.data, "{\"nodes\":{");
    ck_assert_ptr_nonnull(strstr(err, "connection closed before the body ended"));
    buf_free(&st.body);
}
END_TEST

START_TEST(test_timeout)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    s.resp[0].delay_ms = SRV_WAIT_MS;
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){.timeout_ms = 200});
    char err[256];
    long status = -1;
    esclient_err e = esclient_get(c, "/slow", NULL, NULL, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_TIMEOUT);
    ck_assert_int_eq(status, 0);
    ck_assert_ptr_nonnull(strstr(err, "/slow: timed out after 200 ms"));
}
END_TEST

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The deadline caps es.timeout; past it nothing is sent; 0 lifts it. */
START_TEST(test_deadline)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    s.resp[0].delay_ms = SRV_WAIT_MS;
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){.timeout_ms = 5000});
    char err[256];
    double t0 = mono();
    esclient_set_deadline(c, t0 + 0.3);
    esclient_err e = esclient_get(c, "/slow", NULL, NULL, NULL, err, sizeof(err));
    double took = mono() - t0;
    ck_assert_int_eq(e, ESCLIENT_ERR_TIMEOUT);
    ck_assert_msg(took > 0.25 && took < 2.0, "took %.3fs", took);
    ck_assert_ptr_nonnull(strstr(err, "/slow: timed out after"));
    while (mono() < t0 + 0.31) /* clearly past it, whatever curl's timer granularity */
        usleep(1000);
    e = esclient_get(c, "/late", NULL, NULL, NULL, err, sizeof(err));
    ck_assert_int_eq(e, ESCLIENT_ERR_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(err, "/late: not sent, the poll deadline has passed"));
    esclient_set_deadline(c, 0);
    e = esclient_get(c, "/again", NULL, NULL, NULL, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_msg(e == ESCLIENT_OK, "%s", err);
    ck_assert_uint_eq(s.nreq, 2); /* /slow and /again */
}
END_TEST

/* A dup is the same client on a connection of its own: credentials, limits
 * and the display URL come along. */
START_TEST(test_dup_keeps_config)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(
        &s, NULL, (esclient_opts){.api_key = "a2V5OnNlY3JldA==", .max_response_bytes = 10});
    char err[256];
    esclient *d = esclient_dup(c, err, sizeof(err));
    ck_assert_msg(d != NULL, "%s", err);
    ck_assert_str_eq(esclient_display_url(d), esclient_display_url(c));
    esclient_err e = esclient_get(d, "/_nodes/stats", NULL, NULL, NULL, err, sizeof(err));
    esclient_free(d);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_TOO_LARGE); /* 26 bytes over the copied 10 */
    ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nAuthorization: ApiKey a2V5OnNlY3JldA==\r\n"));
    ck_assert_ptr_nonnull(strstr(err, "response larger than 10 bytes"));
}
END_TEST

/* Siblings are made once and kept, follow the owner's deadline and cancel
 * flag, and talk over their own connection. */
START_TEST(test_siblings_follow_owner)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    s.resp[0].close_after = 1; /* so the server accepts the owner's connection next */
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, "elastic:p%40ss:w0rd@", (esclient_opts){0});
    char err[256];
    esclient *sib = esclient_sibling(c, 0, err, sizeof(err));
    ck_assert_msg(sib != NULL, "%s", err);
    ck_assert_ptr_ne(sib, c);
    ck_assert_ptr_eq(esclient_sibling(c, 0, NULL, 0), sib);
    ck_assert_ptr_null(esclient_sibling(c, ESCLIENT_MAX_SIBLINGS, err, sizeof(err)));
    ck_assert_str_eq(esclient_display_url(sib), esclient_display_url(c));

    esclient_set_deadline(c, mono() - 1);
    esclient_err e = esclient_get(sib, "/late", NULL, NULL, NULL, err, sizeof(err));
    ck_assert_int_eq(e, ESCLIENT_ERR_TIMEOUT);
    ck_assert_ptr_nonnull(strstr(err, "/late: not sent, the poll deadline has passed"));
    esclient_set_deadline(c, 0);
    e = esclient_get(sib, "/a", NULL, NULL, NULL, err, sizeof(err));
    ck_assert_msg(e == ESCLIENT_OK, "%s", err);
    e = esclient_get(c, "/b", NULL, NULL, NULL, err, sizeof(err));
    ck_assert_msg(e == ESCLIENT_OK, "%s", err);

    atomic_int cancel;
    atomic_init(&cancel, 1);
    esclient_set_cancel(c, &cancel);
    double t0 = mono();
    e = esclient_get(sib, "/cancelled", NULL, NULL, NULL, err, sizeof(err));
    double took = mono() - t0;
    esclient_free(c); /* and its sibling */
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_OTHER); /* not the timeout of an unanswered request */
    ck_assert_msg(took < 3.0, "took %.3fs", took);
    ck_assert_int_eq(s.accepts, 2);
    ck_assert_uint_eq(s.nreq, 2); /* /late and /cancelled were never sent */
    ck_assert_msg(strncmp(s.req[0], "GET /a ", 7) == 0, "%s", s.req[0]);
    ck_assert_msg(strncmp(s.req[1], "GET /b ", 7) == 0, "%s", s.req[1]);
    for (int i = 0; i < 2; i++) /* base64("elastic:p@ss:w0rd") on both connections */
        ck_assert_ptr_nonnull(
            strstr(s.req[i], "\r\nAuthorization: Basic ZWxhc3RpYzpwQHNzOncwcmQ=\r\n"));
}
END_TEST

START_TEST(test_too_large)
{
    enum { body_len = 1 << 20 };
    buf resp;
    buf_init(&resp);
    buf_printf(&resp, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", body_len);
    for (int i = 0; i < body_len; i++)
        buf_putc(&resp, 'a');
    server s = {0};
    srv_add(&s, resp.data, resp.len);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){.max_response_bytes = 65536});
    sink_state st = {0};
    char err[256];
    esclient_err e = esclient_get(c, "/big", collect, &st, NULL, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_TOO_LARGE);
    ck_assert_uint_le(st.body.len, 65536);
    ck_assert_ptr_nonnull(strstr(err, "larger than 65536 bytes"));
    buf_free(&st.body);
    buf_free(&resp);
}
END_TEST

/* Exactly max_response_bytes is still fine. */
START_TEST(test_limit_is_inclusive)
{
    server s = {0};
    SRV_ADD(&s, json_ok);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){.max_response_bytes = 26});
    esclient_err e = esclient_get(c, "/", NULL, NULL, NULL, NULL, 0);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_OK);
}
END_TEST

START_TEST(test_sink_rejects)
{
    server s = {0};
    SRV_ADD(&s, "HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n<html>oops</html>\n\n\n\n\n");
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {.reject_at = "<html>"};
    char err[256];
    long status = 0;
    esclient_err e = esclient_get(c, "/_nodes", collect, &st, &status, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_int_eq(e, ESCLIENT_ERR_BAD_JSON);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(err, "rejected by the parser"));
    buf_free(&st.body);
}
END_TEST

static size_t gzip_buf(const char *in, size_t len, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

/* The body arrives gzipped; the sink sees the decoded bytes and the size
 * limit counts them, not the compressed ones. */
START_TEST(test_gzip_decoded_and_limit_on_decoded)
{
    buf json;
    buf_init(&json);
    buf_puts(&json, "{\"nodes\":[");
    for (int i = 0; i < 2000; i++)
        buf_printf(&json, "%s{\"id\":%d}", i ? "," : "", i);
    buf_puts(&json, "]}");
    unsigned char gz[65536];
    size_t gzlen = gzip_buf(json.data, json.len, gz, sizeof(gz));
    ck_assert_uint_lt(gzlen, json.len / 2);
    buf resp;
    buf_init(&resp);
    buf_printf(&resp, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
               gzlen);
    buf_append(&resp, gz, gzlen);

    server s = {0};
    srv_add(&s, resp.data, resp.len);
    s.resp[0].chunk = 1000;
    srv_add(&s, resp.data, resp.len);
    srv_start(&s);
    esclient *c = client_for(&s, NULL, (esclient_opts){0});
    sink_state st = {0};
    esclient_err e = esclient_get(c, "/_nodes", collect, &st, NULL, NULL, 0);
    esclient_free(c);
    /* Limit between the compressed and decoded sizes. */
    c = client_for(&s, NULL, (esclient_opts){.max_response_bytes = gzlen + 10});
    sink_state st2 = {0};
    esclient_err e2 = esclient_get(c, "/_nodes", collect, &st2, NULL, NULL, 0);
    esclient_free(c);
    srv_stop(&s);
    ck_assert_ptr_nonnull(strstr(s.req[0], "\r\nAccept-Encoding: "));
    ck_assert_ptr_nonnull(strstr(s.req[0], "gzip"));
    ck_assert_int_eq(e, ESCLIENT_OK);
    ck_assert_uint_eq(st.body.len, json.len);
    ck_assert_mem_eq(st.body.data, json.data, json.len);
    ck_assert_int_eq(e2, ESCLIENT_ERR_TOO_LARGE);
    buf_free(&st.body);
    buf_free(&st2.body);
    buf_free(&json);
    buf_free(&resp);
}
END_TEST

START_TEST(test_refused)
{
    int port;
    close(listen_any(&port));
    char url[128], err[256];
    snprintf(url, sizeof(url), "http://admin:hunter2@127.0.0.1:%d", port);
    esclient *c =
        esclient_new(&(esclient_opts){.base_url = url, .timeout_ms = 2000}, err, sizeof(err));
    ck_assert_ptr_nonnull(c);
    long status = -1;
    esclient_err e = esclient_get(c, "/_nodes/_local/stats", NULL, NULL, &status, err, sizeof(err));
    esclient_free(c);
    ck_assert_int_eq(e, ESCLIENT_ERR_REFUSED);
    ck_assert_int_eq(status, 0);
    char want[128];
    snprintf(want, sizeof(want),
             "GET http://<redacted>@127.0.0.1:%d/_nodes/_local/stats: connection refused", port);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_ptr_null(strstr(err, "hunter2"));
    ck_assert_ptr_null(strstr(err, "admin"));
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* Speaking TLS to a plain HTTP peer is a handshake failure. */
START_TEST(test_tls_to_plain_http)
{
    server s = {0};
    SRV_ADD(&s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    s.resp[0].no_request = 1;
    s.resp[0].close_after = 1;
    srv_start(&s);
    char url[128], err[256];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d", s.port);
    esclient *c =
        esclient_new(&(esclient_opts){.base_url = url, .timeout_ms = 5000}, err, sizeof(err));
    ck_assert_ptr_nonnull(c);
    esclient_err e = esclient_get(c, "/", NULL, NULL, NULL, err, sizeof(err));
    esclient_free(c);
    srv_stop(&s);
    ck_assert_msg(e == ESCLIENT_ERR_TLS, "%d %s", e, err);
    ck_assert_ptr_nonnull(strstr(err, "TLS error"));
}
END_TEST

START_TEST(test_invalid_urls)
{
    static const char *const bad[] = {
        "",
        "ftp://x",
        "localhost:9200",
        "http://",
        "https://",
        "http://:9200",
        "http://user:pw@",
        "http://host:notaport",
        "http://host:9200/?pretty",
        "http://host:9200#frag",
        "http://ho st:9200",
        "//host:9200",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        esclient *c = esclient_new(&(esclient_opts){.base_url = bad[i]}, err, sizeof(err));
        ck_assert_msg(c == NULL, "accepted '%s'", bad[i]);
        ck_assert_msg(err[0] != '\0', "no message for '%s'", bad[i]);
    }
    char err[256] = "";
    ck_assert_ptr_null(esclient_new(&(esclient_opts){0}, err, sizeof(err)));
    ck_assert_str_ne(err, "");
    ck_assert_ptr_null(esclient_new(NULL, NULL, 0));
    /* A refused URL with userinfo must not echo the password. */
    ck_assert_ptr_null(
        esclient_new(&(esclient_opts){.base_url = "ftp://u:topsecret@h"}, err, sizeof(err)));
    ck_assert_ptr_null(strstr(err, "topsecret"));
    ck_assert_ptr_null(
        esclient_new(&(esclient_opts){.base_url = "http://u:topsecret@h:xx"}, err, sizeof(err)));
    ck_assert_ptr_null(strstr(err, "topsecret"));
    ck_assert_ptr_null(esclient_new(
        &(esclient_opts){.base_url = "http://h", .api_key = "a\r\nX: y"}, err, sizeof(err)));
}
END_TEST

START_TEST(test_valid_urls_display)
{
    static const struct {
        const char *in, *display;
    } ok[] = {
        {"http://localhost:9200", "http://localhost:9200"},
        {"http://localhost:9200/", "http://localhost:9200"},
        {"HTTPS://es.example:9243/prefix/", "HTTPS://es.example:9243/prefix"},
        {"http://[::1]:9200", "http://[::1]:9200"},
        {"http://elastic:changeme@10.0.0.1:9200/", "http://<redacted>@10.0.0.1:9200"},
        {"https://only-user@h", "https://<redacted>@h"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char err[256] = "";
        esclient *c = esclient_new(&(esclient_opts){.base_url = ok[i].in}, err, sizeof(err));
        ck_assert_msg(c != NULL, "rejected '%s': %s", ok[i].in, err);
        ck_assert_str_eq(esclient_display_url(c), ok[i].display);
        esclient_free(c);
    }
    esclient_free(NULL);
}
END_TEST

START_TEST(test_bad_path)
{
    esclient *c = esclient_new(&(esclient_opts){.base_url = "http://127.0.0.1:1"}, NULL, 0);
    ck_assert_ptr_nonnull(c);
    char err[128];
    ck_assert_int_eq(esclient_get(c, "_nodes", NULL, NULL, NULL, err, sizeof(err)),
                     ESCLIENT_ERR_OTHER);
    ck_assert_ptr_nonnull(strstr(err, "path must start with '/'"));
    ck_assert_int_eq(esclient_get(c, NULL, NULL, NULL, NULL, NULL, 0), ESCLIENT_ERR_OTHER);
    esclient_free(c);
}
END_TEST

START_TEST(test_err_reason_table)
{
    static const char *const want[ESCLIENT_ERR_COUNT] = {
        [ESCLIENT_OK] = "ok",
        [ESCLIENT_ERR_REFUSED] = "refused",
        [ESCLIENT_ERR_RESOLVE] = "resolve",
        [ESCLIENT_ERR_TIMEOUT] = "timeout",
        [ESCLIENT_ERR_TLS] = "tls",
        [ESCLIENT_ERR_UNAUTHORIZED] = "unauthorized",
        [ESCLIENT_ERR_FORBIDDEN] = "forbidden",
        [ESCLIENT_ERR_HTTP_STATUS] = "http_status",
        [ESCLIENT_ERR_TOO_LARGE] = "too_large",
        [ESCLIENT_ERR_TRUNCATED] = "truncated",
        [ESCLIENT_ERR_BAD_JSON] = "bad_json",
        [ESCLIENT_ERR_OTHER] = "other",
    };
    for (int e = 0; e < ESCLIENT_ERR_COUNT; e++) {
        ck_assert_ptr_nonnull(want[e]);
        ck_assert_str_eq(esclient_err_reason((esclient_err)e), want[e]);
    }
    ck_assert_str_eq(esclient_err_reason(ESCLIENT_ERR_COUNT), "other");
    ck_assert_str_eq(esclient_err_reason((esclient_err)-1), "other");
}
END_TEST

/* CURLcode values are ABI-stable; spelled as numbers so the test needs no curl.h. */
START_TEST(test_err_from_curl)
{
    static const struct {
        int code;
        esclient_err want;
    } rows[] = {
        {0, ESCLIENT_OK},             /* CURLE_OK */
        {7, ESCLIENT_ERR_REFUSED},    /* COULDNT_CONNECT */
        {6, ESCLIENT_ERR_RESOLVE},    /* COULDNT_RESOLVE_HOST */
        {28, ESCLIENT_ERR_TIMEOUT},   /* OPERATION_TIMEDOUT */
        {35, ESCLIENT_ERR_TLS},       /* SSL_CONNECT_ERROR */
        {58, ESCLIENT_ERR_TLS},       /* SSL_CERTPROBLEM */
        {60, ESCLIENT_ERR_TLS},       /* PEER_FAILED_VERIFICATION */
        {77, ESCLIENT_ERR_TLS},       /* SSL_CACERT_BADFILE */
        {18, ESCLIENT_ERR_TRUNCATED}, /* PARTIAL_FILE */
        {56, ESCLIENT_ERR_TRUNCATED}, /* RECV_ERROR */
        {52, ESCLIENT_ERR_TRUNCATED}, /* GOT_NOTHING */
        {23, ESCLIENT_ERR_OTHER},     /* WRITE_ERROR not caused by us */
        {3, ESCLIENT_ERR_OTHER},      /* URL_MALFORMAT */
        {9999, ESCLIENT_ERR_OTHER},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        ck_assert_msg(esclient_err_from_curl(rows[i].code) == rows[i].want, "code %d",
                      rows[i].code);
}
END_TEST

/* --- TLS against openssl s_server, with a throwaway CA made in /tmp --- */

typedef struct {
    char dir[64];
    char ca[96], cert[96], key[96], client_cert[96], client_key[96];
    pid_t pid;
    int port;
} tls_peer;

static int run(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int make_cert(const char *cert, const char *key, const char *cn, const char *ca,
                     const char *ca_key)
{
    char subj[64];
    snprintf(subj, sizeof(subj), "/CN=%s", cn);
    if (!ca) {
        char *argv[] = {"openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-keyout",
                        (char *)key,
                        "-out",
                        (char *)cert,
                        "-subj",
                        subj,
                        "-days",
                        "1",
                        NULL};
        return run(argv);
    }
    char csr[128];
    snprintf(csr, sizeof(csr), "%s.csr", cert);
    char *req[] = {"openssl",
                   "req",
                   "-new",
                   "-newkey",
                   "ec",
                   "-pkeyopt",
                   "ec_paramgen_curve:prime256v1",
                   "-nodes",
                   "-keyout",
                   (char *)key,
                   "-out",
                   csr,
                   "-subj",
                   subj,
                   NULL};
    if (run(req) != 0)
        return -1;
    char ext[128];
    snprintf(ext, sizeof(ext), "%s.ext", cert);
    FILE *f = fopen(ext, "w");
    if (!f)
        return -1;
    fprintf(f, "subjectAltName=IP:127.0.0.1\n");
    fclose(f);
    char *sign[] = {"openssl",
                    "x509",
                    "-req",
                    "-in",
                    csr,
                    "-CA",
                    (char *)ca,
                    "-CAkey",
                    (char *)ca_key,
                    "-CAcreateserial",
                    "-out",
                    (char *)cert,
                    "-days",
                    "1",
                    "-extfile",
                    ext,
                    NULL};
    return run(sign);
}

/* Starts s_server on an ephemeral port; returns 0 if openssl is unusable here. */
static int tls_peer_start(tls_peer *p, int require_client_cert)
{
    snprintf(p->dir, sizeof(p->dir), "/tmp/esclient-tls-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(p->dir));
    char ca_key[96];
    snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
    snprintf(ca_key, sizeof(ca_key), "%s/ca.key", p->dir);
    snprintf(p->cert, sizeof(p->cert), "%s/server.pem", p->dir);
    snprintf(p->key, sizeof(p->key), "%s/server.key", p->dir);
    snprintf(p->client_cert, sizeof(p->client_cert), "%s/client.pem", p->dir);
    snprintf(p->client_key, sizeof(p->client_key), "%s/client.key", p->dir);
    if (make_cert(p->ca, ca_key, "esvigil test CA", NULL, NULL) != 0 ||
        make_cert(p->cert, p->key, "127.0.0.1", p->ca, ca_key) != 0 ||
        make_cert(p->client_cert, p->client_key, "client", p->ca, ca_key) != 0)
        return 0;
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char *argv[] = {"openssl",
                    "s_server",
                    "-accept",
                    "127.0.0.1:0",
                    "-cert",
                    p->cert,
                    "-key",
                    p->key,
                    "-CAfile",
                    p->ca,
                    require_client_cert ? "-Verify" : "-verify",
                    "1",
                    "-www",
                    NULL};
    int rc = posix_spawnp(&p->pid, "openssl", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    ck_assert_int_eq(rc, 0);
    /* s_server prints "ACCEPT 127.0.0.1:PORT" once it listens. */
    char line[512] = "";
    size_t n = 0;
    const char *acc;
    while (!(acc = strstr(line, "ACCEPT 127.0.0.1:")) || !strchr(acc, '\n')) {
        struct pollfd pf = {.fd = out[0], .events = POLLIN};
        ssize_t r;
        if (n + 1 >= sizeof(line) || poll(&pf, 1, SRV_WAIT_MS) != 1 ||
            (r = read(out[0], line + n, sizeof(line) - n - 1)) <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
    }
    close(out[0]);
    ck_assert_msg(acc && strchr(acc, '\n'), "s_server did not start: %s", line);
    p->port = atoi(acc + strlen("ACCEPT 127.0.0.1:"));
    return 1;
}

static void tls_peer_stop(tls_peer *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
    ck_assert_int_eq(system(cmd), 0);
}

static esclient_err tls_get(const tls_peer *p, esclient_opts o, char *err, size_t errlen)
{
    char url[64];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d", p->port);
    o.base_url = url;
    o.timeout_ms = 5000;
    esclient *c = esclient_new(&o, err, errlen);
    ck_assert_msg(c != NULL, "%s", err);
    sink_state st = {0};
    esclient_err e = esclient_get(c, "/", collect, &st, NULL, err, errlen);
    if (e == ESCLIENT_OK)
        ck_assert_ptr_nonnull(st.body.data); /* s_server -www answers with a page */
    buf_free(&st.body);
    esclient_free(c);
    return e;
}

START_TEST(test_tls_verification)
{
    tls_peer p = {0};
    if (!tls_peer_start(&p, 0)) {
        tls_peer_stop(&p);
        unit_skip("test_tls_verification: openssl unavailable");
        return;
    }
    char err[512];
    esclient_err unknown_ca = tls_get(&p, (esclient_opts){0}, err, sizeof(err));
    char unknown_ca_err[512];
    snprintf(unknown_ca_err, sizeof(unknown_ca_err), "%s", err);
    esclient_err with_ca = tls_get(&p, (esclient_opts){.ca_file = p.ca}, err, sizeof(err));
    esclient_err skip = tls_get(&p, (esclient_opts){.skip_verify = 1}, err, sizeof(err));
    esclient_err missing_ca =
        tls_get(&p, (esclient_opts){.ca_file = "/nonexistent/ca.pem"}, err, sizeof(err));
    tls_peer_stop(&p);
    ck_assert_msg(unknown_ca == ESCLIENT_ERR_TLS, "%s", unknown_ca_err);
    ck_assert_int_eq(with_ca, ESCLIENT_OK);
    ck_assert_int_eq(skip, ESCLIENT_OK);
    ck_assert_int_eq(missing_ca, ESCLIENT_ERR_TLS);
}
END_TEST

START_TEST(test_tls_client_cert)
{
    tls_peer p = {0};
    if (!tls_peer_start(&p, 1)) {
        tls_peer_stop(&p);
        unit_skip("test_tls_client_cert: openssl unavailable");
        return;
    }
    char err[512];
    esclient_err with_cert = tls_get(
        &p, (esclient_opts){.ca_file = p.ca, .cert_file = p.client_cert, .key_file = p.client_key},
        err, sizeof(err));
    char with_cert_err[512];
    snprintf(with_cert_err, sizeof(with_cert_err), "%s", err);
    esclient_err bad_cert = tls_get(
        &p, (esclient_opts){.ca_file = p.ca, .cert_file = "/nonexistent.pem", .key_file = p.key},
        err, sizeof(err));
    tls_peer_stop(&p);
    ck_assert_msg(with_cert == ESCLIENT_OK, "%s", with_cert_err);
    ck_assert_int_eq(bad_cert, ESCLIENT_ERR_TLS);
}
END_TEST

/* Proxy variables in the environment would send 127.0.0.1 traffic elsewhere. */
static void no_proxy_env(void)
{
    static const char *const vars[] = {"http_proxy", "https_proxy", "all_proxy",
                                       "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static Suite *suite(void)
{
    Suite *s = suite_create("esclient");
    TCase *t = tcase_create("http");
    tcase_set_timeout(t, 30);
    tcase_add_checked_fixture(t, no_proxy_env, NULL);
    tcase_add_test(t, test_get_streams_chunks);
    tcase_add_test(t, test_keepalive_reuses_connection);
    tcase_add_test(t, test_base_prefix_and_trailing_slash);
    tcase_add_test(t, test_basic_auth_header);
    tcase_add_test(t, test_url_userinfo_auth_and_redaction);
    tcase_add_test(t, test_opts_win_over_url_userinfo);
    tcase_add_test(t, test_api_key_header_and_secret_free_err);
    tcase_add_test(t, test_forbidden_names_action_and_privilege);
    tcase_add_test(t, test_server_error_not_fed_to_sink);
    tcase_add_test(t, test_truncated_body);
    tcase_add_test(t, test_timeout);
    tcase_add_test(t, test_deadline);
    tcase_add_test(t, test_dup_keeps_config);
    tcase_add_test(t, test_siblings_follow_owner);
    tcase_add_test(t, test_too_large);
    tcase_add_test(t, test_limit_is_inclusive);
    tcase_add_test(t, test_sink_rejects);
    tcase_add_test(t, test_gzip_decoded_and_limit_on_decoded);
    tcase_add_test(t, test_refused);
    tcase_add_test(t, test_tls_to_plain_http);
    suite_add_tcase(s, t);
    TCase *u = tcase_create("api");
    tcase_add_test(u, test_invalid_urls);
    tcase_add_test(u, test_valid_urls_display);
    tcase_add_test(u, test_bad_path);
    tcase_add_test(u, test_err_reason_table);
    tcase_add_test(u, test_err_from_curl);
    suite_add_tcase(s, u);
    TCase *tls = tcase_create("tls");
    tcase_set_timeout(tls, 60);
    tcase_add_checked_fixture(tls, no_proxy_env, NULL);
    tcase_add_test(tls, test_tls_verification);
    tcase_add_test(tls, test_tls_client_cert);
    suite_add_tcase(s, tls);
    return s;
}

UNIT_MAIN(suite)
