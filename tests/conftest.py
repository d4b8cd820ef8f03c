import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI shares 2 cores with micropython subprocesses: per-example deadlines and "too slow" health
# checks would fail on load, not on bugs. Examples stay random (a failure prints its seed).
settings.register_profile("bioshard", deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          print_blob=True)
settings.load_profile("bioshard")

# Secret A's keystore is sealed at scrypt N=2^17 by default (~1 s); the tests ask for N=2^14
# through the test-only override (inherited by CLI subprocesses). test_keystore.py checks the
# default itself.
os.environ.setdefault("BIOSHARD_TEST_SCRYPT_LOG_N", "14")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BIOSHARD_SHARED", REPO.parent / "shared"))
# The tests mirror the code (card/, host/, host/facepass/, backup/, sim/, e2e/, tools/, portable/);
# modules that share fixtures import each other by module name (test file names are unique),
# so every test folder is importable whatever order pytest or xdist collects them in.
for _d in sorted(p for p in (REPO / "tests").rglob("*") if p.is_dir()
                 and any(p.glob("test_*.py")) and "psbt_corpus" not in p.parts):
    sys.path.insert(0, str(_d))


def pytest_addoption(parser):
    parser.addoption("--port", action="store", default="", help="serial port of a flashed board (HIL)")


def micropython_exe():
    exe = shutil.which("micropython", path=str(Path(sys.executable).parent)) or shutil.which("micropython")
    if not exe:
        pytest.fail("the `micropython` unix port is not installed: run `make test`, which installs it")
    return exe


@pytest.fixture(scope="session")
def micropython():
    return micropython_exe()


@pytest.fixture(scope="session")
def shared():
    """The ../shared folder, or a skip naming why, so a fresh clone without it stays green."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the repository (fresh clone)")
    return SHARED


@pytest.fixture(scope="session")
def port(request):
    """Serial port of a flashed board for the HIL suite, or a skip naming what is missing."""
    p = request.config.getoption("--port")
    if not p:
        pytest.skip("no board attached: run `make hil PORT=/dev/ttyUSB0` with a flashed card")
    return p
