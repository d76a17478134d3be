/* procfs: parses /proc (or a fixture tree) into esvigil_host_* gauges. Every
 * file is all-or-nothing: values go to locals and become samples only once
 * the whole file parsed, so a torn read never exports a wrong zero. */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <math.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Large enough for meminfo/status/limits/stat on any kernel seen; a file
 * that fills it is treated as garbled rather than silently cut. */
#define SMALL_FILE_MAX 16384
/* maps is streamed through this; one line is at most PATH_MAX plus ~80. */
#define MAPS_CHUNK 65536
/* Samples per file or per process, bounded by the tables below. */
#define PENDING_MAX 16

static const char *const err_reasons[PROCFS_ERR_COUNT] = {
    [PROCFS_OK] = "ok",
    [PROCFS_ERR_MISSING] = "missing",
    [PROCFS_ERR_PERMISSION] = "permission",
    [PROCFS_ERR_PARSE] = "parse",
    [PROCFS_ERR_PID_REUSED] = "pid_reused",
};

const char *procfs_err_reason(procfs_err e)
{
    return (unsigned)e < PROCFS_ERR_COUNT ? err_reasons[e] : "unknown";
}

/* ---- family definitions ---- */

#define G(n, h)                                                                                    \
    {                                                                                              \
        .name = (n), .type = METRIC_GAUGE, .help = (h), .labels = { NULL }                         \
    }

static const metric_def def_mem_total =
    G("esvigil_host_memory_total_bytes", "Physical memory of the host (MemTotal). Denominator for "
                                         "mapped-buffer and memory-used ratios.");
static const metric_def def_mem_available =
    G("esvigil_host_memory_available_bytes",
      "Memory available for new allocations without swapping (MemAvailable). Near zero means the "
      "page cache Lucene relies on is being squeezed out. Absent on kernels before 3.14.");
static const metric_def def_mem_mapped = G(
    "esvigil_host_memory_mapped_bytes",
    "File pages mapped into processes (Mapped). Lucene mmaps its segment files; growth far beyond "
    "the index size points at mappings that are never released.");
static const metric_def def_mem_cached =
    G("esvigil_host_memory_cached_bytes",
      "Page cache (Cached). Elasticsearch search speed depends on index files staying here.");
static const metric_def def_mem_dirty = G(
    "esvigil_host_memory_dirty_bytes",
    "Page cache waiting to be written back to disk (Dirty). Sustained highs mean indexing outruns "
    "the disks.");
static const metric_def def_swap_total =
    G("esvigil_host_swap_total_bytes",
      "Swap space configured on the host (SwapTotal). Elasticsearch should run with swap off or "
      "memory locked.");
static const metric_def def_swap_free =
    G("esvigil_host_swap_free_bytes", "Unused swap space on the host (SwapFree).");
static const metric_def def_max_map_count = G(
    "esvigil_host_vm_map_areas_max",
    "Kernel limit on memory mappings per process (vm.max_map_count). Elasticsearch needs at least "
    "262144; mmap fails with ENOMEM once a process reaches it.");
static const metric_def def_fh_allocated =
    G("esvigil_host_file_handles_allocated",
      "File handles allocated system-wide (first field of fs.file-nr).");
static const metric_def def_fh_max =
    G("esvigil_host_file_handles_max",
      "System-wide file handle limit (fs.file-max, third field of fs.file-nr).");
static const metric_def def_load1 =
    G("esvigil_host_load1", "Host load average over 1 minute (/proc/loadavg).");
static const metric_def def_load5 =
    G("esvigil_host_load5", "Host load average over 5 minutes (/proc/loadavg).");
static const metric_def def_load15 =
    G("esvigil_host_load15", "Host load average over 15 minutes (/proc/loadavg).");

static const metric_def def_proc_maps =
    G("esvigil_host_es_process_maps",
      "Memory mappings of the Elasticsearch process (lines of /proc/PID/maps). Compare with "
      "esvigil_host_vm_map_areas_max: at the limit new segment files cannot be mapped.");
static const metric_def def_proc_deleted_maps = G(
    "esvigil_host_es_process_deleted_maps",
    "Mappings of deleted files in the Elasticsearch process (maps lines ending in \"(deleted)\"): "
    "segments merged away but still mapped, usually pinned by leaked scroll contexts.");
static const metric_def def_proc_deleted_bytes =
    G("esvigil_host_es_process_deleted_mapped_bytes",
      "Address space still mapped to deleted files by the Elasticsearch process. Memory that only "
      "closing the scroll contexts (or a restart) gives back; the scroll-leak fingerprint.");
static const metric_def def_proc_open_fds =
    G("esvigil_host_es_process_open_fds",
      "Open file descriptors of the Elasticsearch process (entries of /proc/PID/fd).");
static const metric_def def_proc_max_fds =
    G("esvigil_host_es_process_max_fds",
      "Soft limit on open files of the Elasticsearch process (Max open files in /proc/PID/limits); "
      "+Inf when unlimited.");
static const metric_def def_proc_rss =
    G("esvigil_host_es_process_resident_memory_bytes",
      "Resident memory of the Elasticsearch process (VmRSS), heap plus off-heap plus mapped index "
      "pages touched.");
static const metric_def def_proc_threads =
    G("esvigil_host_es_process_threads", "Threads of the Elasticsearch process (Threads).");

/* ---- error reporting ---- */

/* vsnprintf: the line is cut at 255 bytes on purpose, a long path included. */
static void first_error(procfs_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void first_error(procfs_report *rep, const char *fmt, ...)
{
    if (!rep || rep->first_error[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->first_error, sizeof(rep->first_error), fmt, ap);
    va_end(ap);
}

static void report(procfs_report *rep, procfs_err e, const char *path, const char *detail)
{
    if (!rep)
        return;
    rep->errors[e]++;
    first_error(rep, "%s: %s: %s", path, procfs_err_reason(e), detail);
}

/* Anything but a permission problem counts as missing: a vanished process
 * shows up as ENOENT on open and ESRCH on read. */
static procfs_err errno_class(int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        return PROCFS_ERR_PERMISSION;
    default:
        return PROCFS_ERR_MISSING;
    }
}

/* ---- pending samples: added to the set only when a read fully succeeded ---- */

typedef struct pending {
    const metric_def *def[PENDING_MAX];
    double v[PENDING_MAX];
    size_t n;
} pending;

static void pending_put(pending *p, const metric_def *def, double v)
{
    if (p->n < PENDING_MAX) {
        p->def[p->n] = def;
        p->v[p->n++] = v;
    }
}

static int pending_commit(const pending *p, metric_set *out, const char *path, procfs_report *rep)
{
    for (size_t i = 0; i < p->n; i++) {
        if (metric_set_add(out, p->def[i], NULL, p->v[i]) != 0) {
            first_error(rep, "%s: cannot add %s (out of memory)", path, p->def[i]->name);
            return -1;
        }
    }
    return 0;
}

/* ---- small helpers ---- */

static int build_path(char *dst, size_t cap, const char *root, long pid, const char *rel)
{
    int n = pid > 0 ? snprintf(dst, cap, "%s/%ld/%s", root, pid, rel)
                    : snprintf(dst, cap, "%s/%s", root, rel);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Reads fd to its end, NUL-terminated; 0 or an errno value (EFBIG when it does not fit). kept:
 * a descriptor kept from poll to poll, read with pread from 0, which makes procfs generate the
 * file afresh; its one-line file (stat) comes whole in one read, so the read that would only
 * say EOF is skipped once the text ends in a newline. */
static int read_text(int fd, int kept, char *dst, size_t cap, size_t *len)
{
    size_t n = 0;
    int err = 0;
    for (;;) {
        if (n == cap - 1) {
            err = EFBIG;
            break;
        }
        ssize_t r =
            kept ? pread(fd, dst + n, cap - 1 - n, (off_t)n) : read(fd, dst + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            err = errno;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (kept && dst[n - 1] == '\n')
            break;
    }
    dst[n] = '\0';
    *len = n;
    return err;
}

/* Reads a whole small file, NUL-terminated. Returns 0 or an errno value
 * (EFBIG when it does not fit). */
static int read_small(const char *path, char *dst, size_t cap, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = read_text(fd, 0, dst, cap, len);
    close(fd);
    return err;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int parse_u64(const char *s, const char **end, unsigned long long *v)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *e;
    unsigned long long x = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -1;
    *v = x;
    *end = e;
    return 0;
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Text content must be complete lines: a missing final newline means a torn
 * read, a NUL means binary garbage. */
static int complete_text(const char *s, size_t len)
{
    return len > 0 && s[len - 1] == '\n' && strlen(s) == len;
}

typedef int (*parse_fn)(const char *text, size_t len, pending *p, const char **why);

/* Reads one file, parses it whole, commits its samples. Returns the error. */
static procfs_err read_parsed(const char *path, parse_fn parse, pending *p, procfs_report *rep)
{
    char text[SMALL_FILE_MAX];
    size_t len = 0;
    int err = read_small(path, text, sizeof(text), &len);
    if (err == EFBIG) {
        report(rep, PROCFS_ERR_PARSE, path, "file larger than expected");
        return PROCFS_ERR_PARSE;
    }
    if (err) {
        procfs_err e = errno_class(err);
        report(rep, e, path, strerror(err));
        return e;
    }
    const char *why = "malformed";
    if (!complete_text(text, len)) {
        report(rep, PROCFS_ERR_PARSE, path, "truncated or binary content");
        return PROCFS_ERR_PARSE;
    }
    if (parse(text, len, p, &why) != 0) {
        report(rep, PROCFS_ERR_PARSE, path, why);
        return PROCFS_ERR_PARSE;
    }
    return PROCFS_OK;
}

/* ---- "Key: value [kB]" files: meminfo and PID/status ---- */

typedef struct kv_field {
    const char *key;
    const metric_def *def;
    int kb;       /* value carries " kB" and is exported in bytes */
    int required; /* the file is garbled without it */
} kv_field;

static const kv_field meminfo_fields[] = {
    {"MemTotal", &def_mem_total, 1, 1}, {"MemAvailable", &def_mem_available, 1, 0},
    {"Mapped", &def_mem_mapped, 1, 0},  {"Cached", &def_mem_cached, 1, 0},
    {"Dirty", &def_mem_dirty, 1, 0},    {"SwapTotal", &def_swap_total, 1, 0},
    {"SwapFree", &def_swap_free, 1, 0}, {NULL, NULL, 0, 0},
};

static const kv_field status_fields[] = {
    {"VmRSS", &def_proc_rss, 1, 0}, /* absent for zombies */
    {"Threads", &def_proc_threads, 0, 1},
    {NULL, NULL, 0, 0},
};

static const kv_field *kv_lookup(const kv_field *tab, const char *key, size_t klen)
{
    for (; tab->key; tab++)
        if (strlen(tab->key) == klen && memcmp(tab->key, key, klen) == 0)
            return tab;
    return NULL;
}

/* Parses one "Key:<ws>123[ kB]" value ending at the newline. */
static int kv_number(const char *s, int kb, double *v)
{
    const char *e;
    unsigned long long x;
    if (parse_u64(skip_blanks(s), &e, &x) != 0)
        return -1;
    if (kb) {
        if (strncmp(e, " kB", 3) != 0)
            return -1;
        e += 3;
    }
    if (*skip_blanks(e) != '\n')
        return -1;
    *v = kb ? (double)x * 1024.0 : (double)x;
    return 0;
}

/* meminfo lines are all numeric, so each one is checked; status has text
 * values (Name, State, ...) and only its wanted lines are. complete_text()
 * already ensured every line, the last included, ends in '\n'. */
static int parse_kv(const char *text, const kv_field *tab, int all_numeric, pending *p,
                    const char **why)
{
    double vals[PENDING_MAX];
    int seen[PENDING_MAX] = {0};
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');
        if (!colon || colon > nl || colon == line) {
            *why = "line without key";
            return -1;
        }
        const kv_field *f = kv_lookup(tab, line, (size_t)(colon - line));
        double v;
        if (f || all_numeric) {
            if (kv_number(colon + 1, f ? f->kb : 0, &v) != 0 &&
                (f || kv_number(colon + 1, 1, &v) != 0)) {
                *why = "bad value";
                return -1;
            }
        }
        if (f) {
            vals[f - tab] = v;
            seen[f - tab] = 1;
        }
    }
    for (const kv_field *f = tab; f->key; f++) {
        if (f->required && !seen[f - tab]) {
            *why = "required field missing";
            return -1;
        }
        if (seen[f - tab])
            pending_put(p, f->def, vals[f - tab]);
    }
    return 0;
}

static int parse_meminfo(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    return parse_kv(text, meminfo_fields, 1, p, why);
}

static int parse_status(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    return parse_kv(text, status_fields, 0, p, why);
}

/* ---- single-line host files ---- */

static int parse_max_map_count(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    const char *e;
    unsigned long long v;
    if (parse_u64(skip_blanks(text), &e, &v) != 0 || (e = skip_blanks(e))[0] != '\n' ||
        e[1] != '\0') {
        *why = "not a single integer";
        return -1;
    }
    pending_put(p, &def_max_map_count, (double)v);
    return 0;
}

static int parse_file_nr(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    unsigned long long f[3];
    const char *s = text;
    for (int i = 0; i < 3; i++) {
        if (parse_u64(skip_blanks(s), &s, &f[i]) != 0) {
            *why = "expected three integers";
            return -1;
        }
    }
    if (*skip_blanks(s) != '\n') {
        *why = "trailing garbage";
        return -1;
    }
    pending_put(p, &def_fh_allocated, (double)f[0]);
    pending_put(p, &def_fh_max, (double)f[2]);
    return 0;
}

/* A plain decimal like "0.52", followed by a blank. */
static int parse_load(const char *s, const char **end, double *v)
{
    size_t n = strspn(s, "0123456789.");
    if (n == 0 || (s[n] != ' ' && s[n] != '\t'))
        return -1;
    char *e;
    *v = strtod(s, &e);
    if (e != s + n)
        return -1;
    *end = e;
    return 0;
}

/* "0.52 0.58 0.59 1/1234 5678": the last two fields are checked too, so a
 * read cut after the load values is caught. */
static int parse_loadavg(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    static const metric_def *const defs[3] = {&def_load1, &def_load5, &def_load15};
    double load[3];
    const char *s = text;
    for (int i = 0; i < 3; i++) {
        if (parse_load(skip_blanks(s), &s, &load[i]) != 0) {
            *why = "bad load value";
            return -1;
        }
    }
    unsigned long long running, total, last;
    if (parse_u64(skip_blanks(s), &s, &running) != 0 || *s++ != '/' ||
        parse_u64(s, &s, &total) != 0 || parse_u64(skip_blanks(s), &s, &last) != 0 ||
        *skip_blanks(s) != '\n') {
        *why = "bad process counts";
        return -1;
    }
    for (int i = 0; i < 3; i++)
        pending_put(p, defs[i], load[i]);
    return 0;
}

/* ---- PID/limits ---- */

static int parse_limits(const char *text, size_t len, pending *p, const char **why)
{
    (void)len;
    static const char key[] = "Max open files ";
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, key, sizeof(key) - 1) != 0)
            continue;
        const char *s = skip_blanks(line + sizeof(key) - 1);
        double soft;
        unsigned long long v;
        const char *e;
        if (strncmp(s, "unlimited", 9) == 0) {
            soft = INFINITY;
            e = s + 9;
        } else if (parse_u64(s, &e, &v) == 0) {
            soft = (double)v;
        } else {
            *why = "bad soft limit for Max open files";
            return -1;
        }
        s = skip_blanks(e);
        if (e == s || (strncmp(s, "unlimited", 9) != 0 && parse_u64(s, &e, &v) != 0)) {
            *why = "bad hard limit for Max open files";
            return -1;
        }
        pending_put(p, &def_proc_max_fds, soft);
        return 0;
    }
    *why = "no Max open files line";
    return -1;
}

/* ---- PID/stat ---- */

/* Fields of a stat line by number (1-based, ascending in want[]). comm may
 * hold spaces and ')', so fields are counted from the last ')'. Each wanted
 * field must be followed by another, or a cut read could pass. */
static int parse_stat_fields(const char *text, long pid, const int *want, size_t n,
                             unsigned long long *vals)
{
    const char *e;
    unsigned long long v;
    const char *rparen = strrchr(text, ')');
    if (parse_u64(text, &e, &v) != 0 || (pid > 0 && v != (unsigned long long)pid) ||
        strncmp(e, " (", 2) || !rparen || rparen < e + 2)
        return -1;
    const char *s = rparen + 1;
    size_t k = 0;
    for (int field = 3; k < n; field++) {
        if (*s != ' ')
            return -1;
        s++;
        if (field == want[k]) {
            if (parse_u64(s, &e, &vals[k]) != 0 || *e != ' ')
                return -1;
            k++;
        }
        size_t len = strcspn(s, " \n");
        if (len == 0)
            return -1;
        s += len;
    }
    return 0;
}

static int parse_stat_starttime(const char *text, long pid, unsigned long long *start)
{
    static const int want[] = {22};
    return parse_stat_fields(text, pid, want, 1, start);
}

static procfs_err read_starttime(const char *path, long pid, unsigned long long *start,
                                 procfs_report *rep)
{
    char text[4096];
    size_t len = 0;
    int err = read_small(path, text, sizeof(text), &len);
    if (err && err != EFBIG) {
        procfs_err e = errno_class(err);
        report(rep, e, path, strerror(err));
        return e;
    }
    if (err || !complete_text(text, len) || parse_stat_starttime(text, pid, start) != 0) {
        report(rep, PROCFS_ERR_PARSE, path, "malformed stat line");
        return PROCFS_ERR_PARSE;
    }
    return PROCFS_OK;
}

/* ---- PID/maps, streamed ---- */

typedef struct maps_count {
    unsigned long long lines, deleted, deleted_bytes;
} maps_count;

/* The line parsers read ahead before they know where a line ends, never more than 30 bytes past
 * the data. These zero bytes stop them, as no field takes one: nothing parsed depends on what lies
 * beyond. */
#define MAPS_PAD 64

/* A hex digit's value plus one; 0 for any other byte. */
static const unsigned char hex_digit1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A hex address as maps prints it (no sign, no "0x"). Hand-rolled: strtoull's locale and prefix
 * handling was most of the cost of a 2000-line maps file. Only for what maps_range_fast leaves,
 * so one table load per digit is fine; the 64-bit bound is checked once, from the count. */
static const char *maps_hex(const char *s, unsigned long long *v)
{
    unsigned long long x = 0;
    const unsigned char *p = (const unsigned char *)s;
    unsigned d;
    while ((d = hex_digit1[*p]) != 0) {
        x = x << 4 | (d - 1);
        p++;
    }
    size_t n = (size_t)(p - (const unsigned char *)s);
    while (n > 16 && *s == '0') { /* leading zeros do not count against 64 bits */
        s++;
        n--;
    }
    if (n == 0 || n > 16)
        return NULL;
    *v = x;
    return (const char *)p;
}

/* ---- the usual addresses, eight bytes at a time ---- */

#define BYTES(b) (0x0101010101010101ull * (unsigned char)(b))

/* Eight bytes, the first in the lowest: byte k of the word is p[k] on any host. */
static uint64_t load_le64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* 0x80 in each byte of w that is a lower-case hex digit, as the kernel prints them (upper case is
 * left to maps_hex). Meaningless for a word with a byte above 0x7f, which can carry into the next
 * byte's sums: the caller rejects those. Each range test is an xor: x + (0x80 - lo) reaches bit 7
 * no later than x + (0x7f - hi). */
static uint64_t hex_bytes(uint64_t w)
{
    uint64_t digit = (w + BYTES(0x80 - '0')) ^ (w + BYTES(0x7f - '9'));
    uint64_t letter = (w + BYTES(0x80 - 'a')) ^ (w + BYTES(0x7f - 'f'));
    return digit | letter;
}

/* The value of the eight hex digits in w. Each multiply-shift-mask step merges neighbours:
 * digits into bytes, bytes into 16-bit, 16-bit into 32-bit halves. */
static uint64_t hex8_value(uint64_t w)
{
    uint64_t v = (w & BYTES(0x0f)) + (w >> 6 & BYTES(0x01)) * 9; /* letters have bit 6 */
    v = (v * 0x1001) >> 8 & 0x00ff00ff00ff00ffull;
    v = (v * 0x1000001) >> 16 & 0x0000ffff0000ffffull;
    return (v * 0x1000000000001ull) >> 32 & 0xffffffffull;
}

/* The width maps_range_fast takes: user space from 2^44 to 2^48, where a 64-bit JVM's
 * libraries, thread stacks and mmapped index files are, so nearly every line of an ES node. */
#define FAST_DIGITS 12

/* The value of the FAST_DIGITS hex digits at p: two overlapping eight-digit words. */
static unsigned long long hex12_value(const char *p)
{
    return hex8_value(load_le64(p)) << 16 | (hex8_value(load_le64(p + 4)) & 0xffff);
}

/* Whether line starts "start-end " with both addresses FAST_DIGITS lower-case digits wide and
 * end >= start. Tested as three words, each address's first eight digits and then both last four
 * together, and end >= start compared as text, so no value is computed. 0 leaves the line to
 * maps_hex, which decides. */
static int maps_range_fast(const char *line)
{
    const char *end = line + FAST_DIGITS + 1;
    if (line[FAST_DIGITS] != '-' || end[FAST_DIGITS] != ' ')
        return 0;
    uint64_t s = load_le64(line), e = load_le64(end);
    uint64_t tails = (load_le64(line + 8) & 0xffffffffu) | load_le64(end + 8) << 32;
    uint64_t hex = hex_bytes(s) & hex_bytes(e) & hex_bytes(tails);
    if ((hex & ~(s | e | tails) & BYTES(0x80)) != BYTES(0x80))
        return 0;
    /* as text, first digit highest: '0'-'9' sort before 'a'-'f' as their values do */
    if (s != e)
        return __builtin_bswap64(e) > __builtin_bswap64(s);
    uint64_t t = __builtin_bswap64(tails); /* which puts end's tail in the low half */
    return (t & 0xffffffffu) >= t >> 32;
}

/* ---- one line ---- */

/* A line's address range: the values maps_hex parsed, or none yet when maps_range_fast took it. */
typedef struct maps_range {
    int fast;
    unsigned long long start, end;
} maps_range;

static const unsigned char perm_char[256] = {
    ['r'] = 1, ['w'] = 1, ['x'] = 1, ['s'] = 1, ['p'] = 1, ['-'] = 1,
};

/* " rwxp " at s */
static int maps_perms(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    return u[0] == ' ' && (perm_char[u[1]] & perm_char[u[2]] & perm_char[u[3]] & perm_char[u[4]]) &&
           u[5] == ' ';
}

/* Checks "start-end perms " at line; returns what follows it, or NULL. */
static const char *maps_prefix(const char *line, maps_range *r)
{
    const char *e;
    r->fast = maps_range_fast(line);
    if (r->fast) {
        e = line + 2 * FAST_DIGITS + 1;
    } else {
        e = maps_hex(line, &r->start);
        if (!e || *e != '-' || !(e = maps_hex(e + 1, &r->end)) || r->end < r->start)
            return NULL;
    }
    return maps_perms(e) ? e + 6 : NULL;
}

/* Only deleted lines need the values, so a fast line's are parsed only then. */
static unsigned long long maps_size(const char *line, const maps_range *r)
{
    if (!r->fast)
        return r->end - r->start;
    return hex12_value(line + FAST_DIGITS + 1) - hex12_value(line);
}

/* Counts the line [line, eol) and, for " (deleted)", its size. */
static void maps_count_line(const char *line, const char *eol, const maps_range *r, maps_count *mc)
{
    static const char suffix[] = " (deleted)";
    size_t sl = sizeof(suffix) - 1;
    mc->lines++;
    /* ')' first: few lines end in one, so the memcmp is mostly skipped */
    if (eol[-1] == ')' && (size_t)(eol - line) >= sl && memcmp(eol - sl, suffix, sl) == 0) {
        mc->deleted++;
        mc->deleted_bytes += maps_size(line, r);
    }
}

/* Parses every complete line in buf[0..n), which MAPS_PAD zero bytes follow; returns bytes
 * consumed or -1, also for a NUL byte. A line is scanned once: its fields, then strchr on to the
 * newline, which stops at a NUL as well, so finding those takes no pass of its own. */
static long maps_scan(const char *buf, size_t n, int at_eof, maps_count *mc)
{
    const char *p = buf, *end = buf + n;
    while (p < end) {
        maps_range r;
        const char *rest = maps_prefix(p, &r), *from = rest ? rest : p;
        const char *eol = strchr(from, '\n');
        if (!eol) {
            if (memchr(from, '\0', (size_t)(end - from)))
                return -1;
            if (!at_eof)
                break; /* the rest of the line comes with the next read */
            eol = end;
        }
        if (!rest)
            return -1;
        maps_count_line(p, eol, &r, mc);
        p = eol + 1;
    }
    return p > end ? (long)n : (long)(p - buf);
}

static procfs_err read_maps(const char *path, maps_count *mc, procfs_report *rep)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        report(rep, errno_class(err), path, strerror(err));
        return errno_class(err);
    }
    char *buf = malloc(MAPS_CHUNK + MAPS_PAD);
    if (!buf) {
        close(fd);
        report(rep, PROCFS_ERR_MISSING, path, strerror(ENOMEM));
        return PROCFS_ERR_MISSING;
    }
    size_t have = 0;
    procfs_err res = PROCFS_OK;
    const char *why = NULL;
    for (;;) {
        ssize_t r = read(fd, buf + have, MAPS_CHUNK - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            res = errno_class(errno);
            why = strerror(errno);
            break;
        }
        have += (size_t)r;
        memset(buf + have, 0, MAPS_PAD);
        long used = maps_scan(buf, have, r == 0, mc);
        if (used < 0) {
            /* a NUL anywhere in this read is reported first, wherever the scan stopped */
            res = PROCFS_ERR_PARSE;
            why = memchr(buf + have - (size_t)r, '\0', (size_t)r) ? "binary content"
                                                                  : "malformed line";
            break;
        }
        memmove(buf, buf + used, have - (size_t)used);
        have -= (size_t)used;
        if (r == 0)
            break;
        if (have == MAPS_CHUNK) {
            res = PROCFS_ERR_PARSE;
            why = "line too long";
            break;
        }
    }
    free(buf);
    close(fd);
    if (res != PROCFS_OK)
        report(rep, res, path, why);
    return res;
}

/* ---- PID/fd ---- */

/* A fixture tree's files mean nothing as sizes, nor kept open (see procfs_self). */
static int on_procfs(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Linux 6.2+ gives a procfs PID/fd directory the number of open fds as its
 * size: one fstat instead of listing every fd (an ES node holds thousands).
 * Older kernels say 0 and a fixture tree is no procfs: those are listed. The
 * directory is opened first either way, so the permission check is the same.
 * The size alone, for a directory already known to be a procfs one: */
static int fd_dir_size(int dirfd, unsigned long long *n)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0 || st.st_size <= 0)
        return 0;
    *n = (unsigned long long)st.st_size;
    return 1;
}

static int fd_count_from_size(int dirfd, unsigned long long *n)
{
    return on_procfs(dirfd) && fd_dir_size(dirfd, n);
}

static procfs_err count_fds(const char *path, unsigned long long *n, procfs_report *rep)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = NULL;
    if (fd >= 0 && fd_count_from_size(fd, n)) {
        close(fd);
        return PROCFS_OK;
    }
    if (fd < 0 || !(d = fdopendir(fd))) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        report(rep, errno_class(err), path, strerror(err));
        return errno_class(err);
    }
    struct dirent *de;
    *n = 0;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            (*n)++;
        errno = 0;
    }
    int err = errno;
    closedir(d);
    if (err) {
        report(rep, errno_class(err), path, strerror(err));
        return errno_class(err);
    }
    return PROCFS_OK;
}

/* ---- host ---- */

typedef struct host_file {
    const char *rel;
    parse_fn parse;
} host_file;

static const host_file host_files[] = {
    {"meminfo", parse_meminfo},
    {"sys/vm/max_map_count", parse_max_map_count},
    {"sys/fs/file-nr", parse_file_nr},
    {"loadavg", parse_loadavg},
};

int procfs_collect_host(const char *root, metric_set *out, procfs_report *rep)
{
    int failed = 0;
    if (!root || !*root)
        root = "/proc";
    for (size_t i = 0; i < sizeof(host_files) / sizeof(host_files[0]); i++) {
        char path[PATH_MAX];
        pending p = {.n = 0};
        if (build_path(path, sizeof(path), root, 0, host_files[i].rel) != 0) {
            report(rep, PROCFS_ERR_MISSING, host_files[i].rel, strerror(ENAMETOOLONG));
            failed++;
            continue;
        }
        if (read_parsed(path, host_files[i].parse, &p, rep) != PROCFS_OK ||
            pending_commit(&p, out, path, rep) != 0)
            failed++;
    }
    return failed;
}

/* ---- process ---- */

typedef struct proc_ctx {
    const char *root;
    long pid;
    procfs_report *rep;
    pending p;
    int failed;
    int fatal; /* vanished, garbled or reused: export nothing */
} proc_ctx;

/* Records the outcome of one file; permission errors keep the rest usable. */
static void proc_result(proc_ctx *c, procfs_err e)
{
    if (e == PROCFS_OK)
        return;
    c->failed++;
    if (e != PROCFS_ERR_PERMISSION)
        c->fatal = 1;
}

static int proc_path(proc_ctx *c, char *path, size_t cap, const char *rel)
{
    if (build_path(path, cap, c->root, c->pid, rel) == 0)
        return 0;
    report(c->rep, PROCFS_ERR_MISSING, rel, strerror(ENAMETOOLONG));
    proc_result(c, PROCFS_ERR_MISSING);
    return -1;
}

static void proc_read_file(proc_ctx *c, const char *rel, parse_fn parse)
{
    char path[PATH_MAX];
    if (!c->fatal && proc_path(c, path, sizeof(path), rel) == 0)
        proc_result(c, read_parsed(path, parse, &c->p, c->rep));
}

static void proc_read_maps(proc_ctx *c)
{
    char path[PATH_MAX];
    maps_count mc = {0, 0, 0};
    if (c->fatal || proc_path(c, path, sizeof(path), "maps") != 0)
        return;
    procfs_err e = read_maps(path, &mc, c->rep);
    proc_result(c, e);
    if (e == PROCFS_OK) {
        pending_put(&c->p, &def_proc_maps, (double)mc.lines);
        pending_put(&c->p, &def_proc_deleted_maps, (double)mc.deleted);
        pending_put(&c->p, &def_proc_deleted_bytes, (double)mc.deleted_bytes);
    }
}

static void proc_read_fds(proc_ctx *c)
{
    char path[PATH_MAX];
    unsigned long long n = 0;
    if (c->fatal || proc_path(c, path, sizeof(path), "fd") != 0)
        return;
    procfs_err e = count_fds(path, &n, c->rep);
    proc_result(c, e);
    if (e == PROCFS_OK)
        pending_put(&c->p, &def_proc_open_fds, (double)n);
}

/* A start time read from path against want (0 = anything). */
static procfs_err identity_check(proc_ctx *c, const char *path, unsigned long long want,
                                 unsigned long long got)
{
    if (want == 0 || got == want)
        return PROCFS_OK;
    char why[96];
    snprintf(why, sizeof(why), "start time %llu, expected %llu", got, want);
    report(c->rep, PROCFS_ERR_PID_REUSED, path, why);
    return PROCFS_ERR_PID_REUSED;
}

/* Reads stat, or takes what seen read of it, and checks it against want. */
static procfs_err proc_identity(proc_ctx *c, const procfs_stat_seen *seen, unsigned long long want,
                                unsigned long long *got)
{
    char path[PATH_MAX];
    if (proc_path(c, path, sizeof(path), "stat") != 0)
        return PROCFS_ERR_MISSING;
    procfs_err e = PROCFS_OK;
    if (seen && seen->pid == c->pid)
        *got = seen->starttime;
    else
        e = read_starttime(path, c->pid, got, c->rep);
    return e == PROCFS_OK ? identity_check(c, path, want, *got) : e;
}

int procfs_collect_process_seen(const char *root, long pid, unsigned long long expected_starttime,
                                const procfs_stat_seen *seen, unsigned long long *starttime,
                                metric_set *out, procfs_report *rep)
{
    if (!root || !*root)
        root = "/proc";
    proc_ctx c = {.root = root, .pid = pid, .rep = rep, .p = {.n = 0}};
    unsigned long long start = 0, again = 0;
    if (pid <= 0) {
        report(rep, PROCFS_ERR_MISSING, root, "no Elasticsearch pid");
        return 1;
    }
    /* stat anchors the process identity: without it nothing can be trusted */
    procfs_err e = proc_identity(&c, seen, expected_starttime, &start);
    if ((e == PROCFS_OK || e == PROCFS_ERR_PID_REUSED) && starttime)
        *starttime = start; /* on reuse: lets the caller adopt the new process */
    if (e != PROCFS_OK)
        return 1;
    proc_read_file(&c, "status", parse_status);
    proc_read_file(&c, "limits", parse_limits);
    proc_read_maps(&c);
    proc_read_fds(&c);
    /* The process may have exited and its pid been reused while we read. */
    if (!c.fatal) {
        e = proc_identity(&c, NULL, start, &again);
        proc_result(&c, e);
    }
    if (c.fatal || pending_commit(&c.p, out, root, rep) != 0)
        return c.failed ? c.failed : 1;
    return c.failed;
}

int procfs_collect_process(const char *root, long pid, unsigned long long expected_starttime,
                           unsigned long long *starttime, metric_set *out, procfs_report *rep)
{
    return procfs_collect_process_seen(root, pid, expected_starttime, NULL, starttime, out, rep);
}

/* ---- pidfile ---- */

long procfs_read_pidfile(const char *path)
{
    char text[64];
    size_t len = 0;
    if (!path || read_small(path, text, sizeof(text), &len) != 0)
        return -1;
    if (strlen(text) != len)
        return -1;
    const char *s = text;
    while (isspace((unsigned char)*s))
        s++;
    const char *e;
    unsigned long long v;
    if (parse_u64(s, &e, &v) != 0)
        return -1;
    while (isspace((unsigned char)*e))
        e++;
    if (*e != '\0' || v == 0 || v > INT_MAX)
        return -1;
    return (long)v;
}

/* ---- esvigil's own process_* families, like every Prometheus client ---- */

static const metric_def def_self_cpu = {"process_cpu_seconds_total",
                                        METRIC_COUNTER,
                                        "Total user and system CPU time spent in seconds.",
                                        {NULL}};
static const metric_def def_self_vsize = {
    "process_virtual_memory_bytes", METRIC_GAUGE, "Virtual memory size in bytes.", {NULL}};
static const metric_def def_self_rss = {
    "process_resident_memory_bytes", METRIC_GAUGE, "Resident memory size in bytes.", {NULL}};
static const metric_def def_self_start = {"process_start_time_seconds",
                                          METRIC_GAUGE,
                                          "Start time of the process since unix epoch in seconds.",
                                          {NULL}};
static const metric_def def_self_fds = {
    "process_open_fds", METRIC_GAUGE, "Number of open file descriptors.", {NULL}};
static const metric_def def_self_max_fds = {
    "process_max_fds", METRIC_GAUGE, "Maximum number of open file descriptors.", {NULL}};

/* btime only changes on reboot, and /proc/stat is costly to generate on a host
 * with many CPUs (per-CPU sums): the real one is read once per process. */
static atomic_llong real_btime; /* 0: not read yet */

static int read_btime(const char *root, double *btime, procfs_report *rep)
{
    int real = strcmp(root, "/proc") == 0;
    long long cached = real ? atomic_load(&real_btime) : 0;
    if (cached > 0) {
        *btime = (double)cached;
        return 0;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/stat", root);
    FILE *f = fopen(path, "r");
    if (!f) {
        report(rep, errno_class(errno), path, strerror(errno));
        return -1;
    }
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "btime %lf", btime) == 1;
    fclose(f);
    if (!found)
        report(rep, PROCFS_ERR_PARSE, path, "no btime line");
    else if (real && *btime >= 1 && *btime < 1e15 && *btime == (double)(long long)*btime)
        atomic_store(&real_btime, (long long)*btime);
    return found ? 0 : -1;
}

struct procfs_self {
    char *root;
    int stat_fd;  /* -1: self/stat is opened per poll */
    int fd_dir;   /* -1: self/fd is opened per poll; kept only while its size is the count */
    double start; /* process_start_time_seconds, NAN until known: neither input changes */
};

/* A descriptor only for a procfs file: a fixture file replaced by rename
 * would leave a kept one reading the old content. */
static int open_kept(const char *root, const char *rel, int flags)
{
    char path[PATH_MAX];
    if (build_path(path, sizeof(path), root, 0, rel) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd >= 0 && !on_procfs(fd)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

procfs_self *procfs_self_open(const char *root)
{
    procfs_self *s = calloc(1, sizeof(*s));
    if (!s || !(s->root = strdup(root && *root ? root : "/proc"))) {
        free(s);
        return NULL;
    }
    s->start = NAN;
    s->stat_fd = open_kept(s->root, "self/stat", 0);
    s->fd_dir = open_kept(s->root, "self/fd", O_DIRECTORY);
    unsigned long long n;
    if (s->fd_dir >= 0 && !fd_dir_size(s->fd_dir, &n)) { /* before 6.2: listed per poll */
        close(s->fd_dir);
        s->fd_dir = -1;
    }
    return s;
}

void procfs_self_close(procfs_self *s)
{
    if (!s)
        return;
    if (s->stat_fd >= 0)
        close(s->stat_fd);
    if (s->fd_dir >= 0)
        close(s->fd_dir);
    free(s->root);
    free(s);
}

/* A kept descriptor that fails is dropped: from then on the file is opened
 * per poll, which reports whatever keeps it unreadable. */
static int self_read_stat(procfs_self *s, const char *path, char *text, size_t cap, size_t *len)
{
    if (s->stat_fd >= 0) {
        if (read_text(s->stat_fd, 1, text, cap, len) == 0)
            return 0;
        close(s->stat_fd);
        s->stat_fd = -1;
    }
    return read_small(path, text, cap, len);
}

/* Counts as without s: the process's other fds plus the one reading them. */
static procfs_err self_count_fds(procfs_self *s, unsigned long long *n, procfs_report *rep)
{
    unsigned long long held = (s->stat_fd >= 0) + (s->fd_dir >= 0), size;
    if (s->fd_dir >= 0) {
        if (fd_dir_size(s->fd_dir, &size) && size >= held) {
            *n = size - held + 1;
            return PROCFS_OK;
        }
        close(s->fd_dir);
        s->fd_dir = -1;
        held--;
    }
    char path[PATH_MAX];
    if (build_path(path, sizeof(path), s->root, 0, "self/fd") != 0) {
        report(rep, PROCFS_ERR_MISSING, "self/fd", strerror(ENAMETOOLONG));
        return PROCFS_ERR_MISSING;
    }
    procfs_err e = count_fds(path, n, rep);
    if (e == PROCFS_OK)
        *n = *n > held ? *n - held : 0;
    return e;
}

/* btime + field 22, once: both are fixed for the life of the process, and
 * only the real /proc's btime is cached by read_btime. */
static int self_start(procfs_self *s, unsigned long long ticks, double hz, procfs_report *rep)
{
    double btime;
    if (isnan(s->start) && read_btime(s->root, &btime, rep) == 0)
        s->start = btime + (double)ticks / hz;
    return isnan(s->start) ? -1 : 0;
}

int procfs_self_collect(procfs_self *s, metric_set *out, procfs_report *rep)
{
    static const int want[] = {14, 15, 22, 23, 24}; /* utime stime starttime vsize rss */
    unsigned long long v[5];
    char path[PATH_MAX], text[4096];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/self/stat", s->root);
    int err = self_read_stat(s, path, text, sizeof(text), &len);
    if (err || !complete_text(text, len) || parse_stat_fields(text, 0, want, 5, v) != 0) {
        report(rep, err ? errno_class(err) : PROCFS_ERR_PARSE, path,
               err ? strerror(err) : "malformed stat line");
        return 1;
    }
    double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    int rc = metric_set_add(out, &def_self_cpu, NULL, (double)(v[0] + v[1]) / ticks) |
             metric_set_add(out, &def_self_vsize, NULL, (double)v[3]) |
             metric_set_add(out, &def_self_rss, NULL, (double)v[4] * page);
    if (self_start(s, v[2], ticks, rep) == 0)
        rc |= metric_set_add(out, &def_self_start, NULL, s->start);
    unsigned long long fds;
    if (self_count_fds(s, &fds, rep) == PROCFS_OK)
        rc |= metric_set_add(out, &def_self_fds, NULL, (double)fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        rc |= metric_set_add(out, &def_self_max_fds, NULL,
                             rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur);
    return rc ? 1 : 0;
}

/* The open-per-call path is a handle that keeps nothing. */
int procfs_collect_self(const char *root, metric_set *out, procfs_report *rep)
{
    char rootbuf[PATH_MAX];
    snprintf(rootbuf, sizeof(rootbuf), "%s", root && *root ? root : "/proc");
    procfs_self s = {.root = rootbuf, .stat_fd = -1, .fd_dir = -1, .start = NAN};
    return procfs_self_collect(&s, out, rep);
}

/* ---- is the ES process on this host? ---- */

#define PROBE_START_SLACK_S 120.0 /* JVM start vs process start: the JVM records it after exec */

/* comm, the text between the first '(' and the last ')' of a stat line. */
static int stat_comm(const char *text, char *comm, size_t cap)
{
    const char *l = strchr(text, '('), *r = strrchr(text, ')');
    if (!l || !r || r <= l)
        return -1;
    snprintf(comm, cap, "%.*s", (int)(r - l - 1), l + 1);
    return 0;
}

/* The main class of ES (org.elasticsearch.bootstrap.Elasticsearch, on 8.x
 * as a module path) or OpenSearch, anywhere in the NUL-separated cmdline. */
static int cmdline_is_es(const char *root, long pid)
{
    static const char *const marks[] = {"org.elasticsearch.bootstrap", "org.opensearch.bootstrap"};
    char path[PATH_MAX], text[32768];
    size_t len = 0;
    if (build_path(path, sizeof(path), root, pid, "cmdline") != 0)
        return 0;
    int err = read_small(path, text, sizeof(text), &len);
    if (err && err != EFBIG)
        return 0;
    for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++)
        if (memmem(text, len, marks[m], strlen(marks[m])))
            return 1;
    return 0;
}

/* Process start in epoch seconds from btime and field 22, or NAN. */
static double process_start(const char *root, unsigned long long ticks)
{
    double btime;
    procfs_report quiet = {{0}, ""};
    if (read_btime(root, &btime, &quiet) != 0)
        return NAN;
    return btime + (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* No such pid: elsewhere, unless root is no procfs we can read at all. */
static procfs_es_where probe_absent(const char *root, long pid, char *why, size_t whylen)
{
    char meminfo[PATH_MAX];
    snprintf(meminfo, sizeof(meminfo), "%s/meminfo", root);
    if (access(meminfo, R_OK) != 0) { /* not a procfs we can read: no verdict */
        snprintf(why, whylen, "cannot read %s: %s", meminfo, strerror(errno));
        return PROCFS_ES_UNKNOWN;
    }
    snprintf(why, whylen, "no process %ld in %s", pid, root);
    return PROCFS_ES_ELSEWHERE;
}

procfs_es_where procfs_probe_es_seen(const char *root, long pid, double start_ms, char *why,
                                     size_t whylen, procfs_stat_seen *seen)
{
    char path[PATH_MAX], text[4096], comm[64] = "";
    size_t len = 0;
    seen->pid = 0;
    if (!root || !*root)
        root = "/proc";
    if (build_path(path, sizeof(path), root, pid, "stat") != 0) {
        snprintf(why, whylen, "%s: path too long", root);
        return PROCFS_ES_UNKNOWN;
    }
    int err = read_small(path, text, sizeof(text), &len);
    if (err == ENOENT || err == ESRCH)
        return probe_absent(root, pid, why, whylen);
    if (err || stat_comm(text, comm, sizeof(comm)) != 0) {
        snprintf(why, whylen, "cannot read %s: %s", path, err ? strerror(err) : "malformed");
        return PROCFS_ES_UNKNOWN;
    }
    unsigned long long ticks;
    int have_ticks = parse_stat_starttime(text, pid, &ticks) == 0;
    /* held to read_starttime's rules: only a reading the process collector
     * would have accepted may stand in for its own */
    if (have_ticks && complete_text(text, len)) {
        seen->pid = pid;
        seen->starttime = ticks;
    }
    if (strcmp(comm, "java") != 0 && !cmdline_is_es(root, pid)) {
        snprintf(why, whylen, "process %ld in %s is \"%s\", not an Elasticsearch JVM", pid, root,
                 comm);
        return PROCFS_ES_ELSEWHERE;
    }
    /* btime is read only when there is a JVM start to hold it against */
    double started = start_ms > 0 && have_ticks ? process_start(root, ticks) : NAN;
    if (!isnan(started) && fabs(started - start_ms / 1000) > PROBE_START_SLACK_S) {
        snprintf(why, whylen,
                 "process %ld in %s started %.0fs away from the node's JVM: another java process",
                 pid, root, fabs(started - start_ms / 1000));
        return PROCFS_ES_ELSEWHERE;
    }
    snprintf(why, whylen, "process %ld in %s is the node's JVM", pid, root);
    return PROCFS_ES_HERE;
}

procfs_es_where procfs_probe_es(const char *root, long pid, double start_ms, char *why,
                                size_t whylen)
{
    procfs_stat_seen seen;
    return procfs_probe_es_seen(root, pid, start_ms, why, whylen, &seen);
}
