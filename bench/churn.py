#!/usr/bin/env python3
"""churn: no memory growth over many polls while nodes and indices come and go. Serves a
bench/gen_big.py cluster plus --indices indices (tests/gen_index_fixtures.py: index stats,
aliases, index health) whose node names, node ids and index names change every poll, runs
bench/churn.c (the poller's collect-render-publish loop and a run of the index collectors
with every index exported, with no interval) against it, and fails when VmRSS of the last
quarter of the run exceeds that of the second quarter by more than 2 MiB + 5 %.

    bench/churn.py [--polls 10000] [--nodes 8] [--shards 80] [--indices 50] [--esvigil-build build]

Exit 0 flat, 1 growing, 2 when it cannot run. Loopback only; every process it starts is
stopped by its pid. A few minutes on 2 CPUs for 10,000 polls.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests"))
import fake_es  # noqa: E402 - its routing table, not a copy of it
import gen_index_fixtures  # noqa: E402

ID_RE = re.compile(r'"([A-Za-z0-9_-]{22})":\{')


class Churning:
    """The fixture bodies, renamed per generation; a generation is one poll (it starts with
    the node-info request every poll makes first)."""

    def __init__(self, fixture_dir):
        self.files = {}
        for name in os.listdir(fixture_dir):
            with open(os.path.join(fixture_dir, name), encoding="utf-8") as f:
                self.files[name] = f.read()
        ids = set()
        for text in self.files.values():
            ids.update(ID_RE.findall(text))
        self.ids = sorted(ids)
        self.gen = 0
        self.lock = threading.Lock()

    def body(self, name):
        with self.lock:
            if name == "nodes_local.json":
                self.gen += 1
            gen = self.gen
        text = self.files[name]
        tag = "%06x" % (gen % 0x1000000)
        for i in self.ids:  # a node id is 22 characters: keep the length
            text = text.replace(i, i[:16] + tag)
        return (text.replace('"big-data-', '"big-g%d-data-' % gen)
                .replace('"logs-', '"logs-g%d-' % gen)
                .replace('"idx-', '"idx-g%d-' % gen)).encode()


def write_indices(fixture_dir, n, nodes):
    """n one-shard indices (named idx-NNNNN, which Churning renames) in the answers of the
    index collectors esvigil --es.indices runs: /_all/_stats, /_alias, index health."""
    rows = gen_index_fixtures.index_docs(n, nodes=nodes)
    with open(os.path.join(fixture_dir, "cluster_health.json"), encoding="utf-8") as f:
        health = json.load(f)
    health["indices"] = gen_index_fixtures.health_indices(rows)
    docs = {"indices_stats.json": gen_index_fixtures.stats_doc(rows, (7, 17)),
            "aliases.json": gen_index_fixtures.alias_doc(rows),
            "cluster_health_indices.json": health}
    for name, doc in docs.items():
        with open(os.path.join(fixture_dir, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, separators=(",", ":"))


def serve(churn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()  # without it each answer waits ~40 ms for a delayed ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self):  # noqa: N802 - http.server's name
            path, _, query = self.path.partition("?")
            name = fake_es.fixture_for(path, query)
            if name not in churn.files:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = churn.body(name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def build_driver(builddir, work):
    lib = os.path.join(builddir, "lib", "libesvigil.a")
    if not os.path.exists(lib):
        sys.exit("churn: %s is missing: run scripts/build first" % lib)
    out = os.path.join(work, "churn")
    # the library needs ISA-L when configure found it (lib/gzwriter.c)
    with open(os.path.join(builddir, "Makefile")) as f:
        isal = ["-lisal"] if "-DHAVE_ISAL=1" in f.read() else []
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-I", os.path.join(SRCDIR, "lib"), "-o",
                    out, os.path.join(HERE, "churn.c"), lib, "-lcurl", "-lyajl", "-lyaml", "-lz",
                    "-ldeflate"] + isal + ["-lcrypt", "-lm", "-lpthread"], check=True, timeout=120)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polls", type=int, default=10000)
    ap.add_argument("--nodes", type=int, default=8)
    ap.add_argument("--shards", type=int, default=80)
    ap.add_argument("--indices", type=int, default=50)
    ap.add_argument("--esvigil-build", default=os.path.join(SRCDIR, "build"))
    a = ap.parse_args(argv)
    step = max(1, a.polls // 40)
    with tempfile.TemporaryDirectory(prefix="esvigil-churn-") as work:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_big.py"), "--out",
                        os.path.join(work, "es"), "--nodes", str(a.nodes), "--shards",
                        str(a.shards)], check=True, stdout=subprocess.DEVNULL, timeout=120)
        with open(os.path.join(work, "es", "nodes_stats.json"), encoding="utf-8") as f:
            node_names = [n["name"] for n in json.load(f)["nodes"].values()]
        write_indices(os.path.join(work, "es"), a.indices, node_names[:3])
        procfs = os.path.join(work, "proc")
        subprocess.run([sys.executable, os.path.join(SRCDIR, "tests", "gen_procfs.py"), procfs],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
        driver = build_driver(a.esvigil_build, work)
        churn = Churning(os.path.join(work, "es"))
        srv = serve(churn)
        url = "http://127.0.0.1:%d" % srv.server_address[1]
        proc = subprocess.Popen([driver, url, procfs, str(a.polls), str(step)],
                                stdout=subprocess.PIPE, text=True)
        samples = []
        try:
            for line in proc.stdout:
                poll, rss, body = (int(x) for x in line.split())
                samples.append((poll, rss))
                print("poll %6d  VmRSS %7d KiB%s" % (poll, rss, "  text body %d bytes" % body
                                                       if body else ""), flush=True)
            rc = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            srv.shutdown()
    if rc != 0 or len(samples) < 8:
        print("churn: the driver failed (exit %s)" % rc, file=sys.stderr)
        return 2
    n = len(samples)
    second = max(r for _, r in samples[n // 4:n // 2])
    last = max(r for _, r in samples[3 * n // 4:])
    limit = second * 1.05 + 2048
    print("churn: %d polls, %d generations of node and index names (%d indices each); VmRSS "
          "max %d KiB in the second quarter, %d KiB in the last (limit %d)"
          % (a.polls, churn.gen, a.indices, second, last, limit))
    return 0 if last <= limit else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
