#!/usr/bin/env python3
"""scale: esvigil's cost per node on bench/gen_big.py clusters of several sizes (200 shards per
node), to show it stays flat: poll (collection) time, render+gzip time, CPU per poll+scrape,
peak and steady RSS, each also per node. Then the same per index with --es.indices on a node
of --indices one-shard indices (bench/indices.py's fixture), once with the default
--es.indices.max and once with every index exported. esvigil only (the reference would take
minutes per scrape at 2000 nodes; bench/run.sh and bench/indices.py compare the two).

    bench/scale.py [--nodes 100,500,2000] [--indices 10000] [--polls 3] [--esvigil PATH]

An empty --nodes or --indices 0 leaves those rows out.

Prints a markdown table (bench/README.md keeps one). Loopback only; every process it starts
is stopped by its pid.
"""

import argparse
import contextlib
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402 - its process and measuring helpers
import indices as I  # noqa: E402 - its fixture of many indices

FLAGS = ["--es.all", "--cluster.metrics=always", "--es.max-response-size=1gb",
         "--es.timeout=120s"]


@contextlib.contextmanager
def serving(esvigil, work, fix, tag, flags):
    """A fake ES on fixture dir fix and esvigil with flags against it: (process, port)."""
    port_file = os.path.join(work, "fake-%s.port" % tag)
    fake = B.Proc("fake_es", [sys.executable, B.FAKE_ES, "--fixture-dir", fix, "--port", "0",
                              "--port-file", port_file, "--max-seconds", "1800"],
                  os.path.join(work, "fake-%s.log" % tag))
    try:
        fake.wait_line(re.compile(r"fake_es listening on"), 20)
        with open(port_file) as f:
            port = int(f.read())
        ev = B.Proc("esvigil", [esvigil, "--es.uri=http://127.0.0.1:%d" % port,
                                "--web.listen-address=127.0.0.1:0", "--log.level=debug"] + flags,
                    os.path.join(work, "esvigil-%s.log" % tag))
        try:
            _, _, m = ev.wait_line(B.LISTEN_RE, 20)
            yield ev, int(m.group(1).rsplit(":", 1)[1])
        finally:
            ev.stop()
    finally:
        fake.stop()


def run_size(esvigil, work, nodes, polls):
    fix = os.path.join(work, "es-%d" % nodes)
    subprocess.run([sys.executable, B.GEN_BIG, "--out", fix, "--nodes", str(nodes), "--shards",
                    str(200 * nodes)], check=True, stdout=subprocess.DEVNULL, timeout=600)
    procfs = os.path.join(work, "proc-%d" % nodes)
    subprocess.run([sys.executable, B.GEN_PROCFS, procfs], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    # One poll and one scrape per cycle: at 2000 nodes reading the 140 MB page back here takes
    # over a second, and a 1s interval would slip extra polls into every cycle's CPU.
    interval = max(1, nodes // 400)
    flags = ["--poll.interval=%ds" % interval, "--poll.deadline=300s",
             "--path.procfs=" + procfs] + FLAGS
    with serving(esvigil, work, fix, "%d" % nodes, flags) as (ev, evport):
        polls_seen, idx, between, last = 0, 0, [], [0]

        def next_poll():
            nonlocal idx
            idx, _, m = ev.wait_line(B.POLL_RE, 600, idx + 1 if polls_seen else 0)
            between.append(B.proc_status(ev.pid)["VmRSS"])  # before the next poll starts
            if m.group(3) != "ok":
                raise B.BenchError("%d nodes: poll failed: %s" % (nodes, m.group(3)))
            last[0] = int(m.group(1))
            _, body, _ = B.scrape(evport, 120, gz=True)
            return gzip.decompress(body)
        next_poll()
        polls_seen = 1
        next_poll()  # the first poll's render time shows in the second
        cpu0, first = B.proc_cpu(ev.pid), last[0]
        durs, renders = [], []
        del between[:]
        for _ in range(polls):
            body = next_poll()
            durs.append(B.metric_value(body, "esvigil_poll_duration_seconds"))
            renders.append(B.metric_value(body, "esvigil_render_duration_seconds"))
        if last[0] - first != polls:
            raise B.BenchError("%d nodes: %d polls ran in %d cycles; the CPU would not be one "
                               "poll's" % (nodes, last[0] - first, polls))
        cpu = (B.proc_cpu(ev.pid) - cpu0) / polls
        st = B.proc_status(ev.pid)
        return {"nodes": nodes, "samples": B.samples_in(body), "poll": B.median(durs),
                "render": B.median(renders), "cpu": cpu, "hwm": st["VmHWM"],
                "rss": B.median(between)}


# One cycle: the indices collector (its own thread) and a node poll that renders what it found,
# at the same interval, and a gzip scrape after the poll.
CYCLE = "5s"
INDEX_FLAGS = ["--es.indices", "--es.indices.interval=" + CYCLE, "--poll.interval=" + CYCLE,
               "--cluster.metrics=always", "--es.max-response-size=1gb", "--es.timeout=120s",
               "--poll.deadline=120s"]


def indices_collected(body):
    """(last success timestamp, duration) of the indices collector on a /metrics body."""
    text = body.decode("utf-8", "replace")
    return (I.metric(text, "esvigil_collector_last_success_timestamp_seconds",
                     collector="indices"),
            I.metric(text, "esvigil_collector_duration_seconds", collector="indices"))


def run_indices(esvigil, work, fix, n, max_, polls):
    procfs = os.path.join(work, "proc-indices")
    if not os.path.isdir(procfs):
        subprocess.run([sys.executable, B.GEN_PROCFS, procfs], check=True,
                       stdout=subprocess.DEVNULL, timeout=60)
    flags = ["--es.indices.max=%d" % max_, "--path.procfs=" + procfs] + INDEX_FLAGS
    with serving(esvigil, work, fix, "indices-%d-max%d" % (n, max_), flags) as (ev, evport):
        idx, seen, durs, renders, between = -1, [], [], [], []
        cpu0 = body = None
        # the first two collections are warm-up; then `polls` more, CPU from the end of
        # the second to the end of the last, every node poll and scrape between included
        while len(durs) < polls:
            idx, _, m = ev.wait_line(B.POLL_RE, 600, idx + 1)
            rss = B.proc_status(ev.pid)["VmRSS"]
            if m.group(3) != "ok":
                raise B.BenchError("%d indices: poll failed: %s" % (n, m.group(3)))
            _, gz, _ = B.scrape(evport, 120, gz=True)
            body = gzip.decompress(gz)
            ts, dur = indices_collected(body)
            if cpu0 is not None:
                between.append(rss)
                renders.append(B.metric_value(body, "esvigil_render_duration_seconds"))
            if ts is None or ts in seen:
                continue
            seen.append(ts)
            if cpu0 is not None:
                durs.append(dur)
            elif len(seen) == 2:
                cpu0 = B.proc_cpu(ev.pid)
        cpu = (B.proc_cpu(ev.pid) - cpu0) / polls
        st = B.proc_status(ev.pid)
        return {"indices": n, "max": max_, "samples": B.samples_in(body),
                "poll": B.median(durs), "render": B.median(renders[1:] or renders),
                "cpu": cpu, "hwm": st["VmHWM"], "rss": B.median(between)}


NODE_HEAD = ("nodes (shards)", "poll", "CPU per poll+scrape", "node")
INDEX_HEAD = ("indices (exported)", "collect /_all/_stats", "CPU per cycle", "index")


def node_row(r):
    """(first cell, what the per-unit column divides by, CPU per unit, KiB decimals)"""
    n = r["nodes"]
    return "%d (%d)" % (n, 200 * n), n, "%.2f ms" % (r["cpu"] * 1e3 / n), 0


def index_row(r):
    n, mx = r["indices"], r["max"]
    kept = "%d, every one" % n if mx == 0 or mx >= n else "%d, the %d largest" % (n, mx)
    return kept, n, "%.1f us" % (r["cpu"] * 1e6 / n), 1


def table(rows, head, describe):
    out = ["| %s | samples | %s | render+gzip | %s | peak RSS | RSS between polls | "
           "per %s: CPU, peak, between |" % head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        first, n, cpu_per, digits = describe(r)
        kib = "%%.%df KiB" % digits
        out.append(("| %s | %d | %.0f ms | %.0f ms | %.0f ms | %.0f MiB | %.0f MiB | %s, " + kib
                    + ", " + kib + " |") % (
                        first, r["samples"], r["poll"] * 1e3, r["render"] * 1e3, r["cpu"] * 1e3,
                        r["hwm"] / 1048576, r["rss"] / 1048576, cpu_per, r["hwm"] / 1024 / n,
                        r["rss"] / 1024 / n))
    return "\n".join(out)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", default="100,500,2000")
    ap.add_argument("--indices", type=int, default=10000)
    ap.add_argument("--indices-max", default="1000,0",
                    help="the --es.indices.max of each index row (1000: the default; 0: all)")
    ap.add_argument("--polls", type=int, default=3)
    ap.add_argument("--esvigil", default=os.environ.get("ESVIGIL_BIN")
                    or os.path.join(B.SRCDIR, "build", "esvigil"))
    a = ap.parse_args(argv)
    rows, irows = [], []
    esvigil = os.path.abspath(a.esvigil)
    with tempfile.TemporaryDirectory(prefix="esvigil-scale-") as work:
        try:
            for n in (int(x) for x in a.nodes.split(",") if x):
                t0 = time.monotonic()
                rows.append(run_size(esvigil, work, n, a.polls))
                print("scale: %d nodes in %.0f s" % (n, time.monotonic() - t0), file=sys.stderr)
            if a.indices:
                fix = os.path.join(work, "es-indices")
                I.write_fixture(fix, a.indices)
                for mx in (int(x) for x in a.indices_max.split(",")):
                    t0 = time.monotonic()
                    irows.append(run_indices(esvigil, work, fix, a.indices, mx, a.polls))
                    print("scale: %d indices, max %d in %.0f s" % (a.indices, mx,
                                                                  time.monotonic() - t0),
                          file=sys.stderr)
        finally:
            B.stop_all()
    tables = [table(rows, NODE_HEAD, node_row)] if rows else []
    tables += [table(irows, INDEX_HEAD, index_row)] if irows else []
    print("\n\n".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
