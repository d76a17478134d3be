#!/usr/bin/env python3
"""test_probe: /probe?target=URL&auth_module=NAME polls another cluster on
request. Two fake clusters of different names probed alternately each carry
their own cluster label (the reference's bug #1248 reuses the first one's); a
target outside probe.allow is 403, no allowlist is 404, a missing target or an
unknown auth module 400; userpass credentials reach the target as basic auth
and never show in the log."""

import base64
import os
import re
import signal
import threading
import time
from urllib.parse import quote

import harness
import test_sigv4

PASSWORD = "pr0be-s3cret"


def renamed_fixture(dest, name):
    """The es-7.17 fixture with its cluster renamed."""
    src = harness.fixture_dir()
    os.makedirs(dest, exist_ok=True)
    for f in os.listdir(src):
        path = os.path.join(src, f)
        if os.path.isfile(path):
            with open(path) as fh:
                text = fh.read()
            harness.write_file(os.path.join(dest, f), text.replace("shop-prod", name))
    return dest


def clusters(body):
    return set(re.findall(r'cluster="([^"]*)"', body.decode()))


class Probe(harness.TestCase):
    def start(self, extra_config=""):
        self.one = self.fake()
        self.two = self.fake(renamed_fixture(os.path.join(self.tmp, "other"), "shop-staging"),
                             extra=["--require-basic", "mon:" + PASSWORD])
        pw = harness.write_file(os.path.join(self.tmp, "prod.pw"), PASSWORD + "\n", 0o600)
        cfg = ("probe:\n  allow:\n    - %s\n    - %s\n%s"
               "auth_modules:\n  prod:\n    type: userpass\n    username: mon\n"
               "    password_file: %s\n" % (self.one.url, self.two.url, extra_config, pw))
        return self.esvigil(["--es.uri=" + self.one.url, "--poll.interval=1s"],
                            config_text=cfg, procfs=self.procfs())

    def probe(self, d, target, module=None, timeout=15.0):
        path = "/probe?target=" + quote(target, safe="")
        if module is not None:
            path += "&auth_module=" + quote(module, safe="")
        return d.get(path, timeout=timeout * harness.SCALE)

    def test_two_clusters_alternately(self):
        d = self.start()
        for _ in range(2):
            st, _, body = self.probe(d, self.one.url)
            self.assertEqual(st, 200, body[:300])
            self.assertEqual(clusters(body), {"shop-prod"})
            self.assertRegex(body.decode(), r"(?m)^elasticsearch_cluster_health_status")
            self.assertNotIn('esvigil_collector_success{collector="host"}', body.decode(),
                             "no host view of a probed cluster")
            st, _, body = self.probe(d, self.two.url, "prod")
            self.assertEqual(st, 200, body[:300])
            self.assertEqual(clusters(body), {"shop-staging"})
        rep = self.two.requests()
        want = "Basic " + base64.b64encode(("mon:" + PASSWORD).encode()).decode()
        self.assertEqual(rep["last_authorization"], want)
        # without the module the second cluster refuses: the credentials came from it
        st, _, body = self.probe(d, self.two.url)
        self.assertEqual(st, 200)
        self.assertRegex(body.decode(), r"(?m)^esvigil_up 0$")
        self.assertCleanExit(d)
        self.assertNotIn(PASSWORD, d.log())

    def test_refused_and_bad_requests(self):
        d = self.start()
        cases = [(self.one.url + "/x", None, 403), ("http://127.0.0.1:9", None, 403),
                 ("", None, 400), ("127.0.0.1:9200", None, 400),
                 ("http://u:p@127.0.0.1:9200", None, 400),
                 (self.one.url, "nope", 400)]
        for target, module, want in cases:
            st, _, body = self.probe(d, target, module)
            self.assertEqual(st, want, "%r %r: %r" % (target, module, body))
            self.assertNotIn(PASSWORD.encode(), body)
        st, _, body = d.get("/probe")
        self.assertEqual(st, 400, body)
        self.assertCleanExit(d)

    def test_apikey_and_aws_modules(self):
        """apikey's header and a SigV4 signature (the module's region) as ES receives them."""
        key = base64.b64encode(b"id:probe-api-key").decode()
        es = self.fake(extra=["--require-apikey", key])
        aws = self.fake()
        cfg = ("probe:\n  allow: ['http://127.0.0.1:*']\nauth_modules:\n"
               "  cloud:\n    type: apikey\n    apikey: %s\n"
               "  amazon:\n    type: aws\n    aws:\n      region: eu-central-1\n" % key)
        env = {"AWS_ACCESS_KEY_ID": test_sigv4.KEY_ID,
               "AWS_SECRET_ACCESS_KEY": test_sigv4.SECRET, "HOME": self.tmp}
        # The daemon's own polls go elsewhere: they carry no key, and one landing after the
        # probe's requests would be the last request `es` and `aws` saw.
        own = self.fake()
        d = self.esvigil(["--es.uri=" + own.url], config_text=cfg, procfs=self.procfs(), env=env)
        st, _, body = self.probe(d, es.url, "cloud")
        self.assertEqual(st, 200, body[:300])
        self.assertRegex(body.decode(), r"(?m)^esvigil_up 1$")
        self.assertEqual(es.requests()["last_authorization"], "ApiKey " + key)
        st, _, body = self.probe(d, aws.url, "amazon")
        self.assertRegex(body.decode(), r"(?m)^esvigil_up 1$")
        sig = test_sigv4.expected_signature(aws.requests(), test_sigv4.SECRET, "eu-central-1")
        self.assertEqual((sig["key_id"], sig["region"], sig["service"]),
                         (test_sigv4.KEY_ID, "eu-central-1", "es"))
        self.assertEqual(sig["got"], sig["want"], "signature does not verify")
        self.assertCleanExit(d)
        for secret in (key, test_sigv4.SECRET):
            self.assertNotIn(secret, d.log())

    def test_reload_changes_the_allowlist(self):
        d = self.start()
        self.assertEqual(self.probe(d, self.one.url)[0], 200)
        self.config("probe:\n  allow: ['%s']\n" % self.two.url)
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"reloaded", 10 * harness.SCALE, "after SIGHUP", start=mark)
        self.assertEqual(self.probe(d, self.one.url)[0], 403)
        self.assertEqual(self.probe(d, self.two.url, "prod")[0], 400)  # module gone
        self.assertEqual(self.probe(d, self.two.url)[0], 200)
        self.assertCleanExit(d)

    def test_bad_config_is_one_line(self):
        cfg = self.config("auth_modules:\n  prod:\n    type: userpass\n    username: u\n")
        rc, _, err = harness.run_esvigil(["--config.file=" + cfg])
        self.assertEqual(rc, 2, err)
        self.assertEqual(err.strip(), "esvigil: %s:2: auth_modules.prod: type userpass needs "
                         "username and one of password, password_file" % cfg)

    def test_shutdown_during_a_hung_probe(self):
        d = self.start("  timeout: 10m\n")
        self.two.set_mode("hang")
        box = {}

        def hung_probe():
            try:
                box["r"] = self.probe(d, self.two.url, "prod", timeout=60)
            except OSError as e:  # the daemon closed the connection on its way out
                box["r"] = e
        t = threading.Thread(target=hung_probe)
        t.start()
        harness.wait_until(lambda: self.two.requests()["total"] >= 1, 10 * harness.SCALE,
                           msg="the probe reached the hung target")
        self.assertLess(self.assertCleanExit(d, timeout=3), 3 * harness.SCALE)
        t.join(10 * harness.SCALE)

    def test_off_without_allowlist(self):
        es = self.fake()
        d = self.esvigil(["--es.uri=" + es.url], procfs=self.procfs())
        st, _, body = self.probe(d, es.url)
        self.assertEqual(st, 404, body)
        self.assertCleanExit(d)

    def test_concurrency_bound(self):
        """Hung targets hold their slots; one probe beyond the bound is 503 at
        once, and as many hung probes as the server has threads (4) leave
        /metrics answering: each probe slot has a thread of its own."""
        d = self.start("  timeout: 8s\n")  # max-concurrent: the default 4
        self.two.set_mode("hang")
        box, threads = {}, []
        # one at a time: connections arriving together may be accepted by one
        # server thread, and the later waits behind the earlier's probe
        for i in range(4):
            t = threading.Thread(target=lambda i=i: box.update(
                {i: self.probe(d, self.two.url, "prod")}))
            t.start()
            threads.append(t)
            harness.wait_until(lambda: self.two.requests()["total"] >= i + 1,
                               10 * harness.SCALE, msg="probe %d reached the hung target" % i)
        st, _, body = self.probe(d, self.one.url)
        self.assertEqual(st, 503, "%r %r %r" % (self.two.requests()["counts"],
                                                {k: v[0] for k, v in box.items()}, body[:100]))
        t0 = time.monotonic()
        st, _, body = d.get("/metrics", timeout=5 * harness.SCALE)
        self.assertEqual(st, 200)
        self.assertLess(time.monotonic() - t0, 2 * harness.SCALE)
        for t in threads:
            t.join(30 * harness.SCALE)
        for i in range(4):
            self.assertEqual(box[i][0], 200)
            self.assertRegex(box[i][2].decode(), r"(?m)^esvigil_up 0$")
        self.assertEqual(self.probe(d, self.one.url)[0], 200)  # the slots are free again
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main(timeout=180)
