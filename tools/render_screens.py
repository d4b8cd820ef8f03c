#!/usr/bin/env python3
"""Render every card screen to PNG through the real path: screens -> SSD1680 driver -> SPI
records -> panel simulator -> PNG. For people (docs, review) and for the golden images.

    python tools/render_screens.py out/screens          # one PNG per screen + index.html
    python tools/render_screens.py --update-golden      # rewrite tests/golden/*.png
    python tools/render_screens.py --scale 3 out/big    # enlarged copies for reading
"""
import argparse
import hashlib
import json
import os
import sys

from bioshard.sim.panel import SSD1680Sim, direct_bus
from bioshard_card.drivers.ssd1680 import SSD1680
from bioshard_card.ui import gallery
from bioshard_card.ui.canvas import Canvas

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(REPO, "tests", "golden")


def render_all(names=None):
    """{name: (PIL image as the simulator rendered it, panel buffer bytes)} for every screen."""
    sim = SSD1680Sim()
    panel = SSD1680(*direct_bus(sim))
    out = {}
    canvas = Canvas()
    for name in names or gallery.NAMES:
        gallery.draw(canvas, name)
        panel.show(canvas.buf, full=True)
        out[name] = (sim.last_image, bytes(canvas.buf))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", help="output folder")
    ap.add_argument("--update-golden", action="store_true", help="rewrite tests/golden/")
    ap.add_argument("--scale", type=int, default=1, help="enlarge each pixel N times")
    args = ap.parse_args(argv)
    if not args.out and not args.update_golden:
        ap.error("give an output folder or --update-golden")
    renders = render_all()
    targets = ([args.out] if args.out else []) + ([GOLDEN] if args.update_golden else [])
    for folder in targets:
        os.makedirs(folder, exist_ok=True)
        golden = folder == GOLDEN
        scale = 1 if golden else args.scale
        for name, (img, _) in renders.items():
            if scale > 1:
                img = img.resize((img.width * scale, img.height * scale))
            img.save(os.path.join(folder, name + ".png"), optimize=True)
        if golden:
            # sha256 of each panel buffer: lets the MicroPython test check framebuf renders the
            # very same bytes without decoding PNGs on the card interpreter.
            hashes = {n: hashlib.sha256(buf).hexdigest() for n, (_, buf) in renders.items()}
            with open(os.path.join(folder, "screens.sha256.json"), "w") as f:
                json.dump(hashes, f, indent=1, sort_keys=True)
                f.write("\n")
        else:
            with open(os.path.join(folder, "index.html"), "w") as f:
                f.write("<!doctype html><title>bioshard screens</title><body style='background:#ccc'>\n")
                for name in renders:
                    f.write("<figure style='display:inline-block'><img src='%s.png' style='image-rendering:pixelated;"
                            "width:%dpx'><figcaption>%s</figcaption></figure>\n" % (name, 250 * max(scale, 2), name))
        print("%d screens -> %s" % (len(renders), folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
