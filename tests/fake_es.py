#!/usr/bin/env python3
"""fake_es: a stand-in Elasticsearch that replays fixture files, misbehaves on request
(slow, 5xx, 401, 403, garbage, truncated, huge, hang), on every endpoint or on one,
and counts what it was asked.

Used by the integration tests and as the replay server of the README demo:

    python3 tests/fake_es.py --fixture-dir tests/fixtures/es/demo --port 9200
    esvigil --es.uri=http://127.0.0.1:9200

Switch behaviour at runtime:   curl -d 'slow 5' http://127.0.0.1:PORT/_fake/mode
Fault one endpoint:            curl -d '/_cat/shards 403' http://127.0.0.1:PORT/_fake/fault
                               (or --fault /_cat/shards=403; 'PREFIX healthy' clears it)
See what was asked:            curl http://127.0.0.1:PORT/_fake/requests
"""

import argparse
import base64
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

MODES = ("healthy", "slow", "500", "401", "403", "garbage", "truncated", "huge", "hang")

# (path prefix, fixture file). First match wins, so longer prefixes come first.
# A prefix matches the path itself or the path followed by "/...".
ROUTES = (
    ("/_nodes/_local/stats", "nodes_local_stats.json"),
    ("/_nodes/stats", "nodes_stats.json"),
    ("/_nodes/_local", "nodes_local.json"),
    ("/_cluster/health", "cluster_health.json"),
    ("/_cluster/settings", "cluster_settings.json"),
    ("/_cluster/state/master_node", "master_node.json"),
    ("/_cat/shards", "cat_shards.json"),
    ("/_cat/allocation", "cat_allocation.json"),
    ("/_all/_stats", "indices_stats.json"),
    ("/_all/_settings", "indices_settings.json"),
    ("/_all/_mappings", "indices_mappings.json"),
    ("/_alias", "aliases.json"),
    ("/_cluster/pending_tasks", "pending_tasks.json"),
    ("/_slm/status", "slm_status.json"),
    ("/_slm/stats", "slm_stats.json"),
    ("/_slm/policy", "slm_policy.json"),
    ("/_ilm/status", "ilm_status.json"),
    ("/_all/_ilm/explain", "ilm_explain.json"),
    ("/_plugins/_ism/explain", "ism_explain.json"),
    ("/_health_report", "health_report.json"),
    ("/_data_stream", "data_stream_stats.json"),
    ("/_tasks", "tasks.json"),
)
# (path, query parameter) -> fixture, checked before ROUTES.
QUERY_ROUTES = {("/_cluster/health", "level=indices"): "cluster_health_indices.json"}

CHUNK = 64 * 1024

MODE_HELP = (
    ("healthy", "answer from the fixture files"),
    ("slow", "wait --delay seconds, then answer normally"),
    ("500", "HTTP 500 with an Elasticsearch error body"),
    ("401", "HTTP 401 security_exception with WWW-Authenticate"),
    ("403", "HTTP 403 security_exception naming the action and the privileges granting it"),
    ("garbage", "HTTP 200 with an HTML body"),
    ("truncated", "announce the full Content-Length, send half, close"),
    ("huge", "stream a --huge-bytes JSON body"),
    ("hang", "accept and never answer"),
)


def fixture_for(path, query=""):
    """The fixture file name serving a request path and query, or None."""
    for (qpath, param), name in QUERY_ROUTES.items():
        if path.rstrip("/") == qpath and param in query.split("&"):
            return name
    if path in ("", "/"):
        return "root.json"
    trimmed = path.rstrip("/")
    # /_snapshot lists the repositories, /_snapshot/REPO/_all one repository
    # (snapshots_REPO.json; absent: 404 like a missing repository).
    if trimmed == "/_snapshot":
        return "snapshot_repos.json"
    parts = trimmed.split("/")
    if len(parts) == 4 and parts[1] == "_snapshot" and parts[3] == "_all":
        return "snapshots_%s.json" % unquote(parts[2])
    for prefix, name in ROUTES:
        if trimmed == prefix or trimmed.startswith(prefix + "/"):
            return name
    return None


def elected_local_node(fixture_dir):
    """/_cluster/state/master_node when the fixture set has no file for it: the
    node of nodes_local.json is the elected master (a one-node cluster)."""
    try:
        with open(os.path.join(fixture_dir, "nodes_local.json"), "rb") as f:
            info = json.load(f)
        node_id = next(iter(info["nodes"]))
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None
    return json.dumps({"cluster_name": info.get("cluster_name"), "master_node": node_id}).encode()


def no_pending_tasks(fixture_dir):
    """/_cluster/pending_tasks when the set has no file: a quiet cluster."""
    return b'{"tasks":[]}'


# Fixture files that may be derived from the others when absent.
SYNTHESIZED = {"master_node.json": elected_local_node, "pending_tasks.json": no_pending_tasks}


# The action a 403 names per path prefix, as ES 8 does for a user lacking "monitor".
FORBIDDEN_ACTIONS = (
    ("/_cat/shards", "indices:monitor/stats", "index", "monitor,manage,all"),
    ("/_nodes", "cluster:monitor/nodes/stats", "cluster", "monitor,manage,all"),
    ("/", "cluster:monitor/state", "cluster", "monitor,manage,all"),
)


def forbidden_body(path):
    """ES 8's body for a request the user lacks the privilege for."""
    action, kind, privs = next((a, k, p) for prefix, a, k, p in FORBIDDEN_ACTIONS
                               if path.startswith(prefix))
    reason = ("action [%s] is unauthorized for user [esvigil] with effective roles [viewer], "
              "this action is granted by the %s privileges [%s]" % (action, kind, privs))
    return es_error(403, "security_exception", reason)


def es_error(status, etype, reason):
    """An Elasticsearch-style error body."""
    cause = {"type": etype, "reason": reason}
    return json.dumps({"error": {"root_cause": [cause], **cause}, "status": status}).encode()


class FakeState:
    """Mode, request counters and the shutdown flag, shared by all handler threads."""

    def __init__(self, args):
        self.fixture_dir = args.fixture_dir
        self.mode = args.mode
        self.delay = args.delay
        self.huge_bytes = args.huge_bytes
        self.require_basic = args.require_basic
        self.require_apikey = args.require_apikey
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.counts = {}
        self.faults = dict(f.split("=", 1) for f in args.fault)  # path prefix -> mode
        self.total = 0
        self.in_flight = 0  # requests being answered now, and the most at once
        self.max_in_flight = 0
        self.last = {"authorization": None, "user_agent": None, "path": None}

    def set_mode(self, text):
        """Parses "MODE [DELAY]"; returns an error string or None."""
        words = text.split()
        if not words or words[0] not in MODES:
            return "unknown mode %r; modes: %s" % (text.strip(), " ".join(MODES))
        delay = self.delay
        if len(words) > 1:
            try:
                delay = float(words[1])
            except ValueError:
                return "bad delay %r" % words[1]
        with self.lock:
            self.mode, self.delay = words[0], delay
        return None

    def set_fault(self, text):
        """Parses "PREFIX MODE"; mode healthy clears it. Returns an error string or None."""
        words = text.split()
        if len(words) != 2 or not words[0].startswith("/") or words[1] not in MODES:
            return "want 'PREFIX MODE' with MODE one of %s, got %r" % (" ".join(MODES), text)
        with self.lock:
            if words[1] == "healthy":
                self.faults.pop(words[0], None)
            else:
                self.faults[words[0]] = words[1]
        return None

    def fault_for(self, path, mode):
        """The mode for path: its longest faulted prefix's, else the global one."""
        with self.lock:
            hits = [p for p in self.faults if path == p or path.startswith(p.rstrip("/") + "/")]
            return self.faults[max(hits, key=len)] if hits else mode

    def record(self, path, headers, target=None):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            self.total += 1
            self.last = {
                "authorization": headers.get("Authorization"),
                "user_agent": headers.get("User-Agent"),
                "path": path,
                # every header, for checks of signed requests (SigV4)
                "headers": [[k, v] for k, v in headers.items()],
                "target": target or path,  # path and query as sent
            }
            return self.mode, self.delay

    def begin(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self):
        with self.lock:
            self.in_flight -= 1

    def report(self):
        with self.lock:
            return {
                "mode": self.mode,
                "delay": self.delay,
                "total": self.total,
                "max_in_flight": self.max_in_flight,
                "counts": dict(self.counts),
                "last_authorization": self.last["authorization"],
                "last_user_agent": self.last["user_agent"],
                "last_path": self.last["path"],
                "last_headers": self.last.get("headers", []),
                "last_target": self.last.get("target"),
                "faults": dict(self.faults),
            }

    def authorized(self, header):
        if self.require_basic:
            want = "Basic " + base64.b64encode(self.require_basic.encode()).decode()
            return header == want
        if self.require_apikey:
            return header == "ApiKey " + self.require_apikey
        return True


class Handler(BaseHTTPRequestHandler):
    server_version = "fake_es/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body would wait
    # for the client's delayed ACK (~40 ms per request), which no real node does.
    disable_nagle_algorithm = True

    # --- plumbing ---
    def log_message(self, fmt, *args):
        if self.server.state_verbose:
            sys.stderr.write("fake_es: %s\n" % (fmt % args))

    @property
    def state(self):
        return self.server.state

    def send_body(self, status, body, ctype="application/json; charset=UTF-8", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_fixture(self, path):
        """(status, body) for a healthy answer to path."""
        name = fixture_for(path, urlsplit(self.path).query)
        if name is None:
            return 404, es_error(404, "resource_not_found_exception",
                                 "fake_es has no route for [%s]" % path)
        try:
            with open(os.path.join(self.state.fixture_dir, name), "rb") as f:
                return 200, f.read()
        except OSError:
            pass
        try:  # NAME.500.json: this endpoint fails with HTTP 500 and that body
            with open(os.path.join(self.state.fixture_dir, name[:-5] + ".500.json"), "rb") as f:
                return 500, f.read()
        except OSError:
            pass
        derived = SYNTHESIZED.get(name)
        body = derived(self.state.fixture_dir) if derived else None
        if body is None:
            return 404, es_error(404, "resource_not_found_exception",
                                 "fixture %s missing for [%s]" % (name, path))
        return 200, body

    # --- verbs ---
    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/_fake/requests":
            body = json.dumps(self.state.report(), indent=1).encode()
            return self.send_body(200, body)
        mode, delay = self.state.record(path, self.headers, self.path)
        self.state.begin()
        try:
            self.answer(path, mode, delay)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True  # the client gave up (timeout, size cap): expected
        finally:
            self.state.end()

    do_HEAD = do_GET

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        text = self.rfile.read(length).decode("utf-8", "replace")
        if path not in ("/_fake/mode", "/_fake/fault"):
            return self.send_body(405, es_error(405, "method_not_allowed", "POST " + path))
        err = (self.state.set_mode if path == "/_fake/mode" else self.state.set_fault)(text)
        if err:
            return self.send_body(400, json.dumps({"error": err}).encode())
        self.send_body(200, json.dumps(self.state.report()).encode())

    # --- behaviours ---
    def answer(self, path, mode, delay):
        if not self.state.authorized(self.headers.get("Authorization")):
            return self.answer_401()
        mode = self.state.fault_for(path, mode)
        if mode == "slow":
            if self.state.stopping.wait(delay):
                self.close_connection = True
                return
            mode = "healthy"
        getattr(self, "answer_" + mode)(path)

    def answer_healthy(self, path):
        status, body = self.read_fixture(path)
        self.send_body(status, body)

    def answer_500(self, path):
        self.send_body(500, es_error(500, "internal_server_error", "fake_es mode 500 for " + path))

    def answer_401(self, path=None):
        challenge = 'Basic realm="security" charset="UTF-8"'
        reason = "missing authentication credentials for REST request [%s]" % self.path
        cause = {"type": "security_exception", "reason": reason,
                 "header": {"WWW-Authenticate": challenge}}
        body = json.dumps({"error": {"root_cause": [cause], **cause}, "status": 401}).encode()
        self.send_body(401, body, extra=[("WWW-Authenticate", challenge),
                                         ("WWW-Authenticate", "ApiKey")])

    def answer_403(self, path):
        self.send_body(403, forbidden_body(path))

    def answer_garbage(self, path):
        self.send_body(200, b"<html>not json</html>")

    def answer_truncated(self, path):
        status, body = self.read_fixture(path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def answer_huge(self, path):
        """A syntactically valid-looking JSON object of exactly huge_bytes, streamed."""
        head = b'{"_nodes":{"total":1,"successful":1,"failed":0},"cluster_name":"huge","padding":["'
        tail = b'"]}'
        total = max(self.state.huge_bytes, len(head) + len(tail))
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        self.wfile.write(head)
        left = total - len(head) - len(tail)
        block = b"x" * CHUNK
        while left > 0 and not self.state.stopping.is_set():
            n = min(left, CHUNK)
            self.wfile.write(block[:n])
            left -= n
        if left == 0:
            self.wfile.write(tail)
        else:
            self.close_connection = True

    def answer_hang(self, path):
        self.state.stopping.wait()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def fault_arg(text):
    prefix, _, mode = text.partition("=")
    if not prefix.startswith("/") or mode not in MODES:
        raise argparse.ArgumentTypeError("want PREFIX=MODE, MODE one of " + " ".join(MODES))
    return text


def parse_args(argv):
    p = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__ + "\nRoutes (GET, query strings ignored) -> file in --fixture-dir:\n"
        + "".join("  %-22s %s\n" % (r, f) for r, f in (("/", "root.json"),) + ROUTES)
        + "  %-22s %s\n" % ("/_snapshot", "snapshot_repos.json")
        + "  %-22s %s\n" % ("/_snapshot/REPO/_all", "snapshots_REPO.json")
        + "  a missing NAME.json with a NAME.500.json: HTTP 500 with that body\n"
        + "  anything else          404 with an Elasticsearch-style error\n"
        + "Without master_node.json the nodes_local.json node is the master.\n",
        epilog="Modes:\n" + "".join("  %-10s %s\n" % m for m in MODE_HELP))
    p.add_argument("--fixture-dir", required=True, help="directory holding the fixture JSON files")
    p.add_argument("--mode", default="healthy", choices=MODES,
                   help="initial behaviour (default healthy)")
    p.add_argument("--delay", type=float, default=30.0,
                   help="seconds mode 'slow' waits (default 30)")
    p.add_argument("--huge-bytes", type=int, default=200 * 1024 * 1024,
                   help="body size of mode 'huge' (default 200 MB)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind, 0 = any free port (default)")
    p.add_argument("--port-file", help="write the bound port here (atomically)")
    p.add_argument("--max-seconds", type=float, default=300.0,
                   help="exit by itself after this many seconds, 0 = never (default 300)")
    auth = p.add_mutually_exclusive_group()
    auth.add_argument("--require-basic", metavar="USER:PASS",
                      help="answer 401 unless basic auth matches")
    auth.add_argument("--require-apikey", metavar="KEY",
                      help="answer 401 unless 'ApiKey KEY' is sent")
    p.add_argument("--fault", action="append", default=[], metavar="PREFIX=MODE",
                   type=fault_arg, help="answer paths under PREFIX in MODE (repeatable)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p.parse_args(argv)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isdir(args.fixture_dir):
        sys.exit("fake_es: fixture directory %s does not exist" % args.fixture_dir)
    state = FakeState(args)
    try:
        server = Server((args.host, args.port), Handler)
    except OSError as e:
        sys.exit("fake_es: cannot listen on %s:%d: %s" % (args.host, args.port, e.strerror))
    server.state = state
    server.state_verbose = args.verbose

    def stop(*_):
        # Wake sleeping/hanging handlers first, then stop the accept loop from
        # another thread (shutdown() blocks until serve_forever returns).
        state.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.max_seconds > 0:
        timer = threading.Timer(args.max_seconds, stop)
        timer.daemon = True
        timer.start()

    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    print("fake_es listening on http://%s:%d" % (args.host, port), flush=True)
    print("fake_es: serving %s in mode %s (POST /_fake/mode to change, Ctrl-C to stop)"
          % (os.path.abspath(args.fixture_dir), args.mode), flush=True)
    started = time.monotonic()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        state.stopping.set()
        server.server_close()
    if args.max_seconds > 0 and time.monotonic() - started >= args.max_seconds:
        print("fake_es: --max-seconds %g reached, exiting" % args.max_seconds, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
