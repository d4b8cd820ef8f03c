"""Run every portable test module under the MicroPython unix port, with the heap the card has.

Each module may declare its heap budget in a first-lines comment `# heapsize: 100k`;
the default is the reference board's 2 MB of PSRAM.
"""
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

PORTABLE = sorted((REPO / "tests" / "portable").glob("test_*.py"))


def heapsize(path):
    head = path.read_text().splitlines()[:5]
    for line in head:
        m = re.match(r"#\s*heapsize:\s*(\S+)", line)
        if m:
            return m.group(1)
    return "2m"


@pytest.mark.parametrize("path", PORTABLE, ids=[p.name for p in PORTABLE])
def test_module_under_micropython(path, micropython):
    proc = subprocess.run(
        # paths relative to the repository: every module's file name is interned on the heap,
        # so an absolute checkout path would make the 100 KB budget depend on where CI clones
        [micropython, "-X", "heapsize=" + heapsize(path), "tests/mpy_runner.py",
         str(path.relative_to(REPO))],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    summary = re.search(r"(\d+) passed, (\d+) failed, (\d+) skipped", out)
    assert summary, out[-2000:]
    passed, failed, skipped = map(int, summary.groups())
    assert failed == 0
    if passed == 0:
        pytest.skip("every test skipped under micropython: " + out[-500:])
