/* snapstats: the snapshot collector. GET /_snapshot names the repositories,
 * GET /_snapshot/REPO/_all lists each one; the listing streams into the
 * reference exporter's elasticsearch_snapshot_stats_* families and esvigil's
 * own: the newest SUCCESS snapshot's end time (the reference's "latest" is
 * any SUCCESS or PARTIAL snapshot's start) and the newest snapshot's state. */
#ifndef ESVIGIL_SNAPSTATS_H
#define ESVIGIL_SNAPSTATS_H

#include <stddef.h>

#include "esclient.h"
#include "metric.h"

/* ---- GET /_snapshot: the repository names (keys of the top object) ---- */
typedef struct snapstats_repos snapstats_repos;

snapstats_repos *snapstats_repos_new(void);
void snapstats_repos_free(snapstats_repos *p);
int snapstats_repos_feed(void *p, const char *data, size_t len); /* an esclient_sink */
int snapstats_repos_finish(snapstats_repos *p);                  /* 0, or -1 (not an object, ...) */
const char *snapstats_repos_error(const snapstats_repos *p);
size_t snapstats_repos_count(const snapstats_repos *p);
const char *snapstats_repos_name(const snapstats_repos *p, size_t i); /* owned by p */

/* ---- GET /_snapshot/REPO/_all: one repository's snapshots ---- */
/* Memory does not grow with the number of snapshots: only the running
 * aggregates and the last snapshot are kept. Snapshots are taken in the
 * order ES lists them (by start time), as the reference does. */
typedef struct snapstats_list snapstats_list;

snapstats_list *snapstats_list_new(void);
void snapstats_list_free(snapstats_list *p);
int snapstats_list_feed(void *p, const char *data, size_t len);
/* 0, or -1 when the document is invalid or has no "snapshots" array. */
int snapstats_list_finish(snapstats_list *p);
const char *snapstats_list_error(const snapstats_list *p);

/* After a successful finish: how many snapshots, the newest snapshot's name
 * and state ("" when none; owned by p) and the newest SUCCESS snapshot's end
 * time in seconds (0 when none). */
size_t snapstats_list_count(const snapstats_list *p);
const char *snapstats_list_latest_name(const snapstats_list *p);
const char *snapstats_list_latest_state(const snapstats_list *p);
double snapstats_list_last_success_end(const snapstats_list *p);

/* Adds the repository's samples to out: the reference families (label
 * repository, and state and version for the newest snapshot), and esvigil's
 * with cluster and repository. now (Unix seconds) gives the age. 0 or -1 (OOM). */
int snapstats_list_emit(const snapstats_list *p, metric_set *out, const char *cluster,
                        const char *repository, double now);

/* ---- the collector ---- */
/* Per-repository error counters across runs. */
typedef struct snapstats snapstats;

snapstats *snapstats_new(void);
void snapstats_free(snapstats *s);

/* One run into out. A repository whose listing fails is counted (and
 * exported as down) and the others are exported; only a failure of the
 * repository list fails the run (why, with err set). On ESCLIENT_OK, err is
 * "" or names the first repository that failed (a warning). */
esclient_err snapstats_collect(snapstats *s, esclient *es, const char *cluster, double now,
                               metric_set *out, char *err, size_t errlen);

/* Every family definition the collector can emit, for docs and compatibility checks. */
size_t snapstats_def_count(void);
const metric_def *snapstats_def(size_t i);

#endif
