# The finger vault (aligned improved fuzzy vault), its Reed-Solomon decoder and the press
# consolidation, on synthetic fingers; the same module runs under CPython and MicroPython.
from ptest import raises

from bioshard_card.bio import consolidate, finger_vault as fv, gf16, rs_decode as rs
from test_fuzzy_synth import Lcg, finger, impression, lcg_bytes
from gf16_ref import distinct_points, mul16


_rng = lcg_bytes


def _poly_eval(p, x):
    acc = 0
    for c in reversed(p):
        acc = gf16.mul(acc, x) ^ c
    return acc


def _codeword(seed, n, k, errors):
    r = Lcg(seed)
    f = [r.next(65536) for _ in range(k)]
    xs = distinct_points(r, n)
    ys = [_poly_eval(f, x) for x in xs]
    for i in range(errors):
        ys[i] ^= 1 + r.next(65535)  # a different value: an error
    return f, xs, ys


def test_gao_decodes_up_to_half_the_redundancy():
    for seed, n, k in ((1, 20, 8), (2, 30, 12), (3, 13, 13), (4, 25, 5)):
        for errors in range(0, (n - k) // 2 + 1):
            f, xs, ys = _codeword(seed * 100 + errors, n, k, errors)
            assert rs.decode(xs, ys, k) == f, (seed, errors)


def test_gao_refuses_beyond_its_radius_or_too_few_points():
    f, xs, ys = _codeword(7, 20, 8, 20)  # every point wrong
    got = rs.decode(xs, ys, 8)
    assert got is None or got != f
    assert rs.decode(xs[:5], ys[:5], 8) is None


def test_polynomial_helpers():
    a = [3, 0, 5, 1]
    b = [7, 1]
    q, r = rs.divmod_(rs.mul(a, b), b)
    assert q == a and r == []
    m = rs.master([2, 9, 77])
    for x in (2, 9, 77):
        assert _poly_eval(m, x) == 0
    assert rs.interpolate([1, 2, 3], [_poly_eval(a[:3], x) for x in (1, 2, 3)]) == rs.trim(a[:3])


def _consolidated(seed, presses=6):
    c = consolidate.Consolidated()
    base = finger(seed)
    for i in range(presses):
        c.add(impression(base, i + 1))
    return c


def test_consolidation_merges_presses_of_one_finger():
    c = _consolidated(40)
    ms = c.minutiae()
    assert c.presses == 6
    assert sum(1 for m in ms if m[3] >= 4) >= 25  # most minutiae seen again and again
    assert ms == sorted(ms, key=lambda m: (-m[3], -m[4], m[0], m[1]))
    ok, added = c.add(impression(finger(41), 1))  # another finger does not align
    assert not ok and added == 0 and c.presses == 6
    assert 0 < c.coverage() <= 100
    c.wipe()
    assert c.points == [] and c.presses == 0


def test_the_same_finger_opens_its_vault_and_another_does_not():
    key, helper = fv.enroll(_consolidated(42).minutiae(), _rng(1))
    assert len(helper) == fv.HELPER_LEN and len(key) == 32
    assert fv.unlock(helper, impression(finger(42), 9)) == key
    assert fv.unlock(helper, impression(finger(42), 10)) == key
    for other in (43, 44, 45):
        assert fv.unlock(helper, impression(finger(other), 9)) is None
    assert fv.unlock(helper, impression(finger(42), 9)[:fv.MIN_MINUTIAE - 1]) is None


def test_a_modified_helper_never_yields_a_wrong_key():
    # salt or check value changed: nothing opens; one reference frame changed: the others may
    # still open it, but the check value never lets a different key through (the blob MAC
    # then refuses the modified blob, sequence.py)
    key, helper = fv.enroll(_consolidated(46).minutiae(), _rng(2))
    for at in (5, 4 + fv.SALT_LEN + 1):
        bad = bytearray(helper)
        bad[at] ^= 0x10
        assert fv.unlock(bytes(bad), impression(finger(46), 9)) is None
    for at in range(fv.HEADER_LEN, len(helper), 97):
        bad = bytearray(helper)
        bad[at] ^= 0x10
        try:
            got = fv.unlock(bytes(bad), impression(finger(46), 9))
        except fv.HelperError:
            continue
        assert got is None or got == key


def test_helper_parser_names_the_problem():
    _, helper = fv.enroll(_consolidated(47).minutiae(), _rng(3))
    raises(fv.HelperError, fv.parse_helper, helper[:-1])
    raises(fv.HelperError, fv.parse_helper, b"XV" + helper[2:])
    raises(fv.HelperError, fv.parse_helper, helper[:2] + b"\x02" + helper[3:])
    raises(fv.HelperError, fv.parse_helper, helper[:3] + b"\x00" + helper[4:])
    raises(fv.HelperError, fv.parse_helper, "text")


def test_too_few_reliable_minutiae_cannot_be_enrolled():
    c = consolidate.Consolidated()
    c.add(impression(finger(48), 1))  # one press: nothing has been seen twice
    raises(fv.VaultError, fv.enroll, c.minutiae(), _rng(4))


def test_two_enrollments_of_one_finger_share_no_published_element_data():
    # fresh salt, fresh reference pairs and fresh padding per enrollment: the published
    # coefficient vectors of two enrollments of the same finger agree no more than chance
    c = _consolidated(49)
    _, h1 = fv.enroll(c.minutiae(), _rng(5))
    _, h2 = fv.enroll(c.minutiae(), _rng(6))
    _, _, _, r1 = fv.parse_helper(h1)
    _, _, _, r2 = fv.parse_helper(h2)
    same = 0
    total = 0
    for a in r1:
        for b in r2:
            for i in range(0, len(a[4]), 2):
                total += 1
                same += a[4][i] == b[4][i] and a[4][i + 1] == b[4][i + 1]
    assert same <= 5, same  # expected total / 65536 ~ 0.6
    assert fv.unlock(h1, impression(finger(49), 9)) != fv.unlock(h2, impression(finger(49), 9))
    # the same randomness would give the same record: the check above can fail
    _, h3 = fv.enroll(c.minutiae(), _rng(5))
    assert h3 == h1


def test_field_multiplication_matches_a_table_free_reference():
    # gf16.mul may be the viper version on MicroPython (gf16_viper replaces it): both must
    # equal (a1 x + a0)(b1 x + b0) mod x^2 + x + BETA computed from scratch
    r = Lcg(77)
    for _ in range(400):
        a, b = r.next(65536), r.next(65536)
        assert gf16.mul(a, b) == mul16(a, b, gf16.BETA), (a, b)
    assert rs._mul(0, 1234) == 0 and rs._mul(1, 1234) == 1234
