import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BIOSHARD_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO / "tests" / "portable"))


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
