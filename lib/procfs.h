/* procfs: readers for the host's /proc (root configurable, like
 * node_exporter's --path.procfs) into esvigil_host_* families: memory,
 * map and fd limits, load, and the Elasticsearch process itself. */
#ifndef ESVIGIL_PROCFS_H
#define ESVIGIL_PROCFS_H

#include "metric.h"

/* Errors a read can hit; each becomes a counted error with this reason label. */
typedef enum {
    PROCFS_OK = 0,
    PROCFS_ERR_MISSING,    /* file or pid absent (process exited) */
    PROCFS_ERR_PERMISSION, /* EACCES/EPERM: not the ES user, no CAP_SYS_PTRACE */
    PROCFS_ERR_PARSE,      /* truncated or garbled content */
    PROCFS_ERR_PID_REUSED, /* the pid now belongs to another process */
    PROCFS_ERR_COUNT
} procfs_err;

const char *procfs_err_reason(procfs_err e); /* "missing", "permission", "parse", "pid_reused" */

typedef struct procfs_report {
    unsigned errors[PROCFS_ERR_COUNT]; /* how many reads failed, by reason */
    char first_error[256];             /* one line about the first failure, for the log */
} procfs_report;

/* Host-wide families: meminfo, vm.max_map_count, fs.file-nr, loadavg.
 * A file that fails adds no sample of its own (never a zero) and is counted
 * in rep. Returns the number of failed reads. */
int procfs_collect_host(const char *root, metric_set *out, procfs_report *rep);

/* Families for process pid: map count, deleted mappings (count, bytes),
 * open fds, max open files, RSS, threads. expected_starttime, when non-zero,
 * is the process start time (field 22 of /proc/PID/stat) seen earlier; a
 * different one means the pid was reused and nothing is exported.
 * *starttime (optional) receives the one read now. */
int procfs_collect_process(const char *root, long pid, unsigned long long expected_starttime,
                           unsigned long long *starttime, metric_set *out, procfs_report *rep);

/* What procfs_probe_es_seen read of PID/stat: the caller hands it to
 * procfs_collect_process_seen in the same poll, which takes it as its first
 * read of stat instead of reading stat again. It still reads stat once
 * more after the other files, so a pid reused since the probe is caught. */
typedef struct procfs_stat_seen {
    long pid;                     /* 0: nothing seen (the probe could not parse stat) */
    unsigned long long starttime; /* field 22 */
} procfs_stat_seen;

/* procfs_collect_process, with seen (may be NULL; used only when its pid is
 * pid) standing for the first read of stat. */
int procfs_collect_process_seen(const char *root, long pid, unsigned long long expected_starttime,
                                const procfs_stat_seen *seen, unsigned long long *starttime,
                                metric_set *out, procfs_report *rep);

/* esvigil's own process_* families (CPU, memory, fds, start time), read
 * from root/self; root is the real procfs, not a fixture tree. Returns the
 * number of failed reads. Opens the files it reads on every call. */
int procfs_collect_self(const char *root, metric_set *out, procfs_report *rep);

/* root/self/stat and root/self/fd kept open across polls, so a poll reads
 * them without opening anything. The collector owns one (collect_new opens,
 * collect_free closes); one thread at a time. Only files of a real procfs
 * are kept: anything else (a fixture tree) is opened per poll, as are the
 * files a kernel cannot serve this way (before 6.2, PID/fd has no size). */
typedef struct procfs_self procfs_self;

/* root NULL or "": /proc. NULL only when out of memory. */
procfs_self *procfs_self_open(const char *root);
void procfs_self_close(procfs_self *s);

/* procfs_collect_self through s: the same families and values. The fds s
 * keeps are not counted, so process_open_fds stays what it was without s
 * (the process's other fds plus one, the descriptor that reads them). */
int procfs_self_collect(procfs_self *s, metric_set *out, procfs_report *rep);

/* Whether the ES process node info names runs on this host: the host view
 * (meminfo, limits, the process's maps and fds) belongs to that node only. */
typedef enum {
    PROCFS_ES_HERE,      /* pid is a JVM that fits: attribute the host view */
    PROCFS_ES_ELSEWHERE, /* no such process here, or another program, or started at another time */
    PROCFS_ES_UNKNOWN    /* procfs cannot tell (unreadable, not a procfs) */
} procfs_es_where;

/* pid is here when root/PID/stat exists, its comm is "java" or its cmdline
 * names Elasticsearch's or OpenSearch's main class, and, when start_ms (the
 * JVM start time node info reports, epoch milliseconds; <= 0 unknown) and
 * root/stat's btime are both known, it started within two minutes of it.
 * why gets one line on the verdict. */
procfs_es_where procfs_probe_es(const char *root, long pid, double start_ms, char *why,
                                size_t whylen);

/* procfs_probe_es, also filling seen (never NULL) with the stat it read. */
procfs_es_where procfs_probe_es_seen(const char *root, long pid, double start_ms, char *why,
                                     size_t whylen, procfs_stat_seen *seen);

/* Reads a pid from a pidfile; -1 when absent or garbled. */
long procfs_read_pidfile(const char *path);

#endif
