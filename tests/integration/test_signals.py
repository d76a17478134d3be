#!/usr/bin/env python3
"""test_signals: the real esvigil's signal handling. SIGTERM/SIGINT exit 0 promptly,
even while a poll hangs on ES; SIGHUP reloads a changed config (logging "reloaded"),
and a broken config on SIGHUP keeps the old one running and logs FILE:LINE: KEY."""

import os
import signal

import harness


def config(uri, interval="1s", path="/metrics", timeout="2s"):
    return ("es:\n  uri: %s\n  timeout: %s\npoll:\n  interval: %s\n"
            "web:\n  telemetry-path: %s\n" % (uri, timeout, interval, path))


def stats_requests(es):
    """How many node-stats requests the fake ES has answered."""
    return sum(n for p, n in es.requests()["counts"].items()
               if p.startswith("/_nodes/_local/stats") or p.startswith("/_nodes/stats"))


class Shutdown(harness.TestCase):

    def started(self, mode="healthy", args=()):
        es = self.fake(mode=mode)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--es.timeout=2s"]
                         + list(args), procfs=self.procfs())
        return es, d

    def test_sigterm(self):
        _, d = self.started()
        d.wait_ready(20)
        self.assertCleanExit(d, signal.SIGTERM, 5)

    def test_sigint(self):
        _, d = self.started()
        d.wait_ready(20)
        self.assertCleanExit(d, signal.SIGINT, 5)

    def test_sigterm_right_after_start(self):
        _, d = self.started()
        self.assertCleanExit(d, signal.SIGTERM, 5)

    def test_sigterm_while_poll_hangs(self):
        es, d = self.started(mode="hang")
        harness.wait_until(lambda: es.requests()["total"] >= 1, 10,
                           msg="a poll stuck on the hanging ES")
        self.assertEqual(d.get("/-/healthy")[0], 200)
        self.assertCleanExit(d, signal.SIGTERM, 2 + 5)

    def test_sigint_while_poll_hangs(self):
        es, d = self.started(mode="hang")
        harness.wait_until(lambda: es.requests()["total"] >= 1, 10,
                           msg="a poll stuck on the hanging ES")
        self.assertCleanExit(d, signal.SIGINT, 2 + 5)


class Reload(harness.TestCase):

    def reload(self, d, text, pattern=r"reloaded"):
        self.config(text)
        mark = d.mark()
        d.kill(signal.SIGHUP)
        return d.wait_log(pattern, 10, "after SIGHUP", start=mark)

    def test_reload_poll_interval(self):
        es = self.fake()
        d = self.esvigil(config_text=config(es.url, interval="1h"), procfs=self.procfs())
        d.wait_ready(20)
        harness.wait_until(lambda: stats_requests(es) >= 1, 10, msg="the first poll")
        first = stats_requests(es)
        # With a 1h interval nothing more happens...
        with self.assertRaises(AssertionError):
            harness.wait_until(lambda: stats_requests(es) > first, 2.5, msg="no second poll")
        self.reload(d, config(es.url, interval="1s"))
        # ...with 1s, polls keep coming.
        harness.wait_until(lambda: stats_requests(es) >= first + 3, 15,
                           msg="polls every second after reload")
        self.assertCleanExit(d)

    def test_reload_telemetry_path(self):
        es = self.fake()
        d = self.esvigil(config_text=config(es.url, path="/a"), procfs=self.procfs())
        d.wait_ready(20)
        self.assertEqual(d.get("/a")[0], 200)
        self.reload(d, config(es.url, path="/b"))
        harness.wait_until(lambda: d.get("/b")[0] == 200, 10, msg="/b served after reload")
        self.assertEqual(d.get("/a")[0], 404)
        self.assertCleanExit(d)

    def test_reload_es_uri(self):
        es_a, es_b = self.fake(), self.fake()
        d = self.esvigil(config_text=config(es_a.url), procfs=self.procfs())
        d.wait_ready(20)
        self.reload(d, config(es_b.url))
        harness.wait_until(lambda: stats_requests(es_b) >= 1, 10, msg="polls go to the new ES")
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 10, "esvigil_up 1 on the new ES")
        self.assertCleanExit(d)

    def test_reload_keeps_flags_winning(self):
        es = self.fake()
        d = self.esvigil(["--web.telemetry-path=/flag"], config_text=config(es.url, path="/a"),
                         procfs=self.procfs())
        d.wait_ready(20)
        self.reload(d, config(es.url, path="/b"))
        self.assertEqual(d.get("/flag")[0], 200)
        self.assertEqual(d.get("/b")[0], 404)
        self.assertCleanExit(d)

    def test_reload_broken_config_keeps_old(self):
        es = self.fake()
        d = self.esvigil(config_text=config(es.url, path="/a"), procfs=self.procfs())
        d.wait_ready(20)
        path = self.tmp + "/esvigil.yml"
        # Line 3 holds the bad value.
        m = self.reload(d, "es:\n  uri: %s\n  timeout: fast\nweb:\n  telemetry-path: /b\n" % es.url,
                        pattern=r"%s:3: es\.timeout" % path.replace(".", r"\."))
        self.assertTrue(m)
        self.assertTrue(d.alive())
        self.assertEqual(d.get("/a")[0], 200)
        self.assertEqual(d.get("/b")[0], 404)
        before = stats_requests(es)
        harness.wait_until(lambda: stats_requests(es) > before, 10, msg="still polling")
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 10, "still up", path="/a")
        # Fixing the file and reloading again works.
        self.reload(d, config(es.url, path="/c"))
        harness.wait_until(lambda: d.get("/c")[0] == 200, 10, msg="/c after the fixed reload")
        self.assertCleanExit(d)

    def test_reload_missing_file_keeps_old(self):
        es = self.fake()
        d = self.esvigil(config_text=config(es.url, path="/a"), procfs=self.procfs())
        d.wait_ready(20)
        path = os.path.join(self.tmp, "esvigil.yml")
        os.rename(path, path + ".gone")
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(path.replace(".", r"\."), 10, "error naming the missing file", start=mark)
        self.assertTrue(d.alive())
        self.assertEqual(d.get("/a")[0], 200)
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
