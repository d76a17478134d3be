#!/usr/bin/env python3
"""test_config: the real esvigil's command line and configuration file: --version,
--help, one clear line + exit 2 + nothing started on any bad setting, file values
applied, flags winning over the file, and secrets (password file, API key, URL
userinfo) sent to ES but never shown in logs, /metrics or the landing page."""

import base64
import os
import signal

import harness

ALL_FLAGS = ("--config.file", "--es.uri", "--es.timeout", "--es.all", "--es.username",
             "--es.password-file", "--es.api-key-file", "--es.ca", "--es.client-cert",
             "--es.client-private-key", "--es.ssl-skip-verify", "--es.max-response-size",
             "--es.pidfile", "--es.pid", "--poll.interval", "--path.procfs",
             "--web.listen-address", "--web.telemetry-path", "--log.level", "--version")

PASSWORD = "s3cr3t-Pa55-w0rd"
API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="


class CommandLine(harness.TestCase):

    def test_version(self):
        rc, out, err = harness.run_esvigil(["--version"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "esvigil " + harness.project_version())

    def test_help_lists_every_flag(self):
        rc, out, err = harness.run_esvigil(["--help"])
        self.assertEqual(rc, 0, err)
        for flag in ALL_FLAGS:
            with self.subTest(flag=flag):
                # booleans may be shown as --[no-]es.all
                self.assertRegex(out, r"(^|\s)--(\[no-\])?%s\b" % flag[2:].replace(".", r"\."))


class BadSettings(harness.TestCase):
    """Every bad setting: exactly one stderr line naming where and what, exit 2,
    and nothing started (the given listen port stays free)."""

    def refuse(self, args, must_contain):
        port = harness.free_port()
        rc, out, err = harness.run_esvigil(
            list(args) + ["--web.listen-address=127.0.0.1:%d" % port,
                          "--path.procfs=" + harness.make_procfs(os.path.join(self.tmp, "p"))])
        lines = [ln for ln in err.splitlines() if ln.strip()]
        self.assertEqual(rc, 2, "exit status; stderr:\n" + err)
        self.assertEqual(len(lines), 1, "want exactly one stderr line, got:\n" + err)
        for s in must_contain:
            self.assertIn(s, lines[0])
        self.assertNotIn("listening on", err)
        address = "127.0.0.1:%d" % port
        left = [argv for argv in harness.port_listeners(port) if any(address in a for a in argv)]
        self.assertEqual(left, [], "esvigil left a listener on " + address)
        return lines[0]

    def refuse_file(self, text, line, key):
        path = self.config(text)
        msg = self.refuse(["--config.file=" + path], [path])
        self.assertRegex(msg, r"%s:%d: %s\b" % (path.replace(".", r"\."), line,
                                                key.replace(".", r"\.")))
        return msg

    # file errors: FILE:LINE: KEY: ...
    def test_unknown_key(self):
        self.refuse_file("es:\n  uri: http://127.0.0.1:9200\n  bogus: 1\n", 3, "es.bogus")

    def test_unknown_key_typo(self):
        self.refuse_file("web:\n  listen-adress: 127.0.0.1:1\n", 2, "web.listen-adress")

    def test_wrong_type_duration(self):
        self.refuse_file("poll:\n  interval: 1s\nes:\n  timeout: fast\n", 4, "es.timeout")

    def test_wrong_type_bool(self):
        self.refuse_file("es:\n  all: maybe\n", 2, "es.all")

    def test_wrong_type_bytes(self):
        self.refuse_file("es:\n  max-response-size: lots\n", 2, "es.max-response-size")

    def test_bad_url(self):
        self.refuse_file("es:\n  uri: ftp://x\n", 2, "es.uri")

    def test_bad_log_level(self):
        self.refuse_file("log:\n  level: loud\n", 2, "log.level")

    def test_zero_interval(self):
        self.refuse_file("poll:\n  interval: 0s\n", 2, "poll.interval")

    def test_durations_out_of_range(self):
        # accepted before bounds existed: a poll every millisecond, a timeout of a million years
        for text, line, key in (("poll:\n  interval: 1ms\n", 2, "poll.interval"),
                                ("es:\n  uri: http://127.0.0.1:9\n  timeout: 9999999999h\n", 3,
                                 "es.timeout")):
            with self.subTest(key=key):
                self.assertIn("must be from", self.refuse_file(text, line, key))

    def test_yaml_syntax_error(self):
        path = self.config("es:\n  uri: http://127.0.0.1:9200\n  timeout: [5s\npoll:\n")
        msg = self.refuse(["--config.file=" + path], [path])
        self.assertRegex(msg, r"%s:\d+: " % path.replace(".", r"\."))

    def test_unreadable_file(self):
        path = os.path.join(self.tmp, "does-not-exist", "esvigil.yml")
        self.refuse(["--config.file=" + path], [path])

    def test_directory_as_file(self):
        self.refuse(["--config.file=" + self.tmp], [self.tmp])

    def test_password_file_fifo(self):
        # open() of a FIFO blocked until a writer came; run_esvigil bounds the wait
        fifo = os.path.join(self.tmp, "pw.fifo")
        os.mkfifo(fifo)
        self.refuse(["--es.username=elastic", "--es.password-file=" + fifo],
                    ["flag --es.password-file", fifo, "not a regular file (a FIFO)"])

    def test_config_file_fifo(self):
        fifo = os.path.join(self.tmp, "esvigil.fifo")
        os.mkfifo(fifo)
        self.refuse(["--config.file=" + fifo], [fifo, "not a regular file (a FIFO)"])

    def test_uri_password_flag_refused(self):
        msg = self.refuse(["--es.uri=http://elastic:%s@127.0.0.1:9" % PASSWORD],
                          ["flag --es.uri", "password", "/proc/PID/cmdline"])
        self.assertNotIn(PASSWORD, msg)

    def test_missing_password_file(self):
        path = self.config("es:\n  username: elastic\n  password-file: /nonexistent/pw\n")
        self.refuse(["--config.file=" + path], [path, "es.password-file", "/nonexistent/pw"])

    # flag errors
    def test_unknown_flag(self):
        self.refuse(["--bogus.flag=1"], ["--bogus.flag"])

    def test_bad_flag_value(self):
        self.refuse(["--es.timeout=fast"], ["es.timeout"])

    def test_flag_duration_out_of_range(self):
        self.refuse(["--poll.interval=2h"], ["flag --poll.interval: must be from 1s to 1h, not 2h"])

    def test_bad_flag_url(self):
        self.refuse(["--es.uri=ftp://x"], ["es.uri"])

    def test_bad_flag_over_good_file(self):
        path = self.config("es:\n  timeout: 2s\n")
        self.refuse(["--config.file=" + path, "--poll.interval=soon"], ["poll.interval"])


class FileSettings(harness.TestCase):

    def test_file_values_applied(self):
        es = self.fake()
        proc = self.procfs()
        d = self.esvigil(config_text=(
            "es:\n  uri: %s\n  timeout: 2s\npoll:\n  interval: 1s\n"
            "path:\n  procfs: %s\nweb:\n  telemetry-path: /fromfile\n" % (es.url, proc)))
        m = d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1",
                          path="/fromfile")
        self.assertEqual(m.get("esvigil_host_memory_total_bytes"),
                         harness.procfs_meminfo(proc, "MemTotal"))
        self.assertEqual(d.get("/metrics")[0], 404)
        self.assertCleanExit(d)

    def test_flags_override_file(self):
        es = self.fake()
        closed = harness.free_port()
        d = self.esvigil(
            ["--es.uri=" + es.url, "--web.telemetry-path=/fromflag"],
            config_text=("es:\n  uri: http://127.0.0.1:%d\n  timeout: 2s\npoll:\n  interval: 1s\n"
                         "web:\n  telemetry-path: /fromfile\n" % closed),
            procfs=self.procfs())
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1 via --es.uri",
                      path="/fromflag")
        self.assertEqual(d.get("/fromfile")[0], 404)
        self.assertCleanExit(d)

    def test_listen_address_from_file(self):
        es = self.fake()
        port = harness.free_port()
        d = self.esvigil(config_text=("es:\n  uri: %s\nweb:\n  listen-address: 127.0.0.1:%d\n"
                                      % (es.url, port)), procfs=self.procfs(), listen=False)
        self.assertEqual(d.port, port)
        self.assertEqual(d.get("/-/healthy")[0], 200)
        self.assertCleanExit(d)

    def test_every_key_accepted(self):
        es = self.fake(extra=["--require-basic", "elastic:" + PASSWORD])
        for name in ("ca.pem", "client.pem", "client.key"):
            harness.write_file(os.path.join(self.tmp, name), "-----BEGIN DUMMY-----\n")
        harness.write_file(os.path.join(self.tmp, "pw"), PASSWORD + "\n", 0o600)
        harness.write_file(os.path.join(self.tmp, "es.pid"),
                           "%d\n" % (harness.fixture_pid(harness.fixture_dir()) or 4242))
        proc = self.procfs()
        port = harness.free_port()
        d = self.esvigil(listen=False, log_debug=False, config_text="""\
# every key esvigil has, set to a valid value
es:
  uri: %(uri)s
  timeout: 2s
  all: false
  username: elastic
  password-file: %(tmp)s/pw
  ca: %(tmp)s/ca.pem
  client-cert: %(tmp)s/client.pem
  client-private-key: %(tmp)s/client.key
  ssl-skip-verify: false
  max-response-size: 64mb
  pidfile: %(tmp)s/es.pid
  pid: 0
poll:
  interval: 1s
path:
  procfs: %(proc)s
web:
  listen-address: 127.0.0.1:%(port)d
  telemetry-path: /metrics
log:
  level: debug
""" % {"uri": es.url, "tmp": self.tmp, "proc": proc, "port": port})
        self.assertEqual(d.port, port)
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1 with every key set")
        self.assertCleanExit(d)


class Secrets(harness.TestCase):

    def assert_not_leaked(self, d, secrets):
        _, _, metrics = d.get("/metrics")
        _, _, page = d.get("/")
        for secret in secrets:
            for where, text in (("stderr", d.log()), ("/metrics", metrics.decode()),
                                ("/", page.decode())):
                self.assertNotIn(secret, text, "secret shown in " + where)

    def run_auth(self, fake_extra, want_header, secrets, args=(), config_text=None, env=None):
        es = self.fake(extra=fake_extra)
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--es.timeout=2s"]
                         + list(args),
                         config_text=config_text, procfs=self.procfs(), env=env)
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1 with auth")
        self.assertEqual(es.requests()["last_authorization"], want_header)
        self.assert_not_leaked(d, secrets + [want_header.split(" ", 1)[1]])
        self.assertCleanExit(d)
        for secret in secrets + [want_header.split(" ", 1)[1]]:
            self.assertNotIn(secret, d.log(), "secret in the shutdown log")

    def basic(self, user, pw):
        return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()

    def test_password_file(self):
        pw = harness.write_file(os.path.join(self.tmp, "pw"), PASSWORD + "\n", 0o600)
        es_extra = ["--require-basic", "elastic:" + PASSWORD]
        self.run_auth(es_extra, self.basic("elastic", PASSWORD), [PASSWORD],
                      config_text="es:\n  username: elastic\n  password-file: %s\n" % pw)

    def test_password_env(self):
        self.run_auth(["--require-basic", "elastic:" + PASSWORD],
                      self.basic("elastic", PASSWORD), [PASSWORD],
                      args=["--es.username=elastic"], env={"ESVIGIL_ES_PASSWORD": PASSWORD})

    def test_api_key_env(self):
        self.run_auth(["--require-apikey", API_KEY], "ApiKey " + API_KEY, [API_KEY],
                      env={"ESVIGIL_ES_API_KEY": API_KEY})

    def test_api_key_file(self):
        key = harness.write_file(os.path.join(self.tmp, "apikey"), API_KEY + "\n", 0o600)
        self.run_auth(["--require-apikey", API_KEY], "ApiKey " + API_KEY, [API_KEY],
                      args=["--es.api-key-file=" + key])

    def test_wrong_password_not_leaked(self):
        es = self.fake(extra=["--require-basic", "elastic:the-right-one"])
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--es.timeout=2s",
                          "--es.username=elastic"], procfs=self.procfs(),
                         env={"ESVIGIL_ES_PASSWORD": PASSWORD})
        d.wait_metric(lambda m: (m.get("esvigil_errors_total", collector="nodes_stats",
                                       reason="unauthorized") or 0) >= 1, 20,
                      "an unauthorized error counted")
        self.assertEqual(es.requests()["last_authorization"], self.basic("elastic", PASSWORD))
        self.assert_not_leaked(d, [PASSWORD, self.basic("elastic", PASSWORD).split()[1]])
        self.assertCleanExit(d)

    def test_url_userinfo_not_leaked(self):
        # from the file: a flag would show the password in ps (refused, see BadSettings)
        es = self.fake(extra=["--require-basic", "elastic:" + PASSWORD])
        url = es.url.replace("http://", "http://elastic:%s@" % PASSWORD)
        d = self.esvigil(["--poll.interval=1s", "--es.timeout=2s"], procfs=self.procfs(),
                         config_text="es:\n  uri: %s\n" % url)
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1 with URL userinfo")
        self.assertEqual(es.requests()["last_authorization"], self.basic("elastic", PASSWORD))
        self.assert_not_leaked(d, [PASSWORD])
        self.assertCleanExit(d)


class Reload(harness.TestCase):

    def test_reload_fifo_password_file_keeps_running(self):
        # SIGHUP used to block in open() of the FIFO, and SIGTERM then waited for it
        es = self.fake()
        path = self.tmp + "/esvigil.yml"
        d = self.esvigil(["--poll.interval=1s", "--es.timeout=2s"], procfs=self.procfs(),
                         config_text="es:\n  uri: %s\n" % es.url)
        d.wait_ready(20)
        fifo = os.path.join(self.tmp, "pw.fifo")
        os.mkfifo(fifo)
        self.config("es:\n  uri: %s\n  username: elastic\n  password-file: %s\n" % (es.url, fifo))
        mark = d.mark()
        d.kill(signal.SIGHUP)
        d.wait_log(r"%s:4: es\.password-file: .*not a regular file \(a FIFO\)"
                   % path.replace(".", r"\."), 10, "the FIFO refused on reload", start=mark)
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 10, "still serving after the reload")
        self.assertCleanExit(d)


if __name__ == "__main__":
    harness.main()
