#!/usr/bin/env python3
"""bench: esvigil against the reference exporter (prometheus-elasticsearch-exporter) on
the same fake Elasticsearch, in one run. Prints a table (metric, esvigil, reference,
esvigil/reference) and writes it, with the raw samples, to bench/out/. Run it through
bench/run.sh; bench/README.md says what each row measures and how to read it.

Python 3 stdlib only; loopback only; every process it starts is stopped by its pid.
"""

import argparse
import datetime
import gzip
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
FAKE_ES = os.path.join(HERE, "..", "tests", "fake_es.py")
GEN_BIG = os.path.join(HERE, "gen_big.py")
GEN_PROCFS = os.path.join(SRCDIR, "tests", "gen_procfs.py")
FIXTURE = os.path.join(SRCDIR, "tests", "fixtures", "es", "es-8.9")
REFERENCE = "prometheus-elasticsearch-exporter"
YAJL_FLOOR = os.path.join(HERE, "yajl_floor.c")
FAKE_ES_REQ_RE = re.compile(r'"GET (\S+) HTTP')
SERVE_SECONDS = 5       # wrk run per server
SERVE_CONNECTIONS = 32
FLOOR_REPEATS = 7
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The fd holder: opens /dev/null until it has argv[1] fds, says so, and waits to be stopped.
HOLDER_FDS = 600  # gen_procfs' healthy scenario
FD_HOLDER = ("import os, sys, time\n"
             "n = int(sys.argv[1]); keep = []\n"
             "while len(os.listdir('/proc/self/fd')) - 1 < n:\n"  # - the listing's own fd
             "    keep.append(os.open('/dev/null', os.O_RDONLY))\n"
             "print('holding %d fds' % (len(os.listdir('/proc/self/fd')) - 1), flush=True)\n"
             "time.sleep(86400)\n")
LISTEN_RE = re.compile(r"listening on (https?://[0-9.:]+)")
POLL_RE = re.compile(r"poll (\d+) done in ([0-9.]+)s: ([^\"]*)")
REF_READY_RE = re.compile(r"starting elasticsearch_exporter")

# Per scenario: the flags of each exporter and how many cycles / requests to time.
# A cycle is one poll followed by one /metrics scrape for esvigil (what Prometheus
# makes it do) and one scrape for the reference (which polls ES inside the scrape); both
# scrapes ask for gzip as Prometheus does, and come one per interval.
SCENARIOS = {
    "single": {
        "title": "single node (tests/fixtures/es/es-8.9)",
        "esvigil": [],
        "reference": [],
        "interval": "1s", "warmup": 2, "cycles": 20, "requests": 200, "timeout": 10.0,
        "also_back_to_back": True, "connections": 50,
    },
    "big": {
        "title": "big cluster (bench/gen_big.py: %(nodes)d nodes, %(shards)d shards)",
        "esvigil": ["--es.all", "--cluster.metrics=always", "--es.max-response-size=1gb",
                    "--es.timeout=120s", "--poll.deadline=120s"],
        "reference": ["--es.all", "--es.shards", "--es.cluster_settings", "--es.timeout=120s"],
        "interval": "2s", "warmup": 2, "cycles": 5, "requests": 8, "timeout": 180.0,
    },
}


class BenchError(Exception):
    pass


# ------------------------------------------------------------------ processes

_live = []  # every Popen this script started, stopped by pid on any exit path


def stop_proc(proc, timeout=5.0):
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        except ProcessLookupError:
            pass
    if proc in _live:
        _live.remove(proc)


def stop_all():
    for proc in list(_live):
        try:
            stop_proc(proc)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass


class Proc:
    """A started process; its merged stdout/stderr collected line by line with the
    monotonic time each line arrived, and copied to a log file."""

    def __init__(self, name, cmd, log_path):
        self.name, self.cmd = name, cmd
        self.lines = []  # (arrival time, text)
        self.cond = threading.Condition()
        self.log = open(log_path, "w")
        self.log.write("$ %s\n" % " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        _live.append(self.proc)
        self.pid = self.proc.pid
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            now = time.monotonic()
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.log.write(text + "\n")
            with self.cond:
                self.lines.append((now, text))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_line(self, rx, timeout, start=0):
        """(index, arrival time, match) of the first line at or after start matching rx."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    m = rx.search(self.lines[i][1])
                    if m:
                        return i, self.lines[i][0], m
                start = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    break
                self.cond.wait(min(left, 0.5))
        raise BenchError("%s: no output line matching %r within %.0fs (exit status %s); "
                         "last lines:\n  %s" % (self.name, rx.pattern, timeout, self.proc.poll(),
                                                "\n  ".join(t for _, t in self.lines[-8:])))

    def first_line_after(self, t):
        """Arrival time of the first line that arrived after t, or None."""
        with self.cond:
            return next((at for at, _ in self.lines if at > t), None)

    def stop(self):
        stop_proc(self.proc)
        self.reader.join(5)
        self.proc.stdout.close()
        self.log.close()


# ------------------------------------------------------------------ measuring

def proc_status(pid):
    """VmRSS, VmHWM, RssAnon, RssFile of pid, in bytes."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(rest.split()[0]) * 1024
    return out


def proc_cpu(pid):
    """CPU time of the process in seconds, to the nanosecond, exited threads included: its
    CPU-time clock (clock_getcpuclockid(3) makes the id from the pid, as below). Ticks
    (10 ms) would need hundreds of polls, and esvigil polls at most once a second; the
    fallback (live threads' schedstat plus the ticks exited threads left) was off by up to
    a tick per thread at each end, ~0.5 ms per cycle over 20 cycles."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | 2) / 1e9  # CPUCLOCK_SCHED of pid
    except OSError:
        pass
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = (int(fields[11]) + int(fields[12])) / CLK_TCK
    live, live_ticks = 0, 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                live += int(f.read().split()[0])
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                tf = f.read().rsplit(")", 1)[1].split()
            live_ticks += int(tf[11]) + int(tf[12])
    except (OSError, ValueError, IndexError):
        return ticks
    return live / 1e9 + max(0.0, ticks - live_ticks / CLK_TCK)


def fetch(port, path="/metrics", gz=False, timeout=10.0):
    """One GET on a fresh connection: (status, content-encoding, body, seconds)."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"} if gz else {})
        resp = conn.getresponse()
        body = resp.read()
        took = time.perf_counter() - t0
        return resp.status, resp.getheader("Content-Encoding"), body, took
    finally:
        conn.close()


def connect(port, timeout, tls=None):
    if tls:
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def make_certificate(d):
    """A CA and a server certificate for 127.0.0.1 in d, and a web config file naming them;
    None without openssl."""
    if not shutil.which("openssl"):
        return None
    os.makedirs(d, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
        "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "server.crt")
    web = os.path.join(d, "web.yml")
    with open(web, "w") as f:
        f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
                % (os.path.join(d, "server.crt"), os.path.join(d, "server.key")))
    return web


def ssl_context(d):
    return ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))


def scrape(port, timeout, gz=False):
    status, enc, body, took = fetch(port, gz=gz, timeout=timeout)
    if status != 200:
        raise BenchError("GET /metrics on port %d -> %d: %r" % (port, status, body[:200]))
    return enc, body, took


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_seconds(text):
    """"50ms", "2s", "1h" -> seconds."""
    m = re.fullmatch(r"([0-9.]+)(ms|s|m|h)", text)
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def median(xs):
    s = sorted(xs)
    n = len(s)
    return (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2) if n else None


def pct(xs, p):
    """Nearest-rank percentile (p99 of fewer than 100 samples is the maximum)."""
    s = sorted(xs)
    return s[max(0, -(-len(s) * p // 100) - 1)] if s else None


def samples_in(body):
    return sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))


def metric_value(body, name):
    m = re.search(rb"^" + re.escape(name.encode()) + rb" (\S+)$", body, re.M)
    return float(m.group(1)) if m else None


# ------------------------------------------------------------------ the run

class Bench:
    def __init__(self, args, work):
        self.a, self.work = args, work
        self.results = {"scenarios": {}}

    def log_path(self, name):
        return os.path.join(self.work, "logs", name + ".log")

    def say(self, msg):
        print("bench: " + msg, file=sys.stderr, flush=True)

    # --- fake ES
    def start_fake(self, fixture_dir, name):
        port_file = os.path.join(self.work, name + ".port")
        p = Proc("fake_es", [sys.executable, FAKE_ES, "--fixture-dir", fixture_dir,
                             "--port", "0", "--port-file", port_file, "--verbose",
                             "--max-seconds", str(int(self.a.max_seconds) + 60)],
                 self.log_path(name))
        p.wait_line(re.compile(r"fake_es listening on"), 20)
        with open(port_file) as f:
            p.port = int(f.read())
        p.fixture_dir = fixture_dir
        return p

    def fake_requests(self, fake):
        status, _, body, _ = fetch(fake.port, "/_fake/requests")
        return json.loads(body)["total"]  # /_fake/requests itself is not counted

    # --- esvigil
    def start_esvigil(self, fake, sc, interval, procfs, name):
        cmd = [self.a.esvigil, "--es.uri=http://127.0.0.1:%d" % fake.port,
               "--web.listen-address=127.0.0.1:0", "--log.level=debug",
               "--poll.interval=" + interval, "--path.procfs=" + procfs] + sc["esvigil"]
        p = Proc("esvigil", cmd, self.log_path(name))
        _, _, m = p.wait_line(LISTEN_RE, 20)
        p.port = int(m.group(1).rsplit(":", 1)[1])
        return p

    def wait_poll(self, ev, n, timeout, start=0):
        """Waits for esvigil's "poll n done" line: (line index, arrival time)."""
        while True:
            i, t, m = ev.wait_line(POLL_RE, timeout, start)
            if int(m.group(1)) >= n:
                if m.group(3) != "ok":
                    raise BenchError("esvigil poll %s failed: %s" % (m.group(1), m.group(3)))
                return i, t
            start = i + 1

    def esvigil_cycles(self, sc, fake, procfs, res):
        """Poll-then-scrape cycles: poll times, CPU, RSS, ES requests per poll."""
        ev = self.start_esvigil(fake, sc, sc["interval"], procfs, res["name"] + "-esvigil-cycles")
        try:
            tmo = sc["timeout"]
            idx, _ = self.wait_poll(ev, 1, tmo)
            n = 1
            for _ in range(sc["warmup"]):
                n += 1
                idx, _ = self.wait_poll(ev, n, tmo, idx + 1)
                scrape(ev.port, tmo, gz=True)
            res["rss_warm"] = proc_status(ev.pid)
            req0, cpu0 = self.fake_requests(fake), proc_cpu(ev.pid)
            # A poll starts on a fixed schedule, at least interval/4 after the last one
            # ended; fake_es lines arriving before that guard belong to the last poll.
            guard = parse_seconds(sc["interval"]) / 4
            t_prev = time.monotonic()
            durs, walls, renders, between, per_cycle = [], [], [], [], []
            fake_from = fake.mark()
            cpu_prev = cpu0
            for _ in range(sc["cycles"]):
                n += 1
                idx, t_done = self.wait_poll(ev, n, tmo, idx + 1)
                between.append(proc_status(ev.pid)["VmRSS"])  # at once: before the next poll
                t_first = fake.first_line_after(t_prev + guard)
                if t_first is not None and t_first < t_done:
                    walls.append(t_done - t_first)
                t_prev = t_done
                # gzip, as Prometheus asks: the snapshot then renders only that body up front
                _, zbody, _ = scrape(ev.port, tmo, gz=True)
                body = gzip.decompress(zbody)
                durs.append(metric_value(body, "esvigil_poll_duration_seconds"))
                renders.append(metric_value(body, "esvigil_render_duration_seconds"))
                cpu_now = proc_cpu(ev.pid)
                per_cycle.append(cpu_now - cpu_prev)
                cpu_prev = cpu_now
            cpu1 = proc_cpu(ev.pid)
            req1 = self.fake_requests(fake)
            res["floor_files"] = self.fixture_files(fake, fake_from)
            res["rss_between"] = median(between)
            res.update(poll=durs, poll_wall=walls, render=[r for r in renders if r is not None],
                       cpu=cpu1 - cpu0, cpu_cycles=per_cycle,
                       es_requests=(req1 - req0) / sc["cycles"],
                       rss_end=proc_status(ev.pid), samples=samples_in(body),
                       size_plain=len(body))
        finally:
            ev.stop()

    def esvigil_latency(self, sc, fake, procfs, res):
        """/metrics latency with no poll running (interval 1h after the first)."""
        ev = self.start_esvigil(fake, sc, "1h", procfs, res["name"] + "-esvigil-latency")
        try:
            self.wait_poll(ev, 1, sc["timeout"])
            self.latency(ev.port, sc, res)
            if sc.get("connections"):
                res["conn_cpu"] = self.connection_cpu(ev, sc)
            res["rss_latency_end"] = proc_status(ev.pid)
        finally:
            ev.stop()

    def esvigil_tls(self, sc, fake, procfs, res):
        """The same scrapes over TLS (web.config.file with a certificate made now)."""
        pki = os.path.join(self.work, "pki")
        web = make_certificate(pki)
        if not web:
            self.say("no openssl: the TLS rows are skipped")
            return
        ev = self.start_esvigil(fake, dict(sc, esvigil=sc["esvigil"] + ["--web.config.file=" + web]),
                                "1h", procfs, res["name"] + "-esvigil-tls")
        try:
            self.wait_poll(ev, 1, sc["timeout"])
            res["conn_cpu_tls"] = self.connection_cpu(ev, sc, ssl_context(pki))
        finally:
            ev.stop()

    def connection_cpu(self, p, sc, tls=None):
        """The server's CPU per gzip scrape of /metrics, each on a new connection and then all
        over one kept connection (as Prometheus scrapes: it keeps idle connections 5 min), a
        scrape every 20 ms. Seconds: {"new": .., "kept": ..}."""
        n, out = sc["connections"], {}
        for mode in ("new", "kept"):
            conn = None
            cpu0 = proc_cpu(p.pid)
            for _ in range(n):
                if conn is None:
                    conn = connect(p.port, sc["timeout"], tls)
                conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise BenchError("GET /metrics on port %d -> %d" % (p.port, resp.status))
                if mode == "new":
                    conn.close()
                    conn = None
                time.sleep(0.02)
            out[mode] = (proc_cpu(p.pid) - cpu0) / n
            if conn:
                conn.close()
        return out

    def fixture_files(self, fake, start):
        """The fixture files fake ES served since line start (what esvigil's polls parsed)."""
        sys.path.insert(0, os.path.dirname(FAKE_ES))
        import fake_es  # noqa: E402 - its routing table, not a copy of it
        with fake.cond:
            lines = [t for _, t in fake.lines[start:]]
        names = set()
        for text in lines:
            m = FAKE_ES_REQ_RE.search(text)
            name = m and fake_es.fixture_for(m.group(1).split("?", 1)[0])
            if name:
                names.add(name)
        return sorted(os.path.join(fake.fixture_dir, n) for n in names
                      if os.path.exists(os.path.join(fake.fixture_dir, n)))

    def floor(self, files, res):
        """yajl with empty callbacks over the bodies one poll parses: CPU seconds per pass."""
        out = subprocess.run([self.floor_bin, str(FLOOR_REPEATS)] + files, check=True,
                             capture_output=True, text=True, timeout=300).stdout
        res["floor"] = float(out.split()[0])
        res["floor_bytes"] = sum(os.path.getsize(f) for f in files)

    # --- /metrics req/s against a static file server with the same bytes
    def wrk(self, port, path):
        out = subprocess.run(["wrk", "-t2", "-c%d" % SERVE_CONNECTIONS,
                              "-d%ds" % SERVE_SECONDS, "--latency",
                              "-H", "Accept-Encoding: gzip",
                              "http://127.0.0.1:%d%s" % (port, path)],
                             check=True, capture_output=True, text=True,
                             timeout=SERVE_SECONDS + 30).stdout
        m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
        p99 = re.search(r"^\s+99%\s+([0-9.]+)(us|ms|s)\s*$", out, re.M)
        if not m or "Non-2xx" in out:
            raise BenchError("wrk on port %d: %s" % (port, out))
        lat = float(p99.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[p99.group(2)] \
            if p99 else None
        return float(m.group(1)), lat

    def serve_run(self, sc, fake, procfs, res):
        """req/s at 32 connections: esvigil's /metrics (gzip) vs nginx serving those bytes."""
        ev = self.start_esvigil(fake, sc, "1h", procfs, res["name"] + "-esvigil-serve")
        try:
            self.wait_poll(ev, 1, sc["timeout"])
            enc, body, _ = scrape(ev.port, sc["timeout"], gz=True)
            res["serve_rps"], res["serve_p99"] = self.wrk(ev.port, "/metrics")
        finally:
            ev.stop()
        root = os.path.join(self.work, "static")
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, "metrics"), "wb") as f:
            f.write(body)
        port = free_port()
        conf = os.path.join(self.work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"work": self.work, "root": root, "port": port})
        ng = Proc("nginx", [self.nginx, "-c", conf, "-p", self.work, "-e",
                            os.path.join(self.work, "logs", "nginx-error.log")],
                  self.log_path(res["name"] + "-nginx"))
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    if fetch(port, "/metrics", gz=True, timeout=2)[2] == body:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or ng.proc.poll() is not None:
                    raise BenchError("nginx did not serve the body; see "
                                     + self.log_path(res["name"] + "-nginx"))
                time.sleep(0.05)
            res["static_rps"], res["static_p99"] = self.wrk(port, "/metrics")
            res["serve_bytes"] = len(body)
        finally:
            ng.stop()

    # --- reference
    def start_reference(self, fake, sc, name):
        for _ in range(3):  # free_port() can race with another program: retry
            port = free_port()
            cmd = [self.a.reference, "--es.uri=http://127.0.0.1:%d" % fake.port,
                   "--web.listen-address=127.0.0.1:%d" % port] + sc["reference"]
            p = Proc("reference", cmd, self.log_path(name))
            p.port = port
            try:
                p.wait_line(REF_READY_RE, 20)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and p.proc.poll() is None:
                    try:
                        if fetch(port, "/", timeout=2)[0] in (200, 404):
                            return p
                    except OSError:
                        time.sleep(0.05)
            except BenchError:
                pass
            p.stop()
        raise BenchError("the reference exporter did not start; see " + self.log_path(name))

    def reference_run(self, sc, fake, res):
        ref = self.start_reference(fake, sc, res["name"] + "-reference")
        try:
            tmo = sc["timeout"]
            for _ in range(sc["warmup"] + 1):
                scrape(ref.port, tmo, gz=True)
            res["rss_warm"] = proc_status(ref.pid)
            # Scraped as Prometheus scrapes it and as esvigil's cycles run: gzip asked, one
            # scrape per interval (start to start). Back to back and plain (rounds 1-5) it costs
            # less: warm caches, and no compression while esvigil's cycles compress.
            pace = parse_seconds(sc["interval"])
            req0, cpu0 = self.fake_requests(fake), proc_cpu(ref.pid)
            lat, per_cycle, cpu_prev = [], [], cpu0
            t0 = time.monotonic()
            for i in range(sc["cycles"]):
                time.sleep(max(0.0, t0 + i * pace - time.monotonic()))
                enc, zbody, took = scrape(ref.port, tmo, gz=True)
                lat.append(took)
                cpu_now = proc_cpu(ref.pid)
                per_cycle.append(cpu_now - cpu_prev)
                cpu_prev = cpu_now
            cpu1 = proc_cpu(ref.pid)
            req1 = self.fake_requests(fake)
            body = gzip.decompress(zbody) if enc == "gzip" else zbody
            res.update(poll=lat, cpu=cpu1 - cpu0, cpu_cycles=per_cycle, es_requests=(req1 - req0) / sc["cycles"],
                       rss_end=proc_status(ref.pid), samples=samples_in(body),
                       size_plain=len(body), enc_cycles=enc or "identity")
            if sc.get("also_back_to_back"):
                cpu0 = proc_cpu(ref.pid)
                for _ in range(sc["cycles"]):
                    scrape(ref.port, tmo)
                res["cpu_back_to_back_plain"] = proc_cpu(ref.pid) - cpu0
            self.latency(ref.port, sc, res)
            if sc.get("connections"):
                res["conn_cpu"] = self.connection_cpu(ref, sc)
            res["rss_latency_end"] = proc_status(ref.pid)
        finally:
            ref.stop()

    def latency(self, port, sc, res):
        for kind, gz in (("plain", False), ("gzip", True)):
            lat, encs = [], set()
            for _ in range(sc["requests"]):
                enc, body, took = scrape(port, sc["timeout"], gz)
                lat.append(took)
                encs.add(enc or "identity")
            res["lat_" + kind] = lat
            res["enc_" + kind] = sorted(encs)
            res["size_" + kind] = len(body)

    # --- --check
    def check_run(self, sc, fake, procfs, res):
        cmd = [self.a.esvigil, "--check", "--es.uri=http://127.0.0.1:%d" % fake.port,
               "--path.procfs=" + procfs] + sc["esvigil"]
        with open(self.log_path(res["name"] + "-check"), "w") as log:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            _live.append(p)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            _live.remove(p)
        if p.returncode not in (0, 1, 2, 3):
            raise BenchError("esvigil --check exited %d; see %s"
                             % (p.returncode, self.log_path(res["name"] + "-check")))
        # (no ru_maxrss: it would include the forked python image from before exec)
        res["check"] = {"wall": wall, "exit": p.returncode, "cpu": ru.ru_utime + ru.ru_stime}

    # --- scenarios
    def fd_holder(self, name):
        """A process holding the healthy tree's 600 open fds. The tree's PID/fd links to its
        /proc/N/fd, so esvigil counts fds as on a real node of this kernel (one fstat on
        Linux 6.2+, a listing before), not by listing an ext4 directory of 600 symlinks."""
        p = Proc("fd-holder", [sys.executable, "-c", FD_HOLDER, str(HOLDER_FDS)],
                 self.log_path(name + "-fd-holder"))
        p.wait_line(re.compile(r"^holding"), 20)
        return p

    def procfs_for(self, fixture_dir, name, holder):
        """A gen_procfs tree whose ES process has the pid the fixture's node info reports."""
        dest = os.path.join(self.work, name + "-proc")
        cmd = [sys.executable, GEN_PROCFS, dest, "--fd-dir", "/proc/%d/fd" % holder.pid]
        try:
            with open(os.path.join(fixture_dir, "nodes_local.json")) as f:
                node = next(iter(json.load(f)["nodes"].values()))
            cmd += ["--pid", str(node["process"]["id"])]
        except (OSError, ValueError, KeyError, StopIteration):
            pass
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                       timeout=60)
        return dest

    def scenario(self, name, fixture_dir):
        sc = dict(SCENARIOS[name])
        sc["title"] = sc["title"] % {"nodes": self.a.nodes, "shards": self.a.shards}
        if self.a.quick:
            sc.update(cycles=max(3, sc["cycles"] // 10), requests=max(3, sc["requests"] // 10))
        self.say("%s: starting fake ES on %s" % (name, fixture_dir))
        holder = self.fd_holder(name)
        procfs = self.procfs_for(fixture_dir, name, holder)
        fake = self.start_fake(fixture_dir, name + "-fake_es")
        ev = {"name": name + "-esvigil"}
        ref = {"name": name + "-reference"}
        try:
            self.say("%s: esvigil, %d poll+scrape cycles every %s"
                     % (name, sc["cycles"], sc["interval"]))
            self.esvigil_cycles(sc, fake, procfs, ev)
            self.say("%s: esvigil, %d+%d /metrics requests" % (name, sc["requests"],
                                                              sc["requests"]))
            self.esvigil_latency(sc, fake, procfs, ev)
            if sc.get("connections"):
                self.say("%s: esvigil over TLS, %d scrapes on new connections, %d on one"
                         % (name, sc["connections"], sc["connections"]))
                self.esvigil_tls(sc, fake, procfs, ev)
            self.say("%s: esvigil --check" % name)
            self.check_run(sc, fake, procfs, ev)
            if name == "single":
                self.say("%s: /metrics req/s at %d connections, esvigil then nginx"
                         % (name, SERVE_CONNECTIONS))
                self.serve_run(sc, fake, procfs, ev)
            if name == "big":
                self.say("%s: yajl floor over the %d bodies a poll parses"
                         % (name, len(ev["floor_files"])))
                self.floor(ev["floor_files"], ev)
            self.say("%s: reference, %d gzip scrapes every %s, then %d+%d requests"
                     % (name, sc["cycles"], sc["interval"], sc["requests"], sc["requests"]))
            self.reference_run(sc, fake, ref)
        finally:
            fake.stop()
            holder.stop()
        self.results["scenarios"][name] = {"config": sc, "esvigil": ev, "reference": ref}

    def binaries(self):
        stripped = os.path.join(self.work, "esvigil.stripped")
        subprocess.run(["strip", "-o", stripped, self.a.esvigil], check=True)
        self.results["binary"] = {
            "esvigil": {"unstripped": os.path.getsize(self.a.esvigil),
                        "stripped": os.path.getsize(stripped),
                        "has_symtab": has_symtab(self.a.esvigil),
                        "libs": shared_libs(self.a.esvigil)},
            "reference": {"size": os.path.getsize(self.a.reference),
                          "has_symtab": has_symtab(self.a.reference),
                          "libs": shared_libs(self.a.reference)},
        }

    def run(self):
        self.binaries()
        self.scenario("single", FIXTURE)
        if not self.a.skip_big:
            big = os.path.join(self.work, "big")
            self.say("big: generating %d nodes, %d shards" % (self.a.nodes, self.a.shards))
            subprocess.run([sys.executable, GEN_BIG, "--out", big, "--nodes", str(self.a.nodes),
                            "--shards", str(self.a.shards)], check=True,
                           stdin=subprocess.DEVNULL, timeout=300)
            self.scenario("big", big)


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid %(work)s/nginx.pid;
error_log %(work)s/logs/nginx-error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %(work)s/nginx-tmp;
    proxy_temp_path %(work)s/nginx-tmp;
    fastcgi_temp_path %(work)s/nginx-tmp;
    uwsgi_temp_path %(work)s/nginx-tmp;
    scgi_temp_path %(work)s/nginx-tmp;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        location = /metrics {
            default_type "text/plain; version=0.0.4; charset=utf-8";
            add_header Content-Encoding gzip;
        }
    }
}
"""


def build_floor(work):
    """Compiles bench/yajl_floor.c against the system yajl; the binary's path."""
    out = os.path.join(work, "yajl_floor")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-o", out, YAJL_FLOOR, "-lyajl"], check=True, timeout=120)
    return out


def has_symtab(path):
    out = subprocess.run(["readelf", "-S", "-W", path], capture_output=True, text=True).stdout
    return ".symtab" in out


GLIBC = re.compile(r"^(libc|libm|libpthread|libdl|librt|ld-linux[-a-z0-9_]*)\.so")


def shared_libs(path):
    """Libraries ldd resolves for path, minus glibc: [(name, bytes)]."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m and not GLIBC.match(m.group(1)):
            libs.append((m.group(1), os.path.getsize(os.path.realpath(m.group(2)))))
    return libs


# ------------------------------------------------------------------ the table

def kib(n):
    if n is None:
        return "-"
    if n >= 10 * 1024 * 1024:
        return "%.1f MiB" % (n / 1048576)
    return "%.0f KiB" % (n / 1024)


def ms(s):
    if s is None:
        return "-"
    return "%.3f s" % s if s >= 10 else "%.2f ms" % (s * 1000) if s < 0.1 else \
        "%.0f ms" % (s * 1000)


def num(x, fmt="%d"):
    return "-" if x is None else fmt % x


def ratio(a, b):
    return "%.3g" % (a / b) if a is not None and b else "-"


def rows_for(name, data):
    sc, ev, ref = data["config"], data["esvigil"], data["reference"]
    k, r = sc["cycles"], sc["requests"]
    out = [("== " + sc["title"], None, None, None)]

    def add(label, e, f, fmt):
        out.append((label, fmt(e), fmt(f), ratio(e, f) if e is not None and f is not None
                    else "-"))

    def rss(key, field):
        return ev.get(key, {}).get(field), ref.get(key, {}).get(field)

    warm = sc["warmup"]
    add("RSS after startup + %d polls/scrapes (VmRSS)" % (warm + 1), *rss("rss_warm", "VmRSS"),
        kib)
    add("  of which private (RssAnon)", *rss("rss_warm", "RssAnon"), kib)
    add("RSS after %d more polls/scrapes (VmRSS)" % k, *rss("rss_end", "VmRSS"), kib)
    add("peak RSS over those (VmHWM)", *rss("rss_end", "VmHWM"), kib)
    if ev.get("rss_between"):
        add("steady RSS: esvigil's as each poll is done, median (VmRSS) / ref's after",
            ev["rss_between"], ref.get("rss_end", {}).get("VmRSS"), kib)
    add("peak RSS after the latency run (VmHWM)", *rss("rss_latency_end", "VmHWM"), kib)
    add("ES requests per poll (esvigil) / scrape (ref)", ev.get("es_requests"),
        ref.get("es_requests"), lambda x: num(x, "%.1f"))
    add("poll time, median of %d: esvigil_poll_duration_seconds" % k
        + " vs ref /metrics", median(ev["poll"]), median(ref["poll"]), ms)
    if ev.get("poll_wall"):
        add("poll time incl. render+gzip, median (first ES answer->'poll N done')",
            median(ev["poll_wall"]), median(ref["poll"]), ms)
    add("CPU per poll+scrape (esvigil) / gzip scrape each %s (ref), CPU clock over %d"
        % (sc["interval"], k), ev["cpu"] / k, ref["cpu"] / k, ms)
    if ev.get("cpu_cycles") and ref.get("cpu_cycles"):  # one slow cycle moves the mean only
        add("  median cycle of those %d (CPU clock read after each)" % k,
            median(ev["cpu_cycles"]), median(ref["cpu_cycles"]), ms)
    if ref.get("cpu_back_to_back_plain"):
        add("  ref scraped back to back without gzip instead (rounds 1-5)", ev["cpu"] / k,
            ref["cpu_back_to_back_plain"] / k, ms)
    for kind in ("plain", "gzip"):
        tail = "p99" if r >= 100 else "max"
        add("/metrics latency %s, median of %d" % (kind, r), median(ev["lat_" + kind]),
            median(ref["lat_" + kind]), ms)
        add("/metrics latency %s, %s of %d" % (kind, tail, r), pct(ev["lat_" + kind], 99),
            pct(ref["lat_" + kind], 99), ms)
    add("/metrics size plain", ev.get("size_plain"), ref.get("size_plain"), kib)
    add("/metrics size gzip", ev.get("size_gzip"), ref.get("size_gzip"), kib)
    for who, d in (("esvigil", ev), ("reference", ref)):
        if d.get("enc_gzip") != ["gzip"]:
            out.append(("  (!) %s answered gzip requests with %s" % (who, d.get("enc_gzip")),
                        "", "", ""))
    add("samples in /metrics", ev.get("samples"), ref.get("samples"), num)
    cc, rc = ev.get("conn_cpu"), ref.get("conn_cpu")
    if cc and rc:  # esvigil serves its snapshot; the reference polls ES inside each scrape
        add("CPU per gzip scrape, new connection each (esvigil: serving only; ref: with its poll)",
            cc["new"], rc["new"], ms)
        add("CPU per gzip scrape, one kept connection (as Prometheus, idle <= 5m)",
            cc["kept"], rc["kept"], ms)
    tc = ev.get("conn_cpu_tls")
    if tc:
        out.append(("esvigil over TLS (web.config.file): CPU per gzip scrape, new connection each",
                    ms(tc["new"]), "-", "-"))
        out.append(("esvigil over TLS: CPU per gzip scrape, one kept connection", ms(tc["kept"]),
                    "-", "-"))
    if ev.get("render"):
        out.append(("esvigil_render_duration_seconds, median", ms(median(ev["render"])), "-",
                    "-"))
    if ev.get("floor"):
        out.append(("yajl floor: empty callbacks over the %s a poll parses"
                    % kib(ev["floor_bytes"]), ms(ev["floor"]), "-", "-"))
    if ev.get("serve_rps"):
        out.append(("/metrics gzip req/s at %d connections: esvigil / nginx (same body)"
                    % SERVE_CONNECTIONS, "%.0f" % ev["serve_rps"], "%.0f" % ev["static_rps"],
                    ratio(ev["serve_rps"], ev["static_rps"])))
        out.append(("  wrk p99: esvigil / nginx", ms(ev["serve_p99"]), ms(ev["static_p99"]),
                    ratio(ev["serve_p99"], ev["static_p99"])))
    c = ev.get("check")
    if c:
        out.append(("esvigil --check: wall time (exit %d)" % c["exit"], ms(c["wall"]), "-", "-"))
        out.append(("esvigil --check: CPU (utime+stime)", ms(c["cpu"]), "-", "-"))
    return out


def ratios(results):
    """The issue-13 goals, each a ratio (None when its scenario did not run)."""
    sc = results["scenarios"]
    out = dict.fromkeys(("big.published_vs_ref", "big.collect_vs_floor", "big.peak_rss_vs_ref",
                         "big.steady_rss_vs_ref", "single.cpu_vs_ref", "serve.rps_vs_static"))

    def div(a, b):
        return round(a / b, 4) if a is not None and b else None
    if "big" in sc:
        ev, ref = sc["big"]["esvigil"], sc["big"]["reference"]
        out["big.published_vs_ref"] = div(median(ev.get("poll_wall", [])), median(ref["poll"]))
        out["big.collect_vs_floor"] = div(median(ev["poll"]), ev.get("floor"))
        out["big.peak_rss_vs_ref"] = div(ev["rss_end"]["VmHWM"], ref["rss_end"]["VmHWM"])
        # esvigil's between polls (the moment a poll is done); the reference has no polls
        out["big.steady_rss_vs_ref"] = div(ev.get("rss_between") or ev["rss_end"]["VmRSS"],
                                           ref["rss_end"]["VmRSS"])
    if "single" in sc:
        ev, ref = sc["single"]["esvigil"], sc["single"]["reference"]
        out["single.cpu_vs_ref"] = div(ev["cpu"], ref["cpu"])  # same number of cycles
        out["serve.rps_vs_static"] = div(ev.get("serve_rps"), ev.get("static_rps"))
    return out


GOALS = {"big.published_vs_ref": ("<=", 0.10), "big.collect_vs_floor": ("<=", 3.0),
         "big.peak_rss_vs_ref": ("<=", 0.25), "big.steady_rss_vs_ref": ("<=", 0.20),
         "single.cpu_vs_ref": ("<=", 0.25), "serve.rps_vs_static": (">=", 0.5)}


def ratios_text(r):
    lines = ["goals (bench/out/ratios.json)"]
    for key, (op, goal) in GOALS.items():
        v = r.get(key)
        met = "-" if v is None else "met" if (v <= goal if op == "<=" else v >= goal) \
            else "NOT met"
        lines.append("  %-24s %8s   goal %s %-5g %s" % (key, "-" if v is None else "%.3f" % v,
                                                       op, goal, met))
    return "\n".join(lines)


def table(results):
    b = results["binary"]
    e, f = b["esvigil"], b["reference"]
    elibs = sum(s for _, s in e["libs"])
    flibs = sum(s for _, s in f["libs"])
    rows = [("== binary", None, None, None),
            ("binary size, as built%s" % ("" if e["has_symtab"] else " (no symtab)"),
             kib(e["unstripped"]), kib(f["size"]), ratio(e["unstripped"], f["size"])),
            ("binary size, stripped (esvigil) / as packaged (ref%s)"
             % (", stripped" if not f["has_symtab"] else ", has symtab"),
             kib(e["stripped"]), kib(f["size"]), ratio(e["stripped"], f["size"])),
            ("shared libraries loaded besides glibc (ldd)", str(len(e["libs"])),
             str(len(f["libs"])), "-"),
            ("stripped binary + those libraries, on disk", kib(e["stripped"] + elibs),
             kib(f["size"] + flibs), ratio(e["stripped"] + elibs, f["size"] + flibs))]
    for name in ("single", "big"):
        if name in results["scenarios"]:
            rows += rows_for(name, results["scenarios"][name])
    head = ("metric", "esvigil", "reference", "esvigil/ref")
    w0 = max(len(r[0]) for r in rows + [head])
    w = [max(len(str(r[i] or "")) for r in rows + [head]) for i in (1, 2, 3)]
    lines = ["%-*s  %*s  %*s  %*s" % (w0, head[0], w[0], head[1], w[1], head[2], w[2], head[3]),
             "-" * (w0 + sum(w) + 6)]
    for label, a, b_, c in rows:
        if a is None:
            lines.append(label)
        else:
            lines.append("%-*s  %*s  %*s  %*s" % (w0, label, w[0], a, w[1], b_, w[2], c))
    return "\n".join(lines)


def environment(args):
    def first(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=SRCDIR)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = first(["git", "rev-parse", "--short", "HEAD"])
    dirty = first(["git", "status", "--porcelain", "--untracked-files=no"])
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        "date:      %s" % now.strftime("%Y-%m-%d %H:%M UTC"),
        "host:      %s, %s x %d CPUs, Linux %s, Python %s" % (
            platform.node(), cpu, os.cpu_count() or 0, platform.release(),
            platform.python_version()),
        "esvigil:   %s (%s), git %s%s" % (first([args.esvigil, "--version"]), args.esvigil,
                                          commit, " + uncommitted changes" if dirty not in ("", "?")
                                          else ""),
        "reference: %s (%s)" % (first([args.reference, "--version"]), args.reference),
        "command:   bench/run.sh %s" % " ".join(sys.argv[1:]),
    ]


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


# ------------------------------------------------------------------ main

def parse_args(argv):
    p = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--esvigil", help="esvigil binary (default $ESVIGIL_BIN, else the newer of "
                   "./esvigil and build/esvigil)")
    p.add_argument("--reference", help="reference exporter binary (default %s on PATH)"
                   % REFERENCE)
    p.add_argument("--nodes", type=int, default=500, help="big cluster nodes (default 500)")
    p.add_argument("--shards", type=int, default=100000,
                   help="big cluster shards (default 100000)")
    p.add_argument("--skip-big", action="store_true", help="only the single-node scenario")
    p.add_argument("--quick", action="store_true",
                   help="a tenth of the cycles and requests (smoke test, noisy numbers)")
    p.add_argument("--out", default=os.path.join(HERE, "out"),
                   help="where results-latest.{txt,json} go (default bench/out)")
    p.add_argument("--keep", action="store_true", help="keep the scratch dir (logs, fixtures)")
    p.add_argument("--max-seconds", type=float, default=600,
                   help="abort the whole run after this long (default 600)")
    return p.parse_args(argv)


def find_binaries(args):
    """Fills args.esvigil/args.reference; returns what is missing, one line each."""
    missing = []
    if not args.esvigil:
        args.esvigil = os.environ.get("ESVIGIL_BIN")
    if not args.esvigil:  # an in-tree build or scripts/test's build/: the newer one
        cands = [c for c in (os.path.join(SRCDIR, "esvigil"),
                             os.path.join(SRCDIR, "build", "esvigil")) if os.access(c, os.X_OK)]
        args.esvigil = max(cands, key=os.path.getmtime, default=None)
    if not args.esvigil or not os.access(args.esvigil, os.X_OK):
        missing.append("esvigil binary: build it (make esvigil, or scripts/test) or set "
                       "ESVIGIL_BIN / --esvigil")
    else:
        args.esvigil = os.path.abspath(args.esvigil)
    args.reference = args.reference or shutil.which(REFERENCE)
    if not args.reference or not os.access(args.reference, os.X_OK):
        missing.append("%s: apt-get install prometheus-elasticsearch-exporter (Debian), "
                       "or pass --reference" % REFERENCE)
    else:
        args.reference = os.path.abspath(args.reference)
    args.nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not args.nginx:
        missing.append("nginx: apt-get install nginx-light (scripts/deps bench)")
    if not os.path.exists("/usr/include/yajl/yajl_parse.h"):
        missing.append("yajl headers: apt-get install libyajl-dev (scripts/deps bench)")
    for tool, pkg in (("strip", "binutils"), ("readelf", "binutils"), ("ldd", "libc-bin"),
                      ("wrk", "wrk"), (os.environ.get("CC", "cc"), "build-essential")):
        if not shutil.which(tool):
            missing.append("%s: apt-get install %s" % (tool, pkg))
    for path in (FAKE_ES, GEN_BIG, GEN_PROCFS, os.path.join(SRCDIR, "tests", "fake_es.py"),
                 os.path.join(FIXTURE, "nodes_local_stats.json")):
        if not os.path.exists(path):
            missing.append("%s: missing from the source tree" % path)
    return missing


def main(argv):
    args = parse_args(argv)
    missing = find_binaries(args)
    if missing:
        print("bench: cannot run, missing:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2

    def on_alarm(*_):
        raise BenchError("the run exceeded --max-seconds %g" % args.max_seconds)

    def on_term(sig, _):
        raise BenchError("stopped by signal %d" % sig)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(args.max_seconds))
    work = tempfile.mkdtemp(prefix="esvigil-bench-")
    os.makedirs(os.path.join(work, "logs"))
    bench = Bench(args, work)
    t0 = time.monotonic()
    load0 = loadavg()
    try:
        env = environment(args)
        bench.floor_bin = build_floor(work)
        bench.nginx = args.nginx
        bench.run()
        bench.ratios = ratios(bench.results)
    except (BenchError, subprocess.CalledProcessError, OSError, KeyboardInterrupt) as e:
        stop_all()
        print("bench: FAILED: %s\nbench: logs kept in %s" % (e, work), file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        stop_all()
    took = time.monotonic() - t0
    text = "\n".join(env + [
        "took:      %.0f s%s; 1-min load average %s at start, %s at end (other work on the "
        "host skews the numbers)" % (took, " (--quick)" if args.quick else "", load0, loadavg()),
        "", table(bench.results), "", ratios_text(bench.ratios), ""])
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results-latest.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "ratios.json"), "w") as f:
        json.dump(bench.ratios, f, indent=1)
        f.write("\n")
    with open(os.path.join(args.out, "results-latest.json"), "w") as f:
        json.dump({"environment": env, "seconds": took, "results": bench.results}, f, indent=1)
    print("bench: wrote %s/results-latest.{txt,json} and ratios.json" % os.path.relpath(args.out),
          file=sys.stderr)
    if args.keep:
        print("bench: scratch kept in " + work, file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
