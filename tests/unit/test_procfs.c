/* test_procfs: the procfs readers against trees from tests/gen_procfs.py
 * (exact values per scenario) and hand-written edge cases built here. */
#include "unit.h"

#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KB 1024.0

/* One scratch directory per run, made and removed in the parent process so
 * it is cleaned up even when a forked test fails. */
static char scratch[1024];

/* snprintf for paths; a cut path would make the test lie, so it fails. */
static void pathf(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pathf(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    ck_assert_msg(n >= 0 && (size_t)n < cap, "path too long");
}

static void scratch_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    pathf(scratch, sizeof(scratch), "%s/esvigil-procfs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void scratch_teardown(void)
{
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of a test's own subdirectory of the scratch dir. */
static const char *dir_for(const char *name)
{
    static char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", scratch, name);
    return path;
}

/* Runs gen_procfs.py into dir_for(name); extra is an optional flag pair. */
static const char *gen(const char *name, const char *scenario, const char *flag, const char *arg)
{
    const char *dir = dir_for(name);
    char script[PATH_MAX];
    pathf(script, sizeof(script), "%s", unit_src("tests/gen_procfs.py"));
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        execlp("python3", "python3", script, dir, "--scenario", scenario, flag, arg, (char *)NULL);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gen_procfs.py %s failed",
                  scenario);
    return dir;
}

static void mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    pathf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    mkdir(tmp, 0755);
}

static void put(const char *root, const char *rel, const char *content)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    ck_assert_int_eq(fclose(f), 0);
}

static const char HOST_MEMINFO[] = "MemTotal:        8000000 kB\n"
                                   "MemFree:          100000 kB\n"
                                   "MemAvailable:    4000000 kB\n"
                                   "Cached:          3000000 kB\n"
                                   "Dirty:               12 kB\n"
                                   "Mapped:          2000000 kB\n"
                                   "SwapTotal:       1000000 kB\n"
                                   "SwapFree:         999000 kB\n"
                                   "HugePages_Total:       0\n"
                                   "Hugepagesize:       2048 kB\n";

static void hand_host(const char *root)
{
    put(root, "meminfo", HOST_MEMINFO);
    put(root, "loadavg", "0.50 0.25 0.10 2/300 4000\n");
    put(root, "sys/vm/max_map_count", "262144 \n");
    put(root, "sys/fs/file-nr", "1024\t0\t9223372036854775807\n");
}

/* A stat line with the given comm (verbatim between the parentheses). */
static void hand_stat(const char *root, long pid, const char *comm, unsigned long long start)
{
    char rel[64], text[1024];
    pathf(rel, sizeof(rel), "%ld/stat", pid);
    snprintf(text, sizeof(text),
             "%ld (%s) S 1 %ld %ld 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 %llu "
             "123456789 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
             pid, comm, pid, pid, start);
    put(root, rel, text);
}

/* A complete process directory: RSS 1000 kB, 3 threads, 1024 files, nfds fds. */
static void hand_proc(const char *root, long pid, unsigned long long start, const char *maps,
                      int nfds)
{
    char rel[64];
    hand_stat(root, pid, "java", start);
    pathf(rel, sizeof(rel), "%ld/status", pid);
    put(root, rel, "Name:\tjava\nState:\tS (sleeping)\nVmRSS:\t    1000 kB\nThreads:\t3\n");
    pathf(rel, sizeof(rel), "%ld/limits", pid);
    put(root, rel,
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max open files            1024                 4096                 files     \n");
    pathf(rel, sizeof(rel), "%ld/maps", pid);
    put(root, rel, maps);
    for (int i = 0; i < nfds; i++) {
        pathf(rel, sizeof(rel), "%ld/fd/%d", pid, i);
        put(root, rel, "");
    }
    if (nfds == 0) {
        char path[PATH_MAX];
        pathf(path, sizeof(path), "%s/%ld/fd", root, pid);
        mkdirs(path);
    }
}

static const char SMALL_MAPS[] =
    "400000000-800000000 rw-p 00000000 00:00 0 \n"
    "7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0\n"
    "7f2c50000000-7f2c50100000 r--s 00000000 fd:10 42                         "
    "/var/lib/elasticsearch/nodes/0/indices/x/0/index/_1a.cfs (deleted)\n";

static double must(const metric_set *s, const char *name)
{
    double v = NAN;
    ck_assert_msg(metric_set_lookup(s, name, NULL, &v) == 1, "%s missing", name);
    return v;
}

static int has(const metric_set *s, const char *name)
{
    return metric_set_find(s, name) != NULL;
}

static unsigned total_errors(const procfs_report *rep)
{
    unsigned n = 0;
    for (int i = 0; i < PROCFS_ERR_COUNT; i++)
        n += rep->errors[i];
    return n;
}

#define ck_assert_val(s, name, want) ck_assert_double_eq(must((s), (name)), (want))

/* ---- generated scenarios ---- */

START_TEST(test_healthy_host)
{
    const char *root = gen("healthy_host", "healthy", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 0);
    ck_assert_uint_eq(total_errors(&rep), 0);
    ck_assert_str_eq(rep.first_error, "");
    ck_assert_val(s, "esvigil_host_memory_total_bytes", 67108864 * KB);
    ck_assert_val(s, "esvigil_host_memory_available_bytes", 40265216 * KB);
    ck_assert_val(s, "esvigil_host_memory_mapped_bytes", 9437184 * KB);
    ck_assert_val(s, "esvigil_host_memory_cached_bytes", 36700160 * KB);
    ck_assert_val(s, "esvigil_host_memory_dirty_bytes", 1536 * KB);
    ck_assert_val(s, "esvigil_host_swap_total_bytes", 0);
    ck_assert_val(s, "esvigil_host_swap_free_bytes", 0);
    ck_assert_val(s, "esvigil_host_vm_map_areas_max", 262144);
    ck_assert_val(s, "esvigil_host_file_handles_allocated", 12544);
    ck_assert_val(s, "esvigil_host_file_handles_max", 6815744);
    ck_assert_val(s, "esvigil_host_load1", 1.52);
    ck_assert_val(s, "esvigil_host_load5", 1.38);
    ck_assert_val(s, "esvigil_host_load15", 1.20);
    ck_assert_uint_eq(metric_set_sample_count(s), 13);
    for (size_t i = 0; i < metric_set_family_count(s); i++) {
        const metric_family *f = metric_set_family(s, i);
        ck_assert_int_eq(metric_family_type(f), METRIC_GAUGE);
        ck_assert_uint_eq(metric_family_label_count(f), 0);
        ck_assert_uint_gt(strlen(metric_family_help(f)), 20);
    }
    metric_set_free(s);
}
END_TEST

START_TEST(test_healthy_process)
{
    const char *root = gen("healthy_proc", "healthy", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    unsigned long long start = 0;
    ck_assert_int_eq(procfs_collect_process(root, 4242, 0, &start, s, &rep), 0);
    ck_assert_uint_eq(total_errors(&rep), 0);
    ck_assert_uint_eq(start, 1234567);
    ck_assert_val(s, "esvigil_host_es_process_maps", 2000);
    ck_assert_val(s, "esvigil_host_es_process_deleted_maps", 0);
    ck_assert_val(s, "esvigil_host_es_process_deleted_mapped_bytes", 0);
    ck_assert_val(s, "esvigil_host_es_process_open_fds", 600);
    ck_assert_val(s, "esvigil_host_es_process_max_fds", 65535);
    ck_assert_val(s, "esvigil_host_es_process_resident_memory_bytes", 21495808 * KB);
    ck_assert_val(s, "esvigil_host_es_process_threads", 142);
    ck_assert_uint_eq(metric_set_sample_count(s), 7);
    /* the same process again, expected start time matching: the same series */
    ck_assert_int_eq(procfs_collect_process(root, 4242, 1234567, NULL, s, &rep), 0);
    ck_assert_uint_eq(metric_set_sample_count(s), 7);
    metric_set_free(s);
}
END_TEST

START_TEST(test_scroll_leak)
{
    const char *root = gen("scroll_leak", "scroll-leak", "--pid", "31337");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 0);
    ck_assert_int_eq(procfs_collect_process(root, 31337, 987654, NULL, s, &rep), 0);
    ck_assert_uint_eq(total_errors(&rep), 0);
    ck_assert_val(s, "esvigil_host_memory_total_bytes", 6291456 * KB);
    ck_assert_val(s, "esvigil_host_memory_available_bytes", 62914 * KB);
    ck_assert_val(s, "esvigil_host_memory_mapped_bytes", 5767168 * KB);
    ck_assert_val(s, "esvigil_host_es_process_maps", 30000);
    ck_assert_val(s, "esvigil_host_es_process_deleted_maps", 4000);
    ck_assert_val(s, "esvigil_host_es_process_deleted_mapped_bytes", 1310720000.0);
    ck_assert_val(s, "esvigil_host_es_process_open_fds", 12000);
    ck_assert_val(s, "esvigil_host_es_process_threads", 187);
    metric_set_free(s);
}
END_TEST

START_TEST(test_low_map_count)
{
    const char *root = gen("low_map", "low-map-count", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_vm_map_areas_max", 65530);
    metric_set_free(s);
}
END_TEST

START_TEST(test_no_memavailable)
{
    const char *root = gen("old_kernel", "no-memavailable", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 0);
    ck_assert_uint_eq(total_errors(&rep), 0);
    ck_assert(!has(s, "esvigil_host_memory_available_bytes"));
    ck_assert_val(s, "esvigil_host_memory_total_bytes", 67108864 * KB);
    ck_assert_val(s, "esvigil_host_memory_mapped_bytes", 9437184 * KB);
    metric_set_free(s);
}
END_TEST

START_TEST(test_garbled_scenario)
{
    const char *root = gen("garbled", "garbled", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
    ck_assert_ptr_nonnull(strstr(rep.first_error, "/meminfo: parse"));
    ck_assert(!has(s, "esvigil_host_memory_total_bytes"));
    ck_assert(!has(s, "esvigil_host_memory_available_bytes"));
    ck_assert_val(s, "esvigil_host_vm_map_areas_max", 262144);
    ck_assert_val(s, "esvigil_host_load15", 1.20);
    ck_assert_uint_eq(metric_set_sample_count(s), 6);

    ck_assert_int_eq(procfs_collect_process(root, 4242, 0, NULL, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 2);
    ck_assert(!has(s, "esvigil_host_es_process_threads"));
    ck_assert(!has(s, "esvigil_host_es_process_max_fds"));
    ck_assert_uint_eq(metric_set_sample_count(s), 6);
    metric_set_free(s);
}
END_TEST

START_TEST(test_unlimited_fds_scenario)
{
    const char *root = gen("unlimited", "unlimited-fds", NULL, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 4242, 0, NULL, s, &rep), 0);
    double v = must(s, "esvigil_host_es_process_max_fds");
    ck_assert(isinf(v) && v > 0);
    metric_set_free(s);
}
END_TEST

/* gen --starttime models a restarted ES that got the same pid back. */
START_TEST(test_restart_same_pid)
{
    const char *root = gen("restart", "healthy", "--starttime", "7777777");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    unsigned long long start = 0;
    ck_assert_int_eq(procfs_collect_process(root, 4242, 1234567, &start, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PID_REUSED], 1);
    ck_assert_uint_eq(start, 7777777);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    metric_set_free(s);
}
END_TEST

/* ---- hand-written edge cases ---- */

START_TEST(test_deleted_at_eof_without_newline)
{
    const char *root = dir_for("eof");
    char maps[512];
    snprintf(maps, sizeof(maps), "%.*s", (int)strlen(SMALL_MAPS) - 1, SMALL_MAPS);
    hand_proc(root, 100, 5, maps, 4);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 5, NULL, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_es_process_maps", 3);
    ck_assert_val(s, "esvigil_host_es_process_deleted_maps", 1);
    ck_assert_val(s, "esvigil_host_es_process_deleted_mapped_bytes", 0x100000);
    ck_assert_val(s, "esvigil_host_es_process_open_fds", 4);
    ck_assert_val(s, "esvigil_host_es_process_max_fds", 1024);
    ck_assert_val(s, "esvigil_host_es_process_resident_memory_bytes", 1000 * KB);
    ck_assert_val(s, "esvigil_host_es_process_threads", 3);
    metric_set_free(s);
}
END_TEST

START_TEST(test_empty_maps)
{
    const char *root = dir_for("empty_maps");
    hand_proc(root, 100, 5, "", 0);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_es_process_maps", 0);
    ck_assert_val(s, "esvigil_host_es_process_open_fds", 0);
    metric_set_free(s);
}
END_TEST

/* comm may contain spaces and parentheses; only the last ')' ends it. */
START_TEST(test_stat_comm_with_parens)
{
    static const char *const comms[] = {"(java (x) )", "java (x) ", ") S 1 2 3 4 5 (", "a b"};
    for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
        const char *root = dir_for("comm");
        hand_proc(root, 100, 5, SMALL_MAPS, 1);
        hand_stat(root, 100, comms[i], 424242 + i);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        unsigned long long start = 0;
        ck_assert_int_eq(procfs_collect_process(root, 100, 424242 + i, &start, s, &rep), 0);
        ck_assert_uint_eq(start, 424242 + i);
        ck_assert_val(s, "esvigil_host_es_process_threads", 3);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_pid_reused)
{
    const char *root = dir_for("reused");
    hand_proc(root, 100, 222, SMALL_MAPS, 2);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    unsigned long long start = 0;
    ck_assert_int_eq(procfs_collect_process(root, 100, 111, &start, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PID_REUSED], 1);
    ck_assert_uint_eq(total_errors(&rep), 1);
    ck_assert_uint_eq(start, 222);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    ck_assert_ptr_nonnull(strstr(rep.first_error, "/100/stat: pid_reused"));
    metric_set_free(s);
}
END_TEST

START_TEST(test_stat_pid_mismatch_or_truncated)
{
    static const char *const bad[] = {
        "101 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1 2\n", /* other pid */
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5\n",     /* cut at 22 */
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1",     /* no newline */
        "100 (java S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1 2\n",  /* no ')' */
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 x5 1 2\n", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *root = dir_for("badstat");
        hand_proc(root, 100, 5, SMALL_MAPS, 1);
        put(root, "100/stat", bad[i]);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        unsigned long long start = 99;
        ck_assert_int_eq(procfs_collect_process(root, 100, 0, &start, s, &rep), 1);
        ck_assert_msg(rep.errors[PROCFS_ERR_PARSE] == 1, "stat variant %zu accepted", i);
        ck_assert_uint_eq(start, 99);
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_vanished_pid)
{
    const char *root = dir_for("vanished");
    mkdirs(root);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 9999, 0, NULL, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 1);
    ck_assert_ptr_nonnull(strstr(rep.first_error, "/9999/stat: missing: "));
    ck_assert_ptr_nonnull(strstr(rep.first_error, strerror(ENOENT)));
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    ck_assert_int_eq(procfs_collect_process(root, 0, 0, NULL, s, &rep), 1);
    ck_assert_int_eq(procfs_collect_process(root, -3, 0, NULL, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 3);
    metric_set_free(s);
}
END_TEST

/* stat and status read fine, then the process is gone: nothing at all. */
START_TEST(test_vanished_midway)
{
    static const char *const gone[] = {"100/maps", "100/limits", "100/fd"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        const char *root = dir_for("midway");
        char path[PATH_MAX];
        hand_proc(root, 100, 5, SMALL_MAPS, 0);
        pathf(path, sizeof(path), "%s/%s", root, gone[i]);
        ck_assert_int_eq(remove(path), 0);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(procfs_collect_process(root, 100, 5, NULL, s, &rep), 1);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 1);
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_garbled_maps)
{
    static const char *const bad[] = {
        "7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0\nnot a mapping\n",
        "7f2c4c021000-7f2c4c000000 rw-p 00000000 00:00 0\n", /* end before start */
        "7f2c4c000000-7f2c4c0",                              /* cut mid-line */
        "7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0\n\n7f2c4c000000-7f2c4c021000 rw-p\n",
        "7f2c4c000000-7f2c4c021000 rwzp 00000000 00:00 0\n",
        "ffffffffffffffffff-fffffffffffffffffff rw-p 00000000 00:00 0\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *root = dir_for("badmaps");
        hand_proc(root, 100, 5, bad[i], 1);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 1);
        ck_assert_msg(rep.errors[PROCFS_ERR_PARSE] == 1, "maps variant %zu accepted", i);
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
        metric_set_free(s);
    }
}
END_TEST

/* The address parser takes the full 64 bits (the vsyscall page), upper-case
 * digits, a deleted mapping at the top of the address space, and leading zeros. */
START_TEST(test_maps_wide_addresses)
{
    const char *root = dir_for("widemaps");
    hand_proc(root, 100, 5,
              "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  "
              "[vsyscall]\n"
              "7F2C4C000000-7F2C4C021000 rw-p 00000000 00:00 0\n"
              "fffffffffff00000-ffffffffffffffff r--s 00000000 fd:10 42 /x (deleted)\n"
              /* leading zeros do not count against the 64 bits */
              "00000000000000000001000-00000000000000000002000 r--p 00000000 00:00 0 (deleted)\n",
              1);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 5, NULL, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_es_process_maps", 4);
    ck_assert_val(s, "esvigil_host_es_process_deleted_maps", 2);
    ck_assert_val(s, "esvigil_host_es_process_deleted_mapped_bytes", 0xfffff + 0x1000);
    metric_set_free(s);
}
END_TEST

/* Writes len bytes, NULs included, to root/rel (put stops at the first). */
static void put_bytes(const char *root, const char *rel, const char *data, size_t len)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Process 100 of root (from hand_proc) read with len bytes of maps: 0 and got[] = lines,
 * deleted, deleted bytes, or 1 with nothing exported and rep saying why. */
static int collect_maps(const char *root, const char *maps, size_t len, double got[3],
                        procfs_report *rep)
{
    put_bytes(root, "100/maps", maps, len);
    metric_set *s = metric_set_new();
    int rc = procfs_collect_process(root, 100, 5, NULL, s, rep);
    if (rc == 0) {
        got[0] = must(s, "esvigil_host_es_process_maps");
        got[1] = must(s, "esvigil_host_es_process_deleted_maps");
        got[2] = must(s, "esvigil_host_es_process_deleted_mapped_bytes");
    } else {
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
    }
    metric_set_free(s);
    return rc;
}

/* A line may end right after the space that follows the perms, or at EOF without a newline;
 * " (deleted)" counts only as the very end, even when it starts at that space. */
START_TEST(test_maps_line_ends)
{
    static const struct {
        const char *maps;
        double lines, deleted, bytes; /* lines < 0: refused */
    } cases[] = {
        {"0-1 rwxp \n", 1, 0, 0},
        {"0-1 rwxp ", 1, 0, 0},
        {"0-1 rwxp (deleted)\n", 1, 1, 1},
        {"10-30 ---- x (deleted)", 1, 1, 0x20},
        {"0-1 rwxp x(deleted)\n", 1, 0, 0},
        {"0-1 rwxp (deleted))\n", 1, 0, 0},
        {"0-1 rwxp (deleted) \n", 1, 0, 0},
        {"0-1 rwxp )\n0-2 pppp  (deleted)\n", 2, 1, 2},
        {"0-1 rwxp\n", -1, 0, 0},
        {"0-1 rwxp", -1, 0, 0},
        {"0-1 rwx \n", -1, 0, 0},
        {"0-1\n", -1, 0, 0},
        {"0-1", -1, 0, 0},
        {"0-1 rwxp \n\n", -1, 0, 0},
        {"0-1 rwxp \n ", -1, 0, 0},
    };
    const char *root = dir_for("line_ends");
    hand_proc(root, 100, 5, "", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got[3];
        procfs_report rep = {{0}, ""};
        int rc = collect_maps(root, cases[i].maps, strlen(cases[i].maps), got, &rep);
        if (cases[i].lines < 0) {
            ck_assert_msg(rc == 1 && rep.errors[PROCFS_ERR_PARSE] == 1, "case %zu accepted", i);
            continue;
        }
        ck_assert_msg(rc == 0, "case %zu: %s", i, rep.first_error);
        ck_assert_msg(got[0] == cases[i].lines && got[1] == cases[i].deleted &&
                          got[2] == cases[i].bytes,
                      "case %zu: %g %g %g", i, got[0], got[1], got[2]);
    }
}
END_TEST

/* A NUL byte refuses the file as binary wherever it is, before a malformed line in the same read
 * too; a malformed line in an earlier read is named as such. */
START_TEST(test_maps_nul_bytes)
{
#define NUL_CASE(text)                                                                             \
    {                                                                                              \
        text, sizeof(text) - 1                                                                     \
    }
    static const struct {
        const char *maps;
        size_t len;
    } cases[] = {
        NUL_CASE("7f2c4c000000-7f2c4c021000 r--s 00000000 fd:10 42 /x\0y (deleted)\n"),
        NUL_CASE("7f2c4c0\0"
                 "00000-7f2c4c021000 rw-p 00000000 00:00 0\n"),
        NUL_CASE("7f2c4c000000-7f2c4c021000 rw-p \0\n"),
        NUL_CASE("7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0\n\0"),
        NUL_CASE("not a mapping\n7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0 \0\n"),
        NUL_CASE("\0"),
    };
#undef NUL_CASE
    const char *root = dir_for("nul");
    hand_proc(root, 100, 5, "", 1);
    double got[3];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(collect_maps(root, cases[i].maps, cases[i].len, got, &rep), 1);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
        ck_assert_msg(strstr(rep.first_error, "binary content"), "%zu: %s", i, rep.first_error);
    }
    /* the NUL past the first 64 KiB read: the malformed first line is what is reported */
    static const char good[] = "7f2c4c000000-7f2c4c021000 rw-p 00000000 00:00 0 \n";
    size_t n = 2000, len = 0;
    char *maps = malloc(n * (sizeof(good) - 1) + 64);
    ck_assert_ptr_nonnull(maps);
    for (int bad_first = 0; bad_first <= 1; bad_first++) {
        len = 0;
        if (bad_first)
            len += (size_t)sprintf(maps, "not a mapping\n");
        for (size_t i = 0; i < n; i++, len += sizeof(good) - 1)
            memcpy(maps + len, good, sizeof(good) - 1);
        maps[len++] = '\0';
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(collect_maps(root, maps, len, got, &rep), 1);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
        ck_assert_msg(strstr(rep.first_error, bad_first ? "malformed line" : "binary content"),
                      "%s", rep.first_error);
    }
    free(maps);
}
END_TEST

/* Deleted sizes come from the addresses' values, also where checking the line computed none:
 * every digit in every position, equal addresses, carries, and widths next to 12 digits. */
START_TEST(test_maps_address_values)
{
    static const char *const ranges[] = {
        "000000000000-ffffffffffff",
        "0123456789ab-fedcba987654",
        "abcdef012345-abcdef012345", /* empty */
        "7f2c4c0a1b2c-7f2c4c0a1b2d", /* the last four digits differ */
        "7f2c4c0affff-7f2c4c0b0000", /* so do the first eight */
        "00000000f000-0000000ff000", /* leading zeros */
        "7F2C4C0A1B2C-7f2c4c0a1B2D", /* upper case */
        "7f2c4c0a1b2c-7f2c4c0a1b2c0",
        "fffffffffff-7f2c4c0a1b2c",
        "00400000-0052a000",
        "ffffffffff600000-ffffffffff601000",
        "0-1",
    };
    const char *root = dir_for("values");
    hand_proc(root, 100, 5, "", 1);
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        char maps[256], *dash;
        unsigned long long start = strtoull(ranges[i], &dash, 16);
        unsigned long long end = strtoull(dash + 1, NULL, 16);
        int n = snprintf(maps, sizeof(maps), "%s r--s 00000000 fd:10 7 /i/_1.cfs (deleted)\n",
                         ranges[i]);
        double got[3];
        procfs_report rep = {{0}, ""};
        ck_assert_msg(collect_maps(root, maps, (size_t)n, got, &rep) == 0, "%s: %s", ranges[i],
                      rep.first_error);
        ck_assert_msg(got[0] == 1 && got[1] == 1 && got[2] == (double)(end - start), "%s: %g %g %g",
                      ranges[i], got[0], got[1], got[2]);
    }
}
END_TEST

/* Any byte of two 12-digit addresses that is no hex digit refuses the file, as do end < start
 * (in either part of the digits) and a line that ends before its perms are done. */
START_TEST(test_maps_address_rejects)
{
    static const char base[] = "7f2c4c0a1b2c-7f2c4c0a1b3c rw-p 00000000 00:00 0\n";
    static const char junk[] = "gG:/@`x -\n\x01\x10\x19\x7f\xb0\xe6\xff";
    static const char *const bad[] = {
        "7f2\xb0/c0a1b2c-7f2c4c0a1b3c rw-p 00000000 00:00 0\n", /* a carry out of 0xb0 */
        "7f2c4c0a1b2c-7f2c4c0a\xff/3c rw-p 00000000 00:00 0\n",
        "7f2c4c0a1b3c-7f2c4c0a1b2c rw-p 00000000 00:00 0\n",
        "7f2c4d000000-7f2c4cffffff rw-p 00000000 00:00 0\n",
        "000000000001-000000000000 rw-p 00000000 00:00 0\n",
        "7f2c4c0a1b2c-7f2c4c0a1b3c\n",
        "7f2c4c0a1b2c-7f2c4c0a1b3c",
        "7f2c4c0a1b2c-7f2c4c0a1b3c \n",
        "7f2c4c0a1b2c-7f2c4c0a1b3c rw-p",
        "7f2c4c0a1b2c-7f2c4c0a1b3c rw-p\n \n",
        "7f2c4c0a1b2c-\n",
        "7f2c4c0a1b2c 7f2c4c0a1b3c rw-p 00000000 00:00 0\n",
        "7f2c4c0a1b2c-7f2c4c0a1b3c-rw-p 00000000 00:00 0\n",
        "7f2c4c0a1b2c-7f2c4c0a1b3c rw-q 00000000 00:00 0\n",
    };
    const char *root = dir_for("address_rejects");
    hand_proc(root, 100, 5, "", 1);
    double got[3];
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(collect_maps(root, base, strlen(base), got, &rep), 0);
    char maps[sizeof(base)];
    for (size_t pos = 0; pos < 25; pos++) {
        if (pos == 12) /* the '-' */
            continue;
        for (size_t j = 0; j < sizeof(junk) - 1; j++) {
            memcpy(maps, base, sizeof(base));
            maps[pos] = junk[j];
            procfs_report r = {{0}, ""};
            ck_assert_msg(collect_maps(root, maps, strlen(maps), got, &r) == 1 &&
                              r.errors[PROCFS_ERR_PARSE] == 1,
                          "0x%02x at %zu accepted", (unsigned char)junk[j], pos);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        procfs_report r = {{0}, ""};
        ck_assert_msg(collect_maps(root, bad[i], strlen(bad[i]), got, &r) == 1 &&
                          r.errors[PROCFS_ERR_PARSE] == 1,
                      "bad %zu accepted", i);
    }
}
END_TEST

/* maps is a FIFO fed by a child that swaps the stat file before it closes
 * the FIFO: the process changed while it was being read. */
static int feed_maps_after(const char *root, const char *stat_text)
{
    char fifo[PATH_MAX], stat_path[PATH_MAX];
    pathf(fifo, sizeof(fifo), "%s/100/maps", root);
    pathf(stat_path, sizeof(stat_path), "%s/100/stat", root);
    ck_assert_int_eq(remove(fifo), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        int fd = open(fifo, O_WRONLY); /* waits for the reader */
        if (stat_text) {
            FILE *f = fopen(stat_path, "w");
            if (!f || fputs(stat_text, f) < 0 || fclose(f) != 0)
                _exit(1);
        } else if (remove(stat_path) != 0) {
            _exit(1);
        }
        if (fd < 0 || write(fd, SMALL_MAPS, strlen(SMALL_MAPS)) < 0)
            _exit(1);
        _exit(close(fd) == 0 ? 0 : 1);
    }
    return (int)child;
}

static void reap(int child)
{
    int status;
    ck_assert_int_eq(waitpid((pid_t)child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(test_pid_reused_while_reading)
{
    const char *root = dir_for("reused_midway");
    hand_proc(root, 100, 5, SMALL_MAPS, 2);
    int child = feed_maps_after(
        root, "100 (bash) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 1 0 9000 1 2\n");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 5, NULL, s, &rep), 1);
    reap(child);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PID_REUSED], 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    metric_set_free(s);
}
END_TEST

START_TEST(test_exited_while_reading)
{
    const char *root = dir_for("exited_midway");
    hand_proc(root, 100, 5, SMALL_MAPS, 2);
    int child = feed_maps_after(root, NULL);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 1);
    reap(child);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    metric_set_free(s);
}
END_TEST

/* A line longer than the stream buffer is refused, not split into two. */
START_TEST(test_maps_overlong_line)
{
    const char *root = dir_for("longline");
    size_t n = 200000;
    char *maps = malloc(n + 64);
    ck_assert_ptr_nonnull(maps);
    int k = snprintf(maps, 64, "7f2c4c000000-7f2c4c021000 r--s 00000000 fd:10 1 /");
    memset(maps + k, 'a', n);
    strcpy(maps + k + n, "\n");
    hand_proc(root, 100, 5, maps, 1);
    free(maps);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    metric_set_free(s);
}
END_TEST

START_TEST(test_huge_maps)
{
    const char *root = dir_for("huge");
    hand_proc(root, 100, 5, "", 1);
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/100/maps", root);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    unsigned long long addr = 0x7f0000000000ULL, want_bytes = 0;
    const unsigned lines = 200000;
    for (unsigned i = 0; i < lines; i++) {
        unsigned long long size = 0x1000ULL * (1 + i % 7);
        if (i % 10 == 3) {
            fprintf(f,
                    "%llx-%llx r--s 00000000 fd:10 %u                    "
                    "/var/lib/elasticsearch/nodes/0/indices/u/0/index/_%x.cfs (deleted)\n",
                    addr, addr + size, 5000 + i, i);
            want_bytes += size;
        } else if (i % 10 == 4) {
            /* "(deleted)" not at the end, or without its space: not deleted */
            fprintf(f, "%llx-%llx r--p 00000000 fd:10 %u /tmp/x (deleted) y\n", addr, addr + size,
                    i);
        } else {
            fprintf(f, "%llx-%llx rw-p 00000000 00:00 0 \n", addr, addr + size);
        }
        addr += size + 0x1000;
    }
    ck_assert_int_eq(fclose(f), 0);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_es_process_maps", lines);
    ck_assert_val(s, "esvigil_host_es_process_deleted_maps", lines / 10);
    ck_assert_val(s, "esvigil_host_es_process_deleted_mapped_bytes", (double)want_bytes);
    metric_set_free(s);
}
END_TEST

START_TEST(test_limits_variants)
{
    static const struct {
        const char *line;
        double want; /* NAN: the file must be refused */
    } cases[] = {
        {"Max open files            unlimited            unlimited            files     \n",
         INFINITY},
        {"Max open files            unlimited            4096                 files     \n",
         INFINITY},
        {"Max open files            1048576              unlimited            files     \n",
         1048576},
        {"Max open files            -1                   4096                 files     \n", NAN},
        {"Max open files            lots                 lots                 files     \n", NAN},
        {"Max open files            1024\n", NAN},
        {"Max processes             4096                 4096                 processes \n", NAN},
        /* a torn read is refused even when the wanted line is whole */
        {"Max open files            1024                 4096                 files     \nMax",
         NAN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *root = dir_for("limits");
        char text[512];
        hand_proc(root, 100, 5, SMALL_MAPS, 1);
        snprintf(text, sizeof(text),
                 "Limit                     Soft Limit           Hard Limit  "
                 "         Units     \n%s",
                 cases[i].line);
        put(root, "100/limits", text);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        int rc = procfs_collect_process(root, 100, 0, NULL, s, &rep);
        if (isnan(cases[i].want)) {
            ck_assert_msg(rc == 1 && rep.errors[PROCFS_ERR_PARSE] == 1, "limits %zu accepted", i);
            ck_assert_uint_eq(metric_set_sample_count(s), 0);
        } else {
            ck_assert_int_eq(rc, 0);
            ck_assert_val(s, "esvigil_host_es_process_max_fds", cases[i].want);
        }
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_status_variants)
{
    const char *root = dir_for("status");
    hand_proc(root, 100, 5, SMALL_MAPS, 1);
    /* a zombie has no VmRSS: the rest still counts */
    put(root, "100/status", "Name:\tjava\nState:\tZ (zombie)\nThreads:\t1\n");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &rep), 0);
    ck_assert(!has(s, "esvigil_host_es_process_resident_memory_bytes"));
    ck_assert_val(s, "esvigil_host_es_process_threads", 1);
    metric_set_free(s);

    static const char *const bad[] = {
        "Name:\tjava\nVmRSS:\t    1000 kB\n",            /* no Threads */
        "Name:\tjava\nVmRSS:\t    1000 kB\nThreads:\t3", /* torn */
        "Name:\tjava\nVmRSS:\t    1000\nThreads:\t3\n",  /* no unit */
        "Name:\tjava\nVmRSS:\t    10x0 kB\nThreads:\t3\n",
        "Name:\tjava\ngarbage line\nThreads:\t3\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(root, "100/status", bad[i]);
        s = metric_set_new();
        procfs_report r2 = {{0}, ""};
        ck_assert_int_eq(procfs_collect_process(root, 100, 0, NULL, s, &r2), 1);
        ck_assert_msg(r2.errors[PROCFS_ERR_PARSE] == 1, "status %zu accepted", i);
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
        metric_set_free(s);
    }
}
END_TEST

/* Returns 0 (and the test should skip) when chmod cannot stop us reading. */
static int make_unreadable(const char *root, const char *rel)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", root, rel);
    ck_assert_int_eq(chmod(path, 0), 0);
    return access(path, R_OK) != 0;
}

/* Undone right after the read so teardown can walk into the directory. */
static void make_readable(const char *root, const char *rel)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", root, rel);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(test_permission_maps_and_fd)
{
    const char *root = dir_for("perm");
    hand_proc(root, 100, 5, SMALL_MAPS, 2);
    int denied = make_unreadable(root, "100/maps") & make_unreadable(root, "100/fd");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    int rc = procfs_collect_process(root, 100, 5, NULL, s, &rep);
    make_readable(root, "100/maps");
    make_readable(root, "100/fd");
    if (!denied) {
        /* running as root: permissions do not apply, everything reads */
        ck_assert_int_eq(rc, 0);
        ck_assert_uint_eq(metric_set_sample_count(s), 7);
    } else {
        ck_assert_int_eq(rc, 2);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_PERMISSION], 2);
        ck_assert_ptr_nonnull(strstr(rep.first_error, "/100/maps: permission: "));
        ck_assert(!has(s, "esvigil_host_es_process_maps"));
        ck_assert(!has(s, "esvigil_host_es_process_open_fds"));
        ck_assert_val(s, "esvigil_host_es_process_threads", 3);
        ck_assert_val(s, "esvigil_host_es_process_max_fds", 1024);
        ck_assert_val(s, "esvigil_host_es_process_resident_memory_bytes", 1000 * KB);
    }
    metric_set_free(s);
}
END_TEST

START_TEST(test_permission_host_file)
{
    const char *root = dir_for("perm_host");
    hand_host(root);
    int denied = make_unreadable(root, "sys/vm/max_map_count");
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    int rc = procfs_collect_host(root, s, &rep);
    make_readable(root, "sys/vm/max_map_count");
    ck_assert_val(s, "esvigil_host_memory_total_bytes", 8000000 * KB);
    if (denied) {
        ck_assert_int_eq(rc, 1);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_PERMISSION], 1);
        ck_assert(!has(s, "esvigil_host_vm_map_areas_max"));
    } else {
        ck_assert_int_eq(rc, 0);
    }
    metric_set_free(s);
}
END_TEST

START_TEST(test_hand_host)
{
    const char *root = dir_for("host");
    hand_host(root);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 0);
    ck_assert_val(s, "esvigil_host_memory_total_bytes", 8000000 * KB);
    ck_assert_val(s, "esvigil_host_memory_dirty_bytes", 12 * KB);
    ck_assert_val(s, "esvigil_host_swap_free_bytes", 999000 * KB);
    ck_assert_val(s, "esvigil_host_file_handles_max", 9223372036854775807.0);
    ck_assert_val(s, "esvigil_host_load1", 0.5);
    metric_set_free(s);
}
END_TEST

START_TEST(test_garbled_meminfo_variants)
{
    static const char *const bad[] = {
        "MemTotal:        8000000 kB\nMemAvailable:    40", /* torn */
        "MemTotal:        8000000 kB\nMemAvailable:    abc kB\n",
        "MemTotal:        8000000 kB\nMapped:          2000000 MB\n",
        "MemTotal:        8000000 kB\n\nMapped:          2000000 kB\n",
        "MemFree:          100000 kB\n", /* no MemTotal */
        "MemTotal:        -8000000 kB\n",
        "MemTotal:        99999999999999999999999 kB\n",
        "MemTotal:        8000000 kB\nJunk:   12 kB trailing\n",
        "\177ELF\001\002", /* binary */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *root = dir_for("badmem");
        hand_host(root);
        put(root, "meminfo", bad[i]);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(procfs_collect_host(root, s, &rep), 1);
        ck_assert_msg(rep.errors[PROCFS_ERR_PARSE] == 1, "meminfo variant %zu accepted", i);
        ck_assert(!has(s, "esvigil_host_memory_total_bytes"));
        ck_assert(!has(s, "esvigil_host_memory_available_bytes"));
        /* the other files are unaffected */
        ck_assert_val(s, "esvigil_host_vm_map_areas_max", 262144);
        ck_assert_val(s, "esvigil_host_file_handles_allocated", 1024);
        ck_assert_val(s, "esvigil_host_load5", 0.25);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_garbled_small_files)
{
    static const struct {
        const char *rel, *text, *absent;
    } cases[] = {
        {"sys/vm/max_map_count", "65530", "esvigil_host_vm_map_areas_max"},
        {"sys/vm/max_map_count", "65530 1\n", "esvigil_host_vm_map_areas_max"},
        {"sys/vm/max_map_count", "\n", "esvigil_host_vm_map_areas_max"},
        {"sys/fs/file-nr", "1024\t0\n", "esvigil_host_file_handles_max"},
        {"sys/fs/file-nr", "1024\t0\t-5\n", "esvigil_host_file_handles_allocated"},
        {"loadavg", "0.50 0.25 0.10\n", "esvigil_host_load1"},
        {"loadavg", "0.50 nan 0.10 2/300 4000\n", "esvigil_host_load1"},
        {"loadavg", "0.50 0.25 0.10 2/300 4000", "esvigil_host_load15"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *root = dir_for("badsmall");
        hand_host(root);
        put(root, cases[i].rel, cases[i].text);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(procfs_collect_host(root, s, &rep), 1);
        ck_assert_msg(rep.errors[PROCFS_ERR_PARSE] == 1, "case %zu accepted", i);
        ck_assert_msg(!has(s, cases[i].absent), "case %zu exported %s", i, cases[i].absent);
        ck_assert_val(s, "esvigil_host_memory_total_bytes", 8000000 * KB);
        metric_set_free(s);
    }
}
END_TEST

START_TEST(test_host_missing_everything)
{
    const char *root = dir_for("nothing");
    mkdirs(root);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    ck_assert_int_eq(procfs_collect_host(root, s, &rep), 4);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 4);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    /* only the first failure is kept for the log */
    ck_assert_ptr_nonnull(strstr(rep.first_error, "/meminfo: missing: "));
    metric_set_free(s);
}
END_TEST

START_TEST(test_err_reasons)
{
    ck_assert_str_eq(procfs_err_reason(PROCFS_ERR_MISSING), "missing");
    ck_assert_str_eq(procfs_err_reason(PROCFS_ERR_PERMISSION), "permission");
    ck_assert_str_eq(procfs_err_reason(PROCFS_ERR_PARSE), "parse");
    ck_assert_str_eq(procfs_err_reason(PROCFS_ERR_PID_REUSED), "pid_reused");
}
END_TEST

START_TEST(test_pidfile)
{
    static const struct {
        const char *text;
        long want;
    } cases[] = {
        {"4242\n", 4242},
        {"  4242 \t\n\n", 4242},
        {"1", 1},
        {"2147483647\n", 2147483647L},
        {"", -1},
        {"\n", -1},
        {"abc\n", -1},
        {"4242abc\n", -1},
        {"42 42\n", -1},
        {"0\n", -1},
        {"-5\n", -1},
        {"+5\n", -1},
        {"2147483648\n", -1},
        {"99999999999999999999999999\n", -1},
        {"0x10\n", -1},
    };
    const char *dir = dir_for("pidfiles");
    mkdirs(dir);
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/es.pid", dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put(dir, "es.pid", cases[i].text);
        ck_assert_msg(procfs_read_pidfile(path) == cases[i].want, "pidfile %zu: %ld", i,
                      procfs_read_pidfile(path));
    }
    remove(path);
    ck_assert_int_eq(procfs_read_pidfile(path), -1);
    ck_assert_int_eq(procfs_read_pidfile(dir), -1);
    ck_assert_int_eq(procfs_read_pidfile(NULL), -1);
}
END_TEST

/* esvigil's own process_* families come from the real /proc. */
START_TEST(test_self_real_proc)
{
    metric_set *s = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_collect_self("/proc", s, &rep), 0);
    ck_assert_double_ge(must(s, "process_cpu_seconds_total"), 0);
    ck_assert_double_gt(must(s, "process_resident_memory_bytes"), 1024);
    ck_assert_double_gt(must(s, "process_virtual_memory_bytes"),
                        must(s, "process_resident_memory_bytes"));
    ck_assert_double_gt(must(s, "process_start_time_seconds"), 1e9);
    ck_assert_double_ge(must(s, "process_open_fds"), 3);
    ck_assert_double_gt(must(s, "process_max_fds"), 0);
    metric_set_free(s);
}
END_TEST

/* The real /proc's fd count (from the directory's size on Linux 6.2+) is the
 * listing's, including the descriptor that reads it; and the ES process read
 * through the real /proc counts the same. */
static double listed_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    double n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(test_real_proc_fd_count)
{
    int extra[7];
    for (size_t i = 0; i < 7; i++)
        ck_assert_int_ge(extra[i] = dup(2), 0);
    metric_set *s = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_collect_self("/proc", s, &rep), 0);
    ck_assert_double_eq(must(s, "process_open_fds"), listed_fds());
    metric_set_free(s);
    s = metric_set_new();
    memset(&rep, 0, sizeof(rep));
    (void)procfs_collect_process("/proc", (long)getpid(), 0, NULL, s, &rep);
    ck_assert_double_eq(must(s, "esvigil_host_es_process_open_fds"), listed_fds());
    metric_set_free(s);
    for (size_t i = 0; i < 7; i++)
        close(extra[i]);
}
END_TEST

/* bench/bench.py links a tree's PID/fd to a live process's /proc/N/fd, so its
 * fds are counted as the kernel counts them: the link is followed. */
START_TEST(test_fd_dir_linked_to_real_proc)
{
    char fds[64];
    snprintf(fds, sizeof(fds), "/proc/%ld/fd", (long)getpid());
    const char *dir = gen("fdlink", "healthy", "--fd-dir", fds);
    metric_set *s = metric_set_new();
    procfs_report rep = {0};
    (void)procfs_collect_process(dir, 4242, 0, NULL, s, &rep);
    ck_assert_double_eq(must(s, "esvigil_host_es_process_open_fds"), listed_fds());
    ck_assert_double_eq(must(s, "esvigil_host_es_process_max_fds"), 65535);
    metric_set_free(s);
}
END_TEST

/* A garbled self/stat exports no process_* sample and counts a parse error. */
START_TEST(test_self_garbled)
{
    const char *root = dir_for("self");
    put(root, "self/stat", "12 (esvigil) S 1 2 3\n");
    put(root, "stat", "cpu 1 2 3\nbtime 1700000000\n");
    metric_set *s = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_collect_self(root, s, &rep), 1);
    ck_assert_uint_eq(metric_set_family_count(s), 0);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
    metric_set_free(s);
}
END_TEST

/* The kept handle reports what the open-per-poll path reports for the same
 * process: the two descriptors it keeps are not counted as the process's. */
START_TEST(test_self_kept_same_as_per_poll)
{
    procfs_self *h = procfs_self_open(NULL);
    ck_assert_ptr_nonnull(h);
    metric_set *kept = metric_set_new(), *again = metric_set_new(), *per_poll = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_self_collect(h, kept, &rep), 0);
    ck_assert_int_eq(procfs_self_collect(h, again, &rep), 0);
    double held = listed_fds() - must(kept, "process_open_fds");
    procfs_self_close(h);
    ck_assert_int_eq(procfs_collect_self("/proc", per_poll, &rep), 0);
    ck_assert_uint_eq(total_errors(&rep), 0);
    ck_assert_double_eq(must(kept, "process_open_fds"), must(per_poll, "process_open_fds"));
    ck_assert_double_eq(must(again, "process_open_fds"), must(per_poll, "process_open_fds"));
    ck_assert_double_eq(must(kept, "process_start_time_seconds"),
                        must(per_poll, "process_start_time_seconds"));
    ck_assert_double_eq(must(kept, "process_max_fds"), must(per_poll, "process_max_fds"));
    ck_assert_double_gt(must(kept, "process_resident_memory_bytes"), 1024);
    /* 2 on Linux 6.2+; 1 (stat only) where PID/fd has no size and is listed */
    ck_assert_msg(held == 2 || held == 1, "handle holds %g fds", held);
    metric_set_free(kept);
    metric_set_free(again);
    metric_set_free(per_poll);
}
END_TEST

/* fds opened after the handle are counted, closed ones no longer. */
START_TEST(test_self_kept_follows_fds)
{
    procfs_self *h = procfs_self_open("/proc");
    metric_set *before = metric_set_new(), *more = metric_set_new(), *after = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_self_collect(h, before, &rep), 0);
    int extra[5];
    for (size_t i = 0; i < 5; i++)
        ck_assert_int_ge(extra[i] = dup(2), 0);
    ck_assert_int_eq(procfs_self_collect(h, more, &rep), 0);
    for (size_t i = 0; i < 5; i++)
        close(extra[i]);
    ck_assert_int_eq(procfs_self_collect(h, after, &rep), 0);
    ck_assert_double_eq(must(more, "process_open_fds"), must(before, "process_open_fds") + 5);
    ck_assert_double_eq(must(after, "process_open_fds"), must(before, "process_open_fds"));
    procfs_self_close(h);
    metric_set_free(before);
    metric_set_free(more);
    metric_set_free(after);
}
END_TEST

/* With every descriptor in use the kept handle still reads (after its first
 * poll, which reads btime, it opens nothing), where the open-per-poll path
 * cannot. */
START_TEST(test_self_kept_opens_nothing)
{
    procfs_self *h = procfs_self_open("/proc");
    metric_set *kept = metric_set_new(), *per_poll = metric_set_new();
    procfs_report kept_rep = {0}, rep = {0};
    ck_assert_int_eq(procfs_self_collect(h, per_poll, &rep), 0);
    double open_before = must(per_poll, "process_open_fds");
    metric_set_free(per_poll);
    per_poll = metric_set_new();
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    struct rlimit low = {64, rl.rlim_max};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    int filled[64], n = 0, fd;
    while (n < 64 && (fd = dup(2)) >= 0)
        filled[n++] = fd;
    int kept_rc = procfs_self_collect(h, kept, &kept_rep), filled_n = n;
    int per_poll_rc = procfs_collect_self("/proc", per_poll, &rep);
    while (n > 0)
        close(filled[--n]);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    unsigned long long size_known = 0;
    int dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    struct stat st;
    if (dirfd >= 0 && fstat(dirfd, &st) == 0)
        size_known = st.st_size > 0;
    if (dirfd >= 0)
        close(dirfd);
    if (size_known) {
        ck_assert_int_eq(kept_rc, 0);
        ck_assert_uint_eq(total_errors(&kept_rep), 0);
        ck_assert_double_eq(must(kept, "process_open_fds"), open_before + filled_n);
    }
    ck_assert(has(kept, "process_cpu_seconds_total"));
    ck_assert_int_eq(per_poll_rc, 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 1);
    ck_assert_ptr_nonnull(strstr(rep.first_error, strerror(EMFILE)));
    procfs_self_close(h);
    metric_set_free(kept);
    metric_set_free(per_poll);
}
END_TEST

/* A fixture tree is no procfs: nothing is kept, every poll opens its files,
 * so a file replaced by rename is read anew and bad content is reported. */
START_TEST(test_self_kept_fixture_root)
{
    const char *root = dir_for("self-kept");
    put(root, "stat", "cpu 1 2 3\nbtime 1700000000\n");
    put(root, "self/fd/0", "");
    put(root, "self/fd/1", "");
    static const char line[] = "12 (esvigil) S 1 2 3 4 5 6 7 8 9 10 %d 20 0 0 20 0 1 0 %d 4096 "
                               "2 18446744073709551615 1 1 0 0\n";
    char text[256], tmp[PATH_MAX], path[PATH_MAX];
    snprintf(text, sizeof(text), line, 100, 500);
    put(root, "self/stat", text);
    procfs_self *h = procfs_self_open(root);
    metric_set *s = metric_set_new();
    procfs_report rep = {0};
    ck_assert_int_eq(procfs_self_collect(h, s, &rep), 0);
    double hz = (double)sysconf(_SC_CLK_TCK);
    ck_assert_double_eq(must(s, "process_cpu_seconds_total"), 120 / hz);
    ck_assert_double_eq(must(s, "process_start_time_seconds"), 1700000000 + 500 / hz);
    ck_assert_val(s, "process_open_fds", 2);
    metric_set_free(s);
    snprintf(text, sizeof(text), line, 300, 500);
    put(root, "self/stat.new", text);
    pathf(tmp, sizeof(tmp), "%s/self/stat.new", root);
    pathf(path, sizeof(path), "%s/self/stat", root);
    ck_assert_int_eq(rename(tmp, path), 0);
    s = metric_set_new();
    ck_assert_int_eq(procfs_self_collect(h, s, &rep), 0);
    ck_assert_double_eq(must(s, "process_cpu_seconds_total"), 320 / hz);
    metric_set_free(s);
    static const char *const bad[] = {"", "12 (esvigil) S 1 2 3\n", "12 (esvigil) S 1 2 3 4 5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(root, "self/stat", bad[i]);
        s = metric_set_new();
        memset(&rep, 0, sizeof(rep));
        ck_assert_int_eq(procfs_self_collect(h, s, &rep), 1);
        ck_assert_uint_eq(rep.errors[PROCFS_ERR_PARSE], 1);
        ck_assert_uint_eq(metric_set_family_count(s), 0);
        metric_set_free(s);
    }
    remove(path);
    s = metric_set_new();
    memset(&rep, 0, sizeof(rep));
    ck_assert_int_eq(procfs_self_collect(h, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_MISSING], 1);
    metric_set_free(s);
    procfs_self_close(h);
    procfs_self_close(NULL);
}
END_TEST

/* Whose host is this: the pid node info names must be a JVM here. */
START_TEST(test_probe_es)
{
    const char *root = dir_for("probe");
    char why[256];
    hand_host(root);
    hand_stat(root, 100, "java", 5000);
    ck_assert_int_eq(procfs_probe_es(root, 100, 0, why, sizeof(why)), PROCFS_ES_HERE);
    /* a monitoring box polling a remote node: no such pid here */
    ck_assert_int_eq(procfs_probe_es(root, 200, 0, why, sizeof(why)), PROCFS_ES_ELSEWHERE);
    ck_assert_msg(strstr(why, "no process 200"), "%s", why);
    /* the pid exists here but is another program */
    hand_stat(root, 300, "sshd", 5000);
    ck_assert_int_eq(procfs_probe_es(root, 300, 0, why, sizeof(why)), PROCFS_ES_ELSEWHERE);
    ck_assert_msg(strstr(why, "\"sshd\", not an Elasticsearch JVM"), "%s", why);
    /* a renamed JVM thread group still names ES's main class */
    hand_stat(root, 400, "elasticsearch", 5000);
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/400/cmdline", root);
    static const char cmd[] = "/usr/share/elasticsearch/jdk/bin/java\0-Xms1g\0-m\0"
                              "org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch";
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(cmd, 1, sizeof(cmd), f), sizeof(cmd));
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(procfs_probe_es(root, 400, 0, why, sizeof(why)), PROCFS_ES_HERE);
    /* with btime known, a java process started at another time is not the node's */
    put(root, "stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 9\n");
    double started_ms = (1700000000.0 + 5000.0 / (double)sysconf(_SC_CLK_TCK)) * 1000;
    ck_assert_int_eq(procfs_probe_es(root, 100, started_ms + 30000, why, sizeof(why)),
                     PROCFS_ES_HERE);
    ck_assert_int_eq(procfs_probe_es(root, 100, started_ms + 86400000, why, sizeof(why)),
                     PROCFS_ES_ELSEWHERE);
    ck_assert_msg(strstr(why, "started 86400s away"), "%s", why);
    /* an empty or foreign tree cannot tell */
    const char *empty = dir_for("probe-empty");
    mkdirs(empty);
    ck_assert_int_eq(procfs_probe_es(empty, 100, 0, why, sizeof(why)), PROCFS_ES_UNKNOWN);
    ck_assert_msg(strstr(why, "meminfo"), "%s", why);
}
END_TEST

/* Opens of a directory's files since the last count, from inotify: no seam
 * needed. The directory is watched, not the file: inotify merges an event
 * into an identical one still unread, and opens of its other files sit
 * between two of stat's. */
static int watch_opens(const char *dir)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ge(inotify_add_watch(fd, dir, IN_OPEN), 0);
    return fd;
}

static int count_opens(int fd, const char *name)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + r;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            n += (ev->mask & IN_OPEN) && ev->len && strcmp(ev->name, name) == 0;
            p += sizeof(*ev) + ev->len;
        }
    }
    return n;
}

/* The probe's reading of stat is the process collector's first: stat is
 * opened twice per poll (probe, and the guard after the other files), not
 * three times. */
START_TEST(test_probe_reading_serves_first_identity)
{
    const char *root = dir_for("seen");
    char why[256], dir[PATH_MAX];
    hand_host(root);
    hand_proc(root, 100, 5, SMALL_MAPS, 2);
    pathf(dir, sizeof(dir), "%s/100", root);
    int ino = watch_opens(dir);
    procfs_stat_seen seen = {-1, 0};
    ck_assert_int_eq(procfs_probe_es_seen(root, 100, 0, why, sizeof(why), &seen), PROCFS_ES_HERE);
    ck_assert_int_eq(count_opens(ino, "stat"), 1);
    ck_assert_int_eq(seen.pid, 100);
    ck_assert_uint_eq(seen.starttime, 5);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    unsigned long long start = 0;
    ck_assert_int_eq(procfs_collect_process_seen(root, 100, 5, &seen, &start, s, &rep), 0);
    ck_assert_int_eq(count_opens(ino, "stat"), 1); /* the guard after the other files */
    ck_assert_uint_eq(start, 5);
    ck_assert_val(s, "esvigil_host_es_process_threads", 3);
    ck_assert_val(s, "esvigil_host_es_process_open_fds", 2);
    metric_set_free(s);
    /* without a reading, or with another pid's, stat is read before and after */
    procfs_stat_seen other = {200, 5};
    s = metric_set_new();
    ck_assert_int_eq(procfs_collect_process_seen(root, 100, 5, &other, NULL, s, &rep), 0);
    ck_assert_int_eq(count_opens(ino, "stat"), 2);
    ck_assert_int_eq(procfs_collect_process_seen(root, 100, 5, NULL, NULL, s, &rep), 0);
    ck_assert_int_eq(count_opens(ino, "stat"), 2);
    ck_assert_uint_eq(total_errors(&rep), 0);
    metric_set_free(s);
    close(ino);
}
END_TEST

/* A pid reused after the probe read stat is caught by the read after the
 * other files: nothing is exported, and the start time kept is the probe's. */
START_TEST(test_probe_reading_then_pid_reused)
{
    const char *root = dir_for("seen-reused");
    char why[256];
    hand_host(root);
    hand_proc(root, 100, 5, SMALL_MAPS, 2);
    procfs_stat_seen seen;
    ck_assert_int_eq(procfs_probe_es_seen(root, 100, 0, why, sizeof(why), &seen), PROCFS_ES_HERE);
    hand_stat(root, 100, "java", 6);
    metric_set *s = metric_set_new();
    procfs_report rep = {{0}, ""};
    unsigned long long start = 0;
    ck_assert_int_eq(procfs_collect_process_seen(root, 100, 5, &seen, &start, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PID_REUSED], 1);
    ck_assert_uint_eq(total_errors(&rep), 1);
    ck_assert_ptr_nonnull(strstr(rep.first_error, "start time 6, expected 5"));
    ck_assert_uint_eq(start, 5);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    /* the probe's reading still meets the start time the caller expects */
    memset(&rep, 0, sizeof(rep));
    seen.starttime = 7;
    ck_assert_int_eq(procfs_collect_process_seen(root, 100, 5, &seen, &start, s, &rep), 1);
    ck_assert_uint_eq(rep.errors[PROCFS_ERR_PID_REUSED], 1);
    ck_assert_ptr_nonnull(
        strstr(rep.first_error, "/100/stat: pid_reused: start time 7, expected 5"));
    ck_assert_uint_eq(start, 7);
    ck_assert_uint_eq(metric_set_sample_count(s), 0);
    metric_set_free(s);
}
END_TEST

/* Only a stat the process collector would accept stands in for its read:
 * a cut, garbled or foreign line leaves nothing seen, and the collector
 * reads and reports it as before. */
START_TEST(test_probe_reading_bad_stat)
{
    static const char *const bad[] = {
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1",     /* no newline */
        "101 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1 2\n", /* other pid */
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5\n",     /* cut at 22 */
        "100 (java) S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 x5 1 2\n",
        "100 (java S 1 100 100 0 -1 4194560 100 0 0 0 50 20 0 0 20 0 3 0 5 1 2\n",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *root = dir_for("seen-bad");
        char why[256];
        hand_host(root);
        hand_proc(root, 100, 5, SMALL_MAPS, 1);
        put(root, "100/stat", bad[i]);
        procfs_stat_seen seen = {100, 5};
        (void)procfs_probe_es_seen(root, 100, 0, why, sizeof(why), &seen);
        ck_assert_msg(seen.pid == 0, "stat variant %zu seen", i);
        metric_set *s = metric_set_new();
        procfs_report rep = {{0}, ""};
        ck_assert_int_eq(procfs_collect_process_seen(root, 100, 0, &seen, NULL, s, &rep), 1);
        ck_assert_msg(rep.errors[PROCFS_ERR_PARSE] == 1, "stat variant %zu accepted", i);
        ck_assert_uint_eq(metric_set_sample_count(s), 0);
        metric_set_free(s);
    }
    /* nothing to read: nothing seen either */
    const char *root = dir_for("seen-none");
    char why[256];
    hand_host(root);
    procfs_stat_seen seen = {100, 5};
    ck_assert_int_eq(procfs_probe_es_seen(root, 100, 0, why, sizeof(why), &seen),
                     PROCFS_ES_ELSEWHERE);
    ck_assert_int_eq(seen.pid, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("procfs");
    TCase *gen_tc = tcase_create("generated");
    tcase_add_unchecked_fixture(gen_tc, scratch_setup, scratch_teardown);
    tcase_set_timeout(gen_tc, 60);
    tcase_add_test(gen_tc, test_healthy_host);
    tcase_add_test(gen_tc, test_maps_wide_addresses);
    tcase_add_test(gen_tc, test_real_proc_fd_count);
    tcase_add_test(gen_tc, test_fd_dir_linked_to_real_proc);
    tcase_add_test(gen_tc, test_healthy_process);
    tcase_add_test(gen_tc, test_scroll_leak);
    tcase_add_test(gen_tc, test_low_map_count);
    tcase_add_test(gen_tc, test_no_memavailable);
    tcase_add_test(gen_tc, test_garbled_scenario);
    tcase_add_test(gen_tc, test_unlimited_fds_scenario);
    tcase_add_test(gen_tc, test_restart_same_pid);
    suite_add_tcase(s, gen_tc);

    TCase *tc = tcase_create("edge");
    tcase_add_unchecked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_deleted_at_eof_without_newline);
    tcase_add_test(tc, test_empty_maps);
    tcase_add_test(tc, test_stat_comm_with_parens);
    tcase_add_test(tc, test_pid_reused);
    tcase_add_test(tc, test_stat_pid_mismatch_or_truncated);
    tcase_add_test(tc, test_vanished_pid);
    tcase_add_test(tc, test_vanished_midway);
    tcase_add_test(tc, test_garbled_maps);
    tcase_add_test(tc, test_maps_line_ends);
    tcase_add_test(tc, test_maps_nul_bytes);
    tcase_add_test(tc, test_maps_address_values);
    tcase_add_test(tc, test_maps_address_rejects);
    tcase_add_test(tc, test_pid_reused_while_reading);
    tcase_add_test(tc, test_exited_while_reading);
    tcase_add_test(tc, test_maps_overlong_line);
    tcase_add_test(tc, test_huge_maps);
    tcase_add_test(tc, test_limits_variants);
    tcase_add_test(tc, test_status_variants);
    tcase_add_test(tc, test_permission_maps_and_fd);
    tcase_add_test(tc, test_permission_host_file);
    tcase_add_test(tc, test_hand_host);
    tcase_add_test(tc, test_garbled_meminfo_variants);
    tcase_add_test(tc, test_garbled_small_files);
    tcase_add_test(tc, test_host_missing_everything);
    tcase_add_test(tc, test_err_reasons);
    tcase_add_test(tc, test_pidfile);
    tcase_add_test(tc, test_probe_es);
    tcase_add_test(tc, test_self_real_proc);
    tcase_add_test(tc, test_self_garbled);
    tcase_add_test(tc, test_self_kept_same_as_per_poll);
    tcase_add_test(tc, test_self_kept_follows_fds);
    tcase_add_test(tc, test_self_kept_opens_nothing);
    tcase_add_test(tc, test_self_kept_fixture_root);
    tcase_add_test(tc, test_probe_reading_serves_first_identity);
    tcase_add_test(tc, test_probe_reading_then_pid_reused);
    tcase_add_test(tc, test_probe_reading_bad_stat);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
