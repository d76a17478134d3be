#!/usr/bin/env python3
"""test_dashboard: the bundled Grafana dashboard. contrib/grafana/esvigil.json is
byte for byte `esvigil --print-dashboard`; it is valid JSON Grafana can import
(datasource, cluster and node variables, panels that use them, no overlap), every
check of the table (as --print-rules names them) has a panel, and a threshold
override moves the panel's threshold line. test_prometheus runs its queries."""

import json
import os
import re

import harness

DASHBOARD = os.path.join(harness.SRCDIR, "contrib", "grafana", "esvigil.json")
REGENERATE = "regenerate with: ./esvigil --print-dashboard > contrib/grafana/esvigil.json"
CHECK_RE = re.compile(r"^\s+check: (\w+)$", re.M)


def run(tmp, *args):
    empty = harness.write_file(os.path.join(tmp, "empty.yml"), "")
    rc, out, err = harness.run_esvigil(["--config.file=" + empty] + list(args))
    if rc != 0 or err:
        raise AssertionError("esvigil %s: %s %s" % (" ".join(args), rc, err))
    return out


def queries(dash):
    """(panel title, expr) of every query of every panel."""
    return [(p["title"], t["expr"]) for p in dash["panels"] for t in p.get("targets", [])]


class Dashboard(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.text = run(self.tmp, "--print-dashboard")
        self.dash = json.loads(self.text)

    def test_committed_dashboard_is_print_dashboard(self):
        with open(DASHBOARD, encoding="utf-8") as f:
            want = f.read()
        if self.text != want:
            diff = [(i + 1, a, b) for i, (a, b) in
                    enumerate(zip(want.split("\n"), self.text.split("\n"))) if a != b]
            first = diff[0] if diff else ("end", "%d bytes" % len(want), "%d bytes" % len(self.text))
            self.fail("contrib/grafana/esvigil.json drifted from `esvigil --print-dashboard` "
                      "(first difference at line %s:\n  committed: %s\n  generated: %s)\n%s"
                      % (first + (REGENERATE,)))

    def test_importable(self):
        d = self.dash
        self.assertEqual(d["uid"], "esvigil")
        self.assertIsInstance(d["schemaVersion"], int)
        names = [v["name"] for v in d["templating"]["list"]]
        self.assertEqual(names, ["datasource", "cluster", "node"])
        self.assertEqual(d["templating"]["list"][0]["type"], "datasource")
        ids = [p["id"] for p in d["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        cells = set()
        for p in d["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, "panel %r overlaps another" % p["title"])
                    cells.add((x, y))
            if p["type"] != "row":
                self.assertEqual(p["datasource"]["uid"], "${datasource}", p["title"])
                self.assertTrue(p["targets"], p["title"])
        rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
        self.assertEqual(rows[:2], ["Findings", "Cluster"])
        self.assertTrue(any(r.startswith("Incidents") for r in rows), rows)

    def test_every_check_has_a_panel(self):
        checks = sorted(set(CHECK_RE.findall(run(self.tmp, "--print-rules"))))
        self.assertGreaterEqual(len(checks), 20)
        titles = " / ".join(p["title"] for p in self.dash["panels"])
        covered = {"cluster_red", "cluster_yellow", "allocation_failed"}  # the cluster row's
        for check in checks:
            if check in covered:
                continue
            self.assertRegex(titles, r"(^| )%s( |$)" % check, "no panel for check " + check)
        exprs = " ".join(e for _, e in queries(self.dash))
        for fam in ("elasticsearch_cluster_health_status", "elasticsearch_cluster_unassigned_shards",
                    "elasticsearch_cluster_health_number_of_pending_tasks"):
            self.assertIn(fam, exprs)

    def test_queries_use_the_variables(self):
        for title, expr in queries(self.dash):
            if title.startswith(("es_unreachable", "collector_failed", "stale_poll",
                                 "exporter_down", "allocation_disabled")):
                continue  # esvigil's own series and the reference's settings carry no cluster
            self.assertIn('cluster=~"$cluster"', expr, title)
        node = [t for t, e in queries(self.dash) if "$node" in e]
        self.assertGreaterEqual(len(node), 15, "few panels follow the node variable")
        findings = next(p for p in self.dash["panels"] if p["type"] == "table")
        self.assertIn("esvigil_check_status", findings["targets"][0]["expr"])
        self.assertTrue(findings["targets"][0]["expr"].endswith("> 0"))

    def test_threshold_override_moves_the_line(self):
        def heap_steps(dash):
            p = next(p for p in dash["panels"] if p["title"] == "heap_used")
            return [s["value"] for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]
        self.assertEqual(heap_steps(self.dash), [None, 0.8, 0.9])
        moved = json.loads(run(self.tmp, "--print-dashboard", "--checks.heap_used.warning=0.7"))
        self.assertEqual(heap_steps(moved), [None, 0.7, 0.9])


if __name__ == "__main__":
    harness.main(timeout=60)
