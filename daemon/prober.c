/* prober: /probe's runner. Each probe gets a fresh esclient and collect state,
 * so nothing (the cluster label above all, the reference's bug #1248) leaks
 * from one target into the next. */
#include "prober.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "metric.h"

struct prober {
    pthread_mutex_t mu; /* guards cfg against a reload */
    const config *cfg;
    const char *version;
    int cap;
    atomic_int running;
    atomic_int cancel; /* shutdown: probes in flight give up within a second */
};

#define TEXT_TYPE "text/plain; charset=utf-8"

prober *prober_new(const config *cfg, const char *version, int cap)
{
    prober *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->cfg = cfg;
    p->version = version;
    p->cap = cap;
    return p;
}

void prober_update(prober *p, const config *cfg)
{
    pthread_mutex_lock(&p->mu);
    p->cfg = cfg;
    pthread_mutex_unlock(&p->mu);
}

void prober_cancel(prober *p)
{
    if (p)
        atomic_store(&p->cancel, 1);
}

void prober_free(prober *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static void auth_opts(esclient_opts *eo, const probe_auth *m, const config *c)
{
    if (!m)
        return;
    if (m->type == PROBE_AUTH_USERPASS) {
        eo->username = m->username;
        eo->password = m->password;
    } else if (m->type == PROBE_AUTH_APIKEY) {
        eo->api_key = m->api_key;
    } else if (m->type == PROBE_AUTH_AWS) {
        eo->aws_region = m->region;
        eo->aws_access_key_id = c->aws.access_key_id;
        eo->aws_secret_access_key = c->aws.secret_access_key;
        eo->aws_session_token = c->aws.session_token;
    }
}

/* Admission and the client, under the lock: esclient_new copies its options,
 * so a reload may free the config while the probe runs. */
static unsigned admit(prober *p, const char *target, const char *auth_module, esclient **es,
                      long long *timeout_ms, buf *out)
{
    pthread_mutex_lock(&p->mu);
    const config *c = p->cfg;
    const probe_auth *m;
    char why[256];
    int st = probe_admit(c->probe_allow.v, c->probe_allow.n, c->auth_modules, c->n_auth_modules,
                         target, auth_module, &m, why, sizeof(why));
    if (st == 0) {
        esclient_opts eo = {
            .base_url = target,
            .timeout_ms = (long)c->probe_timeout_ms,
            .ca_file = c->es_ca,
            .cert_file = c->es_client_cert,
            .key_file = c->es_client_private_key,
            .skip_verify = c->es_ssl_skip_verify,
            .max_response_bytes = (size_t)c->es_max_response_bytes,
        };
        auth_opts(&eo, m, c);
        *timeout_ms = c->probe_timeout_ms;
        if (!(*es = esclient_new(&eo, why, sizeof(why))))
            st = 400;
    }
    pthread_mutex_unlock(&p->mu);
    if (st)
        buf_printf(out, "%s\n", why);
    return (unsigned)st;
}

static unsigned collect_target(prober *p, esclient *es, long long timeout_ms, exposition_format fmt,
                               buf *out, const char **ctype)
{
    collect *coll = collect_new();
    metric_set *set = metric_set_new();
    /* no procfs_root: a probed cluster never runs on this host */
    collect_opts co = {.procfs_root = NULL,
                       .cluster = COLLECT_CLUSTER_ALWAYS,
                       .version = p->version,
                       .deadline_ms = timeout_ms};
    collect_result res;
    unsigned st = 500;
    if (coll && set) {
        if (collect_run(coll, es, &co, set, &res) == 0 && exposition_render(set, fmt, out) == 0) {
            st = 200;
            *ctype = exposition_content_type(fmt);
        }
        collect_result_free(&res); /* filled even when the run failed */
    }
    if (st != 200) {
        buf_reset(out);
        buf_puts(out, "out of memory\n");
    }
    metric_set_free(set);
    collect_free(coll);
    return st;
}

unsigned prober_run(prober *p, const char *target, const char *auth_module, exposition_format fmt,
                    buf *out, const char **ctype)
{
    *ctype = TEXT_TYPE;
    pthread_mutex_lock(&p->mu);
    int max = (int)p->cfg->probe_max_concurrent;
    size_t allowed = p->cfg->probe_allow.n;
    pthread_mutex_unlock(&p->mu);
    if (allowed && p->cap == 0) {
        buf_puts(out, "probe.allow was empty at start: /probe needs a restart\n");
        return 503;
    }
    if (max > p->cap && p->cap > 0)
        max = p->cap;
    /* Counted before admission so a flood of refused requests is as cheap
     * as one: nothing waits, the surplus gets 503 now. */
    if (atomic_fetch_add(&p->running, 1) >= max) {
        atomic_fetch_sub(&p->running, 1);
        buf_puts(out, "too many probes running (probe.max-concurrent)\n");
        return 503;
    }
    esclient *es = NULL;
    long long timeout_ms = 0;
    unsigned st = admit(p, target, auth_module, &es, &timeout_ms, out);
    if (st == 0) {
        esclient_set_cancel(es, &p->cancel);
        st = collect_target(p, es, timeout_ms, fmt, out, ctype);
    }
    esclient_free(es);
    atomic_fetch_sub(&p->running, 1);
    return st;
}
