"""tools/extractor_compare.py: its matcher is bio_ceiling's, its scoring keeps the protocol, and
the reference pipeline gives minutiae in the card's convention (skipped without pyfing)."""
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import bio_ceiling  # noqa: E402
import extractor_compare as xc  # noqa: E402


def _finger(rng, n=30):
    return [(rng.uniform(20, 236), rng.uniform(20, 268), rng.randrange(256), rng.choice((1, 2)), 60)
            for _ in range(n)]


def _moved(ms, rng, angle_deg, shift, jitter=0.0):
    """A rigid copy (rotation about the window centre, then a shift), y down as on the sensor."""
    t = math.radians(angle_deg)
    c, s = math.cos(t), math.sin(t)
    out = []
    for x, y, a, k, q in ms:
        u, v = x - 128, -(y - 144)
        u, v = c * u - s * v, s * u + c * v
        out.append((u + 128 + shift[0] + rng.uniform(-jitter, jitter),
                    -v + 144 + shift[1] + rng.uniform(-jitter, jitter),
                    int(round(a + angle_deg * 256 / 360)) % 256, k, q))
    return out


def test_best_overlap_is_bio_ceilings():
    rng = random.Random(7)
    for trial in range(40):
        a = _finger(rng, rng.randrange(2, 40))
        b = (_moved(a, rng, rng.uniform(-30, 30), (rng.uniform(-20, 20), rng.uniform(-20, 20)), 4)
             if trial % 2 else _finger(rng, rng.randrange(2, 40)))
        b = [(round(x), round(y), t, k, q) for x, y, t, k, q in b]
        assert xc.best_overlap(a, b) == bio_ceiling.best_overlap(a, b)


def test_identical_and_rigid_copies_score_as_genuine():
    rng = random.Random(3)
    dbs = {}
    for name in ("A", "B"):
        db = {}
        for f in range(4):
            base = _finger(rng)
            imps = [list(base)] * 3  # enrolled: the very same minutiae
            imps += [list(base), _moved(base, rng, 25, (10, -7))]  # queries: identical, rigid copy
            db["%s%d" % (name, f)] = imps
        dbs[name] = db
    res = xc.evaluate(dbs)
    assert set(res) == {"thresholds", "per_db", "all"}
    assert set(res["per_db"]) == {"A", "B"}
    for r in list(res["per_db"].values()) + [res["all"]]:
        assert {"genuine", "impostor", "eer", "fnmr@0.01", "fnmr@0.001", "fmr@0.01", "fmr@0.001"} <= set(r)
    assert res["all"]["genuine"] == 2 * 4 * 2
    assert res["all"]["impostor"] == 2 * 4 * 3 * 5
    gen, imp = xc.scores(dbs["A"])
    assert gen[0] == 1.0  # identical minutiae: every minutia matched
    assert min(gen) > 0.9 and max(imp) < 0.5
    assert res["all"]["eer"] == 0.0 and res["all"]["fnmr@0.001"] == 0.0
    assert "all" in xc.table({"card": dict(res, minutiae={n: xc._count(d) for n, d in dbs.items()}),
                              "agreement_8px": {}})


def test_too_few_minutiae_score_zero():
    assert xc.score([(10, 10, 0, 1, 50)], [(10, 10, 0, 1, 50)]) == 0.0
    assert xc.best_overlap([], [(1, 2, 3, 1, 50)]) == 0


PLANTED = ((0.35, 0.35, 1), (0.65, 0.6, -1), (0.4, 0.75, 1))  # (x, y) share of the window, sign


def _ridges(h=288, w=256):
    """Straight ridges at 500-dpi spacing with three planted phase singularities: each one a
    minutia (an ending on one side of the ridge pattern is a bifurcation on the other)."""
    y, x = np.mgrid[0:h, 0:w].astype(float)
    phase = 2 * np.pi * (0.8 * x + 0.6 * y) / 9.0
    for fx, fy, sign in PLANTED:
        phase += sign * np.arctan2(y - fy * h, x - fx * w)
    return (40 + 90 * (1 + np.cos(phase))).astype(np.uint8)


@pytest.mark.skipif(not xc.reference_available(), reason="reference pipeline (pyfing, scipy, scikit-image) not installed")
def test_reference_minutiae_in_card_convention(tmp_path):
    from PIL import Image

    p = tmp_path / "1_1.png"
    Image.fromarray(_ridges(400, 320)).save(p)
    gray = xc.sensor_gray(p)  # through the simulated sensor: the card's 256x288 upload
    assert gray.shape == (288, 256) and gray.dtype == np.uint8

    ms = xc.reference_minutiae(_ridges())
    for x, y, a, k, q in ms:
        assert 0 <= x < 256 and 0 <= y < 288 and 0 <= a < 256 and k in (0, 1, 2) and 0 <= q <= 100
    fixed = xc.reference_minutiae(_ridges(), period=9)  # the card's fixed period: same pattern
    for fx, fy, _ in PLANTED:
        assert any(math.hypot(x - fx * 256, y - fy * 288) < 8 for x, y, *_ in ms), (fx, fy, ms)
        assert any(math.hypot(x - fx * 256, y - fy * 288) < 8 for x, y, *_ in fixed), (fx, fy, fixed)
    # the pattern turned 90 degrees counter-clockwise: each minutia turns with it, its angle
    # by +64 units (counter-clockwise with y up, as the card's)
    sq = _ridges(256, 256)
    ms0 = xc.reference_minutiae(sq)
    ms90 = xc.reference_minutiae(np.ascontiguousarray(np.rot90(sq)))
    assert ms0 and len(ms0) == len(ms90)
    for x, y, a, *_ in ms0:
        x2, y2, a2, *_ = min(ms90, key=lambda m: math.hypot(m[0] - y, m[1] - (255 - x)))
        assert math.hypot(x2 - y, y2 - (255 - x)) < 3
        assert abs((a2 - a - 64 + 128) % 256 - 128) <= 8
