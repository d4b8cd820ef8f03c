"""Every screen, rendered through driver -> SPI records -> simulator, equals its golden PNG
pixel for pixel; the golden hashes the MicroPython test uses agree with the golden PNGs."""
import hashlib
import importlib.util
import json

import pytest
from PIL import Image

from bioshard_card.ui import gallery
from conftest import REPO

GOLDEN = REPO / "tests" / "golden"
REGEN = "if the change is intended, regenerate with: .venv/bin/python tools/render_screens.py --update-golden (and look at the PNGs)"


def _render_screens_tool():
    spec = importlib.util.spec_from_file_location("render_screens", REPO / "tools" / "render_screens.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def renders():
    return _render_screens_tool().render_all()


def test_every_screen_has_a_golden_and_no_golden_is_stale():
    pngs = sorted(p.stem for p in GOLDEN.glob("*.png"))
    assert pngs == sorted(gallery.NAMES), REGEN


@pytest.mark.parametrize("name", gallery.NAMES)
def test_screen_matches_golden(name, renders):
    img, _ = renders[name]
    path = GOLDEN / (name + ".png")
    assert path.exists(), "missing golden %s; %s" % (path.name, REGEN)
    gold = Image.open(path).convert("1")
    assert img.size == gold.size == (250, 122)
    diff = [(x, y) for y in range(122) for x in range(250) if bool(img.getpixel((x, y))) != bool(gold.getpixel((x, y)))]
    assert not diff, "%s differs from tests/golden in %d pixels, first at %s; %s" % (name, len(diff), diff[:5], REGEN)


def landscape_png_to_panel_bytes(img, rotation=90):
    """Inverse of the simulator's rotation: golden PNG -> 122 x 250 portrait RAM rows."""
    portrait = img.transpose(Image.Transpose.ROTATE_90 if rotation == 90 else Image.Transpose.ROTATE_270)
    out = bytearray(4000)  # padding bits 122..127 stay 0, as framebuf leaves them
    px = portrait.load()
    for y in range(250):
        for x in range(122):
            if px[x, y]:
                out[y * 16 + (x >> 3)] |= 0x80 >> (x & 7)
    return bytes(out)


def test_hashes_for_micropython_agree_with_golden_pngs():
    hashes = json.loads((GOLDEN / "screens.sha256.json").read_text())
    assert sorted(hashes) == sorted(gallery.NAMES), REGEN
    for name in gallery.NAMES:
        buf = landscape_png_to_panel_bytes(Image.open(GOLDEN / (name + ".png")).convert("1"))
        assert hashlib.sha256(buf).hexdigest() == hashes[name], "%s: %s" % (name, REGEN)
