#!/usr/bin/env python3
"""bench/indices: the index-level collectors on a cluster of many indices (default
10,000), esvigil --es.indices against the reference exporter --es.indices on the same
fake Elasticsearch. Measures the time to collect /_all/_stats (esvigil: its "indices"
collector's duration, off the node-stats poll; the reference: a whole scrape, which
reads /_all/_stats inside it) and the peak RSS (VmHWM) of each process, and prints
esvigil/reference ratios. Writes bench/out/indices-latest.{txt,json}.

    bench/indices.py [--indices 10000] [--runs 5] [--esvigil build/esvigil]

Python 3 stdlib only; loopback only; every process is stopped by its pid.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
import bench  # noqa: E402  (Proc, fetch, proc_status, ...)
import gen_index_fixtures  # noqa: E402

BASE_FIXTURE = os.path.join(bench.SRCDIR, "tests", "fixtures", "es", "es-8.9")


def write_fixture(dest, n):
    """es-8.9's node answers plus n one-shard indices in every index-level answer."""
    shutil.copytree(BASE_FIXTURE, dest)
    rows = gen_index_fixtures.index_docs(n, nodes=("es-data-1", "es-data-2", "es-data-3"))
    docs = {"indices_stats.json": gen_index_fixtures.stats_doc(rows, (8, 9)),
            "aliases.json": gen_index_fixtures.alias_doc(rows),
            "indices_settings.json": gen_index_fixtures.settings_doc(rows),
            "indices_mappings.json": gen_index_fixtures.mappings_doc(rows)}
    with open(os.path.join(dest, "cluster_health.json")) as f:
        health = json.load(f)
    health["indices"] = gen_index_fixtures.health_indices(rows)
    docs["cluster_health_indices.json"] = health
    sizes = {}
    for name, doc in docs.items():
        path = os.path.join(dest, name)
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        sizes[name] = os.path.getsize(path)
    return sizes


def metric(body, name, **labels):
    for line in body.splitlines():
        if line.startswith(name + "{" if labels else name + " "):
            if not labels or all('%s="%s"' % kv in line for kv in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def run_esvigil(b, args, fake, runs):
    cmd = [args.esvigil, "--es.uri=http://127.0.0.1:%d" % fake.port,
           "--web.listen-address=127.0.0.1:0", "--log.level=info", "--cluster.metrics=always",
           "--es.indices", "--es.indices.max=%d" % args.max, "--es.indices.interval=5s",
           "--poll.interval=15s", "--es.max-response-size=1gb", "--es.timeout=120s"]
    p = bench.Proc("esvigil", cmd, b.log_path("indices-esvigil"))
    _, _, m = p.wait_line(bench.LISTEN_RE, 20)
    port = int(m.group(1).rsplit(":", 1)[1])
    durs, seen, body = [], None, ""
    deadline = time.monotonic() + 60 + 30 * runs
    try:
        while len(durs) < runs and time.monotonic() < deadline:
            status, _, raw, _ = bench.fetch(port, timeout=60)
            body = raw.decode("utf-8", "replace") if status == 200 else ""
            ts = metric(body, "esvigil_collector_last_success_timestamp_seconds",
                        collector="indices")
            if ts is not None and ts != seen:
                seen = ts
                durs.append(metric(body, "esvigil_collector_duration_seconds",
                                   collector="indices"))
            time.sleep(0.2)
        if len(durs) < runs:
            raise bench.BenchError("esvigil's indices collector ran %d times, %d wanted"
                                   % (len(durs), runs))
        st = bench.proc_status(p.pid)
        return {"collect": durs, "rss_peak": st.get("VmHWM"), "rss": st.get("VmRSS"),
                "samples": bench.samples_in(raw), "bytes": len(raw)}
    finally:
        p.stop()


def run_reference(b, args, fake, runs):
    sc = {"reference": ["--es.indices", "--es.timeout=120s"]}
    ref = b.start_reference(fake, sc, "indices-reference")
    try:
        took = []
        for _ in range(runs + 1):
            _, raw, t = bench.scrape(ref.port, 180)
            took.append(t)
        st = bench.proc_status(ref.pid)
        return {"collect": took[1:], "rss_peak": st.get("VmHWM"), "rss": st.get("VmRSS"),
                "samples": bench.samples_in(raw), "bytes": len(raw)}
    finally:
        ref.stop()


def main(argv):
    p = argparse.ArgumentParser(prog="bench/indices.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--indices", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--max", type=int, default=0,
                   help="esvigil's --es.indices.max (default 0: every index, like the reference)")
    p.add_argument("--esvigil", default=None)
    p.add_argument("--reference", default=None)
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--max-seconds", type=float, default=900)
    p.add_argument("--nodes", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--shards", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    missing = bench.find_binaries(args)
    if missing:
        print("bench/indices: cannot run, missing:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="esvigil-bench-indices-")
    os.makedirs(os.path.join(work, "logs"))
    b = bench.Bench(args, work)
    try:
        b.say("writing %d indices" % args.indices)
        sizes = write_fixture(os.path.join(work, "fx"), args.indices)
        fake = b.start_fake(os.path.join(work, "fx"), "indices-fake_es")
        try:
            b.say("esvigil --es.indices, %d runs of the indices collector" % args.runs)
            ev = run_esvigil(b, args, fake, args.runs)
            b.say("reference --es.indices, %d scrapes" % args.runs)
            ref = run_reference(b, args, fake, args.runs)
        finally:
            fake.stop()
    except (bench.BenchError, OSError) as e:
        bench.stop_all()
        print("bench/indices: FAILED: %s (logs in %s)" % (e, work), file=sys.stderr)
        return 1
    finally:
        bench.stop_all()
    med_e, med_r = bench.median(ev["collect"]), bench.median(ref["collect"])
    lines = [
        "index-level collectors, %d indices (/_all/_stats %.1f MB), median of %d runs, "
        "esvigil --es.indices.max=%d" % (args.indices, sizes["indices_stats.json"] / 1e6,
                                          args.runs, args.max),
        "%-44s %14s %14s %10s" % ("", "esvigil", "reference", "ratio"),
        "%-44s %14s %14s %10s" % ("time to collect /_all/_stats (ms)", bench.ms(med_e),
                                  bench.ms(med_r), bench.ratio(med_e, med_r)),
        "%-44s %14s %14s %10s" % ("peak RSS VmHWM (KiB)", bench.kib(ev["rss_peak"]),
                                  bench.kib(ref["rss_peak"]),
                                  bench.ratio(ev["rss_peak"], ref["rss_peak"])),
        "%-44s %14s %14s %10s" % ("RSS at end (KiB)", bench.kib(ev["rss"]), bench.kib(ref["rss"]),
                                  bench.ratio(ev["rss"], ref["rss"])),
        "%-44s %14d %14d %10s" % ("samples on /metrics", ev["samples"], ref["samples"],
                                  bench.ratio(ev["samples"], ref["samples"])),
        "esvigil: the indices collector's own duration, in its thread (node polls unaffected);",
        "reference: a whole scrape (it reads /_all/_stats inside the scrape).",
    ]
    text = "\n".join(lines)
    print(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "indices-latest.txt"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(args.out, "indices-latest.json"), "w") as f:
        json.dump({"indices": args.indices, "sizes": sizes, "esvigil": ev, "reference": ref},
                  f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
