/* statuspage: the HTML page served at /, rendered from one poll's result:
 * the --check findings, the poll and each collector. Plain HTML and CSS, no
 * script, no external asset; every string from Elasticsearch is escaped. */
#ifndef ESVIGIL_STATUSPAGE_H
#define ESVIGIL_STATUSPAGE_H

#include "buf.h"
#include "collect.h"
#include "metric.h"

/* What the page shows besides the poll: borrowed strings. */
typedef struct statuspage_info {
    const char *version;
    const char *es_url;         /* display form, no secrets */
    const char *telemetry_path; /* the metrics link */
    int refresh_seconds;        /* the page reloads itself this often; <= 0: 1 */
    double finished_at;         /* unix time the poll ended */
    unsigned long polls;        /* polls since start */
    double last_success;        /* unix time ES last answered; 0: never */
} statuspage_info;

/* Each collector's last success, kept across polls. */
typedef struct statuspage_state statuspage_state;
statuspage_state *statuspage_state_new(void);
void statuspage_state_free(statuspage_state *st);

/* Appends the page of one poll (res, and the esvigil_collector_success
 * samples of set) to out, and notes in st which collectors succeeded at
 * info->finished_at. 0, or -1 on OOM. */
int statuspage_render(statuspage_state *st, const statuspage_info *info, const metric_set *set,
                      const collect_result *res, buf *out);

/* One poll's page, kept unrendered until someone asks for / (Prometheus never does). It
 * holds its own copies, so polls after it do not change it. */
typedef struct statuspage_poll statuspage_poll;
/* Notes in st which collectors succeeded at info->finished_at, as statuspage_render does, and
 * keeps what the page of this poll shows: copies of info, of what it reads of res, and of
 * st's collectors with their last successes as of now. Takes over res->checks (res is left
 * with no findings).
 * NULL on OOM. */
statuspage_poll *statuspage_poll_take(statuspage_state *st, const statuspage_info *info,
                                      const metric_set *set, collect_result *res);
/* Appends the page statuspage_render would have given for that poll; set is the poll's own
 * (read for its esvigil_collector_success samples). 0, or -1 on OOM. */
int statuspage_poll_render(const statuspage_poll *pp, const metric_set *set, buf *out);
void statuspage_poll_free(statuspage_poll *pp);
/* The page before the first poll has finished. 0, or -1 on OOM. */
int statuspage_render_pending(const statuspage_info *info, buf *out);
/* Appends s with <, >, &, " and ' escaped. */
void statuspage_escape(buf *out, const char *s);

#endif
