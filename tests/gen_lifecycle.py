#!/usr/bin/env python3
"""gen_lifecycle: writes esvigil's own backup and lifecycle API answers
(snapshots, SLM, ILM, ISM, health report, data streams, tasks, pending tasks)
for the unit tests (tests/fixtures/lifecycle, times fixed) and, with a chosen
"now", for the integration tests (fresh and stale backups relative to the
real clock). Every value is made up here; shapes follow ES 7.x-8.x and
OpenSearch 2.x.

usage: gen_lifecycle.py [OUTDIR]      write (default tests/fixtures/lifecycle)
       gen_lifecycle.py --check       regenerate into a temp dir, diff, exit 1 on drift
"""

import filecmp
import json
import os
import sys
import tempfile
import time

# 2024-05-21T10:20:00Z, the node stats fixtures' time
FIXED_NOW = 1716286800
HOUR = 3600


def snapshot(name, state, start, duration, indices, shards=(12, 0), failures=(), version="8.9.2"):
    total, failed = shards
    start_ms = int(start * 1000)
    end_ms = start_ms + int(duration * 1000)

    def iso(ms):
        return "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)), ms % 1000)
    return {
        "snapshot": name,
        "uuid": "u-" + name,
        "repository": None,
        "version_id": 8090299,
        "version": version,
        "indices": list(indices),
        "data_streams": [],
        "include_global_state": True,
        "state": state,
        "start_time": iso(start_ms),
        "start_time_in_millis": start_ms,
        "end_time": iso(end_ms),
        "end_time_in_millis": end_ms,
        "duration_in_millis": end_ms - start_ms,
        "failures": [{"index": i, "index_uuid": i, "shard_id": 0, "node_id": "n1",
                      "status": "INTERNAL_SERVER_ERROR", "reason": r} for i, r in failures],
        "shards": {"total": total, "failed": failed, "successful": total - failed},
        "feature_states": [],
    }


def listing(repo, snaps):
    for s in snaps:
        s["repository"] = repo
    return {"snapshots": snaps, "total": len(snaps), "remaining": 0}


INDICES = ["orders-2024", "customers", "products"]


def snapshot_docs(now):
    """Repositories: nightly (fresh, newest SUCCESS), s3-archive (newest
    FAILED after a PARTIAL, last SUCCESS 30 h ago), broken (none succeeded),
    empty (no snapshots), gone (listed, but its listing answers 404)."""
    day = 24 * HOUR
    nightly = [snapshot("nightly-%d" % i, "SUCCESS", now - (2 - i) * day - 2 * HOUR, 300, INDICES)
               for i in range(3)]
    archive = [
        snapshot("archive-1", "SUCCESS", now - 31 * HOUR, 3600, INDICES),
        snapshot("archive-2", "PARTIAL", now - 7 * HOUR, 1800, INDICES, (12, 2),
                 [("orders-2024", "IOException[shard lost]"), ("customers", "timeout")]),
        snapshot("archive-3", "FAILED", now - 2 * HOUR, 60, INDICES, (12, 12),
                 [("orders-2024", "RepositoryException[[s3-archive] access denied]")]),
    ]
    broken = [snapshot("broken-1", "FAILED", now - 5 * HOUR, 10, INDICES[:1], (3, 3),
                       [("orders-2024", "no space left")]),
              snapshot("broken-2", "IN_PROGRESS", now - HOUR, 0, INDICES[:1], (3, 0))]
    repos = {
        name: {"type": t, "settings": {"location": "/mnt/backups/" + name}}
        for name, t in (("nightly", "fs"), ("s3-archive", "s3"), ("broken", "fs"),
                        ("empty", "fs"), ("gone", "fs"))
    }
    return {
        "snapshot_repos.json": repos,
        "snapshots_nightly.json": listing("nightly", nightly),
        "snapshots_s3-archive.json": listing("s3-archive", archive),
        "snapshots_broken.json": listing("broken", broken),
        "snapshots_empty.json": listing("empty", []),
    }


def slm_docs(now):
    ms = lambda t: int(t * 1000)
    policies = {
        "nightly": {"version": 3, "modified_date_millis": ms(now - 40 * 24 * HOUR),
                    "policy": {"name": "<nightly-{now/d}>", "schedule": "0 30 1 * * ?",
                               "repository": "nightly", "config": {"indices": ["*"]},
                               "retention": {"expire_after": "30d"}},
                    "last_success": {"snapshot_name": "nightly-2", "start_time": ms(now - 2 * HOUR),
                                     "time": ms(now - 2 * HOUR + 300)},
                    "last_failure": {"snapshot_name": "nightly-x", "time": ms(now - 9 * 24 * HOUR),
                                     "details": "{\"type\":\"snapshot_exception\"}"},
                    "next_execution_millis": ms(now + 22 * HOUR),
                    "stats": {"policy": "nightly", "snapshots_taken": 40, "snapshots_failed": 1,
                              "snapshots_deleted": 10, "snapshot_deletion_failures": 0}},
        "archive": {"version": 1, "modified_date_millis": ms(now - 90 * 24 * HOUR),
                    "policy": {"name": "<archive-{now/d}>", "schedule": "0 0 3 * * ?",
                               "repository": "s3-archive", "config": {}},
                    "last_success": {"snapshot_name": "archive-1", "time": ms(now - 30 * HOUR)},
                    "last_failure": {"snapshot_name": "archive-3", "time": ms(now - 2 * HOUR),
                                     "details": "{\"type\":\"repository_exception\",\"reason\":"
                                                "\"[s3-archive] access denied\"}"},
                    "next_execution_millis": ms(now + 15 * HOUR),
                    "stats": {"policy": "archive"}},
        "weekly-new": {"version": 1, "modified_date_millis": ms(now - HOUR),
                       "policy": {"name": "<weekly-{now/w}>", "schedule": "0 0 4 ? * SUN",
                                  "repository": "nightly"},
                       "next_execution_millis": ms(now + 70 * HOUR),
                       "stats": {"policy": "weekly-new"}},
    }
    stats = {
        "retention_runs": 41, "retention_failed": 1, "retention_timed_out": 0,
        "retention_deletion_time": "1.5m", "retention_deletion_time_millis": 90500,
        "total_snapshots_taken": 52, "total_snapshots_failed": 3, "total_snapshots_deleted": 12,
        "total_snapshot_deletion_failures": 1,
        "policy_stats": [
            {"snapshots_taken": 40, "policy": "nightly", "snapshots_failed": 1,
             "snapshots_deleted": 10, "snapshot_deletion_failures": 0},
            {"policy": "archive", "snapshots_taken": 12, "snapshots_failed": 2,
             "snapshots_deleted": 2, "snapshot_deletion_failures": 1},
        ],
    }
    return {"slm_status.json": {"operation_mode": "RUNNING"}, "slm_stats.json": stats,
            "slm_policy.json": policies}


def ilm_docs(now):
    ms = lambda t: int(t * 1000)
    indices = {
        "customers": {"index": "customers", "managed": False},
        "logs-app-2024.05.21": {
            "index": "logs-app-2024.05.21", "managed": True, "policy": "logs",
            "lifecycle_date_millis": ms(now - 5 * HOUR), "phase": "hot",
            "phase_time_millis": ms(now - 5 * HOUR), "action": "rollover",
            "action_time_millis": ms(now - 5 * HOUR), "step": "check-rollover-ready",
            "step_time_millis": ms(now - 5 * HOUR)},
        "logs-app-2024.05.20": {
            "index": "logs-app-2024.05.20", "managed": True, "policy": "logs",
            "phase": "warm", "action": "shrink", "step": "ERROR",
            "failed_step": "shrink", "is_auto_retryable_error": False,
            "failed_step_retry_count": 3, "step_time_millis": ms(now - 2 * HOUR),
            "step_info": {"type": "illegal_argument_exception",
                          "reason": "index [logs-app-2024.05.20] cannot be shrunk: 3 primary "
                                    "shards on 2 nodes"},
            "phase_execution": {"policy": "logs", "version": 2,
                                "modified_date_in_millis": ms(now - 50 * 24 * HOUR)}},
        "orders-2024": {
            "index": "orders-2024", "managed": True, "policy": "keep-forever", "phase": "new",
            "action": "complete", "step": "complete"},
    }
    ism = {
        "logs-os-1": {"index.plugins.index_state_management.policy_id": "rollover-logs",
                      "index.opendistro.index_state_management.policy_id": "rollover-logs",
                      "index": "logs-os-1", "index_uuid": "abc", "policy_id": "rollover-logs",
                      "enabled": True, "rolled_over": False,
                      "state": {"name": "hot", "start_time": ms(now - 3 * HOUR)},
                      "action": {"name": "rollover", "start_time": ms(now - HOUR), "index": 0,
                                 "failed": True, "consumed_retries": 3, "last_retry_time": 0},
                      "step": {"name": "attempt_rollover", "start_time": ms(now - HOUR),
                               "step_status": "failed"},
                      "retry_info": {"failed": True, "consumed_retries": 3},
                      "info": {"message": "Missing rollover_alias index setting "
                                          "[index=logs-os-1]"}},
        "logs-os-2": {"index.plugins.index_state_management.policy_id": "rollover-logs",
                      "index": "logs-os-2", "policy_id": "rollover-logs", "enabled": True,
                      "state": {"name": "hot", "start_time": ms(now - HOUR)},
                      "action": {"name": "rollover", "failed": False},
                      "step": {"name": "attempt_rollover", "step_status": "condition_not_met"},
                      "retry_info": {"failed": False, "consumed_retries": 0},
                      "info": {"message": "Pending rollover of index [index=logs-os-2]"}},
        "total_managed_indices": 2,
    }
    return {"ilm_status.json": {"operation_mode": "RUNNING"}, "ilm_explain.json":
            {"indices": indices}, "ism_explain.json": ism}


def health_report_doc(cluster):
    return {
        "status": "red",
        "cluster_name": cluster,
        "indicators": {
            "master_is_stable": {"status": "green", "symptom": "The cluster has a stable master "
                                 "node", "details": {"current_master": {"node_id": "n1",
                                                                        "name": "es-master-1"}}},
            "repository_integrity": {"status": "green", "symptom": "All repositories are "
                                     "healthy.", "details": {"total_repositories": 4}},
            "shards_capacity": {"status": "green", "symptom": "The cluster has enough room to "
                                "add new shards.", "details": {"data": {"max_shards_in_cluster":
                                                                        3000},
                                                               "frozen": {"max_shards_in_cluster":
                                                                          0}}},
            "shards_availability": {
                "status": "red", "symptom": "This cluster has 1 unavailable primary shard, 2 "
                "unavailable replica shards.",
                "details": {"unassigned_primaries": 1, "initializing_primaries": 0,
                            "creating_primaries": 0, "restarting_primaries": 0,
                            "started_primaries": 13, "unassigned_replicas": 2,
                            "initializing_replicas": 1, "creating_replicas": 0,
                            "restarting_replicas": 0, "started_replicas": 11},
                "impacts": [{"id": "x", "severity": 1, "description": "Cannot add data to 1 "
                             "index [orders-2024].", "impact_areas": ["ingest"]}]},
            "disk": {"status": "yellow", "symptom": "1 node is out of disk or running low on "
                     "disk space.", "details": {"indices_with_readonly_block": 0,
                                                "nodes_with_enough_disk_space": 2,
                                                "nodes_over_high_watermark": 1,
                                                "nodes_over_flood_stage_watermark": 0,
                                                "nodes_with_unknown_disk_status": 0}},
            "data_stream_lifecycle": {"status": "green", "symptom": "Data streams are executing "
                                      "their lifecycles without issues"},
            "ilm": {"status": "green", "symptom": "Index Lifecycle Management is running",
                    "details": {"policies": 7, "stagnating_indices": 0, "ilm_status": "RUNNING"}},
            "slm": {"status": "yellow", "symptom": "Encountered [1] unhealthy snapshot lifecycle "
                    "management policies.", "details": {"slm_status": "RUNNING", "policies": 3}},
            "file_settings": {"status": "unknown", "symptom": "No file-based settings are "
                              "available"},
        },
    }


def other_docs(now, cluster):
    ms = lambda t: int(t * 1000)
    tasks = {"tasks": [
        {"node": "n1", "id": 100 + i, "type": "transport", "action": a,
         "start_time_in_millis": ms(now - 10), "running_time_in_nanos": 10 ** 9 * i,
         "cancellable": True}
        for i, a in enumerate(["indices:data/write/bulk", "indices:data/write/bulk",
                               "indices:data/write/bulk[s]", "indices:data/read/search"])]}
    pending = {"tasks": [
        {"insert_order": 101, "priority": "URGENT", "source": "create-index [logs-x], cause "
         "[api]", "executing": True, "time_in_queue_millis": 86, "time_in_queue": "86ms"},
        {"insert_order": 46, "priority": "HIGH", "source": "shard-started", "executing": False,
         "time_in_queue_millis": 842000, "time_in_queue": "14m"},
        {"insert_order": 47, "priority": "HIGH", "source": "shard-started", "executing": False,
         "time_in_queue_millis": 841000, "time_in_queue": "14m"},
        {"insert_order": 48, "priority": "NORMAL", "source": "put-mapping", "executing": False,
         "time_in_queue_millis": 75000, "time_in_queue": "1.2m"},
    ]}
    streams = {"_shards": {"total": 12, "successful": 12, "failed": 0}, "data_stream_count": 2,
               "backing_indices": 9, "total_store_size_bytes": 3 * 1024 ** 3,
               "data_streams": [
                   {"data_stream": "logs-nginx", "backing_indices": 6,
                    "store_size_bytes": 2 * 1024 ** 3, "maximum_timestamp": ms(now - 60)},
                   {"backing_indices": 3, "store_size_bytes": 1024 ** 3,
                    "maximum_timestamp": ms(now - 3600), "data_stream": "metrics-app"}]}
    return {"health_report.json": health_report_doc(cluster), "tasks.json": tasks,
            "pending_tasks.json": pending, "pending_tasks_empty.json": {"tasks": []},
            "data_stream_stats.json": streams}


def docs(now, cluster):
    out = {}
    for part in (snapshot_docs(now), slm_docs(now), ilm_docs(now), other_docs(now, cluster)):
        out.update(part)
    return out


def generate(outdir, now=FIXED_NOW, cluster="lifecycle-test"):
    """Writes the set; the integration tests pass the real clock and the
    fixture cluster's name (the health report names its cluster)."""
    os.makedirs(outdir, exist_ok=True)
    for name, doc in docs(now, cluster).items():
        with open(os.path.join(outdir, name), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "fixtures", "lifecycle")
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) > 1 and argv[1] == "--check":
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            cmp = filecmp.dircmp(tmp, default)
            problems = ["missing: " + f for f in cmp.left_only] + \
                ["unexpected: " + f for f in cmp.right_only] + \
                ["differs: " + f for f in cmp.common_files
                 if not filecmp.cmp(os.path.join(tmp, f), os.path.join(default, f), False)]
        for p in problems:
            print("gen_lifecycle: " + p, file=sys.stderr)
        return 1 if problems else 0
    generate(argv[1] if len(argv) > 1 else default)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
