#!/usr/bin/env python3
"""test-summary: counts test cases across the automake logs of a build dir
(check suites and python unittest files) and prints one closing line."""
import re
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
sub = sys.argv[2] if len(sys.argv) > 2 else "tests"
passed = failed = skipped = 0
for log in sorted(root.glob(sub + "/**/*.log")):
    text = log.read_text(errors="replace")
    trs = log.with_suffix(".trs")
    result = trs.read_text() if trs.exists() else ""
    m = re.search(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)", text)
    if m:
        n, f, e = map(int, m.groups())
        passed += n - f - e
        failed += f + e
        continue
    m = re.search(r"^Ran (\d+) tests?", text, re.M)
    if m:
        n = int(m.group(1))
        s = sum(int(x) for x in re.findall(r"skipped=(\d+)", text))
        f = sum(int(x) for x in re.findall(r"(?:failures|errors)=(\d+)", text))
        passed += n - s - f
        skipped += s
        failed += f
        if ":test-result: FAIL" in result and f == 0:
            failed += 1
        continue
    if ":test-result: SKIP" in result:
        skipped += 1
    elif ":test-result: PASS" in result:
        passed += 1
    elif result:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
