#!/usr/bin/env python3
"""test_concurrent: poll.concurrency, the table collectors of one poll run side by side on
their own connections. The exposition is the same as one after the other on every
fixture; the requests really overlap; a failing or hung collector costs only its own
families; the poll deadline still caps the whole poll; shutdown does not wait for a
request in flight on a second connection; a reload moves every connection to the new
node."""

import os
import re
import signal
import subprocess
import sys

import harness

# Families whose values are measured, not read: they differ between any two polls.
VOLATILE = re.compile(r"^(# (HELP|TYPE) )?(esvigil_collector_duration_seconds|"
                      r"esvigil_poll_duration_seconds|esvigil_last_success_timestamp_seconds|"
                      r"esvigil_render_duration_seconds|process_[a-z_]+)[ {]")
DONE_RE = r"poll (\d+) done in ([0-9.]+)s"
FIXTURES = ("es-5.6", "es-7.17", "es-8.9", "opensearch-2.11")


def stable(text):
    return [line for line in text.splitlines() if not VOLATILE.match(line)]


class Concurrent(harness.TestCase):

    def daemon(self, es, concurrency, extra=(), procfs=None, config_text=None):
        args = ["--es.uri=" + es.url, "--poll.interval=1h", "--es.timeout=5s",
                "--poll.concurrency=%d" % concurrency] + list(extra)
        return self.esvigil(args, procfs=procfs or self.procfs(), config_text=config_text)

    def first_poll(self, d):
        return d.wait_metric(lambda m: m.get("esvigil_polls_total") == 1, timeout=30,
                             msg="the first poll")

    def compare(self, fixture, extra):
        es = self.fake(fixture)
        procfs = self.procfs()  # one tree: a second one would be written under the first daemon
        serial, both = self.daemon(es, 1, extra, procfs), self.daemon(es, 2, extra, procfs)
        a, b = self.first_poll(serial), self.first_poll(both)
        self.assertGreater(len(a.samples), 100)
        self.assertEqual(stable(a.text), stable(b.text), "%s %s" % (fixture, extra))
        self.assertCleanExit(serial)
        self.assertCleanExit(both)

    def test_same_exposition_on_every_fixture(self):
        for version in FIXTURES:
            fixture = harness.fixture_dir(version)
            with self.subTest(version=version):
                self.compare(fixture, ["--es.all", "--cluster.metrics=always"])
        self.compare(harness.fixture_dir("es-7.17"), [])

    def test_same_exposition_on_a_generated_cluster(self):
        """Duplicate node names, many shards: what the heavy collectors parse."""
        out = os.path.join(self.tmp, "cluster")
        gen = os.path.join(harness.SRCDIR, "bench", "gen_big.py")
        subprocess.run([sys.executable, gen, "--out", out, "--nodes", "40", "--shards", "4000"],
                       check=True, capture_output=True, timeout=60)
        self.compare(out, ["--es.all", "--cluster.metrics=always"])

    def test_requests_overlap(self):
        """Two slow endpoints: with 2 they are asked at once, with 1 one after the other."""
        faults = ["--delay", "1", "--fault", "/_cluster/health=slow",
                  "--fault", "/_cluster/settings=slow"]
        for concurrency, want in ((2, 2), (1, 1)):
            es = self.fake(extra=faults)
            d = self.daemon(es, concurrency, ["--cluster.metrics=always"])
            m = self.first_poll(d)
            self.assertEqual(m.get("esvigil_collector_success", collector="cluster_health"), 1)
            self.assertEqual(es.requests()["max_in_flight"], want, "concurrency %d" % concurrency)
            self.assertCleanExit(d)

    def test_failing_collectors_cost_only_their_families(self):
        es = self.fake(extra=["--fault", "/_cat/shards=500", "--fault",
                              "/_cluster/settings=garbage"])
        healthy = self.fake()
        extra = ["--cluster.metrics=always"]
        m = self.first_poll(self.daemon(es, 2, extra))
        ref = self.first_poll(self.daemon(healthy, 2, extra))
        self.assertEqual(m.get("esvigil_up"), 1)
        for name, ok, reason in (("nodes_stats", 1, None), ("cluster_health", 1, None),
                                 ("cat_shards", 0, "http_status"),
                                 ("cluster_settings", 0, "bad_json")):
            self.assertEqual(m.get("esvigil_collector_success", collector=name), ok, name)
            if reason:
                self.assertEqual(m.get("esvigil_errors_total", collector=name, reason=reason), 1)
        for family in ("elasticsearch_jvm_memory_used_bytes", "elasticsearch_cluster_health_status",
                       "elasticsearch_indices_docs"):
            self.assertEqual(m.find(family), ref.find(family), family)
        self.assertNotIn("elasticsearch_node_shards_total", m)
        self.assertIn("elasticsearch_node_shards_total", ref)

    def test_deadline_caps_the_concurrent_poll(self):
        es = self.fake(extra=["--delay", "30", "--fault", "/_cat/shards=slow",
                              "--fault", "/_cluster/health=slow"])
        d = self.daemon(es, 2, ["--cluster.metrics=always", "--poll.deadline=2s",
                                "--es.timeout=20s"])
        took = float(d.wait_log(DONE_RE, 30).group(2))
        self.assertLess(took, 2.0 + 1.5 * harness.SCALE)
        m = self.first_poll(d)
        for name in ("cat_shards", "cluster_health"):
            self.assertEqual(m.get("esvigil_errors_total", collector=name, reason="timeout"), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="cluster_settings"), 1)
        self.assertIn("elasticsearch_jvm_memory_used_bytes", m)
        self.assertCleanExit(d)

    def test_shutdown_abandons_requests_on_every_connection(self):
        es = self.fake(extra=["--delay", "60", "--fault", "/_cat/shards=slow",
                              "--fault", "/_cluster/health=slow"])
        d = self.daemon(es, 2, ["--cluster.metrics=always", "--poll.deadline=120s",
                                "--es.timeout=90s"])
        harness.wait_until(lambda: es.requests()["max_in_flight"] == 2, 20,
                           msg="both slow requests in flight")
        took = self.assertCleanExit(d, timeout=5.0)
        self.assertLess(took, 5.0 * harness.SCALE)

    def test_reload_moves_every_connection(self):
        old, new = self.fake(), self.fake()
        cfg = "es:\n  uri: %s\n  all: true\ncluster:\n  metrics: always\npoll:\n  interval: 1h\n"
        d = self.esvigil(["--poll.concurrency=2"], config_text=cfg % old.url,
                         procfs=self.procfs())
        self.first_poll(d)
        before = old.requests()["counts"]
        self.assertEqual(before.get("/_cat/shards"), 1, before)
        self.config(cfg % new.url)
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(DONE_RE, 30, start=mark)
        self.assertEqual(old.requests()["counts"], before)
        asked = new.requests()["counts"]
        for path in ("/_nodes/stats", "/_cluster/health", "/_cluster/settings", "/_cat/shards"):
            self.assertEqual(asked.get(path), 1, asked)
        self.assertCleanExit(d)

    def test_bad_value_is_one_line(self):
        for value, why in (("0", "must be from 1 to 8"), ("9", "must be from 1 to 8"),
                           ("two", "not a whole number")):
            rc, out, err = harness.run_esvigil(["--poll.concurrency=" + value,
                                                "--web.listen-address=127.0.0.1:0"])
            self.assertEqual(rc, 2, err)
            lines = err.strip().splitlines()
            self.assertEqual(len(lines), 1, err)
            self.assertTrue(lines[0].startswith("esvigil: flag --poll.concurrency: " + why), err)


if __name__ == "__main__":
    harness.main()
