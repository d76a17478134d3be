/* logging: leveled log lines to the journal under systemd (detected from
 * JOURNAL_STREAM), logfmt on stderr otherwise; failures that repeat every
 * poll are rate-limited. Thread-safe. */
#ifndef ESVIGIL_LOGGING_H
#define ESVIGIL_LOGGING_H

typedef enum { LOGGING_DEBUG, LOGGING_INFO, LOGGING_WARN, LOGGING_ERROR } logging_level;

void logging_init(void);
void logging_shutdown(void);
/* "debug", "info", "warn", "error"; -1 if unknown. */
int logging_parse_level(const char *name);
void logging_set_level(logging_level lvl);
void logging_log(logging_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs at lvl unless the same key was logged within the last minutes; the
 * next write says how many were folded. */
void logging_failure(const char *key, logging_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A key's failure has cleared: log its recovery once and forget it. */
void logging_recovered(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) logging_log(LOGGING_DEBUG, __VA_ARGS__)
#define log_info(...) logging_log(LOGGING_INFO, __VA_ARGS__)
#define log_warn(...) logging_log(LOGGING_WARN, __VA_ARGS__)
#define log_error(...) logging_log(LOGGING_ERROR, __VA_ARGS__)

#endif
