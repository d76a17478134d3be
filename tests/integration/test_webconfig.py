#!/usr/bin/env python3
"""test_webconfig: --web.config.file (exporter-toolkit's format) on the real daemon:
basic auth with bcrypt hashes (right, wrong, no password), configured headers, TLS
with a certificate made at test time (openssl), client certificates, min_version,
a TLS listener that does not answer plain HTTP, SIGHUP reloads and bad files."""

import ctypes
import ctypes.util
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time

import harness

HTTPS_RE = re.compile(r"listening on (https?://[0-9.:\[\]a-z]+)")
PASSWORD = "correct horse battery"


def bcrypt(password):
    """A bcrypt hash made now by libcrypt (cost 5 keeps the test fast)."""
    lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = lib.crypt_gensalt(b"$2b$", 5, None, 0)
    out = lib.crypt(password.encode(), salt).decode()
    assert out.startswith("$2b$05$") and len(out) == 60, out
    return out


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, timeout=60,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=%s" % name, "-keyout", name + ".key", "-out", name + ".crt", cwd=d)


def make_cert(d, name, ca, server):
    """A certificate for name signed by ca; server ones are for 127.0.0.1."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=%s" % name,
            "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                if server else "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name + ".crt", cwd=d)


def https(url, path="/metrics", ca=None, cert=None, auth=None, max_tls=None):
    """(status, headers, body) over TLS, verifying the server against ca."""
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert + ".crt", cert + ".key")
    if max_tls:
        ctx.maximum_version = max_tls
    u = url.split("://", 1)[1]
    host, port = u.rsplit(":", 1)
    conn = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=10 * harness.SCALE)
    try:
        headers = {}
        if auth:
            headers["Authorization"] = "Basic " + harness.base64.b64encode(
                ("%s:%s" % auth).encode()).decode()
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def basic(user, password):
    return {"Authorization": "Basic " + harness.base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


class WebConfig(harness.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = harness.make_tmpdir("pki")
        make_ca(cls.pki, "ca")
        make_ca(cls.pki, "otherca")
        make_cert(cls.pki, "server", "ca", True)
        make_cert(cls.pki, "server2", "ca", True)
        make_cert(cls.pki, "client", "ca", False)
        make_cert(cls.pki, "stranger", "otherca", False)
        cls.hash = bcrypt(PASSWORD)

    def p(self, name):
        return os.path.join(self.pki, name)

    def start(self, web_text, args=()):
        web = self.config(web_text, "web.yml")
        es = self.fake()
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s",
                          "--web.config.file=" + web] + list(args),
                         procfs=self.procfs(), wait_listen=False)
        d.url = d.wait_log(HTTPS_RE, 15, "listening").group(1)
        self.web = web
        return d

    def tls_config(self, extra="", cert="server"):
        return ("tls_server_config:\n  cert_file: %s.crt\n  key_file: %s.key\n%s"
                % (self.p(cert), self.p(cert), extra))

    # ---- basic auth and headers over plain HTTP
    def test_basic_auth(self):
        d = self.start("basic_auth_users:\n  prometheus: %s\n"
                       "http_server_config:\n  headers:\n    X-Frame-Options: deny\n" % self.hash)
        self.assertTrue(d.url.startswith("http://"), d.url)
        status, hdrs, _ = harness.http_get(d.url + "/metrics")
        self.assertEqual(status, 401)
        self.assertIn("basic", hdrs.get("www-authenticate", "").lower())
        self.assertEqual(hdrs.get("x-frame-options"), "deny")
        for user, pw in (("prometheus", "wrong"), ("prometheus", ""), ("nobody", PASSWORD)):
            status, _, _ = harness.http_get(d.url + "/metrics", headers=basic(user, pw))
            self.assertEqual(status, 401, (user, pw))
        ok = lambda: harness.http_get(d.url + "/-/ready", headers=basic("prometheus", PASSWORD))
        harness.wait_until(lambda: ok()[0] == 200, 15, msg="/-/ready with the password")
        t0 = time.monotonic()
        for _ in range(5):  # the cache: bcrypt once, not on every scrape
            status, hdrs, body = harness.http_get(d.url + "/metrics",
                                                  headers=basic("prometheus", PASSWORD))
            self.assertEqual(status, 200)
        self.assertIn(b"esvigil_up", body)
        self.assertEqual(hdrs.get("x-frame-options"), "deny")
        print("5 authenticated scrapes: %.3fs" % (time.monotonic() - t0))
        self.assertCleanExit(d)
        self.assertNotIn(PASSWORD, d.log())
        self.assertNotIn(self.hash, d.log())

    def test_reload_changes_password(self):
        d = self.start("basic_auth_users:\n  prometheus: %s\n" % self.hash)
        auth = basic("prometheus", PASSWORD)
        harness.wait_until(lambda: harness.http_get(d.url + "/-/healthy", headers=auth)[0] == 200,
                           10, msg="200 with the password")
        harness.write_file(self.web, "basic_auth_users:\n  prometheus: %s\n" % bcrypt("new one"))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log("configuration reloaded", 10, start=mark)
        self.assertEqual(harness.http_get(d.url + "/-/healthy", headers=auth)[0], 401)
        self.assertEqual(harness.http_get(d.url + "/-/healthy",
                                          headers=basic("prometheus", "new one"))[0], 200)
        # a bad file on reload: one line, and the running settings stay
        harness.write_file(self.web, "basic_auth_users:\n  prometheus: plaintext\n")
        mark = d.mark()
        d.kill(signal.SIGHUP)
        m = d.wait_log(r"reload failed.*web\.yml:2: basic_auth_users\.prometheus: not a bcrypt",
                       10, start=mark)
        self.assertNotIn("plaintext", m.string)
        self.assertEqual(harness.http_get(d.url + "/-/healthy",
                                          headers=basic("prometheus", "new one"))[0], 200)
        self.assertCleanExit(d)

    # ---- TLS
    def test_tls(self):
        d = self.start(self.tls_config())
        self.assertTrue(d.url.startswith("https://"), d.url)
        status, _, _ = https(d.url, "/-/healthy", ca=self.p("ca.crt"))
        self.assertEqual(status, 200)
        # an untrusting client refuses the certificate: it really is ours
        with self.assertRaises(ssl.SSLError):
            https(d.url, "/-/healthy", ca=self.p("otherca.crt"))
        # no plain HTTP on the TLS port
        try:
            status, _, _ = harness.http_get(d.url.replace("https", "http") + "/-/healthy",
                                            timeout=3)
        except (OSError, http.client.HTTPException):
            status = None
        self.assertNotEqual(status, 200)
        self.assertCleanExit(d)

    def test_min_version(self):
        d = self.start(self.tls_config("  min_version: TLS13\n"))
        self.assertEqual(https(d.url, "/-/healthy", ca=self.p("ca.crt"))[0], 200)
        with self.assertRaises((ssl.SSLError, OSError)):
            https(d.url, "/-/healthy", ca=self.p("ca.crt"), max_tls=ssl.TLSVersion.TLSv1_2)
        self.assertCleanExit(d)

    def test_client_certificates(self):
        d = self.start(self.tls_config("  client_auth_type: RequireAndVerifyClientCert\n"
                                       "  client_ca_file: %s\n" % self.p("ca.crt")))
        ca = self.p("ca.crt")
        self.assertEqual(https(d.url, "/-/healthy", ca=ca, cert=self.p("client"))[0], 200)
        for cert in (None, self.p("stranger")):
            try:
                status = https(d.url, "/-/healthy", ca=ca, cert=cert)[0]
            except (ssl.SSLError, OSError):
                status = None  # refused in the handshake: as good
            self.assertIn(status, (403, None), cert)
        self.assertCleanExit(d)

    def test_tls_with_basic_auth(self):
        d = self.start(self.tls_config() + "basic_auth_users:\n  p: %s\n" % self.hash)
        ca = self.p("ca.crt")
        self.assertEqual(https(d.url, "/-/healthy", ca=ca)[0], 401)
        self.assertEqual(https(d.url, "/-/healthy", ca=ca, auth=("p", PASSWORD))[0], 200)
        self.assertCleanExit(d)

    def test_reload_renews_certificate(self):
        d = self.start(self.tls_config())
        ca = self.p("ca.crt")

        def served_cert():
            ctx = ssl.create_default_context(cafile=ca)
            host, port = d.url.split("://")[1].rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as s:
                with ctx.wrap_socket(s, server_hostname=host) as t:
                    return t.getpeercert(binary_form=True)
        first = served_cert()
        harness.write_file(self.web, self.tls_config(cert="server2"))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log("configuration reloaded", 10, start=mark)
        self.assertNotEqual(served_cert(), first)
        self.assertEqual(https(d.url, "/-/healthy", ca=ca)[0], 200)
        # a broken key on reload: error logged, the old certificate still served
        harness.write_file(self.web, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
                           % (self.p("server.crt"), self.p("missing.key")))
        second = served_cert()
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"reload failed.*missing\.key", 10, start=mark)
        self.assertEqual(served_cert(), second)
        # readable but no key: GnuTLS refuses it, the listener goes back to the old one
        harness.write_file(self.web, "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
                           % (self.p("server.crt"), self.p("server.crt")))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"keeping the previous web config: web.config.file: TLS", 10, start=mark)
        self.assertEqual(served_cert(), second)
        self.assertEqual(https(d.url, "/-/healthy", ca=ca)[0], 200)
        self.assertCleanExit(d)

    # ---- bad files at start: one line, exit 2
    def test_bad_file_at_start(self):
        cases = [
            ("tls_server_config:\n  cert_file: a.crt\n  kee_file: a.key\n",
             r"web\.yml:3: tls_server_config\.kee_file: unknown key"),
            ("basic_auth_users:\n  u: secret\n",
             r"web\.yml:2: basic_auth_users\.u: not a bcrypt hash"),
            (self.tls_config().replace("server.key", "nothere.key"),
             r"web\.yml:3: tls_server_config\.key_file: .*nothere\.key: cannot read"),
            ("tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
             % (self.p("server.key"), self.p("server.key")),
             None),  # readable, but no certificate: fails when listening
        ]
        for text, want in cases:
            web = self.config(text, "web.yml")
            es = self.fake()
            r = subprocess.run([harness.BIN, "--es.uri=" + es.url, "--web.config.file=" + web,
                                "--web.listen-address=127.0.0.1:0"],
                               capture_output=True, text=True, timeout=30,
                               stdin=subprocess.DEVNULL, env=harness.clean_env())
            lines = [line for line in r.stderr.splitlines() if line.strip()]
            if want is None:  # GnuTLS refuses the certificate when the listener starts
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertRegex(r.stderr, r"web.config.file: TLS: tls_server_config."
                                           r"cert_file/key_file: ")
                continue
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertRegex(r.stderr, want)
            self.assertNotIn("secret", r.stderr)


if __name__ == "__main__":
    if shutil.which("openssl") is None:
        print("SKIP: openssl not installed (certificates are made at test time)")
        raise SystemExit(harness.SKIP)
    harness.main(timeout=240)
