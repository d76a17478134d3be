#!/usr/bin/env python3
"""test_errors: the real esvigil against a broken Elasticsearch (refused, 500, 401,
garbage, truncated, huge, slow, hang). Each failure must give esvigil_up 0, a counted
error with the right reason, no half snapshot of ES families, live host metrics, a
daemon that keeps serving fast, and full recovery once ES is healthy again."""

import os
import re
import shutil
import signal
import time

import harness

# The reference exporter's per-collector bookkeeping (up, scrape counters) may stay
# while ES is down; every other elasticsearch_* family must go.
BOOKKEEPING = re.compile(r"^elasticsearch_(\w+_)?(up|total_scrapes|json_parse_failures)$"
                         r"|^elasticsearch_clusterinfo_")


def es_args(url, interval="1s", timeout="2s"):
    return ["--es.uri=" + url, "--poll.interval=" + interval, "--es.timeout=" + timeout]


# An unreachable node fails at node_info and the poll skips the rest; a node
# that answers badly fails at every endpoint. Either way the reason counts.
ES_COLLECTORS = ("node_info", "nodes_stats")


def errors(m, reason):
    return sum(m.get("esvigil_errors_total", collector=c, reason=reason) or 0
               for c in ES_COLLECTORS)


def peak_rss_bytes(pid):
    """VmHWM of a live process from the real /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


class ErrorModes(harness.TestCase):

    def start(self, es_url, extra_args=()):
        self.proc_root = self.procfs()
        harness.set_loadavg(self.proc_root, 1.11)
        return self.esvigil(es_args(es_url) + list(extra_args), procfs=self.proc_root)

    def assert_failing(self, d, reason):
        """Waits for the error to be counted, then checks the failure snapshot."""
        m = d.wait_metric(lambda m: errors(m, reason) >= 1, 25,
                          "esvigil_errors_total{reason=%s} >= 1" % reason)
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 0, 10, "esvigil_up 0")
        self.assertGreaterEqual(errors(m, reason), 1)
        self.assertEqual(m.types.get("esvigil_errors_total"), "counter")
        leaked = [n for n in m.names("elasticsearch_") if not BOOKKEEPING.search(n)]
        self.assertEqual(leaked, [], "ES families served while ES is failing")
        success = m.get("esvigil_collector_success", collector="nodes_stats")
        self.assertIn(success, (None, 0))
        # Host metrics keep flowing: present, and re-read on every poll.
        self.assertEqual(m.get("esvigil_host_memory_total_bytes"),
                         harness.procfs_meminfo(self.proc_root, "MemTotal"))
        harness.set_loadavg(self.proc_root, 7.25)
        d.wait_metric(lambda m: m.get("esvigil_host_load1") == 7.25, 15,
                      "esvigil_host_load1 updated while ES fails")
        self.assertEqual(d.get("/-/healthy")[0], 200)
        self.assertEqual(d.get("/")[0], 200)
        self.assertTrue(d.alive())
        return errors(m, reason)

    def assert_recovers(self, d, reason, count_before):
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 1
                          and m.find("elasticsearch_jvm_memory_used_bytes"), 25,
                          "recovery: esvigil_up 1 with ES families back")
        self.assertGreaterEqual(errors(m, reason), count_before, "counter went backwards")
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        self.assertEqual(d.get("/-/ready")[0], 200)

    def run_mode(self, mode, reason, fake_extra=(), args=()):
        es = self.fake(mode=mode, extra=fake_extra)
        d = self.start(es.url, args)
        n = self.assert_failing(d, reason)
        self.assertGreaterEqual(es.requests()["total"], 1)
        es.set_mode("healthy")
        self.assert_recovers(d, reason, n)
        self.assertCleanExit(d)
        return d

    def test_reference_bookkeeping(self):
        """The reference's per-collector up / total_scrapes / json_parse_failures, as
        dashboards built for it query them: up follows each poll, total_scrapes counts
        the polls that asked, json_parse_failures the answers that were not JSON."""
        es = self.fake()
        d = self.start(es.url, ["--cluster.metrics=always"])
        trio = ("elasticsearch_node_stats", "elasticsearch_cluster_health",
                "elasticsearch_clustersettings_stats")
        m = d.wait_metric(lambda m: (m.get("elasticsearch_node_stats_total_scrapes") or 0) >= 2,
                          20, "two polls")
        for prefix in trio:
            self.assertEqual(m.get(prefix + "_up"), 1, prefix)
            self.assertEqual(m.types.get(prefix + "_up"), "gauge")
            self.assertEqual(m.types.get(prefix + "_total_scrapes"), "counter")
            self.assertEqual(m.get(prefix + "_json_parse_failures"), 0, prefix)
            self.assertGreaterEqual(m.get(prefix + "_total_scrapes"), 2)
        self.assertEqual(m.get("elasticsearch_node_shards_json_parse_failures"), 0)
        self.assertEqual(m.find("elasticsearch_node_shards_up"), [])  # the reference has none
        before = m.get("elasticsearch_node_stats_total_scrapes")

        es.set_mode("garbage")
        m = d.wait_metric(lambda m: m.get("elasticsearch_node_stats_up") == 0, 20, "up 0")
        m = d.wait_metric(
            lambda m: (m.get("elasticsearch_cluster_health_json_parse_failures") or 0) >= 1,
            10, "a parse failure counted")
        for prefix in trio:
            self.assertEqual(m.get(prefix + "_up"), 0, prefix)
            self.assertGreaterEqual(m.get(prefix + "_json_parse_failures"), 1, prefix)
        self.assertGreaterEqual(m.get("elasticsearch_node_shards_json_parse_failures"), 1)
        self.assertGreater(m.get("elasticsearch_node_stats_total_scrapes"), before)

        es.set_mode("500")  # a failed scrape, not a parse failure
        bad = m.get("elasticsearch_node_stats_json_parse_failures")
        m = d.wait_metric(lambda m: errors(m, "http_status") >= 2, 20, "HTTP 500 counted")
        self.assertEqual(m.get("elasticsearch_node_stats_up"), 0)
        self.assertEqual(m.get("elasticsearch_node_stats_json_parse_failures"), bad)

        es.set_mode("healthy")
        m = d.wait_metric(lambda m: m.get("elasticsearch_node_stats_up") == 1, 20, "recovery")
        self.assertEqual(m.get("elasticsearch_cluster_health_up"), 1)
        self.assertCleanExit(d)

    def test_refused(self):
        port = harness.free_port()
        d = self.start("http://127.0.0.1:%d" % port)
        n = self.assert_failing(d, "refused")
        self.fake(port=port)  # ES comes up where esvigil was looking
        self.assert_recovers(d, "refused", n)
        self.assertCleanExit(d)

    def test_http_500(self):
        self.run_mode("500", "http_status")

    def test_unauthorized(self):
        self.run_mode("401", "unauthorized")

    def test_garbage(self):
        self.run_mode("garbage", "bad_json")

    def test_truncated(self):
        self.run_mode("truncated", "truncated")

    def test_too_large(self):
        self.run_mode("huge", "too_large", args=["--es.max-response-size=1mb"])

    def test_too_large_not_buffered(self):
        if harness.VALGRIND:
            self.skipTest("RSS is valgrind's under valgrind")
        es = self.fake(mode="huge")
        d = self.start(es.url, ["--es.max-response-size=1mb"])
        self.assert_failing(d, "too_large")
        rss = peak_rss_bytes(d.proc.pid)
        self.assertLess(rss, 100 * 1024 * 1024, "peak RSS %d: the huge body was buffered" % rss)
        self.assertCleanExit(d)

    def test_slow(self):
        self.run_mode("slow", "timeout", fake_extra=["--delay", "5"])

    def test_metrics_fast_while_es_hangs(self):
        es = self.fake()
        d = self.start(es.url, ["--es.timeout=10s"])
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1")
        es.set_mode("hang")
        before = es.requests()["total"]
        harness.wait_until(lambda: es.requests()["total"] > before, 15,
                           msg="a poll request stuck in the hanging ES")
        time.sleep(0.3)
        slowest = 0.0
        for i in range(20):
            t0 = time.monotonic()
            status, _, body = d.get("/metrics", timeout=5)
            took = time.monotonic() - t0
            slowest = max(slowest, took)
            self.assertEqual(status, 200)
            self.assertIn(b"esvigil_up", body)
            self.assertLess(took, 0.5 * harness.SCALE, "scrape %d took %.2fs while ES hangs"
                            % (i, took))
        self.assertEqual(d.get("/-/healthy")[0], 200)
        # A stuck poll must not hold up shutdown beyond es.timeout.
        self.assertCleanExit(d, signal.SIGTERM, timeout=15)


class BadValues(harness.TestCase):
    """One bad value costs one odd label, never the whole answer."""

    def test_invalid_utf8_node_name(self):
        fixdir = os.path.join(self.tmp, "fixture")
        shutil.copytree(harness.fixture_dir(), fixdir)
        _, node_id, node = harness.fixture_node(fixdir)
        name = node["name"].encode()
        bad = name[:2] + b"\xff" + name[2:]  # a byte that can never start UTF-8
        for f in ("nodes_local_stats.json", "nodes_stats.json"):
            path = os.path.join(fixdir, f)
            with open(path, "rb") as fh:
                body = fh.read()
            with open(path, "wb") as fh:
                fh.write(body.replace(b'"' + name + b'"', b'"' + bad + b'"'))
        es = self.fake(fixture=fixdir)
        d = self.esvigil(es_args(es.url), procfs=self.procfs())
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1 despite the bad byte")
        m = d.wait_metric(lambda m: (m.get("esvigil_invalid_utf8_total") or 0) >= 1, 10,
                          "the repair counted")
        repaired = name[:2].decode() + "\ufffd" + name[2:].decode()
        heap = [s for s in m.samples if s[0] == "elasticsearch_jvm_memory_used_bytes"
                and s[1].get("name") == repaired and s[1].get("area") == "heap"]
        self.assertEqual(len(heap), 1, "node families kept, with U+FFFD in the name")
        self.assertEqual(errors(m, "bad_json"), 0)
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
