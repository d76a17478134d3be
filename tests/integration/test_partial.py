#!/usr/bin/env python3
"""test_partial: the real esvigil when only part of what it reads is there: one ES
endpoint forbidden to the monitoring user (403 with ES's security_exception body), the
core node stats failing, ES down as a whole, a procfs that cannot be read, a node that
runs on another host than esvigil. Whatever was read is served, and attributed only to
whom it describes; what was not is named once in --check, with a header that counts
exactly the lines under it."""

import json
import os
import re
import subprocess
import sys

import harness

HEAD_RE = re.compile(r"^ESVIGIL (OK|WARNING|CRITICAL|UNKNOWN) - (\d+) critical, (\d+) warning ")
LINE_RE = re.compile(r"^(OK|WARNING|CRITICAL|UNKNOWN) (\w+) (.*?): ")
PRIVILEGE = "missing privilege: one of the cluster privileges [monitor,manage,all]"


def report(out):
    """(status, critical count, warning count, [(severity, check, subject, detail)])."""
    lines = out.rstrip("\n").split("\n")
    head = HEAD_RE.match(lines[0])
    assert head, "no status line in:\n" + out
    found = []
    for i, line in enumerate(lines[1:], 1):
        m = LINE_RE.match(line)
        if m:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            detail = nxt[len("  detail: "):] if nxt.startswith("  detail: ") else None
            found.append(m.groups() + (detail,))
    return head.group(1), int(head.group(2)), int(head.group(3)), found


class Partial(harness.TestCase):

    def check(self, es_url, procfs=None, extra=()):
        root = procfs or self.procfs()
        rc, out, err = harness.run_esvigil(["--check", "--es.uri=" + es_url,
                                            "--path.procfs=" + root, "--es.timeout=2s"]
                                           + list(extra), timeout=30)
        status, ncrit, nwarn, found = report(out)
        msg = "exit %d:\n%s%s" % (rc, out, err)
        self.assertEqual(ncrit, sum(1 for f in found if f[0] == "CRITICAL"), msg)
        self.assertEqual(nwarn, sum(1 for f in found if f[0] == "WARNING"), msg)
        self.assertEqual(rc, {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[status], msg)
        return rc, found, msg

    def test_forbidden_endpoint_is_a_warning(self):
        es = self.fake(extra=["--fault", "/_cluster/settings=403"])
        rc, found, msg = self.check(es.url)
        self.assertEqual(rc, 1, msg)
        checks = [f[1] for f in found]
        self.assertNotIn("es_unreachable", checks, msg)
        self.assertEqual(checks.count("collector_failed"), 1, msg)
        sev, _, subject, detail = found[checks.index("collector_failed")]
        self.assertEqual(sev, "WARNING", msg)
        self.assertTrue(subject.endswith("collector=cluster_settings"), msg)
        self.assertIn("/_cluster/settings", detail, msg)
        self.assertIn("HTTP 403", detail, msg)
        self.assertIn("action [cluster:monitor/state]", detail, msg)
        self.assertIn(PRIVILEGE, detail, msg)

    def test_core_stats_forbidden_is_unreachable_once(self):
        es = self.fake(extra=["--fault", "/_nodes/_local/stats=403"])
        rc, found, msg = self.check(es.url)
        self.assertEqual(rc, 2, msg)
        self.assertEqual([f[1] for f in found], ["es_unreachable"], msg)
        self.assertIn("/_nodes/_local/stats: HTTP 403 forbidden", found[0][3], msg)

    def test_es_down_is_one_line(self):
        rc, found, msg = self.check("http://127.0.0.1:%d" % harness.free_port())
        self.assertEqual(rc, 2, msg)
        self.assertEqual([f[1] for f in found], ["es_unreachable"], msg)
        self.assertIn("connection refused", found[0][3], msg)

    def test_daemon_serves_what_was_read(self):
        es = self.fake()
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"], procfs=self.procfs())
        d.wait_metric(lambda m: m.get("esvigil_collector_success", collector="cat_shards") == 1,
                      20, "cat_shards read while allowed")
        es.set_fault("/_cat/shards", "403")
        m = d.wait_metric(lambda m: (m.get("esvigil_errors_total", collector="cat_shards",
                                           reason="forbidden") or 0) >= 1, 20,
                          "a forbidden cat_shards counted")
        m = d.wait_metric(lambda m: m.get("esvigil_collector_success",
                                          collector="cat_shards") == 0, 10, "cat_shards failing")
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        self.assertIsNotNone(m.find("elasticsearch_jvm_memory_used_bytes"))
        self.assertIsNotNone(m.find("elasticsearch_cluster_health_status"))
        self.assertEqual(m.get("esvigil_errors_total", collector="cat_shards",
                               reason="unauthorized"), 0)
        # the reason exists before it happens, for every collector
        self.assertEqual(m.get("esvigil_errors_total", collector="nodes_stats",
                               reason="forbidden"), 0)
        self.assertEqual(m.get("esvigil_check_status", check="collector_failed",
                               subject="collector=cat_shards"), 1)
        self.assertEqual(m.get("esvigil_check_status", check="es_unreachable"), 0)
        d.wait_log(r"poll failed: cat_shards: .*HTTP 403 forbidden", 10)
        self.assertCleanExit(d)


def procfs_with_pid(dest, pid, scenario="low-map-count"):
    """A fake procfs whose ES process has pid (not the one the fixture's node info names)."""
    subprocess.run([sys.executable, harness.GEN_PROCFS, dest, "--scenario", scenario,
                    "--pid", str(pid)], check=True, timeout=60, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    return dest


class HostView(harness.TestCase):
    """The host view (meminfo, vm.max_map_count, file-nr, the ES process) describes
    the node only when that node's JVM runs on this host."""

    def check(self, es_url, root, extra=()):
        return Partial.check(self, es_url, root, extra)

    def test_remote_node_gets_no_host_view(self):
        es = self.fake()
        pid = harness.fixture_pid(harness.fixture_dir())
        root = procfs_with_pid(os.path.join(self.tmp, "proc"), pid + 1)  # not ES's pid
        # the monitoring box's own low vm.max_map_count is not the ES node's problem
        rc, found, msg = self.check(es.url, root)
        self.assertEqual((rc, found), (0, []), msg)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"], procfs=root)
        d.wait_metric(lambda m: (m.get("esvigil_polls_total") or 0) >= 3, 20, "three polls")
        m = d.metrics()
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertEqual(m.names("esvigil_host_"), [], "host families of another host")
        self.assertIsNone(m.get("esvigil_collector_success", collector="host"))
        self.assertEqual(m.find("esvigil_check_status", check="max_map_count_low"), [])
        said = re.findall(r"host metrics left out: no process %d in " % pid, d.log())
        self.assertEqual(len(said), 1, d.log())
        self.assertCleanExit(d)

    def test_local_node_owns_host_view(self):
        es = self.fake()
        fixdir = harness.fixture_dir()
        cluster, _, node = harness.fixture_node(fixdir)
        root = harness.make_procfs(os.path.join(self.tmp, "proc"), "low-map-count", fixdir)
        rc, found, msg = self.check(es.url, root)
        self.assertEqual(rc, 1, msg)
        self.assertEqual([(f[0], f[1], f[2]) for f in found],
                         [("WARNING", "max_map_count_low", "%s/%s" % (cluster, node["name"]))],
                         msg)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s"], procfs=root)
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 1 and m.find("esvigil_host_node"), 20,
                          "esvigil_host_node")
        self.assertEqual(m.types.get("esvigil_host_node"), "gauge")
        self.assertEqual([(s[1], s[2]) for s in m.find("esvigil_host_node")],
                         [({"cluster": cluster, "name": node["name"]}, 1)])
        self.assertEqual(m.get("esvigil_host_vm_map_areas_max"), 65530)
        self.assertNotIn("host metrics left out", d.log())
        self.assertCleanExit(d)

    def test_other_java_at_that_pid(self):
        """Node info's pid is a java process here, but one that started long before the
        node's JVM (jvm.start_time_in_millis): another JVM, not the node."""
        es = self.fake()
        fixdir = harness.fixture_dir()
        with open(os.path.join(fixdir, "nodes_local.json")) as f:
            jvm_start = next(iter(json.load(f)["nodes"].values()))["jvm"][
                "start_time_in_millis"] / 1000.0
        root = harness.make_procfs(os.path.join(self.tmp, "proc"), "low-map-count", fixdir)
        ticks = os.sysconf("SC_CLK_TCK")
        started = 1234567 / ticks  # tests/gen_procfs.py's starttime, seconds after boot
        harness.write_file(os.path.join(root, "stat"), "btime %d\n" % (jvm_start - started))
        rc, found, msg = self.check(es.url, root)
        self.assertEqual([f[1] for f in found], ["max_map_count_low"], msg)
        harness.write_file(os.path.join(root, "stat"), "btime %d\n" % (jvm_start - started
                                                                        - 86400))
        rc, found, msg = self.check(es.url, root)
        self.assertEqual((rc, found), (0, []), msg)

    def test_es_pid_asserts_local(self):
        es = self.fake()
        pid = harness.fixture_pid(harness.fixture_dir()) + 1
        root = procfs_with_pid(os.path.join(self.tmp, "proc"), pid)
        rc, found, msg = self.check(es.url, root, ["--es.pid=%d" % pid])
        self.assertEqual([f[1] for f in found], ["max_map_count_low"], msg)

    def test_unreadable_procfs_is_said(self):
        """An empty procfs is not a clean bill of health (issue 8 item 7)."""
        es = self.fake()
        root = os.path.join(self.tmp, "empty-proc")
        os.makedirs(root)
        rc, found, msg = self.check(es.url, root)
        self.assertEqual(rc, 1, msg)
        failed = {f[2].rsplit("collector=", 1)[-1]: f for f in found if f[1] == "collector_failed"}
        self.assertEqual(sorted(failed), ["host", "process"], msg)
        self.assertTrue(all(f[0] == "WARNING" for f in failed.values()), msg)
        self.assertIn(os.path.join(root, "meminfo"), failed["host"][3], msg)
        self.assertIn("missing", failed["host"][3], msg)


if __name__ == "__main__":
    harness.main()
