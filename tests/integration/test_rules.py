#!/usr/bin/env python3
"""test_rules: the bundled Prometheus rules. contrib/alerts/esvigil.rules.yml is byte for
byte `esvigil --print-rules`; promtool accepts it and passes the hand-written unit tests
of contrib/alerts/esvigil.rules.test.yml, which hold a firing and a silent case for every
alert; a running daemon serves the same bytes at /rules; and a threshold override moves
--print-rules, /rules, --check and esvigil_check_status together. promtool cases skip
when promtool is missing."""

import os
import re
import shutil
import subprocess

import harness

ALERTS_DIR = os.path.join(harness.SRCDIR, "contrib", "alerts")
RULES = os.path.join(ALERTS_DIR, "esvigil.rules.yml")
RULES_TEST = os.path.join(ALERTS_DIR, "esvigil.rules.test.yml")
PROMTOOL = shutil.which("promtool")
REGENERATE = "regenerate with: ./esvigil --print-rules > contrib/alerts/esvigil.rules.yml"
SEED_003 = os.path.join(harness.SRCDIR, "tests", "fixtures", "scenarios", "seed-003-heap")

ALERT_RE = re.compile(r"^\s*- alert: (\w+)\s*$", re.M)
RECORD_RE = re.compile(r"^\s*- record: (\S+)\s*$", re.M)
# One alert_rule_test item: its alertname, then exp_alerts: [] (silent) or a list.
CASE_RE = re.compile(r"^\s*alertname: (\w+)\s*\n\s*exp_alerts:[ \t]*(\[\])?[ \t]*\n"
                     r"((?:\s*- exp_labels:\s*\n(?:\s+\w+: .*\n)+)?)", re.M)
EXPR_TEST_RE = re.compile(r"^\s*- expr: ([^\s{]+)(?:\{[^}]*\})?\s*$", re.M)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def promtool(*args):
    p = subprocess.run([PROMTOOL] + list(args), capture_output=True, timeout=120,
                       cwd=ALERTS_DIR)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def camel(name):
    return "".join(w.capitalize() for w in name.split("_"))


class Rules(harness.TestCase):

    def print_rules(self, *extra):
        # an empty config file: a site config in $(sysconfdir) must not leak into the test
        empty = harness.write_file(os.path.join(self.tmp, "empty.yml"), "")
        rc, out, err = harness.run_esvigil(["--config.file=" + empty, "--print-rules"]
                                           + list(extra))
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        return out.encode()

    # ---- (a) drift

    def test_committed_rules_are_print_rules(self):
        got, want = self.print_rules(), read(RULES)
        if got != want:
            diff = [(i + 1, a, b) for i, (a, b) in
                    enumerate(zip(want.decode().split("\n"), got.decode().split("\n"))) if a != b]
            first = diff[0] if diff else ("end", "%d bytes" % len(want), "%d bytes" % len(got))
            self.fail("contrib/alerts/esvigil.rules.yml drifted from `esvigil --print-rules` "
                      "(first difference at line %s:\n  committed: %s\n  generated: %s)\n%s"
                      % (first + (REGENERATE,)))

    # ---- (b), (c) promtool

    def test_promtool_check_rules(self):
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        rc, out = promtool("check", "rules", RULES)
        self.assertEqual(rc, 0, out)
        self.assertIn("SUCCESS", out)

    def test_promtool_unit_tests(self):
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        rc, out = promtool("test", "rules", RULES_TEST)
        self.assertEqual(rc, 0, out)
        self.assertIn("SUCCESS", out)

    # ---- the unit tests cover every alert, firing and silent

    def test_every_alert_has_a_firing_and_a_silent_case(self):
        rules, tests = read(RULES).decode(), read(RULES_TEST).decode()
        self.assertIn("rule_files:\n  - esvigil.rules.yml\n", tests)
        alerts = ALERT_RE.findall(rules)
        self.assertGreaterEqual(len(alerts), 30, "alert names not found in the rule file")
        firing, silent = {}, {}
        for name, empty, items in CASE_RE.findall(tests):
            if empty:
                silent[name] = silent.get(name, 0) + 1
            else:
                self.assertTrue(items, "alert %s: exp_alerts neither [] nor a list" % name)
                firing[name] = firing.get(name, 0) + 1
                # exp_labels must say what the rule attaches
                for check in re.findall(r"^\s+check: (\w+)\s*$", items, re.M):
                    self.assertTrue(name.startswith("Esvigil" + camel(check)),
                                    "%s case expects check: %s" % (name, check))
                self.assertRegex(items, r"severity: (warning|critical)\n")
        cases = len(re.findall(r"^\s*alertname: ", tests, re.M))
        self.assertEqual(cases, sum(firing.values()) + sum(silent.values()),
                         "some alert_rule_test items are not in the expected shape")
        unknown = sorted((set(firing) | set(silent)) - set(alerts))
        self.assertEqual(unknown, [], "cases for alerts the rule file does not have")
        self.assertEqual([a for a in alerts if a not in firing], [], "alerts without a firing case")
        self.assertEqual([a for a in alerts if a not in silent], [], "alerts without a silent case")

    def test_every_recording_rule_is_tested(self):
        rules, tests = read(RULES).decode(), read(RULES_TEST).decode()
        records = set(RECORD_RE.findall(rules))
        self.assertIn("cluster_dimension:esvigil_imbalance:max_over_mean", records)
        self.assertEqual(records - set(EXPR_TEST_RE.findall(tests)), set())
        # seed 004 with per-node daemons: 9 data nodes, two at 3x the shards
        self.assertRegex(tests, r'max_over_mean\{cluster="aliyun-search",dimension="shards"\}\'\n'
                                r'\s+value: 2\.07692')
        self.assertEqual(len(re.findall(r'elasticsearch_indices_shards\{[^}]*es_data_node="true"',
                                        tests)), 9)

    # ---- (d) /rules

    def test_http_rules_are_print_rules(self):
        fake = self.fake()
        d = self.esvigil(["--es.uri=" + fake.url, "--poll.interval=1s"], procfs=self.procfs())
        status, hdrs, body = d.get("/rules")
        self.assertEqual(status, 200, body[:200])
        self.assertRegex(hdrs.get("content-type", ""), r"^(application|text)/(x-)?yaml\b")
        self.assertEqual(body, read(RULES), "GET /rules differs from the committed rule file")
        self.assertEqual(body, self.print_rules())
        self.assertCleanExit(d)

    # ---- one source of truth: an override moves every output

    def test_threshold_override_reaches_every_output(self):
        flag = "--checks.heap_used.critical=0.95"
        rules = self.print_rules(flag).decode()
        self.assertIn('expr: "max by (cluster, name) (esvigil_heap_used_ratio) > 0.95"', rules)
        self.assertNotIn("(esvigil_heap_used_ratio) > 0.9\"", rules)
        # seed 003's 91% heap is now only a warning, in --check ...
        fake = self.fake(SEED_003)
        pid = harness.fixture_pid(SEED_003)
        root = harness.make_procfs(os.path.join(self.tmp, "proc"), "healthy", SEED_003)
        args = ["--es.uri=" + fake.url, "--path.procfs=" + root, "--es.pid=%d" % pid, flag]
        rc, out, err = harness.run_esvigil(["--check"] + args, timeout=30)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("\nWARNING heap_used css-prod/css-node-1: 91.0% > 80.0% [seed 003]", out)
        # ... in esvigil_check_status and in the daemon's /rules
        d = self.esvigil(args + ["--poll.interval=1s"])
        m = d.wait_metric(lambda m: m.find("esvigil_check_status", check="heap_used"), 20,
                          "esvigil_check_status{check=heap_used}")
        got = [s[2] for s in m.find("esvigil_check_status", check="heap_used")
               if s[1].get("name") == "css-node-1"]
        self.assertEqual(got, [1])
        self.assertEqual(d.get("/rules")[2].decode(), rules)
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main(timeout=120)
