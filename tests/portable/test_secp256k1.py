# heapsize: 2m
# secp256k1 arithmetic against a textbook affine implementation written here (independent of
# the card's Jacobian/comb/GLV code), plus encodings and the committed k*G table.
import os

from ptest import raises

from bioshard_card.crypto import secp256k1 as ec
from bioshard_card.crypto.secp256k1_gtable import TABLE

P = ec.P
N = ec.N


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], P - 2, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], P - 2, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return (x, (lam * (a[0] - x) - a[1]) % P)


def _mul(pt, k):
    r = None
    while k:
        if k & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        k >>= 1
    return r


def _rand():
    return int.from_bytes(os.urandom(32), "big") % N


EDGE = [1, 2, 3, 7, 255, 256, 1 << 32, (1 << 32) - 1, 1 << 255, (1 << 128) + 1,
        N - 1, N - 2, N // 2, ec.LAMBDA, N - ec.LAMBDA]


def test_generator_is_on_curve_and_has_order_n():
    assert ec.is_on_curve(ec.G)
    assert ec.mul_g(N) is None
    assert ec.mul_g(0) is None
    assert ec.mul(ec.G, N) is None


def test_mul_g_matches_textbook_on_edge_and_random_scalars():
    for k in EDGE + [_rand() for _ in range(6)]:
        assert ec.mul_g(k) == _mul(ec.G, k), k


def test_mul_variable_base_matches_textbook():
    Q = _mul(ec.G, _rand())
    for k in EDGE + [_rand() for _ in range(6)]:
        assert ec.mul(Q, k) == _mul(Q, k % N), k
    # and on G itself, against the comb
    for k in EDGE:
        assert ec.mul(ec.G, k) == ec.mul_g(k)


def test_mul_g_add_is_the_sum():
    Q = _mul(ec.G, _rand())
    for _ in range(3):
        s, e = _rand(), _rand()
        assert ec.mul_g_add(s, Q, e) == _add(_mul(ec.G, s), _mul(Q, e))
    # cancellation: s*G + (n - s)*G = infinity
    s = _rand()
    assert ec.mul_g_add(s, ec.G, N - s) is None


def test_endomorphism_constants():
    assert ec.mul_g(ec.LAMBDA) == (ec.BETA * ec.GX % P, ec.GY)
    assert pow(ec.BETA, 3, P) == 1 and ec.BETA != 1
    assert pow(ec.LAMBDA, 3, N) == 1 and ec.LAMBDA != 1


def test_split_scalar_recombines_with_short_halves():
    for k in EDGE + [_rand() for _ in range(20)]:
        k1, k2 = ec.split_scalar(k)
        assert (k1 + k2 * ec.LAMBDA - k) % N == 0
        assert -(1 << 129) < k1 < (1 << 129)
        assert -(1 << 129) < k2 < (1 << 129)


def test_committed_comb_table_entries():
    assert len(TABLE) == 16
    assert sum(len(c) for c in TABLE) == 255 * 64
    teeth = [_mul(ec.G, 1 << (32 * j)) for j in range(8)]
    for m in (1, 2, 3, 128, 170, 255):
        acc = None
        for j in range(8):
            if m >> j & 1:
                acc = _add(acc, teeth[j])
        ch = TABLE[(m - 1) >> 4]
        o = ((m - 1) & 15) * 64
        assert int.from_bytes(ch[o:o + 32], "big") == acc[0], m
        assert int.from_bytes(ch[o + 32:o + 64], "big") == acc[1], m


def test_jacobian_special_cases():
    A = ec.mul_g(5)
    jA = ec.to_jacobian(A)
    assert ec.to_affine(ec.jadd(jA, jA)) == _mul(ec.G, 10)
    assert ec.jadd(jA, ec.to_jacobian(ec.negate(A))) is None
    assert ec.jadd(None, jA) == jA and ec.jadd(jA, None) == jA
    assert ec.to_affine(ec.jdouble(jA)) == _mul(ec.G, 10)
    assert ec.point_add(A, ec.negate(A)) is None
    # Jacobian inputs with Z != 1 on both sides (jadd works on the curve where j2 is affine)
    j2A = ec.jdouble(jA)
    j3A = ec.jadd(j2A, jA)
    assert j2A[2] != 1 and j3A[2] != 1
    assert ec.to_affine(ec.jadd(j2A, j3A)) == _mul(ec.G, 25)
    assert ec.to_affine(ec.jadd(j3A, j3A)) == _mul(ec.G, 30)
    assert ec.jadd(j3A, (j3A[0], P - j3A[1], j3A[2])) is None


def test_lift_x_and_compressed_encoding():
    for k in (1, 2, _rand(), _rand()):
        pt = ec.mul_g(k)
        c = ec.cbytes(pt)
        assert len(c) == 33 and c[0] in (2, 3)
        assert ec.cpoint(c) == pt
        even = ec.lift_x(pt[0])
        assert even[1] % 2 == 0 and even[0] == pt[0]
    assert ec.lift_x(P) is None
    assert ec.lift_x(5) is None  # 5^3 + 7 = 132 is not a square mod p
    assert ec.cpoint_ext(bytes(33)) is None
    assert ec.cbytes_ext(None) == bytes(33)
    raises(ValueError, ec.cpoint, b"\x04" + ec.xbytes(ec.G))
    raises(ValueError, ec.cpoint, b"\x02" + (5).to_bytes(32, "big"))
    raises(ValueError, ec.cpoint, b"\x02" + P.to_bytes(32, "big"))
    raises(ValueError, ec.cpoint, ec.cbytes(ec.G)[:32])


def test_mul_g2_shares_one_inversion_and_matches_mul_g():
    for _ in range(3):
        a, b = _rand() or 1, _rand() or 1
        assert ec.mul_g2(a, b) == (_mul(ec.G, a), _mul(ec.G, b))


def test_cpoint_cache_returns_correct_points_for_both_parities():
    pt = ec.mul_g(_rand() or 1)
    c = ec.cbytes(pt)
    other = bytes((5 - c[0],)) + c[1:]  # same x, other parity
    for _ in range(2):  # second round comes from the cache
        assert ec.cpoint(c) == pt
        assert ec.cpoint(bytearray(other)) == ec.negate(pt)
    raises(ValueError, ec.cpoint, b"\x05" + c[1:])


def test_jmul_multi_is_the_sum_of_products():
    pts = [_mul(ec.G, _rand() or 1) for _ in range(3)]
    ks = [_rand(), 0, N - 1]
    expect = None
    for pt, k in zip(pts, ks):
        expect = _add(expect, _mul(pt, k % N))
    assert ec.to_affine(ec.jmul_multi(pts, ks)) == expect
    # cancelling terms: k*P + (n - k)*P = infinity
    k = _rand() or 1
    assert ec.jmul_multi([pts[0], pts[0]], [k, N - k]) is None
    assert ec.jmul_multi([], []) is None


class _CountingP:
    """Stands in for the field prime in the arithmetic modules and counts the reductions
    `x % p`: every doubling and addition does a fixed number of them, so equal counts mean
    the same sequence of operations."""

    def __init__(self):
        self.n = 0

    def __rmod__(self, x):
        self.n += 1
        return x % P

    def __sub__(self, x):
        return P - x


def _reductions(fn, *args):
    import bioshard_card.crypto.secp256k1_const as sc
    import bioshard_card.crypto.secp256k1_glv as sg
    import bioshard_card.crypto.secp256k1_jac as sj
    import bioshard_card.crypto.secp256k1_ladder as sl

    mods = (sc, sg, sj, sl)
    cp = _CountingP()
    for m in mods:
        m.P = cp
    try:
        j = fn(*args)
    finally:
        for m in mods:
            m.P = P
    return j, cp.n


def test_secret_scalar_mul_has_a_fixed_operation_sequence():
    import bioshard_card.crypto.secp256k1_const as sc

    Q = _mul(ec.G, _rand() or 1)
    counts = []
    for k in (1, 2, N - 1, 1 << 200, _rand(), _rand()):
        j, n = _reductions(sc.jmul_const, Q, k)
        assert ec.to_affine(j) == _mul(Q, k % N), k
        counts.append(n)
    # 4 * 33 doublings and 2 * 34 + 2 additions over the two tables, whatever the scalar
    assert counts[0] > 4 * 33 * 7 + 70 * 10 and counts == [counts[0]] * len(counts), counts
    # the instrument sees a scalar-dependent sequence: the wNAF path's (public scalars only)
    wnaf = [_reductions(ec.jmul, Q, k)[1] for k in (1 << 200, _rand(), _rand())]
    assert len(set(wnaf)) > 1, wnaf
