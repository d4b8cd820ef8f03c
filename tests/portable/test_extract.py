# heapsize: 2m
# Minutiae extractor on synthetic ridge images with a minutia of known position, type and
# direction (portable: runs under CPython and under the MicroPython unix port).
#
# The synthetic image is a ridge pattern whose phase winds once around (cx, cy):
#     phase = 2*pi*v/T + atan2(v, u),  (u, v) = coordinates along / across the direction theta
# so one extra ridge line starts at (cx, cy) and runs in direction theta. With dark ridges at
# cos(phase) = 1 that line is a ridge that ENDS at (cx, cy) (a valley continues behind it):
# a ridge ending whose ISO direction (from the end along the ridge) is theta. With the
# polarity flipped the extra line is a valley, so the ridge behind it FORKS around it: a
# bifurcation whose ISO direction (along the fork, away from the stem) is theta.
import math

from ptest import raises

from bioshard_card.bio import extract as E

W, H = E.WIDTH, E.HEIGHT


def synth(cx, cy, theta_deg, polarity, period=9.0, amp=110, singular=True):
    """Packed 4-bit sensor image (see the module comment); polarity +1 ending, -1 fork."""
    t = math.radians(theta_deg)
    c, s = math.cos(t), math.sin(t)
    k = 2 * math.pi / period
    packed = bytearray(W * H // 2)
    row = bytearray(W)
    for y in range(H):
        dy = y - cy
        for x in range(W):
            dx = x - cx
            # image y points down: ISO direction theta is (cos t, -sin t) in image pixels
            u = dx * c - dy * s
            v = dx * s + dy * c
            ph = k * v + (math.atan2(v, u) if singular else 0.0)
            row[x] = int(128 - polarity * amp * math.cos(ph))
        base = y * W // 2
        for i in range(W // 2):
            packed[base + i] = (row[2 * i] >> 4) << 4 | (row[2 * i + 1] >> 4)
    return packed


def angle_diff_deg(a, b):
    d = (a - b) & 255
    return min(d, 256 - d) * 360 / 256


def nearest(ms, x, y):
    best = None
    for m in ms:
        d = math.sqrt((m[0] - x) ** 2 + (m[1] - y) ** 2)
        if best is None or d < best[0]:
            best = (d, m)
    return best


def check_single(cx, cy, theta, polarity, kind):
    ms = E.extract_minutiae(synth(cx, cy, theta, polarity))
    best = nearest(ms, cx, cy)
    assert best is not None, "no minutia found"
    d, m = best
    assert d <= 6, (d, m)
    assert m[3] == kind, m
    assert angle_diff_deg(m[2], theta * 256 // 360) <= 20, (m, theta)
    # the rest of the image is clean parallel ridges: nothing else may be reported
    assert len(ms) == 1, ms


def test_ridge_ending_position_type_direction():
    for theta in (0, 70, 135, 200, 290):
        check_single(120, 140, theta, +1, 1)


def test_bifurcation_position_type_direction():
    for theta in (20, 100, 180, 250, 330):
        check_single(136, 150, theta, -1, 2)


def test_parallel_ridges_give_no_minutiae():
    for theta in (0, 45, 100):
        ms = E.extract_minutiae(synth(128, 144, theta, 1, singular=False))
        assert ms == [], ms


def test_flat_image_has_no_fingerprint():
    f = E.extract(bytes([0x99]) * E.PACKED_LEN)
    assert f.minutiae == []
    assert sum(f.mask) == 0
    assert all(v == 255 for v in f.orientation)


def test_output_contract_and_determinism():
    img = synth(100, 160, 45, 1)
    f = E.extract(img)
    assert len(f.mask) == f.bw * f.bh == (W // f.block) * (H // f.block)
    assert len(f.orientation) == len(f.coherence) == len(f.mask)
    for b in range(len(f.mask)):
        if f.mask[b]:
            assert 0 <= f.orientation[b] < 128 and 0 <= f.coherence[b] <= 100
        else:
            assert f.orientation[b] == 255
    ms = f.minutiae
    assert 0 < len(ms) <= E.MAX_MINUTIAE
    for m in ms:
        assert len(m) == 5 and all(isinstance(v, int) for v in m)
        x, y, a, k, q = m
        assert 0 <= x < W and 0 <= y < H and 0 <= a < 256 and k in (1, 2) and 0 <= q <= 100
    qs = [m[4] for m in ms]
    assert qs == sorted(qs, reverse=True)
    assert E.extract_minutiae(img) == ms
    assert E.extract_minutiae(bytes(img)) == ms


def test_orientation_field_matches_ridges():
    # plain ridges at 30 degrees (ISO, counter-clockwise): orientation 30 deg = 21 units
    f = E.extract(synth(128, 144, 30, 1, singular=False))
    inside = [f.orientation[b] for b in range(len(f.mask)) if f.mask[b]]
    assert len(inside) > 0.8 * (f.bw - 2) * (f.bh - 2)
    for a in inside:
        d = (a - 21) % 128
        assert min(d, 128 - d) * 360 / 256 <= 12, a


def test_unpack_nibble_order():
    packed = bytearray(E.PACKED_LEN)
    packed[0] = 0xF0
    packed[1] = 0x1E
    packed[-1] = 0x0F
    g = E.unpack(packed)
    assert len(g) == W * H
    assert (g[0], g[1], g[2], g[3]) == (255, 0, 17, 238)
    assert (g[-2], g[-1]) == (0, 255)


def test_wrong_size_rejected():
    raises(ValueError, E.extract_minutiae, bytes(E.PACKED_LEN - 1))
    raises(ValueError, E.extract_minutiae, bytes(E.PACKED_LEN + 2))


def test_intermediate_images_are_wiped():
    # the grey/enhanced image and the skeleton must not be left in the heap: extract_gray
    # zeroes its work buffer, extract zeroes the grey image it unpacked
    from bioshard_card.bio import extract as X

    img = synth(120, 140, 0, 1)
    gray = X.unpack(img)
    sk = []
    f = X.extract_gray(gray, W, H, skeleton_out=sk)
    assert len(f.minutiae) == 1 and sum(sk[0]) > 1000  # there was a skeleton ...
    seen = []
    real_unpack = X.unpack
    try:
        X.unpack = lambda p, K=None: seen.append(real_unpack(p, K)) or seen[-1]
        ms = X.extract_minutiae(img)
    finally:
        X.unpack = real_unpack
    assert ms == f.minutiae
    assert len(seen) == 1 and not any(seen[0])  # ... and the grey/enhanced buffer is zero
