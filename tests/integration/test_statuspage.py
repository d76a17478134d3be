#!/usr/bin/env python3
"""test_statuspage: the page at / as a browser sees it. Headless Chromium loads
it from the daemon on a seed scenario: the DOM must hold the findings --check
gives, the poll and the collectors; a node named like an XSS payload must show
as text, never as markup; a screenshot is kept in build/tests/artifacts/.
ESVIGIL_UPDATE_SCREENSHOTS=1 also copies it to doc/statuspage.png, the README's.
Skipped (77) where Chromium is not installed."""

import html.parser
import json
import os
import shutil
import signal
import subprocess

import harness

SCENARIOS = os.path.join(harness.SRCDIR, "tests", "fixtures", "scenarios")
ARTIFACTS = os.path.join(harness.BUILDDIR, "tests", "artifacts")
HOSTILE = "<img src=x onerror=alert(1)><script>document.title='pwned'</script>\"&'"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(args, workdir, timeout=60):
    """One headless Chromium run in its own session; the group is killed by the
    leader's pid if it overruns. (status, stdout)."""
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars",
           "--user-data-dir=" + os.path.join(workdir, "profile")] + list(args)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True,
                         env=dict(os.environ, HOME=workdir))
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError("chromium took over %ds: %s" % (timeout, " ".join(cmd)))
    return p.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


class Dom(html.parser.HTMLParser):
    """Elements with their attributes and the text directly inside, in order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(el)
        if tag not in ("meta", "br", "img", "link", "input"):
            self.stack.append(el)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for el in self.stack:
            el["text"] += data

    def tags(self, tag):
        return [e for e in self.elements if e["tag"] == tag]

    def by_class(self, cls):
        return [e for e in self.elements if cls in e["attrs"].get("class", "").split()]

    def by_id(self, id_):
        return next((e for e in self.elements if e["attrs"].get("id") == id_), None)


def rows(dom, cls):
    """Each <tr class=cls> as {cell class: text}; cells follow their row in order."""
    out, cur = [], None
    for e in dom.elements:
        if e["tag"] == "tr":
            cur = {} if cls in e["attrs"].get("class", "").split() else None
            if cur is not None:
                out.append(cur)
        elif e["tag"] == "td" and cur is not None:
            cur[e["attrs"].get("class", "") or "col%d" % len(cur)] = e["text"]
    return out


class StatusPage(harness.TestCase):

    def start(self, name, rename=None):
        """The daemon on seed scenario name, the local node renamed when asked."""
        fixdir = os.path.join(SCENARIOS, name)
        with open(os.path.join(fixdir, "scenario.json")) as f:
            meta = json.load(f)
        served = os.path.join(self.tmp, "es-" + name)
        shutil.copytree(fixdir, served)
        if rename:
            quoted = json.dumps(rename)[1:-1]
            for root, _, files in os.walk(served):
                for f in files:
                    path = os.path.join(root, f)
                    with open(path) as fh:
                        text = fh.read()
                    with open(path, "w") as fh:
                        fh.write(text.replace(meta["local_node"], quoted))
        fake = self.fake(served)
        root = harness.make_procfs(os.path.join(self.tmp, "proc-" + name),
                                   meta["procfs_scenario"], served)
        # a long interval: the page's refresh must not reload it under --dump-dom
        self.es_args = ["--es.uri=" + fake.url, "--path.procfs=" + root,
                        "--es.pid=%d" % harness.fixture_pid(served)]
        d = self.esvigil(self.es_args + ["--poll.interval=30s"])
        d.wait_ready(20)
        return d, meta

    def dump_dom(self, url):
        if not chromium():
            self.skipTest("chromium is not installed (Debian: apt-get install chromium)")
        rc, out, err = run_chromium(["--dump-dom", url], self.tmp)
        self.assertEqual(rc, 0, "chromium --dump-dom failed:\n" + err)
        self.assertIn("</html>", out, "no DOM from chromium:\n" + err)
        return Dom(out)

    def test_findings_poll_and_collectors(self):
        if not chromium():
            self.skipTest("chromium is not installed (Debian: apt-get install chromium)")
        d, meta = self.start("seed-002-breakers")
        dom = self.dump_dom(d.url + "/")
        self.assertEqual(dom.tags("title")[0]["text"], "esvigil")
        refresh = [m for m in dom.tags("meta") if m["attrs"].get("http-equiv") == "refresh"]
        self.assertEqual(refresh[0]["attrs"]["content"], "30")
        self.assertEqual(dom.by_id("worst")["text"], "CRITICAL")
        # the same findings --check prints for this scenario (test_seeds.EXPECT)
        rc, out, _ = harness.run_esvigil(["--check"] + self.es_args, timeout=30)
        want = sorted(tuple(line.split(" ", 2)[:2]) for line in out.split("\n")[1:]
                      if line.startswith(("CRITICAL ", "WARNING ")))
        found = rows(dom, "finding")
        got = sorted((r["severity"], r["check"]) for r in found)
        self.assertEqual(got, want, "page findings differ from --check:\n" + out)
        self.assertGreaterEqual(len(found), 4)
        parent = next(r for r in found if r["check"] == "breaker")
        self.assertEqual(parent["subject"], "es7-prod/es7-data-07 breaker=parent")
        self.assertEqual(parent["value"], "102.2% > 95.0%")
        self.assertEqual(parent["seed"], "002")
        self.assertIn("hint: ", parent["col5"])
        self.assertEqual(dom.by_id("poll-result")["text"], "ok")
        self.assertRegex(dom.by_id("last-poll")["text"], r"Finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
        coll = {r["name"]: r for r in rows(dom, "collector")}
        for name in ("node_info", "nodes_stats", "cluster_health", "host"):
            self.assertEqual(coll[name]["status"], "ok", coll)
            self.assertRegex(coll[name]["last-success"], r"UTC$")
        links = [a["attrs"]["href"] for a in dom.tags("a")]
        self.assertEqual(links, ["/metrics", "/rules", "/-/healthy", "/-/ready"])
        # nothing to run, nothing fetched from elsewhere
        self.assertEqual(dom.tags("script"), [])
        self.assertEqual(dom.tags("img") + dom.tags("link"), [])
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, "statuspage.png")
        if os.path.exists(shot):
            os.unlink(shot)
        rc, _, err = run_chromium(["--screenshot=" + shot, "--window-size=1280,900",
                                   d.url + "/"], self.tmp)
        self.assertEqual(rc, 0, err)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG")
        self.assertGreater(os.path.getsize(shot), 20000, "screenshot suspiciously small")
        if os.environ.get("ESVIGIL_UPDATE_SCREENSHOTS") == "1":  # README's copy
            shutil.copyfile(shot, os.path.join(harness.SRCDIR, "doc", "statuspage.png"))
        self.assertCleanExit(d)

    def test_hostile_node_name_is_text(self):
        if not chromium():
            self.skipTest("chromium is not installed (Debian: apt-get install chromium)")
        d, meta = self.start("seed-003-heap", rename=HOSTILE)
        dom = self.dump_dom(d.url + "/")
        self.assertEqual(dom.tags("title")[0]["text"], "esvigil", "a script ran")
        self.assertEqual(dom.tags("script"), [], "the node name became a script element")
        self.assertEqual(dom.tags("img"), [], "the node name became an img element")
        heap = next(r for r in rows(dom, "finding") if r["check"] == "heap_used")
        self.assertEqual(heap["subject"], meta["cluster"] + "/" + HOSTILE)
        self.assertCleanExit(d)

    def test_es_down_keeps_the_collectors(self):
        """Without Chromium too: ES fails after a good poll; the page says why and
        still lists every collector with its last success."""
        fake = self.fake()
        d = self.esvigil(["--es.uri=" + fake.url, "--poll.interval=1s", "--es.timeout=1s"],
                         procfs=self.procfs())
        d.wait_ready(20)
        fake.set_mode("500")

        def down():
            page = d.get("/")[2].decode()
            return page if 'id="poll-result">ok<' not in page else None
        dom = Dom(harness.wait_until(down, 20, 0.2, "a failed poll on /"))
        self.assertIn("node_info", dom.by_id("poll-result")["text"])
        unreachable = next(r for r in rows(dom, "finding") if r["check"] == "es_unreachable")
        self.assertEqual(unreachable["severity"], "CRITICAL")
        self.assertIn("detail: ", unreachable["col5"])
        coll = {r["name"]: r for r in rows(dom, "collector")}
        self.assertEqual(coll["node_info"]["status"], "failed")
        self.assertIn("500", coll["node_info"]["why"])
        self.assertIn(coll["nodes_stats"]["status"], ("failed", "not run"))
        self.assertRegex(coll["nodes_stats"]["last-success"], r"UTC$")
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main(timeout=150)
