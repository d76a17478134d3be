#!/usr/bin/env python3
"""gen_big: writes a fixture directory for a big made-up ES 7.17 cluster, for
benchmarks and soak tests of the streaming parsers. Same file names as
tests/fixtures/es/<version>/, so tests/fake_es.py can serve it:

    bench/gen_big.py --out /tmp/big --nodes 500 --shards 100000
    python3 tests/fake_es.py --fixture-dir /tmp/big --port 9200

Every node gets ~25 thread pools, 6 breakers, 3 buffer pools and 2 fs.data
entries. cat_shards.json mixes STARTED, RELOCATING, INITIALIZING and
UNASSIGNED rows (with unassigned reasons) and is written in the
bytes=b&h=index,shard,prirep,state,docs,store,node,unassigned.reason shape.
Output is deterministic for the same arguments and written row by row /
node by node, never built whole in memory.
"""

import argparse
import hashlib
import json
import os
import random
import sys

GIB = 1024**3
MIB = 1024**2
VERSION = "7.17.18"
BUILD_HASH = "8682172c2130b9a411b1bd5ff37c9792367de6b0"
TS = 1716286800000
MASTERS = 3

THREAD_POOLS = [
    "analyze", "ccr", "fetch_shard_started", "fetch_shard_store", "flush", "force_merge",
    "generic", "get", "listener", "management", "ml_datafeed", "ml_job_comms", "ml_utility",
    "refresh", "rollup_indexing", "search", "search_throttled", "security-crypto",
    "security-token-key", "snapshot", "system_read", "system_write", "transform_indexing",
    "warmer", "write",
]
BREAKERS = [  # name, share of heap as limit, overhead
    ("fielddata", 0.40, 1.03), ("request", 0.60, 1.0), ("in_flight_requests", 1.0, 2.0),
    ("accounting", 1.0, 1.0), ("model_inference", 0.50, 1.0), ("parent", 0.95, 1.0),
]
UNASSIGNED_REASONS = [  # weight, reason (None: the column is null)
    (30, "NODE_LEFT"), (20, "ALLOCATION_FAILED"), (20, "INDEX_CREATED"),
    (10, "REPLICA_ADDED"), (10, "CLUSTER_RECOVERED"), (5, "REROUTE_CANCELLED"), (5, None),
]


def rng(*parts):
    return random.Random("/".join(str(p) for p in parts))


def node_id(name):
    digest = hashlib.sha256(("big/" + name).encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(alphabet[b % 64] for b in digest[:22])


class Node:
    def __init__(self, i):
        self.master = i < MASTERS
        if self.master:
            self.name = "big-master-%d" % (i + 1)
        else:
            self.name = "big-data-%03d" % (i - MASTERS + 1)
        self.id = node_id(self.name)
        self.ip = "10.%d.%d.%d" % (40 + i // 65025, (i // 255) % 255, i % 255 + 1)
        self.ram = (16 if self.master else 64) * GIB
        self.heap = (8 if self.master else 31) * GIB
        self.disk = (100 if self.master else 2048) * GIB
        self.pid = 1000 + i
        self.shards = 0
        self.store = 0
        self.docs = 0


def make_nodes(n):
    if n < MASTERS + 1:
        sys.exit("gen_big: --nodes must be at least %d" % (MASTERS + 1))
    return [Node(i) for i in range(n)]


# ------------------------------------------------------------------ shards

def shard_rows(nodes, total):
    """Yields the _cat/shards rows: indices of 5 primaries, each with one replica."""
    data = [n for n in nodes if not n.master]
    per_index = 10
    for i in range(total):
        index, within = divmod(i, per_index)
        shard, copy = divmod(within, 2)
        r = rng("row", i)
        docs = r.randint(1000, 40_000_000)
        store = docs * r.randint(300, 1500)
        roll = r.random()
        row = {"index": "logs-%05d" % index, "shard": str(shard), "prirep": "pr"[copy],
               "state": "STARTED", "docs": str(docs), "store": str(store),
               "node": data[(index * 7 + shard * 2 + copy) % len(data)].name,
               "unassigned.reason": None}
        if copy and roll < 0.01:
            pick = r.randint(1, sum(w for w, _ in UNASSIGNED_REASONS))
            for weight, reason in UNASSIGNED_REASONS:
                pick -= weight
                if pick <= 0:
                    break
            row.update(state="UNASSIGNED", docs=None, store=None, node=None)
            row["unassigned.reason"] = reason
        elif roll < 0.02:
            target = data[(index * 7 + shard * 2 + copy + 1) % len(data)]
            row["state"] = "RELOCATING"
            row["node"] += " -> %s %s %s" % (target.ip, target.id, target.name)
        elif roll < 0.025:
            row.update(state="INITIALIZING", docs=None, store=None)
            row["unassigned.reason"] = "REPLICA_ADDED"
        yield row


def write_shards(path, nodes, total):
    """Writes cat_shards.json and returns counts for the health document."""
    by_name = {n.name: n for n in nodes}
    counts = {"STARTED": 0, "RELOCATING": 0, "INITIALIZING": 0, "UNASSIGNED": 0, "primaries": 0}
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i, row in enumerate(shard_rows(nodes, total)):
            f.write(("," if i else "") + "\n" + json.dumps(row, separators=(",", ":")))
            counts[row["state"]] += 1
            if row["node"]:
                node = by_name[row["node"].split(" -> ")[0]]
                node.shards += 1
                node.store += int(row["store"] or 0)
                node.docs += int(row["docs"] or 0)
            if row["prirep"] == "p" and row["state"] in ("STARTED", "RELOCATING"):
                counts["primaries"] += 1
        f.write("\n]\n")
    return counts


# ------------------------------------------------------------------ node stats

def rnd(r, **bounds):
    """{field: a random int in 0..bound}, in the order given."""
    return {k: r.randint(0, v) for k, v in bounds.items()}


def pool(r, name):
    threads = {"search": 49, "write": 16, "get": 16, "generic": 12, "management": 5}.get(
        name, r.choice((0, 1, 2, 4)))
    return {"threads": threads, "queue": r.choice((0, 0, 0, 3)),
            "active": min(threads, r.randint(0, 3)), "rejected": r.choice((0, 0, 0, 0, 17)),
            "largest": threads, "completed": r.randint(0, 900_000_000) if threads else 0}


def breakers(r, heap):
    out = {}
    for name, share, overhead in BREAKERS:
        limit = int(heap * share)
        busy = name in ("parent", "fielddata")
        est = int(limit * r.uniform(0.0, 0.9)) if busy else r.randint(0, MIB)
        out[name] = {"limit_size_in_bytes": limit, "limit_size": "%.1fgb" % (limit / GIB),
                     "estimated_size_in_bytes": est, "estimated_size": "%.1fmb" % (est / MIB),
                     "overhead": overhead, "tripped": r.choice((0, 0, 0, 2))}
    return out


def fs(r, node):
    half = node.disk // 2
    data = []
    for k in range(2):
        free = int(half * r.uniform(0.1, 0.6))
        data.append({"path": "/data/%d/nodes/0" % k, "mount": "/data/%d (/dev/nvme%dn1)" % (k, k),
                     "type": "xfs", "total_in_bytes": half, "free_in_bytes": free,
                     "available_in_bytes": free})
    free = sum(d["free_in_bytes"] for d in data)
    return {"timestamp": TS,
            "total": {"total_in_bytes": node.disk, "free_in_bytes": free,
                      "available_in_bytes": free},
            "data": data,
            "io_stats": {"total": rnd(r, operations=10**9, read_kilobytes=10**10,
                                      write_kilobytes=10**10)}}


def buffer_pool(count, used):
    return {"count": count, "used_in_bytes": used, "total_capacity_in_bytes": used}


def jvm(r, node):
    used = int(node.heap * r.uniform(0.3, 0.85))
    old_max = {"old": node.heap}
    pools = {p: {"used_in_bytes": r.randint(0, used), "max_in_bytes": old_max.get(p, 0),
                 "peak_used_in_bytes": used, "peak_max_in_bytes": old_max.get(p, 0)}
             for p in ("young", "survivor", "old")}
    return {
        "timestamp": TS, "uptime_in_millis": r.randint(10**6, 10**10),
        "mem": {"heap_used_in_bytes": used, "heap_used_percent": used * 100 // node.heap,
                "heap_committed_in_bytes": node.heap, "heap_max_in_bytes": node.heap,
                "non_heap_used_in_bytes": r.randint(100, 300) * MIB,
                "non_heap_committed_in_bytes": 320 * MIB, "pools": pools},
        "threads": {"count": r.randint(100, 400), "peak_count": 450},
        "gc": {"collectors": {
            "young": rnd(r, collection_count=10**6, collection_time_in_millis=10**8),
            "old": rnd(r, collection_count=50, collection_time_in_millis=10**5)}},
        "buffer_pools": {
            "mapped": buffer_pool(r.randint(100, 20000), int(node.ram * r.uniform(0.02, 0.3))),
            "direct": buffer_pool(r.randint(50, 500), r.randint(10, 400) * MIB),
            "mapped - 'non-volatile memory'": buffer_pool(0, 0)},
        "classes": {"current_loaded_count": 31000, "total_loaded_count": 35000,
                    "total_unloaded_count": 200},
    }


def indices(r, node):
    return {
        "docs": {"count": node.docs, "deleted": node.docs // r.randint(5, 50)},
        "shard_stats": {"total_count": node.shards},
        "store": {"size_in_bytes": node.store, "reserved_in_bytes": 0},
        "indexing": {**rnd(r, index_total=10**10, index_time_in_millis=10**9, index_current=20,
                           index_failed=100, delete_total=10**6, delete_time_in_millis=10**6),
                     "delete_current": 0, "is_throttled": False, "throttle_time_in_millis": 0},
        "get": {**rnd(r, total=10**7, time_in_millis=10**7, exists_total=10**6,
                      exists_time_in_millis=10**6, missing_total=10**5,
                      missing_time_in_millis=10**5), "current": 0},
        "search": {**rnd(r, open_contexts=40, query_total=10**9, query_time_in_millis=10**9,
                         query_current=8, fetch_total=10**8, fetch_time_in_millis=10**8),
                   "fetch_current": 0,
                   **rnd(r, scroll_total=10**6, scroll_time_in_millis=10**9, scroll_current=30),
                   "suggest_total": 0, "suggest_time_in_millis": 0, "suggest_current": 0},
        "merges": {**rnd(r, current=4, current_docs=10**6, current_size_in_bytes=10 * GIB,
                         total=10**6, total_time_in_millis=10**9, total_docs=10**10,
                         total_size_in_bytes=10**13),
                   "total_stopped_time_in_millis": 0,
                   "total_throttled_time_in_millis": r.randint(0, 10**8),
                   "total_auto_throttle_in_bytes": 200 * MIB},
        "refresh": {**rnd(r, total=10**7, total_time_in_millis=10**8, external_total=10**7,
                          external_total_time_in_millis=10**8), "listeners": 0},
        "flush": rnd(r, total=10**5, periodic=10**5, total_time_in_millis=10**7),
        "warmer": {"current": 0, **rnd(r, total=10**7, total_time_in_millis=10**6)},
        "query_cache": rnd(r, memory_size_in_bytes=GIB, total_count=10**8, hit_count=10**8,
                           miss_count=10**8, cache_size=10**4, cache_count=10**5,
                           evictions=10**5),
        "fielddata": {"memory_size_in_bytes": r.randint(0, GIB), "evictions": 0},
        "completion": {"size_in_bytes": 0},
        "segments": {"count": node.shards * r.randint(10, 40), "memory_in_bytes": 0,
                     **rnd(r, index_writer_memory_in_bytes=200 * MIB,
                           version_map_memory_in_bytes=10 * MIB,
                           fixed_bit_set_memory_in_bytes=MIB),
                     "file_sizes": {}},
        "translog": rnd(r, operations=10**6, size_in_bytes=GIB, uncommitted_operations=10**5,
                        uncommitted_size_in_bytes=100 * MIB, earliest_last_modified_age=10**6),
        "request_cache": rnd(r, memory_size_in_bytes=100 * MIB, evictions=10**4,
                             hit_count=10**7, miss_count=10**6),
        "recovery": rnd(r, current_as_source=2, current_as_target=2,
                        throttle_time_in_millis=10**6),
    }


def roles(node):
    if node.master:
        return ["master"]
    return ["data", "data_content", "data_hot", "ingest", "remote_cluster_client", "transform"]


def node_stats(node):
    r = rng("stats", node.name)
    used = int(node.ram * r.uniform(0.6, 0.98))
    load = {k: round(r.uniform(0, 16), 2) for k in ("1m", "5m", "15m")}
    return {
        "timestamp": TS, "name": node.name, "transport_address": node.ip + ":9300",
        "host": node.ip, "ip": node.ip + ":9300", "roles": roles(node),
        "attributes": {"ml.machine_memory": str(node.ram), "xpack.installed": "true"},
        "indices": indices(r, node),
        "os": {"timestamp": TS, "cpu": {"percent": r.randint(1, 95), "load_average": load},
               "mem": {"total_in_bytes": node.ram, "free_in_bytes": node.ram - used,
                       "used_in_bytes": used, "free_percent": (node.ram - used) * 100 // node.ram,
                       "used_percent": used * 100 // node.ram},
               "swap": {"total_in_bytes": 0, "free_in_bytes": 0, "used_in_bytes": 0}},
        "process": {"timestamp": TS, "open_file_descriptors": r.randint(500, 60000),
                    "max_file_descriptors": 65535,
                    "cpu": {"percent": r.randint(0, 90),
                            "total_in_millis": r.randint(10**6, 10**9)},
                    "mem": {"total_virtual_in_bytes": node.ram * 3}},
        "jvm": jvm(r, node),
        "thread_pool": {name: pool(r, name) for name in THREAD_POOLS},
        "fs": fs(r, node),
        "transport": rnd(r, server_open=2000, total_outbound_connections=2000, rx_count=10**10,
                         rx_size_in_bytes=10**13, tx_count=10**10, tx_size_in_bytes=10**13),
        "http": rnd(r, current_open=200, total_opened=10**6),
        "breakers": breakers(r, node.heap),
        "script": {"compilations": r.randint(0, 100), "cache_evictions": 0,
                   "compilation_limit_triggered": 0},
        "ingest": {"total": {"count": 0, "time_in_millis": 0, "current": 0, "failed": 0},
                   "pipelines": {}},
    }


def node_info(node):
    oops = "true" if node.heap < 32 * GIB else "false"
    return {
        "name": node.name, "transport_address": node.ip + ":9300", "host": node.ip,
        "ip": node.ip, "version": VERSION, "build_flavor": "default", "build_type": "deb",
        "build_hash": BUILD_HASH, "total_indexing_buffer": node.heap // 10, "roles": roles(node),
        "attributes": {"ml.machine_memory": str(node.ram), "xpack.installed": "true"},
        "process": {"refresh_interval_in_millis": 1000, "id": node.pid, "mlockall": True},
        "jvm": {"pid": node.pid, "version": "21.0.2",
                "mem": {"heap_init_in_bytes": node.heap, "heap_max_in_bytes": node.heap,
                        "non_heap_init_in_bytes": 7667712, "non_heap_max_in_bytes": 0,
                        "direct_max_in_bytes": 0},
                "gc_collectors": ["G1 Young Generation", "G1 Old Generation"],
                "using_compressed_ordinary_object_pointers": oops},
        "http": {"bound_address": [node.ip + ":9200"], "publish_address": node.ip + ":9200",
                 "max_content_length_in_bytes": 104857600},
    }


def write_nodes(path, cluster, nodes, body):
    """A nodes envelope written one node at a time."""
    with open(path, "w", encoding="utf-8") as f:
        n = len(nodes)
        f.write('{"_nodes":{"total":%d,"successful":%d,"failed":0},"cluster_name":%s,"nodes":{'
                % (n, n, json.dumps(cluster)))
        for i, node in enumerate(nodes):
            f.write(("," if i else "") + "\n" + json.dumps(node.id) + ":")
            f.write(json.dumps(body(node), separators=(",", ":")))
        f.write("\n}}\n")


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--shards", type=int, default=100000)
    ap.add_argument("--cluster-name", default="big-cluster")
    args = ap.parse_args(argv)
    if args.shards < 0:
        sys.exit("gen_big: --shards must not be negative")
    os.makedirs(args.out, exist_ok=True)
    nodes = make_nodes(args.nodes)
    local = nodes[MASTERS]  # a data node, so its shard figures are non-trivial

    def out(name):
        return os.path.join(args.out, name)

    counts = write_shards(out("cat_shards.json"), nodes, args.shards)
    write_nodes(out("nodes_stats.json"), args.cluster_name, nodes, node_stats)
    write_nodes(out("nodes_local_stats.json"), args.cluster_name, [local], node_stats)
    write_nodes(out("nodes_local.json"), args.cluster_name, [local], node_info)
    active = counts["STARTED"] + counts["RELOCATING"]
    write_json(out("cluster_health.json"), {
        "cluster_name": args.cluster_name,
        "status": "yellow" if counts["UNASSIGNED"] or counts["INITIALIZING"] else "green",
        "timed_out": False, "number_of_nodes": len(nodes),
        "number_of_data_nodes": len(nodes) - MASTERS, "active_primary_shards": counts["primaries"],
        "active_shards": active, "relocating_shards": counts["RELOCATING"],
        "initializing_shards": counts["INITIALIZING"], "unassigned_shards": counts["UNASSIGNED"],
        "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0 * active / args.shards if args.shards else 100.0})
    write_json(out("cluster_settings.json"), {
        "persistent": {"cluster.max_shards_per_node": "2000",
                       "cluster.routing.allocation.disk.watermark.low": "85%"},
        "transient": {"cluster.routing.allocation.enable": "all"},
        "defaults": {"cluster.name": args.cluster_name,
                     "cluster.routing.allocation.disk.watermark.high": "90%",
                     "cluster.routing.allocation.disk.watermark.flood_stage": "95%",
                     "cluster.routing.allocation.node_concurrent_recoveries": "2",
                     "indices.recovery.max_bytes_per_sec": "40mb",
                     "search.max_open_scroll_context": "500"}})
    write_json(out("root.json"), {
        "name": local.name, "cluster_name": args.cluster_name, "cluster_uuid": node_id("uuid"),
        "version": {"number": VERSION, "build_flavor": "default", "build_type": "deb",
                    "build_hash": BUILD_HASH, "build_date": "2024-02-02T12:04:59.691750271Z",
                    "build_snapshot": False, "lucene_version": "8.11.1",
                    "minimum_wire_compatibility_version": "6.8.0",
                    "minimum_index_compatibility_version": "6.0.0-beta1"},
        "tagline": "You Know, for Search"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
