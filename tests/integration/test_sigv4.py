#!/usr/bin/env python3
"""test_sigv4: --aws.region signs every request to Elasticsearch with AWS SigV4
(service "es", libcurl's CURLOPT_AWS_SIGV4). The fake ES records the request and
the test recomputes the signature from the secret (stdlib hmac), so a wrong
region, service, key or canonical request fails. Credentials from the
environment and from the shared credentials file; missing ones are a clear
start-up error; secrets never in logs."""

import hashlib
import hmac
import re
import subprocess
from urllib.parse import parse_qsl, quote, urlsplit

import harness

KEY_ID = "AKIDTESTEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def expected_signature(rep, secret, region, service="es"):
    """SigV4 recomputed from what the fake ES received."""
    headers = {k.lower(): v.strip() for k, v in rep["last_headers"]}
    auth = headers["authorization"]
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    assert m, auth
    key_id, day, reg, svc, signed, got = m.groups()
    target = urlsplit(rep["last_target"])
    # AWS's canonical query: decoded, re-encoded (RFC 3986), sorted
    query = "&".join(sorted("%s=%s" % (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                            for k, v in parse_qsl(target.query, keep_blank_values=True)))
    canonical = "\n".join([
        "GET", target.path, query,
        "".join("%s:%s\n" % (h, headers[h]) for h in signed.split(";")),
        signed, hashlib.sha256(b"").hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, reg, svc)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", headers["x-amz-date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = sign(("AWS4" + secret).encode(), day)
    for part in (region, service, "aws4_request"):
        k = sign(k, part)
    want = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    return {"key_id": key_id, "region": reg, "service": svc, "signed": signed.split(";"),
            "got": got, "want": want}


class SigV4(harness.TestCase):
    def run_signed(self, env):
        es = self.fake()
        d = self.esvigil(["--es.uri=" + es.url, "--poll.interval=1s", "--aws.region=eu-west-1"],
                         procfs=self.procfs(), env=env)
        d.wait_metric(lambda m: m.get("esvigil_up") == 1, 20, "esvigil_up 1")
        rep = es.requests()
        self.assertCleanExit(d)
        self.assertNotIn(SECRET, d.log())
        return rep

    def test_env_credentials_with_token(self):
        rep = self.run_signed({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                               "AWS_SESSION_TOKEN": TOKEN, "HOME": self.tmp})
        sig = expected_signature(rep, SECRET, "eu-west-1")
        self.assertEqual((sig["key_id"], sig["region"], sig["service"]),
                         (KEY_ID, "eu-west-1", "es"))
        self.assertIn("host", sig["signed"])
        self.assertIn("x-amz-date", sig["signed"])
        self.assertIn("x-amz-security-token", sig["signed"])
        self.assertEqual(sig["got"], sig["want"], "signature does not verify")
        headers = {k.lower(): v for k, v in rep["last_headers"]}
        self.assertEqual(headers.get("x-amz-security-token"), TOKEN)
        # a wrong secret does not verify: the check above can fail
        self.assertNotEqual(expected_signature(rep, SECRET + "x", "eu-west-1")["want"],
                            sig["got"])

    def test_credentials_file(self):
        path = harness.write_file(self.tmp + "/creds",
                                  "[default]\naws_access_key_id = WRONG\n"
                                  "aws_secret_access_key = WRONG\n"
                                  "[profile mon]\naws_access_key_id = %s\n"
                                  "aws_secret_access_key = %s\n" % (KEY_ID, SECRET), 0o600)
        rep = self.run_signed({"AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "mon",
                               "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
        sig = expected_signature(rep, SECRET, "eu-west-1")
        self.assertEqual(sig["key_id"], KEY_ID)
        self.assertEqual(sig["got"], sig["want"])
        self.assertNotIn("x-amz-security-token", sig["signed"])

    def test_missing_credentials(self):
        env = harness.clean_env({"HOME": self.tmp, "AWS_ACCESS_KEY_ID": "",
                                 "AWS_SECRET_ACCESS_KEY": "", "AWS_SHARED_CREDENTIALS_FILE": ""})
        r = subprocess.run([harness.BIN, "--aws.region=eu-west-1", "--es.uri=http://127.0.0.1:9"],
                           capture_output=True, text=True, timeout=30, env=env,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertRegex(r.stderr.strip(), r"^esvigil: .*aws\.region: no AWS credentials: "
                                           r"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset and "
                                           r".*\.aws/credentials: No such file")
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    harness.main(timeout=120)
