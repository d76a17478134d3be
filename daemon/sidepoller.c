/* sidepoller: sleeps until the next paced collector is due (re-checking at
 * least every second, since "due" also depends on the main poll having seen
 * this daemon become the reporter), runs what is due, logs failures once
 * per failure kind. */
#include "sidepoller.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "logging.h"
#include "poller.h"

struct sidepoller {
    pacer *pacer;
    esclient *es;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stop;
    atomic_int cancel;
    char failing_key[64];
};

static double now_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 when asked to stop. */
static int sleep_for(sidepoller *s, double secs)
{
    double until = now_clock(CLOCK_MONOTONIC) + secs;
    struct timespec ts = {.tv_sec = (time_t)until,
                          .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
    pthread_mutex_lock(&s->mu);
    while (!s->stop && pthread_cond_timedwait(&s->cond, &s->mu, &ts) != ETIMEDOUT)
        ;
    int stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

static void *side_main(void *arg)
{
    sidepoller *s = arg;
    do {
        char err[256], key[64] = "";
        int ran = pacer_step(s->pacer, s->es, now_clock(CLOCK_MONOTONIC), now_clock(CLOCK_REALTIME),
                             err, sizeof(err), key, sizeof(key));
        if (err[0]) {
            logging_failure(key, LOGGING_WARN, "collector failed: %s", err);
            snprintf(s->failing_key, sizeof(s->failing_key), "%s", key);
        } else if (ran && s->failing_key[0]) {
            logging_recovered(s->failing_key, "collector answering again after: %s",
                              s->failing_key);
            s->failing_key[0] = '\0';
        }
    } while (!sleep_for(s, pacer_wait(s->pacer, now_clock(CLOCK_MONOTONIC), 1.0)));
    return NULL;
}

static int init_sync(sidepoller *s)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        pthread_cond_destroy(&s->cond);
        return -1;
    }
    return 0;
}

sidepoller *sidepoller_start(const config *cfg, pacer *p, char *err, size_t errlen)
{
    sidepoller *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->pacer = p;
    s->es = poller_make_client(cfg, err, errlen);
    if (!s->es || init_sync(s) != 0) {
        if (s->es)
            snprintf(err, errlen, "out of memory");
        esclient_free(s->es);
        free(s);
        return NULL;
    }
    atomic_init(&s->cancel, 0);
    esclient_set_cancel(s->es, &s->cancel);
    if (pthread_create(&s->thread, NULL, side_main, s) != 0) {
        snprintf(err, errlen, "cannot start the index collector thread");
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->mu);
        esclient_free(s->es);
        free(s);
        return NULL;
    }
    return s;
}

void sidepoller_stop(sidepoller *s)
{
    if (!s)
        return;
    atomic_store(&s->cancel, 1);
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    esclient_free(s->es);
    free(s);
}
