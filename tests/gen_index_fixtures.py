#!/usr/bin/env python3
"""gen_index_fixtures: the index-level answers of a fixture set (GET /_all/_stats with
shard level, /_alias, /_all/_settings, /_all/_mappings, /_cluster/health?level=indices),
derived from the set's _cat/shards rows so every view of an index agrees. Called by
gen_fixtures.py; every value is made up here, the shapes follow ES 7.x/8.x (5.x/6.x
lack the fields those versions lack).

Also usable alone for the bench: index_docs(n_indices) builds a cluster of n indices."""

import random


def _rng(*parts):
    return random.Random("/".join(str(p) for p in parts))


def _section(r, docs, store, version_level, total=False):
    """One primaries/total section of /_all/_stats."""
    q = r.randint(0, 90_000)
    sec = {
        "docs": {"count": docs, "deleted": int(docs * r.uniform(0.0, 0.03))},
        "store": {"size_in_bytes": store, "reserved_in_bytes": 0},
        "indexing": {"index_total": docs + r.randint(0, 900), "index_time_in_millis": docs // 7,
                     "index_current": r.randint(0, 2), "delete_total": r.randint(0, 400),
                     "delete_time_in_millis": r.randint(0, 900), "delete_current": 0,
                     "noop_update_total": r.randint(0, 40), "is_throttled": r.random() < 0.2,
                     "throttle_time_in_millis": r.randint(0, 5000)},
        "get": {"total": r.randint(0, 9000), "time_in_millis": r.randint(0, 9000), "current": 0},
        "search": {"open_contexts": 0, "query_total": q, "query_time_in_millis": q * 3,
                   "query_current": r.randint(0, 3), "fetch_total": q // 2,
                   "fetch_time_in_millis": q // 4, "fetch_current": 0,
                   "scroll_total": r.randint(0, 90), "scroll_time_in_millis": r.randint(0, 9999),
                   "scroll_current": r.randint(0, 2), "suggest_total": 0,
                   "suggest_time_in_millis": 0, "suggest_current": 0},
        "merges": {"current": 0, "total": r.randint(0, 900),
                   "total_time_in_millis": r.randint(0, 99999),
                   "total_stopped_time_in_millis": r.randint(0, 99),
                   "total_throttled_time_in_millis": r.randint(0, 999),
                   "total_auto_throttle_in_bytes": 20971520},
        "refresh": {"total": r.randint(0, 9999), "total_time_in_millis": r.randint(0, 99999),
                    "external_total": r.randint(0, 999),
                    "external_total_time_in_millis": r.randint(0, 9999), "listeners": 0},
        "flush": {"total": r.randint(0, 99), "periodic": 0,
                  "total_time_in_millis": r.randint(0, 9999)},
        "warmer": {"current": 0, "total": r.randint(0, 99), "total_time_in_millis": 0},
        "query_cache": {"memory_size_in_bytes": r.randint(0, 10**6), "total_count": 0,
                        "hit_count": r.randint(0, 999), "miss_count": r.randint(0, 999),
                        "cache_size": r.randint(0, 99), "cache_count": r.randint(0, 99),
                        "evictions": r.randint(0, 9)},
        "fielddata": {"memory_size_in_bytes": r.randint(0, 10**5), "evictions": 0},
        "completion": {"size_in_bytes": 0},
        "segments": {"count": r.randint(1, 40), "memory_in_bytes": r.randint(0, 10**5),
                     "terms_memory_in_bytes": r.randint(0, 10**4),
                     "stored_fields_memory_in_bytes": r.randint(0, 10**4),
                     "term_vectors_memory_in_bytes": 0, "norms_memory_in_bytes": 0,
                     "points_memory_in_bytes": 0, "doc_values_memory_in_bytes": 304,
                     "index_writer_memory_in_bytes": 0, "version_map_memory_in_bytes": 0,
                     "fixed_bit_set_memory_in_bytes": 0, "max_unsafe_auto_id_timestamp": -1,
                     "file_sizes": {}},
        "request_cache": {"memory_size_in_bytes": 0, "evictions": 0,
                          "hit_count": r.randint(0, 99), "miss_count": r.randint(0, 99)},
    }
    if version_level >= (7, 0):
        sec["indexing"]["index_failed"] = r.randint(0, 3)
    if version_level >= (8, 6) and total:
        sec["indexing"]["write_load"] = round(r.uniform(0, 0.5), 6)
    return sec


def _by_index(rows):
    out = {}
    for row in rows:
        out.setdefault(row["index"], []).append(row)
    return out


def stats_doc(rows, version_level, cluster_uuid="x"):
    """/_all/_stats?level=shards (the shard section is ignored without level=shards)."""
    indices = {}
    for index, copies in _by_index(rows).items():
        r = _rng(index, "stats")
        prim = [c for c in copies if c["prirep"] == "p" and c["state"] == "STARTED"]
        started = [c for c in copies if c["state"] == "STARTED"]
        pdocs = sum(int(c["docs"]) for c in prim)
        entry = {
            "uuid": "u-" + index,
            "primaries": _section(r, pdocs, sum(int(c["store"]) for c in prim), version_level),
            "total": _section(r, sum(int(c["docs"]) for c in started),
                              sum(int(c["store"]) for c in started), version_level, total=True),
            "shards": {},
        }
        for c in started:
            entry["shards"].setdefault(c["shard"], []).append({
                "routing": {"state": "STARTED", "primary": c["prirep"] == "p", "node": c["node"],
                            "relocating_node": None},
                "docs": {"count": int(c["docs"]), "deleted": 0},
                "store": {"size_in_bytes": int(c["store"])},
            })
        indices[index] = entry
    return {"_shards": {"total": len(rows), "successful": len(rows), "failed": 0},
            "_all": {"primaries": {}, "total": {}}, "indices": indices}


def alias_doc(rows):
    out = {}
    for index in _by_index(rows):
        aliases = {}
        if index.startswith("logs-"):
            aliases["logs"] = {}
        if index == "orders-2024":
            aliases["orders"] = {"is_write_index": True}
            aliases["orders-read"] = {}
        out[index] = {"aliases": aliases}
    return out


def settings_doc(rows, read_only=()):
    out = {}
    for index, copies in _by_index(rows).items():
        primaries = len({c["shard"] for c in copies})
        replicas = len(copies) // max(primaries, 1) - 1
        s = {"creation_date": str(1700000000000 + _rng(index).randint(0, 10**10)),
             "number_of_shards": str(primaries), "number_of_replicas": str(replicas),
             "uuid": "u-" + index, "provided_name": index}
        if index == "products":
            s["mapping"] = {"total_fields": {"limit": "2000"}}
        if index in read_only:
            s["blocks"] = {"read_only_allow_delete": "true"}
        out[index] = {"settings": {"index": s}}
    return out


def mappings_doc(rows):
    out = {}
    for index in _by_index(rows):
        props = {"@timestamp": {"type": "date"},
                 "name": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
                 "contact": {"properties": {"email": {"type": "keyword"},
                                            "phone": {"type": "text"}}}}
        if index.startswith("orders"):
            props["lines"] = {"type": "nested", "properties": {"sku": {"type": "keyword"}}}
        out[index] = {"mappings": {"properties": props}}
    return out


def health_indices(rows):
    """The "indices" section of /_cluster/health?level=indices."""
    out = {}
    for index, copies in _by_index(rows).items():
        unassigned = sum(1 for c in copies if c["state"] == "UNASSIGNED")
        prim_missing = any(c["prirep"] == "p" and c["state"] == "UNASSIGNED" for c in copies)
        out[index] = {"status": "red" if prim_missing else "yellow" if unassigned else "green",
                      "number_of_shards": len({c["shard"] for c in copies}),
                      "number_of_replicas": 1, "active_primary_shards": 0, "active_shards": 0,
                      "relocating_shards": 0, "initializing_shards": 0,
                      "unassigned_shards": unassigned}
    return out


def index_docs(n, nodes=("node-1", "node-2", "node-3")):
    """A synthetic cluster of n one-shard indices with one replica: the _cat/shards rows."""
    rows = []
    for i in range(n):
        index = "idx-%05d" % i
        r = _rng("big", i)
        docs = r.randint(0, 10**6)
        for copy, prirep in enumerate(("p", "r")):
            rows.append({"index": index, "shard": "0", "prirep": prirep, "state": "STARTED",
                         "docs": str(docs), "store": str(docs * 300 + copy),
                         "node": nodes[(i + copy) % len(nodes)], "unassigned.reason": None})
    return rows
