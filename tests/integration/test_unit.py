#!/usr/bin/env python3
"""test_unit: the shipped esvigil.service stays hardened (systemd-analyze security
--offline=true exposure at most 2.5) and keeps what the host view needs: its own
user and the two capabilities that read the ES process's maps and fds."""

import os
import re
import shutil
import subprocess

import harness

MAX_EXPOSURE = 2.5
UNIT = os.path.join(harness.BUILDDIR, "systemd", "esvigil.service")


def analyze(path):
    return subprocess.run(["systemd-analyze", "security", "--offline=true", path],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def directives(path):
    """The unit's directives as {key: [values]}, comments dropped."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[" or "=" not in line:
                continue
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


class Unit(harness.TestCase):
    def test_exposure(self):
        r = analyze(UNIT)
        m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", r.stdout)
        self.assertIsNotNone(m, "no exposure level in:\n%s%s" % (r.stdout, r.stderr))
        score = float(m.group(1))
        print("systemd-analyze security exposure: %.1f" % score)
        self.assertLessEqual(score, MAX_EXPOSURE, r.stdout)

    def test_host_view_kept(self):
        d = directives(UNIT)
        self.assertEqual(d.get("User"), ["esvigil"])
        for key in ("AmbientCapabilities", "CapabilityBoundingSet"):
            caps = " ".join(d.get(key, [])).split()
            self.assertEqual(sorted(caps), ["CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE"], key)
        # hidepid or a pid-less /proc would hide the ES process or /proc/meminfo
        self.assertNotIn("ProcSubset", d)
        self.assertNotIn("PrivateUsers", d)

    def test_a_weaker_unit_scores_worse(self):
        # the score really comes from the directives: dropping the sandbox raises it
        weak = os.path.join(self.tmp, "esvigil.service")
        with open(UNIT) as f, open(weak, "w") as out:
            for line in f:
                if not line.startswith(("SystemCallFilter", "Protect", "Private")):
                    out.write(line)
        r = analyze(weak)
        m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        self.assertGreater(float(m.group(1)), MAX_EXPOSURE)


if __name__ == "__main__":
    if shutil.which("systemd-analyze") is None:
        print("SKIP: systemd-analyze not installed")
        raise SystemExit(harness.SKIP)
    probe = subprocess.run(["systemd-analyze", "security", "--help"], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
    if "--offline" not in probe.stdout:
        print("SKIP: systemd-analyze has no --offline (systemd < 250)")
        raise SystemExit(harness.SKIP)
    if not os.path.isfile(UNIT):
        print("SKIP: %s not built" % UNIT)
        raise SystemExit(harness.SKIP)
    harness.main(need_binary=False, timeout=120)
