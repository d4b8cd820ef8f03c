# k*Q for a SECRET k (ECDH, e.g. pairing): GLV halves, each written in regular signed-odd
# window form (every 4-bit window holds one odd digit in -15..15, never 0), so the sequence of
# doublings and additions is the same for every scalar: 33 x 4 doublings and 2 x 34 additions,
# plus one fixed correction addition per half. About 15% slower than the wNAF in
# secp256k1_glv, which skips zero digits and so follows the scalar's bits (fine for public
# scalars, not for secret ones). Python big ints are still not constant time; this removes
# the operation-pattern leak, the largest one we control.
from .secp256k1_glv import BETA, _odd_multiples, split_scalar
from .secp256k1_jac import N, P, jdouble

_L = 34  # 4-bit windows per half-scalar: |half| < 2^129, made odd, fits 33 windows + top digit


def _regular(h, out):
    """Odd h with 0 < h < 2^131 -> _L signed odd digits (stored d & 0xFF), LSB first."""
    for i in range(_L - 1):
        d = (h & 31) - 16  # odd since h is odd; h - d is 16 mod 32, so h stays odd
        out[i] = d & 0xFF
        h = (h - d) >> 4
    out[_L - 1] = h  # 1 here for every h in range


def jmul_const(pt, k):
    """k*pt in Jacobian coordinates with a scalar-independent operation sequence."""
    k %= N
    if k == 0 or pt is None:
        return None
    p = P
    xs, ys, zg = _odd_multiples(pt[0], pt[1])
    halves = []
    for h, XT in zip(split_scalar(k), (xs, [xx * BETA % p for xx in xs])):
        # Fold the sign into the table and force the half odd; an even half is computed as
        # h + 1 and corrected by subtracting the base point at the end (always one addition).
        neg_ys = [p - yy for yy in ys]
        YT = neg_ys if h < 0 else ys
        a = -h if h < 0 else h
        fix = 1 - (a & 1)
        w = bytearray(_L)
        _regular(a + fix, w)
        halves.append((w, XT, YT, fix))
    inf = True
    X = Y = Z = 0
    # Throw-away accumulator for a correction step that is not needed. It starts at 3P: from P
    # the first one (-P or +P, by the secret sign of the first half) would hit _madd's
    # infinity or doubling case, whose costs differ from a plain addition's.
    dX, dY, dZ = xs[1], ys[1], 1
    for i in range(_L - 1, -1, -1):
        if not inf:
            for _ in range(4):
                A = X * X % p
                B = Y * Y % p
                C = B * B % p
                D = X + B
                D = 2 * (D * D - A - C) % p
                E = 3 * A
                Z = 2 * Y * Z % p
                X = (E * E - 2 * D) % p
                Y = (E * (D - X) - 8 * C) % p
        for w, XT, YT, _ in halves:
            v = w[i]
            if v < 128:
                x2 = XT[v >> 1]
                y2 = YT[v >> 1]
            else:
                x2 = XT[(256 - v) >> 1]
                y2 = p - YT[(256 - v) >> 1]
            X, Y, Z, inf = _madd(X, Y, Z, inf, x2, y2)
    for _, XT, YT, fix in halves:
        if fix:
            X, Y, Z, inf = _madd(X, Y, Z, inf, XT[0], p - YT[0])
        else:
            dX, dY, dZ, _ = _madd(dX, dY, dZ, False, XT[0], p - YT[0])
    if inf:
        return None
    return (X, Y, Z * zg % p)


def _madd(X, Y, Z, inf, x2, y2):
    """Mixed addition in the tables' common-Z frame; returns (X, Y, Z, inf)."""
    if inf:
        return x2, y2, 1, False
    p = P
    z2 = Z * Z % p
    H = (x2 * z2 - X) % p
    r = (y2 * z2 * Z - Y) % p
    if H == 0:
        if r == 0:
            X, Y, Z = jdouble((X, Y, Z))
            return X, Y, Z, False
        return 0, 0, 0, True
    HH = H * H % p
    HHH = H * HH % p
    V = X * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return X3, (r * (V - X3) - Y * HHH) % p, Z * H % p, False
