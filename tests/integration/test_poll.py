#!/usr/bin/env python3
"""test_poll: how a poll ends and what the systemd watchdog sees. poll.deadline bounds a
whole poll (what did not finish is a timeout of its collector); WATCHDOG=1 keeps coming at
half of WATCHDOG_USEC while ES hangs, and stops only when a poll is stuck past its deadline
(a FIFO in the fake procfs blocks the poller in open()); the host checks keep the last
known cluster and node name when node info fails."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import harness

WATCHDOG_USEC = 1000000  # systemd would kill after 1 s without WATCHDOG=1


class NotifySocket:
    """A fake $NOTIFY_SOCKET: an abstract unix datagram socket, every message timestamped."""

    def __init__(self):
        self.name = "esvigil-test-%d-%d" % (os.getpid(), time.monotonic_ns())
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, text)
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.done.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.messages.append((time.monotonic(), data.decode("utf-8", "replace")))

    def env(self):
        return {"NOTIFY_SOCKET": "@" + self.name, "WATCHDOG_USEC": str(WATCHDOG_USEC)}

    def pings(self, since=0.0):
        """Times of the WATCHDOG=1 messages received after since."""
        with self.lock:
            return [t for t, text in self.messages
                    if t >= since and "WATCHDOG=1" in text.split("\n")]

    def close(self):
        self.done.set()
        self.thread.join(2)
        self.sock.close()


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


class Deadline(harness.TestCase):

    def notify(self):
        n = NotifySocket()
        self.addCleanup(n.close)
        return n

    def test_watchdog_fed_while_es_hangs(self):
        # es.timeout is far away; the deadline (the 2s interval) ends each poll.
        es = self.fake(mode="hang")
        n = self.notify()
        d = self.esvigil(["--es.uri=" + es.url, "--es.timeout=60s", "--poll.interval=2s"],
                         procfs=self.procfs(), env=n.env())
        m = d.wait_metric(lambda m: m.get("esvigil_errors_total", collector="node_info",
                                          reason="timeout"), 10, "node info timed out")
        self.assertEqual(m.get("esvigil_collector_success", collector="node_info"), 0)
        took = m.get("esvigil_poll_duration_seconds")
        self.assertGreaterEqual(took, 1.9, "the poll waited for its deadline")
        self.assertLess(took, 2.0 + harness.SCALE, "the poll ended at its deadline, not es.timeout")
        start = time.monotonic()
        time.sleep(5 * harness.SCALE)  # two and a half more hanging polls
        pings = n.pings(start)
        self.assertGreaterEqual(len(pings), 8 * harness.SCALE,
                                "WATCHDOG=1 every 0.5s: %d in 5s" % len(pings))
        self.assertLess(max(gaps([start] + pings)), 0.9,
                        "a gap that would get esvigil killed: %r" % gaps(pings))
        self.assertGreaterEqual(d.metrics().get("esvigil_errors_total", collector="node_info",
                                                reason="timeout"), 2)
        self.assertCleanExit(d)

    def test_deadline_bounds_the_poll(self):
        # Each answer takes 2 s, well within es.timeout: node info is done at 2 s, node
        # stats is cut at the 3 s deadline and the settings are not even asked for
        # (one after the other; side by side they too would be cut at 3 s, as
        # test_concurrent checks).
        es = self.fake(mode="slow", extra=("--delay", "2"))
        d = self.esvigil(["--es.uri=" + es.url, "--es.timeout=20s", "--poll.interval=1m",
                          "--poll.deadline=3s", "--cluster.metrics=never",
                          "--poll.concurrency=1"],
                         procfs=self.procfs())
        m = d.wait_metric(lambda m: "esvigil_poll_duration_seconds" in m, 15, "the first poll")
        success = {c: m.get("esvigil_collector_success", collector=c)
                   for c in ("node_info", "nodes_stats", "cluster_settings")}
        self.assertEqual(success, {"node_info": 1, "nodes_stats": 0, "cluster_settings": 0})
        for c in ("nodes_stats", "cluster_settings"):
            self.assertEqual(m.get("esvigil_errors_total", collector=c, reason="timeout"), 1, c)
        self.assertEqual(m.get("esvigil_up"), 0)
        took = m.get("esvigil_poll_duration_seconds")
        self.assertGreaterEqual(took, 2.9)
        self.assertLess(took, 3.0 + harness.SCALE)
        self.assertEqual(es.requests()["counts"].get("/_cluster/settings"), None,
                         "nothing is sent past the deadline")
        d.wait_log(r"nodes_stats: GET .*timed out after", 5, "the timeout logged")
        self.assertCleanExit(d)

    def test_watchdog_starves_when_poll_stuck(self):
        es = self.fake()
        procfs = self.procfs()
        fifo = os.path.join(procfs, "loadavg")
        os.unlink(fifo)
        os.mkfifo(fifo)  # open() blocks until a writer comes: the poller is stuck
        n = self.notify()
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"], procfs=procfs,
                         env=n.env())
        d.wait_log(r"stuck \d+s past its deadline", 15, "the stuck poller noticed")
        quiet_from = time.monotonic()
        time.sleep(2)
        self.assertEqual(n.pings(quiet_from), [], "no WATCHDOG=1 while stuck")
        self.assertTrue(n.pings(), "WATCHDOG=1 came before the poll got stuck")
        # A writer unblocks open(); EOF then makes it a parse error and the poll ends.
        mark = d.mark()
        fd = os.open(fifo, os.O_WRONLY)
        os.close(fd)
        d.wait_log(r"moving again", 10, "feeding resumes", start=mark)
        harness.wait_until(lambda: n.pings(time.monotonic() - 0.6), 5, msg="WATCHDOG=1 again")
        os.unlink(fifo)
        harness.write_file(fifo, "0.10 0.20 0.30 1/100 4242\n")
        self.assertCleanExit(d, timeout=10)


class Identity(harness.TestCase):

    def test_host_checks_keep_identity_when_node_info_fails(self):
        fixdir = os.path.join(self.tmp, "es")
        shutil.copytree(harness.fixture_dir(), fixdir)
        es = self.fake(fixture=fixdir)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"], procfs=self.procfs())
        series = lambda m: {(s[1]["check"], s[1]["cluster"], s[1]["name"],  # noqa: E731
                             s[1]["subject"]) for s in m.find("esvigil_check_status")}
        # The second poll: counter checks have a baseline and show too.
        m = d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= 2 and
                          m.get("esvigil_up") == 1, 15, "two good polls")
        before = series(m)
        self.assertTrue(before and all(s[1] for s in before), before)
        # Node info now answers 404; node stats still answers. Without node info this
        # daemon cannot tell it reports for the cluster, so cluster checks drop out.
        os.rename(os.path.join(fixdir, "nodes_local.json"), os.path.join(fixdir, "gone.json"))
        m = d.wait_metric(lambda m: m.get("esvigil_errors_total", collector="node_info",
                                          reason="http_status"), 15, "node info failing")
        self.assertEqual(m.get("esvigil_collector_success", collector="node_info"), 0)
        after = series(m)
        self.assertTrue(after)
        self.assertEqual(after - before, set(), "series with labels they did not have before")
        self.assertCleanExit(d)


def node_info_asked(es):
    counts = es.requests()["counts"]
    return counts.get("/_nodes/_local", 0), counts.get("/_cluster/state/master_node", 0)


def set_uptime(fixdir, millis):
    path = os.path.join(fixdir, "nodes_local_stats.json")
    with open(path) as f:
        doc = json.load(f)
    for node in doc["nodes"].values():
        node["jvm"]["uptime_in_millis"] = millis
    harness.write_file(path + ".new", json.dumps(doc))
    os.rename(path + ".new", path)  # fake_es never reads half a file


class NodeInfoReuse(harness.TestCase):
    """--es.nodeinfo.interval: node info and the elected master are read again only when
    the interval has passed, a poll failed, or the node restarted (its JVM uptime went
    back); the polls in between export what was read."""

    def start(self, interval):
        fixdir = os.path.join(self.tmp, "es")
        shutil.copytree(harness.fixture_dir("es-8.9"), fixdir)
        es = self.fake(fixture=fixdir)
        self.proc = self.procfs(fixture=fixdir)
        # a poll cut by its deadline (valgrind) would read node info again for that reason
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--poll.deadline=1m",
                          "--es.nodeinfo.interval=" + interval], procfs=self.proc)
        return fixdir, es, d

    def polls(self, d, n, what):
        return d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= n, 15, what)

    def test_reused_until_restart_or_failure(self):
        fixdir, es, d = self.start("1h")
        m = self.polls(d, 4, "four polls")
        self.assertEqual(node_info_asked(es), (1, 1), "asked once in four polls")
        self.assertGreaterEqual(es.requests()["counts"]["/_nodes/_local/stats"], 4)
        # what node info said is still exported, and who reports for the cluster
        self.assertEqual(len(m.find("elasticsearch_node_info")), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="node_info"), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="master_node"), 1)
        self.assertTrue(m.find("elasticsearch_cluster_health_status"), "still the reporter")
        self.assertIsNotNone(m.get("esvigil_host_es_process_open_fds"), "host view kept")
        # a restart: the JVM is younger than it was
        set_uptime(fixdir, 60000)
        harness.wait_until(lambda: node_info_asked(es)[0] >= 2, 10, msg="re-read on restart")
        # a failed poll: the next one reads node info again
        asked = node_info_asked(es)[0]
        polls = d.metrics().get("esvigil_polls_total")
        es.set_fault("/_nodes/_local/stats", "500")
        self.polls(d, polls + 2, "polls with node stats failing")
        es.set_fault("/_nodes/_local/stats", "healthy")
        harness.wait_until(lambda: node_info_asked(es)[0] > asked, 10, msg="re-read on failure")
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 1, 10, "up again")
        self.assertEqual(len(m.find("elasticsearch_node_info")), 1)
        self.assertCleanExit(d)

    def test_reread_when_the_process_is_replaced(self):
        fixdir, es, d = self.start("1h")
        self.polls(d, 3, "three polls")
        self.assertEqual(node_info_asked(es)[0], 1)
        # the pid node info named now belongs to a process started days later
        subprocess.run([sys.executable, harness.GEN_PROCFS, self.proc, "--pid",
                        str(harness.fixture_pid(fixdir)), "--starttime", "99999999"],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
        harness.wait_until(lambda: node_info_asked(es)[0] >= 2, 10, msg="re-read")
        self.assertCleanExit(d)

    def test_master_change_seen_within_interval(self):
        fixdir, es, d = self.start("2s")
        self.polls(d, 2, "two polls")
        self.assertTrue(d.metrics().find("elasticsearch_cluster_health_status"))
        harness.write_file(os.path.join(fixdir, "master_node.json"),
                           '{"cluster_name":"x","master_node":"someoneElse00000000000"}')
        t0 = time.monotonic()
        d.wait_metric(lambda m: not m.find("elasticsearch_cluster_health_status"), 10,
                      "no longer the reporter")
        self.assertLess(time.monotonic() - t0, 2 + 1 + 1 + harness.SCALE,
                        "seen within the interval, a poll and a scrape")
        self.assertGreaterEqual(node_info_asked(es)[1], 2)
        self.assertCleanExit(d)

    def test_zero_reads_every_poll(self):
        fixdir, es, d = self.start("0s")
        self.polls(d, 3, "three polls")
        self.assertGreaterEqual(node_info_asked(es)[0], 3)
        self.assertCleanExit(d)


def settings_asked(es):
    return es.requests()["counts"].get("/_cluster/settings", 0)


def set_flood_stage(fixdir, value):
    path = os.path.join(fixdir, "cluster_settings.json")
    with open(path) as f:
        doc = json.load(f)
    doc["transient"]["cluster.routing.allocation.disk.watermark.flood_stage"] = value
    harness.write_file(path + ".new", json.dumps(doc))
    os.rename(path + ".new", path)  # fake_es never reads half a file


class SettingsReuse(harness.TestCase):
    """--es.clustersettings.interval: /_cluster/settings is read again only when the
    interval has passed, a read failed or node info was dropped; the polls in between
    export the answer as read, and the reference's bookkeeping counts requests."""

    FLOOD = "elasticsearch_clustersettings_allocation_watermark_flood_stage_ratio"

    def start(self, interval):
        fixdir = os.path.join(self.tmp, "es")
        shutil.copytree(harness.fixture_dir("es-8.9"), fixdir)
        es = self.fake(fixture=fixdir)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--poll.deadline=1m",
                          "--es.nodeinfo.interval=1h", "--es.clustersettings.interval=" + interval],
                         procfs=self.procfs(fixture=fixdir))
        return fixdir, es, d

    def polls(self, d, n, what):
        return d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= n, 15, what)

    def test_reused_until_a_failed_read(self):
        fixdir, es, d = self.start("1h")
        m = self.polls(d, 4, "four polls")
        self.assertEqual(settings_asked(es), 1, "asked once in four polls")
        self.assertEqual(m.get(self.FLOOD), 0.95, "the kept answer is exported")
        self.assertEqual(m.get("esvigil_collector_success", collector="cluster_settings"), 1)
        self.assertEqual(m.get("elasticsearch_clustersettings_stats_up"), 1)
        self.assertEqual(m.get("elasticsearch_clustersettings_stats_total_scrapes"), 1,
                         "counts requests, not polls")
        self.assertGreaterEqual(m.get("elasticsearch_node_stats_total_scrapes"), 4)
        # the change is not seen before the interval; a restart (node info dropped) reads it
        set_flood_stage(fixdir, "97%")
        polls = m.get("esvigil_polls_total")
        m = self.polls(d, polls + 2, "two more polls")
        self.assertEqual(m.get(self.FLOOD), 0.95, "still the kept answer")
        set_uptime(fixdir, 60000)
        m = d.wait_metric(lambda m: m.get(self.FLOOD) == 0.97, 10, "re-read on restart")
        self.assertEqual(settings_asked(es), 2)
        # a failed read (asked after another restart): up 0, then asked again in every
        # poll until it is read
        es.set_fault("/_cluster/settings", "500")
        set_uptime(fixdir, 30000)
        m = d.wait_metric(lambda m: m.get("elasticsearch_clustersettings_stats_up") == 0, 10,
                          "the failed read")
        self.assertIsNone(m.get(self.FLOOD), "nothing kept from before the failure")
        asked = settings_asked(es)
        self.polls(d, m.get("esvigil_polls_total") + 2, "polls with the settings failing")
        self.assertGreaterEqual(settings_asked(es), asked + 2, "asked in every poll")
        es.set_fault("/_cluster/settings", "healthy")
        m = d.wait_metric(lambda m: m.get("elasticsearch_clustersettings_stats_up") == 1, 10,
                          "read again")
        self.assertEqual(m.get(self.FLOOD), 0.97)
        self.assertCleanExit(d)

    def test_change_seen_within_interval(self):
        fixdir, es, d = self.start("2s")
        self.polls(d, 2, "two polls")
        set_flood_stage(fixdir, "97%")
        t0 = time.monotonic()
        d.wait_metric(lambda m: m.get(self.FLOOD) == 0.97, 10, "the new flood stage")
        self.assertLess(time.monotonic() - t0, 2 + 1 + 1 + harness.SCALE,
                        "seen within the interval, a poll and a scrape")
        self.assertCleanExit(d)

    def test_zero_reads_every_poll(self):
        fixdir, es, d = self.start("0s")
        m = self.polls(d, 3, "three polls")
        self.assertGreaterEqual(settings_asked(es), 3)
        self.assertEqual(m.get("elasticsearch_clustersettings_stats_total_scrapes"),
                         settings_asked(es))
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
