"""tools/bio_ceiling.py: the matcher behind the documented accuracy ceiling."""
import importlib.util
import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings, strategies as st

_spec = importlib.util.spec_from_file_location(
    "bio_ceiling", Path(__file__).resolve().parents[2] / "tools" / "bio_ceiling.py")
bc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bc)


def _minutiae(rng, n):
    pts = []
    while len(pts) < n:  # spaced > 2 tolerances apart, so each has one partner at most
        x, y = rng.uniform(40, 216), rng.uniform(40, 248)
        if all((x - p[0]) ** 2 + (y - p[1]) ** 2 > 30 ** 2 for p in pts):
            pts.append((x, y, rng.integers(0, 256)))
    return pts


def _rigid(pts, phi, tx, ty):
    # y grows downwards and ISO angles turn counter-clockwise: rotate in y-up coordinates
    c, s = math.cos(phi), math.sin(phi)
    out = []
    for x, y, a in pts:
        xu, yu = x, -y
        out.append((c * xu - s * yu + tx, -(s * xu + c * yu) + ty, (a + phi * 256 / (2 * math.pi)) % 256))
    return out


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-0.8, 0.8), st.floats(-40, 40), st.floats(-40, 40))
def test_a_rigidly_moved_capture_overlaps_completely(seed, phi, tx, ty):
    a = _minutiae(np.random.default_rng(seed), 12)
    assert bc.best_overlap(a, _rigid(a, phi, tx, ty)) == 12


def test_unrelated_captures_overlap_little_and_a_partial_one_counts_its_share():
    rng = np.random.default_rng(7)
    a, b = _minutiae(rng, 12), _minutiae(rng, 12)
    assert bc.best_overlap(a, b) < 6
    assert bc.best_overlap(a, _rigid(a[:7], 0.3, 10, -5) + b[:5]) >= 7


def test_fnmr_at_reads_the_impostor_quantile():
    imp = np.arange(1000) / 1000.0  # 0.000 .. 0.999
    gen = np.array([0.5, 0.991, 0.9995, 2.0])
    r = bc.fnmr_at(gen, imp)
    assert r["fnmr@0.01"] == 0.25  # threshold 0.989: only 0.5 is at or below it
    assert r["fnmr@0.001"] == 0.5  # threshold 0.998
    assert r["fnmr@0"] == 0.5  # threshold 0.999 (the largest impostor score)
