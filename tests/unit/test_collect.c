/* test_collect: one poll without Elasticsearch over generated procfs trees:
 * host and process families, self metrics, error counters with reasons,
 * pid reuse, the derived host ratios and their checks. ES answers are
 * covered by the integration tests against tests/fake_es.py. */
#include "unit.h"

#include <ftw.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect.h"
#include "utf8.h"

static char scratch[256];

static void setup(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/esvigil-collect-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes a tree with tests/gen_procfs.py; returns its path. */
static const char *tree(const char *scenario, const char *starttime)
{
    static char dir[512];
    char script[4200];
    snprintf(dir, sizeof(dir), "%s/%s", scratch, scenario);
    snprintf(script, sizeof(script), "%s", unit_src("tests/gen_procfs.py"));
    pid_t child = fork();
    if (child == 0) {
        if (starttime)
            execlp("python3", "python3", script, dir, "--scenario", scenario, "--starttime",
                   starttime, (char *)NULL);
        else
            execlp("python3", "python3", script, dir, "--scenario", scenario, (char *)NULL);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gen_procfs.py failed");
    return dir;
}

static double get(const metric_set *s, const char *name, const char *const *pairs)
{
    double v = -12345;
    ck_assert_msg(metric_set_lookup(s, name, pairs, &v), "%s missing", name);
    return v;
}

static int has(const metric_set *s, const char *name)
{
    return metric_set_find(s, name) != NULL;
}

static metric_set *poll_once(collect *c, const collect_opts *o, collect_result *res)
{
    metric_set *s = metric_set_new();
    ck_assert_int_eq(collect_run(c, NULL, o, s, res), 0);
    return s;
}

START_TEST(test_host_and_process_without_es)
{
    collect *c = collect_new();
    collect_opts o = {.procfs_root = tree("healthy", NULL), .es_pid = 4242, .version = "9.9"};
    collect_result res;
    metric_set *s = poll_once(c, &o, &res);
    ck_assert_int_eq(res.es_up, 0);
    ck_assert_str_eq(res.host_error, "");
    ck_assert_double_eq(get(s, "esvigil_up", NULL), 0);
    ck_assert_double_eq(get(s, "esvigil_host_memory_total_bytes", NULL), 68719476736.0);
    ck_assert_double_eq(get(s, "esvigil_host_es_process_maps", NULL), 2000);
    ck_assert_double_eq(get(s, "esvigil_host_es_process_open_fds", NULL), 600);
    const char *ver[] = {"version", "9.9", NULL};
    ck_assert_double_eq(get(s, "esvigil_build_info", ver), 1);
    ck_assert_double_eq(get(s, "esvigil_polls_total", NULL), 1);
    ck_assert(!has(s, "esvigil_last_success_timestamp_seconds")); /* never succeeded */
    const char *host_ok[] = {"collector", "host", NULL};
    ck_assert_double_eq(get(s, "esvigil_collector_success", host_ok), 1);
    const char *perm[] = {"collector", "process", "reason", "permission", NULL};
    ck_assert_double_eq(get(s, "esvigil_errors_total", perm), 0);
    /* exported before any repair, so rate() works from the first one */
    ck_assert(has(s, "esvigil_invalid_utf8_total"));
    ck_assert_double_eq(get(s, "esvigil_invalid_utf8_total", NULL), (double)utf8_repaired_total());
    /* derived host ratios and their checks come with every poll */
    double used = get(s, "esvigil_host_memory_used_ratio", NULL);
    ck_assert(used > 0.3 && used < 0.5);
    ck_assert_double_eq(get(s, "esvigil_host_map_count_ratio", NULL), 2000.0 / 262144);
    const char *chk[] = {"check", "host_memory", NULL};
    ck_assert_double_eq(get(s, "esvigil_check_status", chk), 0);
    /* esvigil's own process, from the real /proc */
    ck_assert(get(s, "process_resident_memory_bytes", NULL) > 0);
    /* no ES: no elasticsearch_* family at all */
    for (size_t i = 0; i < metric_set_family_count(s); i++)
        ck_assert_msg(strncmp(metric_family_name(metric_set_family(s, i)), "elasticsearch_", 14),
                      "%s", metric_family_name(metric_set_family(s, i)));
    collect_result_free(&res);
    metric_set_free(s);
    collect_free(c);
}
END_TEST

/* Seed 000 on the host side: the deleted mappings make the host ratios bad. */
START_TEST(test_scroll_leak_host_checks)
{
    collect *c = collect_new();
    collect_opts o = {.procfs_root = tree("scroll-leak", NULL), .es_pid = 4242};
    collect_result res;
    metric_set *s = poll_once(c, &o, &res);
    ck_assert_double_eq(get(s, "esvigil_host_es_process_deleted_mapped_bytes", NULL), 1310720000.0);
    ck_assert(get(s, "esvigil_host_deleted_mapped_ratio", NULL) > 0.1);
    ck_assert(res.checks.nfindings > 0);
    int host_memory = 0;
    for (size_t i = 0; i < res.checks.nfindings; i++)
        host_memory |= strcmp(checks_name(res.checks.findings[i].check), "host_memory") == 0;
    ck_assert(host_memory);
    collect_result_free(&res);
    metric_set_free(s);
    collect_free(c);
}
END_TEST

/* A missing pid: process families absent, counted as missing, host intact. */
START_TEST(test_missing_process_counted)
{
    collect *c = collect_new();
    collect_opts o = {.procfs_root = tree("healthy", NULL), .es_pid = 999999};
    collect_result res;
    metric_set *s = poll_once(c, &o, &res);
    ck_assert(!has(s, "esvigil_host_es_process_maps"));
    ck_assert(has(s, "esvigil_host_memory_total_bytes"));
    const char *missing[] = {"collector", "process", "reason", "missing", NULL};
    ck_assert_double_eq(get(s, "esvigil_errors_total", missing), 1);
    const char *proc[] = {"collector", "process", NULL};
    ck_assert_double_eq(get(s, "esvigil_collector_success", proc), 0);
    ck_assert_str_ne(res.host_error, "");
    collect_result_free(&res);
    metric_set_free(s);
    metric_set *s2 = poll_once(c, &o, &res); /* counters accumulate across polls */
    ck_assert_double_eq(get(s2, "esvigil_errors_total", missing), 2);
    ck_assert_double_eq(get(s2, "esvigil_polls_total", NULL), 2);
    collect_result_free(&res);
    metric_set_free(s2);
    collect_free(c);
}
END_TEST

/* The pid now belongs to a process started later: nothing exported once,
 * counted as pid_reused, then the new process is followed. */
START_TEST(test_pid_reuse_then_adopt)
{
    collect *c = collect_new();
    collect_opts o = {.procfs_root = tree("healthy", "1000"), .es_pid = 4242};
    collect_result res;
    metric_set *s = poll_once(c, &o, &res);
    ck_assert(has(s, "esvigil_host_es_process_maps"));
    collect_result_free(&res);
    metric_set_free(s);

    tree("healthy", "2000"); /* same dir, same pid, new start time */
    s = poll_once(c, &o, &res);
    ck_assert(!has(s, "esvigil_host_es_process_maps"));
    const char *reused[] = {"collector", "process", "reason", "pid_reused", NULL};
    ck_assert_double_eq(get(s, "esvigil_errors_total", reused), 1);
    collect_result_free(&res);
    metric_set_free(s);

    s = poll_once(c, &o, &res);
    ck_assert(has(s, "esvigil_host_es_process_maps"));
    ck_assert_double_eq(get(s, "esvigil_errors_total", reused), 1);
    collect_result_free(&res);
    metric_set_free(s);
    collect_free(c);
}
END_TEST

/* A garbled meminfo: no memory samples, no memory ratio, a parse error;
 * the other host files still export. */
START_TEST(test_garbled_host)
{
    collect *c = collect_new();
    collect_opts o = {.procfs_root = tree("garbled", NULL)};
    collect_result res;
    metric_set *s = poll_once(c, &o, &res);
    ck_assert(!has(s, "esvigil_host_memory_total_bytes"));
    ck_assert(!has(s, "esvigil_host_memory_used_ratio"));
    ck_assert(has(s, "esvigil_host_load1"));
    const char *parse[] = {"collector", "host", "reason", "parse", NULL};
    ck_assert(get(s, "esvigil_errors_total", parse) >= 1);
    collect_result_free(&res);
    metric_set_free(s);
    collect_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("collect");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_host_and_process_without_es);
    tcase_add_test(tc, test_scroll_leak_host_checks);
    tcase_add_test(tc, test_missing_process_counted);
    tcase_add_test(tc, test_pid_reuse_then_adopt);
    tcase_add_test(tc, test_garbled_host);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
