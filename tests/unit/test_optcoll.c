/* test_optcoll: the optional collectors' table and their rows in the pacer:
 * names, default paces ("every poll" follows poll.interval), the flags that
 * enable them, per-row state, and a run against a closed port. */
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "optcoll.h"
#include "pacer.h"
#include "unit.h"

static int row_of(const char *name)
{
    for (size_t i = 0; i < pacer_collector_count(); i++)
        if (strcmp(pacer_collector_row(i)->name, name) == 0)
            return (int)i;
    return -1;
}

static const struct {
    const char *name;
    double interval; /* seconds; 0: every poll */
} table[] = {
    {"snapshots", 300},  {"slm", 60},  {"ilm", 60},          {"health_report", 60},
    {"data_stream", 60}, {"tasks", 0}, {"pending_tasks", 0},
};

START_TEST(names_and_paces)
{
    ck_assert_int_eq(OPTCOLL_COUNT, sizeof(table) / sizeof(table[0]));
    int id = optcoll_find(table[_i].name);
    ck_assert_int_eq(id, (int)_i);
    ck_assert_str_eq(optcoll_name(id), table[_i].name);
    ck_assert_double_eq(optcoll_default_interval(id), table[_i].interval);
    /* every one is a pacer row of the same name, with state */
    int r = row_of(table[_i].name);
    ck_assert_int_ge(r, 0);
    ck_assert_ptr_nonnull(pacer_collector_row(r)->state_new);
    ck_assert_ptr_null(optcoll_name(OPTCOLL_COUNT));
    ck_assert_int_eq(optcoll_find("nope"), -1);
}
END_TEST

/* The config's default intervals match the table; 0s means poll.interval. */
START_TEST(pacer_intervals)
{
    config *c = config_new();
    c->collector_snapshots = c->collector_tasks = 1;
    c->poll_interval_ms = 7000;
    pacer *p = pacer_new(c);
    ck_assert_ptr_nonnull(p);
    ck_assert(pacer_any_enabled(p));
    metric_set *out = metric_set_new();
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    int snap = row_of("snapshots"), tasks = row_of("tasks");
    pacer_store(p, (size_t)snap, metric_set_new(), ESCLIENT_OK, 0.1, 100, 1e9);
    ck_assert_double_eq(pacer_wait(p, 100, 1000), 0); /* tasks never ran */
    pacer_store(p, (size_t)tasks, metric_set_new(), ESCLIENT_OK, 0.1, 100, 1e9);
    ck_assert_double_eq(pacer_wait(p, 100, 1000), 7); /* tasks: every poll.interval */
    pacer_store(p, (size_t)tasks, metric_set_new(), ESCLIENT_OK, 0.1, 400, 1e9);
    ck_assert_double_eq(pacer_wait(p, 100, 1000), 300); /* snapshots: 5m */
    /* disabled rows export nothing */
    metric_set_free(out);
    out = metric_set_new();
    ck_assert_int_eq(pacer_report(p, 1, "c1", out), 0);
    const char *slm[] = {"collector", "slm", NULL};
    double v;
    ck_assert_int_eq(metric_set_lookup(out, "esvigil_collector_success", slm, &v), 0);
    const char *sn[] = {"collector", "snapshots", NULL};
    ck_assert_int_eq(metric_set_lookup(out, "esvigil_collector_success", sn, &v), 1);
    metric_set_free(out);
    pacer_free(p);
    config_free(c);
}
END_TEST

START_TEST(enabled_by_flags)
{
    static const char *const flags[] = {"--collector.snapshots",    "--collector.slm",
                                        "--collector.ilm",          "--collector.health-report",
                                        "--collector.data-stream",  "--collector.tasks",
                                        "--collector.pending-tasks"};
    config *c = config_new();
    pacer *p = pacer_new(c);
    ck_assert(!pacer_any_enabled(p)); /* all off by default */
    pacer_free(p);
    char *argv[] = {"esvigil", (char *)flags[_i]};
    char err[256];
    ck_assert_int_eq(config_apply_flags(c, 2, argv, NULL, err, sizeof(err)), 0);
    int r = row_of(table[_i].name);
    ck_assert(pacer_collector_row(r)->enabled(c));
    for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
        if ((int)k != _i)
            ck_assert(!pacer_collector_row(row_of(table[k].name))->enabled(c));
    config_free(c);
}
END_TEST

/* A refused connection is a failure with its reason and leaves out empty. */
START_TEST(run_refused)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd); /* nothing listens there now */
    char url[64], err[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    esclient_opts eo = {.base_url = url, .timeout_ms = 2000};
    esclient *es = esclient_new(&eo, err, sizeof(err));
    ck_assert_ptr_nonnull(es);
    optcoll *s = optcoll_new();
    metric_set *out = metric_set_new();
    optcoll_result res;
    ck_assert_int_eq(optcoll_run(s, (optcoll_id)_i, es, "c1", 1e9, out, &res),
                     ESCLIENT_ERR_REFUSED);
    ck_assert_int_eq(res.err, ESCLIENT_ERR_REFUSED);
    ck_assert_int_eq(res.unsupported, 0);
    ck_assert_msg(strncmp(res.error, table[_i].name, strlen(table[_i].name) - 1) == 0 ||
                      strstr(res.error, "GET") != NULL,
                  "%s", res.error);
    ck_assert_uint_eq(metric_set_family_count(out), 0);
    metric_set_free(out);
    optcoll_free(s);
    esclient_free(es);
}
END_TEST

START_TEST(defs_unique)
{
    size_t n = optcoll_def_count();
    ck_assert_uint_gt(n, 60);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(optcoll_def(i)->name, optcoll_def(j)->name);
    ck_assert_ptr_null(optcoll_def(n));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("optcoll");
    TCase *tc = tcase_create("core");
    size_t n = sizeof(table) / sizeof(table[0]);
    tcase_add_loop_test(tc, names_and_paces, 0, n);
    tcase_add_test(tc, pacer_intervals);
    tcase_add_loop_test(tc, enabled_by_flags, 0, n);
    tcase_add_loop_test(tc, run_refused, 0, n);
    tcase_add_test(tc, defs_unique);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(suite)
