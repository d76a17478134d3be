#!/usr/bin/env python3
"""test_compat_lifecycle: the backup and lifecycle families against the installed
reference exporter where it has the collector (Debian 12's 1.5.0: snapshots, SLM,
data streams, with its --es.* flags, which esvigil accepts too): both read the same
fake Elasticsearch; every reference family of those collectors must exist in esvigil
with the same type, label names and, series by series, value. Skipped (77) when
prometheus-elasticsearch-exporter is not on PATH. ILM, health report and tasks,
which 1.5.0 lacks, are checked against upstream 1.11's sources in the unit tests."""

import json
import os
import re
import sys

import harness
import test_compat as compat

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests"))
import gen_lifecycle  # noqa: E402

# (reference flag, esvigil collector, family prefix)
COLLECTORS = (("es.snapshots", "snapshots", "elasticsearch_snapshot_stats_"),
              ("es.slm", "slm", "elasticsearch_slm_stats_"),
              ("es.data_stream", "data_stream", "elasticsearch_data_stream_"))


def fixture(dest):
    """The 8.9 node answers plus the generated lifecycle ones, without the
    repositories that fail (the reference gives up on the whole collector)."""
    src = harness.fixture_dir("es-8.9")
    os.makedirs(dest, exist_ok=True)
    for name in os.listdir(src):
        with open(os.path.join(src, name), "rb") as f, open(os.path.join(dest, name), "wb") as g:
            g.write(f.read())
    gen_lifecycle.generate(dest)
    path = os.path.join(dest, "snapshot_repos.json")
    with open(path) as f:
        repos = json.load(f)
    repos.pop("gone")
    with open(path, "w") as f:
        json.dump(repos, f)
    return dest


class LifecycleCompat(harness.TestCase):

    def test_reference_collectors(self):
        if not compat.REF:
            self.skipTest("reference exporter not installed")
        path, version, flags = compat.REF
        present = [c for c in COLLECTORS if c[0] in flags]
        if not present:
            self.skipTest("the reference has none of the collectors")
        fixdir = fixture(os.path.join(self.tmp, "fx"))
        es = self.fake(fixdir)
        port = harness.free_port()
        log = os.path.join(self.tmp, "reference.log")
        proc = harness.spawn([path, "--es.uri=" + es.url, "--web.listen-address=127.0.0.1:%d" % port]
                             + ["--" + c[0] for c in present], log)
        self.addCleanup(harness.reap, proc)
        box = {}

        def ready():
            status, _, body = harness.http_get("http://127.0.0.1:%d/metrics" % port)
            if status != 200:
                return False
            box["m"] = m = harness.Metrics(body.decode("utf-8"))
            return all(m.names(c[2]) and any(n for n in m.names(c[2])
                                             if not compat.BOOKKEEPING.search(n))
                       for c in present)
        harness.wait_until(ready, 30, interval=0.3, msg="the reference's lifecycle families")
        harness.reap(proc)
        ref_m = box["m"]
        d = self.esvigil(["--es.uri=" + es.url, "--cluster.metrics=always", "--poll.interval=1s"]
                         + ["--" + c[0] for c in present], procfs=self.procfs())
        esv_m = d.wait_metric(lambda m: all(m.get("esvigil_collector_success", collector=c[1]) == 1
                                            for c in present), 20, "esvigil's lifecycle families")
        self.assertCleanExit(d)
        ref, esv = compat.families(ref_m), compat.families(esv_m)
        problems, compared = [], 0
        for _, _, prefix in present:
            fams = [f for f in ref if f.startswith(prefix) and not compat.BOOKKEEPING.search(f)
                    and not PACED_BOOKKEEPING.search(f)]
            self.assertTrue(fams, prefix)
            for fam in sorted(fams):
                if fam not in esv:
                    problems.append("%s: only the reference exports it" % fam)
                    continue
                if ref[fam][:2] != esv[fam][:2]:
                    problems.append("%s: %s, reference %s" % (fam, esv[fam][:2], ref[fam][:2]))
                    continue
                rv, ev = compat.values(ref_m, fam), compat.values(esv_m, fam)
                for key, v in rv.items():
                    compared += 1
                    if key not in ev:
                        problems.append("%s%s: missing from esvigil" % (fam, dict(key)))
                    elif abs(ev[key] - v) > 1e-9 * max(1.0, abs(v)):
                        problems.append("%s%s: %r, reference %r" % (fam, dict(key), ev[key], v))
        compat.out("\n== lifecycle families, reference %s (%s): %d series compared by value, "
                   "%d problems" % (".".join(map(str, version)),
                                    " ".join(c[0] for c in present), compared, len(problems)))
        self.assertGreater(compared, 20)
        self.assertEqual(problems[:20], [])


# 1.5.0's per-collector up/total_scrapes/json_parse_failures for these collectors:
# upstream dropped them in 1.9 (da4a406) and no dashboard of the lifecycle rows
# queries them; esvigil_collector_success and _last_success_timestamp_seconds
# cover them.
PACED_BOOKKEEPING = re.compile(r"^elasticsearch_(snapshot_stats|slm_stats|data_stream_stats)_"
                               r"(up|total_scrapes|json_parse_failures)$")


if __name__ == "__main__":
    harness.main(timeout=120)
