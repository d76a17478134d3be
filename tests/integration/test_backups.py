#!/usr/bin/env python3
"""test_backups: the backup and lifecycle collectors in the real daemon against
tests/fake_es.py: the reference's families and esvigil's, a failing repository
counted while the others are exported, absent APIs reported as unsupported
(asked again hourly, not every poll), --check with Elasticsearch's reasons,
and a snapshot API slower than the poll that delays neither node stats nor
/metrics."""

import json
import os
import shutil
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests"))
import gen_lifecycle  # noqa: E402

ALL = ["--collector.snapshots", "--collector.slm", "--collector.ilm",
       "--collector.health-report", "--collector.data-stream", "--collector.tasks",
       "--collector.pending-tasks"]
PACED = ("snapshots", "slm", "ilm", "health_report", "data_stream", "tasks", "pending_tasks")


def lifecycle_fixture(dest, base="es-8.9"):
    """base's node answers plus the lifecycle ones, times from the real clock.
    Repositories: nightly fresh, s3-archive stale and FAILED, broken never
    succeeded, empty, gone (404) and flaky (500)."""
    src = harness.fixture_dir(base)
    for name in os.listdir(src):
        shutil.copy(os.path.join(src, name), dest)
    with open(os.path.join(dest, "nodes_local.json")) as f:
        cluster = json.load(f)["cluster_name"]
    gen_lifecycle.generate(dest, now=int(time.time()), cluster=cluster)
    repos_path = os.path.join(dest, "snapshot_repos.json")
    with open(repos_path) as f:
        repos = json.load(f)
    repos["flaky"] = {"type": "s3", "settings": {}}
    with open(repos_path, "w") as f:
        json.dump(repos, f)
    err = {"error": {"type": "repository_exception", "reason": "[flaky] could not read"},
           "status": 500}
    with open(os.path.join(dest, "snapshots_flaky.500.json"), "w") as f:
        json.dump(err, f)
    return dest, cluster


def args(url, extra=(), interval="1s"):
    return ["--es.uri=" + url, "--poll.interval=" + interval, "--es.timeout=3s",
            "--cluster.metrics=always"] + list(extra)


def paced_ok(m, names=PACED):
    return all(m.get("esvigil_collector_success", collector=c) == 1 for c in names)


class Backups(harness.TestCase):

    def start(self, extra=(), fixture=None, fake_extra=(), interval="1s"):
        fixdir, self.cluster = lifecycle_fixture(os.path.join(self.tmp, "fx")) if fixture is None \
            else (fixture, None)
        self.es = self.fake(fixdir, extra=fake_extra)
        return self.esvigil(args(self.es.url, extra, interval), procfs=self.procfs())

    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.tmp, "fx"))

    def test_families(self):
        d = self.start(ALL)
        m = d.wait_metric(paced_ok, 20, "every paced collector succeeded")
        c = self.cluster
        # the reference's, exact labels
        self.assertEqual(m.get("elasticsearch_snapshot_stats_number_of_snapshots",
                               repository="nightly"), 3)
        self.assertEqual(m.get("elasticsearch_snapshot_stats_snapshot_failed_shards",
                               repository="s3-archive", state="FAILED", version="8.9.2"), 12)
        self.assertEqual(m.types["elasticsearch_slm_stats_retention_runs_total"], "counter")
        self.assertEqual(m.get("elasticsearch_slm_stats_operation_mode",
                               operation_mode="RUNNING"), 1)
        self.assertEqual(m.get("elasticsearch_ilm_status", operation_mode="RUNNING"), 1)
        self.assertEqual(m.get("elasticsearch_ilm_index_status", index="logs-app-2024.05.20",
                               phase="warm", action="shrink", step="ERROR"), 1)
        self.assertEqual(m.get("elasticsearch_health_report_status", cluster=c, color="red"), 1)
        self.assertEqual(m.get("elasticsearch_data_stream_backing_indices_total",
                               data_stream="logs-nginx"), 6)
        self.assertEqual(m.get("elasticsearch_task_stats_action",
                               action="indices:data/write/bulk"), 2)
        # esvigil's: the newest SUCCESS, not the newest whatever its state
        now = time.time()
        last = m.get("esvigil_snapshot_last_success_timestamp_seconds", cluster=c,
                     repository="s3-archive")
        self.assertAlmostEqual(now - last, 30 * 3600, delta=120)
        self.assertEqual(m.get("esvigil_snapshot_last_success_age_seconds", cluster=c,
                               repository="broken"), float("inf"))
        self.assertEqual(m.get("esvigil_snapshot_latest_failed", cluster=c,
                               repository="s3-archive", snapshot="archive-3", state="FAILED"), 1)
        self.assertEqual(m.get("esvigil_slm_policy_failing", cluster=c, policy="archive"), 1)
        self.assertEqual(m.get("esvigil_pending_tasks_oldest_seconds", cluster=c), 842)
        self.assertEqual(m.get("esvigil_health_report_indicator", cluster=c, indicator="disk",
                               status="yellow"), 1)
        # one repository missing (404), one failing (500): counted, the others exported
        for repo in ("gone", "flaky"):
            self.assertEqual(m.get("esvigil_snapshot_repository_up", cluster=c, repository=repo),
                             0)
            self.assertGreaterEqual(m.get("esvigil_snapshot_repository_errors_total", cluster=c,
                                          repository=repo), 1)
        self.assertEqual(m.get("esvigil_snapshot_repository_up", cluster=c, repository="nightly"),
                         1)
        self.assertIsNone(m.get("elasticsearch_snapshot_stats_number_of_snapshots",
                                repository="flaky"))
        # the checks see them
        self.assertEqual(m.get("esvigil_check_status", check="snapshot_stale",
                               subject="repository=broken"), 2)
        self.assertEqual(m.get("esvigil_check_status", check="ilm_error",
                               subject="index=logs-app-2024.05.20"), 1)
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertCleanExit(d)

    def test_debian_flags(self):
        d = self.start(["--es.snapshots", "--es.slm", "--es.data_stream"])
        m = d.wait_metric(lambda m: paced_ok(m, ("snapshots", "slm", "data_stream")), 20,
                          "the 1.5.0 flags turn the collectors on")
        self.assertIn("elasticsearch_slm_stats_total_snapshots_taken_total", m)
        self.assertIsNone(m.get("esvigil_collector_success", collector="ilm"))
        self.assertCleanExit(d)

    def test_unsupported_is_not_an_error(self):
        # the plain 8.9 set has no SLM, ILM, health report or data stream files:
        # 404, as an OSS build answers
        d = self.start(["--collector.slm", "--collector.ilm", "--collector.health-report",
                        "--collector.data-stream"], fixture=harness.fixture_dir("es-8.9"))
        names = ("slm", "ilm", "health_report", "data_stream")
        m = d.wait_metric(lambda m: all(m.get("esvigil_collector_unsupported", collector=n) == 1
                                        for n in names), 20, "unsupported collectors")
        time.sleep(3)  # three more polls at 1s
        m = d.metrics()
        for n in names:
            self.assertEqual(m.get("esvigil_collector_success", collector=n), 1, n)
            errs = sum(v for _, _, v in m.find("esvigil_errors_total", collector=n))
            self.assertEqual(errs, 0, n)
        counts = self.es.requests()["counts"]
        # asked once, then left alone (re-asked hourly)
        self.assertEqual(counts.get("/_slm/status"), 1, counts)
        self.assertEqual(counts.get("/_health_report"), 1, counts)
        # ILM missing: ISM tried once each way, then neither again
        self.assertEqual(counts.get("/_ilm/status"), 1, counts)
        self.assertEqual(counts.get("/_plugins/_ism/explain"), 1, counts)
        self.assertNotIn("collector failed", d.log())
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertCleanExit(d)

    def test_opensearch_ism(self):
        fixdir, _ = lifecycle_fixture(os.path.join(self.tmp, "fx"), base="opensearch-2.11")
        for name in ("ilm_status.json", "ilm_explain.json"):
            os.remove(os.path.join(fixdir, name))
        d = self.start(["--collector.ilm"], fixture=fixdir)
        m = d.wait_metric(lambda m: m.get("esvigil_ism_failed_indices") is not None, 20,
                          "ISM explained")
        self.assertEqual(m.get("esvigil_ism_index_failed", index="logs-os-1",
                               action="rollover"), 1)
        self.assertIsNone(m.get("esvigil_collector_unsupported", collector="ilm"))
        self.assertNotIn("elasticsearch_ilm_status", m)
        self.assertCleanExit(d)

    def test_check_report(self):
        fixdir, cluster = lifecycle_fixture(os.path.join(self.tmp, "fx"))
        es = self.fake(fixdir)
        rc, out, err = harness.run_esvigil(args(es.url, ALL) + ["--check",
                                                                "--path.procfs=" + self.procfs()],
                                           timeout=20)
        self.assertEqual(rc, 2, out + err)
        for line in (
                "\nCRITICAL snapshot_stale %s repository=broken: +Inf > 50.0h - " % cluster,
                "\nWARNING snapshot_stale %s repository=s3-archive: 30.0h > 26.0h - " % cluster,
                "\nWARNING snapshot_failed %s repository=s3-archive: 1 > 0 - " % cluster,
                "\n  es: snapshot=archive-3 state=FAILED\n",
                "\nWARNING slm_failing %s policy=archive: 1 > 0 - " % cluster,
                "[s3-archive] access denied",
                "\nWARNING ilm_error %s index=logs-app-2024.05.20: 1 > 0 - " % cluster,
                "\n  es: policy=logs step=shrink reason=index [logs-app-2024.05.20] cannot be "
                "shrunk: 3 primary shards on 2 nodes\n",
                "\nCRITICAL pending_tasks %s: 14.0m > 10.0m - " % cluster,
                "\nCRITICAL health_report %s indicator=shards_availability: 2 > 1 - " % cluster,
                "\n  es: status=red symptom=This cluster has 1 unavailable primary shard"):
            self.assertIn(line, out)
        self.assertNotIn("repository=nightly", out)

    def test_slow_snapshots_delay_nothing(self):
        # _snapshot answers after DELAY s (one repository: two requests), the poll runs
        # every 1 s; valgrind slows the daemon, so every wait scales with it
        delay, window = 6 * harness.SCALE, 4 * harness.SCALE
        fixdir, _ = lifecycle_fixture(os.path.join(self.tmp, "fx"))
        with open(os.path.join(fixdir, "snapshot_repos.json"), "w") as f:
            json.dump({"nightly": {"type": "fs", "settings": {}}}, f)
        self.es = self.fake(fixdir)
        self.es.set_mode("healthy %g" % delay)  # the delay a "slow" fault waits
        self.es.set_fault("/_snapshot", "slow")
        d = self.esvigil(args(self.es.url, ["--collector.snapshots",
                                            "--es.timeout=%ds" % (delay + 10)]),
                         procfs=self.procfs())
        m0 = d.wait_metric(lambda m: m.get("esvigil_polls_total") is not None, 10 * harness.SCALE,
                           "first poll")
        t0, polls0 = time.monotonic(), m0.get("esvigil_polls_total")
        worst = 0.0
        while time.monotonic() - t0 < window:
            s = time.monotonic()
            m = d.metrics()
            worst = max(worst, time.monotonic() - s)
            time.sleep(0.2)
        sys.stdout.write("\n== _snapshot %.0fs slow: %d polls in %.0fs, slowest /metrics %.1f ms\n"
                         % (delay, m.get("esvigil_polls_total") - polls0, window, worst * 1000))
        self.assertLess(worst, 0.5 * harness.SCALE, "a /metrics scrape waited on the snapshot API")
        self.assertGreaterEqual(m.get("esvigil_polls_total") - polls0, 3,
                                "node-stats polls stalled behind the snapshot API")
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        self.assertIsNone(m.get("esvigil_collector_success", collector="snapshots"))
        # and the listing lands once ES answers
        m = d.wait_metric(lambda m: m.get("esvigil_collector_success", collector="snapshots")
                          == 1, 2 * delay + 20 * harness.SCALE, "snapshots collected")
        self.assertEqual(m.get("elasticsearch_snapshot_stats_number_of_snapshots",
                               repository="nightly"), 3)
        self.assertCleanExit(d, timeout=15)

if __name__ == "__main__":
    harness.main(timeout=240)
