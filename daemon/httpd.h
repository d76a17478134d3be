/* httpd: the embedded HTTP server (libmicrohttpd). Serves /, the telemetry
 * path, /rules, /-/healthy and /-/ready from the published snapshot only. */
#ifndef ESVIGIL_HTTPD_H
#define ESVIGIL_HTTPD_H

#include <stddef.h>

#include "snapshot.h"

typedef struct httpd_opts {
    const char *listen_address; /* "host:port", ":port" (all addresses), "[v6]:port" */
    int listen_fd;              /* >= 0: an already bound socket (systemd socket activation) */
    const char *telemetry_path;
    snapshot_slot *slot;
    const char *version;
    const char *es_url;          /* display form, no secrets */
    const char *rules;           /* alert rules YAML served at /rules; NULL: 404 */
    const char *web_config_file; /* exporter-toolkit web config (TLS, auth); NULL: none */
    struct prober *probe;        /* serves /probe; NULL: 404 */
    unsigned probe_threads;      /* extra server threads, one per concurrent probe */
    long long idle_timeout_ms;   /* keep-alive once answered (web.idle-timeout); 0: the default */
} httpd_opts;

typedef struct httpd httpd;

/* Binds and starts serving. NULL with a message in err when the address is
 * bad or cannot be bound. */
httpd *httpd_start(const httpd_opts *o, char *err, size_t errlen);
/* The URL the server answers on, with the actually bound port. */
const char *httpd_url(const httpd *h);
/* Changes the telemetry path, the ES URL shown and the rules served
 * (config reload); rules NULL keeps the current ones. */
void httpd_update(httpd *h, const char *telemetry_path, const char *es_url, const char *rules);
/* How long an answered connection may sit idle before the next request (config reload):
 * connections pick it up with their next request. */
void httpd_set_idle_timeout(httpd *h, long long idle_timeout_ms);
/* Re-reads the web config (NULL: none): users and headers are swapped in;
 * a TLS listener is restarted on the same socket, so renewed certificates
 * are picked up. -1 with err when the file is bad; the old settings stay. */
int httpd_reload_web(httpd *h, const char *web_config_file, char *err, size_t errlen);
void httpd_stop(httpd *h);

#endif
