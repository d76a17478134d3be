#!/usr/bin/env python3
"""test_cluster: cluster-level families come from one daemon per cluster. Two daemons
beside two nodes of one ES 8.9 cluster (tests/fixtures/es/es-8.9 is the elected master,
es-8.9-node2 is not): cluster.metrics auto/always/never, a master change, a failing
master_node endpoint, and cluster mode (--es.all) with the imbalance ratios."""

import json
import os
import re
import shutil

import harness

# Families only the cluster's reporter exports (from _cluster/health, _cluster/settings
# and _cat/shards).
CLUSTER_FAMILY = re.compile(r"^elasticsearch_(cluster_health_\w+|clustersettings_\w+"
                            r"|cluster_unassigned_shards|cluster_shards|node_shards_total"
                            r"|node_shards_index_max|node_shard_largest_bytes)$")
# A reporter exports at least these (the list the issue names).
CLUSTER_REQUIRED = ("elasticsearch_cluster_health_status",
                    "elasticsearch_cluster_health_active_shards",
                    "elasticsearch_clustersettings_stats_shard_allocation_enabled",
                    "elasticsearch_node_shards_total",
                    "elasticsearch_cluster_unassigned_shards",
                    "elasticsearch_cluster_shards")
# Checks on cluster-level families (lib/checks.c): evaluated only where those exist.
CLUSTER_CHECKS = {"cluster_red", "cluster_yellow", "allocation_failed", "allocation_disabled",
                  "shard_size", "index_shards_per_node"}
# Node families every daemon exports for its own node.
NODE_REQUIRED = ("elasticsearch_node_info", "elasticsearch_jvm_memory_used_bytes",
                 "elasticsearch_indices_docs", "elasticsearch_filesystem_data_available_bytes")
WATERMARKS = {"low", "high", "flood_stage"}
IMBALANCE_DIMENSIONS = {"shards", "disk", "cpu", "http_connections"}

MASTER_PATH = "/_cluster/state/master_node"
SETTINGS_PATH = "/_cluster/settings"
# Every daemon reads settings and health (the watermarks ES enforces depend on both),
# exporting neither unless it reports.
CLUSTER_ONLY_PATHS = ("/_cat/shards",)
# What tests/fake_es.py serves for MASTER_PATH, read per request (absent: the local node).
MASTER_FILE = "master_node.json"


def load(path):
    with open(path) as f:
        return json.load(f)


def local_node(fixdir):
    """(cluster, node id, name) of the node in nodes_local.json."""
    info = load(os.path.join(fixdir, "nodes_local.json"))
    node_id, node = next(iter(info["nodes"].items()))
    return info["cluster_name"], node_id, node["name"]


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def set_master_doc(fixdir, text):
    write_atomic(os.path.join(fixdir, MASTER_FILE), text)


def find(m, family, **labels):
    """Metrics.find, but a label may be called "name" (find's own first parameter)."""
    return [s for s in m.samples
            if s[0] == family and all(s[1].get(k) == v for k, v in labels.items())]


def value(m, family, **labels):
    found = find(m, family, **labels)
    return found[0][2] if found else None


def cluster_families(m):
    return sorted(n for n in m.names("elasticsearch_") if CLUSTER_FAMILY.match(n))


def cluster_checks(m):
    return sorted({s[1]["check"] for s in m.find("esvigil_check_status")} & CLUSTER_CHECKS)


def polled(m, master_ok=True):
    """True once a full poll is in: esvigil_up 1 (and master_node answered, in auto)."""
    if m.get("esvigil_up") != 1 or not m.find("elasticsearch_node_info"):
        return False
    return not master_ok or m.get("esvigil_collector_success", collector="master_node") == 1


class Node:
    """One ES node of the cluster: a served copy of its fixture, its fake, its daemon."""

    def __init__(self, test, fixture):
        self.dir = os.path.join(test.tmp, fixture)
        shutil.copytree(os.path.join(harness.FIXTURES, fixture), self.dir)
        self.cluster, self.node_id, self.name = local_node(self.dir)
        self.fake = test.fake(self.dir)
        self.procfs = harness.make_procfs(os.path.join(test.tmp, "proc-" + fixture),
                                          fixture=self.dir)
        self.daemon = None
        self.probes = 0  # our own GETs of MASTER_PATH, not the daemon's

    def start(self, test, mode="auto", extra=()):
        self.daemon = test.esvigil(["--es.uri=" + self.fake.url, "--poll.interval=1s",
                                    "--es.timeout=2s", "--cluster.metrics=" + mode]
                                   + list(extra), procfs=self.procfs)
        return self.daemon

    def set_master(self, node_id):
        doc = {"cluster_name": self.cluster, "master_node": node_id}
        set_master_doc(self.dir, json.dumps(doc))

    def served_master(self):
        self.probes += 1
        status, _, body = harness.http_get(self.fake.url + MASTER_PATH)
        return status, body

    def requested(self, path):
        """How often the daemon asked for path."""
        n = self.fake.requests()["counts"].get(path, 0)
        return n - self.probes if path == MASTER_PATH else n


class ClusterTestCase(harness.TestCase):

    def pair(self, mode="auto"):
        """Both nodes, each with its daemon; returns (master, other) after one full poll."""
        a, b = Node(self, "es-8.9"), Node(self, "es-8.9-node2")
        self.assertNotEqual(a.node_id, b.node_id)
        for n in (a, b):  # the premise: both fakes name es-8.9's node as the master
            status, body = n.served_master()
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["master_node"], a.node_id)
            n.start(self, mode)
        for n in (a, b):
            n.metrics = n.daemon.wait_metric(lambda m: polled(m, mode == "auto"), 20,
                                             "a full poll (%s)" % n.name)
        return a, b

    def finish(self, *nodes):
        """SIGTERM: a clean exit (and, under valgrind, no leaks) after all that."""
        for n in nodes:
            self.assertCleanExit(n.daemon)

    def assertNodeFamilies(self, node, m):
        """The node's own families, labelled with its own name and nothing else."""
        for fam in NODE_REQUIRED:
            self.assertTrue(find(m, fam, name=node.name), "%s: no %s{name=%r}"
                            % (node.name, fam, node.name))
        names = {s[1]["name"] for s in m.samples
                 if s[0].startswith("elasticsearch_") and "name" in s[1]}
        self.assertEqual(names, {node.name})
        self.assertEqual(value(m, "elasticsearch_node_info", name=node.name,
                               node_id=node.node_id), 1)

    def assertHeadroom(self, node, m):
        """Derived from the settings every daemon fetches, exported or not."""
        rows = m.find("esvigil_disk_watermark_headroom_bytes")
        self.assertEqual({s[1]["watermark"] for s in rows}, WATERMARKS, m.text)
        self.assertEqual({s[1]["name"] for s in rows}, {node.name})
        self.assertGreater(node.requested(SETTINGS_PATH), 0)

    def assertReporter(self, node, m):
        fams = cluster_families(m)
        for fam in CLUSTER_REQUIRED:
            self.assertIn(fam, fams, "%s reports for the cluster but lacks %s" % (node.name, fam))
        self.assertEqual(cluster_checks(m), sorted(CLUSTER_CHECKS))
        color = load(os.path.join(node.dir, "cluster_health.json"))["status"]
        self.assertEqual(m.get("elasticsearch_cluster_health_status", cluster=node.cluster,
                               color=color), 1)
        for coll in ("cluster_health", "cat_shards", "cluster_settings"):
            self.assertEqual(m.get("esvigil_collector_success", collector=coll), 1, coll)

    def assertNotReporter(self, node, m):
        self.assertEqual(cluster_families(m), [], "%s is not the reporter" % node.name)
        self.assertEqual(cluster_checks(m), [])

    def assertNotLoadingCluster(self, node):
        """A non-reporter never asks for the cluster-only endpoints."""
        for path in CLUSTER_ONLY_PATHS:
            self.assertEqual(node.requested(path), 0, path)


class MasterOnly(ClusterTestCase):

    def test_auto_exactly_one_reporter(self):
        a, b = self.pair("auto")
        self.assertReporter(a, a.metrics)
        self.assertNotReporter(b, b.metrics)
        self.assertNotLoadingCluster(b)
        for n in (a, b):
            self.assertNodeFamilies(n, n.metrics)
            self.assertHeadroom(n, n.metrics)
            self.assertGreater(n.requested(MASTER_PATH), 0)
            self.assertEqual(n.metrics.get("esvigil_up"), 1)
        # the settings node2 fetched feed its headroom only: no settings family leaks
        self.assertEqual(b.metrics.names("elasticsearch_clustersettings"), [])
        self.finish(a, b)

    def test_always_both_report(self):
        a, b = self.pair("always")
        for n in (a, b):
            self.assertReporter(n, n.metrics)
            self.assertNodeFamilies(n, n.metrics)
            self.assertHeadroom(n, n.metrics)
            # always: nobody needs to know who the master is
            self.assertEqual(n.requested(MASTER_PATH), 0)
            self.assertIsNone(n.metrics.get("esvigil_collector_success", collector="master_node"))
        self.assertEqual(cluster_families(a.metrics), cluster_families(b.metrics))
        self.finish(a, b)

    def test_never_no_reporter(self):
        a, b = self.pair("never")
        for n in (a, b):
            self.assertNotReporter(n, n.metrics)
            self.assertNotLoadingCluster(n)
            self.assertNodeFamilies(n, n.metrics)
            self.assertHeadroom(n, n.metrics)
            self.assertEqual(n.requested(MASTER_PATH), 0)
            self.assertEqual(n.metrics.get("esvigil_up"), 1)
        self.finish(a, b)

    def test_master_change_moves_cluster_families(self):
        a, b = self.pair("auto")
        self.assertReporter(a, a.metrics)
        self.assertNotReporter(b, b.metrics)
        for n in (a, b):
            n.set_master(b.node_id)
            self.assertEqual(json.loads(n.served_master()[1])["master_node"], b.node_id)
        mb = b.daemon.wait_metric(lambda m: cluster_families(m), 15,
                                  "cluster families on %s, the new master" % b.name)
        ma = a.daemon.wait_metric(lambda m: polled(m) and not cluster_families(m), 15,
                                  "cluster families gone from %s, the old master" % a.name)
        self.assertReporter(b, b.daemon.wait_metric(
            lambda m: set(CLUSTER_REQUIRED) <= set(cluster_families(m)), 10,
            "every cluster family on " + b.name))
        self.assertNotReporter(a, ma)
        self.assertNodeFamilies(a, ma)
        self.assertNodeFamilies(b, mb)

        # No master elected (master_node null, e.g. during an election): nobody reports,
        # and that is not an error.
        for n in (a, b):
            n.set_master(None)
        for n in (a, b):
            m = n.daemon.wait_metric(lambda m: polled(m) and not cluster_families(m), 15,
                                     "no reporter without an elected master (%s)" % n.name)
            self.assertNotReporter(n, m)
            self.assertNodeFamilies(n, m)
            self.assertEqual(m.get("esvigil_up"), 1)
        self.finish(a, b)

    def test_master_node_failing(self):
        """A garbled master_node answer on the real master (fake_es cannot 404 this path:
        without the file it answers "the local node is master"). collect.c keeps
        reporter=0 when master_node fails: the error is counted, esvigil_up stays 1 (the
        node's own stats were read; collector_failed says what was not), the cluster
        families are withheld rather than risk a second copy, and the node families and
        the derived headroom (settings fetched, hidden) stay."""
        a = Node(self, "es-8.9")
        d = a.start(self, "auto")
        d.wait_metric(lambda m: polled(m) and cluster_families(m), 20, "a full poll")
        set_master_doc(a.dir, '{"cluster_name":"%s","master_node":' % a.cluster)
        m = d.wait_metric(
            lambda m: (m.get("esvigil_errors_total", collector="master_node",
                             reason="bad_json") or 0) >= 1, 15, "master_node bad_json counted")
        m = d.wait_metric(lambda m: m.get("esvigil_collector_success", collector="master_node")
                          == 0, 15, "master_node failing")
        self.assertEqual(m.get("esvigil_up"), 1)
        self.assertEqual(m.get("esvigil_collector_success", collector="master_node"), 0)
        self.assertEqual(m.get("esvigil_collector_success", collector="nodes_stats"), 1)
        self.assertNotReporter(a, m)
        self.assertNodeFamilies(a, m)
        self.assertHeadroom(a, m)
        # every other (collector, reason) pair of master_node stays 0
        other = [s for s in m.find("esvigil_errors_total", collector="master_node")
                 if s[1]["reason"] != "bad_json" and s[2] != 0]
        self.assertEqual(other, [])

        a.set_master(a.node_id)
        m = d.wait_metric(lambda m: polled(m) and cluster_families(m), 15, "recovery")
        self.assertReporter(a, m)
        self.assertGreaterEqual(m.get("esvigil_errors_total", collector="master_node",
                                      reason="bad_json"), 1)
        self.finish(a)


class ClusterMode(ClusterTestCase):

    def test_es_all(self):
        a = Node(self, "es-8.9")
        d = a.start(self, "auto", ["--es.all"])
        m = d.wait_metric(lambda m: polled(m) and m.find("esvigil_imbalance_ratio"), 20,
                          "a full --es.all poll")
        self.assertGreater(a.requested("/_nodes/stats"), 0)
        self.assertEqual(a.requested("/_nodes/_local/stats"), 0)

        nodes = load(os.path.join(a.dir, "nodes_stats.json"))["nodes"]
        self.assertEqual(len(nodes), 3)
        for node in nodes.values():
            for fam in ("elasticsearch_jvm_memory_used_bytes", "elasticsearch_indices_docs",
                        "elasticsearch_os_cpu_percent", "elasticsearch_thread_pool_queue_count"):
                self.assertTrue(find(m, fam, name=node["name"], host=node["host"]),
                                "%s{name=%r}" % (fam, node["name"]))
            self.assertEqual(value(m, "elasticsearch_os_cpu_percent", name=node["name"]),
                             node["os"]["cpu"]["percent"])
        names = {s[1]["name"] for s in m.find("elasticsearch_indices_docs")}
        self.assertEqual(names, {n["name"] for n in nodes.values()})

        # imbalance: max / mean over the data nodes (es-master-1 holds no data)
        data = [n for n in nodes.values()
                if any(r == "data" or r.startswith("data_") for r in n["roles"])]
        self.assertGreaterEqual(len(data), 2)
        rows = m.find("esvigil_imbalance_ratio", cluster=a.cluster)
        self.assertEqual({s[1]["dimension"] for s in rows}, IMBALANCE_DIMENSIONS)
        for dim, values in (("cpu", [n["os"]["cpu"]["percent"] for n in data]),
                            ("http_connections", [n["http"]["current_open"] for n in data])):
            want = max(values) / (sum(values) / len(values))
            self.assertAlmostEqual(m.get("esvigil_imbalance_ratio", dimension=dim), want,
                                   places=6, msg=dim)
        # still the master in auto mode: it also reports for the cluster
        self.assertReporter(a, m)
        self.finish(a)

    def test_es_all_data_tiers(self):
        """A tiered cluster (hot/content + warm nodes, none with plain "data"): tiers are
        data nodes, so the imbalance covers them and leaves the tiebreaker out."""
        a = Node(self, "es-8.9-tiers")
        d = a.start(self, "auto", ["--es.all"])
        m = d.wait_metric(lambda m: polled(m) and m.find("esvigil_imbalance_ratio"), 20,
                          "a full --es.all poll of a tiered cluster")
        nodes = load(os.path.join(a.dir, "nodes_stats.json"))["nodes"].values()
        data = [n for n in nodes if any(r.startswith("data_") for r in n["roles"])]
        self.assertEqual(len(data), 3)
        self.assertFalse(any("data" in n["roles"] for n in nodes))
        for n in nodes:
            self.assertEqual(find(m, "elasticsearch_indices_docs", name=n["name"])[0][1]
                             ["es_data_node"], "true" if n in data else "false")
        for dim, values in (("cpu", [n["os"]["cpu"]["percent"] for n in data]),
                            ("http_connections", [n["http"]["current_open"] for n in data])):
            want = max(values) / (sum(values) / len(values))
            self.assertAlmostEqual(m.get("esvigil_imbalance_ratio", dimension=dim), want,
                                   places=6, msg=dim)
        self.finish(a)

    def test_local_mode_has_no_imbalance(self):
        """One node's stats cannot show an imbalance: the ratio needs --es.all."""
        a = Node(self, "es-8.9")
        d = a.start(self, "auto")
        m = d.wait_metric(polled, 20, "a full poll")
        self.assertEqual(m.find("esvigil_imbalance_ratio"), [])
        self.assertGreater(a.requested("/_nodes/_local/stats"), 0)
        self.assertEqual(a.requested("/_nodes/stats"), 0)
        self.finish(a)


if __name__ == "__main__":
    harness.main(timeout=240)
