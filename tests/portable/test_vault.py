# Fuzzy-vault prototype (bio/vault*.py): GF(2^16) arithmetic against an independent
# table-free implementation, interpolation, and enroll/unlock on synthetic fingers that are
# rotated and shifted on the sensor (the vault must align them itself).
from ptest import raises

from bioshard_card.bio import vault, align as align, gf16 as gf
from test_fuzzy_synth import Lcg, check_reenrollment_gives_a_new_key, enrolled, finger, impression, lcg_bytes
from gf16_ref import clmul8, distinct_points, mul16


def test_gf8_tables_match_carryless_multiplication():
    r = Lcg(3)
    for _ in range(2000):
        a, b = r.next(256), r.next(256)
        assert gf.mul8(a, b) == clmul8(a, b)


def test_beta_makes_a_field():
    # x^2 + x + BETA irreducible over GF(2^8) <=> no root
    for z in range(256):
        assert gf.mul8(z, z) ^ z ^ gf.BETA != 0


def test_gf16_mul_inverse_and_axioms():
    r = Lcg(5)
    for _ in range(1500):
        a, b, c = 1 + r.next(65535), r.next(65536), r.next(65536)
        assert gf.mul(a, b) == mul16(a, b, gf.BETA)
        assert gf.mul(a, gf.inv(a)) == 1
        assert gf.mul(gf.mul(a, b), c) == gf.mul(a, gf.mul(b, c))
        assert gf.mul(a, b ^ c) == gf.mul(a, b) ^ gf.mul(a, c)
    assert raises(ZeroDivisionError, gf.inv, 0)


def test_interpolation_recovers_the_polynomial():
    r = Lcg(7)
    for k in (1, 2, 5, 9, 13):
        coeffs = [r.next(65536) for _ in range(k)]
        xs = distinct_points(r, k)
        ys = [gf.poly_eval(coeffs, x) for x in xs]
        out = [0] * k
        assert gf.interpolate(xs, ys, out, [0] * (k + 1)) == coeffs
    assert raises(ValueError, gf.interpolate, [5, 5], [1, 2], [0, 0], [0, 0, 0])


_rng = lcg_bytes


def _enrolled(seed):
    return enrolled(vault.enroll, seed)


def test_rotated_shifted_recapture_unlocks():
    base, key, helper = _enrolled(60)
    assert len(key) == 32
    for i in (4, 5, 6):
        # 10 degrees and 30 px on top of the enrollment captures' own motion
        q = impression(base, i, shift=30, rot_deg=20.0)
        assert vault.unlock(helper, q) == key


def test_other_fingers_do_not_unlock():
    _, key, helper = _enrolled(61)
    for other in (62, 63, 64, 65):
        st = vault.Stats()
        assert vault.unlock(helper, impression(finger(other), 1), st) is None
        assert st.trials <= vault.TRIALS


def test_helper_layout_and_points_hide_genuine_count():
    base, _, helper = _enrolled(66)
    degree, salt, check, pts = vault.parse(helper)
    assert degree == vault.DEGREE and len(salt) == vault.SALT_LEN and len(check) == vault.CHECK_LEN
    assert len(helper) == vault.HEADER_LEN + vault.POINT_LEN * len(pts)
    gen = vault.select_genuine([impression(base, i) for i in (1, 2, 3)])
    assert vault.G_MIN <= len(gen) <= vault.G_MAX
    assert len(pts) > 4 * len(gen)  # chaff dominates
    us = [p[3] for p in pts]
    assert us == sorted(us) and len(set(us)) == len(us)


def test_same_finger_new_enrollment_new_key():
    check_reenrollment_gives_a_new_key(vault.enroll, vault.unlock, 67, 9)


def test_parser_is_strict():
    _, _, helper = _enrolled(68)
    assert raises(vault.VaultError, vault.parse, helper[:-1])
    assert raises(vault.VaultError, vault.parse, helper[:10])
    bad = bytearray(helper)
    bad[0] = 9
    assert raises(vault.VaultError, vault.parse, bytes(bad))
    bad = bytearray(helper)
    bad[1] = 0
    assert raises(vault.VaultError, vault.parse, bytes(bad))
    # swap two points: abscissae no longer increasing
    bad = bytearray(helper)
    o = vault.HEADER_LEN
    p = vault.POINT_LEN
    bad[o:o + p], bad[o + p:o + 2 * p] = helper[o + p:o + 2 * p], helper[o:o + p]
    assert raises(vault.VaultError, vault.parse, bytes(bad))


def test_poor_captures_refused():
    base = finger(69)
    assert raises(vault.VaultError, vault.enroll, [impression(base, 1)], _rng(1))
    assert raises(vault.VaultError, vault.enroll, [impression(base, 1), base[:5]], _rng(1))
    _, _, helper = _enrolled(70)
    assert vault.unlock(helper, base[:5]) is None


def test_alignment_finds_a_known_transform():
    base = finger(71)
    grid_pts = [(m[0], m[1], m[2]) for m in base]
    # move the finger by rotation index 6 (+22.5 degrees) and (-20, +14) px, then align back
    q = []
    for m in base:
        x, y, a = align.apply(m, 6, -20, 14)
        q.append((x, y, a, 1, 60))
    peaks = align.hough(q, grid_pts, 1)
    _, r, tx, ty = peaks[0]
    assert r == 2  # the inverse rotation, -22.5 degrees
    got = align.matches(q, align.Grid(grid_pts), r, tx, ty)
    assert len(got) >= len(base) - 4


def test_subset_search_tries_every_subset_once_closest_first():
    seen = []
    real = gf.interpolate

    def spy(xs, ys, out, work):
        seen.append(tuple(sorted(xs)))
        return out

    pts = [(0, 0, 0, u, 0) for u in range(9)]
    gf.interpolate = spy
    try:
        got = vault._try_set(list(range(9)), pts, 4, b"", b"\xff" * 8, 1000, vault.Stats())
    finally:
        gf.interpolate = real
    assert got is None
    # C(9, 4) = 126 distinct subsets, the 4 closest first, then those adding the 5th, ...
    assert len(seen) == 126 and len(set(seen)) == 126
    assert seen[0] == (0, 1, 2, 3) and set(seen[1:5]) == {(0, 1, 2, 4), (0, 1, 3, 4), (0, 2, 3, 4), (1, 2, 3, 4)}
    seen[:] = []
    gf.interpolate = spy
    try:
        vault._try_set(list(range(9)), pts, 4, b"", b"\xff" * 8, 7, vault.Stats())
    finally:
        gf.interpolate = real
    assert len(seen) == 7  # the budget bounds the work
