#!/usr/bin/env python3
"""test_indices: the index-level collectors (--es.indices, --es.indices_settings,
--es.indices_mappings, --es.shards, --es.aliases) in the real daemon: include/exclude and
the es.indices.max budget, their own pace off the node-stats poll (a slow or failing index
API never delays node stats or /metrics, the last good values stay), a refused
_all/_settings failing that collector only, hostile index names, and the cluster-level
gate. Values against the reference exporter are in test_compat.py."""

import json
import os
import re
import shutil
import signal
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests"))
import gen_index_fixtures  # noqa: E402

try:
    import test_promtool
except ImportError:  # pragma: no cover
    test_promtool = None

INDEX_ARGS = ["--es.indices", "--es.indices_settings", "--es.indices_mappings",
              "--cluster.metrics=always", "--poll.interval=1s", "--es.indices.interval=1s",
              "--es.indices_settings.interval=1s", "--es.indices_mappings.interval=1s"]


ALL_COLLECTORS = ("indices", "indices_aliases", "index_health", "indices_settings",
                  "indices_mappings")


def index_names(m, family="elasticsearch_indices_docs_total"):
    return {labels["index"] for name, labels, _ in m.samples if name == family}


def copy_fixture(dest, version="es-7.17"):
    shutil.copytree(os.path.join(harness.FIXTURES, version), dest)
    return dest


def write_index_set(d, rows, read_only=()):
    docs = {"indices_stats.json": gen_index_fixtures.stats_doc(rows, (7, 17)),
            "aliases.json": gen_index_fixtures.alias_doc(rows),
            "indices_settings.json": gen_index_fixtures.settings_doc(rows, read_only),
            "indices_mappings.json": gen_index_fixtures.mappings_doc(rows)}
    with open(os.path.join(d, "cluster_health.json")) as f:
        health = json.load(f)
    health["indices"] = gen_index_fixtures.health_indices(rows)
    docs["cluster_health_indices.json"] = health
    for name, doc in docs.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)


def fault(es, prefix, mode):
    """fake_es answers paths under prefix with mode ("healthy" clears it)."""
    status, _, body = harness.http_request("POST", es.url + "/_fake/fault",
                                           body=("%s %s" % (prefix, mode)).encode())
    assert status == 200, body


def last_success(m, collector):
    return m.get("esvigil_collector_last_success_timestamp_seconds", collector=collector)


class Indices(harness.TestCase):

    def start(self, fixdir, extra=()):
        es = self.fake(fixdir)
        timeout = "--es.timeout=%ds" % (10 * harness.SCALE)
        d = self.esvigil(["--es.uri=" + es.url, timeout] + INDEX_ARGS + list(extra),
                         procfs=self.procfs())
        return es, d

    def wait_indices(self, d, collector=None, timeout=20):
        """Until the collector (default: every one INDEX_ARGS turns on) has delivered."""
        wanted = [collector] if collector else ALL_COLLECTORS
        return d.wait_metric(lambda m: all(last_success(m, c) for c in wanted), timeout,
                             "collectors %s delivered" % " ".join(wanted))

    def test_filters_and_budget(self):
        """include/exclude pick whole names; max keeps the largest by primary store."""
        fixdir = harness.fixture_dir("es-7.17")
        with open(os.path.join(fixdir, "indices_stats.json")) as f:
            stats = json.load(f)["indices"]
        include, exclude = r"(logs|orders).*", r".*05\.21"
        matched = [n for n in stats if re.fullmatch(include, n) and not re.fullmatch(exclude, n)]
        self.assertGreaterEqual(len(matched), 2)
        ranked = sorted(matched, key=lambda n: (-stats[n]["primaries"]["store"]["size_in_bytes"], n))
        es, d = self.start(fixdir, ["--es.indices.include=" + include,
                                    "--es.indices.exclude=" + exclude, "--es.indices.max=1"])
        m = self.wait_indices(d)
        self.assertEqual(index_names(m), {ranked[0]})
        self.assertEqual(m.get("esvigil_indices_dropped", cluster="shop-prod"), len(matched) - 1)
        # "logs" alone would match no whole name: the pattern is anchored.
        self.assertTrue(all(re.fullmatch(include, n) for n in
                            index_names(m, "elasticsearch_indices_settings_replicas")))
        self.assertCleanExit(d)

    def test_no_filter_exports_every_index(self):
        fixdir = harness.fixture_dir("es-7.17")
        with open(os.path.join(fixdir, "indices_stats.json")) as f:
            names = set(json.load(f)["indices"])
        es, d = self.start(fixdir)
        m = self.wait_indices(d)
        self.assertEqual(index_names(m), names)
        self.assertEqual(m.get("esvigil_indices_dropped", cluster="shop-prod"), 0)
        self.assertEqual(index_names(m, "elasticsearch_indices_mappings_stats_fields"), names)
        self.assertEqual(index_names(m, "elasticsearch_index_health_unassigned_shards"), names)
        self.assertCleanExit(d)

    def test_bad_regex_is_a_config_error(self):
        for key in ("es.indices.include", "es.indices.exclude"):
            rc, out, err = harness.run_esvigil(["--%s=(unclosed" % key])
            self.assertEqual(rc, 2, err)
            self.assertIn("--" + key, err)
            self.assertIn("regex", err)
            conf = self.config("es:\n  %s: \"a[\"\n" % key.split(".", 1)[1])
            rc, _, err = harness.run_esvigil(["--config.file=" + conf])
            self.assertEqual(rc, 2, err)
            self.assertRegex(err, r"esvigil\.yml:2: %s:" % re.escape(key))

    def test_slow_index_api_never_delays_node_stats(self):
        """/_all/_stats taking 4 s: node polls keep their 1 s pace and /metrics answers at
        once; the index families arrive when the slow answer does."""
        es, d = self.start(harness.fixture_dir("es-7.17"))
        delay = 4 * harness.SCALE  # valgrind slows everything: the window grows with it
        harness.http_request("POST", es.url + "/_fake/mode", body=("healthy %g" % delay).encode())
        fault(es, "/_all/_stats", "slow")
        m0 = d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= 1, 15, "first poll")
        t0, p0 = time.monotonic(), m0.get("esvigil_polls_total")
        slowest = 0.0
        while time.monotonic() - t0 < delay - 0.5 * harness.SCALE:
            s = time.monotonic()
            m = d.metrics()
            slowest = max(slowest, time.monotonic() - s)
            time.sleep(0.2)
        self.assertLess(slowest, 1.0 * harness.SCALE, "a /metrics scrape waited on the index API")
        self.assertGreaterEqual(m.get("esvigil_polls_total") - p0, 2, "node polls were held up")
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertIsNone(last_success(m, "indices"))
        m = self.wait_indices(d, "indices", timeout=20)
        self.assertTrue(index_names(m))
        self.assertCleanExit(d)

    def test_failed_run_keeps_last_good_values(self):
        es, d = self.start(harness.fixture_dir("es-7.17"))
        m = self.wait_indices(d)
        names = index_names(m)
        self.assertTrue(names)
        fault(es, "/_all/_stats", "500")

        def failures(m):
            return m.get("esvigil_errors_total", collector="indices", reason="http_status") or 0
        m = d.wait_metric(lambda m: failures(m) >= 1, 15, "a failed run")
        good, n = last_success(m, "indices"), failures(m)
        m = d.wait_metric(lambda m: failures(m) > n, 15, "another failed run")
        self.assertEqual(index_names(m), names, "last good index values dropped")
        self.assertEqual(last_success(m, "indices"), good)
        self.assertEqual(m.get("esvigil_collector_success", collector="indices"), 0)
        self.assertEqual(m.get("esvigil_up"), 1, "an index collector failure took esvigil_up down")
        fault(es, "/_all/_stats", "healthy")
        m = d.wait_metric(lambda m: (last_success(m, "indices") or 0) > good, 15, "recovery")
        self.assertCleanExit(d)

    def test_settings_refused_fails_that_collector_only(self):
        for mode, reason in (("403", "forbidden"), ("500", "http_status")):
            with self.subTest(mode=mode):
                fixdir = copy_fixture(os.path.join(self.tmp, "fx-" + mode))
                es, d = self.start(fixdir)
                fault(es, "/_all/_settings", mode)
                m = d.wait_metric(lambda m: (m.get("esvigil_errors_total",
                                                   collector="indices_settings",
                                                   reason=reason) or 0) >= 1, 15, "refused")
                m = self.wait_indices(d, "indices")
                m = self.wait_indices(d, "indices_mappings")
                self.assertEqual(m.get("esvigil_up"), 1)
                self.assertFalse(index_names(m, "elasticsearch_indices_settings_replicas"))
                self.assertIsNone(m.get("elasticsearch_indices_settings_stats_read_only_indices"))
                self.assertTrue(index_names(m))
                self.assertCleanExit(d)
                es.stop()

    def test_missing_mappings_endpoint_fails_that_collector_only(self):
        fixdir = copy_fixture(os.path.join(self.tmp, "fx"))
        os.unlink(os.path.join(fixdir, "indices_mappings.json"))  # fake_es answers 404
        es, d = self.start(fixdir)
        m = d.wait_metric(lambda m: (m.get("esvigil_errors_total", collector="indices_mappings",
                                           reason="http_status") or 0) >= 1, 15, "404 counted")
        m = self.wait_indices(d, "indices_settings")
        m = self.wait_indices(d, "indices")
        self.assertTrue(index_names(m))
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertCleanExit(d)

    def test_hostile_index_names_keep_the_exposition_valid(self):
        names = ['quo"te', "back\\slash", "new\nline", "tab\there", "utf8-é-日本",
                 "bad-XFF-utf8", "{brace}=\",x"]
        rows = []
        for i, n in enumerate(names):
            rows.append({"index": n, "shard": "0", "prirep": "p", "state": "STARTED",
                         "docs": str(10 + i), "store": str(1000 + i), "node": "es-data-1",
                         "unassigned.reason": None})
        fixdir = copy_fixture(os.path.join(self.tmp, "fx"))
        write_index_set(fixdir, rows, read_only=[names[0], names[5]])
        # A raw invalid UTF-8 byte, as a broken proxy or an old node might send.
        for f in ("indices_stats.json", "indices_settings.json"):
            path = os.path.join(fixdir, f)
            with open(path, "rb") as fh:
                body = fh.read()
            with open(path, "wb") as fh:
                fh.write(body.replace(b"XFF", b"\xff"))
        es, d = self.start(fixdir)
        m = self.wait_indices(d, "indices")
        m = self.wait_indices(d, "indices_settings")
        got = index_names(m)
        self.assertIn('quo"te', got)
        self.assertIn("new\nline", got)
        self.assertIn("back\\slash", got)
        self.assertEqual(len(got), len(names))
        self.assertEqual(m.get("elasticsearch_indices_settings_stats_read_only_indices"), 2)
        if test_promtool and test_promtool.PROMTOOL:
            _, problems = test_promtool.promtool_findings(m.text)
            self.assertEqual(problems, [], "promtool rejects the exposition")
        self.assertCleanExit(d)

    def red_read_only_fixture(self):
        """es-7.17 with logs-app-2024.05.20 read-only (flood stage) and customers red."""
        fixdir = copy_fixture(os.path.join(self.tmp, "fx-checks"))
        with open(os.path.join(fixdir, "cat_shards.json")) as f:
            rows = json.load(f)
        for row in rows:
            if row["index"] == "customers" and row["shard"] == "0":
                row.update(state="UNASSIGNED", node=None)
        write_index_set(fixdir, rows, read_only=["logs-app-2024.05.20"])
        return fixdir

    def test_checks_name_the_read_only_and_red_indices(self):
        fixdir = self.red_read_only_fixture()
        es, d = self.start(fixdir)
        m = self.wait_indices(d)
        self.assertEqual(m.get("elasticsearch_indices_settings_stats_read_only_indices"), 1)
        self.assertEqual(m.get("esvigil_index_blocked", index="logs-app-2024.05.20",
                               block="read_only_allow_delete"), 1)
        self.assertEqual(m.get("elasticsearch_index_health_status", index="customers",
                               color="red"), 1)
        self.assertEqual(m.get("esvigil_check_status", check="read_only_indices",
                               subject="index=logs-app-2024.05.20"), 2)
        self.assertEqual(m.get("esvigil_check_status", check="index_red",
                               subject="index=customers"), 2)
        self.assertEqual(m.get("esvigil_check_status", check="index_red",
                               subject="index=products"), 0)
        self.assertCleanExit(d)
        # --check runs the index collectors once before its report.
        rc, out, err = harness.run_esvigil(["--check", "--es.uri=" + es.url,
                                            "--es.indices", "--es.indices_settings",
                                            "--cluster.metrics=always",
                                            "--path.procfs=" + self.procfs()], timeout=30)
        self.assertEqual(rc, 2, out + err)
        self.assertRegex(out, r"read_only_indices.*index=logs-app-2024\.05\.20")
        self.assertRegex(out, r"index_red.*index=customers")
        self.assertIn("read_only_allow_delete", out)

    def test_healthy_indices_pass_the_checks(self):
        es, d = self.start(harness.fixture_dir("es-7.17"))
        m = self.wait_indices(d)
        statuses = [v for name, labels, v in m.samples if name == "esvigil_check_status"
                    and labels["check"] in ("index_red", "read_only_indices")]
        self.assertTrue(statuses)
        self.assertEqual(set(statuses), {0})
        self.assertCleanExit(d)

    def test_reload_restarts_the_collectors_on_the_new_config(self):
        """SIGHUP with another include: the index collectors follow the new config."""
        es = self.fake(harness.fixture_dir("es-7.17"))

        def conf(include):
            return ("es:\n  uri: %s\n  indices: true\n  indices.interval: 1s\n"
                    "  indices.include: \"%s\"\ncluster:\n  metrics: always\n"
                    "poll:\n  interval: 1s\n" % (es.url, include))
        d = self.esvigil(config_text=conf("orders.*"), procfs=self.procfs())
        m = d.wait_metric(lambda m: index_names(m) == {"orders-2024"}, 20, "orders only")
        self.config(conf("customers"))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"reloaded", 10, "after SIGHUP", start=mark)
        m = d.wait_metric(lambda m: index_names(m) == {"customers"}, 20, "customers only")
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertCleanExit(d)

    def test_only_the_reporter_polls_indices(self):
        es = self.fake(harness.fixture_dir("es-7.17"))
        d = self.esvigil(["--es.uri=" + es.url] + INDEX_ARGS + ["--cluster.metrics=never"],
                         procfs=self.procfs())
        m = d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= 3, 15, "3 polls")
        self.assertFalse(index_names(m))
        asked = es.requests()["counts"]
        self.assertFalse([p for p in asked if p.startswith(("/_all", "/_alias"))], asked)
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main(timeout=240)
