#!/usr/bin/env python3
"""test_seeds: the proof that esvigil sees the incidents of the seed write-ups.
The real binary runs `--check` against each scenario of tests/gen_scenarios.py
(fake ES + a tests/gen_procfs.py tree) and must name the right checks at the
right severity with the seed's hint, and nothing else; on every healthy fixture
of every version it must stay silent. The counter checks (breaker_trips,
thread_pool_rejections) need two polls: the daemon polls a scenario whose node
stats are switched to the scenario's poll2/ between polls."""

import json
import os
import re
import shutil
import subprocess
import sys

import harness

SCENARIOS = os.path.join(harness.SRCDIR, "tests", "fixtures", "scenarios")

HEAD_RE = re.compile(r"^ESVIGIL (OK|WARNING|CRITICAL|UNKNOWN) - (\d+) critical, (\d+) warning "
                     r"\((\d+) checks on (\d+) subjects\)$")
FINDING_RE = re.compile(r"^(CRITICAL|WARNING|UNKNOWN) (\w+) (.+?): (.+?)(?: \[seed (\d{3})\])? "
                        r"- (.+)$")

# Per scenario: exit status, and every finding --check must print, exactly:
# (severity, check, subject, "value op threshold", seed, a phrase of the hint).
EXPECT = {
    "seed-000-scroll-leak": (2, [
        ("CRITICAL", "mapped_buffers", "es-migrate-src/es-node-2", "275.0% > 50.0%", "000",
         "DELETE _search/scroll/_all"),
        ("WARNING", "host_memory", "es-migrate-src/es-node-2", "99.0% > 80.0%", "000",
         "pmap -x <es pid>"),
        ("WARNING", "scroll_contexts", "es-migrate-src/es-node-2", "82.4% > 50.0%", "000",
         "DELETE _search/scroll/_all"),
    ]),
    "seed-001-disk-merge": (1, [
        ("WARNING", "disk_low_watermark", "aliyun-es/es-222", "-1.0 GiB < 0.0 B", "001",
         "_forcemerge?only_expunge_deletes=true"),
    ]),
    "seed-002-breakers": (2, [
        ("CRITICAL", "breaker", "es7-prod/es7-data-07 breaker=parent", "102.2% > 95.0%", "002",
         "node_concurrent_recoveries"),
        # the real-memory parent breaker is the heap itself: 15634605168 of 15 GiB
        ("CRITICAL", "heap_used", "es7-prod/es7-data-07", "97.1% > 90.0%", "003",
         "reduce indexing/search load"),
        ("CRITICAL", "allocation_failed", "es7-prod", "3 > 0", "002",
         "POST _cluster/reroute?retry_failed=true"),
        ("WARNING", "cluster_yellow", "es7-prod", "1 > 0", "002",
         "GET _cluster/allocation/explain"),
    ]),
    "seed-003-heap": (2, [
        ("CRITICAL", "heap_used", "css-prod/css-node-1", "91.0% > 90.0%", "003",
         "reduce indexing/search load"),
    ]),
    # one node's view: the cluster-wide imbalance needs --es.all or the rules
    "seed-004-imbalance": (1, [
        ("WARNING", "deleted_docs", "aliyun-search/es-data-01", "34.0% > 30.0%", "004",
         "only_expunge_deletes=true"),
        ("WARNING", "index_shards_per_node", "aliyun-search/es-data-01", "6 > 5", "004",
         "total_shards_per_node"),
        ("WARNING", "index_shards_per_node", "aliyun-search/es-data-02", "6 > 5", "004",
         "total_shards_per_node"),
    ]),
}

IMBALANCE_HINT = "GET _cat/allocation?v"
EXPECT_ALL_004 = (1, EXPECT["seed-004-imbalance"][1] + [
    # 9 shards on the hot pair, 3 elsewhere: 9 / (39 / 9) = 27 / 13
    ("WARNING", "imbalance", "aliyun-search dimension=shards", "2.07692 > 1.5", "004",
     IMBALANCE_HINT),
    ("WARNING", "imbalance", "aliyun-search dimension=http_connections", "2.07692 > 1.5", "004",
     IMBALANCE_HINT),
    ("WARNING", "imbalance", "aliyun-search dimension=cpu", "2.27273 > 1.5", "004",
     IMBALANCE_HINT),
    ("WARNING", "imbalance", "aliyun-search dimension=disk", "2.01744 > 1.5", "004",
     IMBALANCE_HINT),
])

STATUS_NAMES = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}


def scenario_meta(name):
    with open(os.path.join(SCENARIOS, name, "scenario.json")) as f:
        return json.load(f)


def value(m, family, **labels):
    """Metrics.get, but labels may include "name" (which Metrics.get takes as the family)."""
    for fam, have, v in m.samples:
        if fam == family and all(have.get(k) == x for k, x in labels.items()):
            return v
    return None


def parse_report(out):
    """(head match, [(severity, check, subject, comparison, seed, summary, hint)])."""
    lines = out.rstrip("\n").split("\n")
    head = HEAD_RE.match(lines[0])
    findings, i = [], 1
    while i < len(lines):
        m = FINDING_RE.match(lines[i])
        if not m:
            raise AssertionError("unexpected report line %r in:\n%s" % (lines[i], out))
        i += 1
        if i < len(lines) and lines[i].startswith("  detail: "):  # what failed, for some checks
            i += 1
        hint = lines[i] if i < len(lines) else ""
        if not hint.startswith("  hint: "):
            raise AssertionError("finding without a hint line: %r in:\n%s" % (lines[i - 1], out))
        findings.append(m.groups() + (hint[len("  hint: "):],))
        i += 1
    return head, findings


class Seeds(harness.TestCase):

    def check(self, fixdir, procfs_scenario, extra=()):
        """Runs `esvigil --check` on fixdir with a procfs tree; (status, stdout)."""
        fake = self.fake(fixdir)
        pid = harness.fixture_pid(fixdir)
        root = harness.make_procfs(os.path.join(self.tmp, "proc-" + procfs_scenario),
                                   procfs_scenario, fixdir)
        args = ["--check", "--es.uri=" + fake.url, "--path.procfs=" + root,
                "--es.pid=%d" % pid] + list(extra)
        rc, out, err = harness.run_esvigil(args, timeout=30)
        return rc, out, err

    def assert_report(self, name, extra=(), expect=None):
        meta = scenario_meta(name)
        status, want = expect or EXPECT[name]
        rc, out, err = self.check(os.path.join(SCENARIOS, name), meta["procfs_scenario"], extra)
        msg = "seed %s (%s), esvigil %s:\n%s%s" % (meta["seed"], meta["title"],
                                                   " ".join(extra), out, err)
        self.assertEqual(rc, status, msg)
        head, findings = parse_report(out)
        self.assertIsNotNone(head, msg)
        ncrit = sum(1 for w in want if w[0] == "CRITICAL")
        nwarn = sum(1 for w in want if w[0] == "WARNING")
        self.assertEqual(head.group(1, 2, 3), (STATUS_NAMES[status], str(ncrit), str(nwarn)), msg)
        got = sorted((f[0], f[1], f[2], f[3], f[4]) for f in findings)
        self.assertEqual(got, sorted(w[:5] for w in want),
                         "findings differ (other checks must stay quiet)\n" + msg)
        hints = {(f[1], f[2]): f[6] for f in findings}
        for w in want:
            self.assertIn(w[5], hints[(w[1], w[2])], "hint of %s\n%s" % (w[1], msg))
        # worst first: every CRITICAL line precedes every WARNING line
        order = [f[0] for f in findings]
        self.assertEqual(order, sorted(order, key=lambda s: s != "CRITICAL"), msg)
        return out

    # ---- one poll: --check

    def test_seed_000_scroll_leak(self):
        self.assert_report("seed-000-scroll-leak")

    def test_seed_001_disk_merge(self):
        self.assert_report("seed-001-disk-merge")

    def test_seed_002_breakers(self):
        out = self.assert_report("seed-002-breakers")
        self.assertNotIn("breaker_trips", out, "a counter check fired on the first poll")

    def test_seed_003_heap(self):
        out = self.assert_report("seed-003-heap")
        self.assertNotIn("thread_pool_rejections", out, "a counter check fired on the first poll")

    def test_seed_004_imbalance_local(self):
        out = self.assert_report("seed-004-imbalance")
        self.assertNotIn(" imbalance ", out, "one node's view cannot show an imbalance")

    def test_seed_004_imbalance_cluster_mode(self):
        self.assert_report("seed-004-imbalance", ["--es.all"], EXPECT_ALL_004)

    def test_healthy_fixtures_are_silent(self):
        versions = harness.fixture_versions()
        self.assertEqual(sorted(versions), sorted(harness.VERSIONS), "fixture versions missing")
        for version in versions:
            fixdir = harness.fixture_dir(version)
            for extra in ((), ("--es.all",)):
                with self.subTest(version=version, extra=extra):
                    rc, out, err = self.check(fixdir, "healthy", extra)
                    msg = "%s %s:\n%s%s" % (version, " ".join(extra), out, err)
                    self.assertEqual(rc, 0, msg)
                    head, findings = parse_report(out)
                    self.assertIsNotNone(head, msg)
                    self.assertEqual(head.group(1, 2, 3), ("OK", "0", "0"), msg)
                    self.assertEqual(findings, [], msg)
                    # not vacuous: the checks had data for node, host and cluster subjects
                    self.assertGreaterEqual(int(head.group(5)), 20, msg)
                    self.assertNotRegex(out, r"(?m)^(WARNING|CRITICAL) ", msg)

    # ---- the scroll-leak fingerprint, as the daemon exports it

    def test_seed_000_metrics(self):
        name = "seed-000-scroll-leak"
        fixdir = os.path.join(SCENARIOS, name)
        fake = self.fake(fixdir)
        root = harness.make_procfs(os.path.join(self.tmp, "proc"), "scroll-leak", fixdir)
        d = self.esvigil(["--es.uri=" + fake.url, "--poll.interval=1s",
                          "--es.pid=%d" % harness.fixture_pid(fixdir)], procfs=root)
        m = d.wait_metric(lambda m: m.find("esvigil_check_status", check="mapped_buffers"), 20,
                          "esvigil_check_status{check=mapped_buffers}")
        node = {"cluster": "es-migrate-src", "name": "es-node-2"}
        self.assertEqual(value(m, "esvigil_check_status", check="mapped_buffers", **node), 2)
        self.assertEqual(value(m, "esvigil_check_status", check="scroll_contexts", **node), 1)
        self.assertEqual(m.get("esvigil_check_status", check="host_memory"), 1)
        self.assertEqual(value(m, "esvigil_check_status", check="fds", **node), 0)
        self.assertEqual(m.get("esvigil_check_status", check="map_count"), 0)
        # both guards of the critical level hold: 99% host memory, and 4000
        # deleted segment files (1310720000 bytes) still mapped = 20% of 6 GiB
        self.assertEqual(m.get("esvigil_host_es_process_deleted_maps"), 4000)
        self.assertEqual(m.get("esvigil_host_es_process_deleted_mapped_bytes"), 1310720000)
        self.assertAlmostEqual(m.get("esvigil_host_deleted_mapped_ratio"),
                               1310720000 / (6 * 1024**3), places=6)
        self.assertAlmostEqual(m.get("esvigil_host_memory_used_ratio"), 0.99, places=4)
        self.assertAlmostEqual(value(m, "esvigil_mapped_buffers_ratio", **node), 16.5 / 6, places=6)
        self.assertEqual(value(m, "elasticsearch_indices_search_scroll_current", **node), 412)
        self.assertCleanExit(d)

    # ---- two polls: counter checks

    def two_polls(self, name, check, rising, steady, counter, counter_labels, before, after):
        """Polls name's fixture, switches in poll2/, and follows check on the
        rising subject from 0 (no rise) to 1 (a rise) and back to 0."""
        src = os.path.join(SCENARIOS, name)
        served = os.path.join(self.tmp, "es")
        shutil.copytree(src, served)
        fake = self.fake(served)
        root = harness.make_procfs(os.path.join(self.tmp, "proc"),
                                   scenario_meta(name)["procfs_scenario"], served)
        d = self.esvigil(["--es.uri=" + fake.url, "--poll.interval=1s",
                          "--es.pid=%d" % harness.fixture_pid(served)], procfs=root)

        def status(m, subject):
            return m.get("esvigil_check_status", check=check, subject=subject)

        # First poll: no previous value, no sample. Second: same value, 0.
        m = d.wait_metric(lambda m: status(m, rising) is not None, 20,
                          "%s{subject=%s} after two polls" % (check, rising))
        self.assertEqual(status(m, rising), 0, "no rise yet")
        self.assertEqual(value(m, counter, **counter_labels), before)
        self.assertEqual(m.find("esvigil_check_status", check=check)[0][1]["severity"], "warning")
        for name_ in ("nodes_local_stats.json", "nodes_stats.json"):
            tmp = os.path.join(served, name_ + ".new")
            shutil.copyfile(os.path.join(src, "poll2", name_), tmp)
            os.replace(tmp, os.path.join(served, name_))
        m = d.wait_metric(lambda m: status(m, rising) == 1, 20,
                          "%s{subject=%s} == 1 after the counter rose" % (check, rising))
        self.assertEqual(value(m, counter, **counter_labels), after)
        self.assertEqual(status(m, steady), 0, "a counter that did not rise fired")
        # A rise is news once: the next poll sees no new rise.
        d.wait_metric(lambda m: status(m, rising) == 0, 20, "%s back to 0" % check)
        self.assertCleanExit(d)

    def test_seed_002_breaker_trips_second_poll(self):
        self.two_polls("seed-002-breakers", "breaker_trips", "breaker=parent",
                       "breaker=in_flight_requests", "elasticsearch_breakers_tripped",
                       {"name": "es7-data-07", "breaker": "parent"}, 37, 41)

    def test_seed_003_thread_pool_rejections_second_poll(self):
        self.two_polls("seed-003-heap", "thread_pool_rejections", "type=write", "type=search",
                       "elasticsearch_thread_pool_rejected_count",
                       {"name": "css-node-1", "type": "write"}, 1520, 1873)

    # ---- the committed scenarios are what the generator writes

    def test_scenarios_up_to_date(self):
        p = subprocess.run([sys.executable, os.path.join(harness.SRCDIR, "tests",
                                                         "gen_scenarios.py"), "--check"],
                           capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr.decode() +
                         "\nregenerate with: python3 tests/gen_scenarios.py")


if __name__ == "__main__":
    harness.main(timeout=240)
