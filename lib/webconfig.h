/* webconfig: the --web.config.file of Prometheus exporters (exporter-toolkit's
 * format): TLS for the listener, basic-auth users with bcrypt hashes, extra
 * response headers. Parsing and validation only; the server applies it. */
#ifndef ESVIGIL_WEBCONFIG_H
#define ESVIGIL_WEBCONFIG_H

#include <stddef.h>

/* exporter-toolkit's client_auth_type values, weakest first. */
typedef enum webconfig_client_auth {
    WEBCONFIG_NO_CLIENT_CERT,
    WEBCONFIG_REQUEST_CLIENT_CERT,
    WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
    WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
    WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
} webconfig_client_auth;

/* TLS protocol versions as 10 * major-minor digits: 10 = TLS 1.0 ... 13 = 1.3. */
enum { WEBCONFIG_TLS10 = 10, WEBCONFIG_TLS11, WEBCONFIG_TLS12, WEBCONFIG_TLS13 };

typedef struct webconfig_pair {
    char *name;
    char *value;
} webconfig_pair;

/* Everything is owned by the webconfig. Paths are resolved against the
 * directory of the file, as exporter-toolkit does. */
typedef struct webconfig {
    char *cert_file; /* NULL: plain HTTP */
    char *key_file;
    char *client_ca_file;
    webconfig_client_auth client_auth;
    int min_version;       /* WEBCONFIG_TLS1x; default TLS 1.2 */
    int max_version;       /* 0: newest the library has */
    webconfig_pair *users; /* name and bcrypt hash */
    size_t n_users;
    webconfig_pair *headers; /* http_server_config.headers */
    size_t n_headers;
    unsigned lines[3]; /* where cert_file, key_file, client_ca_file were set */
} webconfig;

/* Reads and validates path. NULL with one line in err: "FILE:LINE: KEY: what
 * is wrong" (unknown key, wrong type, a hash that is not bcrypt, cert_file
 * without key_file, a client CA without a policy that uses it, a certificate
 * file that cannot be read...) or "FILE: cannot read: ...". Hashes never
 * appear in err. */
webconfig *webconfig_load(const char *path, char *err, size_t errlen);
/* The same from text; name is used in messages, base_dir for relative paths
 * (NULL: as they are). */
webconfig *webconfig_parse(const char *text, size_t len, const char *name, const char *base_dir,
                           char *err, size_t errlen);
void webconfig_free(webconfig *w);

/* The bcrypt hash of user, or NULL when there is no such user. */
const char *webconfig_user_hash(const webconfig *w, const char *user);
/* 1 when a and b (either may be NULL) ask for the same TLS setup. */
int webconfig_same_tls(const webconfig *a, const webconfig *b);
/* A GnuTLS priority string for the version range, into out. */
void webconfig_tls_priorities(const webconfig *w, char *out, size_t outlen);
/* exporter-toolkit's spelling of a client_auth_type. */
const char *webconfig_client_auth_name(webconfig_client_auth a);

#endif
