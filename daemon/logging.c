/* logging: the daemon's one process-wide logger (global state lives here,
 * never in lib/). */
#include "logging.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "clock.h"
#include "ratelimit.h"

/* Identical failures are written at most once per this many seconds. */
#define LOGGING_REPEAT_INTERVAL 300.0

/* The longest message emit() is handed: a folded one, msg plus its note. */
#define LOGGING_MSG_MAX 1100

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static logging_level log_level = LOGGING_INFO;
static int log_journal;
static ratelimit log_rl;

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const int level_priority[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};

void logging_init(void)
{
    /* systemd sets JOURNAL_STREAM when stderr is the journal; then write
     * structured entries with a real priority instead of text. */
    log_journal = getenv("JOURNAL_STREAM") != NULL;
    ratelimit_init(&log_rl, LOGGING_REPEAT_INTERVAL);
}

void logging_shutdown(void)
{
    fflush(stderr);
}

int logging_parse_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void logging_set_level(logging_level lvl)
{
    pthread_mutex_lock(&log_mu);
    log_level = lvl;
    pthread_mutex_unlock(&log_mu);
}

/* The line is built whole and written with one fwrite: stderr is unbuffered,
 * so a character at a time was a write(2) each (27 for "poll N done"), and
 * every one woke the reader of a pipe, which took the CPU from the poller. */
static void write_stderr(logging_level lvl, const char *msg)
{
    struct timespec ts = clock_timespec(clock_real());
    struct tm tm;
    char when[32];
    char line[64 + 2 * LOGGING_MSG_MAX]; /* the header, then msg with every byte escaped */
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    int head = snprintf(line, sizeof(line), "ts=%s.%03ldZ level=%s msg=\"", when,
                        ts.tv_nsec / 1000000, level_names[lvl]);
    size_t n = head > 0 && (size_t)head < sizeof(line) ? (size_t)head : 0;
    for (const char *p = msg; *p && n + 4 < sizeof(line); p++) {
        if (*p == '"' || *p == '\\')
            line[n++] = '\\';
        line[n++] = *p == '\n' ? ' ' : *p;
    }
    line[n++] = '"';
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
    fflush(stderr);
}

static void emit(logging_level lvl, const char *msg)
{
    if (log_journal)
        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level_priority[lvl],
                        "SYSLOG_IDENTIFIER=esvigil", NULL);
    else
        write_stderr(lvl, msg);
}

void logging_log(logging_level lvl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_mu);
    if (lvl >= log_level)
        emit(lvl, msg);
    pthread_mutex_unlock(&log_mu);
}

void logging_failure(const char *key, logging_level lvl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    unsigned folded = 0;
    pthread_mutex_lock(&log_mu);
    if (lvl >= log_level && ratelimit_allow(&log_rl, key, clock_mono(), &folded)) {
        if (folded) {
            char more[LOGGING_MSG_MAX];
            snprintf(more, sizeof(more), "%s (repeated %u more times)", msg, folded);
            emit(lvl, more);
        } else {
            emit(lvl, msg);
        }
    }
    pthread_mutex_unlock(&log_mu);
}

void logging_recovered(const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_mu);
    ratelimit_clear(&log_rl, key);
    if (LOGGING_INFO >= log_level)
        emit(LOGGING_INFO, msg);
    pthread_mutex_unlock(&log_mu);
}
