#!/usr/bin/env python3
"""test_http: the real esvigil's HTTP surface (/, /metrics in text, gzip and
OpenMetrics, /-/healthy, /-/ready, 404s, telemetry path) and the metrics it serves
after a healthy poll of the fake ES and fake procfs."""

import gzip
import http.client
import os
import threading
import time

import harness

TEXT_CT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_ACCEPT = "application/openmetrics-text; version=1.0.0"


def es_args(url, interval="1s", timeout="2s"):
    return ["--es.uri=" + url, "--poll.interval=" + interval, "--es.timeout=" + timeout]


def skeleton(text):
    """An exposition without sample values: comment lines and series identities,
    to compare two renderings taken a poll apart."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            out.append(line)
        elif line.strip():
            out.append(line.rsplit(" ", 1)[0])
    return out


class HealthyDaemon(harness.TestCase):
    """One daemon polling a healthy fake ES; every test reads its endpoints."""

    @classmethod
    def setUpClass(cls):
        work = harness.make_tmpdir("http-shared")
        cls.fixture = harness.fixture_dir()
        cls.procfs_root = harness.make_procfs(os.path.join(work, "proc"), fixture=cls.fixture)
        cls.es = harness.start_fake_es(cls.fixture)
        cls.shared = [cls.es]
        try:
            cls.d = harness.start_esvigil(es_args(cls.es.url), procfs=cls.procfs_root)
            cls.shared.append(cls.d)
            cls.d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1")
        except BaseException:
            harness.kill_all()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.es.stop()
        if rc != 0:
            raise AssertionError("esvigil exited %s after SIGTERM:\n%s" % (rc, cls.d.log()))

    def test_landing_page(self):
        status, hdrs, body = self.d.get("/")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs.get("content-type", "").startswith("text/html"), hdrs)
        page = body.decode("utf-8")
        self.assertIn("esvigil", page)
        self.assertIn(harness.project_version(), page)
        self.assertRegex(page, r"""href=["']?[^"'>\s]*/metrics["'>\s]""")

    def test_metrics_text_format(self):
        status, hdrs, body = self.d.get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-type"), TEXT_CT)
        self.assertNotIn("content-encoding", hdrs)
        text = body.decode("utf-8")
        self.assertTrue(text.endswith("\n"))
        self.assertNotIn("# EOF", text)
        m = harness.Metrics(text)  # raises on an unparsable line
        self.assertGreater(len(m.samples), 20)

    def test_metrics_gzip(self):
        gz_hdrs = {"Accept-Encoding": "gzip"}
        for _ in range(10):
            _, _, plain1 = self.d.get("/metrics")
            status, hdrs, zipped = self.d.get("/metrics", gz_hdrs)
            _, _, plain2 = self.d.get("/metrics")
            self.assertEqual(status, 200)
            self.assertEqual(hdrs.get("content-encoding"), "gzip", hdrs)
            self.assertEqual(hdrs.get("content-type"), TEXT_CT)
            unzipped = gzip.decompress(zipped)
            if plain1 == plain2:  # no poll (or per-request value) in between: exact match
                if unzipped == plain1:
                    return
            time.sleep(0.1)
        # The rendering changes between requests (e.g. process_* read per scrape):
        # the same series and comments must still come back.
        self.assertEqual(skeleton(unzipped.decode()), skeleton(plain2.decode()))

    def test_metrics_openmetrics(self):
        status, hdrs, body = self.d.get("/metrics", {"Accept": OPENMETRICS_ACCEPT})
        self.assertEqual(status, 200)
        self.assertTrue(hdrs.get("content-type", "").startswith("application/openmetrics-text"),
                        hdrs)
        text = body.decode("utf-8")
        self.assertTrue(text.endswith("# EOF\n"), text[-200:])
        self.assertEqual(text.count("# EOF"), 1)
        self.assertIn("esvigil_up", text)

    def test_openmetrics_gzip(self):
        status, hdrs, body = self.d.get(
            "/metrics", {"Accept": OPENMETRICS_ACCEPT, "Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-encoding"), "gzip")
        self.assertTrue(gzip.decompress(body).decode().endswith("# EOF\n"))

    def test_keep_alive(self):
        """Requests on one connection share it (Prometheus reuses its connection): a response
        given before the request was read made libmicrohttpd close after every answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=5)
        try:
            socks = set()
            for path, hdrs in (("/metrics", {"Accept-Encoding": "gzip"}), ("/-/healthy", {}),
                               ("/metrics", {"Accept": OPENMETRICS_ACCEPT}), ("/metrics", {})):
                conn.request("GET", path, headers=hdrs)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 200, path)
                self.assertNotEqual((resp.getheader("Connection") or "").lower(), "close", path)
                socks.add(id(conn.sock))
            conn.request("POST", "/metrics", body=b"x" * 100000)  # a body is read and ignored
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 405)
            self.assertEqual(len(socks), 1)
        finally:
            conn.close()

    def test_healthy_and_ready(self):
        self.assertEqual(self.d.get("/-/healthy")[0], 200)
        self.assertEqual(self.d.get("/-/ready")[0], 200)

    def test_unknown_paths_404(self):
        for path in ("/nope", "/metricsx", "/metrics/x", "/-/unknown", "/../etc/passwd"):
            with self.subTest(path=path):
                self.assertEqual(self.d.get(path)[0], 404)

    def test_self_metrics(self):
        m = self.d.metrics()
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertEqual(m.get("esvigil_build_info", version=harness.project_version()), 1,
                         m.find("esvigil_build_info"))
        self.assertTrue([n for n in m.names("esvigil_poll_duration_seconds")], m.names("esvigil_"))
        last = m.get("esvigil_last_success_timestamp_seconds")
        self.assertIsNotNone(last)
        self.assertLess(abs(time.time() - last), 60)
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        # Consistent fixture + procfs: every collector succeeds.
        failed = [s[1] for s in m.find("esvigil_collector_success") if s[2] != 1]
        self.assertEqual(failed, [], "collectors failing against a healthy fake")
        if "esvigil_errors_total" in m.types:
            self.assertEqual(m.types["esvigil_errors_total"], "counter")

    def test_polls_repeat(self):
        first = self.d.metrics().get("esvigil_last_success_timestamp_seconds")
        self.d.wait_metric(
            lambda m: m.get("esvigil_last_success_timestamp_seconds") > first, 10,
            "a later successful poll (--poll.interval=1s)")

    def test_version_label_matches_flag(self):
        rc, out, _ = harness.run_esvigil(["--version"])
        self.assertEqual(rc, 0)
        version = out.split()[1]
        self.assertEqual(self.d.metrics().get("esvigil_build_info", version=version), 1)

    def test_es_metrics(self):
        cluster, _, node = harness.fixture_node(self.fixture)
        m = self.d.metrics()
        heap = m.find("elasticsearch_jvm_memory_used_bytes", area="heap")
        self.assertTrue(heap, m.names("elasticsearch_"))
        _, labels, value = heap[0]
        self.assertEqual(labels.get("cluster"), cluster)
        self.assertEqual(labels.get("name"), node["name"])
        self.assertEqual(value, node["jvm"]["mem"]["heap_used_in_bytes"])

    def test_host_metrics(self):
        m = self.d.metrics()
        self.assertEqual(m.get("esvigil_host_memory_total_bytes"),
                         harness.procfs_meminfo(self.procfs_root, "MemTotal"))
        self.assertEqual(m.get("esvigil_host_load1"), harness.procfs_loadavg(self.procfs_root)[0])

    def test_process_metrics(self):
        m = self.d.metrics()
        self.assertGreater(m.get("process_resident_memory_bytes") or 0, 0)
        self.assertGreater(m.get("process_open_fds") or 0, 0)

    def test_no_duplicate_series(self):
        m = self.d.metrics()
        seen = set()
        for name, labels, _ in m.samples:
            key = (name, tuple(sorted(labels.items())))
            self.assertNotIn(key, seen, "duplicate series %r" % (key,))
            seen.add(key)


class SeparateDaemon(harness.TestCase):
    """Tests that need their own daemon settings."""

    def test_ready_only_after_first_poll(self):
        es = self.fake(mode="slow", extra=["--delay", "4"])
        # The deadline (default: the 1s interval) would end the first poll at 1s.
        d = self.esvigil(es_args(es.url, timeout="10s") + ["--poll.deadline=10s"],
                         procfs=self.procfs())
        status = d.get("/-/ready")[0]
        self.assertEqual(status, 503, "ready before the first poll finished")
        self.assertEqual(d.get("/-/healthy")[0], 200)
        harness.wait_until(lambda: es.requests()["total"] >= 1, 10, msg="the first poll started")
        self.assertEqual(d.get("/-/ready")[0], 503, "ready while the first poll is stuck")
        es.set_mode("healthy")  # the stuck request still takes its 4 s, later ones are fast
        d.wait_ready(20)
        self.assertEqual(d.metrics().get("esvigil_up"), 1)
        self.assertCleanExit(d)

    def test_custom_telemetry_path(self):
        es = self.fake()
        d = self.esvigil(es_args(es.url) + ["--web.telemetry-path=/custom"], procfs=self.procfs())
        d.wait_ready(20)
        status, hdrs, body = d.get("/custom")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-type"), TEXT_CT)
        self.assertIn(b"esvigil_up", body)
        self.assertEqual(d.get("/metrics")[0], 404)
        self.assertRegex(d.get("/")[2].decode(), r"""href=["']?[^"'>\s]*/custom["'>\s]""")
        self.assertCleanExit(d)

    def test_many_concurrent_scrapes(self):
        es = self.fake()
        d = self.esvigil(es_args(es.url), procfs=self.procfs())
        d.wait_ready(20)
        errors = []

        def scrape():
            for _ in range(20):
                try:
                    status, _, body = d.get("/metrics", {"Accept-Encoding": "gzip"})
                    if status != 200 or not gzip.decompress(body).startswith(b"#"):
                        errors.append(status)
                except Exception as e:  # noqa: BLE001
                    errors.append(repr(e))
        threads = [threading.Thread(target=scrape) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * harness.SCALE)
        self.assertEqual(errors, [])
        self.assertTrue(d.alive())
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
