/* main: command line, configuration, signals and the lifetime of the
 * poller and HTTP threads. Everything testable lives in lib/. */
#include <curl/curl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "checkreport.h"
#include "checkrules.h"
#include "checks.h"
#include "dashboard.h"
#include "collect.h"
#include "config.h"
#include "httpd.h"
#include "logging.h"
#include "pacer.h"
#include "poller.h"
#include "prober.h"
#include "snapshot.h"

#define EXIT_CONFIG 2

static const char *const action_flags[] = {
    "--check", "--print-rules", "--print-dashboard", "--version", "--help", "-h", NULL};

static int has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return 1;
    return 0;
}

/* Defaults, then the file (--config.file, else the default path if it
 * exists), then flags, then cross-checks. NULL with err on any problem. */
static config *load_config(int argc, char **argv, char *err, size_t errlen)
{
    config *c = config_new();
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *path = config_file_arg(argc, argv);
    if (!path && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
        path = CONFIG_DEFAULT_FILE;
    if ((path && config_load_file(c, path, err, errlen) != 0) ||
        config_apply_flags(c, argc, argv, action_flags, err, errlen) != 0 ||
        config_finalize(c, err, errlen) != 0) {
        config_free(c);
        return NULL;
    }
    return c;
}

/* The table's thresholds with the config's checks.* overrides. */
static checks_thresholds *thresholds_for(const config *cfg)
{
    checks_thresholds *t = checks_thresholds_new();
    if (t)
        config_apply_thresholds(cfg, t);
    return t;
}

/* The rule file as --print-rules writes it, for /rules. */
static char *render_rules(const checks_thresholds *t)
{
    buf b;
    buf_init(&b);
    if (checkrules_render(t, &b) != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}

typedef struct daemon_state {
    config *cfg;
    prober *probe;
    checks_thresholds *thresholds;
    char *rules;
    snapshot_slot *slot;
    httpd *http;
    poller *poll;
    uint64_t watchdog_usec; /* 0: no systemd watchdog */
    int starving;           /* the watchdog is no longer fed: the poller is stuck */
} daemon_state;

/* How long a poll may overrun its deadline (procfs, checks and rendering come
 * after the last request) before it counts as stuck. */
#define STUCK_GRACE_SECONDS 5.0

static poller *start_poller(daemon_state *d, const config *cfg, char *err, size_t errlen)
{
    poller_opts po = {
        .cfg = cfg, .slot = d->slot, .thresholds = d->thresholds, .version = PACKAGE_VERSION};
    return poller_start(&po, err, errlen);
}

/* SIGHUP: the new config replaces the old only if it loads, validates and
 * the poller accepts it; otherwise the old one keeps running untouched. The
 * poller, and with it every counter and baseline, lives on. */
static void reload(daemon_state *d, int argc, char **argv)
{
    char err[512];
    config *next = load_config(argc, argv, err, sizeof(err));
    if (!next) {
        log_error("reload failed, keeping the previous configuration: %s", err);
        return;
    }
    if (strcmp(next->web_listen_address, d->cfg->web_listen_address) != 0) {
        log_warn("web.listen-address changes take effect on restart; still listening on %s",
                 d->cfg->web_listen_address);
        free(next->web_listen_address);
        next->web_listen_address = strdup(d->cfg->web_listen_address);
    }
    checks_thresholds *t = thresholds_for(next), *old_t = d->thresholds;
    char *rules = t ? render_rules(t) : NULL;
    if (!rules) {
        log_error("reload failed, keeping the previous configuration: out of memory");
        checks_thresholds_free(t);
        config_free(next);
        return;
    }
    if (poller_reload(d->poll, next, t, err, sizeof(err)) != 0) {
        log_error("reload failed, keeping the previous configuration: %s", err);
        checks_thresholds_free(t);
        free(rules);
        config_free(next);
        return;
    }
    d->thresholds = t;
    checks_thresholds_free(old_t);
    free(d->rules);
    d->rules = rules;
    prober_update(d->probe, next);
    config_free(d->cfg);
    d->cfg = next;
    logging_set_level(logging_parse_level(next->log_level));
    httpd_update(d->http, next->web_telemetry_path, poller_es_url(d->poll), d->rules);
    httpd_set_idle_timeout(d->http, next->web_idle_timeout_ms);
    if (httpd_reload_web(d->http, next->web_config_file, err, sizeof(err)) != 0)
        log_error("reload: keeping the previous web config: %s", err);
    log_info("configuration reloaded%s%s", next->config_file ? " from " : "",
             next->config_file ? next->config_file : "");
}

static int start(daemon_state *d)
{
    char err[512];
    d->thresholds = thresholds_for(d->cfg);
    d->rules = d->thresholds ? render_rules(d->thresholds) : NULL;
    if (!d->rules) {
        log_error("out of memory");
        return -1;
    }
    int listen_fd = sd_listen_fds(1) > 0 ? SD_LISTEN_FDS_START : -1;
    if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
        d->watchdog_usec = 0;
    d->slot = snapshot_slot_new();
    d->poll = d->slot ? start_poller(d, d->cfg, err, sizeof(err)) : NULL;
    if (!d->poll) {
        log_error("%s", d->slot ? err : "out of memory");
        return -1;
    }
    int probe_cap = d->cfg->probe_allow.n ? (int)d->cfg->probe_max_concurrent : 0;
    if (!(d->probe = prober_new(d->cfg, PACKAGE_VERSION, probe_cap))) {
        log_error("out of memory");
        return -1;
    }
    httpd_opts ho = {.listen_address = d->cfg->web_listen_address,
                     .listen_fd = listen_fd,
                     .telemetry_path = d->cfg->web_telemetry_path,
                     .slot = d->slot,
                     .version = PACKAGE_VERSION,
                     .es_url = poller_es_url(d->poll),
                     .rules = d->rules,
                     .web_config_file = d->cfg->web_config_file,
                     .probe = d->probe,
                     .probe_threads = (unsigned)probe_cap,
                     .idle_timeout_ms = d->cfg->web_idle_timeout_ms};
    d->http = httpd_start(&ho, err, sizeof(err));
    if (!d->http) {
        log_error("%s", err);
        return -1;
    }
    log_info("esvigil %s polling %s every %llds; listening on %s%s", PACKAGE_VERSION,
             poller_es_url(d->poll), d->cfg->poll_interval_ms / 1000, httpd_url(d->http),
             d->cfg->web_telemetry_path);
    sd_notifyf(0, "READY=1\nSTATUS=listening on %s", httpd_url(d->http));
    return 0;
}

static void stop(daemon_state *d)
{
    sd_notify(0, "STOPPING=1");
    poller_stop(d->poll);
    prober_cancel(d->probe);
    httpd_stop(d->http);
    prober_free(d->probe);
    snapshot_slot_free(d->slot);
    config_free(d->cfg);
    checks_thresholds_free(d->thresholds);
    free(d->rules);
}

/* The watchdog is fed here, not by the poller: a poll waiting on a slow ES
 * within its deadline is healthy, only one stuck past it is not. */
static void feed_watchdog(daemon_state *d)
{
    double late = poller_overdue(d->poll);
    if (late <= STUCK_GRACE_SECONDS) {
        if (d->starving)
            log_info("the poller is moving again; feeding the systemd watchdog");
        d->starving = 0;
        sd_notify(0, "WATCHDOG=1");
        return;
    }
    if (!d->starving)
        log_error("the poll is stuck %.0fs past its deadline; no longer feeding the systemd "
                  "watchdog",
                  late);
    d->starving = 1;
}

/* The next signal; with a watchdog, feeds it every half period meanwhile. */
static int next_signal(daemon_state *d, const sigset_t *set, double *next_feed)
{
    if (!d->watchdog_usec) {
        int sig = 0;
        return sigwait(set, &sig) == 0 ? sig : -1;
    }
    double period = (double)d->watchdog_usec / 2e6, now = clock_mono();
    if (now >= *next_feed) {
        feed_watchdog(d);
        *next_feed = *next_feed + period > now ? *next_feed + period : now + period;
    }
    double left = *next_feed - now;
    struct timespec ts = {.tv_sec = (time_t)left,
                          .tv_nsec = (long)((left - (double)(time_t)left) * 1e9)};
    return sigtimedwait(set, NULL, &ts);
}

static int wait_signals(daemon_state *d, const sigset_t *set, int argc, char **argv)
{
    double next_feed = clock_mono();
    for (;;) {
        int sig = next_signal(d, set, &next_feed);
        if (sig <= 0)
            continue;
        if (sig == SIGHUP) {
            sd_notify(0, "RELOADING=1");
            reload(d, argc, argv);
            sd_notify(0, "READY=1");
            continue;
        }
        log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
        return 0;
    }
}

static int run_daemon(config *cfg, int argc, char **argv)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* Blocked before any thread starts, so only sigwait below sees them. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    daemon_state d = {.cfg = cfg};
    int rc = start(&d) == 0 ? wait_signals(&d, &set, argc, argv) : 1;
    stop(&d);
    curl_global_cleanup();
    logging_shutdown();
    return rc;
}

/* --print-rules: the alert rules from the check table and the configured
 * thresholds, on stdout. */
static int print_rules(const config *cfg)
{
    checks_thresholds *t = thresholds_for(cfg);
    char *rules = t ? render_rules(t) : NULL;
    checks_thresholds_free(t);
    if (!rules) {
        fprintf(stderr, "esvigil: out of memory\n");
        return 1;
    }
    fputs(rules, stdout);
    free(rules);
    return 0;
}

/* --print-dashboard: the Grafana dashboard, threshold lines from the
 * configured thresholds, on stdout. */
static int print_dashboard(const config *cfg)
{
    checks_thresholds *t = thresholds_for(cfg);
    buf b;
    buf_init(&b);
    int rc = t ? dashboard_render(t, &b) : -1;
    checks_thresholds_free(t);
    if (rc != 0) {
        buf_free(&b);
        fprintf(stderr, "esvigil: out of memory\n");
        return 1;
    }
    fputs(b.data, stdout);
    buf_free(&b);
    return 0;
}

/* --check with index-level collectors on: a first poll tells whether this
 * node reports for the cluster, then those collectors run once, so the
 * report's poll includes them. NULL when none is on. */
static pacer *prime_paced(const config *cfg, collect *coll, esclient *es, const collect_opts *co)
{
    pacer *p = pacer_new(cfg);
    if (!p || !pacer_any_enabled(p)) {
        pacer_free(p);
        return NULL;
    }
    collect_opts first = *co;
    first.pacer = p;
    metric_set *scratch = metric_set_new();
    collect_result res;
    if (scratch && collect_run(coll, es, &first, scratch, &res) == 0) {
        collect_result_free(&res);
        pacer_step(p, es, 0, (double)time(NULL), NULL, 0, NULL, 0); /* first run: due at once */
    }
    metric_set_free(scratch);
    return p;
}

/* --check: one poll, a readable report, Nagios exit status (0 ok, 1
 * warning, 2 critical, 3 unknown). */
static int run_check(const config *cfg)
{
    char err[512];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    esclient *es = poller_make_client(cfg, err, sizeof(err));
    collect *coll = es ? collect_new() : NULL;
    metric_set *set = coll ? metric_set_new() : NULL;
    checks_thresholds *t = set ? thresholds_for(cfg) : NULL;
    int status = CHECK_UNKNOWN;
    collect_result res;
    collect_opts co = poller_collect_opts(cfg, t, PACKAGE_VERSION);
    pacer *paced = t ? prime_paced(cfg, coll, es, &co) : NULL;
    co.pacer = paced;
    if (t && collect_run(coll, es, &co, set, &res) == 0) {
        buf b;
        buf_init(&b);
        checkreport_detail details[COLLECT_MAX_FAILURES + 1];
        size_t n = collect_result_details(&res, details, COLLECT_MAX_FAILURES + 1);
        checkreport_render(&res.checks, details, n, &b);
        fputs(b.data ? b.data : "", stdout);
        buf_free(&b);
        status = res.checks.worst;
        collect_result_free(&res);
    } else {
        printf("ESVIGIL UNKNOWN - %s\n", es ? "out of memory" : err);
    }
    checks_thresholds_free(t);
    metric_set_free(set);
    pacer_free(paced);
    collect_free(coll);
    esclient_free(es);
    curl_global_cleanup();
    return status;
}

int main(int argc, char **argv)
{
#ifdef M_ARENA_MAX
    /* One malloc arena for all threads. A big poll's collectors run on two threads; with an
     * arena each, one collector's long-lived samples sat among the other's garbage, so the
     * peak and the RSS between polls depended on which collector ran on which thread (500
     * nodes: 64-72 and 36-49 MiB; one arena: 63-65 and 36-38). The parsers allocate little,
     * so the threads hardly wait on the arena's lock (a --check: ~40 more futex calls). */
    mallopt(M_ARENA_MAX, 1);
#endif
    if (has_flag(argc, argv, "--version")) {
        printf("esvigil %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (has_flag(argc, argv, "--help") || has_flag(argc, argv, "-h")) {
        config_print_help(stdout);
        return 0;
    }
    logging_init();
    char err[512];
    config *cfg = load_config(argc, argv, err, sizeof(err));
    int check = has_flag(argc, argv, "--check");
    if (!cfg) {
        if (check) { /* Nagios reads stdout and wants 3 for "could not check" */
            printf("ESVIGIL UNKNOWN - %s\n", err);
            return CHECK_UNKNOWN;
        }
        fprintf(stderr, "esvigil: %s\n", err);
        return EXIT_CONFIG;
    }
    if (has_flag(argc, argv, "--print-dashboard")) {
        int rc = print_dashboard(cfg);
        config_free(cfg);
        return rc;
    }
    if (check || has_flag(argc, argv, "--print-rules")) {
        int rc = check ? run_check(cfg) : print_rules(cfg);
        config_free(cfg);
        return rc;
    }
    logging_set_level(logging_parse_level(cfg->log_level));
    return run_daemon(cfg, argc, argv);
}
