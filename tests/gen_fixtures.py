#!/usr/bin/env python3
"""gen_fixtures: writes esvigil's own Elasticsearch/OpenSearch API responses
(tests/fixtures/es/<version>/*.json), deterministically, for the unit and
integration tests. Every value is made up here; the per-version shapes follow
what those versions send (sections added, renamed or dropped over time).

usage: gen_fixtures.py [OUTDIR]       write (default tests/fixtures/es)
       gen_fixtures.py --check        regenerate into a temp dir, diff, exit 1 on drift
"""

import filecmp
import hashlib
import json
import os
import random
import sys
import tempfile

import gen_index_fixtures

GIB = 1024**3
MIB = 1024**2

# name -> (distribution, version number, lucene, build hash, build date, jdk)
VERSIONS = {
    "es-1.7": ("es", "1.7.6", "4.10.4", "c730b59357f8ebc555286794dcd90b3411f517c9",
               "2016-11-18T15:21:16Z", "1.8.0_111"),
    "es-5.6": ("es", "5.6.16", "6.6.1", "3a740d1", "2019-03-13T15:33:36.565Z", "1.8.0_212"),
    "es-6.8": ("es", "6.8.23", "7.7.3", "4f67856", "2022-01-06T21:30:50.087716Z", "17.0.1"),
    "es-7.13": ("es", "7.13.4", "8.8.2", "c5f60e894ca0c61cdbae4f5a686d9f08bcefc942",
                "2021-07-14T18:33:36.673943207Z", "16.0.1"),
    "es-7.17": ("es", "7.17.18", "8.11.1", "8682172c2130b9a411b1bd5ff37c9792367de6b0",
                "2024-02-02T12:04:59.691750271Z", "21.0.2"),
    "es-8.9": ("es", "8.9.2", "9.7.0", "b54aa60c34d9e1e02e1ba2b0d5e26dda4e6d7a15",
               "2023-09-06T13:49:22.214981543Z", "20.0.2"),
    "opensearch-1.3": ("opensearch", "1.3.14", "8.10.1",
                       "2d77ce0c2e6ac9c2e5db6b5a0b8a2fe6b2d73b4c",
                       "2023-12-06T21:37:34.466380Z", "11.0.21"),
    "opensearch-2.11": ("opensearch", "2.11.1", "9.7.0",
                        "6b1986e964d440be9137eba1413015c31c5a7752",
                        "2023-11-29T21:43:10.135035992Z", "17.0.8"),
}


ALIASES = {"demo": "es-8.9"}  # the demo set is an 8.x cluster with its own names


def V(version):
    return VERSIONS[ALIASES.get(version, version)]


def level(version):
    """Feature level as an ES (major, minor); OpenSearch forked from ES 7.10."""
    dist, number = V(version)[0], V(version)[1]
    if dist == "opensearch":
        return (7, 10)
    major, minor = number.split(".")[:2]
    return (int(major), int(minor))


def is_os(version):
    return V(version)[0] == "opensearch"


def os_major(version):
    return int(V(version)[1].split(".")[0])


def rng(*parts):
    return random.Random("/".join(str(p) for p in parts))


def node_id(version, name):
    digest = hashlib.sha256(("%s/%s" % (version, name)).encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(alphabet[b % 64] for b in digest[:22])


def human(n):
    """ES's ByteSizeValue rendering: 300.7mb, 12gb, 0b."""
    for unit, size in (("pb", 1024**5), ("tb", 1024**4), ("gb", GIB), ("mb", MIB), ("kb", 1024)):
        if n >= size:
            text = "%.1f" % (n / size)
            return (text[:-2] if text.endswith(".0") else text) + unit
    return "%db" % n


# ---------------------------------------------------------------- the cluster

NODES = [
    # name, ip, data node?, ram, heap, disk, heap used ratio, disk used by non-index files
    ("es-data-1", "10.20.0.11", True, 32 * GIB, 12 * GIB, 750 * GIB, 0.45, 0.03),
    ("es-data-2", "10.20.0.12", True, 32 * GIB, 12 * GIB, 750 * GIB, 0.41, 0.03),
    ("es-master-1", "10.20.0.13", False, 8 * GIB, 4 * GIB, 100 * GIB, 0.30, 0.12),
]

DEMO_NODES = [
    ("es-demo-1", "10.30.0.21", True, 32 * GIB, 16 * GIB, 420 * GIB, 0.62, 0.06),
    ("es-demo-2", "10.30.0.22", True, 32 * GIB, 16 * GIB, 420 * GIB, 0.48, 0.05),
    ("es-demo-3", "10.30.0.23", True, 32 * GIB, 16 * GIB, 420 * GIB, 0.44, 0.05),
]

INDICES = [  # name, primaries, docs per shard, bytes per doc
    ("orders-2024", 3, 60_000_000, 650),
    ("customers", 1, 12_000_000, 1500),
    ("logs-app-2024.05.20", 2, 95_000_000, 420),
    ("logs-app-2024.05.21", 2, 88_000_000, 430),
    ("products", 1, 2_400_000, 2300),
]


# An Elastic-Cloud-like 8.x deployment with data tiers: no node has the plain
# "data" role (hot/content nodes, a warm node, a voting-only tiebreaker).
# The 9th element holds what differs from the defaults: roles, id seed.
HOT = ["data_content", "data_hot", "ingest", "master", "remote_cluster_client", "transform"]
TIER_NODES = [
    ("instance-0000000000", "10.40.0.10", True, 16 * GIB, 8 * GIB, 480 * GIB, 0.52, 0.02,
     {"roles": HOT}),
    ("instance-0000000001", "10.40.0.11", True, 16 * GIB, 8 * GIB, 480 * GIB, 0.47, 0.02,
     {"roles": HOT}),
    ("instance-0000000002", "10.40.0.12", True, 8 * GIB, 4 * GIB, 1900 * GIB, 0.38, 0.01,
     {"roles": ["data_warm", "remote_cluster_client"]}),
    ("tiebreaker-0000000003", "10.40.0.13", False, 1 * GIB, 512 * MIB, 8 * GIB, 0.30, 0.20,
     {"roles": ["master", "voting_only"]}),
]

# Two nodes on one host that both kept the default name (the host name):
# ES allows it, only their ids differ.
TWIN_NODES = [
    ("es-host-1", "10.50.0.5", True, 64 * GIB, 16 * GIB, 900 * GIB, 0.44, 0.02, {"id": "twin-a"}),
    ("es-host-1", "10.50.0.5", True, 64 * GIB, 16 * GIB, 900 * GIB, 0.40, 0.02, {"id": "twin-b"}),
]


def extras(node):
    return node[8] if len(node) > 8 else {}


def nid(version, node):
    return node_id(version, extras(node).get("id", node[0]))


def cluster_name(version):
    return "search-demo" if version == "demo" else "shop-prod"


def uuid(version):
    return node_id(version, "cluster-uuid")


def shards(version, nodes):
    """_cat/shards rows: every primary and its replica on different data nodes."""
    data = [n[0] for n in nodes if n[2]]
    rows, slot = [], 0
    indices = list(INDICES)
    if level(version) < (6, 0):
        indices.append((".kibana", 1, 12, 3000))
    elif not is_os(version):
        kibana = ".kibana_%s_001" % V(version)[1] if level(version) >= (7, 10) else ".kibana_1"
        indices.append((kibana, 1, 40, 3000))
    else:
        indices.append((".opendistro_security" if os_major(version) == 1 else ".plugins-ml-config",
                        1, 9, 4000))
    for index, primaries, docs, per_doc in indices:
        r = rng(version, index)
        for shard in range(primaries):
            ndocs = int(docs * r.uniform(0.97, 1.03))
            size = int(ndocs * per_doc * r.uniform(0.95, 1.05))
            for copy, prirep in enumerate(("p", "r")):
                rows.append({
                    "index": index,
                    "shard": str(shard),
                    "prirep": prirep,
                    "state": "STARTED",
                    "docs": str(ndocs),
                    "store": str(size + copy * r.randint(0, 4096)),
                    "node": data[(slot + copy) % len(data)],
                    "unassigned.reason": None,
                })
            slot += 1
    return rows


# ---------------------------------------------------------------- node stats

def thread_pools(version):
    lv, os_ = level(version), is_os(version)
    if lv < (6, 0):
        names = ["bulk", "fetch_shard_started", "fetch_shard_store", "flush", "force_merge",
                 "generic", "get", "index", "listener", "management", "refresh", "search",
                 "snapshot", "warmer"]
    elif lv < (7, 0):
        names = ["analyze", "ccr", "fetch_shard_started", "fetch_shard_store", "flush",
                 "force_merge", "generic", "get", "index", "listener", "management",
                 "ml_autodetect", "ml_datafeed", "ml_utility", "refresh", "rollup_indexing",
                 "search", "search_throttled", "security-token-key", "snapshot", "warmer",
                 "watcher", "write"]
    elif os_:
        names = ["analyze", "fetch_shard_started", "fetch_shard_store", "flush", "force_merge",
                 "generic", "get", "listener", "management", "refresh", "search",
                 "search_throttled", "snapshot", "system_read", "system_write", "warmer", "write"]
        if os_major(version) >= 2:
            names += ["remote_refresh_retry", "translog_sync", "translog_transfer"]
            names.remove("listener")
    elif lv < (8, 0):
        names = ["analyze", "ccr", "fetch_shard_started", "fetch_shard_store", "flush",
                 "force_merge", "generic", "get", "listener", "management", "ml_datafeed",
                 "ml_job_comms", "ml_utility", "refresh", "rollup_indexing", "search",
                 "search_throttled", "searchable_snapshots_cache_fetch_async",
                 "searchable_snapshots_cache_prewarming", "security-crypto",
                 "security-token-key", "snapshot", "system_read", "system_write",
                 "transform_indexing", "warmer", "watcher", "write"]
    else:
        names = ["analyze", "auto_complete", "ccr", "cluster_coordination",
                 "fetch_shard_started", "fetch_shard_store", "flush", "force_merge", "generic",
                 "get", "management", "ml_datafeed", "ml_job_comms", "ml_native_inference_comms",
                 "ml_utility", "profiling", "refresh", "repository_analysis", "rollup_indexing",
                 "search", "search_coordination", "search_throttled",
                 "searchable_snapshots_cache_fetch_async",
                 "searchable_snapshots_cache_prewarming", "security-crypto",
                 "security-token-key", "snapshot", "snapshot_meta", "system_critical_read",
                 "system_critical_write", "system_read", "system_write", "warmer", "watcher",
                 "write"]
    return sorted(names)


def pool_stats(version, node, pool, busy, demo):
    r = rng(version, node, "pool", pool)
    sizes = {"search": 13, "write": 8, "bulk": 8, "index": 8, "get": 8, "generic": 9,
             "management": 5, "refresh": 4, "flush": 4, "warmer": 4, "snapshot": 4}
    threads = sizes.get(pool, 1 if r.random() < 0.4 else 0) if busy else (
        2 if pool in ("generic", "management") else 0)
    completed = r.randint(10_000, 90_000_000) if threads and busy else r.randint(0, 400)
    out = {
        "threads": threads,
        "queue": 3 if demo and pool == "search" else 0,
        "active": min(threads, 2 if demo and pool in ("search", "write") else
                      (1 if pool == "management" else 0)),
        "rejected": 12 if demo and pool == "write" else 0,
        "largest": threads,
        "completed": completed,
    }
    if level(version) >= (8, 9) and pool in ("search", "write", "get"):
        out["total_wait_time_in_nanos"] = completed * r.randint(900, 4000)
    return out


def roles(version, data):
    lv = level(version)
    if is_os(version):
        master = "cluster_manager" if os_major(version) >= 2 else "master"
        return sorted([master, "data", "ingest", "remote_cluster_client"]) if data else [master]
    if not data:
        return ["master"]
    if lv < (7, 9):
        return ["data", "ingest", "master"] + (["ml", "remote_cluster_client"]
                                               if lv >= (7, 0) else [])
    return ["data", "data_cold", "data_content", "data_frozen", "data_hot", "data_warm",
            "ingest", "master", "ml", "remote_cluster_client", "transform"]


def attributes(version, ram, heap):
    lv = level(version)
    if is_os(version):
        return {"shard_indexing_pressure_enabled": "true"}
    if lv < (6, 0):
        return {}
    if lv < (7, 0):
        return {"ml.machine_memory": str(ram), "xpack.installed": "true",
                "ml.max_open_jobs": "20", "ml.enabled": "true"}
    if lv < (8, 0):
        return {"ml.machine_memory": str(ram), "xpack.installed": "true",
                "transform.node": "true", "ml.max_open_jobs": "512",
                "ml.max_jvm_size": str(heap)}
    return {"ml.allocated_processors_double": "8.0", "ml.allocated_processors": "8",
            "ml.machine_memory": str(ram), "xpack.installed": "true",
            "ml.max_jvm_size": str(heap)}


def node_shards(rows, name):
    mine = [s for s in rows if s["node"] == name]
    return mine, sum(int(s["docs"]) for s in mine), sum(int(s["store"]) for s in mine)


def indices_stats(version, node, rows, demo):
    lv = level(version)
    mine, docs, store = node_shards(rows, node)
    r = rng(version, node, "indices")
    busy = 1 if mine else 0
    idx_total = int(docs * r.uniform(1.3, 1.6)) * busy
    query_total = r.randint(2_000_000, 9_000_000) * busy
    out = {
        "docs": {"count": docs, "deleted": int(docs * (0.12 if demo else r.uniform(0.01, 0.04)))},
        "store": {"size_in_bytes": store},
        "indexing": {
            "index_total": idx_total,
            "index_time_in_millis": idx_total // 9,
            "index_current": (3 if demo else 0) * busy,
            "index_failed": r.randint(0, 20) * busy,
            "delete_total": r.randint(0, 90_000) * busy,
            "delete_time_in_millis": r.randint(0, 9_000) * busy,
            "delete_current": 0,
            "noop_update_total": r.randint(0, 5_000) * busy,
            "is_throttled": False,
            "throttle_time_in_millis": 0,
        },
        "get": {"total": r.randint(0, 800_000) * busy, "time_in_millis": r.randint(0, 90_000) * busy,
                "exists_total": r.randint(0, 700_000) * busy,
                "exists_time_in_millis": r.randint(0, 80_000) * busy,
                "missing_total": r.randint(0, 9_000) * busy,
                "missing_time_in_millis": r.randint(0, 900) * busy, "current": 0},
        "search": {
            "open_contexts": (57 if demo else r.randint(0, 4)) * busy,
            "query_total": query_total,
            "query_time_in_millis": query_total * r.randint(3, 9),
            "query_current": (2 if demo else 0) * busy,
            "fetch_total": query_total // 2,
            "fetch_time_in_millis": query_total // 3,
            "fetch_current": 0,
            "scroll_total": r.randint(1_000, 90_000) * busy,
            "scroll_time_in_millis": r.randint(10_000_000, 900_000_000) * busy,
            "scroll_current": (42 if demo else r.randint(0, 3)) * busy,
            "suggest_total": 0,
            "suggest_time_in_millis": 0,
            "suggest_current": 0,
        },
        "merges": {
            "current": (2 if demo else 0) * busy,
            "current_docs": (1_840_000 if demo else 0) * busy,
            "current_size_in_bytes": (1_288_490_188 if demo else 0) * busy,
            "total": r.randint(20_000, 90_000) * busy,
            "total_time_in_millis": r.randint(10_000_000, 90_000_000) * busy,
            "total_docs": idx_total * 3,
            "total_size_in_bytes": store * 4,
            "total_stopped_time_in_millis": 0,
            "total_throttled_time_in_millis": r.randint(0, 9_000_000) * busy,
            "total_auto_throttle_in_bytes": 20 * MIB * max(1, len(mine)),
        },
        "refresh": {"total": r.randint(100_000, 900_000) * busy,
                    "total_time_in_millis": r.randint(1_000_000, 9_000_000) * busy},
        "flush": {"total": r.randint(500, 9_000) * busy,
                  "total_time_in_millis": r.randint(10_000, 900_000) * busy},
        "warmer": {"current": 0, "total": r.randint(100_000, 900_000) * busy,
                   "total_time_in_millis": r.randint(10_000, 90_000) * busy},
        "query_cache": {},
        "fielddata": {"memory_size_in_bytes": r.randint(0, 40 * MIB) * busy,
                      "evictions": 0},
        "completion": {"size_in_bytes": 0},
        "segments": {},
        "translog": {"operations": r.randint(0, 90_000) * busy,
                     "size_in_bytes": r.randint(55, 90 * MIB) * busy},
        "request_cache": {"memory_size_in_bytes": r.randint(0, 30 * MIB) * busy,
                          "evictions": r.randint(0, 300) * busy,
                          "hit_count": r.randint(0, 900_000) * busy,
                          "miss_count": r.randint(0, 90_000) * busy},
        "recovery": {"current_as_source": 0, "current_as_target": 0,
                     "throttle_time_in_millis": r.randint(0, 90_000) * busy},
    }
    if lv < (6, 0):
        out["store"]["throttle_time_in_millis"] = 0
    if lv >= (7, 9):
        out["store"]["reserved_in_bytes"] = 0
    if lv >= (7, 13) and not is_os(version):
        out["store"]["total_data_set_size_in_bytes"] = store
    if lv >= (8, 6):
        out["indexing"]["write_load"] = round(r.uniform(0.2, 1.4), 6) * busy
    if lv >= (6, 0):
        out["refresh"]["listeners"] = 0
        out["flush"]["periodic"] = out["flush"]["total"] // 3
    if lv >= (7, 2):
        out["refresh"]["external_total"] = out["refresh"]["total"] // 2
        out["refresh"]["external_total_time_in_millis"] = out["refresh"]["total_time_in_millis"] // 2
    if lv >= (8, 0):
        out["flush"]["total_time_excluding_waiting_on_lock_in_millis"] = \
            out["flush"]["total_time_in_millis"] - 100 * busy
    hits, misses = r.randint(0, 9_000_000) * busy, r.randint(0, 4_000_000) * busy
    out["query_cache"] = {
        "memory_size_in_bytes": r.randint(0, 400 * MIB) * busy,
        "total_count": hits + misses, "hit_count": hits, "miss_count": misses,
        "cache_size": r.randint(0, 9_000) * busy, "cache_count": r.randint(0, 40_000) * busy,
        "evictions": r.randint(0, 30_000) * busy,
    }
    nseg = (len(mine) * r.randint(18, 30)) if mine else 0
    seg = {"count": nseg}
    old_memory = lv < (8, 0) or is_os(version)  # 8.0 reports Lucene 9 segment memory as 0
    parts = {"terms_memory_in_bytes": 900, "stored_fields_memory_in_bytes": 80,
             "term_vectors_memory_in_bytes": 0, "norms_memory_in_bytes": 60,
             "points_memory_in_bytes": 20, "doc_values_memory_in_bytes": 140}
    mem = 0
    for key, per in parts.items():
        if lv >= (7, 0) and key == "points_memory_in_bytes":
            val = 0  # Lucene 8 moved points off-heap
        else:
            val = nseg * per * 13 if old_memory else 0
        seg[key] = val
        mem += val
    seg = {"count": nseg, "memory_in_bytes": mem, **{k: v for k, v in seg.items() if k != "count"}}
    seg["index_writer_memory_in_bytes"] = r.randint(0, 60 * MIB) * busy
    seg["version_map_memory_in_bytes"] = r.randint(0, 2 * MIB) * busy
    seg["fixed_bit_set_memory_in_bytes"] = r.randint(0, MIB) * busy
    seg["max_unsafe_auto_id_timestamp"] = -1
    seg["file_sizes"] = {}
    out["segments"] = seg
    if lv >= (6, 0):
        out["translog"]["uncommitted_operations"] = out["translog"]["operations"] // 3
        out["translog"]["uncommitted_size_in_bytes"] = out["translog"]["size_in_bytes"] // 3
        out["translog"]["earliest_last_modified_age"] = r.randint(0, 90_000) * busy
    if lv >= (8, 0):
        out["bulk"] = {"total_operations": idx_total // 200, "total_time_in_millis": idx_total // 8,
                       "total_size_in_bytes": store // 3, "avg_time_in_millis": 0,
                       "avg_size_in_bytes": 0}
        out["shard_stats"] = {"total_count": len(mine)}
        out["mappings"] = {"total_count": 412 * busy, "total_estimated_overhead_in_bytes": 421888 * busy}
        out["dense_vector"] = {"value_count": 0}
    return out


def jvm_stats(version, name, heap, heap_ratio, busy, demo):
    lv = level(version)
    r = rng(version, name, "jvm")
    used = int(heap * heap_ratio)
    young = int(used * 0.18)
    survivor = 48 * MIB if lv >= (6, 0) else 96 * MIB
    old = used - young - survivor
    uptime = 1_987_654_321 + r.randint(0, 9_999_999)
    mapped_used = (11 * GIB + 214 * MIB) if demo else (int(6.2 * GIB) if busy else 3 * MIB)
    mapped_count = 4_980 if demo else (2_140 if busy else 37)
    pools = {
        "young": {"used_in_bytes": young, "max_in_bytes": 0 if lv >= (6, 0) else 1 * GIB,
                  "peak_used_in_bytes": int(heap * 0.35),
                  "peak_max_in_bytes": 0 if lv >= (6, 0) else 1 * GIB},
        "survivor": {"used_in_bytes": survivor, "max_in_bytes": 0 if lv >= (6, 0) else 128 * MIB,
                     "peak_used_in_bytes": survivor * 2,
                     "peak_max_in_bytes": 0 if lv >= (6, 0) else 128 * MIB},
        "old": {"used_in_bytes": old, "max_in_bytes": heap,
                "peak_used_in_bytes": int(heap * 0.71), "peak_max_in_bytes": heap},
    }
    buffer_pools = {
        "mapped": {"count": mapped_count, "used_in_bytes": mapped_used,
                   "total_capacity_in_bytes": mapped_used},
        "direct": {"count": 310 + r.randint(0, 90), "used_in_bytes": 150 * MIB + r.randint(0, MIB),
                   "total_capacity_in_bytes": 150 * MIB + r.randint(0, MIB)},
    }
    if lv >= (6, 8) and not (is_os(version) and os_major(version) == 1):
        buffer_pools["mapped - 'non-volatile memory'"] = {
            "count": 0, "used_in_bytes": 0, "total_capacity_in_bytes": 0}
    young_gcs = uptime // 60_000 * (3 if busy else 1)
    out = {
        "timestamp": 0,
        "uptime_in_millis": uptime,
        "mem": {
            "heap_used_in_bytes": used,
            "heap_used_percent": int(100 * used / heap),
            "heap_committed_in_bytes": heap,
            "heap_max_in_bytes": heap,
            "non_heap_used_in_bytes": 231 * MIB + r.randint(0, 30 * MIB),
            "non_heap_committed_in_bytes": 262 * MIB + r.randint(0, 30 * MIB),
            "pools": pools,
        },
        "threads": {"count": 180 + r.randint(0, 60), "peak_count": 260 + r.randint(0, 60)},
        "gc": {"collectors": {
            "young": {"collection_count": young_gcs,
                      "collection_time_in_millis": young_gcs * 14},
            "old": {"collection_count": 3 if demo else 0,
                    "collection_time_in_millis": 1_870 if demo else 0},
        }},
        "buffer_pools": buffer_pools,
        "classes": {"current_loaded_count": 31_000 + r.randint(0, 4_000),
                    "total_loaded_count": 31_500 + r.randint(0, 4_000),
                    "total_unloaded_count": r.randint(0, 400)},
    }
    return out


def breakers(version, heap, heap_ratio, busy, demo):
    lv = level(version)
    used = int(heap * heap_ratio)
    fd = 40 if lv >= (7, 0) else 60
    spec = [("fielddata", heap * fd // 100, 1.03, 4 * MIB if busy else 0),
            ("request", heap * 60 // 100, 1.0, 0),
            ("in_flight_requests", heap, 2.0 if lv >= (7, 0) else 1.0,
             (2 * MIB + 312) if busy else 0)]
    if lv >= (6, 0):
        spec.append(("accounting", heap, 1.0, 40 * MIB if busy else 90_112))
    if lv >= (7, 6) and not is_os(version):
        spec.append(("model_inference", heap // 2, 1.0, 0))
    if lv >= (7, 9) and not is_os(version):
        spec.append(("eql_sequence", heap // 2, 1.0, 0))
    parent_limit = heap * 95 // 100 if lv >= (7, 0) else heap * 70 // 100
    parent_est = used if lv >= (7, 0) else sum(s[3] for s in spec)
    spec.append(("parent", int(parent_limit), 1.0, parent_est))
    out = {}
    for name, limit, overhead, est in spec:  # ES's own order, parent last
        out[name] = {
            "limit_size_in_bytes": int(limit), "limit_size": human(int(limit)),
            "estimated_size_in_bytes": est, "estimated_size": human(est),
            "overhead": overhead,
            "tripped": 1 if demo and name == "parent" else 0,
        }
    return out


def fs_stats(version, name, disk, other_ratio, store, busy):
    lv = level(version)
    r = rng(version, name, "fs")
    free = disk - store - int(disk * other_ratio)  # the disk holds the shards plus a little
    root = "/var/lib/opensearch" if is_os(version) else "/var/lib/elasticsearch"
    path = root if lv >= (8, 0) and not is_os(version) else root + "/nodes/0"
    data = {"path": path, "mount": "%s (/dev/nvme1n1)" % root, "type": "xfs",
            "total_in_bytes": disk, "free_in_bytes": free, "available_in_bytes": free}
    total = {"total_in_bytes": disk, "free_in_bytes": free, "available_in_bytes": free}
    if lv < (6, 0):
        data["spins"] = "false"
        total["spins"] = "false"
    ops_r, ops_w = r.randint(10**6, 10**8) * busy + 9000, r.randint(10**6, 10**8) * busy + 12000
    device = {"device_name": "nvme1n1", "operations": ops_r + ops_w, "read_operations": ops_r,
              "write_operations": ops_w, "read_kilobytes": ops_r * 31, "write_kilobytes": ops_w * 27}
    if lv >= (7, 13) and not is_os(version):
        device["io_time_in_millis"] = (ops_r + ops_w) // 40
    io_total = {k: v for k, v in device.items() if k != "device_name"}
    return {"timestamp": 0, "total": total, "data": [data],
            "io_stats": {"devices": [device], "total": io_total}}


def os_stats(version, name, ram, busy, demo):
    lv = level(version)
    r = rng(version, name, "os")
    # ES reports page cache as used, so "used" is high on a healthy host
    used = int(ram * (0.96 if demo else r.uniform(0.90, 0.97)))
    load = round(r.uniform(1.5, 4.0) if busy else r.uniform(0.1, 0.5), 2)
    out = {
        "timestamp": 0,
        "cpu": {"percent": (38 if demo else r.randint(8, 30)) if busy else r.randint(1, 4),
                "load_average": {"1m": load, "5m": round(load * 0.93, 2),
                                 "15m": round(load * 0.88, 2)}},
        "mem": {"total_in_bytes": ram, "free_in_bytes": ram - used, "used_in_bytes": used,
                "free_percent": round(100 * (ram - used) / ram),
                "used_percent": round(100 * used / ram)},
        "swap": {"total_in_bytes": 0, "free_in_bytes": 0, "used_in_bytes": 0},
    }
    if lv >= (8, 5) and not is_os(version):
        out["mem"] = {"total_in_bytes": ram, "adjusted_total_in_bytes": ram, **{
            k: v for k, v in out["mem"].items() if k != "total_in_bytes"}}
    if lv >= (6, 0):
        out["cgroup"] = {
            "cpuacct": {"control_group": "/", "usage_nanos": r.randint(10**14, 10**15)},
            "cpu": {"control_group": "/", "cfs_period_micros": 100000, "cfs_quota_micros": -1,
                    "stat": {"number_of_elapsed_periods": 0, "number_of_times_throttled": 0,
                             "time_throttled_nanos": 0}},
            "memory": {"control_group": "/", "limit_in_bytes": "max",
                       "usage_in_bytes": str(used)},
        }
    return out


def legacy_1x(version, node, out):
    """ES 1.x node stats: no roles (data/master as attributes), the filter and id
    caches, query_cache meaning the shard request cache, Sigar's os/process
    memory fields and a load average array."""
    data = node[2]
    del out["roles"]
    if not data:
        out["attributes"] = {"data": "false"}
    ind = out["indices"]
    r = rng(version, node[0], "legacy")
    ind["filter_cache"] = {"memory_size_in_bytes": r.randint(0, 90 * MIB) * data,
                           "evictions": r.randint(0, 4_000) * data}
    ind["id_cache"] = {"memory_size_in_bytes": 0}
    ind["query_cache"] = ind.pop("request_cache")
    for key in ("recovery", "translog"):
        ind.pop(key, None)
    mem = out["os"]["mem"]
    total = mem.pop("total_in_bytes")
    mem["actual_free_in_bytes"] = mem["free_in_bytes"] + total // 3
    mem["actual_used_in_bytes"] = total - mem["actual_free_in_bytes"]
    load = out["os"]["cpu"]["load_average"]
    out["os"]["load_average"] = [load["1m"], load["5m"], load["15m"]]
    out["os"]["cpu"] = {"sys": 2, "user": 11, "idle": 86, "usage": 13, "stolen": 0}
    out["process"]["mem"]["resident_in_bytes"] = node[4] + 900 * MIB
    out["process"]["mem"]["share_in_bytes"] = 60 * MIB
    return out


def node_stats(version, node, rows, demo=False, ts=1716286800000):
    name, ip, data, ram, heap, disk, heap_ratio, disk_ratio = node[:8]
    lv = level(version)
    busy = 1 if data else 0
    r = rng(version, name, "node")
    out = {
        "timestamp": ts,
        "name": name,
        "transport_address": ip + ":9300",
        "host": ip,
        "ip": ip + ":9300",
        "roles": extras(node).get("roles") or roles(version, data),
    }
    if attributes(version, ram, heap):  # ES leaves the key out when empty
        out["attributes"] = attributes(version, ram, heap)
    out["indices"] = indices_stats(version, name, rows, demo)
    out["os"] = os_stats(version, name, ram, busy, demo)
    out["os"]["timestamp"] = ts
    cpu_ms = r.randint(10**8, 10**9) if busy else r.randint(10**6, 10**7)
    out["process"] = {
        "timestamp": ts,
        "open_file_descriptors": (2_412 if demo else 1_100 + r.randint(0, 600)) if busy else 540,
        "max_file_descriptors": 65_535,
        "cpu": {"percent": (31 if demo else r.randint(5, 25)) if busy else 1,
                "total_in_millis": cpu_ms},
        "mem": {"total_virtual_in_bytes": heap + 90 * GIB + r.randint(0, GIB)},
    }
    out["jvm"] = jvm_stats(version, name, heap, heap_ratio, busy, demo)
    out["jvm"]["timestamp"] = ts
    out["thread_pool"] = {p: pool_stats(version, name, p, busy, demo)
                          for p in thread_pools(version)}
    out["fs"] = fs_stats(version, name, disk, disk_ratio, out["indices"]["store"]["size_in_bytes"],
                         busy)
    out["fs"]["timestamp"] = ts
    transport = {"server_open": 26 + 13 * busy}
    if lv >= (7, 13) and not is_os(version):
        transport["total_outbound_connections"] = 14
    transport.update({"rx_count": r.randint(10**7, 10**8), "rx_size_in_bytes": r.randint(10**10, 10**11),
                      "tx_count": r.randint(10**7, 10**8), "tx_size_in_bytes": r.randint(10**10, 10**11)})
    out["transport"] = transport
    http = {"current_open": (23 if demo else 6 + r.randint(0, 8)) * busy,
            "total_opened": r.randint(5_000, 90_000) * busy}
    if lv >= (7, 13) and not is_os(version):
        http["clients"] = [{
            "id": 1_183_562 + i, "agent": "esvigil/0.1" if i == 0 else "elastic-transport-java",
            "local_address": ip + ":9200", "remote_address": "10.20.1.%d:%d" % (40 + i, 51_000 + i),
            "last_uri": "/_nodes/_local/stats" if i == 0 else "/_bulk",
            "opened_time_millis": ts - 86_400_000, "closed_time_millis": -1 if i else ts - 1000,
            "last_request_time_millis": ts - 500, "request_count": 17_280 * (i + 1),
            "request_size_bytes": 0 if i == 0 else 9_300_000_000} for i in range(2 * busy)]
    out["http"] = http
    out["breakers"] = breakers(version, heap, heap_ratio, busy, demo)
    script = {"compilations": 41, "cache_evictions": 0}
    if lv >= (6, 8):
        script["compilation_limit_triggered"] = 0
    out["script"] = script
    disc = {"cluster_state_queue": {"total": 0, "pending": 0, "committed": 0}}
    if lv >= (6, 0):
        disc["published_cluster_states"] = {"full_states": 2, "incompatible_diffs": 0,
                                            "compatible_diffs": 1_480}
    out["discovery"] = disc
    out["ingest"] = {"total": {"count": 0, "time_in_millis": 0, "current": 0, "failed": 0},
                     "pipelines": {}}
    if lv >= (6, 1):
        out["adaptive_selection"] = {}
    if lv >= (7, 9):
        out["indexing_pressure"] = {"memory": {
            "current": {"combined_coordinating_and_primary_in_bytes": 0,
                        "coordinating_in_bytes": 0, "primary_in_bytes": 0, "replica_in_bytes": 0,
                        "all_in_bytes": 0},
            "total": {"combined_coordinating_and_primary_in_bytes": 93 * GIB * busy,
                      "coordinating_in_bytes": 61 * GIB * busy, "primary_in_bytes": 48 * GIB * busy,
                      "replica_in_bytes": 47 * GIB * busy, "all_in_bytes": 140 * GIB * busy,
                      "coordinating_rejections": 0, "primary_rejections": 0,
                      "replica_rejections": 0},
            "limit_in_bytes": heap // 10}}
    if is_os(version):
        out["shard_indexing_pressure"] = {"stats": {}, "total_rejections_breakup_shadow_mode": {
            "node_limits": 0, "no_successful_request_limits": 0, "throughput_degradation_limits": 0},
            "enabled": False, "enforced": False}
        if os_major(version) >= 2:
            out["search_backpressure"] = {"search_task": {"resource_tracker_stats": {},
                                                          "cancellation_stats": {
                                                              "cancellation_count": 0,
                                                              "cancellation_limit_reached_count": 0}},
                                          "mode": "monitor_only"}
            out["cluster_manager_throttling"] = {"stats": {"total_throttled_tasks": 0,
                                                           "throttled_tasks_per_task_type": {}}}
    if lv < (2, 0):
        legacy_1x(version, node, out)
    return out


def nodes_envelope(version, nodes_obj, name_last=False):
    n = len(nodes_obj)
    env = {"_nodes": {"total": n, "successful": n, "failed": 0}}
    if name_last:
        env["nodes"] = nodes_obj
        env["cluster_name"] = cluster_name(version)
    else:
        env["cluster_name"] = cluster_name(version)
        env["nodes"] = nodes_obj
    return env


def stats_docs(version, nodes, demo=False):
    rows = shards(version, nodes)
    all_nodes = {nid(version, n): node_stats(version, n, rows, demo) for n in nodes}
    local = {nid(version, nodes[0]): all_nodes[nid(version, nodes[0])]}
    return rows, nodes_envelope(version, local), nodes_envelope(version, all_nodes)


# ---------------------------------------------------------------- other APIs

def root_doc(version, nodes):
    dist, number, lucene, build_hash, build_date, _ = V(version)
    lv = level(version)
    ver = {"number": number}
    if dist == "opensearch":
        ver = {"distribution": "opensearch", "number": number, "build_type": "tar"}
    elif lv >= (6, 3):
        ver.update({"build_flavor": "default", "build_type": "deb"})
    ver.update({"build_hash": build_hash, "build_date": build_date, "build_snapshot": False,
                "lucene_version": lucene})
    if lv >= (6, 0):
        wire = {"es-6.8": ("5.6.0", "5.0.0"), "es-7.13": ("6.8.0", "6.0.0-beta1"),
                "es-7.17": ("6.8.0", "6.0.0-beta1"), "es-8.9": ("7.17.0", "7.0.0"),
                "opensearch-1.3": ("6.8.0", "6.0.0-beta1"),
                "opensearch-2.11": ("7.10.0", "7.0.0")}.get(version, ("7.17.0", "7.0.0"))
        ver["minimum_wire_compatibility_version"] = wire[0]
        ver["minimum_index_compatibility_version"] = wire[1]
    tagline = ("The OpenSearch Project: https://opensearch.org/" if dist == "opensearch"
               else "You Know, for Search")
    return {"name": nodes[0][0], "cluster_name": cluster_name(version),
            "cluster_uuid": uuid(version), "version": ver, "tagline": tagline}


def node_info(version, node):
    dist, number, _, build_hash, _, jdk = V(version)
    name, ip, data, ram, heap, disk, _, _ = node[:8]
    lv = level(version)
    pid = 1000 + int(hashlib.sha256(name.encode()).hexdigest()[:4], 16) % 60000
    info = {"name": name, "transport_address": ip + ":9300", "host": ip, "ip": ip,
            "version": number}
    if dist == "es" and lv >= (6, 3):
        info.update({"build_flavor": "default", "build_type": "deb"})
    elif dist == "opensearch":
        info["build_type"] = "tar"
    info["build_hash"] = build_hash
    info["total_indexing_buffer"] = heap // 10
    info["roles"] = extras(node).get("roles") or roles(version, data)
    info["attributes"] = attributes(version, ram, heap)
    if lv < (2, 0):  # 1.x: no roles, a non-data node says so in its attributes
        del info["roles"]
        info["attributes"] = {} if data else {"data": "false"}
    root = "/var/lib/opensearch" if dist == "opensearch" else "/var/lib/elasticsearch"
    info["settings"] = {"cluster": {"name": cluster_name(version)},
                        "node": {"name": name}, "path": {"data": [root], "logs": "/var/log/" +
                                                          ("opensearch" if dist == "opensearch"
                                                           else "elasticsearch")},
                        "network": {"host": ip}}
    info["os"] = {"refresh_interval_in_millis": 1000, "name": "Linux", "pretty_name": "Debian GNU/Linux 12 (bookworm)",
                  "arch": "amd64", "version": "6.1.0-21-amd64", "available_processors": 8,
                  "allocated_processors": 8}
    info["process"] = {"refresh_interval_in_millis": 1000, "id": pid, "mlockall": False}
    gc = (["ParNew", "ConcurrentMarkSweep"] if lv < (6, 0)
          else ["G1 Young Generation", "G1 Old Generation"])
    info["jvm"] = {
        "pid": pid, "version": jdk, "vm_name": "OpenJDK 64-Bit Server VM",
        "vm_version": jdk + "+7", "vm_vendor": "Eclipse Adoptium",
        "start_time_in_millis": 1714298765432,
        "mem": {"heap_init_in_bytes": heap, "heap_max_in_bytes": heap,
                "non_heap_init_in_bytes": 7 * MIB + 667 * 1024, "non_heap_max_in_bytes": 0,
                "direct_max_in_bytes": 0 if lv >= (6, 0) else heap},
        "gc_collectors": gc,
        "memory_pools": ["CodeHeap 'non-nmethods'", "Metaspace", "CodeHeap 'profiled nmethods'",
                         "Compressed Class Space", "G1 Eden Space", "G1 Old Gen",
                         "G1 Survivor Space", "CodeHeap 'non-profiled nmethods'"],
        "using_compressed_ordinary_object_pointers": "true",
        "input_arguments": ["-Xms%dg" % (heap // GIB), "-Xmx%dg" % (heap // GIB),
                            "-XX:+UseG1GC" if lv >= (6, 0) else "-XX:+UseConcMarkSweepGC",
                            "-XX:+HeapDumpOnOutOfMemoryError"],
    }
    if lv >= (7, 0) and dist == "es":
        info["jvm"]["bundled_jdk"] = True
        info["jvm"]["using_bundled_jdk"] = True
    info["transport"] = {"bound_address": [ip + ":9300"], "publish_address": ip + ":9300",
                         "profiles": {}}
    info["http"] = {"bound_address": [ip + ":9200"], "publish_address": ip + ":9200",
                    "max_content_length_in_bytes": 104857600}
    info["plugins"] = []
    info["modules"] = [{"name": "analysis-common", "version": number,
                        "description": "Adds \"built in\" analyzers to Elasticsearch.",
                        "classname": "org.elasticsearch.analysis.common.CommonAnalysisPlugin",
                        "has_native_controller": False}]
    return info


def nodes_local_doc(version, nodes):
    return nodes_envelope(version, {nid(version, nodes[0]): node_info(version, nodes[0])})


def health_doc(version, nodes, rows):
    primaries = sum(1 for s in rows if s["prirep"] == "p")
    doc = {"cluster_name": cluster_name(version), "status": "green", "timed_out": False,
           "number_of_nodes": len(nodes), "number_of_data_nodes": sum(1 for n in nodes if n[2]),
           "active_primary_shards": primaries, "active_shards": len(rows),
           "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0,
           "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
           "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
           "active_shards_percent_as_number": 100.0}
    if is_os(version) and os_major(version) >= 2:
        doc["discovered_master"] = True
        doc["discovered_cluster_manager"] = True
    elif level(version) >= (7, 16):
        pass
    return doc


def settings_doc(version, nodes, demo=False):
    lv = level(version)
    dist = V(version)[0]
    d = {
        "cluster.name": cluster_name(version),
        "cluster.routing.allocation.allow_rebalance": "indices_all_active",
        "cluster.routing.allocation.cluster_concurrent_rebalance": "2",
        "cluster.routing.allocation.disk.include_relocations": "true",
        "cluster.routing.allocation.disk.reroute_interval": "60s",
        "cluster.routing.allocation.disk.threshold_enabled": "true",
        "cluster.routing.allocation.disk.watermark.high": "90%",
        "cluster.routing.allocation.disk.watermark.low": "85%",
        "cluster.routing.allocation.enable": "all",
        "cluster.routing.allocation.node_concurrent_incoming_recoveries": "2",
        "cluster.routing.allocation.node_concurrent_outgoing_recoveries": "2",
        "cluster.routing.allocation.node_concurrent_recoveries": "2",
        "cluster.routing.allocation.node_initial_primaries_recoveries": "4",
        "cluster.routing.rebalance.enable": "all",
        "indices.breaker.fielddata.limit": "40%" if lv >= (7, 0) else "60%",
        "indices.breaker.request.limit": "60%",
        "indices.breaker.total.limit": "95%" if lv >= (7, 0) else "70%",
        "indices.recovery.max_bytes_per_sec": "40mb",
        "node.name": nodes[0][0],
        "path.data": ["/var/lib/opensearch" if dist == "opensearch" else "/var/lib/elasticsearch"],
        "path.logs": "/var/log/opensearch" if dist == "opensearch" else "/var/log/elasticsearch",
        "search.default_search_timeout": "-1",
    }
    if lv >= (6, 0):
        d["cluster.routing.allocation.disk.watermark.flood_stage"] = "95%"
        d["search.max_open_scroll_context"] = "500" if lv >= (7, 0) else "2147483647"
    if lv >= (7, 0):
        d["cluster.max_shards_per_node"] = "1000"
        d["cluster.routing.allocation.disk.watermark.enable_for_single_data_node"] = "false"
        d["discovery.seed_hosts"] = [n[1] for n in nodes]
        d["indices.breaker.total.use_real_memory"] = "true"
    if lv >= (7, 13) and dist == "es":
        d["cluster.max_shards_per_node.frozen"] = "3000"
    if lv >= (7, 17) and dist == "es":
        del d["cluster.routing.allocation.disk.include_relocations"]
    if lv >= (8, 0) and dist == "es":
        d["cluster.routing.allocation.disk.watermark.enable_for_single_data_node"] = "true"
        d["cluster.routing.allocation.disk.watermark.flood_stage.frozen"] = "95%"
        d["cluster.routing.allocation.disk.watermark.flood_stage.frozen.max_headroom"] = "20GB"
    if lv >= (8, 5) and dist == "es":
        d["cluster.routing.allocation.disk.watermark.low.max_headroom"] = "200GB"
        d["cluster.routing.allocation.disk.watermark.high.max_headroom"] = "150GB"
        d["cluster.routing.allocation.disk.watermark.flood_stage.max_headroom"] = "100GB"
    if dist == "opensearch" and os_major(version) >= 2:
        d["cluster_manager.throttling.retry.base.delay"] = "5s"
    persistent = {}
    if demo:
        persistent = {"cluster.routing.allocation.disk.watermark.low": "0.87",
                      "indices.recovery.max_bytes_per_sec": "100mb"}
    elif lv >= (6, 0):
        persistent = {"action.destructive_requires_name": "true"}
    return {"persistent": persistent, "transient": {}, "defaults": dict(sorted(d.items()))}


# ---------------------------------------------------------------- edge cases

def edge_docs():
    """Unusual but legal shapes the parsers must cope with (made from es-7.17)."""
    version = "es-7.17"
    rows = shards(version, NODES)
    stats = {node_id(version, n[0]): node_stats(version, n, rows) for n in NODES}
    out = {"nodes_stats_cluster_name_last.json": nodes_envelope(version, stats, name_last=True)}

    first = node_stats(version, NODES[0], rows)
    for section in ("jvm", "fs", "breakers", "thread_pool"):
        del first[section]
    out["nodes_stats_missing_sections.json"] = nodes_envelope(
        version, {node_id(version, NODES[0][0]): first})

    strings = node_stats(version, NODES[0], rows)
    strings["jvm"]["mem"]["heap_used_in_bytes"] = str(strings["jvm"]["mem"]["heap_used_in_bytes"])
    strings["indices"]["docs"]["count"] = "unknown"
    strings["process"]["open_file_descriptors"] = None
    out["nodes_stats_numbers_as_strings.json"] = nodes_envelope(
        version, {node_id(version, NODES[0][0]): strings})

    # an ES 2.x style node: no roles, master/data as attributes, no http section
    old = node_stats(version, NODES[2], rows)
    del old["roles"]
    del old["http"]
    old["attributes"] = {"master": "true", "data": "false"}
    # and the identity fields after the stats
    old = {k: v for k, v in old.items() if k not in ("name", "host")} | {
        "name": old["name"], "host": old["host"]}
    out["nodes_stats_attribute_roles.json"] = nodes_envelope(
        version, {node_id(version, NODES[2][0]): old})
    out["nodes_stats_duplicate_key.json"] = duplicate_key_text(version, rows)
    return out


def duplicate_key_text(version, rows):
    """JSON text (json.dump cannot repeat a key) whose node says its heap use
    twice: a stale value first, the real one last, as JSON parsers keep the last."""
    doc = nodes_envelope(version, {node_id(version, NODES[0][0]): node_stats(version, NODES[0],
                                                                               rows)})
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    key = '"heap_used_in_bytes": '
    at = text.index(key)
    line_start = text.rindex("\n", 0, at) + 1
    indent = text[line_start:at]
    return text[:line_start] + indent + key + "1,\n" + text[line_start:] + "\n"


# ---------------------------------------------------------------- output

def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def master_node_doc(version, nodes):
    """GET /_cluster/state/master_node: the first node is the elected master."""
    return {"cluster_name": cluster_name(version), "master_node": nid(version, nodes[0])}


def write_set(outdir, version, nodes, demo=False, local=0, dirname=None):
    """One fixture dir; local picks which node answers the _local calls
    (another node than the master, for the master-only integration test)."""
    d = os.path.join(outdir, dirname or version)
    os.makedirs(d, exist_ok=True)
    rows, _, allnodes = stats_docs(version, nodes, demo)
    lid = nid(version, nodes[local])
    write_json(os.path.join(d, "nodes_local_stats.json"),
               nodes_envelope(version, {lid: allnodes["nodes"][lid]}))
    write_json(os.path.join(d, "nodes_stats.json"), allnodes)
    write_json(os.path.join(d, "nodes_local.json"),
               nodes_envelope(version, {lid: node_info(version, nodes[local])}))
    write_json(os.path.join(d, "master_node.json"), master_node_doc(version, nodes))
    write_json(os.path.join(d, "cluster_health.json"), health_doc(version, nodes, rows))
    write_json(os.path.join(d, "cluster_settings.json"), settings_doc(version, nodes, demo))
    write_json(os.path.join(d, "cat_shards.json"), rows)
    write_json(os.path.join(d, "root.json"), root_doc(version, nodes))
    write_index_set(d, version, nodes, rows)


def write_index_set(d, version, nodes, rows):
    """The index-level answers (tests/gen_index_fixtures.py)."""
    health = health_doc(version, nodes, rows)
    health = dict(health, indices=gen_index_fixtures.health_indices(rows))
    write_json(os.path.join(d, "cluster_health_indices.json"), health)
    write_json(os.path.join(d, "indices_stats.json"),
               gen_index_fixtures.stats_doc(rows, level(version)))
    write_json(os.path.join(d, "aliases.json"), gen_index_fixtures.alias_doc(rows))
    write_json(os.path.join(d, "indices_settings.json"), gen_index_fixtures.settings_doc(rows))
    write_json(os.path.join(d, "indices_mappings.json"), gen_index_fixtures.mappings_doc(rows))


def generate(outdir):
    for version in VERSIONS:
        write_set(outdir, version, NODES)
    write_set(outdir, "demo", DEMO_NODES, demo=True)
    # The same 8.9 cluster seen from its second node, which is not the master.
    write_set(outdir, "es-8.9", NODES, local=1, dirname="es-8.9-node2")
    write_set(outdir, "es-8.9", TIER_NODES, dirname="es-8.9-tiers")
    write_set(outdir, "es-7.17", TWIN_NODES, dirname="es-7.17-twins")
    edge = os.path.join(outdir, "edge")
    os.makedirs(edge, exist_ok=True)
    for name, doc in edge_docs().items():
        if isinstance(doc, str):
            with open(os.path.join(edge, name), "w", encoding="utf-8") as f:
                f.write(doc)
        else:
            write_json(os.path.join(edge, name), doc)


def drift(expected, actual):
    cmp = filecmp.dircmp(expected, actual)
    problems = []

    def walk(c, rel):
        problems.extend("missing: " + os.path.join(rel, f) for f in c.left_only)
        problems.extend("unexpected: " + os.path.join(rel, f) for f in c.right_only)
        for f in c.common_files:
            if not filecmp.cmp(os.path.join(c.left, f), os.path.join(c.right, f), shallow=False):
                problems.append("differs: " + os.path.join(rel, f))
        for name, sub in c.subdirs.items():
            walk(sub, os.path.join(rel, name))

    walk(cmp, "")
    return problems


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "fixtures", "es")
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) > 1 and argv[1] == "--check":
        committed = argv[2] if len(argv) > 2 else default
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            problems = drift(tmp, committed)
        for p in problems:
            print("gen_fixtures: " + p, file=sys.stderr)
        if problems:
            print("gen_fixtures: fixtures drifted; rerun tests/gen_fixtures.py", file=sys.stderr)
            return 1
        return 0
    generate(argv[1] if len(argv) > 1 else default)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
