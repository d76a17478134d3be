#!/usr/bin/env python3
"""gen_scenarios: writes one replayable incident per seed write-up (SPEC.md
catalogue A-F, ../shared/seeds/000..004) into tests/fixtures/scenarios/, for
tests/integration/test_seeds.py. Each scenario dir holds the files
tests/fake_es.py serves (root.json, nodes_local_stats.json, nodes_stats.json,
nodes_local.json, master_node.json, cluster_health.json, cluster_settings.json,
cat_shards.json), scenario.json (which tests/gen_procfs.py tree goes with it,
the ES pid, the story) and, where a counter check needs a second poll, poll2/
with the node stats of that poll. The node stats are tests/gen_fixtures.py's,
bent to each incident's numbers; every value is made up here.

usage: gen_scenarios.py [OUTDIR]      write (default tests/fixtures/scenarios)
       gen_scenarios.py --check       regenerate into a temp dir, diff, exit 1 on drift
"""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402  (sibling scripts, not a package)
import gen_procfs as gp  # noqa: E402

GIB, MIB = gf.GIB, gf.MIB


def host_ram(procfs_scenario):
    """MemTotal of a gen_procfs scenario in bytes: the local node's RAM must be the
    RAM of the procfs tree it is tested with."""
    return gp.SCENARIOS[procfs_scenario]["meminfo"]["MemTotal"] * 1024


RAM_6G = host_ram("scroll-leak")  # seed 000's small host
RAM_64G = host_ram("healthy")     # every other local node
assert (RAM_6G, RAM_64G) == (6 * GIB, 64 * GIB)

# The files fake_es.py serves, and the node stats that change for poll 2 (in the
# order Scenario.stats_docs returns them).
ES_FILES = ("root.json", "nodes_local_stats.json", "nodes_stats.json", "nodes_local.json",
            "master_node.json", "cluster_health.json", "cluster_settings.json",
            "cat_shards.json")
POLL2_FILES = ("nodes_local_stats.json", "nodes_stats.json")


# ---------------------------------------------------------------- building blocks

def node(name, ip, ram, heap, disk, heap_ratio=0.45, data=True, other=0.03):
    """A gen_fixtures node tuple."""
    return (name, ip, data, ram, heap, disk, heap_ratio, other)


def place(version, nodes, indices, assign=None):
    """_cat/shards rows. indices: (name, primaries, replicas, docs per shard,
    bytes per doc). Copies go round-robin over the data nodes (copies of one
    shard are consecutive, so never on the same node) unless assign(index,
    shard, copy) names the node."""
    data = [n[0] for n in nodes if n[2]]
    rows, slot = [], 0
    for index, primaries, replicas, docs, per_doc in indices:
        r = gf.rng("scenario", version, index)
        for shard in range(primaries):
            ndocs = int(docs * r.uniform(0.97, 1.03))
            size = int(ndocs * per_doc * r.uniform(0.95, 1.05))
            for copy in range(1 + replicas):
                where = assign(index, shard, copy) if assign else None
                if where is None:
                    where = data[slot % len(data)]
                    slot += 1
                rows.append({"index": index, "shard": str(shard),
                             "prirep": "p" if copy == 0 else "r", "state": "STARTED",
                             "docs": str(ndocs), "store": str(size + copy * r.randint(0, 4096)),
                             "node": where, "unassigned.reason": None})
    return rows


def assigned(rows):
    """Rows as gen_fixtures counts them per node: unassigned ones left out, a
    relocating shard on its source node."""
    return [dict(r, node=r["node"].split(" -> ")[0]) for r in rows if r["node"]]


def envelope(cluster, nodes_obj):
    n = len(nodes_obj)
    return {"_nodes": {"total": n, "successful": n, "failed": 0}, "cluster_name": cluster,
            "nodes": nodes_obj}


def set_breaker(stats, name, estimated, limit=None, tripped=None):
    b = stats["breakers"][name]
    b["estimated_size_in_bytes"] = estimated
    b["estimated_size"] = gf.human(estimated)
    if limit is not None:
        b["limit_size_in_bytes"] = limit
        b["limit_size"] = gf.human(limit)
    if tripped is not None:
        b["tripped"] = tripped


def set_heap(stats, used, percent):
    mem = stats["jvm"]["mem"]
    mem["heap_used_in_bytes"] = used
    mem["heap_used_percent"] = percent
    pools = mem["pools"]
    pools["old"]["used_in_bytes"] = used - pools["young"]["used_in_bytes"] - \
        pools["survivor"]["used_in_bytes"]


def set_fs(stats, total, available):
    for part in [stats["fs"]["total"]] + stats["fs"]["data"]:
        part.update({"total_in_bytes": total, "free_in_bytes": available,
                     "available_in_bytes": available})


def set_os_mem(stats, ram, used_ratio):
    mem = stats["os"]["mem"]
    used = int(ram * used_ratio)
    mem.update({"total_in_bytes": ram, "free_in_bytes": ram - used, "used_in_bytes": used,
                "free_percent": round(100 * (ram - used) / ram),
                "used_percent": round(100 * used / ram)})


def health(version, cluster, nodes, rows):
    doc = gf.health_doc(version, nodes, [r for r in rows if r["state"] != "UNASSIGNED"])
    doc["cluster_name"] = cluster
    unassigned = sum(1 for r in rows if r["state"] == "UNASSIGNED")
    doc["unassigned_shards"] = unassigned
    doc["relocating_shards"] = sum(1 for r in rows if r["state"] == "RELOCATING")
    doc["initializing_shards"] = sum(1 for r in rows if r["state"] == "INITIALIZING")
    active = len(rows) - unassigned - doc["initializing_shards"]
    doc["active_shards"] = active
    doc["active_shards_percent_as_number"] = round(100.0 * active / len(rows), 14)
    if any(r["state"] == "UNASSIGNED" and r["prirep"] == "p" for r in rows):
        doc["status"] = "red"
    elif unassigned:
        doc["status"] = "yellow"
    return doc


def settings(version, cluster, nodes):
    doc = gf.settings_doc(version, nodes)
    doc["defaults"]["cluster.name"] = cluster
    return doc


class Scenario:
    """One incident: the cluster as gen_fixtures builds it; the seed functions
    below then bend its stats, health and settings to the incident's numbers."""

    def __init__(self, dirname, seed, title, version, cluster, nodes, rows, local, procfs,
                 story):
        self.dirname, self.seed, self.title = dirname, seed, title
        self.version, self.cluster, self.nodes, self.rows = version, cluster, nodes, rows
        self.local = local
        self.procfs, self.story = procfs, story
        self.health = health(version, cluster, nodes, rows)
        self.settings = settings(version, cluster, nodes)
        self.stats = {}
        for n in nodes:
            self.stats[n[0]] = gf.node_stats(version, n, assigned(rows))
        self.poll2 = None  # name -> stats for the second poll, when a counter check needs it

    def node_id(self, name):
        return gf.node_id(self.version, name)

    def local_name(self):
        return self.nodes[self.local][0]

    def info(self):
        n = self.nodes[self.local]
        info = gf.node_info(self.version, n)
        info["settings"]["cluster"]["name"] = self.cluster
        return info

    def stats_docs(self, stats):
        everyone = {self.node_id(n[0]): stats[n[0]] for n in self.nodes}
        lid = self.node_id(self.local_name())
        return envelope(self.cluster, {lid: everyone[lid]}), envelope(self.cluster, everyone)

    def files(self):
        local_stats, all_stats = self.stats_docs(self.stats)
        info = self.info()
        root = gf.root_doc(self.version, self.nodes)
        root.update({"name": self.local_name(), "cluster_name": self.cluster,
                     "cluster_uuid": gf.node_id(self.version, self.cluster + "/uuid")})
        return {
            "root.json": root,
            "nodes_local_stats.json": local_stats,
            "nodes_stats.json": all_stats,
            "nodes_local.json": envelope(self.cluster, {self.node_id(self.local_name()): info}),
            # the local node is the elected master, so --check reports cluster checks too
            "master_node.json": {"cluster_name": self.cluster,
                                 "master_node": self.node_id(self.local_name())},
            "cluster_health.json": self.health,
            "cluster_settings.json": self.settings,
            "cat_shards.json": self.rows,
        }

    def meta(self):
        return {"seed": self.seed, "title": self.title, "version": self.version,
                "cluster": self.cluster, "local_node": self.local_name(),
                "es_pid": self.info()["process"]["id"], "procfs_scenario": self.procfs,
                "poll2": sorted(POLL2_FILES) if self.poll2 else [], "story": self.story}

    def write(self, outdir):
        d = os.path.join(outdir, self.dirname)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        files = self.files()
        assert sorted(files) == sorted(ES_FILES)
        for name, doc in files.items():
            gf.write_json(os.path.join(d, name), doc)
        gf.write_json(os.path.join(d, "scenario.json"), self.meta())
        if self.poll2:
            os.makedirs(os.path.join(d, "poll2"))
            docs = dict(zip(POLL2_FILES, self.stats_docs(self.poll2)))
            for name in POLL2_FILES:
                gf.write_json(os.path.join(d, "poll2", name), docs[name])


def copy_stats(stats):
    return json.loads(json.dumps(stats))


# ---------------------------------------------------------------- seed 000

def seed_000():
    """Scroll leak: a 6 GB host whose JVM maps 16.5 GB of (partly merged-away)
    segment files, kept alive by scroll contexts a migration script never
    cleared; the heap (512 MB) looks fine."""
    version = "es-7.17"
    nodes = [node("es-node-2", "192.168.10.12", RAM_6G, 512 * MIB, 200 * GIB, 0.53),
             node("es-node-1", "192.168.10.11", 32 * GIB, 512 * MIB, 500 * GIB, 0.53)]
    rows = place(version, nodes, [("orders-archive", 3, 1, 4_000_000, 900),
                                  ("users", 1, 1, 1_500_000, 1200)])
    s = Scenario("seed-000-scroll-leak", "000",
                 "scroll leak: mapped buffers 16.5 GB on a 6 GB host",
                 version, "es-migrate-src", nodes, rows, 0, "scroll-leak",
                 "Heap 53% (287 MB of 512 MB) yet host memory 99%: JVM mapped buffers hold "
                 "16.5 GB on a 6 GB host, 4000 mappings of deleted segment files pinned by "
                 "412 open scroll contexts (of search.max_open_scroll_context 500) that a "
                 "restarted migration script never cleared.")
    leak, other = s.stats["es-node-2"], s.stats["es-node-1"]
    leak["jvm"]["buffer_pools"]["mapped"] = {"count": 268, "used_in_bytes": int(16.5 * GIB),
                                             "total_capacity_in_bytes": int(16.5 * GIB)}
    other["jvm"]["buffer_pools"]["mapped"] = {"count": 103, "used_in_bytes": 6332661994,
                                              "total_capacity_in_bytes": 6332661994}
    for st, ratio in ((leak, 0.97), (other, 0.99)):
        set_os_mem(st, st["os"]["mem"]["total_in_bytes"], ratio)
        st["jvm"]["mem"]["non_heap_used_in_bytes"] = 219 * MIB
    set_heap(leak, 287 * MIB + 164 * 1024, 53)
    leak["indices"]["search"].update({"open_contexts": 415, "scroll_current": 412})
    other["indices"]["search"].update({"open_contexts": 9, "scroll_current": 6})
    leak["process"]["open_file_descriptors"] = 12000
    return s


# ---------------------------------------------------------------- seed 001

def seed_001():
    """Disk at 86% during a deep segment merge: past the 85% low watermark, the
    merge stalls until the disk grows; still below high (90%)."""
    version = "es-7.13"
    nodes = [node("es-222", "172.16.92.222", RAM_64G, 31 * GIB, 100 * GIB),
             node("es-223", "172.16.92.223", RAM_64G, 31 * GIB, 100 * GIB),
             node("es-224", "172.16.92.224", RAM_64G, 31 * GIB, 100 * GIB)]
    rows = place(version, nodes, [("app-log-2024.05", 5, 1, 14_000_000, 550),
                                  ("app-log-2024.04", 5, 1, 14_000_000, 560),
                                  ("metrics", 2, 1, 9_000_000, 400)])
    s = Scenario("seed-001-disk-merge", "001", "deep merge at the low disk watermark",
                 version, "aliyun-es", nodes, rows, 0, "healthy",
                 "Disk 86% used (14 GiB of 100 GiB free) while 2 deep merges of 18 GiB run: "
                 "past the 85% low watermark (15 GiB must stay free), so no new shards land "
                 "here and the merge stalls; not yet at the 90% high watermark.")
    for name, avail in (("es-222", 14 * GIB), ("es-223", 20 * GIB), ("es-224", 35 * GIB)):
        set_fs(s.stats[name], 100 * GIB, avail)
    merges = s.stats["es-222"]["indices"]["merges"]
    merges.update({"current": 2, "current_docs": 31_500_000,
                   "current_size_in_bytes": 18 * GIB + 311 * MIB})
    s.stats["es-223"]["indices"]["merges"].update(
        {"current": 1, "current_docs": 2_400_000, "current_size_in_bytes": 1_310_720_000})
    s.stats["es-222"]["indices"]["segments"]["count"] = 412
    return s


# ---------------------------------------------------------------- seed 002

def seed_002():
    """Parent breaker over its limit on a node just added to the cluster while
    shards rebalance onto it; shards that failed allocation too often stay
    unassigned (ALLOCATION_FAILED), so the cluster is yellow."""
    version = "es-7.13"
    heap = 15 * GIB  # parent limit 95% = 15300820992, as in the seed's error message
    old = [node("es7-data-%02d" % i, "10.8.1.%d" % (10 + i), RAM_64G, heap, 2048 * GIB, 0.55)
           for i in range(1, 7)]
    new = [node("es7-data-%02d" % i, "10.8.1.%d" % (10 + i), RAM_64G, heap, 2048 * GIB, 0.62)
           for i in range(7, 12)]
    nodes = new[:1] + old + new[1:]  # the local node first: the one tripping
    rows = place(version, nodes, [("trade-2020", 10, 1, 40_000_000, 700),
                                  ("user-profile", 6, 1, 25_000_000, 900),
                                  ("search-log", 11, 1, 18_000_000, 500)])
    # Rebalancing onto the new nodes: two shards move, three replicas gave up
    # after index.allocation.max_retries failed allocations.
    for r in rows:
        if r["index"] == "trade-2020" and r["shard"] in ("3", "7") and r["prirep"] == "r":
            # onto a new node, es7-data-07 first, that holds no copy of the shard yet
            holders = {x["node"] for x in rows if x["index"] == r["index"]
                       and x["shard"] == r["shard"]}
            target = next(n for n in new if n[0] not in holders)
            r.update({"state": "RELOCATING", "node": "%s -> %s %s %s" % (
                r["node"], target[1], gf.node_id(version, target[0]), target[0])})
        if r["index"] == "user-profile" and r["shard"] in ("1", "4") and r["prirep"] == "r" or \
                r["index"] == "search-log" and r["shard"] == "9" and r["prirep"] == "r":
            r.update({"state": "UNASSIGNED", "node": None, "docs": None, "store": None,
                      "unassigned.reason": "ALLOCATION_FAILED"})
    s = Scenario("seed-002-breakers", "002", "parent breaker trips while shards relocate",
                 version, "es7-prod", nodes, rows, 0, "healthy",
                 "[parent] Data too large, data for [<transport_request>] would be "
                 "[15634611356/14.5gb], which is larger than the limit of "
                 "[15300820992/14.2gb]: the real-memory parent breaker of a newly added node "
                 "trips (37 trips, 41 on the next poll) while shards relocate onto it; three "
                 "replicas exceeded the allocation retries (ALLOCATION_FAILED) and the "
                 "cluster is yellow.")
    st = s.stats["es7-data-07"]
    real = 15634605168  # "real usage" in the seed's message
    set_heap(st, real, 97)
    set_breaker(st, "request", 0)
    set_breaker(st, "fielddata", 0)
    set_breaker(st, "in_flight_requests", 6188)
    set_breaker(st, "accounting", 18747688)
    set_breaker(st, "parent", 15634611356, 15300820992, 37)
    st["breakers"]["in_flight_requests"]["tripped"] = 3
    st["indices"]["recovery"].update({"current_as_source": 0, "current_as_target": 2})
    s.settings["persistent"].update({"cluster.routing.allocation.enable": "all",
                                     "indices.recovery.max_bytes_per_sec": "40mb"})
    s.poll2 = copy_stats(s.stats)
    s.poll2["es7-data-07"]["breakers"]["parent"]["tripped"] = 41
    return s


# ---------------------------------------------------------------- seed 003

def seed_003():
    """Heap at 91%, past the 90% memory flow-control limit: write requests are
    rejected (429) by a full write queue. ES 6.8's parent breaker sums its
    children (no real-memory accounting), so it stays quiet."""
    version = "es-6.8"
    nodes = [node("css-node-%d" % i, "192.168.0.%d" % (30 + i), RAM_64G, 31 * GIB, 1024 * GIB,
                  0.91 if i == 1 else 0.62) for i in range(1, 4)]
    rows = place(version, nodes, [("ingest-2024.12.02", 6, 1, 30_000_000, 600),
                                  ("ingest-2024.12.01", 6, 1, 45_000_000, 600)])
    s = Scenario("seed-003-heap", "003", "heap above the 90% flow-control limit, 429s",
                 version, "css-prod", nodes, rows, 0, "healthy",
                 "Memory flow control (flowcontrol.memory.heap_limit 90%) holds client "
                 "requests: heap at 91%, the write queue full (200) and rejections climbing "
                 "(1520, then 1873 on the next poll) as clients get 429 Too Many Requests.")
    st = s.stats["css-node-1"]
    set_heap(st, int(31 * GIB * 0.91), 91)
    st["thread_pool"]["write"].update({"threads": 8, "active": 8, "queue": 200,
                                       "rejected": 1520, "largest": 8})
    st["thread_pool"]["search"].update({"queue": 37})
    s.settings["persistent"].update({"flowcontrol.memory.enabled": "true",
                                     "flowcontrol.memory.heap_limit": "90%"})
    s.poll2 = copy_stats(s.stats)
    s.poll2["css-node-1"]["thread_pool"]["write"]["rejected"] = 1873
    return s


# ---------------------------------------------------------------- seed 004

HOT = ("es-data-01", "es-data-02")


def seed_004():
    """Load imbalance on 9 data nodes: the 6 shards of index "test" (and each of
    their replicas) sit on two nodes, which therefore hold 3x the shards, 3x the
    HTTP connections and run at 100% CPU; the primaries carry 34% deleted docs."""
    version = "es-7.17"
    data = [node("es-data-%02d" % i, "10.1.2.%d" % (10 + i), RAM_64G, 31 * GIB, 2048 * GIB)
            for i in range(1, 10)]
    masters = [node("es-master-%d" % i, "10.1.1.%d" % (10 + i), 32 * GIB, 16 * GIB, 100 * GIB,
                    0.30, data=False, other=0.12) for i in range(1, 4)]
    nodes = data + masters

    def assign(index, shard, copy):
        return HOT[copy] if index == "test" else None

    # 27 shard copies spread 3 per data node, plus "test" on the hot pair.
    rows = place(version, nodes, [("test", 6, 1, 42_000_000, 700),
                                  ("orders", 3, 1, 30_000_000, 600),
                                  ("users", 3, 1, 12_000_000, 900),
                                  ("logs-2025.06.16", 6, 1, 25_000_000, 450),
                                  ("config", 1, 2, 20_000, 1500)], assign)
    s = Scenario("seed-004-imbalance", "004", "shards and connections pinned to two of 9 nodes",
                 version, "aliyun-search", nodes, rows, 0, "healthy",
                 "3 masters and 9 data nodes; all 12 copies of index test (6 primaries, 6 "
                 "replicas) sit on es-data-01 and es-data-02, which hold 9 shards each against "
                 "3 elsewhere (max/mean 27/13 = 2.08), carry 3x the HTTP connections and run "
                 "at 100% CPU; the primaries on es-data-01 are 34% deleted docs.")
    for n in data:
        st = s.stats[n[0]]
        hot = n[0] in HOT
        st["http"]["current_open"] = 120 if hot else 40
        st["os"]["cpu"]["percent"] = 100 if hot else 22 + int(n[0][-1])
        st["process"]["cpu"]["percent"] = 98 if hot else 20
    docs = s.stats["es-data-01"]["indices"]["docs"]
    docs["deleted"] = docs["count"] * 34 // 66
    return s


SCENARIOS = (seed_000, seed_001, seed_002, seed_003, seed_004)


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    for make in SCENARIOS:
        make().write(outdir)


def main(argv):
    default = os.path.join(HERE, "fixtures", "scenarios")
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) > 1 and argv[1] == "--check":
        committed = argv[2] if len(argv) > 2 else default
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            problems = gf.drift(tmp, committed)
        for p in problems:
            print("gen_scenarios: " + p, file=sys.stderr)
        if problems:
            print("gen_scenarios: scenarios drifted; rerun tests/gen_scenarios.py",
                  file=sys.stderr)
            return 1
        return 0
    generate(argv[1] if len(argv) > 1 else default)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
