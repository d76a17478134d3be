#!/usr/bin/env python3
"""test_signals: the real esvigil's signal handling. SIGTERM/SIGINT exit 0 promptly,
even while a poll hangs on ES; SIGHUP reloads a changed config (logging "reloaded"),
a broken config on SIGHUP keeps the old one running and logs FILE:LINE: KEY, and a
reload reconfigures without restarting: counters and check baselines carry on, also
under a storm of SIGHUPs while polls run (the ThreadSanitizer build runs this file)."""

import json
import os
import shutil
import signal
import time

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


def polls(m):
    return m.get("esvigil_polls_total") or 0


def add_breaker_trips(fixdir, n):
    """Adds n trips to every breaker of every node in the node-stats fixtures."""
    for name in ("nodes_local_stats.json", "nodes_stats.json"):
        path = os.path.join(fixdir, name)
        with open(path) as f:
            doc = json.load(f)
        for node in doc["nodes"].values():
            for breaker in node.get("breakers", {}).values():
                breaker["tripped"] = breaker.get("tripped", 0) + n
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f)
        os.replace(tmp, path)  # a poll never reads half a file


class ReloadKeepsState(harness.TestCase):
    """SIGHUP reconfigures; it does not restart the collect state."""

    def reload_and_poll(self, d, before, text):
        """SIGHUP (the reloaded poller polls at once); the metrics of that poll."""
        self.config(text)
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"reloaded", 10, "after SIGHUP", start=mark)
        return d.wait_metric(lambda m: polls(m) > before, 15, "a poll after the reload")

    def test_counters_survive_reload(self):
        es = self.fake(mode="500")
        text = config(es.url, interval="1h")
        d = self.esvigil(config_text=text, procfs=self.procfs())
        m = d.wait_metric(lambda m: polls(m) >= 1, 20, "the first poll")
        errors = lambda m: m.get("esvigil_errors_total", collector="node_info",  # noqa: E731
                                 reason="http_status")
        self.assertEqual((polls(m), errors(m)), (1, 1))
        for n in (2, 3, 4):
            m = self.reload_and_poll(d, polls(m), text)
            # A 1h interval: exactly the one poll the reload runs, counted on top.
            self.assertEqual((polls(m), errors(m)), (n, n), "after reload %d" % (n - 1))
        self.assertCleanExit(d)

    def test_check_baseline_survives_reload(self):
        fixdir = os.path.join(self.tmp, "es")
        shutil.copytree(harness.fixture_dir(), fixdir)
        es = self.fake(fixture=fixdir)
        text = config(es.url, interval="1h")
        d = self.esvigil(config_text=text, procfs=self.procfs())
        trips = lambda m: [s[2] for s in m.find("esvigil_check_status",  # noqa: E731
                                                check="breaker_trips")]
        m = d.wait_metric(lambda m: polls(m) >= 1, 20, "the first poll")
        # A counter check has no verdict before it has a baseline.
        self.assertFalse(any(trips(m)), "no trips on the first poll")
        add_breaker_trips(fixdir, 3)
        # The first poll's counters are the baseline: the trips are new.
        m = self.reload_and_poll(d, polls(m), text)
        self.assertTrue(trips(m) and max(trips(m)) >= 1,
                        "breaker_trips fires on the poll after the reload: %r" % trips(m))
        self.assertCleanExit(d)

    def test_reload_storm_while_polling(self):
        # Polls run all the time (every reload polls at once; --es.all makes the checks
        # evaluate every node) while SIGHUPs alternate two configs with different
        # thresholds: the rules are rendered while checks are evaluated. Counters only go
        # up; exit is clean (under ThreadSanitizer: no race either).
        es = self.fake()
        texts = ["es:\n  uri: %s\n  all: true\npoll:\n  interval: 1s\n"
                 "checks:\n  heap_used:\n    warning: %s\n" % (es.url, w) for w in ("0.7", "0.75")]
        d = self.esvigil(config_text=texts[0], procfs=self.procfs())
        d.wait_metric(lambda m: polls(m) >= 1, 20, "the first poll")
        seen = []
        for i in range(25 if harness.VALGRIND else 100):
            self.config(texts[i % 2])
            d.kill(signal.SIGHUP)
            time.sleep((0.02 + 0.01 * (i % 15)) * harness.SCALE)  # every phase of a poll
            if i % 20 == 19:
                seen.append(polls(d.metrics()))
        self.assertTrue(d.alive())
        d.wait_log(r"reloaded", 10, "the reloads")
        seen.append(polls(d.wait_metric(lambda m: polls(m) > seen[-1], 15, "polling goes on")))
        self.assertEqual(seen, sorted(seen), "esvigil_polls_total never goes back")
        self.assertGreater(seen[-1], seen[0])
        self.assertCleanExit(d, timeout=10)


if __name__ == "__main__":
    harness.main()
