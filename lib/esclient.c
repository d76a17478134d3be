/* esclient: one libcurl easy handle per Elasticsearch node, reused so the
 * connection stays alive between polls. Not thread-safe: one thread at a time;
 * siblings (own handles, same configuration) serve other threads. */
#include "esclient.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "awscreds.h"
#include "clock.h"
#include "buf.h"

/* PACKAGE_VERSION comes from configure as a -D flag (there is no config
 * header: lib/config.h is the settings module). */
#ifdef PACKAGE_VERSION
#define ESCLIENT_USER_AGENT "esvigil/" PACKAGE_VERSION
#else
#define ESCLIENT_USER_AGENT "esvigil"
#endif

#define ESCLIENT_DEFAULT_TIMEOUT_MS 5000L
#define ESCLIENT_MAX_CONNECT_TIMEOUT_MS 5000L
/* A security_exception names the refused action and the privileges within
 * its first few hundred bytes; the rest of a 403 body is dropped. */
#define ESCLIENT_DENIAL_MAX 2048

struct esclient {
    CURL *curl;
    struct curl_slist *headers;
    char *base_url;    /* scheme://host[:port][/prefix], no userinfo, no trailing '/' */
    char *display_url; /* base_url with "<redacted>@" where userinfo was */
    char *username;
    char *password;
    char *api_key;
    char *aws_sigv4; /* "aws:amz:REGION:es" */
    char *aws_key_id, *aws_secret, *aws_token;
    char *ca_file;
    char *cert_file;
    char *key_file;
    int skip_verify;
    long timeout_ms;
    size_t max_response_bytes;
    const atomic_int *cancel;
    double deadline;                           /* CLOCK_MONOTONIC seconds; 0: none */
    esclient *siblings[ESCLIENT_MAX_SIBLINGS]; /* created on first use, owned */
    char errbuf[CURL_ERROR_SIZE];
};

/* Per-request state seen by the curl callbacks. */
typedef struct {
    const esclient *c;
    esclient_sink sink;
    void *ctx;
    long status;        /* from the last status line; 0 until one arrives */
    size_t delivered;   /* decoded body bytes of a 2xx answer */
    long timeout_ms;    /* this request's, capped by the deadline */
    esclient_err abort; /* why a callback stopped the transfer, ESCLIENT_OK if it did not */
    char denial[ESCLIENT_DENIAL_MAX + 1]; /* head of a 403 body, NUL-terminated */
    size_t denial_len;
} request;

static const char *const reason_labels[ESCLIENT_ERR_COUNT] = {
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

/* curl failures that have a reason of their own; everything else is "other". */
static const struct {
    CURLcode code;
    esclient_err err;
} curl_map[] = {
    {CURLE_COULDNT_CONNECT, ESCLIENT_ERR_REFUSED},
    {CURLE_COULDNT_RESOLVE_HOST, ESCLIENT_ERR_RESOLVE},
    {CURLE_COULDNT_RESOLVE_PROXY, ESCLIENT_ERR_RESOLVE},
    {CURLE_OPERATION_TIMEDOUT, ESCLIENT_ERR_TIMEOUT},
    {CURLE_SSL_CONNECT_ERROR, ESCLIENT_ERR_TLS},
    {CURLE_SSL_ENGINE_NOTFOUND, ESCLIENT_ERR_TLS},
    {CURLE_SSL_ENGINE_SETFAILED, ESCLIENT_ERR_TLS},
    {CURLE_SSL_ENGINE_INITFAILED, ESCLIENT_ERR_TLS},
    {CURLE_SSL_CERTPROBLEM, ESCLIENT_ERR_TLS},
    {CURLE_SSL_CIPHER, ESCLIENT_ERR_TLS},
    {CURLE_PEER_FAILED_VERIFICATION, ESCLIENT_ERR_TLS},
    {CURLE_SSL_CACERT_BADFILE, ESCLIENT_ERR_TLS},
    {CURLE_SSL_SHUTDOWN_FAILED, ESCLIENT_ERR_TLS},
    {CURLE_SSL_CRL_BADFILE, ESCLIENT_ERR_TLS},
    {CURLE_SSL_ISSUER_ERROR, ESCLIENT_ERR_TLS},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, ESCLIENT_ERR_TLS},
    {CURLE_SSL_INVALIDCERTSTATUS, ESCLIENT_ERR_TLS},
    {CURLE_SSL_CLIENTCERT, ESCLIENT_ERR_TLS},
    {CURLE_USE_SSL_FAILED, ESCLIENT_ERR_TLS},
    {CURLE_PARTIAL_FILE, ESCLIENT_ERR_TRUNCATED},
    {CURLE_RECV_ERROR, ESCLIENT_ERR_TRUNCATED},
    {CURLE_GOT_NOTHING, ESCLIENT_ERR_TRUNCATED},
};

const char *esclient_err_reason(esclient_err e)
{
    if ((unsigned)e >= ESCLIENT_ERR_COUNT)
        return "other";
    return reason_labels[e];
}

const char *esclient_display_url(const esclient *c)
{
    return c ? c->display_url : "";
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *dup_opt(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Userinfo is percent-encoded in a URL ("p%40ss" for "p@ss"); curl wants it raw. */
static char *percent_decode(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            d[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[j++] = s[i];
        }
    }
    d[j] = '\0';
    return d;
}

/* Parsed pieces of base_url; pointers into the caller's string. */
typedef struct {
    const char *auth; /* authority start (after "://") */
    const char *at;   /* last '@' in the authority, NULL if no userinfo */
    const char *host; /* after userinfo */
    const char *rest; /* first char after the authority */
} url_parts;

static int parse_base_url(const char *url, url_parts *p, char *err, size_t errlen)
{
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else {
        set_err(err, errlen, "es url '%s': scheme must be http:// or https://",
                strchr(url, '@') ? "<redacted>" : url);
        return -1;
    }
    p->auth = url + skip;
    p->rest = p->auth + strcspn(p->auth, "/?#");
    p->at = NULL;
    for (const char *q = p->auth; q < p->rest; q++)
        if (*q == '@')
            p->at = q;
    p->host = p->at ? p->at + 1 : p->auth;
    if (p->host == p->rest || *p->host == ':') {
        set_err(err, errlen, "es url: no host");
        return -1;
    }
    if (strpbrk(p->rest, "?#")) {
        set_err(err, errlen, "es url: must not contain a query or fragment");
        return -1;
    }
    for (const char *q = p->auth; *q; q++) {
        if ((unsigned char)*q <= ' ' || *q == 0x7f) {
            set_err(err, errlen, "es url: contains whitespace or control characters");
            return -1;
        }
    }
    return 0;
}

static char *join_url(const char *scheme, size_t scheme_len, const char *mid, const char *tail,
                      size_t tail_len)
{
    buf b;
    buf_init(&b);
    buf_append(&b, scheme, scheme_len);
    buf_puts(&b, mid);
    buf_append(&b, tail, tail_len);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

/* Fills base_url/display_url and, from userinfo, username/password. */
static int split_base_url(esclient *c, const char *url, char *err, size_t errlen)
{
    url_parts p;
    if (parse_base_url(url, &p, err, errlen) != 0)
        return -1;
    size_t end = strlen(url);
    while (end > (size_t)(p.rest - url) && url[end - 1] == '/')
        end--;
    size_t scheme_len = (size_t)(p.auth - url);
    size_t tail_len = end - (size_t)(p.host - url);
    c->base_url = join_url(url, scheme_len, "", p.host, tail_len);
    c->display_url = join_url(url, scheme_len, p.at ? "<redacted>@" : "", p.host, tail_len);
    if (!c->base_url || !c->display_url)
        goto oom;
    if (p.at) {
        size_t info_len = (size_t)(p.at - p.auth);
        const char *colon = memchr(p.auth, ':', info_len);
        size_t ulen = colon ? (size_t)(colon - p.auth) : info_len;
        c->username = percent_decode(p.auth, ulen);
        if (!c->username)
            goto oom;
        if (colon) {
            c->password = percent_decode(colon + 1, info_len - ulen - 1);
            if (!c->password)
                goto oom;
        }
    }
    /* curl must accept what we will hand it, e.g. a numeric port. */
    CURLU *u = curl_url();
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, c->base_url, 0) : CURLUE_OUT_OF_MEMORY;
    curl_url_cleanup(u);
    if (uc != CURLUE_OK) {
        set_err(err, errlen, "es url '%s': %s", c->display_url, curl_url_strerror(uc));
        return -1;
    }
    return 0;
oom:
    set_err(err, errlen, "es url: out of memory");
    return -1;
}

/* Explicit options beat URL userinfo: a username option replaces both URL parts. */
static int apply_credentials(esclient *c, const esclient_opts *opts, int *oom)
{
    if (opts->username) {
        free(c->username);
        free(c->password);
        c->username = dup_opt(opts->username, oom);
        c->password = dup_opt(opts->password ? opts->password : "", oom);
    } else if (opts->password) {
        free(c->password);
        c->password = dup_opt(opts->password, oom);
    }
    c->api_key = dup_opt(opts->api_key, oom);
    if (opts->aws_region) {
        size_t n = strlen(opts->aws_region) + sizeof("aws:amz::es");
        c->aws_sigv4 = malloc(n);
        if (c->aws_sigv4)
            snprintf(c->aws_sigv4, n, "aws:amz:%s:es", opts->aws_region);
        else
            *oom = 1;
        c->aws_key_id = dup_opt(opts->aws_access_key_id ? opts->aws_access_key_id : "", oom);
        c->aws_secret =
            dup_opt(opts->aws_secret_access_key ? opts->aws_secret_access_key : "", oom);
        c->aws_token = dup_opt(opts->aws_session_token, oom);
    }
    c->ca_file = dup_opt(opts->ca_file, oom);
    c->cert_file = dup_opt(opts->cert_file, oom);
    c->key_file = dup_opt(opts->key_file, oom);
    return *oom ? -1 : 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    request *r = userdata;
    size_t n = size * nmemb;
    /* Each response (100 Continue, then the real one) starts with a status line. */
    if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        const char *sp = memchr(data, ' ', n);
        if (sp && (size_t)(sp - data) + 4 <= n) {
            long code = 0;
            for (int i = 1; i <= 3; i++) {
                char d = sp[i];
                if (d < '0' || d > '9')
                    return n;
                code = code * 10 + (d - '0');
            }
            r->status = code;
        }
    }
    return n;
}

static int status_ok(long status)
{
    return status >= 200 && status <= 299;
}

static void keep_denial(request *r, const char *data, size_t n)
{
    size_t room = ESCLIENT_DENIAL_MAX - r->denial_len;
    if (n > room)
        n = room;
    memcpy(r->denial + r->denial_len, data, n);
    r->denial_len += n;
    r->denial[r->denial_len] = '\0';
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    request *r = userdata;
    size_t n = size * nmemb;
    /* An error page is not for the parser; drop it and let the transfer end so
     * the connection stays reusable. A 403's head is kept: it says what was refused. */
    if (!status_ok(r->status)) {
        if (r->status == 403)
            keep_denial(r, data, n);
        return n;
    }
    size_t max = r->c->max_response_bytes;
    if (max && (n > max || r->delivered > max - n)) {
        r->abort = ESCLIENT_ERR_TOO_LARGE;
        return 0;
    }
    r->delivered += n;
    if (r->sink && n > 0 && r->sink(r->ctx, data, n) != 0) {
        r->abort = ESCLIENT_ERR_BAD_JSON;
        return 0;
    }
    return n;
}

static int set_static_opts(esclient *c)
{
    CURL *h = c->curl;
    long connect_ms = c->timeout_ms < ESCLIENT_MAX_CONNECT_TIMEOUT_MS
                          ? c->timeout_ms
                          : ESCLIENT_MAX_CONNECT_TIMEOUT_MS;
    CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(CURLOPT_ACCEPT_ENCODING, "");
    SETOPT(CURLOPT_USERAGENT, ESCLIENT_USER_AGENT);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_HTTPHEADER, c->headers);
    /* SigV4 signs with the key pair as libcurl's user and password. */
    if (c->aws_sigv4) {
        SETOPT(CURLOPT_AWS_SIGV4, c->aws_sigv4);
        SETOPT(CURLOPT_USERNAME, c->aws_key_id);
        SETOPT(CURLOPT_PASSWORD, c->aws_secret);
    }
    /* An API key takes precedence; sending both would be ambiguous to ES. */
    else if (!c->api_key && c->username) {
        SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SETOPT(CURLOPT_USERNAME, c->username);
        SETOPT(CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    if (c->ca_file)
        SETOPT(CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file)
        SETOPT(CURLOPT_SSLCERT, c->cert_file);
    if (c->key_file)
        SETOPT(CURLOPT_SSLKEY, c->key_file);
    if (c->skip_verify) {
        SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
        SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
    }
#undef SETOPT
    return rc == CURLE_OK ? 0 : -1;
}

/* Appends "name value" to the request headers; the copy that held the secret
 * is wiped (curl keeps its own). */
static int append_secret_header(esclient *c, const char *name, const char *value)
{
    buf b;
    buf_init(&b);
    buf_printf(&b, "%s%s", name, value);
    struct curl_slist *l = b.failed ? NULL : curl_slist_append(c->headers, b.data);
    if (b.data)
        explicit_bzero(b.data, b.len);
    buf_free(&b);
    if (!l)
        return -1;
    c->headers = l;
    return 0;
}

static int build_headers(esclient *c)
{
    struct curl_slist *l = curl_slist_append(NULL, "Accept: application/json");
    if (!l)
        return -1;
    c->headers = l;
    /* temporary AWS credentials are signed along with the rest */
    if (c->aws_token && append_secret_header(c, "x-amz-security-token: ", c->aws_token) < 0)
        return -1;
    if (c->api_key && !c->aws_sigv4 &&
        append_secret_header(c, "Authorization: ApiKey ", c->api_key) < 0)
        return -1;
    return 0;
}

esclient *esclient_new(const esclient_opts *opts, char *err, size_t errlen)
{
    if (!opts || !opts->base_url || !*opts->base_url) {
        set_err(err, errlen, "es url: empty");
        return NULL;
    }
    if ((opts->aws_session_token && strpbrk(opts->aws_session_token, "\r\n")) ||
        (opts->aws_region && strpbrk(opts->aws_region, ":\r\n"))) {
        set_err(err, errlen, "aws: region or session token contains a line break or ':'");
        return NULL;
    }
    if (opts->api_key && strpbrk(opts->api_key, "\r\n")) {
        set_err(err, errlen, "es api key: contains a line break");
        return NULL;
    }
    esclient *c = calloc(1, sizeof(*c));
    if (!c) {
        set_err(err, errlen, "esclient: out of memory");
        return NULL;
    }
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : ESCLIENT_DEFAULT_TIMEOUT_MS;
    c->max_response_bytes = opts->max_response_bytes;
    c->skip_verify = opts->skip_verify;
    int oom = 0;
    if (split_base_url(c, opts->base_url, err, errlen) != 0)
        goto fail;
    if (apply_credentials(c, opts, &oom) != 0 || build_headers(c) != 0 ||
        !(c->curl = curl_easy_init())) {
        set_err(err, errlen, "esclient: out of memory");
        goto fail;
    }
    if (set_static_opts(c) != 0) {
        set_err(err, errlen, "esclient: libcurl lacks a required option (too old?)");
        goto fail;
    }
    return c;
fail:
    esclient_free(c);
    return NULL;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void esclient_free(esclient *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < ESCLIENT_MAX_SIBLINGS; i++)
        esclient_free(c->siblings[i]);
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->headers) {
        /* The ApiKey header line holds the secret too. */
        for (struct curl_slist *l = c->headers; l; l = l->next)
            explicit_bzero(l->data, strlen(l->data));
        curl_slist_free_all(c->headers);
    }
    free(c->base_url);
    free(c->display_url);
    free(c->username);
    free_secret(c->password);
    free_secret(c->api_key);
    free(c->aws_sigv4);
    free_secret(c->aws_key_id);
    free_secret(c->aws_secret);
    free_secret(c->aws_token);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c);
}

static int dup_string(char **dst, const char *src)
{
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

/* The parsed configuration is copied as it is rather than rebuilt from
 * options: display_url keeps its "<redacted>@" and the URL is not parsed twice. */
static int copy_config(esclient *d, const esclient *c)
{
    d->skip_verify = c->skip_verify;
    d->timeout_ms = c->timeout_ms;
    d->max_response_bytes = c->max_response_bytes;
    d->deadline = c->deadline;
    int rc = dup_string(&d->base_url, c->base_url);
    rc |= dup_string(&d->display_url, c->display_url);
    rc |= dup_string(&d->username, c->username);
    rc |= dup_string(&d->password, c->password);
    rc |= dup_string(&d->api_key, c->api_key);
    rc |= dup_string(&d->aws_sigv4, c->aws_sigv4);
    rc |= dup_string(&d->aws_key_id, c->aws_key_id);
    rc |= dup_string(&d->aws_secret, c->aws_secret);
    rc |= dup_string(&d->aws_token, c->aws_token);
    rc |= dup_string(&d->ca_file, c->ca_file);
    rc |= dup_string(&d->cert_file, c->cert_file);
    rc |= dup_string(&d->key_file, c->key_file);
    return rc;
}

esclient *esclient_dup(const esclient *c, char *err, size_t errlen)
{
    esclient *d = c ? calloc(1, sizeof(*d)) : NULL;
    if (!d || copy_config(d, c) != 0 || build_headers(d) != 0 || !(d->curl = curl_easy_init())) {
        set_err(err, errlen, "esclient: out of memory");
        esclient_free(d);
        return NULL;
    }
    if (set_static_opts(d) != 0) {
        set_err(err, errlen, "esclient: libcurl lacks a required option (too old?)");
        esclient_free(d);
        return NULL;
    }
    if (c->cancel)
        esclient_set_cancel(d, c->cancel);
    return d;
}

esclient *esclient_sibling(esclient *c, size_t i, char *err, size_t errlen)
{
    if (i >= ESCLIENT_MAX_SIBLINGS) {
        set_err(err, errlen, "esclient: at most %d siblings", ESCLIENT_MAX_SIBLINGS);
        return NULL;
    }
    if (!c->siblings[i])
        c->siblings[i] = esclient_dup(c, err, errlen);
    return c->siblings[i];
}

/* curl calls this at least once a second, even while waiting for bytes. */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const esclient *c = clientp;
    return c->cancel && atomic_load(c->cancel) ? 1 : 0;
}

void esclient_set_cancel(esclient *c, const atomic_int *flag)
{
    for (size_t i = 0; i < ESCLIENT_MAX_SIBLINGS; i++)
        if (c->siblings[i])
            esclient_set_cancel(c->siblings[i], flag);
    c->cancel = flag;
    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, flag ? 0L : 1L);
}

void esclient_set_deadline(esclient *c, double deadline)
{
    for (size_t i = 0; i < ESCLIENT_MAX_SIBLINGS; i++)
        if (c->siblings[i])
            c->siblings[i]->deadline = deadline;
    c->deadline = deadline;
}

/* es.timeout, or less when the deadline comes first (rounded up, so the
 * next request sees it passed); 0 once it has passed (curl would read 0 as
 * "no timeout"). */
static long request_timeout_ms(const esclient *c)
{
    if (c->deadline <= 0)
        return c->timeout_ms;
    double left = (c->deadline - clock_mono()) * 1000.0;
    if (left < 1.0)
        return 0;
    return left < (double)c->timeout_ms ? (long)left + 1 : c->timeout_ms;
}

esclient_err esclient_err_from_curl(int curl_code)
{
    if (curl_code == CURLE_OK)
        return ESCLIENT_OK;
    for (size_t i = 0; i < sizeof(curl_map) / sizeof(curl_map[0]); i++)
        if ((int)curl_map[i].code == curl_code)
            return curl_map[i].err;
    return ESCLIENT_ERR_OTHER;
}

/* Decides the outcome: our own abort first, then a non-2xx status (the node
 * answered, whatever happened to its error page), then curl's code. */
static esclient_err classify(const request *r, CURLcode rc)
{
    if (r->abort != ESCLIENT_OK)
        return r->abort;
    if (r->status == 401)
        return ESCLIENT_ERR_UNAUTHORIZED;
    if (r->status == 403)
        return ESCLIENT_ERR_FORBIDDEN;
    if (r->status != 0 && !status_ok(r->status))
        return ESCLIENT_ERR_HTTP_STATUS;
    if (rc != CURLE_OK)
        return esclient_err_from_curl(rc);
    return r->status == 0 ? ESCLIENT_ERR_OTHER : ESCLIENT_OK;
}

/* Belt and braces: curl's messages never carry credentials today, but an err
 * line ends up in logs, so any secret that shows up is masked anyway. */
static void redact(buf *b, const char *secret)
{
    if (!secret || !*secret || !b->data || !strstr(b->data, secret))
        return;
    buf out;
    buf_init(&out);
    size_t slen = strlen(secret);
    const char *p = b->data, *hit;
    while ((hit = strstr(p, secret)) != NULL) {
        buf_append(&out, p, (size_t)(hit - p));
        buf_puts(&out, "<redacted>");
        p = hit + slen;
    }
    buf_puts(&out, p);
    explicit_bzero(b->data, b->len);
    buf_free(b);
    *b = out;
}

/* Copies the bracketed text after marker in text ("action [x]" gives x):
 * printable characters only, since it goes into logs. 0 when absent. */
static int bracketed(const char *text, const char *marker, char *out, size_t cap)
{
    const char *p = strstr(text, marker);
    if (!p)
        return 0;
    p += strlen(marker);
    size_t n = 0;
    for (; *p && *p != ']' && n + 1 < cap; p++)
        if ((unsigned char)*p >= ' ' && *p != '"' && *p != '\\' && *p != 0x7f)
            out[n++] = *p;
    out[n] = '\0';
    return *p == ']' && n > 0;
}

/* ES 6+ says "action [cluster:monitor/state] is unauthorized for user [u]
 * ..., this action is granted by the cluster privileges [monitor,manage,all]"
 * (the last part since 7.x); older bodies may name only the action. */
static void describe_denial(buf *b, const request *r)
{
    char action[128], privs[160], kind[16] = "";
    if (!bracketed(r->denial, "action [", action, sizeof(action)))
        return;
    buf_printf(b, ", action [%s] refused", action);
    const char *by = strstr(r->denial, "granted by the ");
    if (by && sscanf(by, "granted by the %15s privileges [", kind) == 1 &&
        bracketed(by, "privileges [", privs, sizeof(privs)))
        buf_printf(b, ", missing privilege: one of the %s privileges [%s]", kind, privs);
}

static void describe(buf *b, const esclient *c, esclient_err e, const request *r, CURLcode rc)
{
    const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    switch (e) {
    case ESCLIENT_ERR_UNAUTHORIZED:
    case ESCLIENT_ERR_HTTP_STATUS:
        buf_printf(b, "HTTP %ld", r->status);
        break;
    case ESCLIENT_ERR_FORBIDDEN:
        buf_printf(b, "HTTP %ld forbidden", r->status);
        describe_denial(b, r);
        break;
    case ESCLIENT_ERR_TOO_LARGE:
        buf_printf(b, "response larger than %zu bytes", c->max_response_bytes);
        break;
    case ESCLIENT_ERR_BAD_JSON:
        buf_printf(b, "body rejected by the parser after %zu bytes", r->delivered);
        break;
    case ESCLIENT_ERR_REFUSED:
        buf_printf(b, "connection refused (%s)", detail);
        break;
    case ESCLIENT_ERR_RESOLVE:
        buf_printf(b, "could not resolve host (%s)", detail);
        break;
    case ESCLIENT_ERR_TIMEOUT:
        buf_printf(b, "timed out after %ld ms (%s)", r->timeout_ms, detail);
        break;
    case ESCLIENT_ERR_TLS:
        buf_printf(b, "TLS error (%s)", detail);
        break;
    case ESCLIENT_ERR_TRUNCATED:
        buf_printf(b, "connection closed before the body ended (%s)", detail);
        break;
    default:
        if (rc == CURLE_OK)
            buf_puts(b, "no HTTP status received");
        else
            buf_puts(b, detail);
        break;
    }
}

static void format_err(const esclient *c, const char *path, esclient_err e, const request *r,
                       CURLcode rc, char *err, size_t errlen)
{
    if (!err || errlen == 0)
        return;
    buf b;
    buf_init(&b);
    buf_printf(&b, "GET %s%s: ", c->display_url, path);
    describe(&b, c, e, r, rc);
    redact(&b, c->password);
    redact(&b, c->api_key);
    redact(&b, c->aws_secret);
    redact(&b, c->aws_token);
    if (b.failed || !b.data) {
        set_err(err, errlen, "%s", esclient_err_reason(e));
    } else {
        for (char *q = b.data; *q; q++)
            if ((unsigned char)*q < ' ' || *q == 0x7f)
                *q = ' ';
        set_err(err, errlen, "%s", b.data);
    }
    buf_free(&b);
}

esclient_err esclient_get(esclient *c, const char *path, esclient_sink sink, void *ctx,
                          long *http_status, char *err, size_t errlen)
{
    request r = {.c = c, .sink = sink, .ctx = ctx, .abort = ESCLIENT_OK};
    if (http_status)
        *http_status = 0;
    if (err && errlen)
        err[0] = '\0';
    if (!c || !path || path[0] != '/') {
        set_err(err, errlen, "GET %s: path must start with '/'", path ? path : "(null)");
        return ESCLIENT_ERR_OTHER;
    }
    r.timeout_ms = request_timeout_ms(c);
    if (r.timeout_ms == 0) {
        set_err(err, errlen, "GET %s%s: not sent, the poll deadline has passed", c->display_url,
                path);
        return ESCLIENT_ERR_TIMEOUT;
    }
    char canonical[2048];
    if (c->aws_sigv4 && awscreds_canonical_target(path, canonical, sizeof(canonical)) == 0)
        path = canonical; /* libcurl signs the query as sent: send AWS's form */
    buf url;
    buf_init(&url);
    buf_printf(&url, "%s%s", c->base_url, path);
    if (url.failed) {
        buf_free(&url);
        set_err(err, errlen, "GET %s%s: out of memory", c->display_url, path);
        return ESCLIENT_ERR_OTHER;
    }
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_URL, url.data);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, r.timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &r);
    CURLcode rc = curl_easy_perform(c->curl);
    buf_free(&url);
    esclient_err e = classify(&r, rc);
    if (http_status)
        *http_status = r.status;
    if (e != ESCLIENT_OK)
        format_err(c, path, e, &r, rc, err, errlen);
    return e;
}
