"""harness: shared helpers for the integration tests, which run the real esvigil
binary against tests/fake_es.py and a fake procfs tree (python3 stdlib only).

Environment (set by `make check`; defaults suit a run by hand from the repo root):
  ESVIGIL_BIN       the binary (default $ESVIGIL_BUILDDIR/esvigil)
  ESVIGIL_SRCDIR    source tree (default: the repo holding this file)
  ESVIGIL_BUILDDIR  build tree, where tests/tmp/ goes (default: ESVIGIL_SRCDIR)
  ESVIGIL_VALGRIND  1 = run the daemon under valgrind, fail on leaks/errors
  ESVIGIL_TEST_TIMEOUT  seconds a whole test file may take (default 120, x5 under valgrind)
"""

import base64  # noqa: F401  (re-exported for the tests' convenience)
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import unittest
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("ESVIGIL_SRCDIR") or os.path.join(HERE, "..", ".."))
BUILDDIR = os.path.abspath(os.environ.get("ESVIGIL_BUILDDIR") or SRCDIR)
BIN = os.environ.get("ESVIGIL_BIN") or os.path.join(BUILDDIR, "esvigil")
FAKE_ES = os.path.join(SRCDIR, "tests", "fake_es.py")
GEN_PROCFS = os.path.join(SRCDIR, "tests", "gen_procfs.py")
FIXTURES = os.path.join(SRCDIR, "tests", "fixtures", "es")
VERSIONS = ("es-5.6", "es-6.8", "es-7.13", "es-7.17", "es-8.9", "opensearch-1.3",
            "opensearch-2.11", "demo")
FIXTURE_FILES = ("root.json", "nodes_local_stats.json", "nodes_stats.json", "nodes_local.json",
                 "cluster_health.json", "cluster_settings.json", "cat_shards.json")

VALGRIND = os.environ.get("ESVIGIL_VALGRIND") == "1"
VALGRIND_CMD = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect", "--track-fds=no", "-q"]
# Every wait in the tests is multiplied by this: valgrind slows the daemon ~20x.
SCALE = 8.0 if VALGRIND else 1.0
FILE_TIMEOUT = float(os.environ.get("ESVIGIL_TEST_TIMEOUT") or 120) * (5 if VALGRIND else 1)

LISTEN_RE = re.compile(r"listening on (http://[0-9.:\[\]a-z]+)")
SKIP = 77

# Processes this test file started (never anything else): killed on any exit path.
_live = []
_tmp_root = None


# ---------------------------------------------------------------- basics

def tmp_root():
    """Per-file scratch dir under the build tree (the source tree may be read-only)."""
    global _tmp_root
    if _tmp_root is None:
        name = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "test"
        _tmp_root = os.path.join(BUILDDIR, "tests", "tmp", "%s-%d" % (name, os.getpid()))
        os.makedirs(_tmp_root, exist_ok=True)
    return _tmp_root


def make_tmpdir(name):
    path = os.path.join(tmp_root(), re.sub(r"[^A-Za-z0-9_.-]", "_", name))
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_file(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def wait_until(pred, timeout=10.0, interval=0.1, msg="condition"):
    """Polls pred() until it returns something truthy (returned); AssertionError on timeout."""
    deadline = time.monotonic() + timeout * SCALE
    last_exc = None
    while True:
        try:
            value = pred()
            if value:
                return value
        except (OSError, http.client.HTTPException, ValueError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            extra = " (last error: %r)" % last_exc if last_exc else ""
            raise AssertionError("timed out after %.1fs waiting for %s%s"
                                 % (timeout * SCALE, msg, extra))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TCP_ESTABLISHED, TCP_LISTEN = "01", "0A"  # the st column of /proc/net/tcp


def tcp_sockets(local_port, state):
    """(remote port, inode) of the sockets on local_port in state, from /proc/net/tcp{,6}
    (no ss needed)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for cols in (row.split() for row in rows):
            if cols[3] == state and int(cols[1].rsplit(":", 1)[1], 16) == local_port:
                found.append((int(cols[2].rsplit(":", 1)[1], 16), cols[9]))
    return found


def port_listeners(port):
    """Command lines (argv lists) of the processes holding a socket that listens on TCP port
    `port`, from /proc/net/tcp{,6} and /proc/*/fd. Unlike connecting to the port, this tells
    a process that left a listener from another test's server that was given the same free
    port meanwhile (and a loopback connect to a free ephemeral port can connect to itself)."""
    inodes = {"socket:[%s]" % inode for _, inode in tcp_sockets(port, TCP_LISTEN)}
    if not inodes:
        return []
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            fd_dir = "/proc/%s/fd" % pid
            if any(os.readlink(os.path.join(fd_dir, fd)) in inodes for fd in os.listdir(fd_dir)):
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    found.append([a.decode(errors="replace") for a in f.read().split(b"\0") if a])
        except OSError:
            continue  # gone, or not ours to read
    return found


def http_request(method, url, headers=None, body=None, timeout=5.0):
    """(status, headers with lower-case names, body bytes). No proxies, no decompression."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout * SCALE)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {}
        for k, v in resp.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        return resp.status, hdrs, data
    finally:
        conn.close()


def http_get(url, headers=None, timeout=5.0):
    return http_request("GET", url, headers=headers, timeout=timeout)


# ---------------------------------------------------------------- exposition

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\S+)?$")
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def _unescape(v):
    return v.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


class Metrics:
    """A parsed text exposition: samples as (name, labels dict, value)."""

    def __init__(self, text):
        self.text = text
        self.samples = []
        self.types = {}
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                parts = line.split()
                if len(parts) >= 4:
                    self.types[parts[2]] = parts[3]
                continue
            if not line.strip() or line.startswith("#"):
                continue
            m = _SAMPLE_RE.match(line)
            if not m:
                raise ValueError("unparsable exposition line: %r" % line)
            labels = {}
            if m.group(2):
                inner = m.group(2)[1:-1]
                pos = 0
                while pos < len(inner):
                    lm = _LABEL_RE.match(inner, pos)
                    if not lm:
                        raise ValueError("bad labels in line: %r" % line)
                    labels[lm.group(1)] = _unescape(lm.group(2))
                    pos = lm.end()
            self.samples.append((m.group(1), labels, float(m.group(3))))

    def find(self, name, **labels):
        """Every sample of name whose labels include the given ones."""
        return [s for s in self.samples
                if s[0] == name and all(s[1].get(k) == v for k, v in labels.items())]

    def get(self, name, **labels):
        """The value of the first matching sample, or None."""
        found = self.find(name, **labels)
        return found[0][2] if found else None

    def names(self, prefix=""):
        return sorted({s[0] for s in self.samples if s[0].startswith(prefix)})

    def __contains__(self, name):
        return any(s[0] == name for s in self.samples)


# ---------------------------------------------------------------- processes

def _track(proc):
    _live.append(proc)
    return proc


def _reap(proc, sig=signal.SIGTERM, timeout=5.0):
    """Stops one process we started: sig, bounded wait, then SIGKILL. Returns its status."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout * SCALE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if proc in _live:
        _live.remove(proc)
    return proc.returncode


def kill_all():
    for proc in list(_live):
        try:
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
        if proc in _live:
            _live.remove(proc)


def clean_env(extra=None):
    """The environment for esvigil: ours without secrets it would pick up, plus extra."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ESVIGIL_ES_PASSWORD", "ESVIGIL_ES_API_KEY")}
    env.update(extra or {})
    return env


class FakeES:
    """A running tests/fake_es.py."""

    def __init__(self, fixture_dir, mode="healthy", port=0, extra=(), workdir=None):
        workdir = workdir or make_tmpdir("fake-es-%d" % time.monotonic_ns())
        self.port_file = os.path.join(workdir, "fake_es.port")
        self.log_path = os.path.join(workdir, "fake_es.log")
        cmd = [sys.executable, FAKE_ES, "--fixture-dir", fixture_dir, "--mode", mode,
               "--port", str(port), "--port-file", self.port_file,
               "--max-seconds", str(int(FILE_TIMEOUT + 60))] + list(extra)
        self.log = open(self.log_path, "w")
        self.proc = _track(subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL))
        try:
            wait_until(self._read_port, 10, msg="fake_es port file")
        except AssertionError:
            self.stop()
            raise AssertionError("fake_es did not start:\n" + self.output())
        self.url = "http://127.0.0.1:%d" % self.port

    def _read_port(self):
        if self.proc.poll() is not None:
            raise AssertionError("fake_es exited with %s:\n%s"
                                 % (self.proc.returncode, self.output()))
        try:
            with open(self.port_file) as f:
                self.port = int(f.read().strip())
            return True
        except (OSError, ValueError):
            return False

    def output(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def set_mode(self, mode):
        status, _, body = http_request("POST", self.url + "/_fake/mode", body=mode.encode())
        if status != 200:
            raise AssertionError("fake_es refused mode %r: %s" % (mode, body))

    def set_fault(self, prefix, mode):
        """Answers paths under prefix in mode (healthy clears it); the rest as before."""
        status, _, body = http_request("POST", self.url + "/_fake/fault",
                                       body=("%s %s" % (prefix, mode)).encode())
        if status != 200:
            raise AssertionError("fake_es refused fault %r %r: %s" % (prefix, mode, body))

    def requests(self):
        status, _, body = http_get(self.url + "/_fake/requests")
        assert status == 200, body
        return json.loads(body)

    def stop(self):
        """Stops it (idempotent); returns its exit status."""
        rc = _reap(self.proc)
        if not self.log.closed:
            self.log.close()
        return rc


class Esvigil:
    """A running esvigil daemon, its stderr collected line by line."""

    def __init__(self, args, env=None, wait_listen=True):
        cmd = (VALGRIND_CMD if VALGRIND else []) + [BIN] + list(args)
        self.cmd = cmd
        self.lines = []
        self.cond = threading.Condition()
        full_env = clean_env(env)
        self.proc = _track(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            stdin=subprocess.DEVNULL, env=full_env))
        self.readers = [threading.Thread(target=self._read, args=(s,), daemon=True)
                        for s in (self.proc.stderr, self.proc.stdout)]
        for t in self.readers:
            t.start()
        self.url = None
        self.port = None
        if wait_listen:
            m = self.wait_log(LISTEN_RE, 15, "the 'listening on' log line")
            self.url = m.group(1).rstrip("/")
            self.port = urlsplit(self.url).port

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def log(self):
        with self.cond:
            return "\n".join(self.lines)

    def wait_log(self, regex, timeout=10.0, what=None, start=0):
        """Waits for a log line (index >= start) matching regex; returns the match."""
        rx = re.compile(regex) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout * SCALE
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._readers_alive()):
                    break
                self.cond.wait(min(left, 0.2))
        raise AssertionError("no log line matching %r (%s); exit=%s; log:\n%s"
                             % (rx.pattern, what or "", self.proc.poll(), self.log()))

    def close(self):
        """After exit: drains the output readers and closes the pipes."""
        for t in self.readers:
            t.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream and not stream.closed:
                stream.close()

    def _readers_alive(self):
        return any(t.is_alive() for t in self.readers)

    def mark(self):
        """The log position now, for wait_log(start=...)."""
        with self.cond:
            return len(self.lines)

    def get(self, path="/metrics", headers=None, timeout=5.0):
        return http_get(self.url + path, headers=headers, timeout=timeout)

    def metrics(self, path="/metrics"):
        status, hdrs, body = self.get(path)
        if status != 200:
            raise AssertionError("GET %s -> %d: %r" % (path, status, body[:300]))
        return Metrics(body.decode("utf-8"))

    def wait_metric(self, pred, timeout=15.0, msg="metrics condition", path="/metrics"):
        """Waits until pred(Metrics) is truthy; returns that Metrics."""
        box = {}

        def check():
            status, _, body = self.get(path)
            if status != 200:  # e.g. 503 before the first poll: keep waiting
                box["status"] = "GET %s -> %d: %r" % (path, status, body[:200])
                return False
            box["m"] = Metrics(body.decode("utf-8"))
            return pred(box["m"])
        try:
            wait_until(check, timeout, interval=0.2, msg=msg)
        except AssertionError as e:
            text = box["m"].text if "m" in box else box.get("status", "(no metrics read)")
            raise AssertionError("%s\n--- last /metrics:\n%s\n--- log:\n%s"
                                 % (e, text, self.log())) from None
        return box["m"]

    def wait_ready(self, timeout=15.0):
        wait_until(lambda: self.get("/-/ready")[0] == 200, timeout, interval=0.2,
                   msg="/-/ready 200")

    def kill(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends sig, waits (bounded), returns the exit status. Under valgrind a
        non-zero status fails here with valgrind's report."""
        rc = _reap(self.proc, sig, timeout)
        self.close()
        if VALGRIND and rc != 0:
            raise AssertionError("esvigil under valgrind exited %s; output:\n%s"
                                 % (rc, self.log()))
        return rc


def run_esvigil(args, env=None, timeout=10.0):
    """Runs esvigil to completion: (exit status, stdout, stderr)."""
    cmd = (VALGRIND_CMD if VALGRIND else []) + [BIN] + list(args)
    full_env = clean_env(env)
    p = subprocess.run(cmd, capture_output=True, env=full_env, timeout=timeout * SCALE,
                       stdin=subprocess.DEVNULL)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if VALGRIND and p.returncode == 99:
        raise AssertionError("valgrind reported errors:\n" + err)
    return p.returncode, out, err


def start_fake_es(fixture=None, mode="healthy", port=0, extra=()):
    return FakeES(fixture or fixture_dir(), mode=mode, port=port, extra=extra)


def start_esvigil(args=(), config_text=None, procfs=None, config_path=None, listen=True,
                  log_debug=True, env=None, wait_listen=True):
    """Starts the daemon with --web.listen-address=127.0.0.1:0, --log.level=debug and
    --es.nodeinfo.interval=0s and --es.clustersettings.interval=0s unless args set them (or listen/log_debug are False). config_text is written to
    config_path (default: a scratch file) and passed with --config.file; procfs (a
    path) becomes --path.procfs."""
    cmd = []
    if config_text is not None:
        config_path = config_path or os.path.join(make_tmpdir("cfg-%d" % time.monotonic_ns()),
                                                  "esvigil.yml")
        cmd.append("--config.file=" + write_file(config_path, config_text))
    if listen and not any(a.startswith("--web.listen-address") for a in args):
        cmd.append("--web.listen-address=127.0.0.1:0")
    if log_debug and not any(a.startswith("--log.level") for a in args):
        cmd.append("--log.level=debug")
    # Tests change node info, the master and faults between polls and expect the next
    # poll to see it; the reuse itself is tested with the flag given (test_poll.NodeInfoReuse,
    # test_poll.SettingsReuse).
    for flag in ("--es.nodeinfo.interval", "--es.clustersettings.interval"):
        if not any(a.startswith(flag) for a in args):
            cmd.append(flag + "=0s")
    if procfs:
        cmd.append("--path.procfs=" + procfs)
    return Esvigil(cmd + list(args), env=env, wait_listen=wait_listen)


# ---------------------------------------------------------------- fixtures

def fixture_versions():
    """The fixture version dirs that exist in the source tree."""
    return [v for v in VERSIONS
            if os.path.isfile(os.path.join(FIXTURES, v, "nodes_local_stats.json"))]


def fixture_dir(version="es-7.17"):
    """A fixture dir for version: the generated one if present, else a minimal
    ES 7.x set written into the scratch dir (until tests/gen_fixtures.py lands)."""
    real = os.path.join(FIXTURES, version)
    if os.path.isfile(os.path.join(real, "nodes_local_stats.json")):
        return real
    avail = fixture_versions()
    if avail and version == "es-7.17":
        return os.path.join(FIXTURES, avail[0])
    global _minimal
    if _minimal is None:
        _minimal = minimal_fixture(make_tmpdir("fixture-minimal"))
    return _minimal


def fixture_node(fixdir):
    """(cluster_name, node_id, node dict) of the first node in nodes_local_stats.json."""
    with open(os.path.join(fixdir, "nodes_local_stats.json")) as f:
        doc = json.load(f)
    node_id, node = next(iter(doc["nodes"].items()))
    return doc.get("cluster_name"), node_id, node


MIN_NODE_ID = "fAk3N0d3Id0000000000aa"
_minimal = None


def minimal_fixture(dest):
    """Writes a small but consistent ES 7.17 fixture set into dest."""
    cluster, name = "vigil-test", "es-test-1"
    node_stats = {
        "timestamp": int(time.time() * 1000), "name": name,
        "transport_address": "127.0.0.1:9300", "host": "127.0.0.1", "ip": "127.0.0.1:9300",
        "roles": ["data", "ingest", "master"],
        "indices": {
            "docs": {"count": 1000, "deleted": 10},
            "store": {"size_in_bytes": 1048576},
            "search": {"open_contexts": 0, "scroll_current": 0, "query_total": 5,
                       "query_time_in_millis": 12},
            "merges": {"current": 0, "current_size_in_bytes": 0},
            "segments": {"count": 12},
            "shard_stats": {"total_count": 3},
        },
        "os": {"mem": {"total_in_bytes": 8589934592, "free_in_bytes": 2147483648,
                       "used_in_bytes": 6442450944}, "cpu": {"percent": 7}},
        "process": {"open_file_descriptors": 300, "max_file_descriptors": 65535,
                    "cpu": {"percent": 3, "total_in_millis": 10000}},
        "jvm": {
            "timestamp": int(time.time() * 1000), "uptime_in_millis": 100000,
            "mem": {"heap_used_in_bytes": 268435456, "heap_used_percent": 25,
                    "heap_committed_in_bytes": 1073741824, "heap_max_in_bytes": 1073741824,
                    "non_heap_used_in_bytes": 100000000, "non_heap_committed_in_bytes": 110000000,
                    "pools": {"young": {"used_in_bytes": 1000, "max_in_bytes": 0,
                                        "peak_used_in_bytes": 2000, "peak_max_in_bytes": 0}}},
            "gc": {"collectors": {"young": {"collection_count": 3,
                                            "collection_time_in_millis": 30},
                                  "old": {"collection_count": 0,
                                          "collection_time_in_millis": 0}}},
            "buffer_pools": {"mapped": {"count": 10, "used_in_bytes": 104857600,
                                        "total_capacity_in_bytes": 104857600},
                             "direct": {"count": 5, "used_in_bytes": 1048576,
                                        "total_capacity_in_bytes": 1048576}},
        },
        "fs": {"total": {"total_in_bytes": 107374182400, "free_in_bytes": 53687091200,
                         "available_in_bytes": 53687091200},
               "data": [{"path": "/var/lib/elasticsearch/nodes/0", "mount": "/ (/dev/sda1)",
                         "type": "ext4", "total_in_bytes": 107374182400,
                         "free_in_bytes": 53687091200, "available_in_bytes": 53687091200}]},
        "http": {"current_open": 2, "total_opened": 10},
        "breakers": {"parent": {"limit_size_in_bytes": 1020054732, "limit_size": "972.7mb",
                                "estimated_size_in_bytes": 268435456,
                                "estimated_size": "256mb", "overhead": 1.0, "tripped": 0}},
        "thread_pool": {"search": {"threads": 4, "queue": 0, "active": 0, "rejected": 0,
                                   "largest": 4, "completed": 100}},
    }
    stats = {"_nodes": {"total": 1, "successful": 1, "failed": 0}, "cluster_name": cluster,
             "nodes": {MIN_NODE_ID: node_stats}}
    info = {"_nodes": {"total": 1, "successful": 1, "failed": 0}, "cluster_name": cluster,
            "nodes": {MIN_NODE_ID: {
                "name": name, "host": "127.0.0.1", "ip": "127.0.0.1", "version": "7.17.0",
                "roles": ["data", "ingest", "master"],
                "process": {"refresh_interval_in_millis": 1000, "id": 4242, "mlockall": False},
                "jvm": {"pid": 4242, "version": "17.0.1",
                        "mem": {"heap_max_in_bytes": 1073741824},
                        "using_compressed_ordinary_object_pointers": "true"}}}}
    files = {
        "root.json": {"name": name, "cluster_name": cluster, "cluster_uuid": "uuid-test",
                      "version": {"number": "7.17.0", "build_flavor": "default",
                                  "lucene_version": "8.11.1"},
                      "tagline": "You Know, for Search"},
        "nodes_local_stats.json": stats,
        "nodes_stats.json": stats,
        "nodes_local.json": info,
        "cluster_health.json": {"cluster_name": cluster, "status": "green", "timed_out": False,
                                "number_of_nodes": 1, "number_of_data_nodes": 1,
                                "active_primary_shards": 3, "active_shards": 3,
                                "relocating_shards": 0, "initializing_shards": 0,
                                "unassigned_shards": 0, "delayed_unassigned_shards": 0,
                                "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0,
                                "task_max_waiting_in_queue_millis": 0,
                                "active_shards_percent_as_number": 100.0},
        "cluster_settings.json": {"persistent": {}, "transient": {}, "defaults": {
            "cluster.routing.allocation.enable": "all",
            "cluster.routing.allocation.disk.watermark.low": "85%",
            "cluster.routing.allocation.disk.watermark.high": "90%",
            "cluster.routing.allocation.disk.watermark.flood_stage": "95%"}},
        "cat_shards.json": [],
    }
    for fname, doc in files.items():
        write_file(os.path.join(dest, fname), json.dumps(doc, indent=1))
    return dest


def fixture_pid(fixdir):
    """The ES pid that nodes_local.json reports (process.id), or None."""
    try:
        with open(os.path.join(fixdir, "nodes_local.json")) as f:
            node = next(iter(json.load(f)["nodes"].values()))
        return int(node.get("process", {}).get("id") or node.get("jvm", {}).get("pid"))
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None


def make_procfs(dest, scenario="healthy", fixture=None):
    """A fake procfs tree in dest: tests/gen_procfs.py when present (with the ES
    process at the pid the fixture's node info reports), else a minimal one."""
    if os.path.isfile(GEN_PROCFS):
        cmd = [sys.executable, GEN_PROCFS, dest, "--scenario", scenario]
        pid = fixture_pid(fixture or fixture_dir())
        if pid:
            cmd += ["--pid", str(pid)]
        subprocess.run(cmd, check=True, timeout=60, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL)
        return dest
    write_file(os.path.join(dest, "meminfo"),
               "MemTotal:       16303428 kB\nMemFree:         1203244 kB\n"
               "MemAvailable:    9876540 kB\nBuffers:          204800 kB\n"
               "Cached:          7340032 kB\nMapped:          1048576 kB\n")
    write_file(os.path.join(dest, "loadavg"), "0.52 0.58 0.59 2/456 12345\n")
    write_file(os.path.join(dest, "sys", "vm", "max_map_count"), "262144\n")
    write_file(os.path.join(dest, "sys", "fs", "file-nr"), "2048\t0\t1632119\n")
    return dest


def procfs_meminfo(root, key="MemTotal"):
    """A /proc/meminfo field in bytes."""
    with open(os.path.join(root, "meminfo")) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def procfs_loadavg(root):
    with open(os.path.join(root, "loadavg")) as f:
        return [float(x) for x in f.read().split()[:3]]


def set_loadavg(root, load1):
    """Rewrites loadavg atomically so a poll never reads half a file."""
    path = os.path.join(root, "loadavg")
    with open(path) as f:
        rest = f.read().split()[1:]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(" ".join(["%.2f" % load1] + rest) + "\n")
    os.replace(tmp, path)


def project_version():
    """AC_INIT's version from configure.ac."""
    with open(os.path.join(SRCDIR, "configure.ac")) as f:
        m = re.search(r"AC_INIT\(\[esvigil\],\s*\[([^\]]+)\]", f.read())
    return m.group(1) if m else None


# ---------------------------------------------------------------- test case base

class TestCase(unittest.TestCase):
    """Per-test scratch dir and process cleanup; on failure, the daemons' logs are shown."""

    maxDiff = None
    shared = []  # class-wide daemons/fakes (set in setUpClass): logged on failure, not reaped


    def setUp(self):
        self.tmp = make_tmpdir(self.id().split(".")[-1])
        self._daemons = []
        self._fakes = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for d in self._daemons:
            if d.alive():
                _reap(d.proc, signal.SIGKILL)
            d.close()
        for f in self._fakes:
            f.stop()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            for p in getattr(self, "_daemons", []) + getattr(self, "_fakes", []) + self.shared:
                if isinstance(p, Esvigil):
                    sys.stderr.write("--- esvigil log (%s):\n%s\n" % (" ".join(p.cmd), p.log()))
                else:
                    sys.stderr.write("--- fake_es log:\n%s\n" % p.output())
        return out

    # helpers
    def fake(self, fixture=None, mode="healthy", port=0, extra=()):
        f = FakeES(fixture or fixture_dir(), mode=mode, port=port, extra=extra,
                   workdir=make_tmpdir("%s-fake%d" % (self.id().split(".")[-1], len(self._fakes))))
        self._fakes.append(f)
        return f

    def procfs(self, scenario="healthy", fixture=None):
        return make_procfs(os.path.join(self.tmp, "proc"), scenario, fixture)

    def config(self, text, name="esvigil.yml"):
        return write_file(os.path.join(self.tmp, name), text)

    def esvigil(self, args=(), config_text=None, procfs=None, **kw):
        """Starts the daemon (see start_esvigil); reaped after the test."""
        d = start_esvigil(args, config_text, procfs,
                          config_path=os.path.join(self.tmp, "esvigil.yml"), **kw)
        self._daemons.append(d)
        return d

    def assertCleanExit(self, daemon, sig=signal.SIGTERM, timeout=5.0):
        t0 = time.monotonic()
        rc = daemon.stop(sig, timeout)
        took = time.monotonic() - t0
        self.assertEqual(rc, 0, "esvigil exit status after %s (%.1fs):\n%s"
                         % (signal.Signals(sig).name, took, daemon.log()))
        self.assertLess(took, timeout * SCALE, "esvigil took %.1fs to exit" % took)
        return took


# ---------------------------------------------------------------- main

def _on_timeout(signum, frame):
    sys.stderr.write("\nFAIL: test file exceeded its %.0fs time limit; stack:\n" % FILE_TIMEOUT)
    traceback.print_stack(frame, file=sys.stderr)
    _finish()
    os._exit(1)


def _finish():
    kill_all()
    if _tmp_root:
        shutil.rmtree(_tmp_root, ignore_errors=True)
        parent = os.path.dirname(_tmp_root)
        try:
            os.rmdir(parent)  # only when empty: other files may be running in parallel
        except OSError:
            pass


def main(need_binary=True, timeout=None):
    """Runs the calling module's tests; exits 0 pass / 1 fail / 77 skip (automake).
    timeout (seconds, scaled under valgrind) bounds the whole file."""
    global FILE_TIMEOUT
    if timeout and not os.environ.get("ESVIGIL_TEST_TIMEOUT"):
        FILE_TIMEOUT = timeout * (5 if VALGRIND else 1)
    if need_binary and not os.access(BIN, os.X_OK):
        print("SKIP: esvigil binary not found at %s (set ESVIGIL_BIN)" % BIN)
        sys.exit(SKIP)
    if VALGRIND and shutil.which("valgrind") is None:
        print("SKIP: ESVIGIL_VALGRIND=1 but valgrind is not installed")
        sys.exit(SKIP)
    signal.signal(signal.SIGALRM, _on_timeout)
    signal.alarm(int(FILE_TIMEOUT))
    try:
        prog = unittest.main(module="__main__", exit=False, verbosity=2)
        result = prog.result
    finally:
        signal.alarm(0)
        _finish()
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun and len(result.skipped) == result.testsRun:
        sys.exit(SKIP)
    sys.exit(0)


# ---------------------------------------------------------------- other programs

def spawn(cmd, log_path, env=None):
    """Starts another program (e.g. the reference exporter) with stdout and stderr in
    log_path; killed with this file's other processes on any exit path. Stop it with
    reap()."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    return _track(proc)


def reap(proc, sig=signal.SIGTERM, timeout=5.0):
    """Stops a process from spawn(): sig, bounded wait, then SIGKILL. Its exit status."""
    return _reap(proc, sig, timeout)
