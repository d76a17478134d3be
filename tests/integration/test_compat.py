#!/usr/bin/env python3
"""test_compat: drop-in compatibility with prometheus-community/elasticsearch_exporter.
The reference exporter and esvigil (--cluster.metrics=always) read the same fake
Elasticsearch for each fixture version; for every family both export the type and the
label names must agree, every reference series must exist in esvigil, and every family
only the reference exports must be its bookkeeping or a listed, explained difference.
The reference comparisons skip when prometheus-elasticsearch-exporter is not on PATH;
Upstream111 compares with upstream 1.11's families as tests/reference-1.11.txt lists
them (written from its collector sources), which needs no binary."""

import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import harness

REF_BIN = "prometheus-elasticsearch-exporter"
# (fixture, --es.all): every version the reference handles (1.5.0 reads all of them).
CASES = (("es-5.6", False), ("es-6.8", False), ("es-7.13", False), ("es-7.17", False),
         ("es-8.9", False), ("opensearch-1.3", False), ("opensearch-2.11", False),
         ("es-8.9", True), ("es-8.9-tiers", True))

# Only what describes the exporter process itself may be missing from esvigil: the Go
# runtime and HTTP handler (go_*, promhttp_*) and the exporter's build. The reference's
# per-collector bookkeeping (elasticsearch_node_stats_up, ..._total_scrapes,
# ..._json_parse_failures) is exported by esvigil for every collector both have.
BOOKKEEPING = re.compile(r"^go_\w+$|^promhttp_\w+$|^elasticsearch_exporter_build_info$")

ABSENT = "the reference exports 0 for the missing field, esvigil exports no sample"
# Families only the reference exports, on purpose. The source, when given, is checked:
# ("node", dotted path) must be absent from every node of the stats esvigil read and
# ("setting", key) from every section of _cluster/settings; otherwise esvigil should
# export the family and the test fails.
DELIBERATE = {
    "elasticsearch_indices_filter_cache_evictions": (
        ("node", "indices.filter_cache.evictions"),
        "ES 1.x filter cache (query_cache since 2.0): " + ABSENT),
    "elasticsearch_indices_filter_cache_memory_size_bytes": (
        ("node", "indices.filter_cache.memory_size_in_bytes"),
        "ES 1.x filter cache (query_cache since 2.0): " + ABSENT),
    "elasticsearch_indices_store_throttle_time_seconds_total": (
        ("node", "indices.store.throttle_time_in_millis"),
        "store throttling left node stats after ES 5.x: " + ABSENT),
    "elasticsearch_os_mem_actual_free_bytes": (
        ("node", "os.mem.actual_free_in_bytes"), "ES 1.x (Sigar) field: " + ABSENT),
    "elasticsearch_os_mem_actual_used_bytes": (
        ("node", "os.mem.actual_used_in_bytes"), "ES 1.x (Sigar) field: " + ABSENT),
    "elasticsearch_process_mem_resident_size_bytes": (
        ("node", "process.mem.resident_in_bytes"), "ES 1.x field: " + ABSENT),
    "elasticsearch_process_mem_share_size_bytes": (
        ("node", "process.mem.share_in_bytes"), "ES 1.x field: " + ABSENT),
    "elasticsearch_clustersettings_stats_max_shards_per_node": (
        ("setting", "cluster.max_shards_per_node"),
        "setting not in this version's _cluster/settings?include_defaults: " + ABSENT),
    "elasticsearch_version": (
        None, "the reference's cluster-info collector reads GET /; esvigil does not poll / "
        "and carries the version per node in elasticsearch_node_info{version}"),
    "elasticsearch_clusterinfo_up": (
        None, "the reference's cluster-info collector (GET /) has no esvigil counterpart; "
        "esvigil_collector_success{collector=\"node_info\"} says whether the node answered"),
    "elasticsearch_clusterinfo_last_retrieval_success_ts": (
        None, "cluster-info collector (GET /): not polled by esvigil"),
    "elasticsearch_clusterinfo_version_info": (
        None, "cluster-info collector (GET /): the version is in elasticsearch_node_info{version}"),
    "elasticsearch_scrape_duration_seconds": (
        None, "only the reference's cluster-info collector reports it here; esvigil's is "
        "esvigil_collector_duration_seconds{collector}"),
    "elasticsearch_scrape_success": (
        None, "only the reference's cluster-info collector reports it here; esvigil's is "
        "esvigil_collector_success{collector}"),
    "elasticsearch_index_stats_up": (
        None, "bookkeeping of the reference's indices collector (GET /_all/_stats, implied by "
        "--es.shards), which esvigil does not have"),
    "elasticsearch_index_stats_total_scrapes": (
        None, "bookkeeping of the reference's indices collector, which esvigil does not have"),
    "elasticsearch_index_stats_json_parse_failures": (
        None, "bookkeeping of the reference's indices collector, which esvigil does not have"),
    "process_virtual_memory_max_bytes": (
        None, "Go client process collector about the exporter itself; esvigil's own "
        "process_* set has no address-space limit"),
}

# Label-name differences allowed against references older than a version.
LABEL_DIFFERENCES = {
    "elasticsearch_node_shards_total": (
        (1, 7, 0), {"cluster"},
        "reference 1.7.0 added the cluster label (upstream #639); esvigil follows 1.7+"),
    "elasticsearch_nodes_roles": (
        (1, 11, 0), {"node"},
        "reference 1.11.0 added the node (id) label (upstream #1111); esvigil follows 1.11"),
}


def tiers_without_data(nodes):
    return any(any(r.startswith("data_") for r in n.get("roles", ()))
               and "data" not in n.get("roles", ()) for n in nodes)

# Type differences allowed against references older than a version.
TYPE_DIFFERENCES = {
    "elasticsearch_indices_translog_size_in_bytes": (
        (1, 7, 0), "counter",
        "reference 1.7.0 made it a gauge (the translog shrinks at every flush); esvigil "
        "follows 1.7+"),
}

# Label values not compared, when the condition holds for the nodes read.
IGNORED_VALUES = {
    "es_master_node": (
        lambda nodes: any("cluster_manager" in n.get("roles", ()) for n in nodes),
        "OpenSearch 2 calls the master role cluster_manager: the reference knows only "
        "'master' and says false, esvigil says true (SPEC: cluster_manager is OpenSearch's "
        "master)"),
    "es_data_node": (
        lambda nodes: REF[1] < (1, 12, 0) and tiers_without_data(nodes),
        "a node with data tiers (data_hot, data_warm, ...) but no plain 'data' role is a "
        "data node; the reference says so only after 1.11 (upstream #1224), esvigil does"),
}

RESULTS = {}  # case id -> comparison, for the tables at the end


def ref_exporter():
    """(version tuple, flag names) of the installed reference, or None when absent."""
    path = shutil.which(REF_BIN)
    if not path:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    m = re.search(r"version (\d+)\.(\d+)\.(\d+)", out.stdout + out.stderr)
    version = tuple(int(x) for x in m.groups()) if m else (0, 0, 0)
    out = subprocess.run([path, "--help-long"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    flags = set(re.findall(r"--(?:\[no-\])?([a-z][\w.-]*)", out.stdout + out.stderr))
    return path, version, flags


REF = ref_exporter()


def ref_args(flags, es_url, port, es_all):
    """The reference's flags for what esvigil exports: node stats, cluster health (on by
    default), cluster settings (renamed in 1.6.0) and _cat/shards. Values are not
    compared: the process_* families describe two different processes, and the reference
    asks /_cluster/settings without flat_settings while fake_es (which ignores query
    strings) answers with esvigil's flat fixture, which the reference cannot read: its
    clustersettings_stats_* come out 0 (up 1). Names, types and label names still count."""
    args = ["--es.uri=" + es_url, "--web.listen-address=127.0.0.1:%d" % port]
    for old, new in (("es.cluster_settings", "collector.clustersettings"),
                     ("es.shards", "es.shards")):
        if old in flags:
            args.append("--" + old)
        elif new in flags:
            args.append("--" + new)
    return args + (["--es.all"] if es_all else [])


def families(m):
    """name -> (type, label names, label sets consistent) of a parsed exposition."""
    out = {}
    for name, labels, _ in m.samples:
        fam = name
        if name not in m.types:
            for suffix in ("_sum", "_count", "_bucket"):
                base = name[:-len(suffix)]
                if name.endswith(suffix) and m.types.get(base) in ("summary", "histogram"):
                    fam = base
        keys = frozenset(k for k in labels if fam == name or k not in ("le", "quantile"))
        entry = out.setdefault(fam, [m.types.get(fam, "untyped"), keys, True])
        if keys != entry[1]:
            entry[2] = False
            entry[1] = entry[1] | keys
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def series(m, family, ignored=()):
    return {tuple(sorted((k, v) for k, v in labels.items() if k not in ignored))
            for name, labels, _ in m.samples if name == family}


def dig(doc, dotted):
    for key in dotted.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def load(fixdir, name):
    with open(os.path.join(fixdir, name)) as f:
        return json.load(f)


def source_present(fixdir, stats_file, source):
    """Whether the fixture holds the field or setting a deliberate difference names."""
    kind, key = source
    if kind == "node":
        nodes = load(fixdir, stats_file)["nodes"].values()
        return any(dig(n, key) is not None for n in nodes)
    settings = load(fixdir, "cluster_settings.json")
    return any(key in (settings.get(s) or {}) or dig(settings.get(s) or {}, key) is not None
               for s in ("transient", "persistent", "defaults"))


def case_id(fixture, es_all):
    return fixture + ("+es.all" if es_all else "")


# ---------------------------------------------------------------- upstream 1.11

REF_1_11 = os.path.join(harness.SRCDIR, "tests", "reference-1.11.txt")
# (fixture, extra flags) esvigil polls to collect what it exports: every shape
# (1.x Sigar fields, 5.x store throttling, 8.x with every node).
UPSTREAM_RUNS = (("es-1.7", ()), ("es-5.6", ()), ("es-8.9", ("--es.all",)))
# 1.11 families esvigil exports on no fixture, and why.
UPSTREAM_ABSENT = {
    "elasticsearch_clustersettings_allocation_watermark_low_bytes":
        "only when the watermark is set as a byte size; every fixture uses percentages",
    "elasticsearch_clustersettings_allocation_watermark_high_bytes":
        "only when the watermark is set as a byte size; every fixture uses percentages",
    "elasticsearch_clustersettings_allocation_watermark_flood_stage_bytes":
        "only when the watermark is set as a byte size; every fixture uses percentages",
}


def load_reference_1_11():
    """name -> (type, frozenset of label names) from tests/reference-1.11.txt."""
    out = {}
    with open(REF_1_11) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, typ, labels = line.split()
                out[name] = (typ, frozenset() if labels == "-" else frozenset(labels.split(",")))
    return out


def expand_braces(word):
    m = re.search(r"\{([^{}]*)\}", word)
    if not m:
        return [word]
    return [x for alt in m.group(1).split(",")
            for x in expand_braces(word[:m.start()] + alt + word[m.end():])]


def readme_esvigil_only():
    """Full elasticsearch_* names in the README's table of families the reference lacks."""
    with open(os.path.join(harness.SRCDIR, "README.md")) as f:
        text = f.read()
    start = text.index("the reference lacks:")
    table = text[start:text.index("\n\n", text.index("|---|", start))]
    names = []
    for word in re.findall(r"`(elasticsearch_[a-z0-9_{},]+)", table):
        names += expand_braces(word)
    return names


class Upstream111(harness.TestCase):
    """esvigil against the reference's current names (upstream 1.11 sources), which the
    Debian 1.5.0 binary cannot show: same type and label names for every family both
    export, every 1.11 family exported or explained, and the README's list of
    esvigil-only families free of reference names."""

    def esvigil_families(self):
        fams = {}
        for fixture, extra in UPSTREAM_RUNS:
            fixdir = os.path.join(harness.FIXTURES, fixture)
            es = self.fake(fixdir)
            procfs = harness.make_procfs(os.path.join(self.tmp, "proc-" + fixture),
                                         fixture=fixdir)
            d = self.esvigil(["--es.uri=" + es.url, "--cluster.metrics=always"] + list(extra),
                             procfs=procfs)
            m = d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "a full poll")
            self.assertCleanExit(d)
            for fam, (typ, labels, _) in families(m).items():
                fams.setdefault(fam, (typ, labels))
        return fams

    def test_against_1_11(self):
        ref = load_reference_1_11()
        self.assertGreater(len(ref), 140)
        esv = self.esvigil_families()
        problems, matched = [], 0
        for fam, (typ, labels) in sorted(ref.items()):
            if fam not in esv:
                if fam not in UPSTREAM_ABSENT:
                    problems.append("%s: in reference 1.11, not exported by esvigil" % fam)
                continue
            etyp, elabels = esv[fam]
            if (etyp, elabels) != (typ, labels):
                problems.append("%s: esvigil %s %s, reference 1.11 %s %s"
                                % (fam, etyp, sorted(elabels), typ, sorted(labels)))
            else:
                matched += 1
        stale = sorted(f for f in UPSTREAM_ABSENT if f in esv or f not in ref)
        out("\n== upstream 1.11 (%s): %d families, %d matched, %d explained absent"
            % (os.path.basename(REF_1_11), len(ref), matched, len(UPSTREAM_ABSENT)))
        self.assertEqual(problems, [], "differences from reference 1.11")
        self.assertEqual(stale, [], "UPSTREAM_ABSENT entries that no longer hold")

    def test_readme_esvigil_only_list(self):
        ref = load_reference_1_11()
        listed = readme_esvigil_only()
        self.assertGreater(len(listed), 10)
        self.assertEqual(sorted(set(listed) & set(ref)), [],
                         "README lists as esvigil-only what reference 1.11 exports")


class Compat(harness.TestCase):

    @classmethod
    def setUpClass(cls):
        if REF is None:
            raise unittest.SkipTest("%s not on PATH" % REF_BIN)

    def run_reference(self, es, es_all):
        _, _, flags = REF
        port = harness.free_port()
        log = os.path.join(self.tmp, "reference.log")
        proc = harness.spawn([REF[0]] + ref_args(flags, es.url, port, es_all), log)
        self.addCleanup(harness.reap, proc)
        url = "http://127.0.0.1:%d/metrics" % port
        box = {}

        def ready():
            if proc.poll() is not None:
                with open(log) as f:
                    raise AssertionError("reference exited %s:\n%s" % (proc.returncode, f.read()))
            status, _, body = harness.http_get(url)
            if status != 200:
                return False
            m = box["m"] = harness.Metrics(body.decode("utf-8"))
            ups = [s[2] for s in m.find("elasticsearch_clusterinfo_up")]
            return (m.get("elasticsearch_node_stats_up") == 1
                    and m.get("elasticsearch_cluster_health_up") == 1 and all(ups))
        try:
            harness.wait_until(ready, 30, interval=0.3, msg="the reference exporter up")
        except AssertionError as e:
            with open(log) as f:
                raise AssertionError("%s\nlast /metrics:\n%s\nreference log:\n%s"
                                     % (e, box["m"].text if "m" in box else "", f.read()))
        harness.reap(proc)
        return box["m"]

    def run_esvigil(self, es, fixdir, es_all):
        procfs = harness.make_procfs(os.path.join(self.tmp, "proc"), fixture=fixdir)
        d = self.esvigil(["--es.uri=" + es.url, "--cluster.metrics=always"] + INDEX_ARGS
                         + (["--es.all"] if es_all else []), procfs=procfs)
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 1 and indices_ready(m, INDEX_ARGS), 20,
                          "a full esvigil poll")
        self.assertCleanExit(d)
        return m

    def compare(self, fixture, es_all):
        fixdir = os.path.join(harness.FIXTURES, fixture)
        if not os.path.isfile(os.path.join(fixdir, "nodes_local_stats.json")):
            self.skipTest("no fixture " + fixture)
        stats_file = "nodes_stats.json" if es_all else "nodes_local_stats.json"
        nodes = list(load(fixdir, stats_file)["nodes"].values())
        es = self.fake(fixdir)
        ref_m = self.run_reference(es, es_all)
        esv_m = self.run_esvigil(es, fixdir, es_all)
        ref, esv = families(ref_m), families(esv_m)
        res = {"matched": [], "bookkeeping": [], "deliberate": {}, "esvigil_only": [],
               "label_diffs": {}, "type_diffs": {}, "ignored_values": {}}
        problems = []

        for fam in sorted(set(ref) & set(esv)):
            (rtype, rlabels, _), (etype, elabels, consistent) = ref[fam], esv[fam]
            if not consistent:
                problems.append("%s: esvigil's samples disagree on label names" % fam)
            if rtype != etype:
                gate = TYPE_DIFFERENCES.get(fam)
                if gate and REF[1] < gate[0] and rtype == gate[1]:
                    res["type_diffs"][fam] = gate[2]
                else:
                    problems.append("%s: type %s, reference %s" % (fam, etype, rtype))
            if rlabels != elabels:
                gate = LABEL_DIFFERENCES.get(fam)
                if gate and REF[1] < gate[0] and elabels - rlabels == gate[1] \
                        and rlabels <= elabels:
                    res["label_diffs"][fam] = gate[2]
                else:
                    problems.append("%s: labels %s, reference %s"
                                    % (fam, sorted(elabels), sorted(rlabels)))
                continue
            ignored = [k for k, (cond, _) in IGNORED_VALUES.items() if k in rlabels and cond(nodes)]
            for k in ignored:
                res["ignored_values"][k] = IGNORED_VALUES[k][1]
            missing = series(ref_m, fam, ignored) - series(esv_m, fam, ignored)
            if missing:
                problems.append("%s: reference series missing from esvigil: %s"
                                % (fam, [dict(s) for s in sorted(missing)[:3]]))
            res["matched"].append(fam)

        for fam in sorted(set(ref) - set(esv)):
            if BOOKKEEPING.search(fam):
                res["bookkeeping"].append(fam)
            elif fam in DELIBERATE:
                source, why = DELIBERATE[fam]
                if source and source_present(fixdir, stats_file, source):
                    problems.append("%s: %s %s is in the fixture, yet esvigil has no %s"
                                    % (fam, source[0], source[1], fam))
                res["deliberate"][fam] = why
            else:
                problems.append("%s: only the reference exports it (not bookkeeping, not "
                                "listed in DELIBERATE)" % fam)
        res["esvigil_only"] = sorted(set(esv) - set(ref))
        RESULTS[case_id(fixture, es_all)] = res
        print_case(case_id(fixture, es_all), res)
        self.assertEqual(problems, [], "%s: incompatible with reference %s"
                         % (case_id(fixture, es_all), ".".join(map(str, REF[1]))))

    def test_zz_differences_are_current(self):
        """Every listed difference still shows up somewhere (no stale entries)."""
        if len(RESULTS) < len(CASES):
            self.skipTest("needs every case to have run")
        seen = set()
        for res in RESULTS.values():
            seen |= set(res["deliberate"]) | set(res["label_diffs"]) | set(res["type_diffs"])
        stale = sorted(set(DELIBERATE) - seen)
        stale += sorted(f for f, (gate, _, _) in
                        list(LABEL_DIFFERENCES.items()) + list(TYPE_DIFFERENCES.items())
                        if REF[1] < gate and f not in seen)
        self.assertEqual(stale, [], "listed differences no case produced")

    @classmethod
    def tearDownClass(cls):
        print_summary()


def _make_case(fixture, es_all):
    def test(self):
        self.compare(fixture, es_all)
    test.__doc__ = "reference vs esvigil on %s" % case_id(fixture, es_all)
    return test


for _fixture, _all in CASES:
    setattr(Compat, "test_" + re.sub(r"\W", "_", case_id(_fixture, _all)),
            _make_case(_fixture, _all))


# ---------------------------------------------------------------- index-level collectors
# The reference gets --es.shards above (its _cat/shards collector), which implies its indices
# collector: esvigil gets the same flag so both export the per-index families.
INDEX_ARGS = ["--es.shards", "--poll.interval=1s"]
INDEX_FLAGS = ("es.indices", "es.shards", "es.indices_settings", "es.indices_mappings")
INDEX_FAMILIES = re.compile(r"^elasticsearch_(indices_|index_stats_|search_active_queries$)")
INDEX_BOOKKEEPING = re.compile(r"^elasticsearch_indices_(settings|mappings)_stats_"
                               r"(up|total_scrapes|scrapes_total|json_parse_failures(_total)?)$")
# Values that differ from older references on purpose: family -> (first reference version
# with esvigil's value, why).
INDEX_VALUE_DIFFERENCES = {
    "elasticsearch_indices_mappings_stats_fields": (
        (1, 10, 0), "references before 1.10 counted object fields wrongly (upstream #675); "
        "esvigil counts as 1.10+ do"),
}
INDEX_CASES = ("es-5.6", "es-7.17", "es-8.9", "opensearch-2.11")


def indices_ready(m, args):
    """Whether the paced collectors the flags turn on have each delivered once."""
    on = any(a in args for a in ("--es.indices", "--es.shards"))
    wanted = {"indices", "indices_aliases", "index_health"} if on else set()
    if "--es.indices_settings" in args:
        wanted.add("indices_settings")
    if "--es.indices_mappings" in args:
        wanted.add("indices_mappings")
    return all(m.find("esvigil_collector_last_success_timestamp_seconds", collector=c)
               for c in wanted)


def values(m, family):
    return {tuple(sorted(labels.items())): v for name, labels, v in m.samples if name == family}


class IndexCompat(harness.TestCase):
    """Reference and esvigil with every index-level flag on the same fake Elasticsearch:
    same families, types, label names and values for every per-index series."""

    def run_both(self, fixture):
        fixdir = os.path.join(harness.FIXTURES, fixture)
        if not os.path.isfile(os.path.join(fixdir, "indices_stats.json")):
            self.skipTest("no index fixtures for " + fixture)
        es = self.fake(fixdir)
        flags = ["--" + f for f in INDEX_FLAGS if f in REF[2]]
        port = harness.free_port()
        log = os.path.join(self.tmp, "reference.log")
        proc = harness.spawn([REF[0], "--es.uri=" + es.url,
                              "--web.listen-address=127.0.0.1:%d" % port] + flags, log)
        self.addCleanup(harness.reap, proc)
        box = {}

        def ready():
            status, _, body = harness.http_get("http://127.0.0.1:%d/metrics" % port)
            if status != 200:
                return False
            box["m"] = harness.Metrics(body.decode("utf-8"))
            return box["m"].find("elasticsearch_indices_docs_total") and \
                box["m"].find("elasticsearch_indices_mappings_stats_fields")
        harness.wait_until(ready, 30, interval=0.3, msg="the reference's index families")
        harness.reap(proc)
        procfs = harness.make_procfs(os.path.join(self.tmp, "proc"), fixture=fixdir)
        args = ["--es.uri=" + es.url, "--cluster.metrics=always", "--poll.interval=1s"] + flags
        d = self.esvigil(args, procfs=procfs)
        esv = d.wait_metric(lambda m: indices_ready(m, args), 20, "esvigil's index families")
        self.assertCleanExit(d)
        return box["m"], esv

    def compare(self, fixture):
        ref_m, esv_m = self.run_both(fixture)
        ref, esv = families(ref_m), families(esv_m)
        problems, compared = [], 0
        # Per-index families (an index label; node-level elasticsearch_indices_* have none)
        # and the cluster-wide read-only count.
        for fam in sorted(f for f in ref if INDEX_FAMILIES.search(f) and
                          ("index" in ref[f][1] or f.endswith("_read_only_indices"))):
            if INDEX_BOOKKEEPING.search(fam) or BOOKKEEPING.search(fam) or fam in DELIBERATE:
                continue
            if fam not in esv:
                problems.append("%s: only the reference exports it" % fam)
                continue
            if ref[fam][:2] != esv[fam][:2]:
                problems.append("%s: %s, reference %s" % (fam, esv[fam][:2], ref[fam][:2]))
                continue
            gate = INDEX_VALUE_DIFFERENCES.get(fam)
            if gate and REF[1] < gate[0]:
                continue
            rv, ev = values(ref_m, fam), values(esv_m, fam)
            for key, v in rv.items():
                compared += 1
                if key not in ev:
                    problems.append("%s%s: missing from esvigil" % (fam, dict(key)))
                elif abs(ev[key] - v) > 1e-9 * max(1.0, abs(v)):
                    problems.append("%s%s: %r, reference %r" % (fam, dict(key), ev[key], v))
        out("\n== index families on %s: %d reference series compared by value, %d problems"
            % (fixture, compared, len(problems)))
        self.assertGreater(compared, 100)
        self.assertEqual(problems[:20], [])


def _make_index_case(fixture):
    def test(self):
        self.compare(fixture)
    test.__doc__ = "index-level families, reference vs esvigil on " + fixture
    return test


for _fixture in INDEX_CASES:
    setattr(IndexCompat, "test_indices_" + re.sub(r"\W", "_", _fixture),
            _make_index_case(_fixture))


# ---------------------------------------------------------------- tables

def out(line=""):
    sys.stdout.write(line + "\n")


def names(seq, indent="    ", width=100):
    line, lines = indent, []
    for n in seq:
        if len(line) + len(n) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += n + " "
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines) if lines else indent + "(none)"


def print_case(cid, res):
    out("\n== %s: matched %d, reference-only %d (deliberate %d, bookkeeping %d), "
        "esvigil-only %d" % (cid, len(res["matched"]),
                             len(res["deliberate"]) + len(res["bookkeeping"]),
                             len(res["deliberate"]), len(res["bookkeeping"]),
                             len(res["esvigil_only"])))
    for fam, why in sorted(res["label_diffs"].items()):
        out("  label difference %s: %s" % (fam, why))
    for fam, why in sorted(res["type_diffs"].items()):
        out("  type difference %s: %s" % (fam, why))
    for label, why in sorted(res["ignored_values"].items()):
        out("  label value %s not compared: %s" % (label, why))
    sys.stdout.flush()


def across(key):
    """family -> cases in which it fell under key."""
    where = {}
    for cid, res in RESULTS.items():
        for fam in res[key]:
            where.setdefault(fam, []).append(cid)
    return where


def print_summary():
    if not RESULTS:
        return
    cases = list(RESULTS)
    out("\n" + "=" * 100)
    out("compat summary: reference %s (%s) vs esvigil, cases: %s"
        % (".".join(map(str, REF[1])), REF[0], " ".join(cases)))
    out("reference flags: %s; esvigil: --cluster.metrics=always (+ --es.all where noted)"
        % " ".join(a for a in ref_args(REF[2], "URL", 0, False)
                   if not a.startswith(("--es.uri", "--web."))))
    for key, title in (("matched", "families matched (same type and label names)"),
                       ("deliberate", "reference-only, deliberate"),
                       ("bookkeeping", "reference-only, bookkeeping"),
                       ("esvigil_only", "esvigil-only")):
        where = across(key)
        out("\n%s: %d" % (title, len(where)))
        everywhere = sorted(f for f, c in where.items() if len(c) == len(cases))
        if everywhere:
            out("  in every case (%d):" % len(everywhere))
            out(names(everywhere))
        for fam in sorted(set(where) - set(everywhere)):
            out("  %s  [%s]" % (fam, " ".join(where[fam])))
        if key == "deliberate":
            out("  why:")
            for fam in sorted(where):
                out("    %s: %s" % (fam, DELIBERATE[fam][1]))
    diffs = across("label_diffs")
    if diffs:
        out("\nlabel-name differences allowed against this reference:")
        for fam in sorted(diffs):
            out("  %s: %s" % (fam, LABEL_DIFFERENCES[fam][2]))
    values = across("ignored_values")
    for label in sorted(values):
        out("\nlabel value %s not compared in [%s]: %s"
            % (label, " ".join(values[label]), IGNORED_VALUES[label][1]))
    out("=" * 100)
    sys.stdout.flush()


if __name__ == "__main__":
    harness.main(timeout=300)
