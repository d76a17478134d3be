#!/usr/bin/env python3
"""test_keepalive: a scraper's connection outlives the silence allowed before a first
request (10 s) once a request of it has been answered, as Prometheus needs to reuse it
between scrapes (it keeps idle connections 5 min); web.idle-timeout bounds that, and a
connection that never sent a request is still closed after the first 10 s; a reload
changes it. A real Prometheus scraping every 12 s keeps one connection (skipped
without prometheus)."""

import json
import os
import shutil
import signal
import socket
import time
import unittest

import harness
from test_webconfig import bcrypt

REQUEST_TIMEOUT = 10.0  # daemon/httpd.c HTTPD_REQUEST_TIMEOUT_S
PROMETHEUS = shutil.which("prometheus")
SCRAPE_EVERY = 12  # seconds: longer than REQUEST_TIMEOUT, which used to close it


def peers_of(port):
    """Remote ports of the established connections to local port."""
    return {remote for remote, _ in harness.tcp_sockets(port, harness.TCP_ESTABLISHED)}


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5 * harness.SCALE)
    return s


def ask(s, path="/-/healthy"):
    """One GET on s, read to the end of its body: the status code, or None when the server
    had closed the connection."""
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            return None
        body += chunk
    return int(lines[0].split()[1])


def closed_by_server(s, within):
    """True when the server closes s (EOF or reset) within `within` seconds."""
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class KeepAlive(harness.TestCase):
    def daemon(self, args=(), ready=True):
        es = self.fake()
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"] + list(args),
                         procfs=self.procfs())
        if ready:  # /-/ready needs the password when basic auth is on
            d.wait_ready(20)
        return d

    def test_answered_connection_outlives_request_timeout(self):
        d = self.daemon()
        answered, silent, partial = connect(d.port), connect(d.port), connect(d.port)
        for s in (answered, silent, partial):
            self.addCleanup(s.close)
        self.assertEqual(ask(answered), 200)
        partial.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        time.sleep(REQUEST_TIMEOUT + 2)
        # the two that never got a request through were dropped at 10 s, as before
        self.assertTrue(closed_by_server(silent, 5 * harness.SCALE), "silent connection kept")
        self.assertTrue(closed_by_server(partial, 5 * harness.SCALE), "unfinished request kept")
        # the answered one is still there: the next scrape needs no new connection
        self.assertEqual(ask(answered, "/metrics"), 200, "answered connection closed at 10 s")
        self.assertCleanExit(d)

    def test_idle_timeout_setting(self):
        d = self.daemon(["--web.idle-timeout=2s"])
        s = connect(d.port)
        self.addCleanup(s.close)
        self.assertEqual(ask(s), 200)
        time.sleep(1)
        self.assertEqual(ask(s), 200, "closed before web.idle-timeout")
        t0 = time.monotonic()
        self.assertTrue(closed_by_server(s, 8 * harness.SCALE), "kept past web.idle-timeout")
        took = time.monotonic() - t0
        self.assertGreater(took, 1.0, "closed %.2fs after its last answer, not ~2s" % took)
        self.assertCleanExit(d)

    def test_reload_changes_idle_timeout(self):
        # SIGHUP applies the new value from each connection's next request on.
        es = self.fake()
        text = "es:\n  uri: %s\npoll:\n  interval: 1s\nweb:\n  idle-timeout: %s\n"
        d = self.esvigil(config_text=text % (es.url, "1h"), procfs=self.procfs())
        d.wait_ready(20)
        s = connect(d.port)
        self.addCleanup(s.close)
        self.assertEqual(ask(s), 200)
        self.config(text % (es.url, "2s"))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"configuration reloaded", 10, "after SIGHUP", start=mark)
        self.assertEqual(ask(s), 200, "a kept connection survives the reload")
        self.assertTrue(closed_by_server(s, 8 * harness.SCALE), "the old 1h kept after reload")
        self.assertCleanExit(d)

    def test_unauthorized_connection_keeps_request_timeout(self):
        # A client that fails basic auth has not earned the long keep-alive.
        web = os.path.join(self.tmp, "web.yml")
        with open(web, "w") as f:
            f.write("basic_auth_users:\n  prom: %s\n" % bcrypt("pw"))
        d = self.daemon(["--web.config.file=" + web, "--web.idle-timeout=1h"], ready=False)
        s = connect(d.port)
        self.addCleanup(s.close)
        self.assertEqual(ask(s), 401)
        time.sleep(REQUEST_TIMEOUT - 3)
        self.assertTrue(closed_by_server(s, 3 + 5 * harness.SCALE),
                        "an unauthorized connection kept past 10 s")
        self.assertCleanExit(d)


    @unittest.skipUnless(PROMETHEUS, "needs Debian's prometheus")
    def test_prometheus_reuses_its_connection(self):
        d = self.daemon()
        config = harness.write_file(os.path.join(self.tmp, "prometheus.yml"), (
            "global:\n  scrape_interval: %ds\n  scrape_timeout: 10s\n"
            "scrape_configs:\n  - job_name: esvigil\n    static_configs:\n"
            "      - targets: [%s]\n") % (SCRAPE_EVERY, json.dumps("127.0.0.1:%d" % d.port)))
        port = harness.free_port()
        prom = harness.spawn([PROMETHEUS, "--config.file=" + config,
                              "--storage.tsdb.path=" + os.path.join(self.tmp, "data"),
                              "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                             os.path.join(self.tmp, "prometheus.log"))
        self.addCleanup(harness.reap, prom)  # by the pid we started

        def scrapes():
            try:
                _, _, body = harness.http_get(
                    "http://127.0.0.1:%d/api/v1/query?query=count_over_time(up[5m])" % port)
                result = json.loads(body)["data"]["result"]
                return int(result[0]["value"][1]) if result else 0
            except (OSError, ValueError, KeyError, IndexError):
                return 0
        # The claim: the connection Prometheus made for its first scrape is still open at
        # its third, after two idle gaps longer than the 10 s request timeout. Other connections
        # (one Prometheus opens besides, the readiness check's while its close is on the
        # way) are listed but do not count either way.
        seen = {}  # remote port -> (scrapes counted, seconds) when first seen
        t0 = time.monotonic()

        def watch(n):
            k = scrapes()
            now = peers_of(d.port)
            for p in now:
                seen.setdefault(p, (k, round(time.monotonic() - t0, 1)))
            return [now] if k >= n else None  # a list: an empty set of ports is an answer too
        first, = harness.wait_until(lambda: watch(1), 60, 0.5, "prometheus's first scrape")
        last, = harness.wait_until(lambda: watch(3), 3 * SCRAPE_EVERY + 30, 0.5,
                                   "three scrapes %ds apart" % SCRAPE_EVERY)
        self.assertTrue(first & last, "no connection open at Prometheus's first scrape was "
                        "still open at its third, %ds apart (ports %s, then %s; remote port: "
                        "(scrapes, seconds) when first seen: %s): esvigil closed it" % (
                            SCRAPE_EVERY, sorted(first), sorted(last), seen))
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
