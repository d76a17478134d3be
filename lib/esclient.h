/* esclient: libcurl client for the Elasticsearch REST API. Bodies are
 * streamed into a caller's sink (a JSON parser) so large answers are never
 * held whole; failures come back as typed errors that become metric labels. */
#ifndef ESVIGIL_ESCLIENT_H
#define ESVIGIL_ESCLIENT_H

#include <stdatomic.h>
#include <stddef.h>

typedef enum {
    ESCLIENT_OK = 0,
    ESCLIENT_ERR_REFUSED,      /* connection refused / host unreachable */
    ESCLIENT_ERR_RESOLVE,      /* DNS failure */
    ESCLIENT_ERR_TIMEOUT,      /* connect or total timeout */
    ESCLIENT_ERR_TLS,          /* handshake, certificate, client cert */
    ESCLIENT_ERR_UNAUTHORIZED, /* HTTP 401: no or wrong credentials */
    ESCLIENT_ERR_FORBIDDEN,    /* HTTP 403: the user lacks a privilege for this endpoint */
    ESCLIENT_ERR_HTTP_STATUS,  /* any other non-2xx */
    ESCLIENT_ERR_TOO_LARGE,    /* body exceeded max_response_bytes */
    ESCLIENT_ERR_TRUNCATED,    /* connection closed before the body ended */
    ESCLIENT_ERR_BAD_JSON,     /* the sink rejected the body */
    ESCLIENT_ERR_OTHER,
    ESCLIENT_ERR_COUNT
} esclient_err;

typedef struct esclient_opts {
    const char *base_url; /* http(s)://host:port[/prefix]; userinfo allowed */
    long timeout_ms;      /* whole request; <= 0 means 5 s */
    const char *username; /* basic auth, with password */
    const char *password;
    const char *api_key; /* "Authorization: ApiKey <api_key>"; wins over basic */
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int skip_verify;
    size_t max_response_bytes; /* 0 = unlimited */
    /* AWS SigV4 (service "es") when aws_region is set; replaces basic auth
     * and the API key. */
    const char *aws_region;
    const char *aws_access_key_id;
    const char *aws_secret_access_key;
    const char *aws_session_token; /* NULL: none */
} esclient_opts;

/* One client per node. Its libcurl handle is reused so the connection stays
 * alive between polls, which makes a client usable by one thread at a time.
 * Call curl_global_init() once before starting threads. */
typedef struct esclient esclient;

/* The sink gets the body in pieces as it arrives; non-zero aborts the
 * transfer and the request fails with ESCLIENT_ERR_BAD_JSON. */
typedef int (*esclient_sink)(void *ctx, const char *data, size_t len);

/* Copies opts. NULL with a message in err on invalid options (bad URL). */
esclient *esclient_new(const esclient_opts *opts, char *err, size_t errlen);
void esclient_free(esclient *c);

/* A second client with c's configuration (URL, credentials, TLS, SigV4,
 * limits), cancel flag and deadline, and a connection of its own, for
 * another thread. NULL with a message in err when out of memory. */
esclient *esclient_dup(const esclient *c, char *err, size_t errlen);

/* Siblings: up to ESCLIENT_MAX_SIBLINGS dups owned by c, made on first use
 * and kept, so their connections stay alive between polls like c's. They
 * follow c's later esclient_set_cancel and esclient_set_deadline and go
 * with esclient_free(c); a reload that replaces c replaces them too. Call
 * from the thread that owns c, while no sibling is in use. NULL with err
 * when i is out of range or out of memory. */
#define ESCLIENT_MAX_SIBLINGS 7
esclient *esclient_sibling(esclient *c, size_t i, char *err, size_t errlen);

/* GET base_url + path (path starts with '/', may hold a query). On failure
 * err (optional) gets a one-line description free of secrets and
 * http_status (optional) the status code when one was received. A 403's
 * description names the action ES refused and the privileges that grant it,
 * when its security_exception body says so. */
esclient_err esclient_get(esclient *c, const char *path, esclient_sink sink, void *ctx,
                          long *http_status, char *err, size_t errlen);

/* A flag another thread sets to abandon the request in flight within about a
 * second (shutdown must not wait for es.timeout). NULL: none. Such a request
 * fails with ESCLIENT_ERR_OTHER. */
void esclient_set_cancel(esclient *c, const atomic_int *flag);

/* A point on CLOCK_MONOTONIC (seconds; 0: none) by which requests must be
 * done: each request's timeout is capped at what is left, and one begun past
 * it fails at once. Both fail with ESCLIENT_ERR_TIMEOUT. */
void esclient_set_deadline(esclient *c, double deadline);

/* Stable reason label for an error: "refused", "resolve", "timeout", "tls",
 * "unauthorized", "forbidden", "http_status", "too_large", "truncated", "bad_json", "other". */
const char *esclient_err_reason(esclient_err e);

/* The reason for a libcurl CURLcode (an int so callers need no curl.h);
 * transport failures only, HTTP statuses and sink aborts are decided by
 * esclient_get. */
esclient_err esclient_err_from_curl(int curl_code);

/* The base URL with any userinfo replaced by "<redacted>", for logs and pages. */
const char *esclient_display_url(const esclient *c);

#endif
