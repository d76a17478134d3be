#!/usr/bin/env python3
"""test_poll: how a poll ends and what the systemd watchdog sees. poll.deadline bounds a
whole poll (what did not finish is a timeout of its collector); WATCHDOG=1 keeps coming at
half of WATCHDOG_USEC while ES hangs, and stops only when a poll is stuck past its deadline
(a FIFO in the fake procfs blocks the poller in open()); the host checks keep the last
known cluster and node name when node info fails."""

import os
import shutil
import socket
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


if __name__ == "__main__":
    harness.main()
