"""The CPython FrameBuffer stand-in (bioshard_card.ui.fb) against MicroPython's C framebuf:
the same random drawing operations must leave byte-identical buffers, clipping included."""
import json
import random
import subprocess

from bioshard_card.ui import fb
from conftest import REPO

SHAPES = [(122, 250), (13, 7), (8, 8), (17, 3), (1, 1), (250, 122)]

MPY_SCRIPT = r"""
import sys, json, framebuf
cases = json.loads(sys.stdin.read())
for w, h, ops in cases:
    buf = bytearray(((w + 7) // 8) * h)
    f = framebuf.FrameBuffer(buf, w, h, framebuf.MONO_HLSB)
    for op in ops:
        getattr(f, op[0])(*op[1:])
    print(buf.hex())
"""


def random_ops(rng, w, h, n):
    ops = []
    for _ in range(n):
        kind = rng.choice(["pixel", "hline", "vline", "rect", "rect_f", "fill_rect", "fill"])
        x, y = rng.randint(-20, w + 20), rng.randint(-20, h + 20)
        a, b = rng.randint(-3, w + 10), rng.randint(-3, h + 10)
        c = rng.randint(0, 1)
        if kind == "pixel":
            ops.append(["pixel", x, y, c])
        elif kind == "hline":
            ops.append(["hline", x, y, a, c])
        elif kind == "vline":
            ops.append(["vline", x, y, b, c])
        elif kind == "rect":
            ops.append(["rect", x, y, a, b, c])
        elif kind == "rect_f":
            ops.append(["rect", x, y, a, b, c, True])
        elif kind == "fill_rect":
            ops.append(["fill_rect", x, y, a, b, c])
        elif rng.random() < 0.2:
            ops.append(["fill", c])
    return ops


def python_render(w, h, ops):
    buf = bytearray(((w + 7) // 8) * h)
    f = fb.FrameBuffer(buf, w, h, fb.MONO_HLSB)
    for op in ops:
        getattr(f, op[0])(*op[1:])
    return buf.hex()


def test_fallback_framebuffer_equals_micropython_framebuf(micropython):
    rng = random.Random(1680)
    cases = [(w, h, random_ops(rng, w, h, 60)) for _ in range(8) for (w, h) in SHAPES]
    proc = subprocess.run([micropython, "-X", "heapsize=4m", "-c", MPY_SCRIPT], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    got = proc.stdout.split()
    assert len(got) == len(cases)
    for (w, h, ops), ref in zip(cases, got):
        assert python_render(w, h, ops) == ref, (w, h, ops)


def test_fallback_pixel_reads_back_and_ignores_outside():
    buf = bytearray(2 * 3)
    f = fb.FrameBuffer(buf, 10, 3, fb.MONO_HLSB)
    f.pixel(9, 2, 1)
    assert f.pixel(9, 2) == 1 and f.pixel(8, 2) == 0
    assert f.pixel(10, 0) is None and f.pixel(-1, 0) is None
    f.pixel(10, 0, 1)  # outside: nothing happens
    assert buf == bytearray([0, 0, 0, 0, 0, 0x40])
