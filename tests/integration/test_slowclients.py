#!/usr/bin/env python3
"""test_slowclients: a few hundred connections trickling request headers a byte at a
time (slowloris) or sitting idle must not keep a scraper out of /metrics: it answers
within 2 s, whether the slow clients share one address or come from many."""

import os
import socket
import threading
import time

import harness

SLOW = 300          # slow connections held open
PER_ADDRESS = 64     # esvigil's per-address connection limit (daemon/httpd.c)
ANSWER_WITHIN = 2.0  # seconds /metrics may take while they are open
TRICKLE_FOR = 6.0    # seconds the slow clients keep trickling (bounded)


class Trickler:
    """SLOW loopback connections, each sending one header byte every 0.5 s from one
    thread; stopped (all sockets closed) by stop() or after TRICKLE_FOR seconds."""

    def __init__(self, port, sources):
        self.socks = []
        self.refused = 0
        for i in range(SLOW):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(2.0)
            try:
                s.bind((sources[i % len(sources)], 0))
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                self.socks.append(s)
            except OSError:
                self.refused += 1
                s.close()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        deadline = time.monotonic() + TRICKLE_FOR * harness.SCALE
        while not self.done.wait(0.5) and time.monotonic() < deadline:
            for s in list(self.socks):
                try:
                    s.send(b"X")
                except OSError:  # closed by the server: that is allowed
                    self.socks.remove(s)
                    s.close()

    def stop(self):
        self.done.set()
        self.thread.join(10)
        for s in self.socks:
            s.close()


class SlowClients(harness.TestCase):
    def setUp(self):
        super().setUp()
        es = self.fake()
        self.d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"],
                              procfs=self.procfs())
        self.d.wait_ready(20)

    def scrape_while_trickling(self, sources):
        t = Trickler(self.d.port, sources)
        self.addCleanup(t.stop)
        time.sleep(1.5)  # the slow clients are in and trickling
        t0 = time.monotonic()
        status, _, body = self.d.get("/metrics", timeout=ANSWER_WITHIN)
        took = time.monotonic() - t0
        self.held = len(t.socks)
        t.stop()
        self.assertEqual(status, 200, body[:200])
        self.assertIn(b"esvigil_up", body)
        limit = ANSWER_WITHIN * harness.SCALE
        self.assertLess(took, limit, "/metrics took %.2fs behind %d slow clients"
                        % (took, SLOW))
        return took

    def test_one_abusive_address(self):
        # All from 127.0.0.2: the per-address limit turns most away, the scraper
        # (127.0.0.1) is not affected.
        took = self.scrape_while_trickling(["127.0.0.2"])
        self.assertLessEqual(self.held, PER_ADDRESS, "connections kept from one address")
        print("slow clients from one address: /metrics in %.3fs" % took)

    def test_many_addresses(self):
        # 10 per address over 30 loopback addresses: under the per-address limit, so
        # only the overall connection limit protects the scraper.
        took = self.scrape_while_trickling(["127.0.0.%d" % (10 + i) for i in range(30)])
        self.assertEqual(self.held, SLOW, "slow clients under the per-address limit kept")
        print("slow clients from 30 addresses: /metrics in %.3fs" % took)

    def test_still_serves_after(self):
        self.scrape_while_trickling(["127.0.0.3"])
        status, _, _ = self.d.get("/-/healthy")
        self.assertEqual(status, 200)
        self.assertCleanExit(self.d)


if __name__ == "__main__":
    if os.uname().sysname != "Linux":  # 127.0.0.0/8 as source addresses
        print("SKIP: needs Linux loopback addresses")
        raise SystemExit(harness.SKIP)
    harness.main(timeout=120)
