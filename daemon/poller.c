/* poller: one thread, one poll at a time; a poll never publishes half a
 * snapshot because collect_run fills a fresh set that is rendered whole. */
#include "poller.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "clock.h"
#include "collect.h"
#include "esclient.h"
#include "logging.h"
#include "metric.h"
#include "pacer.h"
#include "sidepoller.h"
#include "statuspage.h"

/* Below this many series a poll frees too little to be worth malloc_trim (a single node
 * exports ~1500; 10 nodes with --es.all ~4000). */
#define POLLER_TRIM_MIN_SAMPLES 20000

struct poller {
    poller_opts o; /* cfg and thresholds change on reload */
    esclient *es;
    collect *coll;          /* lives as long as the poller: counters and baselines */
    pacer *pacer;           /* the paced index-level collectors, NULL when none is on */
    sidepoller *side;       /* runs them */
    statuspage_state *page; /* each collector's last success, for / */
    double last_success;    /* unix time ES last answered */
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stop;
    atomic_int cancel;          /* set on stop: abandons a request in flight */
    atomic_llong busy_since;    /* monotonic ms the poll in progress started; 0: idle */
    atomic_llong busy_deadline; /* its deadline in ms from busy_since */
    unsigned long polls;
    char failing_key[64];  /* the ES failure currently being reported */
    int warned_permission; /* the privilege hint is logged once */
    int warned_elsewhere;  /* "ES runs elsewhere" is logged once per change */
    unsigned render;       /* snapshot bodies rendered up front: the ones last asked for */
};

static void report_es(poller *p, const collect_result *res)
{
    if (res->es_error[0]) { /* ES down, or one collector failing (a 403) */
        logging_failure(res->es_error_key, LOGGING_WARN, "poll failed: %s", res->es_error);
        snprintf(p->failing_key, sizeof(p->failing_key), "%s", res->es_error_key);
    } else if (p->failing_key[0]) {
        logging_recovered(p->failing_key, "Elasticsearch answering again after: %s",
                          p->failing_key);
        p->failing_key[0] = '\0';
    }
}

static void report_host(poller *p, const collect_result *res)
{
    if (res->host_elsewhere != p->warned_elsewhere && res->host_elsewhere)
        log_warn("host metrics left out: %s; Elasticsearch runs on another host (set --es.pid "
                 "if it runs here, e.g. in a container)",
                 res->host_why);
    p->warned_elsewhere = res->host_elsewhere;
    if (res->host_permission && !p->warned_permission) {
        p->warned_permission = 1;
        log_warn("cannot read the Elasticsearch process in %s (%s): run esvigil as the "
                 "Elasticsearch user, or grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; "
                 "exporting what is readable",
                 p->o.cfg->path_procfs, res->host_error);
    } else if (res->host_error[0] && !res->host_permission) {
        logging_failure("procfs", LOGGING_WARN, "host metrics: %s", res->host_error);
    }
}

long long poller_deadline_ms(const config *cfg)
{
    return cfg->poll_deadline_ms > 0 ? cfg->poll_deadline_ms : cfg->poll_interval_ms;
}

collect_opts poller_collect_opts(const config *cfg, const checks_thresholds *t, const char *version)
{
    collect_opts co = {
        .procfs_root = cfg->path_procfs,
        .es_pid = (long)cfg->es_pid,
        .es_pidfile = cfg->es_pidfile,
        .es_all = cfg->es_all,
        .cluster = strcmp(cfg->cluster_metrics, "always") == 0  ? COLLECT_CLUSTER_ALWAYS
                   : strcmp(cfg->cluster_metrics, "never") == 0 ? COLLECT_CLUSTER_NEVER
                                                                : COLLECT_CLUSTER_AUTO,
        .thresholds = t,
        .version = version,
        .deadline_ms = poller_deadline_ms(cfg),
        .es_concurrency = (int)cfg->poll_concurrency,
    };
    return co;
}

/* The watchdog's view of this poll: when it started and its deadline. */
static void set_busy(poller *p, long long deadline_ms)
{
    atomic_store(&p->busy_deadline, deadline_ms);
    atomic_store(&p->busy_since, (long long)(clock_mono() * 1000));
}

/* Only the page's bookkeeping runs here, each poll: the HTML is rendered from what s keeps on
 * the first request for / (Prometheus never asks). Without memory for it / stays "pending".
 * Takes res's findings over. */
static void attach_page(poller *p, snapshot *s, const metric_set *set, collect_result *res,
                        double now)
{
    if (res->es_up)
        p->last_success = now;
    statuspage_info in = {
        .version = p->o.version,
        .es_url = esclient_display_url(p->es),
        .telemetry_path = p->o.cfg->web_telemetry_path,
        .refresh_seconds = (int)((p->o.cfg->poll_interval_ms + 999) / 1000),
        .finished_at = now,
        .polls = p->polls,
        .last_success = p->last_success,
    };
    statuspage_poll *pp = statuspage_poll_take(p->page, &in, set, res);
    if (pp)
        snapshot_take_page(s, pp);
}

/* Renders up front the bodies scrapers asked for since the last poll (Prometheus asks for one),
 * or those of the poll before when nobody scraped in between; takes over set. */
static snapshot *publishable(poller *p, metric_set *set, const snapshot_info *info)
{
    snapshot *prev = snapshot_slot_acquire(p->o.slot);
    if (prev && snapshot_asked(prev))
        p->render = snapshot_asked(prev);
    int rc = snapshot_export_render(prev, set);
    snapshot_release(prev);
    if (rc < 0) {
        metric_set_free(set);
        return NULL;
    }
    return snapshot_new(set, info, p->render);
}

static void poll_once(poller *p)
{
    metric_set *set = metric_set_new();
    collect_opts co = poller_collect_opts(p->o.cfg, p->o.thresholds, p->o.version);
    co.pacer = p->pacer;
    co.nodeinfo_interval_ms = p->o.cfg->es_nodeinfo_interval_ms; /* one-shot --check: no use */
    co.settings_interval_ms = p->o.cfg->es_clustersettings_interval_ms;
    collect_result res;
    set_busy(p, co.deadline_ms);
    int rc = set ? collect_run(p->coll, p->es, &co, set, &res) : -1;
    atomic_store(&p->busy_since, 0);
    /* The parsers' freed buffers of a big poll that ran on several threads sit in the
     * workers' malloc arenas, which rendering on this thread cannot reuse: hand them back
     * first, so they do not add to the peak (2-3 MiB at 500 nodes). */
    if (rc == 0 && res.es_threads > 1 && metric_set_sample_count(set) >= POLLER_TRIM_MIN_SAMPLES)
        malloc_trim(0);
    if (rc != 0) {
        logging_failure("oom", LOGGING_ERROR, "poll skipped: out of memory");
        if (set)
            collect_result_free(&res);
        metric_set_free(set);
        return;
    }
    snapshot_info info = {.finished_at = clock_real(),
                          .duration = res.duration,
                          .es_up = res.es_up,
                          .polls = ++p->polls};
    snprintf(info.status, sizeof(info.status), "%s", res.es_up ? "ok" : res.es_error);
    size_t samples = metric_set_sample_count(set);
    snapshot *s = publishable(p, set, &info); /* s owns set from here */
    if (s) {
        attach_page(p, s, set, &res, info.finished_at);
        snapshot_slot_publish(p->o.slot, s);
        /* A big cluster's poll frees tens of MB in small blocks; hand them back between polls
         * rather than hold the peak as steady RSS. A small poll's garbage is reused by the
         * next one, and walking the heap for it cost a twentieth of a single node's poll. */
        if (samples >= POLLER_TRIM_MIN_SAMPLES)
            malloc_trim(0);
    } else
        logging_failure("oom", LOGGING_ERROR, "snapshot not rendered: out of memory");
    report_es(p, &res);
    report_host(p, &res);
    if (res.warning[0])
        logging_failure("settings", LOGGING_WARN, "ignored: %s", res.warning);
    collect_result_free(&res);
    log_debug("poll %lu done in %.3fs: %s", p->polls, res.duration, info.status);
    sd_notifyf(0, "STATUS=last poll %s in %.3fs", res.es_up ? "ok" : "failed", res.duration);
}

/* Sleeps until the next poll is due (monotonic) or stop. */
static int wait_until(poller *p, double due)
{
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (clock_mono() >= due)
            break;
        struct timespec ts = clock_timespec(due);
        pthread_cond_timedwait(&p->cond, &p->mu, &ts);
    }
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

static void *poller_main(void *arg)
{
    poller *p = arg;
    double interval = (double)p->o.cfg->poll_interval_ms / 1000.0;
    double next = clock_mono();
    do {
        poll_once(p);
        next += interval;
        if (next < clock_mono()) /* a poll longer than the interval: skip, don't pile up */
            next = clock_mono() + interval;
    } while (!wait_until(p, next));
    return NULL;
}

esclient *poller_make_client(const config *c, char *err, size_t errlen)
{
    esclient_opts eo = {
        .base_url = c->es_uri,
        .timeout_ms = (long)c->es_timeout_ms,
        .username = c->es_username,
        .password = c->es_password,
        .api_key = c->es_api_key,
        .ca_file = c->es_ca,
        .cert_file = c->es_client_cert,
        .key_file = c->es_client_private_key,
        .skip_verify = c->es_ssl_skip_verify,
        .max_response_bytes = (size_t)c->es_max_response_bytes,
        .aws_region = c->aws_region,
        .aws_access_key_id = c->aws.access_key_id,
        .aws_secret_access_key = c->aws.secret_access_key,
        .aws_session_token = c->aws.session_token,
    };
    return esclient_new(&eo, err, errlen);
}

static int init_sync(poller *p)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        pthread_cond_destroy(&p->cond);
        return -1;
    }
    return 0;
}

/* The paced collectors get their own thread and client, only when on. They
 * borrow p->o.cfg, so a reload restarts them on the new config. */
static int start_side(poller *p, char *err, size_t errlen)
{
    p->pacer = pacer_new(p->o.cfg);
    if (!p->pacer) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!pacer_any_enabled(p->pacer)) {
        pacer_free(p->pacer);
        p->pacer = NULL;
        return 0;
    }
    p->side = sidepoller_start(p->o.cfg, p->pacer, err, errlen);
    if (!p->side) {
        pacer_free(p->pacer);
        p->pacer = NULL;
        return -1;
    }
    return 0;
}

/* Only while the poller thread is halted: it reads p->pacer. */
static void stop_side(poller *p)
{
    sidepoller_stop(p->side);
    pacer_free(p->pacer);
    p->side = NULL;
    p->pacer = NULL;
}

/* Starts the thread on p->es; the first poll runs at once. */
static int launch(poller *p)
{
    p->stop = 0;
    atomic_store(&p->cancel, 0);
    esclient_set_cancel(p->es, &p->cancel);
    p->running = pthread_create(&p->thread, NULL, poller_main, p) == 0;
    return p->running ? 0 : -1;
}

/* Stops the thread (a request in flight is abandoned) and waits for it. */
static void halt(poller *p)
{
    if (!p->running)
        return;
    atomic_store(&p->cancel, 1);
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = 0;
}

static void destroy(poller *p)
{
    stop_side(p);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    esclient_free(p->es);
    collect_free(p->coll);
    statuspage_state_free(p->page);
    free(p);
}

poller *poller_start(const poller_opts *o, char *err, size_t errlen)
{
    poller *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->o = *o;
    p->render =
        snapshot_body_bit(EXPOSITION_TEXT, 1) | snapshot_body_bit(EXPOSITION_OPENMETRICS, 1);
    atomic_init(&p->cancel, 0);
    atomic_init(&p->busy_since, 0);
    atomic_init(&p->busy_deadline, 0);
    p->es = poller_make_client(o->cfg, err, errlen);
    p->coll = p->es ? collect_new() : NULL;
    p->page = p->coll ? statuspage_state_new() : NULL;
    if (!p->page || init_sync(p) != 0) {
        if (p->es)
            snprintf(err, errlen, "out of memory");
        esclient_free(p->es);
        collect_free(p->coll);
        statuspage_state_free(p->page);
        free(p);
        return NULL;
    }
    if (start_side(p, err, errlen) != 0) {
        destroy(p);
        return NULL;
    }
    if (launch(p) != 0) {
        snprintf(err, errlen, "cannot start the poller thread");
        destroy(p);
        return NULL;
    }
    return p;
}

int poller_reload(poller *p, const config *cfg, const checks_thresholds *t, char *err,
                  size_t errlen)
{
    esclient *es = poller_make_client(cfg, err, errlen);
    if (!es)
        return -1;
    halt(p);
    stop_side(p);
    if (errlen)
        err[0] = '\0';
    poller_opts old = p->o;
    esclient *old_es = p->es;
    p->o.cfg = cfg;
    p->o.thresholds = t;
    p->es = es;
    collect_forget_identity(p->coll); /* the URL or the cluster mode may have changed */
    if (start_side(p, err, errlen) == 0 && launch(p) == 0) {
        esclient_free(old_es);
        return 0;
    }
    if (!err[0])
        snprintf(err, errlen, "cannot start the poller thread");
    stop_side(p);
    p->o = old;
    p->es = old_es;
    esclient_free(es);
    char ignored[256];
    start_side(p, ignored, sizeof(ignored));
    launch(p); /* a second failure leaves no thread: poller_overdue then says so */
    return -1;
}

double poller_overdue(const poller *p)
{
    if (!p->running)
        return 1e9;
    long long since = atomic_load(&p->busy_since);
    if (!since)
        return 0;
    double late = clock_mono() - (double)(since + atomic_load(&p->busy_deadline)) / 1000.0;
    return late > 0 ? late : 0;
}

const char *poller_es_url(const poller *p)
{
    return esclient_display_url(p->es);
}

void poller_stop(poller *p)
{
    if (!p)
        return;
    halt(p);
    destroy(p);
}
