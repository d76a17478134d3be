#!/usr/bin/env python3
"""test_promtool: `promtool check metrics` over the real esvigil's /metrics while it
polls each ES/OpenSearch fixture version (and while ES fails). Format errors always
fail; lint warnings are tolerated only for the reference-exporter names listed in
promtool_allow.txt, so every esvigil_* family is lint-clean. Skips without promtool."""

import json
import os
import re
import shutil
import subprocess
import sys

import harness

PROMTOOL = shutil.which("promtool")
ALLOW_FILE = os.path.join(harness.HERE, "promtool_allow.txt")
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
# A lint finding: "NAME: message" (newer promtool) or "NAME message" (2.x).
LINT_RE = re.compile(r"^(%s):? (.+)$" % NAME)


def load_allow():
    names = []
    with open(ALLOW_FILE) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def duplicate_series(text):
    """Series lines that repeat an earlier one (promtool 2.x does not notice them,
    Prometheus rejects the whole scrape)."""
    seen, dups = set(), []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series = line.rsplit(" ", 1)[0]
        if series in seen:
            dups.append(series)
        seen.add(series)
    return dups


def promtool_findings(text):
    """(lint findings [(name, message)], other problems [line]) for an exposition."""
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=60)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    lint, problems = [], []
    for line in out.splitlines():
        if not line.strip():
            continue
        m = LINT_RE.match(line)
        if m and not line.lower().startswith("error") and "parsing error" not in line:
            lint.append((m.group(1), m.group(2)))
        else:
            problems.append(line)
    if p.returncode not in (0, 3) and not problems:
        problems.append("promtool exited %d" % p.returncode)
    if p.returncode == 0 and (lint or problems):
        problems.append("promtool exited 0 but printed findings")
    return lint, problems


class Promtool(harness.TestCase):
    allow = set()
    seen = set()

    @classmethod
    def setUpClass(cls):
        cls.allow = set(load_allow())

    @classmethod
    def tearDownClass(cls):
        unused = sorted(cls.allow - cls.seen)
        if unused and cls.seen:
            sys.stderr.write("note: promtool_allow.txt entries with no lint in any scrape "
                             "(remove if no longer exported): %s\n" % " ".join(unused))

    def check_exposition(self, text):
        lint, problems = promtool_findings(text)
        self.assertEqual(problems, [], "promtool format problems")
        self.assertEqual(duplicate_series(text)[:5], [], "series exported twice")
        bad = ["%s: %s" % (n, msg) for n, msg in lint
               if n.startswith("esvigil_") or n not in self.allow]
        self.assertEqual(bad, [], "lint outside promtool_allow.txt")
        Promtool.seen.update(n for n, _ in lint)

    def scrape(self, fixture, mode="healthy", want_up=1, extra=()):
        es = self.fake(fixture=fixture, mode=mode)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--es.timeout=2s"]
                         + list(extra), procfs=self.procfs(fixture=fixture))
        d.wait_ready(20)
        m = d.wait_metric(lambda m: m.get("esvigil_up") == want_up, 20,
                          "esvigil_up %d" % want_up)
        self.assertCleanExit(d)
        return m.text

    def test_allow_file_well_formed(self):
        names = load_allow()
        self.assertEqual(len(names), len(set(names)), "duplicates in promtool_allow.txt")
        for n in names:
            self.assertRegex(n, "^%s$" % NAME)
            self.assertFalse(n.startswith("esvigil_"), "esvigil families must be lint-clean")

    def test_detects_format_errors(self):
        # The checker itself must fail on a broken exposition.
        _, problems = promtool_findings('# TYPE x gauge\nx{a="b" 1\n')
        self.assertTrue(problems)

    def test_duplicate_detection(self):
        self.assertEqual(duplicate_series('x{a="b"} 1\nx{a="c"} 1\nx{a="b"} 2\n'), ['x{a="b"}'])

    def test_same_name_nodes(self):
        """Two nodes sharing name and host (--es.all): every series still unique."""
        fixture = os.path.join(harness.FIXTURES, "es-7.17-twins")
        text = self.scrape(fixture, extra=["--es.all", "--cluster.metrics=always"])
        self.check_exposition(text)
        names = set(re.findall(r'elasticsearch_indices_docs\{[^}]*name="([^"]*)"', text))
        self.assertEqual(len(names), 2, names)
        self.assertTrue(all(n.startswith("es-host-1 (") for n in names), names)
        # the local node's node-info families name it as its stats do
        with open(os.path.join(fixture, "nodes_local.json")) as f:
            local_id = next(iter(json.load(f)["nodes"]))
        info = re.findall(r'elasticsearch_node_info\{[^}]*name="([^"]*)"', text)
        self.assertEqual(info, ["es-host-1 (%s)" % local_id])

    def test_es_1x_shape(self):
        """ES 1.x stats (filter cache, Sigar memory fields): only listed reference names
        may draw lint, and the ES 1.x families the reference exports are there."""
        text = self.scrape(os.path.join(harness.FIXTURES, "es-1.7"))
        self.check_exposition(text)
        for fam in ("elasticsearch_indices_filter_cache_evictions",
                    "elasticsearch_indices_filter_cache_memory_size_bytes",
                    "elasticsearch_os_mem_actual_free_bytes",
                    "elasticsearch_process_mem_resident_size_bytes"):
            self.assertIn("\n" + fam + "{", text, fam)

    def test_while_es_fails(self):
        self.check_exposition(self.scrape(harness.fixture_dir(), mode="500", want_up=0))


def _make_test(version):
    def test(self):
        self.check_exposition(self.scrape(harness.fixture_dir(version) if version
                                          else harness.fixture_dir()))
    return test


for _v in harness.fixture_versions() or [None]:
    setattr(Promtool, "test_fixture_" + re.sub(r"\W", "_", _v or "minimal"), _make_test(_v))


if __name__ == "__main__":
    if PROMTOOL is None:
        print("SKIP: promtool not on PATH")
        sys.exit(harness.SKIP)
    harness.main(timeout=240)
