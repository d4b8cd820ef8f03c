"""End to end over the real simulator wiring: MicroPython runs boards/sim_bus.py's SimSPI and the
card's SSD1680 driver + Display against a PanelServer on panel.sock; the PNG the simulator
writes must equal the golden image of the same screen."""
import shutil
import subprocess
import tempfile

import pytest
import threading
from pathlib import Path

from PIL import Image

from bioshard.sim.panel import PanelServer, SSD1680Sim
from conftest import REPO

CARD_SCRIPT = r"""
import sys
sys.path.insert(0, "boards")
sys.path.insert(0, "firmware")
import sim_bus
from bioshard_card.drivers.ssd1680 import SSD1680
from bioshard_card.ui import gallery
from bioshard_card.ui.display import Display
spi = sim_bus.SimSPI(sys.argv[1])
d = Display(SSD1680(spi, spi.cs, spi.dc, spi.rst, spi.busy))
for name in sys.argv[2:]:
    d.canvas.fill(1)
    gallery.draw(d.canvas, name)
    d.panel.show(d.canvas.buf, full=(name == sys.argv[2]))
print("sent", len(sys.argv) - 2)
"""


def test_micropython_card_over_panel_sock_renders_golden_screens(tmp_path, micropython):
    names = ["pairing", "sign_output_change", "portfolio"]
    out = tmp_path / "screens"
    sim = SSD1680Sim(out_dir=str(out))
    done = threading.Event()
    sim.on_render(lambda img, info: info["index"] == len(names) and done.set())
    short = Path(tempfile.mkdtemp(prefix="bs-"))  # Unix socket paths must stay short
    sock = short / "panel.sock"
    server = PanelServer(sim, str(sock)).start()
    try:
        proc = subprocess.run([micropython, "-X", "heapsize=300k", "-c", CARD_SCRIPT, str(sock)] + names,
                              capture_output=True, text=True, timeout=120, cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert done.wait(10), "simulator rendered %d of %d frames" % (sim.frames, len(names))
    finally:
        server.stop()
        shutil.rmtree(short, ignore_errors=True)
    assert server.error is None
    assert sim.refreshes == ["full", "partial", "partial"]
    for i, name in enumerate(names, 1):
        got = Image.open(out / ("%04d.png" % i)).convert("1")
        gold = Image.open(REPO / "tests" / "golden" / (name + ".png")).convert("1")
        assert got.tobytes() == gold.tobytes(), name
    assert Image.open(out / "latest.png").convert("1").tobytes() == gold.tobytes()
