#!/usr/bin/env python3
"""test_prometheus: the shipped rules and dashboard in a real Prometheus. Debian's
prometheus server (loopback, free port, 1 s scrape and evaluation, scratch storage)
scrapes one esvigil per seed scenario, per healthy fixture and on the demo fixture
in cluster mode, with contrib/alerts/esvigil.rules.yml loaded. Every rule must
evaluate healthy; each seed's findings (test_seeds.EXPECT) must show as pending or
firing alerts of that scenario's cluster; nothing may alert for the healthy
fixtures; every query of contrib/grafana/esvigil.json, its variables filled in,
must return data on the demo cluster (index collectors on) or on seed 004 (backup
and lifecycle collectors on, tests/gen_lifecycle.py's answers) or on OpenSearch
2.11 with the same (ISM). Skipped (77) without prometheus."""

import json
import os
import re
import shutil
import sys
import time
import urllib.parse

import harness
import test_seeds

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests"))
import gen_lifecycle  # noqa: E402

RULES = os.path.join(harness.SRCDIR, "contrib", "alerts", "esvigil.rules.yml")
DASHBOARD = os.path.join(harness.SRCDIR, "contrib", "grafana", "esvigil.json")
SCENARIOS = test_seeds.SCENARIOS
# Under valgrind every daemon is ~20x slower: fewer of them, and slower polls.
HEALTHY = ("es-7.17",) if harness.VALGRIND else ("es-6.8", "es-7.17", "es-8.9", "opensearch-2.11")
INTERVAL = "3s" if harness.VALGRIND else "1s"
DEMO = "search-demo"  # the demo fixture's cluster: every collector has data there
# Seed 004 also answers the backup and lifecycle APIs (tests/gen_lifecycle.py, with
# its stale and failing repositories): their collectors' panels get data there.
LIFECYCLE = "seed-004-imbalance"
LIFECYCLE_COLLECTORS = ["--cluster.metrics=always", "--collector.snapshots", "--collector.slm",
                        "--collector.ilm", "--collector.health-report",
                        "--collector.data-stream", "--collector.tasks",
                        "--collector.pending-tasks"]
# OpenSearch's ISM: opensearch-2.11 renamed to its own cluster, with the same answers.
ISM_CLUSTER = "ism-test"
DEMO_COLLECTORS = ["--es.all", "--es.indices", "--es.indices_settings", "--es.indices.interval=1s",
                   "--es.indices_settings.interval=1s"]
PROMETHEUS = shutil.which("prometheus")


def camel(name):
    return "".join(w.capitalize() for w in name.split("_"))


class Prometheus(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        cls.tmp = harness.make_tmpdir("prometheus")
        cls.fakes, cls.daemons, cls.targets = [], [], {}
        try:
            for name in sorted(test_seeds.EXPECT):
                meta = test_seeds.scenario_meta(name)
                if name == LIFECYCLE:
                    cls.start_one(name, cls.lifecycle_fixture(name, meta["cluster"]),
                                  meta["procfs_scenario"], LIFECYCLE_COLLECTORS)
                else:
                    cls.start_one(name, os.path.join(SCENARIOS, name), meta["procfs_scenario"])
            for version in HEALTHY:
                cls.start_one(version, harness.fixture_dir(version), "healthy")
            cls.start_one("demo", cls.demo_fixture(), "healthy", DEMO_COLLECTORS)
            cls.start_one("ism", cls.ism_fixture(), "healthy", LIFECYCLE_COLLECTORS)
            cls.start_prometheus()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def lifecycle_fixture(cls, name, cluster):
        dest = os.path.join(cls.tmp, "es-" + name)
        shutil.copytree(os.path.join(SCENARIOS, name), dest)
        gen_lifecycle.generate(dest, now=int(time.time()), cluster=cluster)
        return dest

    @classmethod
    def ism_fixture(cls):
        src = harness.fixture_dir("opensearch-2.11")
        dest = os.path.join(cls.tmp, "es-ism")
        shutil.copytree(src, dest)
        cluster = harness.fixture_node(src)[0]
        for root, _, files in os.walk(dest):
            for f in files:
                path = os.path.join(root, f)
                with open(path) as fh:
                    text = fh.read()
                with open(path, "w") as fh:
                    fh.write(text.replace('"%s"' % cluster, '"%s"' % ISM_CLUSTER))
        gen_lifecycle.generate(dest, now=int(time.time()), cluster=ISM_CLUSTER)
        for name in ("ilm_status.json", "ilm_explain.json"):  # OpenSearch has ISM instead
            os.remove(os.path.join(dest, name))
        return dest

    @classmethod
    def demo_fixture(cls):
        """The demo fixture with one index carrying index.blocks.read_only_allow_delete
        false: esvigil_index_blocked exists only where the setting is present."""
        dest = os.path.join(cls.tmp, "es-demo")
        shutil.copytree(harness.fixture_dir("demo"), dest)
        path = os.path.join(dest, "indices_settings.json")
        with open(path) as f:
            doc = json.load(f)
        first = next(iter(doc.values()))
        first["settings"]["index"]["blocks"] = {"read_only_allow_delete": "false"}
        with open(path, "w") as f:
            json.dump(doc, f)
        return dest

    @classmethod
    def start_one(cls, name, fixdir, procfs_scenario, extra=()):
        fake = harness.start_fake_es(fixdir)
        cls.fakes.append(fake)
        root = harness.make_procfs(os.path.join(cls.tmp, "proc-" + name), procfs_scenario,
                                   fixdir)
        d = harness.start_esvigil(["--es.uri=" + fake.url, "--poll.interval=" + INTERVAL,
                                   "--es.pid=%d" % harness.fixture_pid(fixdir)] + list(extra),
                                  procfs=root, log_debug=False)
        cls.daemons.append(d)
        cls.shared = cls.daemons + cls.fakes
        cls.targets["127.0.0.1:%d" % d.port] = name

    @classmethod
    def start_prometheus(cls):
        cls.port = harness.free_port()
        config = harness.write_file(os.path.join(cls.tmp, "prometheus.yml"), (
            "global:\n  scrape_interval: %s\n  evaluation_interval: 1s\n  scrape_timeout: %s\n"
            "rule_files:\n  - %s\n"
            "scrape_configs:\n  - job_name: esvigil\n    static_configs:\n      - targets: [%s]\n"
        ) % (INTERVAL, INTERVAL, json.dumps(RULES), ", ".join(json.dumps(t) for t in cls.targets)))
        cls.prom_dir = cls.tmp
        cls.prom = harness.spawn(
            [PROMETHEUS, "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(cls.tmp, "data"),
             "--web.listen-address=127.0.0.1:%d" % cls.port, "--log.level=warn"],
            os.path.join(cls.tmp, "prometheus.log"))
        harness.wait_until(lambda: cls.api_ok("/-/ready"), 30, 0.2, "prometheus ready")

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "prom", None):
            harness.reap(cls.prom)  # by the pid we started
        for d in cls.daemons:
            d.stop()
        for f in cls.fakes:
            f.stop()
        sys.stderr.write("test_prometheus: %d targets, %.1f s\n"
                         % (len(cls.targets), time.monotonic() - cls.t0))

    @classmethod
    def api_ok(cls, path):
        try:
            return harness.http_get("http://127.0.0.1:%d%s" % (cls.port, path))[0] == 200
        except OSError:
            return False

    def api(self, path, **params):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        status, _, body = harness.http_get(url, timeout=10)
        doc = json.loads(body)
        self.assertEqual((status, doc.get("status")), (200, "success"), "%s: %s" % (url, body[:500]))
        return doc["data"]

    def prom_log_text(self):
        with open(os.path.join(self.prom_dir, "prometheus.log"), errors="replace") as f:
            return f.read()

    def wait_scraped(self):
        """Until every target was scraped (up == 1) at least twice."""
        def ok():
            r = self.api("/api/v1/query", query="count_over_time(up[1m]) >= 2 and up == 1")
            return len(r["result"]) == len(self.targets)
        harness.wait_until(ok, 30, 0.5, "every esvigil scraped twice")

    def alerts_by_scenario(self):
        """{scenario: {(check, severity, state)}} from /api/v1/alerts."""
        by_cluster = {}
        for name in self.targets.values():
            if name in test_seeds.EXPECT:
                by_cluster[test_seeds.scenario_meta(name)["cluster"]] = name
        out = {}
        for a in self.api("/api/v1/alerts")["alerts"]:
            labels = a["labels"]
            by_cluster[ISM_CLUSTER] = "ism"
            who = by_cluster.get(labels.get("cluster")) or self.targets.get(labels.get("instance"))
            if who is None and labels.get("cluster") == "shop-prod":
                who = "healthy"
            out.setdefault(who or "?", set()).add(
                (labels.get("check"), labels.get("severity"), a["state"]))
        return out

    def test_every_rule_is_healthy(self):
        self.wait_scraped()

        def evaluated():
            groups = self.api("/api/v1/rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            return rules if rules and all(r["health"] != "unknown" for r in rules) else None
        harness.wait_until(evaluated, 30, 0.5, "every rule evaluated")
        rules = evaluated()
        bad = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
        self.assertEqual(bad, [], self.prom_log_text())
        with open(RULES) as f:
            text = f.read()
        shipped = text.count("- alert: ") + text.count("- record: ")
        self.assertEqual(len(rules), shipped, "Prometheus did not load every shipped rule")

    def test_seed_alerts_and_silent_healthy_fixtures(self):
        self.wait_scraped()
        want = {name: {(c, sev.lower()) for sev, c, *_ in findings}
                for name, (_, findings) in test_seeds.EXPECT.items()}
        box = {}

        def all_pending():
            box["got"] = got = self.alerts_by_scenario()
            return all(w <= {(c, s) for c, s, _ in got.get(name, ())} for name, w in want.items())
        try:
            harness.wait_until(all_pending, 40, 0.5, "each seed's alerts pending")
        except AssertionError:
            self.fail("alerts per scenario %r, want at least %r" % (box.get("got"), want))
        got = box["got"]
        for name in want:
            states = {st for _, _, st in got[name]}
            self.assertLessEqual(states, {"pending", "firing"}, name)
        # the healthy fixtures and the demo cluster stay silent
        for quiet in HEALTHY + ("demo", "healthy"):
            self.assertNotIn(quiet, got, "alerts on a healthy fixture: %r" % got.get(quiet))
        self.assertNotIn("?", got, "alerts on no known scenario: %r" % got.get("?"))

    def test_every_dashboard_query_returns_data(self):
        self.wait_scraped()
        with open(DASHBOARD) as f:
            dash = json.load(f)
        exprs = [(p["title"], t["expr"]) for p in dash["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 30)
        # the variables' own queries name values on this Prometheus
        for var in dash["templating"]["list"][1:]:
            q = var["query"]["query"].replace("$cluster", DEMO)
            fam, label = q[len("label_values("):-1].rsplit(", ", 1)
            vals = self.api("/api/v1/label/%s/values" % label, **{"match[]": fam})
            self.assertIn(DEMO if label == "cluster" else "es-demo-1", vals, q)
        empty, elsewhere = [], []
        for title, expr in exprs:
            if title.startswith("Current findings"):
                continue  # the demo cluster is healthy: no rows is its right answer
            q = expr.replace("$cluster", DEMO).replace("$node", ".*")
            if self.api("/api/v1/query", query=q)["result"]:
                continue
            lifecycle = (test_seeds.scenario_meta(LIFECYCLE)["cluster"], ISM_CLUSTER)
            if any(self.api("/api/v1/query", query=expr.replace("$cluster", c)
                            .replace("$node", ".*"))["result"] for c in lifecycle):
                continue
            q = expr.replace("$cluster", ".*").replace("$node", ".*")
            if self.api("/api/v1/query", query=q)["result"]:
                elsewhere.append(title)
                continue
            empty.append((title, q))
        self.assertEqual(empty, [], "dashboard queries without data")
        self.assertEqual(elsewhere, [], "queries without data on the demo or lifecycle cluster")
        # and the findings table lists the seeds' findings
        findings = next(e for t, e in exprs if t.startswith("Current findings"))
        r = self.api("/api/v1/query", query=findings.replace("$cluster", ".*"))["result"]
        self.assertIn(("heap_used", "critical", "css-prod"),
                      {(s["metric"]["check"], s["metric"]["severity"], s["metric"]["cluster"])
                       for s in r})


if __name__ == "__main__":
    if not PROMETHEUS:
        print("SKIP: prometheus is not installed (Debian: apt-get install prometheus)")
        sys.exit(harness.SKIP)
    harness.main(timeout=150)
